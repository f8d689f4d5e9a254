"""Reports for the provincial People's Committee and the staff dashboard (DESIGN §8).

A report covers the tickets *received* in a period (a calendar quarter or year, the 15th-to-14th
cut-off of Nghị định 09/2019/NĐ-CP, or any from/to) and classifies each one by its status **as of
the earlier of the period's last day and today** (`Report.as_of`):

- answered on time / answered late: approved (`answered_on`) on or before the as-of date; on time
  means answered on or before the due date in force (`domain.outcomes.answered_on_time`, its SQL twin
  in `services.outcomes`), the same verdict as every other page;
- refused / transferred: closed that way on or before the as-of date;
- open overdue: not closed by the as-of date and its due date in force is before the as-of date,
  unless it is waiting for the submitter (`needs_info` since on or before the as-of date: the clock
  is paused);
- open within deadline: every other open ticket (waiting-for-information ones included and also
  counted separately as `open_paused`).

A ticket answered after the as-of date therefore counts as open in a past period, which is what the
office would have reported on that day. Every count is one SQL GROUP BY over a CASE expression; only
the (received_on, answered_on) pairs of the answered tickets are read into Python, to count working
days with the work calendar.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_

from ..domain import outcomes as domain_outcomes
from ..domain import states
from ..domain.deadlines import WorkCalendar
from ..domain.spreadsheet import neutralise_workbook, safe_row
from ..domain.states import CLOSED_STATES, State
from ..extensions import db
from ..models import Category, Ticket, Unit, User
from ..timeutil import local_today as local_day
from ..timeutil import to_local, to_utc_naive
from . import ServiceError, outcomes
from .calendar import work_calendar

STATUSES = ("answered_on_time", "answered_late", "refused", "transferred", "open_overdue", "open_paused",
            "open_in_time")
DIMENSIONS = ("kind", "category", "unit", "channel")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period: tickets received from `start` to `end`, both inclusive."""

    start: date
    end: date
    year: int | None = None
    quarter: int | None = None
    cutoff: bool = False

    @property
    def label(self) -> str:
        span = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        if self.year and self.quarter:
            return _("Quý %(q)s năm %(y)d (%(span)s)", q=ROMAN[self.quarter], y=self.year, span=span)
        if self.year:
            return _("Năm %(y)d (%(span)s)", y=self.year, span=span)
        return _("Từ %(start)s đến %(end)s", start=f"{self.start:%d/%m/%Y}", end=f"{self.end:%d/%m/%Y}")

    @property
    def slug(self) -> str:
        """A short name for export files, e.g. 2026-Q1-ky15 or 2026-01-01_2026-03-31."""
        if self.year:
            text = f"{self.year}" + (f"-Q{self.quarter}" if self.quarter else "")
            return text + ("-ky15" if self.cutoff else "")
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def _last_day(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def period_for(year: int, quarter: int | None = None, cutoff: bool = False) -> Period:
    """The calendar quarter/year, or with `cutoff` the 15th-to-14th period of ND 09/2019.

    With the cut-off a quarter runs from the 15th of the month before it to the 14th of its last
    month (Q1: 15/12 of the previous year to 14/03) and a year from 15/12 of the previous year to 14/12.

    :raises ServiceError: for a year or quarter out of range.
    """
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Năm không hợp lệ."), 400, "year")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ServiceError(_("Quý phải là 1, 2, 3 hoặc 4."), 400, "quarter")
    if quarter is None:
        if cutoff:
            return Period(date(year - 1, 12, 15), date(year, 12, 14), year, None, True)
        return Period(date(year, 1, 1), date(year, 12, 31), year, None, False)
    first_month = 3 * quarter - 2
    last_month = 3 * quarter
    if cutoff:
        start = date(year - 1, 12, 15) if quarter == 1 else date(year, first_month - 1, 15)
        return Period(start, date(year, last_month, 14), year, quarter, True)
    return Period(date(year, first_month, 1), _last_day(year, last_month), year, quarter, False)


def custom_period(start: date, end: date) -> Period:
    """A from/to period (both days included).

    :raises ServiceError: when `end` is before `start` or the span exceeds ten years.
    """
    if end < start:
        raise ServiceError(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), 400, "to")
    if (end - start).days > 3660:
        raise ServiceError(_("Khoảng thời gian báo cáo tối đa là 10 năm."), 400, "to")
    return Period(start, end)


