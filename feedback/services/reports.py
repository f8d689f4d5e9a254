"""Reports for the provincial People's Committee (DESIGN §8).

A report covers the tickets *received* in a period (`domain.periods`: a calendar quarter or year, the
15th-to-14th cut-off of Nghị định 09/2019/NĐ-CP, or any from/to) and classifies each one by its status
**as of the earlier of the period's last day and today** (`Report.as_of`):

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
office would have reported on that day.

Every breakdown comes from **one** aggregate query over the period (`_tally`): on PostgreSQL one scan
with GROUPING SETS (total, kind, category, unit, channel, refusal reason, receiving agency), served by
the covering index `ix_tickets_report`; elsewhere one GROUP BY over every dimension, rolled up here.
The working days to answer are counted in the same query: a small table of the period's days with
their working-day ordinal (from the work calendar) is joined on the dates of receipt and answer, so
only (group, days, count) rows come back. The long lists (overdue, refused, transferred) can be capped
(`list_limit`) for the page; the exports stream the full lists (`services.exports`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    or_,
    text,
    tuple_,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ..db import report_cache
from ..domain import outcomes as domain_outcomes
from ..domain import periods, states
from ..domain.deadlines import WorkCalendar
from ..domain.periods import Period, PeriodError, quarter_of  # noqa: F401  (quarter_of: callers' import)
from ..domain.states import CLOSED_STATES, State
from ..extensions import db
from ..models import Category, Ticket, Unit, User
from ..timeutil import to_utc_naive, tz
from . import ServiceError, outcomes
from .calendar import work_calendar

# Where a ticket of the period stands on the as-of day, in the report's order (labels: domain/states.py).
STATUSES = tuple(states.REPORT_STATUS_LABELS)
ANSWERED = ("answered_on_time", "answered_late")
DIMENSIONS = ("kind", "category", "unit", "channel")


# --- periods (the rules are in domain/periods.py; here they get the reader's language) -----------


def _translated(make, *args, **kwargs) -> Period:
    try:
        return make(*args, translate=_, **kwargs)
    except PeriodError as exc:
        raise ServiceError(_(exc.message), 400, exc.field) from None


def period_for(year: int, quarter: int | None = None, cutoff: bool = False) -> Period:
    """`domain.periods.period_for` with its label and errors in the current language.

    :raises ServiceError: for a year or quarter out of range.
    """
    return _translated(periods.period_for, year, quarter, cutoff)


def custom_period(start: date, end: date) -> Period:
    """`domain.periods.custom_period` with its label and errors in the current language.

    :raises ServiceError: when `end` is before `start` or the span exceeds ten years.
    """
    return _translated(periods.custom_period, start, end)


def current_locale() -> str:
    """The locale flask-babel has selected (the default of the `locale` parameters below)."""
    return str(get_locale() or "vi")


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
    day_counts: Counter = field(default_factory=Counter, repr=False)  # working days to answer -> tickets

    @property
    def days(self) -> list[int]:
        """The working days to answer of every answered ticket of the group, in order."""
        return sorted(self.day_counts.elements())

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
        """The median of `days`, from the counts (no list of a year's answers is built)."""
        n = sum(self.day_counts.values())
        if not n:
            return None
        lo, hi = (n - 1) // 2, n // 2  # the middle positions (one when n is odd)
        seen, low_value = 0, None
        for value in sorted(self.day_counts):
            seen += self.day_counts[value]
            if low_value is None and seen > lo:
                low_value = value
            if seen > hi:
                return (low_value + value) / 2
        return None  # pragma: no cover - the loop always reaches the middle

    @property
    def mean_days(self) -> float | None:
        n = sum(self.day_counts.values())
        return round(sum(d * k for d, k in self.day_counts.items()) / n, 1) if n else None

    def add(self, status: str, count: int, published: int, days: int | None = None) -> None:
        setattr(self, status, getattr(self, status) + count)
        if status == "open_paused":
            self.open_in_time += count
        self.received += count
        self.published += published
        if days is not None and status in ANSWERED:
            self.day_counts[days] += count


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
    locale: str = "vi"
    list_limit: int | None = None  # the lists above hold at most this many entries (None: all)

    def cohort(self) -> list:
        """The conditions selecting the period's tickets."""
        return [Ticket.received_on >= self.period.start, Ticket.received_on <= self.period.end]


def end_utc(d: date) -> datetime:
    """The first instant (naive UTC) after the local day `d`."""
    return to_utc_naive(datetime.combine(d + timedelta(days=1), time.min))


_end_utc = end_utc  # the name other services used


def answered_by(as_of: date):
    """Answered by the local date `as_of`: approved at some point on or before it (answered_on is set
    only by approval; a ticket reopened for a review or returned keeps its first answer's date)."""
    return and_(Ticket.answered_on.is_not(None), Ticket.answered_on <= as_of)


def status_case(as_of: date):
    """A SQL CASE giving each ticket its status as of the local date `as_of` (see the module doc)."""
    end = end_utc(as_of)
    answered = answered_by(as_of)
    on_time = outcomes.answered_on_time()
    closed_by = or_(Ticket.closed_at.is_(None), Ticket.closed_at < end)
    return case(
        (and_(answered, on_time), "answered_on_time"),
        (answered, "answered_late"),
        (and_(Ticket.state == State.REFUSED, closed_by), "refused"),
        (and_(Ticket.state == State.TRANSFERRED, closed_by), "transferred"),
        # Waiting for the submitter since on or before the as-of day (a later pause does not count).
        (
            and_(Ticket.state == State.NEEDS_INFO, or_(Ticket.paused_on.is_(None), Ticket.paused_on <= as_of)),
            "open_paused",
        ),
        (Ticket.due_date < as_of, "open_overdue"),
        else_="open_in_time",
    )


def published_case(as_of: date):
    return case((and_(Ticket.published_at.is_not(None), Ticket.published_at < end_utc(as_of)), 1), else_=0)


@dataclass
class Labels:
    """The display names of every dimension's keys in one language."""

    locale: str
    by_dim: dict[str, dict[Any, str]]
    inactive: dict[str, set]
    order: dict[str, list]

    def of(self, dim: str, key: Any) -> str:
        return self.by_dim[dim].get(key, "" if dim in ("unit", "category") else str(key))


def labels(locale: str) -> Labels:
    """Names of the kinds, channels, units and categories in `locale`, and their display order."""
    unit_rows = db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars().all()
    category_rows = db.session.execute(db.select(Category).order_by(Category.sort_order, Category.code)).scalars().all()
    units: dict[Any, str] = {u.id: states.localized_name(u, locale) for u in unit_rows}
    units[None] = _("Chưa chuyển đơn vị")
    return Labels(
        locale=locale,
        by_dim={
            "kind": {k: states.label(states.KIND_LABELS, k, locale) for k in states.KIND_LABELS},
            "channel": {k: states.label(states.CHANNEL_LABELS, k, locale) for k in states.CHANNEL_LABELS},
            "unit": units,
            "category": {c.id: states.localized_name(c, locale) for c in category_rows},
        },
        inactive={
            "unit": {u.id for u in unit_rows if not u.active} | {None},
            "category": {c.id for c in category_rows if not c.active},
            "kind": set(),
            "channel": set(),
        },
        order={
            "kind": list(states.KIND_LABELS),
            "channel": list(states.CHANNEL_LABELS),
            "unit": [u.id for u in unit_rows],
            "category": [c.id for c in category_rows],
        },
    )


def _workdays(start: date, as_of: date, cal: WorkCalendar):
    """A VALUES table of every day from `start` to `as_of` with its working-day ordinal: the working
    days between two of them are the difference of their ordinals (`WorkCalendar.working_days_between`)."""
    rows = [
        (start + timedelta(days=i), cal.working_days_between(start, start + timedelta(days=i)))
        for i in range((as_of - start).days + 1)
    ]
    return values(column("day", Date), column("n", Integer), name="workdays").data(rows).cte("workdays")


_FACETS = ("kind", "category", "unit", "channel", "reason", "agency")  # the grouping columns, in order
_ROW = (*_FACETS, "status", "days", "n", "published", "closed")  # a tally row's fields, in order


@dataclass
class _TallyRow:
    kind: Any
    category: Any
    unit: Any
    channel: Any
    reason: Any
    agency: Any
    status: str
    days: int | None
    n: int
    published: int
    closed: int


def _plain(value: Any) -> Any:
    """A tally value as JSON data (sums come back as Decimal on PostgreSQL)."""
    return int(value) if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int) else value


