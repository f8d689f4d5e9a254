"""Reports for the People's Committee (coordinator, director) and the staff dashboard (everyone)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.states import Role
from ..extensions import db
from ..models import Ticket
from ..services import ServiceError, exports, satisfaction
from ..services import dashboard as dashboard_svc
from ..services import reports as svc
from ..timeutil import local_today, parse_day, to_local, utcnow
from ..web.access import roles_required, scope_tickets
from ..web.security import attachment_disposition
from ..web.templating import current_locale
from . import bp

REPORT_ROLES = (Role.COORDINATOR, Role.DIRECTOR)


@dataclass
class PeriodForm:
    """The report's period parameters as typed, with their errors (shown beside each field)."""

    year: str = ""
    quarter: str = ""
    cutoff: bool = False
    from_: str = ""
    to: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> dict:
        if self.from_ or self.to:
            return {"from": self.from_, "to": self.to}
        args = {"year": self.year}
        if self.quarter:
            args["quarter"] = self.quarter
        if self.cutoff:
            args["cutoff"] = "1"
        return args


def period_from_args(args, today: date) -> tuple[PeriodForm, svc.Period | None]:
    """Read from/to, or year/quarter/cutoff (default: the current calendar quarter)."""
    form = PeriodForm(
        year=args.get("year", "").strip(),
        quarter=args.get("quarter", "").strip(),
        cutoff=args.get("cutoff", "") in ("1", "on", "true", "y"),
        from_=args.get("from", "").strip(),
        to=args.get("to", "").strip(),
    )
    try:
        if form.from_ or form.to:
            start, end = parse_day(form.from_), parse_day(form.to)
            if start is None:
                form.errors["from"] = _("Nhập ngày bắt đầu dạng dd/mm/yyyy.")
            if end is None:
                form.errors["to"] = _("Nhập ngày kết thúc dạng dd/mm/yyyy.")
            if form.errors:
                return form, None
            form.from_, form.to = start.isoformat(), end.isoformat()  # what date inputs and links expect
            return form, svc.custom_period(start, end)
        if not form.year:
            form.year, form.quarter = str(today.year), str(svc.quarter_of(today))
        if not form.year.isdigit() or not 2000 <= int(form.year[:6]) <= 2100:
            form.errors["year"] = _("Năm không hợp lệ.")
            return form, None
        if form.quarter and form.quarter not in ("1", "2", "3", "4"):
            form.errors["quarter"] = _("Quý phải là 1, 2, 3 hoặc 4.")
            return form, None
        return form, svc.period_for(int(form.year), int(form.quarter) if form.quarter else None, form.cutoff)
    except ServiceError as exc:
        form.errors[exc.field or "year"] = exc.message
        return form, None


PAGE_LIST_LIMIT = 20  # the page shows this many of the overdue, refused and transferred tickets
EXPORT_LIST_LIMIT = 0  # the exports stream their lists; the report itself carries none


def _report_or_400(list_limit: int | None = PAGE_LIST_LIMIT):
    today = local_today()
    form, period = period_from_args(request.args, today)
    if period is None:
        return form, None
    return form, svc.build_report(period, today, now=utcnow(), locale=current_locale(), list_limit=list_limit)


@bp.get("/reports")
@roles_required(*REPORT_ROLES)
def reports():
    """The report of a period, with links to its exports (the long lists show their first entries)."""
    form, report = _report_or_400()
    years = list(range(local_today().year, local_today().year - 6, -1))
    context = dict(
        form=form,
        report=report,
        years=years,
        figures=svc.figure_columns(),
        dimension_title=svc.dimension_title,
        sat_figures=satisfaction.figure_columns(),
    )
    if report is None:
        return render_template("staff/reports.html", **context), 400
    # Data-subject requests received in the period (issue 13).
    from ..services import data_requests

    context.update(
        privacy=data_requests.counts(
            svc.end_utc(report.period.start - timedelta(days=1)), svc.end_utc(report.period.end)
        ),
        privacy_labels=data_requests.kind_labels(),
    )
    from ..services import register  # the report as a numbered báo cáo (issue 12)

    context["document"] = register.document_form(report)
    return render_template("staff/reports.html", **context)