def quarter_of(d: date) -> int:
    return (d.month - 1) // 3 + 1


# --- the report ----------------------------------------------------------------------------------


@dataclass
class Row:
    """Figures for one group (a kind, a category, a unit, a channel, or the whole period)."""

    key: Any
    label: str
    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    refused: int = 0
    transferred: int = 0
    open_overdue: int = 0
    open_paused: int = 0
    open_in_time: int = 0  # includes the paused ones
    closed_later: int = 0  # open on the as-of day, answered/refused/transferred since (total row only)
    published: int = 0
    days: list[int] = field(default_factory=list, repr=False)  # working days to answer

    @property
    def answered(self) -> int:
        return self.answered_on_time + self.answered_late

    @property
    def open(self) -> int:
        return self.open_in_time + self.open_overdue

    @property
    def on_time_rate(self) -> float | None:
        """Share of the answered tickets answered on time (0-100), None when nothing was answered."""
        return round(100 * self.answered_on_time / self.answered, 1) if self.answered else None

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None

    @property
    def mean_days(self) -> float | None:
        return round(statistics.fmean(self.days), 1) if self.days else None


@dataclass
class Report:
    period: Period
    as_of: date
    generated_at: datetime
    total: Row
    by: dict[str, list[Row]]
    refused_reasons: list[tuple[str, int]]
    transferred_agencies: list[tuple[str, int]]
    refused_list: list[dict]
    transferred_list: list[dict]
    overdue: list[dict]
    satisfaction: Any = None  # services.satisfaction.Satisfaction of the period (issue 14)


def _end_utc(d: date) -> datetime:
    """The first instant (naive UTC) after the local day `d`."""
    return to_utc_naive(datetime.combine(d + timedelta(days=1), time.min))


def status_case(as_of: date):
    """A SQL CASE giving each ticket its status as of the local date `as_of` (see the module doc)."""
    end = _end_utc(as_of)
    # Answered = approved at some point (answered_on is set only by approval): a ticket reopened for a
    # review or returned by the coordinator keeps its first answer's date and verdict.
    answered = and_(Ticket.answered_on.is_not(None), Ticket.answered_on <= as_of)
    on_time = outcomes.answered_on_time()
    closed_by = or_(Ticket.closed_at.is_(None), Ticket.closed_at < end)
    return case(
        (and_(answered, on_time), "answered_on_time"),
        (answered, "answered_late"),
        (and_(Ticket.state == State.REFUSED, closed_by), "refused"),
        (and_(Ticket.state == State.TRANSFERRED, closed_by), "transferred"),
        # Waiting for the submitter since on or before the as-of day (a later pause does not count).
        (and_(Ticket.state == State.NEEDS_INFO, or_(Ticket.paused_on.is_(None), Ticket.paused_on <= as_of)),
         "open_paused"),
        (Ticket.due_date < as_of, "open_overdue"),
        else_="open_in_time",
    )


def published_case(as_of: date):
    return case((and_(Ticket.published_at.is_not(None), Ticket.published_at < _end_utc(as_of)), 1), else_=0)


def _dim_column(dim: str):
    return {"kind": Ticket.kind, "category": Ticket.category_id, "unit": Ticket.unit_id,
            "channel": Ticket.channel}[dim]


