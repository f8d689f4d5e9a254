"""The reminder ladder (DESIGN §6): which reminders a ticket is due on a given working day.

Pure: no Flask, no database, no clock. The service feeds it the ticket's facts, today's local date
and the working calendar; it answers with (kind, due date, step) keys. A key is sent once: the
service records it (ReminderLog) so a later sweep, a restart or a second sweep never repeats it,
and a changed due date makes new keys. Overdue, days late and days left are `domain/outcomes.py`'s.

Every kind has a last rung; after it nothing more is sent for that due date (defaults, all configurable):
- BEFORE_DUE: to the assignee and the unit at 3, 1 and 0 working days before the due date. Ends on
  the due date.
- OVERDUE_HEAD: to the unit head on each of the first 10 working days overdue (steps 1-10). Ends there.
- ESCALATE: to coordinators and directors on each of the working days 5-14 overdue, then one last
  escalation at 20 working days overdue (step 20). Ends there.
- ROUTE_OVERDUE: to coordinators on each of the first 10 working days a new ticket stays unrouted
  after its routing target, then one last escalation (coordinators and directors) at 20 working days.
- PUBLISH_OVERDUE: the same for an answered ticket not published after its publication target.
- PROGRESS: to the submitter every 7 calendar days while the ticket is overdue, at most 4 times.
- RATING_REQUEST: one reminder to rate the answer in force.
When a sweep misses rungs (the ticket was routed late, the scheduler was down), only the latest rung
reached is sent, and only within the catch-up window (5 working days after that rung's day; the
progress update within its own period), so nobody gets "3 days left" and "1 day left" on the same day
and a ticket stuck for months gets no more rungs. Tickets waiting for the submitter (needs_info) have
their clock paused and get none of the due-date reminders; answered, refused and transferred tickets
get none either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from . import outcomes
from .deadlines import WorkCalendar
from .states import CLOCK_RUNNING_STATES, State

BEFORE_DUE = "before_due"
OVERDUE_HEAD = "overdue_head"
ESCALATE = "escalate"
ROUTE_OVERDUE = "route_overdue"
PUBLISH_OVERDUE = "publish_overdue"
PROGRESS = "progress_update"
# Issue 14: one reminder to a submitter who has not rated the answer in force (step = answer round).
RATING_REQUEST = "rating_request"

KINDS = (ESCALATE, OVERDUE_HEAD, ROUTE_OVERDUE, PUBLISH_OVERDUE, BEFORE_DUE, PROGRESS, RATING_REQUEST)
# Most urgent first: the order items are listed in a digest.
URGENCY = {kind: rank for rank, kind in enumerate(KINDS)}
# Kinds that go to staff in the daily digest; the others are one email to the submitter each.
DIGEST_KINDS = (ESCALATE, OVERDUE_HEAD, ROUTE_OVERDUE, PUBLISH_OVERDUE, BEFORE_DUE)

# States whose answer clock runs and that therefore get due-date reminders (outcomes' definition).
DUE_STATES = tuple(s for s in State if s in CLOCK_RUNNING_STATES)
# Of those, the ones that are with a unit (before-due and unit-head reminders need a unit).
UNIT_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.PENDING_APPROVAL)


@dataclass(frozen=True)
class Ladder:
    """The configured offsets (working days, except the progress period in calendar days)."""

    before_days: tuple[int, ...] = (3, 1, 0)
    head_overdue_days: int = 1
    escalate_days: int = 5
    progress_days: int = 7
    progress_unit: str = "calendar_days"  # or working_days: the unit of the administrator's progress rule
    daily_rungs: int = 10  # how many working days in a row each overdue kind is repeated
    final_days: int = 20  # working days overdue of the one last escalation (escalate, route, publish)
    progress_max: int = 4  # progress updates per due date
    catchup_days: int = 5  # working days a missed rung may still be sent

    def __post_init__(self) -> None:
        if any(d < 0 for d in self.before_days):
            raise ValueError("before-due offsets are working days before the due date, not negative")
        if self.head_overdue_days < 1 or self.escalate_days < 1 or self.progress_days < 1:
            raise ValueError("overdue offsets and the progress period are at least 1 day")
        if self.daily_rungs < 1 or self.progress_max < 1 or self.catchup_days < 0:
            raise ValueError("at least one daily rung and one progress update; catch-up not negative")
        if self.final_days < self.escalate_days + self.daily_rungs:
            raise ValueError("the last escalation comes after the daily escalations")
        object.__setattr__(self, "before_days", tuple(sorted(set(self.before_days))))

    def rungs(self, kind: str) -> tuple[int, ...]:
        """The working days overdue on which `kind` is sent (its steps), the last one being its end."""
        if kind == OVERDUE_HEAD:
            return tuple(range(self.head_overdue_days, self.head_overdue_days + self.daily_rungs))
        if kind == ESCALATE:
            return (*range(self.escalate_days, self.escalate_days + self.daily_rungs), self.final_days)
        if kind in (ROUTE_OVERDUE, PUBLISH_OVERDUE):
            return (*range(1, 1 + self.daily_rungs), self.final_days)
        raise ValueError(kind)

    def is_final(self, kind: str, step: int) -> bool:
        """Whether (kind, step) is the one last escalation, which also goes to the directors."""
        return kind in (ESCALATE, ROUTE_OVERDUE, PUBLISH_OVERDUE) and step == self.final_days

    def reach_days(self) -> int:
        """Working days overdue beyond which no rung of any working-day kind can be due."""
        return self.final_days + self.catchup_days

    def progress_reach(self) -> int:
        """Days overdue (in the progress unit) beyond which no progress update can be due."""
        return (self.progress_max + 1) * self.progress_days - 1


@dataclass(frozen=True)
class Due:
    """A reminder a ticket is due today: its key (kind, due date, step) and the day count it reports."""

    kind: str
    due_date: date
    step: int
    days: int  # working days left (before due), working days late, or calendar days late (progress)


def before_window_end(today: date, cal: WorkCalendar, ladder: Ladder) -> date:
    """The latest due date that can get a before-due reminder today.

    Every ticket due after it has more working days left than the largest offset. Days off right
    after the last counted working day are included: a due date on a Saturday counts as the Friday.
    """
    if not ladder.before_days:
        return today - timedelta(days=1)
    last = cal.add_working_days(today, max(ladder.before_days))
    return cal.next_working_day(last) - timedelta(days=1)


def overdue_window_start(today: date, cal: WorkCalendar, ladder: Ladder) -> date:
    """The earliest due (or routing, publication) date that can still get a reminder today: dates
    before it are past every kind's last rung and its catch-up window, whatever the log holds."""
    start = cal.add_working_days(today, -ladder.reach_days())
    if ladder.progress_unit == "working_days":
        return min(start, cal.add_working_days(today, -ladder.progress_reach()))
    return min(start, today - timedelta(days=ladder.progress_reach()))