def _workday_ordinals(start: date, as_of: date, cal: WorkCalendar) -> str:
    """The working-day ordinals the tally counts the days to answer with, as a short digest."""
    if as_of < start:
        return ""
    ordinals = [cal.working_days_between(start, start + timedelta(days=i)) for i in range((as_of - start).days + 1)]
    return hashlib.sha256(repr(ordinals).encode()).hexdigest()


def _tally(period: Period, as_of: date, cal: WorkCalendar, where) -> Iterator[tuple[frozenset, Any]]:
    """One pass over the period: (facets grouped, row) with row.status, .days, .n, .published, .closed
    and the facet columns; `facets` names the columns the row is grouped by (all of them off PostgreSQL)."""
    status = status_case(as_of)
    answered = answered_by(as_of)  # the two answered statuses of `status`, without evaluating it again
    days: ColumnElement[Any]
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if as_of >= period.start and postgresql:
        # The ordinals as one array (a one-row CTE), read at the day's offset in the period: no join.
        ordinals = [
            cal.working_days_between(period.start, period.start + timedelta(days=i))
            for i in range((as_of - period.start).days + 1)
        ]
        array = (
            db.select(cast(bindparam("workday_ordinals", ordinals, type_=ARRAY(Integer)), ARRAY(Integer)).label("n"))
            .cte("workday_ordinals")
            .c.n
        )
        start = cast(literal(period.start), Date)

        def at(day):  # the day's ordinal (PostgreSQL arrays count from 1; NULL outside the array)
            return array[(day - start) + 1]

        days = case(
            (~answered, None),
            (Ticket.answered_on <= Ticket.received_on, 0),
            else_=at(Ticket.answered_on) - at(Ticket.received_on),
        )
        source = Ticket.__table__.join(array.table, literal(True))
    elif as_of >= period.start:
        workdays = _workdays(period.start, as_of, cal)
        at_receipt, at_answer = workdays.alias("at_receipt"), workdays.alias("at_answer")
        days = case(
            (~answered, None), (Ticket.answered_on <= Ticket.received_on, 0), else_=at_answer.c.n - at_receipt.c.n
        )
        source = Ticket.__table__.outerjoin(at_receipt, at_receipt.c.day == Ticket.received_on).outerjoin(
            at_answer, and_(answered, at_answer.c.day == Ticket.answered_on)
        )
    else:  # a period that has not begun: nothing can have been answered in it
        days, source = literal(None, Integer), Ticket.__table__
    closed_now = case((Ticket.state.in_([s.value for s in CLOSED_STATES]), 1), else_=0)
    per_ticket = (
        db.select(
            Ticket.kind.label("kind"),
            Ticket.category_id.label("category"),
            Ticket.unit_id.label("unit"),
            Ticket.channel.label("channel"),
            # grouped with the status: only the refused / transferred rows are read
            Ticket.refuse_reason_code.label("reason"),
            Ticket.transfer_agency.label("agency"),
            status.label("status"),
            days.label("days"),
            published_case(as_of).label("published"),
            closed_now.label("closed"),
        )
        .select_from(source)
        .where(Ticket.received_on >= period.start, Ticket.received_on <= period.end, *where)
        .subquery("per_ticket")
    )
    c = per_ticket.c
    facets = [c[name] for name in _FACETS]
    # The one pass: every (facets, status, days) combination counted (a hash aggregate over the period).
    flat = db.select(
        *facets,
        c.status,
        c.days,
        func.count().label("n"),
        func.coalesce(func.sum(c.published), 0).label("published"),
        func.coalesce(func.sum(c.closed), 0).label("closed"),
    ).group_by(*facets, c.status, c.days)
    if not postgresql:
        everything = frozenset(_FACETS)
        for row in db.session.execute(flat):
            yield everything, row
        return
    # PostgreSQL rolls the combinations up into each breakdown (a few thousand rows, not the tickets);
    # enough memory for this transaction to hash the year's tickets instead of sorting them on disk.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    f = flat.subquery("combinations").c
    sets = [
        tuple_(f.status, f.days),
        *[tuple_(f[name], f.status, f.days) for name in _FACETS[:4]],
        tuple_(f.reason, f.status),
        tuple_(f.agency, f.status),
    ]
    stmt = db.select(
        *[f[name] for name in _FACETS],
        f.status,
        f.days,
        func.sum(f.n).label("n"),
        func.sum(f.published).label("published"),
        func.sum(f.closed).label("closed"),
        func.grouping(*[f[name] for name in _FACETS]).label("unused"),
    ).group_by(func.grouping_sets(*sets))
    width = len(_FACETS)
    for row in db.session.execute(stmt):
        grouped = frozenset(name for i, name in enumerate(_FACETS) if not (row.unused >> (width - 1 - i)) & 1)
        yield grouped, row