@bp.get("/reports/export.xlsx")
@roles_required(*REPORT_ROLES)
def reports_xlsx():
    """The report as an Excel workbook, streamed: the first bytes go out at once, the long lists' rows
    are read from the database and zipped as the response is sent, so neither the file nor the rows
    are held in memory (a year of a province within the worker's timeout)."""
    form, report = _report_or_400(EXPORT_LIST_LIMIT)
    if report is None:
        return _bad_period(form)
    from ..services import register  # print set-up: A4, fit to width, titles, agency and period (issue 12)

    agency, label = register.agency_name(), report.period.label
    # The rows are read while the response is sent, from a connection of its own (as the detailed CSV).
    connection = db.engine.connect()
    try:
        chunks = exports.iter_xlsx(
            report,
            svc.iter_detail_tuples(report, connection=connection),
            overdue=exports.full_overdue(report, connection=connection),
            setup=lambda ws, columns: register.sheet_print_setup(ws, agency, label, columns=columns),
        )
    except BaseException:
        connection.close()
        raise
    body = _closing(_logging_failure(chunks, current_app.logger, report.period.slug), connection)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(connection.close)  # also when the client goes away mid-download
    return _as_download(response, f"bao-cao-pakn-{report.period.slug}.xlsx")


def _logging_failure(chunks: Iterator[bytes], logger, slug: str) -> Iterator[bytes]:
    """The chunks of a streamed export. A failure once the headers are sent is logged (the client gets
    a truncated file) and re-raised so the server drops the connection instead of ending the body
    cleanly."""
    try:
        yield from chunks
    except Exception:
        logger.exception("XLSX export of %s failed while streaming; the download is truncated", slug)
        raise


@bp.get("/reports/export.csv")
@roles_required(*REPORT_ROLES)
def reports_csv():
    """The report as CSV (UTF-8 with BOM); `part=detail` gives the detailed list instead, streamed."""
    form, report = _report_or_400(EXPORT_LIST_LIMIT)
    if report is None:
        return _bad_period(form)
    if request.args.get("part") == "detail":
        # Streamed: the rows are read while the response is sent, from a connection of its own.
        connection = db.engine.connect()
        body = _closing(exports.iter_details_csv(svc.iter_detail_rows(report, connection=connection)), connection)
        response = Response(body, mimetype="text/csv; charset=utf-8")
        response.call_on_close(connection.close)  # also when the client goes away mid-download
        return _as_download(response, f"chi-tiet-pakn-{report.period.slug}.csv")
    if request.args.get("part") == "satisfaction":  # issue 14
        data, name = exports.satisfaction_csv(report), f"hai-long-pakn-{report.period.slug}.csv"
    elif request.args.get("part") == "privacy":  # issue 13: data-subject requests
        from ..services import data_requests

        data, name = data_requests.report_csv(report), f"yeu-cau-du-lieu-ca-nhan-{report.period.slug}.csv"
    else:
        data, name = exports.to_csv(report), f"bao-cao-pakn-{report.period.slug}.csv"
    return _download(data, name, "text/csv; charset=utf-8")


def _closing(chunks: Iterator[bytes], connection) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        connection.close()


def _bad_period(form: PeriodForm):
    from ..web.errors import render_error

    return render_error(400, " ".join(form.errors.values()))


def _as_download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = attachment_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return _as_download(Response(data, mimetype=mimetype), filename)


@bp.get("/dashboard")
@login_required
def dashboard():
    """The staff home: what is open, due this week and overdue in the user's scope, with charts."""
    scope = dashboard_svc.Scope(everything=current_user.sees_all, unit_id=current_user.unit_id)
    today = local_today()
    data = dashboard_svc.dashboard(scope, today, locale=current_locale(), list_limit=15, now=to_local(utcnow()))
    quarter = svc.period_for(today.year, svc.quarter_of(today))  # satisfaction of this quarter (issue 14)
    sat = satisfaction.figures(quarter.start, today, where=scope.tickets())
    return render_template(
        "staff/dashboard.html", d=data, may_report=current_user.role in REPORT_ROLES, sat=sat, sat_period=quarter
    )


# --- the survey data for the national portal (issue 14) -------------------------------------------


def _survey_or_400():
    form, period = period_from_args(request.args, local_today())
    if period is None:
        return form, None, None
    scope = scope_tickets(db.select(Ticket.id), current_user).whereclause
    rows = satisfaction.export_rows(period.start, period.end, where=[scope] if scope is not None else [])
    return form, period, rows


@bp.get("/reports/satisfaction.csv")
@roles_required(*REPORT_ROLES)
def satisfaction_csv():
    """One line per rating given in the period: survey facts only, no personal data (README lists the columns)."""
    form, period, rows = _survey_or_400()
    if period is None:
        return _bad_period(form)
    return _download(satisfaction.export_csv(rows), f"khao-sat-hai-long-{period.slug}.csv", "text/csv; charset=utf-8")


@bp.get("/reports/satisfaction.json")
@roles_required(*REPORT_ROLES)
def satisfaction_json():
    """The same survey data as JSON."""
    form, period, rows = _survey_or_400()
    if period is None:
        return _bad_period(form)
    return _download(
        satisfaction.export_json(rows, period.start, period.end),
        f"khao-sat-hai-long-{period.slug}.json",
        "application/json",
    )