def _labels() -> dict[str, dict[Any, str]]:
    from ..templating import current_locale

    locale = current_locale()
    unit_rows = db.session.execute(db.select(Unit)).scalars().all()
    category_rows = db.session.execute(db.select(Category)).scalars().all()
    units = {u.id: (u.name_en if locale == "en" and u.name_en else u.name) for u in unit_rows}
    categories = {c.id: (c.name_en if locale == "en" and c.name_en else c.name) for c in category_rows}
    units[None] = _("Chưa chuyển đơn vị")
    return {
        "kind": {k: states.label(states.KIND_LABELS, k, locale) for k in states.KIND_LABELS},
        "channel": {k: states.label(states.CHANNEL_LABELS, k, locale) for k in states.CHANNEL_LABELS},
        "unit": units,
        "category": categories,
        "inactive_unit": {u.id for u in unit_rows if not u.active} | {None},
        "inactive_category": {c.id for c in category_rows if not c.active},
        "inactive_kind": set(),
        "inactive_channel": set(),
    }


def _order(dim: str) -> list:
    """Keys of a dimension in display order (all of them, so zero rows show too)."""
    if dim == "kind":
        return list(states.KIND_LABELS)
    if dim == "channel":
        return list(states.CHANNEL_LABELS)
    model = Unit if dim == "unit" else Category
    return list(db.session.execute(db.select(model.id).order_by(model.sort_order, model.code)).scalars())


def _add(row: Row, status: str, count: int, published: int) -> None:
    setattr(row, status, getattr(row, status) + count)
    if status == "open_paused":
        row.open_in_time += count
    row.received += count
    row.published += published


def build_report(period: Period, today: date, *, cal: WorkCalendar | None = None, where=()) -> Report:
    """The figures of `period` as of min(period end, today); `where` narrows the tickets (e.g. a scope)."""
    cal = cal or work_calendar()
    as_of = min(period.end, today)
    status = status_case(as_of).label("status")
    published = published_case(as_of)
    cohort = [Ticket.received_on >= period.start, Ticket.received_on <= period.end, *where]
    labels = _labels()

    total = Row(None, _("Tổng số"))
    closed_now = case((Ticket.state.in_([s.value for s in CLOSED_STATES]), 1), else_=0)
    for st, count, pub, closed in db.session.execute(
        db.select(status, func.count(Ticket.id), func.coalesce(func.sum(published), 0),
                  func.coalesce(func.sum(closed_now), 0))
        .where(*cohort).group_by(status)
    ):
        _add(total, st, int(count), int(pub))
        if st.startswith("open"):
            total.closed_later += int(closed)

    by: dict[str, list[Row]] = {}
    rows_by_key: dict[str, dict[Any, Row]] = {}
    for dim in DIMENSIONS:
        col = _dim_column(dim).label("key")
        rows: dict[Any, Row] = {}
        for key in _order(dim):
            rows[key] = Row(key, labels[dim].get(key, str(key)))
        for key, st, count, pub in db.session.execute(
            db.select(col, status, func.count(Ticket.id), func.coalesce(func.sum(published), 0))
            .where(*cohort).group_by(col, status)
        ):
            row = rows.get(key)
            if row is None:
                row = rows[key] = Row(key, labels[dim].get(key, str(key)))
            _add(row, st, int(count), int(pub))
        # Inactive units/categories with nothing in the period are left out; the rest keep their order.
        by[dim] = [r for r in rows.values() if r.received or r.key not in labels["inactive_" + dim]]
        rows_by_key[dim] = rows

    # Working days to answer: only the answered tickets' date pairs come back from the database.
    answered_stmt = db.select(Ticket.kind, Ticket.category_id, Ticket.unit_id, Ticket.channel,
                              Ticket.received_on, Ticket.answered_on).where(
        *cohort, status.in_(("answered_on_time", "answered_late")))
    memo: dict[tuple[date, date], int] = {}
    for kind, category_id, unit_id, channel, received_on, answered_on in db.session.execute(answered_stmt):
        pair = (received_on, answered_on)
        if pair not in memo:
            memo[pair] = max(0, cal.working_days_between(received_on, answered_on))
        days = memo[pair]
        total.days.append(days)
        for dim, key in (("kind", kind), ("category", category_id), ("unit", unit_id), ("channel", channel)):
            rows_by_key[dim][key].days.append(days)

    reason_labels = refuse_reason_labels()
    refused_reasons = [(reason_labels.get(code or "", code or ""), int(n)) for code, n in db.session.execute(
        db.select(Ticket.refuse_reason_code, func.count(Ticket.id)).where(*cohort, status == "refused")
        .group_by(Ticket.refuse_reason_code).order_by(func.count(Ticket.id).desc(), Ticket.refuse_reason_code))]
    transferred_agencies = [(agency or "", int(n)) for agency, n in db.session.execute(
        db.select(Ticket.transfer_agency, func.count(Ticket.id)).where(*cohort, status == "transferred")
        .group_by(Ticket.transfer_agency).order_by(func.count(Ticket.id).desc(), Ticket.transfer_agency))]
    refused_list = [dict(code=c, received_on=r, reason_code=reason_labels.get(rc or "", rc or ""), reason=txt or "")
                    for c, r, rc, txt in db.session.execute(
                        db.select(Ticket.code, Ticket.received_on, Ticket.refuse_reason_code, Ticket.refuse_reason)
                        .where(*cohort, status == "refused").order_by(Ticket.received_on, Ticket.code))]
    transferred_list = [dict(code=c, received_on=r, agency=a or "", reason=txt or "")
                        for c, r, a, txt in db.session.execute(
                            db.select(Ticket.code, Ticket.received_on, Ticket.transfer_agency, Ticket.transfer_reason)
                            .where(*cohort, status == "transferred").order_by(Ticket.received_on, Ticket.code))]

    overdue = overdue_list(as_of, cal, [*cohort, status == "open_overdue"], labels)
    from ..timeutil import utcnow

    from . import satisfaction

    return Report(period, as_of, utcnow(), total, by, refused_reasons, transferred_agencies,
                  refused_list, transferred_list, overdue,
                  satisfaction.figures(period.start, min(period.end, as_of), where=where))