def _latest_rung(kind: str, late: int, ladder: Ladder) -> Due | None:
    """The latest rung of `kind` reached at `late` working days, if still within its catch-up window."""
    reached = [r for r in ladder.rungs(kind) if r <= late]
    if not reached or late - reached[-1] > ladder.catchup_days:
        return None
    return Due(kind, date.min, reached[-1], late)


def due_reminders(
    *,
    state: str,
    has_unit: bool,
    due_date: date | None,
    route_due_date: date | None = None,
    publish_due_date: date | None = None,
    published: bool = False,
    today: date,
    cal: WorkCalendar,
    ladder: Ladder,
) -> list[Due]:
    """The reminders a ticket with these facts is due on `today` (a working day)."""
    found: list[Due] = []

    def rung(kind: str, on: date, late: int) -> None:
        due = _latest_rung(kind, late, ladder)
        if due is not None:
            found.append(Due(kind, on, due.step, late))

    if state in DUE_STATES and due_date is not None:
        if not outcomes.is_overdue(state, due_date, today):
            left = outcomes.days_left(due_date, today, cal)
            if has_unit and state in UNIT_STATES:
                rungs = [d for d in ladder.before_days if d >= left]
                if rungs:
                    found.append(Due(BEFORE_DUE, due_date, min(rungs), left))
        else:
            late = outcomes.days_late(due_date, today, cal)
            if has_unit and state in UNIT_STATES:
                rung(OVERDUE_HEAD, due_date, late)
            rung(ESCALATE, due_date, late)
            since = late if ladder.progress_unit == "working_days" else (today - due_date).days
            period = since // ladder.progress_days
            if 1 <= period <= ladder.progress_max:
                found.append(Due(PROGRESS, due_date, period, since))
            elif period > ladder.progress_max and since <= ladder.progress_reach():
                found.append(Due(PROGRESS, due_date, ladder.progress_max, since))
    if state == State.NEW and route_due_date is not None:
        late = cal.working_days_between(route_due_date, today)
        if late >= 1:
            rung(ROUTE_OVERDUE, route_due_date, late)
    if state == State.ANSWERED and not published and publish_due_date is not None:
        late = cal.working_days_between(publish_due_date, today)
        if late >= 1:
            rung(PUBLISH_OVERDUE, publish_due_date, late)
    return found


def rating_reminder_due(
    *, answered_on: date | None, rated: bool, round_: int, today: date, delay_days: int, open_days: int
) -> Due | None:
    """The one rating reminder of an answer, due from `delay_days` calendar days after it while the
    answer can still be rated and is not; keyed by the answer's date and round, so it is sent once."""
    if rated or answered_on is None or delay_days <= 0:
        return None
    days = (today - answered_on).days
    if delay_days <= days <= open_days:
        return Due(RATING_REQUEST, answered_on, round_, days)
    return None


def sort_key(kind: str, due: date, code: str) -> tuple[int, date, str]:
    """Digest order: most urgent kind first, then the earliest date, then the code."""
    return (URGENCY.get(kind, 99), due, code)


def ladder_from(
    before_days: Iterable[int],
    head_overdue_days: int,
    escalate_days: int,
    progress_days: int,
    progress_unit: str = "calendar_days",
    *,
    daily_rungs: int = 10,
    final_days: int = 20,
    progress_max: int = 4,
    catchup_days: int = 5,
) -> Ladder:
    """A Ladder from configuration values (the progress period from the administrator's rule)."""
    return Ladder(
        tuple(int(d) for d in before_days),
        int(head_overdue_days),
        int(escalate_days),
        int(progress_days),
        progress_unit,
        int(daily_rungs),
        int(final_days),
        int(progress_max),
        int(catchup_days),
    )
