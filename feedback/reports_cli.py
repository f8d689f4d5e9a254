"""`flask reports export` and `flask privacy anonymise`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from .extensions import db

reports_cli = AppGroup("reports", help="Reports for the People's Committee.")
privacy_cli = AppGroup("privacy", help="Personal data retention.")


@reports_cli.command("export")
@click.option("--year", type=int, default=None, help="Required unless --from and --to are given.")
@click.option("--quarter", type=click.IntRange(1, 4), default=None)
@click.option("--cutoff", is_flag=True, help="15th-to-14th period (ND 09/2019) instead of calendar dates.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Custom period start.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Custom period end.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--detail", is_flag=True, help="CSV: the detailed list instead of the summary table.")
def reports_export(year: int | None, quarter: int | None, cutoff: bool, start, end, fmt: str, output: str,
                   detail: bool) -> None:
    """Write the report of a year, a quarter or a from/to period to an XLSX or CSV file."""
    from .services import ServiceError
    from .services import reports as svc
    from .timeutil import local_today

    try:
        if start or end:
            if not (start and end):
                raise click.UsageError("--from and --to go together")
            period = svc.custom_period(start.date(), end.date())
        elif year is None:
            raise click.UsageError("give --year (and optionally --quarter), or --from and --to")
        else:
            period = svc.period_for(year, quarter, cutoff)
    except ServiceError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field or 'year'}") from None
    report = svc.build_report(period, local_today())
    if fmt == "xlsx":
        data = svc.to_xlsx(report, svc.detail_rows(report))
    elif detail:
        data = svc.details_csv(svc.detail_rows(report))
    else:
        data = svc.to_csv(report)
    Path(output).write_bytes(data)
    t = report.total
    click.echo(f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y} (as of {report.as_of:%d/%m/%Y}): received {t.received}, "
               f"on time {t.answered_on_time}, late {t.answered_late}, open {t.open_in_time}, "
               f"overdue {t.open_overdue} -> {output}")


@reports_cli.command("satisfaction")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def reports_satisfaction(year: int, quarter: int | None, fmt: str, output: str) -> None:
    """Write the survey data (one line per rating, no personal data) for the national portal."""
    from .services import ServiceError
    from .services import reports as svc
    from .services import satisfaction

    try:
        period = svc.period_for(year, quarter)
    except ServiceError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field or 'year'}") from None
    rows = satisfaction.export_rows(period.start, period.end)
    data = satisfaction.export_csv(rows) if fmt == "csv" else satisfaction.export_json(rows, period.start, period.end)
    Path(output).write_bytes(data)
    figures = satisfaction.figures(period.start, period.end).total
    click.echo(f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}: {len(rows)} ratings (satisfied {figures.satisfied}, "
               f"acceptable {figures.acceptable}, dissatisfied {figures.dissatisfied}), reviews "
               f"{figures.reviews_requested} ({figures.reviews_changed} changed the outcome), returns "
               f"{figures.returns} -> {output}")


@privacy_cli.command("anonymise")
@click.option("--older-than", "days", type=click.IntRange(min=0), required=True, metavar="DAYS",
              help="Closed more than this many days ago.")
@click.option("--dry-run", is_flag=True, help="Only count the tickets that would be anonymised.")
@click.option("--now", "now_text", default=None, metavar="ISO-8601", help="Run as if it were this moment.")
def privacy_anonymise(days: int, dry_run: bool, now_text: str | None) -> None:
    """Replace the submitter's personal data of tickets closed more than DAYS ago with a marker."""
    from .cli import parse_now_or_fail
    from .services import privacy

    now = parse_now_or_fail(now_text)
    if dry_run:
        click.echo(f"{len(privacy.due_for_anonymisation(days, now))} tickets would be anonymised")
        return
    result = privacy.anonymise(days, now)
    db.session.commit()
    privacy.remove_files(result.files)  # after commit: a rolled-back run keeps its files
    click.echo(f"anonymised {len(result.codes)} tickets, removed {len(result.files)} attachment files")


def register(app) -> None:
    app.cli.add_command(reports_cli)
    app.cli.add_command(privacy_cli)