def refuse_reason_labels() -> dict[str, str]:
    """Labels of the refusal reason codes the workflow offers, in the current language."""
    from flask_babel import gettext

    from .workflow import REFUSE_REASONS

    return {code: gettext(text) for code, text in REFUSE_REASONS.items()}


def overdue_list(as_of: date, cal: WorkCalendar, where, labels=None) -> list[dict]:
    """Open overdue tickets (columns only), oldest due date first, with working days late."""
    labels = labels or _labels()
    stmt = (
        db.select(Ticket.code, Ticket.title, Ticket.kind, Ticket.category_id, Ticket.unit_id, Ticket.state,
                  Ticket.received_on, Ticket.due_date, User.name)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(*where).order_by(Ticket.due_date, Ticket.code)
    )
    out = []
    for code, title, kind, category_id, unit_id, state, received_on, due, assignee in db.session.execute(stmt):
        out.append(dict(code=code, title=title, kind=kind, kind_label=labels["kind"].get(kind, kind),
                        category=labels["category"].get(category_id, ""), unit=labels["unit"].get(unit_id, ""),
                        state=state, received_on=received_on, due_date=due, assignee=assignee or "",
                        days_late=domain_outcomes.days_late(due, as_of, cal)))
    return out


def detail_rows(report: Report, *, cal: WorkCalendar | None = None, where=()) -> list[dict]:
    """Every ticket of the period as a row of plain values (for the detailed export sheet)."""
    cal = cal or work_calendar()
    period, as_of = report.period, report.as_of
    labels = _labels()
    status = status_case(as_of).label("status")
    stmt = (
        db.select(Ticket.code, Ticket.received_on, Ticket.kind, Ticket.category_id, Ticket.unit_id,
                  Ticket.channel, Ticket.submitter_type, Ticket.state, status, Ticket.due_date,
                  Ticket.answered_on, Ticket.published_at, Ticket.title, Ticket.received_at, Ticket.incoming_number)
        .where(Ticket.received_on >= period.start, Ticket.received_on <= period.end, *where)
        .order_by(Ticket.received_on, Ticket.code)
    )
    rows = []
    for (code, received_on, kind, category_id, unit_id, channel, submitter_type, state, st, due, answered_on,
         published_at, title, received_at, incoming_number) in db.session.execute(stmt):
        answered = st in ("answered_on_time", "answered_late")
        rows.append(dict(
            code=code, received_on=received_on, kind=labels["kind"].get(kind, kind),
            category=labels["category"].get(category_id, ""), unit=labels["unit"].get(unit_id, ""),
            channel=labels["channel"].get(channel, channel),
            submitter_type=states.label(states.SUBMITTER_TYPE_LABELS, submitter_type),
            title=title, state=states.label(states.STATE_LABELS, state), status=status_label(st),
            due_date=due, answered_on=answered_on if answered else None,
            working_days=max(0, cal.working_days_between(received_on, answered_on)) if answered else None,
            published_on=local_day(published_at) if published_at else None,
            received_at=to_local(received_at).strftime("%d/%m/%Y %H:%M") if received_at else "",
            incoming_number=incoming_number or "",
        ))
    return rows


