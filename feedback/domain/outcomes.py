"""The one meaning of overdue, due today, days left and on time (DESIGN §5).

Pure: no Flask, no database, no clock; `today` is a local date passed in. Every surface (the queue
filter and its rows, the ticket page, the dashboard, the reports, the public statistics, Open311 and
the late-reason rule of approval) asks these functions, or their SQL twins in
`feedback/services/outcomes.py`, which one parametrised test holds to the same answers.

- A deadline is a day: the answer is **on time** when it is approved on or before the due date in
  force (after extensions, pauses and calendar rechecks), whatever the hour. Approval records that
  verdict on the ticket (`on_time`; a calendar recheck updates it); a ticket without the record is
  judged from its dates, the same way (`verdict`).
- An open ticket whose clock runs (not waiting for the submitter) is **overdue** from the first day
  after its due date, calendar days: a ticket due Friday is overdue on Saturday.
- **Due today**: open, clock running, and today is the due date.
- **Days left** are working days in (today, due]; **days late** are working days in (due, today],
  at least 1 once overdue (a ticket due Friday looked at on Saturday is 1 working day late: the
  first working day it could still be answered, Monday, is already past its deadline).
- A ticket waiting for the submitter is **paused**: neither overdue nor due today; its due date moves
  when the clock resumes.
- A ticket once answered (`answered_on` is set only by approval) and reopened for a review stands by
  the review's own due date on the queue, the ticket page and the dashboard; in a period's figures
  (reports, public statistics) it counts by its first answer's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .deadlines import WorkCalendar
from .states import CLOCK_RUNNING_STATES, OPEN_STATES, State

IN_TIME = "in_time"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
PAUSED = "paused"
ANSWERED_ON_TIME = "answered_on_time"
ANSWERED_LATE = "answered_late"
CLOSED = "closed"  # refused or transferred: no resolution deadline runs

# Their labels: STANDING_LABELS in domain/states.py.


def is_overdue(state: str, due: date | None, today: date) -> bool:
    """Whether an open ticket with a running clock is past its due date on `today`."""
    return state in CLOCK_RUNNING_STATES and due is not None and today > due


def is_due_today(state: str, due: date | None, today: date) -> bool:
    """Whether an open ticket with a running clock is due on `today`."""
    return state in CLOCK_RUNNING_STATES and due is not None and today == due


def answered_on_time(answered_on: date, due: date) -> bool:
    """Whether an answer approved on `answered_on` met the due date in force."""
    return answered_on <= due


def verdict(on_time_flag: bool | None, answered_on: date | None, due: date | None) -> bool | None:
    """The on-time verdict of an answer: the one recorded at approval, else from its dates; None unanswered."""
    if answered_on is None:
        return None
    if on_time_flag is not None:
        return bool(on_time_flag)
    return due is not None and answered_on_time(answered_on, due)


def days_late(due: date, on: date, cal: WorkCalendar) -> int:
    """Working days an answer (or a ticket looked at) on `on` is past `due`: 0 when not late, else at least 1."""
    if on <= due:
        return 0
    return max(1, cal.working_days_between(due, on))


def days_left(due: date, today: date, cal: WorkCalendar) -> int:
    """Working days from `today` to `due` ((today, due]); 0 on the due date and after it."""
    if today >= due:
        return 0
    return cal.working_days_between(today, due)


@dataclass(frozen=True)
class Standing:
    """Where a ticket stands on a day: the status and the working days left or late."""

    status: str
    days: int | None = None  # working days left (in_time) or late (overdue, answered_late)

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE

    @property
    def late(self) -> bool:
        return self.status in (OVERDUE, ANSWERED_LATE)

    @property
    def on_time(self) -> bool | None:
        """The verdict of an answered ticket (None while it is not answered)."""
        if self.status == ANSWERED_ON_TIME:
            return True
        if self.status == ANSWERED_LATE:
            return False
        return None


def standing(
    state: str,
    due: date | None,
    today: date,
    cal: WorkCalendar,
    *,
    answered_on: date | None = None,
    on_time_flag: bool | None = None,
) -> Standing:
    """Where a ticket in `state` with `due` stands on `today` (the one verdict every surface shows)."""
    if state == State.ANSWERED:
        if answered_on is None or due is None:
            return Standing(CLOSED)
        if verdict(on_time_flag, answered_on, due):
            return Standing(ANSWERED_ON_TIME, 0)
        return Standing(ANSWERED_LATE, days_late(due, answered_on, cal))
    if state not in OPEN_STATES or due is None:
        return Standing(CLOSED)
    if state not in CLOCK_RUNNING_STATES:
        return Standing(PAUSED)
    if is_overdue(state, due, today):
        return Standing(OVERDUE, days_late(due, today, cal))
    if is_due_today(state, due, today):
        return Standing(DUE_TODAY, 0)
    return Standing(IN_TIME, days_left(due, today, cal))
