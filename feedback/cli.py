"""Every `flask` command: seed and demo, units, users, attachments, outbox, reminders, calendar, scheduler,
reports, privacy and search."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db
from .models import Unit, User
from .timeutil import parse_now


def now_option(func):
    """The `--now ISO-8601` option every job command takes (local time when no offset is given)."""
    return click.option(
        "--now", "now_text", default=None, metavar="ISO-8601", help="Run as if it were this moment (default: now)."
    )(func)


def parse_now_or_fail(now_text: str | None):
    try:
        return parse_now(now_text)
    except ValueError:
        raise click.BadParameter(f"not an ISO-8601 moment: {now_text}", param_hint="--now") from None


@click.command("seed")
def seed_command() -> None:
    """Load the default organisation (units, categories, deadline rules); safe to run again."""
    from .data.seed import seed_organisation

    added = seed_organisation()
    db.session.commit()
    click.echo(f"Seeded: {added['units']} units, {added['categories']} categories, {added['rules']} rules added.")


@click.command("demo")
def demo_command() -> None:
    """Seed, then add demo staff (one per role, passwords printed) and sample tickets."""
    from .data.demo import create_demo_tickets, create_demo_users
    from .data.seed import seed_organisation
    from .timeutil import utcnow

    seed_organisation()
    users = create_demo_users()
    tickets = create_demo_tickets(utcnow())
    db.session.commit()
    click.echo("Demo staff accounts (sign in at /staff/login):")
    for email, role, password in users:
        click.echo(f"  {role:<12} {email:<36} {password}")
    click.echo(f"Sample tickets added: {len(tickets)}")


units_cli = AppGroup("units", help="Units of the department.")


@units_cli.command("list")
def units_list() -> None:
    """Print one unit a line: code, then name."""
    for unit in db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars():
        suffix = "" if unit.active else " (ngừng hoạt động)"
        click.echo(f"{unit.code}\t{unit.name}{suffix}")


users_cli = AppGroup("users", help="Staff accounts.")

PASSWORD_PROBLEMS = {
    "short": "at least 12 characters",
    "long": "at most 200 characters",
    "common": "this is a common password; choose another",
    "weak": "too easy to guess (repeats, keyboard runs, a common word with digits); choose a longer phrase",
}


def check_password_policy(password: str, email: str, name: str) -> None:
    """:raises click.BadParameter: when the password policy (domain/passwords.py) refuses it."""
    from .domain.passwords import password_problem

    problem = password_problem(password, known=(email, name))
    if problem:
        raise click.BadParameter(PASSWORD_PROBLEMS[problem], param_hint="--password")


@users_cli.command("end-sessions")
@click.argument("email", required=False)
@click.option("--all", "everyone", is_flag=True, help="End the sessions of every staff account.")
def users_end_sessions(email: str | None, everyone: bool) -> None:
    """Sign a user (or, with --all, everyone) out of every browser at once."""
    if bool(email) == everyone:
        raise click.UsageError("give either EMAIL or --all")
    stmt = db.select(User)
    if email:
        stmt = stmt.where(User.email == email.strip().lower())
    users = list(db.session.execute(stmt).scalars())
    if email and not users:
        raise click.ClickException(f"no user with email {email}")
    for user in users:
        user.end_sessions()
    db.session.commit()
    click.echo(f"Ended the sessions of {len(users)} account(s).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["officer", "unit_head", "coordinator", "director", "admin"]))
@click.option("--unit", "unit_code", default=None, help="Unit code (required for officer and unit_head).")
@click.option("--name", default=None)
@click.option("--password", default=None, help="Prompted for when not given.")
@click.option("--position", default=None, help='Position in the signer block of letters, e.g. "Phó Giám đốc".')
@click.option("--authority", default=None, help='Authority line of letters, e.g. "KT. Giám đốc" (default by role).')
def users_create(
    email: str,
    role: str,
    unit_code: str | None,
    name: str | None,
    password: str | None,
    position: str | None = None,
    authority: str | None = None,
) -> None:
    """Create a staff account."""
    from .domain.contact import is_email

    email = email.strip().lower()
    if not is_email(email):
        raise click.BadParameter("not a valid email address", param_hint="EMAIL")
    if db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none():
        raise click.ClickException(f"a user with email {email} already exists")
    unit = None
    if unit_code:
        unit = db.session.execute(db.select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
        if unit is None:
            raise click.BadParameter(f"no unit with code {unit_code}", param_hint="--unit")
    if role in ("officer", "unit_head") and unit is None:
        raise click.BadParameter("officers and unit heads belong to a unit", param_hint="--unit")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    check_password_policy(password, email, name or "")
    from .services import ServiceError
    from .services.admin import create_user
    from .timeutil import utcnow

    try:  # the same service as the admin page: the same checks, and an audit entry
        create_user(
            None,
            email=email,
            name=name or email.split("@")[0],
            role=role,
            unit=unit,
            password=password,
            position=position,
            signing_authority=authority,
            now=utcnow(),
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"Created {role} {email}" + (f" in {unit.code}" if unit else ""))


outbox_cli = AppGroup("outbox", help="Outgoing email.")


@outbox_cli.command("send")
@now_option
def outbox_send(now_text: str | None) -> None:
    """Send the pending emails that are due (one pass)."""
    from .services.outbox import send_pending

    report = send_pending(parse_now_or_fail(now_text))
    click.echo(
        f"sent {len(report.sent)}, retry later {len(report.retried)}, failed {len(report.failed)}"
        + (f", released {len(report.released)} (SMTP server unreachable)" if report.released else "")
    )


reminders_cli = AppGroup("reminders", help="Deadline reminders (DESIGN §6).")


@reminders_cli.command("send")
@now_option
def reminders_send(now_text: str | None) -> None:
    """Run one reminder sweep and print what it queued: recipient, ticket, kind, step, due date."""
    from .domain.deadlines import fmt
    from .services.reminders import sweep

    now = parse_now_or_fail(now_text)
    report = sweep(now)
    db.session.commit()
    from .jobs import remind_reports

    for outbox_id in remind_reports(now):  # periodic reports due soon (issue 12)
        click.echo(f"report reminder queued: outbox={outbox_id}")
    db.session.commit()
    if report.skipped:
        click.echo(f"nothing queued: {report.skipped}")
        return
    for q in report.queued:
        click.echo(
            f"{q.recipient}\t{q.ticket_code}\t{q.kind}\tstep={q.step}\tdue={fmt(q.due_date)}\toutbox={q.outbox_id}"
        )
    click.echo(
        f"{len(report.queued)} reminders in {len(report.messages)} emails queued "
        f"({report.candidates} candidate tickets)"
    )


calendar_cli = AppGroup("calendar", help="The working calendar: years announced, rechecks of ticket dates.")


@calendar_cli.command("recheck")
@now_option
def calendar_recheck(now_text: str | None) -> None:
    """Derive again the dates of the tickets that the calendar changes since the last check meet."""
    from .domain.deadlines import fmt
    from .services.recheck import recheck
    from .timeutil import local_today

    now = parse_now_or_fail(now_text)
    report = recheck(now, local_today(now))
    db.session.commit()
    if not report.changed_days:
        click.echo("calendar unchanged since the last check: nothing to do")
        return
    click.echo(
        f"{len(report.changed_days)} changed days ({fmt(report.changed_days[0])} - "
        f"{fmt(report.changed_days[-1])}); {report.candidates} candidate tickets"
    )
    for m in report.moved:
        click.echo(f"{m.code}\t{m.purpose}\t{fmt(m.old)} -> {fmt(m.new)}")
    for code in report.verdicts:
        click.echo(f"{code}\ton-time verdict changed")
    click.echo(f"{len(report.moved)} dates moved on {report.tickets} tickets")


@calendar_cli.command("years")
def calendar_years() -> None:
    """Each year the calendar knows: announced (with its documents) or estimated (statutory days only)."""
    from .domain.deadlines import ANNOUNCED, ESTIMATED
    from .models import CalendarAnnouncement
    from .services.calendar import official_calendar, year_statuses
    from .timeutil import local_today

    statuses = year_statuses()
    entries = official_calendar()[0]
    today = local_today()
    years = sorted(set(statuses) | {today.year - 1, today.year, today.year + 1})
    for year in years:
        docs = sorted({e.document.cite("vi") for e in entries if e.day.year == year and e.document})
        docs += [
            f"{a.document_number} ngày {a.document_date.strftime('%d/%m/%Y')}"
            for a in db.session.execute(
                db.select(CalendarAnnouncement).where(CalendarAnnouncement.year == year)
            ).scalars()
        ]
        status = ANNOUNCED if statuses.get(year) == ANNOUNCED else ESTIMATED
        click.echo(f"{year}\t{status}" + (f"\t{'; '.join(docs)}" if docs else ""))


attachments_cli = AppGroup("attachments", help="Attachment files.")


@attachments_cli.command("clean")
@now_option
@click.option(
    "--min-age",
    type=int,
    default=None,
    help="Only files older than this many seconds (default: ORPHAN_MIN_AGE_SECONDS).",
)
def attachments_clean(now_text: str | None, min_age: int | None) -> None:
    """Remove attachment files that no attachment row names (and old rate-limit events)."""
    from .services.files import clean_orphans

    report = clean_orphans(parse_now_or_fail(now_text), min_age)
    db.session.commit()
    for name in report.removed:
        click.echo(f"removed {name}")
    click.echo(
        f"{len(report.removed)} orphan files removed, {report.kept} kept; "
        f"{report.rate_events} old rate-limit events pruned"
    )


@click.command("scheduler")
@click.option(
    "--reminder-seconds", type=float, default=None, help="Sweep interval (default: SCHEDULER_REMINDER_MINUTES)."
)
@click.option("--outbox-seconds", type=float, default=None, help="Sender interval (default: SCHEDULER_OUTBOX_SECONDS).")
@now_option
def scheduler_command(reminder_seconds: float | None, outbox_seconds: float | None, now_text: str | None) -> None:
    """Run the jobs (reminder sweep, outbox sender) in the foreground until SIGTERM.

    Run one per host beside the web workers; a database lock lets only one of them run jobs.
    --now fixes the moment every job runs for (for rehearsals and tests).
    """
    import logging

    from .jobs import run_scheduler
    from .timeutil import utcnow

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    fixed = parse_now_or_fail(now_text) if now_text else None
    run_scheduler(
        current_app._get_current_object(),
        reminder_seconds=reminder_seconds,
        outbox_seconds=outbox_seconds,
        clock=(lambda: fixed) if fixed else utcnow,
    )


reports_cli = AppGroup("reports", help="Reports for the People's Committee.")
privacy_cli = AppGroup("privacy", help="Personal data retention.")


def period_options(command):
    """--year [--quarter] [--cutoff], or --from/--to: the period of a report command."""
    for option in reversed(
        [
            click.option("--year", type=int, default=None, help="Required unless --from and --to are given."),
            click.option("--quarter", type=click.IntRange(1, 4), default=None),
            click.option("--cutoff", is_flag=True, help="15th-to-14th period (ND 09/2019) instead of calendar dates."),
            click.option(
                "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Custom period start."
            ),
            click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Custom period end."),
        ]
    ):
        command = option(command)
    return command


def period_of_options(year: int | None, quarter: int | None, cutoff: bool, start, end, *, required: bool = True):
    """The period the options name (None when none is given and `required` is off)."""
    from .services import ServiceError
    from .services import reports as svc

    try:
        if start or end:
            if not (start and end):
                raise click.UsageError("--from and --to go together")
            return svc.custom_period(start.date(), end.date())
        if year is None:
            if not required:
                return None
            raise click.UsageError("give --year (and optionally --quarter), or --from and --to")
        return svc.period_for(year, quarter, cutoff)
    except ServiceError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field or 'year'}") from None


@reports_cli.command("export")
@period_options
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--detail", is_flag=True, help="CSV: the detailed list instead of the summary table.")
def reports_export(
    year: int | None, quarter: int | None, cutoff: bool, start, end, fmt: str, output: str, detail: bool
) -> None:
    """Write the report of a year, a quarter or a from/to period to an XLSX or CSV file (streamed: memory
    does not grow with the period)."""
    from .services import exports
    from .services import reports as svc
    from .timeutil import local_today, utcnow

    period = period_of_options(year, quarter, cutoff, start, end)
    report = svc.build_report(period, local_today(), now=utcnow(), list_limit=0)
    with open(output, "wb") as out:
        if fmt == "xlsx":
            exports.write_xlsx(report, svc.iter_detail_tuples(report), out, overdue=exports.full_overdue(report))
        else:
            chunks = exports.iter_details_csv(svc.iter_detail_rows(report)) if detail else exports.iter_csv(report)
            for chunk in chunks:
                out.write(chunk)
    t = report.total
    click.echo(
        f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y} (as of {report.as_of:%d/%m/%Y}): received {t.received}, "
        f"on time {t.answered_on_time}, late {t.answered_late}, open {t.open_in_time}, "
        f"overdue {t.open_overdue} -> {output}"
    )


@reports_cli.command("verify")
@period_options
def reports_verify(year: int | None, quarter: int | None, cutoff: bool, start, end) -> None:
    """Check the report summary against a full recount of the tickets (all months, or the period's);
    exit 1 and print every difference when they disagree."""
    from .services import dashboard

    period = period_of_options(year, quarter, cutoff, start, end, required=False)
    months = (period.start, period.end) if period else None
    differences, keys = dashboard.verify(months)
    where = f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}" if period else "all months"
    if not differences:
        click.echo(f"OK: report summary matches a full recount ({keys} groups, {where})")
        return
    click.echo(f"report summary differs from a full recount in {len(differences)} groups ({where}):", err=True)
    click.echo("unit_id state received answered on_time: summary != recount", err=True)
    for (unit_id, state, received, answered, on_time), kept, counted in differences:
        click.echo(f"{unit_id} {state} {received} {answered or '-'} {on_time}: {kept} != {counted}", err=True)
    raise SystemExit(1)


@reports_cli.command("satisfaction")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def reports_satisfaction(year: int, quarter: int | None, fmt: str, output: str) -> None:
    """Write the survey data (one line per rating, no personal data) for the national portal."""
    from .services import ServiceError, satisfaction
    from .services import reports as svc

    try:
        period = svc.period_for(year, quarter)
    except ServiceError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field or 'year'}") from None
    rows = satisfaction.export_rows(period.start, period.end)
    data = satisfaction.export_csv(rows) if fmt == "csv" else satisfaction.export_json(rows, period.start, period.end)
    Path(output).write_bytes(data)
    figures = satisfaction.figures(period.start, period.end).total
    click.echo(
        f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}: {len(rows)} ratings (satisfied {figures.satisfied}, "
        f"acceptable {figures.acceptable}, dissatisfied {figures.dissatisfied}), reviews "
        f"{figures.reviews_requested} ({figures.reviews_changed} changed the outcome), returns "
        f"{figures.returns} -> {output}"
    )


@privacy_cli.command("anonymise")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    required=True,
    metavar="DAYS",
    help="Closed more than this many days ago.",
)
@click.option("--dry-run", is_flag=True, help="Only count the tickets that would be anonymised.")
@click.option("--now", "now_text", default=None, metavar="ISO-8601", help="Run as if it were this moment.")
def privacy_anonymise(days: int, dry_run: bool, now_text: str | None) -> None:
    """Replace the submitter's personal data of tickets closed more than DAYS ago with a marker."""
    from .services import privacy

    now = parse_now_or_fail(now_text)
    if dry_run:
        click.echo(f"{len(privacy.due_for_anonymisation(days, now))} tickets would be anonymised")
        return
    result = privacy.anonymise(days, now)
    db.session.commit()
    privacy.remove_files(result.files)  # after commit: a rolled-back run keeps its files
    click.echo(f"anonymised {len(result.codes)} tickets, removed {len(result.files)} attachment files")


search_cli = AppGroup("search", help="Full-text search of published results.")


@search_cli.command("setup")
@click.option(
    "--recompute",
    "again",
    is_flag=True,
    help="Also recompute search_text of every published ticket (after a change of the folding).",
)
def search_setup(again: bool) -> None:
    """Create the search objects if missing and (SQLite) re-fill the FTS table from the tickets."""
    from .db.search import FTS_TABLE, GIN_INDEX, ensure_search_schema, rebuild, recompute

    ensure_search_schema(db.engine)
    if again:
        click.echo(f"search_text recomputed for {recompute()} published results.")
    count = rebuild()
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        click.echo(f"FTS5 table {FTS_TABLE}: {count} published results indexed.")
    else:
        click.echo(f"unaccent extension and GIN index {GIN_INDEX} present.")


def register(app: Flask) -> None:
    """Add the commands to the app's CLI."""
    for command in (
        seed_command,
        demo_command,
        units_cli,
        attachments_cli,
        users_cli,
        outbox_cli,
        reminders_cli,
        calendar_cli,
        scheduler_command,
        search_cli,
        reports_cli,
        privacy_cli,
    ):
        app.cli.add_command(command)