def status_label(status: str) -> str:
    return {
        "answered_on_time": _("Đã trả lời đúng hạn"),
        "answered_late": _("Đã trả lời quá hạn"),
        "refused": _("Không tiếp nhận"),
        "transferred": _("Chuyển cơ quan khác"),
        "open_overdue": _("Đang xử lý, quá hạn"),
        "open_paused": _("Chờ bổ sung thông tin (tạm dừng tính hạn)"),
        "open_in_time": _("Đang xử lý, trong hạn"),
    }.get(status, status)


def dimension_title(dim: str) -> str:
    return {"kind": _("Theo loại"), "category": _("Theo lĩnh vực"), "unit": _("Theo đơn vị xử lý"),
            "channel": _("Theo kênh tiếp nhận")}[dim]


# --- exports -------------------------------------------------------------------------------------


def figure_columns() -> list[tuple[str, str]]:
    """(attribute, Vietnamese header) of the figures every breakdown row carries."""
    return [
        ("received", _("Tiếp nhận")),
        ("answered_on_time", _("Trả lời đúng hạn")),
        ("answered_late", _("Trả lời quá hạn")),
        ("open_in_time", _("Đang xử lý trong hạn")),
        ("open_overdue", _("Đang xử lý quá hạn")),
        ("open_paused", _("Trong đó chờ bổ sung")),
        ("refused", _("Không tiếp nhận")),
        ("transferred", _("Chuyển cơ quan khác")),
        ("published", _("Đã công khai")),
        ("on_time_rate", _("Tỷ lệ đúng hạn (%)")),
        ("median_days", _("Trung vị ngày làm việc để trả lời")),
        ("mean_days", _("Trung bình ngày làm việc để trả lời")),
    ]


def summary_items(report: Report) -> list[tuple[str, Any]]:
    """The summary sheet as (label, value) pairs."""
    t = report.total
    return [
        (_("Kỳ báo cáo"), report.period.label),
        (_("Từ ngày"), report.period.start),
        (_("Đến ngày"), report.period.end),
        (_("Tình trạng tính đến ngày"), report.as_of),
        (_("Tổng số tiếp nhận"), t.received),
        (_("Đã trả lời đúng hạn"), t.answered_on_time),
        (_("Đã trả lời quá hạn"), t.answered_late),
        (_("Đang xử lý trong hạn"), t.open_in_time),
        (_("Trong đó: chờ bổ sung thông tin"), t.open_paused),
        (_("Đang xử lý quá hạn"), t.open_overdue),
        (_("Đang xử lý tại ngày báo cáo nhưng đã kết thúc sau đó"), t.closed_later),
        (_("Không tiếp nhận"), t.refused),
        (_("Chuyển cơ quan khác"), t.transferred),
        (_("Đã công khai kết quả"), t.published),
        (_("Tỷ lệ trả lời đúng hạn (%)"), t.on_time_rate),
        (_("Trung vị số ngày làm việc để trả lời"), t.median_days),
        (_("Trung bình số ngày làm việc để trả lời"), t.mean_days),
    ]


