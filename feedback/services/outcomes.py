"""The SQL twins of `feedback/domain/outcomes.py`: the same verdicts as query expressions.

One parametrised test (tests/domain/test_outcomes_surfaces.py) holds every surface to the same answer
as the pure functions; nothing else in the code writes "overdue" or "on time" as a condition.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, case, or_

from ..domain import outcomes
from ..domain.states import CLOCK_RUNNING_STATES, OPEN_STATES, State
from ..models import Ticket


def overdue(today: date | ColumnElement[date], tickets=None):
    """Open, clock running, and `today` is after the due date in force (`outcomes.is_overdue`); a ticket
    reopened for a review runs on the review's due date. (`tickets`: the columns to test, default the
    model's; the queue passes its table's. `today` may be a parameter given when the statement runs.)"""
    t = Ticket if tickets is None else tickets
    return and_(t.state.in_(list(CLOCK_RUNNING_STATES)), t.due_date < today)


def overdue_never_answered(today: date):
    """Overdue and never answered: the open-overdue figure of a cohort, in which a ticket answered once
    counts by its first answer (reports, public statistics)."""
    return and_(overdue(today), Ticket.answered_on.is_(None))


def due_today(today: date):
    """Open, clock running, due on `today` (`outcomes.is_due_today`)."""
    return and_(Ticket.state.in_(list(CLOCK_RUNNING_STATES)), Ticket.due_date == today)


def _verdict_on_time():
    """`outcomes.verdict`: the verdict recorded at approval, else answered on or before the due date."""
    return or_(Ticket.on_time.is_(True), and_(Ticket.on_time.is_(None), Ticket.answered_on <= Ticket.due_date))


def answered_on_time():
    """Answered (at least once: a ticket reopened for a review keeps its first answer), and on time
    (`outcomes.verdict`)."""
    return and_(Ticket.answered_on.is_not(None), _verdict_on_time())


def answered_late():
    """Answered (at least once), and late."""
    return and_(Ticket.answered_on.is_not(None), ~_verdict_on_time())


def standing(today: date):
    """A CASE giving each ticket its `outcomes.standing(...).status` on `today`."""
    return case(
        (and_(Ticket.state == State.ANSWERED, answered_on_time()), outcomes.ANSWERED_ON_TIME),
        (and_(Ticket.state == State.ANSWERED, answered_late()), outcomes.ANSWERED_LATE),
        (Ticket.state == State.NEEDS_INFO, outcomes.PAUSED),
        (~Ticket.state.in_(list(OPEN_STATES)), outcomes.CLOSED),
        (overdue(today), outcomes.OVERDUE),
        (due_today(today), outcomes.DUE_TODAY),
        else_=outcomes.IN_TIME,
    )
