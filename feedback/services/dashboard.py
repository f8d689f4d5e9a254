"""The staff dashboard (the staff home): a read model apart from the reports.

Counts by state come from the queue's counters (`queue_counts`, a few hundred rows kept exact by
triggers, see `feedback/db/queue_counts.py`); the monthly received/answered figures and the on-time rate
per unit from the report summary (`report_summary`, kept exact by triggers, see `feedback/db/summary.py`),
not from the tickets; the overdue and due-this-week counts from the (state, due date) indexes, kept like
the queue's date-filtered counts (`queue.kept`: `QUEUE_COUNTS_SECONDS` per process, dropped when the
process writes tickets; the page says when they were counted); and only the rows shown are read from
the tickets: the oldest overdue ones and the first ones due this week, each list capped (`list_limit`)
with its full count and a link to the queue. Days late are counted for the rows shown only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import BindParameter, Date, bindparam, func

from ..db import summary as _summary
from ..db.dialect import inline_parameters
from ..domain.deadlines import WorkCalendar
from ..domain.states import CLOCK_RUNNING_STATES, OPEN_STATES, State
from ..extensions import db
from ..models import QueueCount, ReportSummary, Ticket
from . import outcomes
from . import queue as queues
from .calendar import work_calendar
from .reports import Labels, Row, labels, overdue_row, overdue_select


def week_end(today: date) -> date:
    """The Sunday closing the working week of `today` (next week's on a weekend)."""
    end = today + timedelta(days=6 - today.weekday())
    return end + timedelta(days=7) if today.weekday() >= 5 else end


def last_months(today: date, n: int = 12) -> list[str]:
    """'YYYY-MM' of the `n` months up to `today`'s, oldest first."""
    months, y, m = [], today.year, today.month
    for _i in range(n):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return months[::-1]


@dataclass(frozen=True)
class Scope:
    """Whose tickets: every unit (`unit_id` None and `everything`), one unit, or nobody's."""

    everything: bool
    unit_id: int | None = None

    def tickets(self) -> list:
        if self.everything:
            return []
        unit: BindParameter[int | None] = bindparam(None, self.unit_id, literal_execute=True)  # planned for this unit
        return [Ticket.unit_id == unit] if self.unit_id is not None else [db.false()]

    def summary(self) -> list:
        if self.everything:
            return []
        return [ReportSummary.unit_id == self.unit_id] if self.unit_id is not None else [db.false()]

    def counters(self) -> list:
        if self.everything:
            return []
        return [QueueCount.unit_id == self.unit_id] if self.unit_id is not None else [db.false()]


@dataclass
class Dashboard:
    today: date
    by_state: list[tuple[str, int]]
    open_count: int
    due_this_week: list[dict]
    due_this_week_count: int
    week_end: date
    overdue: list[dict]
    overdue_count: int
    months: list[str]
    received_per_month: list[int]
    answered_per_month: list[int]
    unit_rates: list[Row]
    list_limit: int
    counted_at: datetime | None = None  # when the two counts were taken (local), when they may be kept
    counts_max_age: int = 0


# The dates of the lists' statements, given when they run and written into the SQL (`literal_execute`).
_DAY = bindparam("day", type_=Date, literal_execute=True)
_WEEK_END = bindparam("week_end", type_=Date, literal_execute=True)


@functools.cache  # built once per process and scope; the dates are given when it runs
def _oldest_statement(which: str, scope: Scope, limit: int):
    """The statement of `_oldest` for the due-this-week (`which` "week") or the overdue list ("overdue")
    of the tickets of `scope`."""
    where = scope.tickets()
    condition = [Ticket.due_date >= _DAY, Ticket.due_date <= _WEEK_END] if which == "week" else [outcomes.overdue(_DAY)]
    walks = []
    for state in sorted(CLOCK_RUNNING_STATES):
        one_state = Ticket.state == bindparam(None, str(state), literal_execute=True)
        # By due date, then first received: the order of the (state, due date, id) index, so each walk
        # reads `limit` entries (by code, all of a busy day's entries were read and sorted).
        walk = (
            overdue_select([*where, one_state, *condition])
            .add_columns(Ticket.id.label("ticket_id"))
            .order_by(Ticket.due_date, Ticket.id)
        )
        walks.append(db.select(walk.limit(limit).subquery()))  # a subquery: SQLite limits no UNION part
    merged = db.union_all(*walks).subquery()
    return inline_parameters(db.select(*merged.c).order_by(merged.c.due_date, merged.c.ticket_id).limit(limit))


def _oldest(which: str, scope: Scope, names: Labels, today: date, cal: WorkCalendar, limit: int) -> list[dict]:
    """The `limit` first tickets by (due date, id) of the clock-running states, in one statement: per
    state a short walk of its (state, due date, id) index, limited, the walks put together (UNION ALL)
    and the first `limit` of them kept. Every value (states, unit, dates, limits) is written into the
    SQL, so PostgreSQL plans it once per connection and day instead of on every execution (a prepared
    statement with parameters is planned again while custom plans look cheaper: 2 ms here, more than
    running it). Days late are counted for the rows kept only."""
    stmt = _oldest_statement(which, scope, limit)
    values = {"day": today, "week_end": week_end(today)}
    return [overdue_row(row[:-1], names, today, cal) for row in db.session.execute(stmt, values)]


def dashboard(
    scope: Scope,
    today: date,
    *,
    locale: str,
    cal: WorkCalendar | None = None,
    list_limit: int = 15,
    now: datetime | None = None,
) -> Dashboard:
    """The staff home figures for the tickets of `scope` on `today`. With `now` (local), the overdue and
    due-this-week counts may be kept (`queue.kept`) and the dashboard says when they were taken; without
    it they are counted now."""
    cal = cal or work_calendar()
    names = labels(locale)
    counts = dict(
        db.session.execute(
            db.select(QueueCount.state, func.sum(QueueCount.n)).where(*scope.counters()).group_by(QueueCount.state)
        ).all()
    )
    by_state = [(s.value, int(counts.get(s.value, 0) or 0)) for s in State]
    open_count = sum(n for s, n in by_state if s in OPEN_STATES)

    where = scope.tickets()
    end = week_end(today)
    due_week = [Ticket.due_date >= today, Ticket.due_date <= end]

    def count() -> tuple[int, int, datetime | None]:
        due = db.session.execute(
            db.select(func.count())
            .select_from(Ticket)
            .where(*where, Ticket.state.in_(list(CLOCK_RUNNING_STATES)), *due_week)
        ).scalar_one()
        late = db.session.execute(
            db.select(func.count()).select_from(Ticket).where(*where, outcomes.overdue(today))
        ).scalar_one()
        return int(due), int(late), now

    count_key = ("dashboard", scope.everything, scope.unit_id, today)
    due_this_week_count, overdue_count, counted_at = count() if now is None else queues.kept(count_key, count)
    due_this_week = _oldest("week", scope, names, today, cal, list_limit)
    overdue = _oldest("overdue", scope, names, today, cal, list_limit)

    months = last_months(today)
    in_window = [ReportSummary.received_month >= months[0], ReportSummary.received_month <= months[-1]]
    received = dict(
        db.session.execute(
            db.select(ReportSummary.received_month, func.sum(ReportSummary.n))
            .where(*scope.summary(), *in_window)
            .group_by(ReportSummary.received_month)
        ).all()
    )
    answered_in_window = [
        *scope.summary(),
        ReportSummary.state == State.ANSWERED,
        ReportSummary.answered_month >= months[0],
        ReportSummary.answered_month <= months[-1],
    ]
    answered = dict(
        db.session.execute(
            db.select(ReportSummary.answered_month, func.sum(ReportSummary.n))
            .where(*answered_in_window)
            .group_by(ReportSummary.answered_month)
        ).all()
    )

    rates: dict[int | None, Row] = {}
    for unit_id, verdict, n in db.session.execute(
        db.select(ReportSummary.unit_id, ReportSummary.on_time, func.sum(ReportSummary.n))
        .where(*answered_in_window)
        .group_by(ReportSummary.unit_id, ReportSummary.on_time)
    ):
        key = unit_id or None
        row = rates.setdefault(key, Row(key, names.of("unit", key)))
        if verdict == 1:
            row.answered_on_time += int(n)
        else:
            row.answered_late += int(n)
    order = {key: i for i, key in enumerate(names.order["unit"])}
    unit_rates = sorted((r for r in rates.values() if r.answered), key=lambda r: order.get(r.key, 10_000))

    return Dashboard(
        today=today,
        by_state=by_state,
        open_count=open_count,
        due_this_week=due_this_week,
        due_this_week_count=due_this_week_count,
        week_end=end,
        overdue=overdue,
        overdue_count=overdue_count,
        months=months,
        received_per_month=[int(received.get(k, 0) or 0) for k in months],
        answered_per_month=[int(answered.get(k, 0) or 0) for k in months],
        unit_rates=unit_rates,
        list_limit=list_limit,
        counted_at=counted_at,
        counts_max_age=queues.counts_max_age() if now is not None else 0,
    )


def verify(months: tuple[date, date] | None = None) -> tuple[list[tuple[tuple, int, int]], int]:
    """Differences between the summary and a full recount of the tickets (none when exact), and how
    many groups were compared; `months` narrows it to the months of receipt of a period."""
    return _summary.differences(db.session.connection(), months)