def to_xlsx(report: Report, details: list[dict]) -> bytes:
    """The report as an Excel workbook: summary, by unit, by category, overdue list, detailed list."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    date_format = "DD/MM/YYYY"

    def table(ws, headers: list[str], rows: list[list], widths: list[int]) -> None:
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for values in rows:
            ws.append(values)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = date_format
                elif isinstance(cell.value, float):  # a number, shown with the reader's decimal mark
                    cell.number_format = "0.0"
        ws.freeze_panes = "A2"

    wb = Workbook()
    ws = wb.active
    ws.title = _("Tổng hợp")
    items = summary_items(report)
    table(ws, [_("Chỉ tiêu"), _("Giá trị")], [[k, v] for k, v in items], [44, 40])
    # The smaller breakdowns (kind, channel) and the reasons go under the summary.
    for dim in ("kind", "channel"):
        ws.append([])
        ws.append([dimension_title(dim), _("Tiếp nhận")])
        ws.cell(ws.max_row, 1).font = bold
        for row in report.by[dim]:
            ws.append([row.label, row.received])
    ws.append([])
    ws.append([_("Lý do không tiếp nhận"), _("Số lượng")])
    ws.cell(ws.max_row, 1).font = bold
    for code, n in report.refused_reasons:
        ws.append([code or _("(không ghi mã)"), n])
    ws.append([])
    ws.append([_("Cơ quan nhận chuyển"), _("Số lượng")])
    ws.cell(ws.max_row, 1).font = bold
    for agency, n in report.transferred_agencies:
        ws.append([agency or _("(không ghi)"), n])
    from .data_requests import report_block  # data-subject requests by kind and clock (issue 13)

    report_block(ws, report, bold)

    figures = figure_columns()
    for dim, title in (("unit", _("Theo đơn vị")), ("category", _("Theo lĩnh vực"))):
        ws = wb.create_sheet(title)
        header = _("Đơn vị xử lý") if dim == "unit" else _("Lĩnh vực")
        rows = [[r.label, *[getattr(r, attr) for attr, _h in figures]] for r in report.by[dim]]
        rows.append([_("Tổng số"), *[getattr(report.total, attr) for attr, _h in figures]])
        table(ws, [header, *[h for _a, h in figures]], rows, [48, *[14] * len(figures)])
        for cell in ws[ws.max_row]:
            cell.font = bold

    ws = wb.create_sheet(_("Quá hạn"))
    table(ws, [_("Mã số"), _("Tiêu đề"), _("Loại"), _("Lĩnh vực"), _("Đơn vị xử lý"), _("Người xử lý"),
               _("Ngày tiếp nhận"), _("Hạn giải quyết"), _("Số ngày làm việc quá hạn")],
          [[o["code"], o["title"], o["kind_label"], o["category"], o["unit"], o["assignee"], o["received_on"],
            o["due_date"], o["days_late"]] for o in report.overdue],
          [20, 50, 14, 30, 36, 24, 14, 14, 14])

    ws = wb.create_sheet(_("Chi tiết"))
    table(ws, [_("Mã số"), _("Ngày tiếp nhận"), _("Loại"), _("Lĩnh vực"), _("Đơn vị xử lý"), _("Kênh tiếp nhận"),
               _("Đối tượng"), _("Tiêu đề"), _("Trạng thái hiện tại"), _("Tình trạng tại ngày báo cáo"),
               _("Hạn giải quyết"), _("Ngày trả lời"), _("Số ngày làm việc để trả lời"), _("Ngày công khai"),
               _("Thời điểm tiếp nhận"), _("Số đến")],
          [[d["code"], d["received_on"], d["kind"], d["category"], d["unit"], d["channel"], d["submitter_type"],
            d["title"], d["state"], d["status"], d["due_date"], d["answered_on"], d["working_days"],
            d["published_on"], d["received_at"], d["incoming_number"]] for d in details],
          [20, 14, 14, 30, 36, 16, 14, 50, 22, 30, 14, 14, 14, 14, 18, 14])

    neutralise_workbook(wb)  # no title or name typed by a submitter is ever a live formula
    if report.satisfaction is not None:  # issue 14: satisfaction per unit
        from .satisfaction import figure_columns as sat_columns

        sat = sat_columns()
        ws = wb.create_sheet(_("Mức độ hài lòng"))
        rows = [[r.label, *[getattr(r, attr) for attr, _h in sat]] for r in report.satisfaction.units]
        rows.append([_("Tổng số"), *[getattr(report.satisfaction.total, attr) for attr, _h in sat]])
        table(ws, [_("Đơn vị xử lý"), *[h for _a, h in sat]], rows, [48, *[14] * len(sat)])
        for cell in ws[ws.max_row]:
            cell.font = bold


    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_csv(report: Report) -> bytes:
    """The report as one CSV table (UTF-8 with BOM, for Excel): one line per group, figures as columns."""
    figures = figure_columns()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Kỳ báo cáo"), _("Tính đến ngày"), _("Nhóm"), _("Mục"), *[h for _a, h in figures]])
    period = report.period.label
    as_of = report.as_of.strftime("%d/%m/%Y")

    def line(group: str, row: Row) -> None:
        values = []
        for attr, _h in figures:
            v = getattr(row, attr)
            values.append("" if v is None else v)
        writer.writerow(safe_row([period, as_of, group, row.label, *values]))

    line(_("Tổng số"), report.total)
    for dim in DIMENSIONS:
        for row in report.by[dim]:
            line(dimension_title(dim), row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def satisfaction_csv(report: Report) -> bytes:
    """The satisfaction figures per unit as CSV (UTF-8 with BOM), in the layout of `to_csv` (issue 14)."""
    from .satisfaction import figure_columns as sat_columns

    sat = sat_columns()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Kỳ báo cáo"), _("Tính đến ngày"), _("Nhóm"), _("Mục"), *[h for _a, h in sat]])
    for group, row in [(_("Tổng số"), report.satisfaction.total),
                       *[(_("Theo đơn vị xử lý"), r) for r in report.satisfaction.units]]:
        writer.writerow([report.period.label, report.as_of.strftime("%d/%m/%Y"), group, row.label,
                         *["" if getattr(row, a) is None else getattr(row, a) for a, _h in sat]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def details_csv(details: list[dict]) -> bytes:
    """The detailed list as CSV (UTF-8 with BOM), dates as dd/mm/yyyy."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    keys = ["code", "received_on", "kind", "category", "unit", "channel", "submitter_type", "title", "state",
            "status", "due_date", "answered_on", "working_days", "published_on", "received_at", "incoming_number"]
    writer.writerow([_("Mã số"), _("Ngày tiếp nhận"), _("Loại"), _("Lĩnh vực"), _("Đơn vị xử lý"),
                     _("Kênh tiếp nhận"), _("Đối tượng"), _("Tiêu đề"), _("Trạng thái hiện tại"),
                     _("Tình trạng tại ngày báo cáo"), _("Hạn giải quyết"), _("Ngày trả lời"),
                     _("Số ngày làm việc để trả lời"), _("Ngày công khai"), _("Thời điểm tiếp nhận"), _("Số đến")])
    for d in details:
        writer.writerow(safe_row(v.strftime("%d/%m/%Y") if isinstance(v, date) else ("" if v is None else v)
                                 for v in (d[k] for k in keys)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- dashboard -----------------------------------------------------------------------------------


def month_key(column):
    """A portable 'YYYY-MM' SQL expression of a date column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def week_end(today: date) -> date:
    """The Sunday closing the working week of `today` (next week's on a weekend)."""
    end = today + timedelta(days=6 - today.weekday())
    return end + timedelta(days=7) if today.weekday() >= 5 else end


@dataclass
class Dashboard:
    today: date
    by_state: list[tuple[str, int]]
    open_count: int
    due_this_week: list[dict]
    week_end: date
    overdue: list[dict]
    overdue_count: int
    months: list[str]
    received_per_month: list[int]
    answered_per_month: list[int]
    unit_rates: list[Row]


def dashboard(scope_where, today: date, *, cal: WorkCalendar | None = None, list_limit: int = 50) -> Dashboard:
    """The staff home figures for the tickets matching `scope_where` (the user's scope)."""
    cal = cal or work_calendar()
    labels = _labels()
    counts = dict(db.session.execute(
        db.select(Ticket.state, func.count(Ticket.id)).where(*scope_where).group_by(Ticket.state)).all())
    by_state = [(s.value, int(counts.get(s.value, 0))) for s in State]
    open_states = [s.value for s in State if s not in CLOSED_STATES]
    open_count = sum(n for s, n in by_state if s in open_states)

    end = week_end(today)
    due_week = overdue_list(today, cal, [*scope_where, Ticket.state.in_(open_states), Ticket.state != State.NEEDS_INFO,
                                         Ticket.due_date >= today, Ticket.due_date <= end], labels)
    overdue_where = [*scope_where, outcomes.overdue(today)]
    overdue_count = db.session.execute(db.select(func.count(Ticket.id)).where(*overdue_where)).scalar_one()
    overdue = overdue_list(today, cal, overdue_where, labels)[:list_limit]

    # The last twelve months, this one included.
    months = []
    y, m = today.year, today.month
    for _i in range(12):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    months.reverse()
    first = date(int(months[0][:4]), int(months[0][5:]), 1)
    received_key = month_key(Ticket.received_on)
    received = dict(db.session.execute(
        db.select(received_key, func.count(Ticket.id))
        .where(*scope_where, Ticket.received_on >= first, Ticket.received_on <= today).group_by(received_key)).all())
    answered_key = month_key(Ticket.answered_on)
    answered_filter = [*scope_where, Ticket.state == State.ANSWERED, Ticket.answered_on >= first,
                       Ticket.answered_on <= today]
    answered = dict(db.session.execute(
        db.select(answered_key, func.count(Ticket.id)).where(*answered_filter).group_by(answered_key)).all())

    on_time = outcomes.answered_on_time()
    rates: list[Row] = []
    for unit_id, n, n_on_time in db.session.execute(
        db.select(Ticket.unit_id, func.count(Ticket.id), func.sum(case((on_time, 1), else_=0)))
        .where(*answered_filter).group_by(Ticket.unit_id)
    ):
        row = Row(unit_id, labels["unit"].get(unit_id, ""))
        row.answered_on_time = int(n_on_time or 0)
        row.answered_late = int(n) - row.answered_on_time
        rates.append(row)
    order = {key: i for i, key in enumerate(_order("unit"))}
    rates.sort(key=lambda r: order.get(r.key, 10_000))

    return Dashboard(
        today=today, by_state=by_state, open_count=open_count, due_this_week=due_week, week_end=end,
        overdue=overdue, overdue_count=int(overdue_count), months=months,
        received_per_month=[int(received.get(k, 0)) for k in months],
        answered_per_month=[int(answered.get(k, 0)) for k in months], unit_rates=rates,
    )