def _listed(ids: list[int], *columns) -> list:
    """(code, day of receipt, *columns) of the tickets `ids`, by day of receipt and code (none: no query)."""
    if not ids:
        return []
    return list(
        db.session.execute(
            db.select(Ticket.code, Ticket.received_on, *columns)
            .where(Ticket.id.in_(ids))
            .order_by(Ticket.received_on, Ticket.code)
        )
    )


def build_report(
    period: Period,
    today: date,
    *,
    now: datetime,
    locale: str | None = None,
    cal: WorkCalendar | None = None,
    where=(),
    list_limit: int | None = None,
) -> Report:
    """The figures of `period` as of min(period end, today); `where` narrows the tickets (e.g. a scope).

    `list_limit` caps the overdue, refused and transferred lists (the page shows the top entries; the
    exports read the full lists through `overdue_rows`); the counts are always complete.
    """
    cal = cal or work_calendar()
    locale = locale or current_locale()
    as_of = period.as_of(today)
    names = labels(locale)

    total = Row(None, _("Tổng số"))
    rows: dict[str, dict[Any, Row]] = {
        dim: {key: Row(key, names.of(dim, key)) for key in names.order[dim]} for dim in DIMENSIONS
    }
    reasons: Counter = Counter()
    agencies: Counter = Counter()
    status = status_case(as_of)
    cohort = [Ticket.received_on >= period.start, Ticket.received_on <= period.end, *where]
    lists = {
        "refused": (status == "refused", (Ticket.received_on, Ticket.code)),
        "transferred": (status == "transferred", (Ticket.received_on, Ticket.code)),
        "overdue": (status == "open_overdue", (Ticket.due_date, Ticket.code)),
    }

    def tally() -> list:
        """The tally: plain data, kept by the report cache."""
        return [
            [sorted(grouped), *(_plain(getattr(r, name)) for name in _ROW)]
            for grouped, r in _tally(period, as_of, cal, where)
        ]

    def listed() -> dict:
        """The ids of the listed tickets (none when the lists are not wanted: the exports stream them)."""
        if list_limit == 0:
            return {name: [] for name in lists}
        return {
            name: list(
                db.session.execute(
                    db.select(Ticket.id).where(*cohort, cond).order_by(*order).limit(list_limit)
                ).scalars()
            )
            for name, (cond, order) in lists.items()
        }

    if where or not report_cache.enabled():
        counted: dict[str, Any] = {"tally": tally(), "ids": listed()}
    else:
        # The tally is kept apart from the lists' ids, so the page, the CSV and the XLSX of a period
        # share one count (they differ only in the lists they show).
        base = (period.start, period.end, as_of, str(tz()), _workday_ordinals(period.start, as_of, cal))
        counted = {"tally": report_cache.cached(report_cache.key_of("tally", *base), period.start, period.end, tally)}
        counted["ids"] = (
            listed()
            if list_limit == 0
            else report_cache.cached(report_cache.key_of("ids", list_limit, *base), period.start, period.end, listed)
        )
    for grouped_names, *values_ in counted["tally"]:
        grouped = frozenset(grouped_names)
        r = _TallyRow(*values_)
        n, published = int(r.n), int(r.published)
        flat = grouped == frozenset(_FACETS)
        if flat or not grouped:  # the whole period
            total.add(r.status, n, published, r.days)
            if r.status.startswith("open"):
                total.closed_later += int(r.closed)
        for dim in DIMENSIONS:
            if dim in grouped:
                key_ = getattr(r, dim)
                row = rows[dim].get(key_)
                if row is None:
                    row = rows[dim][key_] = Row(key_, names.of(dim, key_))
                row.add(r.status, n, published, r.days)
        if "reason" in grouped and r.status == "refused":
            reasons[r.reason or ""] += n
        if "agency" in grouped and r.status == "transferred":
            agencies[r.agency or ""] += n
    # Inactive units/categories with nothing in the period are left out; the rest keep their order.
    by = {
        dim: [row for row in rows[dim].values() if row.received or row.key not in names.inactive[dim]]
        for dim in DIMENSIONS
    }

    reason_labels = refuse_reason_labels()
    refused_reasons = [
        (reason_labels.get(code, code), n) for code, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    transferred_agencies = sorted(agencies.items(), key=lambda item: (-item[1], item[0]))
    # The listed tickets read again by id (their texts and names as they are now), in the list's order.
    ids = counted["ids"]
    refused_list = [
        dict(code=c, received_on=r, reason_code=reason_labels.get(rc or "", rc or ""), reason=txt or "")
        for c, r, rc, txt in _listed(ids["refused"], Ticket.refuse_reason_code, Ticket.refuse_reason)
    ]
    transferred_list = [
        dict(code=c, received_on=r, agency=a or "", reason=txt or "")
        for c, r, a, txt in _listed(ids["transferred"], Ticket.transfer_agency, Ticket.transfer_reason)
    ]
    overdue = list(overdue_rows(as_of, cal, [Ticket.id.in_(ids["overdue"])], names)) if ids["overdue"] else []

    from . import satisfaction

    return Report(
        period,
        as_of,
        now,
        total,
        by,
        refused_reasons,
        transferred_agencies,
        refused_list,
        transferred_list,
        overdue,
        satisfaction.figures(period.start, as_of, where=where),
        locale=locale,
        list_limit=list_limit,
    )


def refuse_reason_labels() -> dict[str, str]:
    """Labels of the refusal reason codes the workflow offers, in the current language."""
    from . import language
    from .workflow import REFUSE_REASONS

    return {code: states.label(states.REFUSE_REASON_LABELS, code, language()) for code in REFUSE_REASONS}


def overdue_select(where):
    """The columns of an overdue list's rows (`overdue_row`), for the tickets matching `where`, in no order."""
    return (
        db.select(
            Ticket.code,
            Ticket.title,
            Ticket.kind,
            Ticket.category_id,
            Ticket.unit_id,
            Ticket.state,
            Ticket.received_on,
            Ticket.due_date,
            User.name.label("assignee"),
        )
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(*where)
    )


def overdue_row(row, names: Labels, as_of: date, cal: WorkCalendar) -> dict:
    """One row of `overdue_select` as an overdue list shows it, with its working days late on `as_of`."""
    code, title, kind, category_id, unit_id, state, received_on, due, assignee = row
    return dict(
        code=code,
        title=title,
        kind=kind,
        kind_label=names.of("kind", kind),
        category=names.of("category", category_id),
        unit=names.of("unit", unit_id),
        state=state,
        received_on=received_on,
        due_date=due,
        assignee=assignee or "",
        days_late=domain_outcomes.days_late(due, as_of, cal),
    )


def overdue_rows(
    as_of: date,
    cal: WorkCalendar,
    where,
    names: Labels,
    *,
    limit: int | None = None,
    batch: int = 2000,
    connection=None,
) -> Iterator[dict]:
    """Tickets matching `where` (columns only), oldest due date first, with the working days late on
    `as_of` counted for each row read (at most `limit`); streamed in batches, from `connection` when
    given."""
    stmt = overdue_select(where).order_by(Ticket.due_date, Ticket.code).limit(limit)
    if limit is None:  # the full list of an export: streamed from a server-side cursor
        stmt = stmt.execution_options(yield_per=batch)
    for row in (connection or db.session).execute(stmt):
        yield overdue_row(row, names, as_of, cal)


def overdue_list(as_of: date, cal: WorkCalendar, where, labels_=None, limit: int | None = None) -> list[dict]:
    """`overdue_rows` as a list."""
    return list(overdue_rows(as_of, cal, where, labels_ or labels(current_locale()), limit=limit))


# The order of the values of `iter_detail_tuples` (the keys of `iter_detail_rows`' dicts).
DETAIL_FIELDS = (
    "code",
    "received_on",
    "kind",
    "category",
    "unit",
    "channel",
    "submitter_type",
    "title",
    "state",
    "status",
    "due_date",
    "answered_on",
    "working_days",
    "published_on",
    "received_at",
    "incoming_number",
)


def _local_time(column_: Any, zone: Any) -> Any:
    """A naive UTC timestamp column as the local wall-clock time of `zone`, in SQL (PostgreSQL)."""
    return func.timezone(str(zone), func.timezone("UTC", column_))


def iter_detail_tuples(
    report: Report, *, cal: WorkCalendar | None = None, where=(), batch: int = 2000, connection=None
) -> Iterator[tuple]:
    """Every ticket of the report's period as a tuple of plain values in `DETAIL_FIELDS` order (the
    detailed export), streamed from a server-side cursor in batches of `batch` rows so memory does not
    grow with the period. Only the needed columns are read, as plain tuples (no ORM object); names and
    labels are looked up now, from dicts built once; the rows are read as they are consumed, from
    `connection` when given (a response streamed after its request has ended reads from a connection
    of its own)."""
    cal = cal or work_calendar()
    period, as_of, locale = report.period, report.as_of, report.locale
    names = labels(locale)
    status = status_case(as_of).label("status")
    zone = tz()
    bind = connection if connection is not None else db.session.get_bind()
    received_at: Any = Ticket.received_at
    published_at: Any = Ticket.published_at
    in_sql = bind.dialect.name == "postgresql"
    if in_sql:  # the local times made by the database (a C function per row, not Python's)
        received_at = func.to_char(_local_time(Ticket.received_at, zone), "DD/MM/YYYY HH24:MI")
        published_at = cast(_local_time(Ticket.published_at, zone), Date)
    stmt = (
        db.select(
            Ticket.code,
            Ticket.received_on,
            Ticket.kind,
            Ticket.category_id,
            Ticket.unit_id,
            Ticket.channel,
            Ticket.submitter_type,
            Ticket.state,
            status,
            Ticket.due_date,
            Ticket.answered_on,
            published_at,
            Ticket.title,
            received_at,
            Ticket.incoming_number,
        )
        .where(Ticket.received_on >= period.start, Ticket.received_on <= period.end, *where)
        .order_by(Ticket.received_on, Ticket.code)
        .execution_options(yield_per=batch, stream_results=True)
    )
    status_names = {s: status_label(s, locale) for s in STATUSES}
    state_names = {s.value: states.label(states.STATE_LABELS, s.value, locale) for s in State}
    submitter_names = {k: states.label(states.SUBMITTER_TYPE_LABELS, k, locale) for k in states.SUBMITTER_TYPE_LABELS}

    days_memo: dict[tuple[date, date], int] = {}

    def working_days(received_on: date, answered_on: date) -> int:
        pair = (received_on, answered_on)
        if pair not in days_memo:
            days_memo[pair] = max(0, cal.working_days_between(received_on, answered_on))
        return days_memo[pair]

    def rows() -> Iterator[tuple]:
        of = names.by_dim
        kinds, categories, units, channels = of["kind"], of["category"], of["unit"], of["channel"]
        answered_statuses = ANSWERED
        for (
            code,
            received_on,
            kind,
            category_id,
            unit_id,
            channel,
            submitter_type,
            state,
            st,
            due,
            answered_on,
            published_at,
            title,
            received_at,
            incoming_number,
        ) in (connection or db.session).execute(stmt):
            answered = st in answered_statuses
            if in_sql:
                stamp, published_on = received_at or "", published_at
            else:
                if received_at:
                    moment = received_at.replace(tzinfo=UTC).astimezone(zone)
                    stamp = f"{moment.day:02d}/{moment.month:02d}/{moment.year} {moment.hour:02d}:{moment.minute:02d}"
                else:
                    stamp = ""
                published_on = published_at.replace(tzinfo=UTC).astimezone(zone).date() if published_at else None
            yield (
                code,
                received_on,
                kinds.get(kind, kind),
                categories.get(category_id, ""),
                units.get(unit_id, ""),
                channels.get(channel, channel),
                submitter_names.get(submitter_type, submitter_type),
                title,
                state_names.get(state, state),
                status_names.get(st, st),
                due,
                answered_on if answered else None,
                working_days(received_on, answered_on) if answered else None,
                published_on,
                stamp,
                incoming_number or "",
            )

    return rows()


def iter_detail_rows(
    report: Report, *, cal: WorkCalendar | None = None, where=(), batch: int = 2000, connection=None
) -> Iterator[dict]:
    """`iter_detail_tuples` as dicts keyed by `DETAIL_FIELDS` (the detailed CSV and the page's lists)."""
    tuples = iter_detail_tuples(report, cal=cal, where=where, batch=batch, connection=connection)
    return (dict(zip(DETAIL_FIELDS, t, strict=True)) for t in tuples)


def detail_rows(report: Report, *, cal: WorkCalendar | None = None, where=()) -> list[dict]:
    """`iter_detail_rows` as a list (small periods and tests)."""
    return list(iter_detail_rows(report, cal=cal, where=where))


def status_label(status: str, locale: str | None = None) -> str:
    """The label of a detail line's status (default: in the language in force)."""
    return states.label(states.REPORT_STATUS_LABELS, status, locale or current_locale())


def dimension_title(dim: str, locale: str | None = None) -> str:
    """The title of a breakdown of the report (default: in the language in force)."""
    return states.label(states.DIMENSION_LABELS, dim, locale or current_locale())


def figure_columns() -> list[tuple[str, str]]:
    """(attribute, header) of the figures every breakdown row carries (page, XLSX, CSV)."""
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


_EXPORTS = ("to_xlsx", "to_csv", "details_csv", "satisfaction_csv", "summary_items")


def __getattr__(name: str):
    """The exports lived here before `services.exports`; old imports keep working."""
    if name in _EXPORTS:
        from . import exports

        return getattr(exports, name)
    raise AttributeError(name)
