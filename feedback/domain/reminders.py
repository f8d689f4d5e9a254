"""The reminder ladder (DESIGN §6): which reminders a ticket is due on a given working day.

Pure: no Flask, no database, no clock. The service feeds it the ticket's facts, today's local date
and the working calendar; it answers with (kind, due date, step) keys. A key is sent once: the
service records it (ReminderLog) so a later sweep, a restart or a second sweep never repeats it,
and a changed due date makes new keys.

The ladder, with the default offsets (all configurable):
- BEFORE_DUE: to the assignee and the unit at 3, 1 and 0 working days before the due date. When a
  sweep misses a rung (the ticket was routed late, the scheduler was down), only the latest rung
  reached is sent, so nobody gets "3 days left" and "1 day left" on the same day.
- OVERDUE_HEAD: to the unit head from 1 working day overdue, once per working day (step = working
  days late).
- ESCALATE: to coordinators and directors from 5 working days overdue, once per working day.
- ROUTE_OVERDUE: to coordinators, each working day a new ticket stays unrouted after its routing target.
- PUBLISH_OVERDUE: to coordinators, each working day an answered ticket stays unpublished after its
  publication target.
- PROGRESS: to the submitter, every 7 calendar days while the ticket is overdue (step = number of
  whole periods).
Tickets waiting for the submitter (needs_info) have their clock paused and get none of the
due-date reminders; answered, refused and transferred tickets get none either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .deadlines import WorkCalendar
from .states import State

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

# States whose answer clock runs and that therefore get due-date reminders.
DUE_STATES = (State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING_APPROVAL)
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

    def __post_init__(self) -> None:
        if any(d < 0 for d in self.before_days):
            raise ValueError("before-due offsets are working days before the due date, not negative")
        if self.head_overdue_days < 1 or self.escalate_days < 1 or self.progress_days < 1:
            raise ValueError("overdue offsets and the progress period are at least 1 day")
        object.__setattr__(self, "before_days", tuple(sorted(set(self.before_days))))


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


def due_reminders(*, state: str, has_unit: bool, due_date: date | None, route_due_date: date | None = None,
                  publish_due_date: date | None = None, published: bool = False, today: date,
                  cal: WorkCalendar, ladder: Ladder) -> list[Due]:
    """The reminders a ticket with these facts is due on `today` (a working day)."""
    found: list[Due] = []
    if state in DUE_STATES and due_date is not None:
        left = cal.working_days_between(today, due_date)  # >0 before, 0 on the day, <0 late
        if left >= 0:
            if has_unit and state in UNIT_STATES:
                rungs = [d for d in ladder.before_days if d >= left]
                if rungs:
                    found.append(Due(BEFORE_DUE, due_date, min(rungs), left))
        else:
            late = -left
            if has_unit and state in UNIT_STATES and late >= ladder.head_overdue_days:
                found.append(Due(OVERDUE_HEAD, due_date, late, late))
            if late >= ladder.escalate_days:
                found.append(Due(ESCALATE, due_date, late, late))
            since = late if ladder.progress_unit == "working_days" else (today - due_date).days
            if since >= ladder.progress_days:
                found.append(Due(PROGRESS, due_date, since // ladder.progress_days, since))
    if state == State.NEW and route_due_date is not None:
        late = cal.working_days_between(route_due_date, today)
        if late >= 1:
            found.append(Due(ROUTE_OVERDUE, route_due_date, late, late))
    if state == State.ANSWERED and not published and publish_due_date is not None:
        late = cal.working_days_between(publish_due_date, today)
        if late >= 1:
            found.append(Due(PUBLISH_OVERDUE, publish_due_date, late, late))
    return found


def rating_reminder_due(*, answered_on: date | None, rated: bool, round_: int, today: date, delay_days: int,
                        open_days: int) -> Due | None:
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


def ladder_from(before_days: Iterable[int], head_overdue_days: int, escalate_days: int,
                progress_days: int, progress_unit: str = "calendar_days") -> Ladder:
    """A Ladder from configuration values (the progress period from the administrator's rule)."""
    return Ladder(tuple(int(d) for d in before_days), int(head_overdue_days), int(escalate_days),
                  int(progress_days), progress_unit)
