"""Tickets in each workflow state, built through the intake and workflow services, so every invariant
(due dates and their explanations, events, versions, outbox messages) holds as it does in production.

`team` is a mapping with at least "coordinator" (of VP), "head" and "officer" (of the unit routed to).
Tests that need a state the main path does not reach (paused, extension asked) call `advance` and then
the one workflow action they are about; tests of reports that need thousands of rows in arbitrary states
set fields directly (tests/reports/conftest.py `put_ticket`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from feedback.extensions import db
from feedback.models import Ticket, User
from feedback.services import intake, workflow
from feedback.timeutil import utcnow
from tests.support import VALID_FORM

# The main path, in order: each state is reached by one more workflow step than the one before.
PATH = ("new", "assigned", "in_progress", "pending_approval", "answered")
DRAFT = "Chi cục đã bố trí lịch kiểm định cân thương mại cho doanh nghiệp vào ngày 15 tháng tới."


def submitted(now: datetime | None = None, uploads: Iterable[intake.Upload] = (), **fields) -> Ticket:
    """A ticket sent through the public intake (the citizen's form, VALID_FORM, with consent), committed."""
    data = {k: v for k, v in VALID_FORM.items() if k != "consent_publish"}
    data["consent_publish"] = True
    data.update(fields)
    channel = data.pop("channel", "web")
    ticket = intake.submit(intake.Submission(**data, channel=channel, uploads=list(uploads)), now or utcnow())
    db.session.commit()
    return ticket


def advance(
    ticket: Ticket,
    team: Mapping[str, User],
    state: str,
    now: datetime | None = None,
    *,
    unit: str = "CCTDC",
    answer: str = DRAFT,
    letter: Mapping[str, str] | None = None,
    late_reason: str | None = None,
) -> Ticket:
    """Take a new ticket along the main path to `state`, every step at `now`: routed to `unit` by the
    coordinator (assigned), given by the head to the officer (in_progress), drafted by the officer with
    `answer` and the `letter` fields (pending_approval), approved by the head (answered). Committed."""
    steps = PATH.index(state)
    now = now or utcnow()
    if steps >= 1:
        workflow.route(ticket, team["coordinator"], unit, now)
    if steps >= 2:
        workflow.assign(ticket, team["head"], team["officer"], now)
    if steps >= 3:
        workflow.answer(ticket, team["officer"], answer, now, letter=letter)
    if steps >= 4:
        workflow.approve(ticket, team["head"], now, late_reason=late_reason)
    db.session.commit()
    return ticket


def ticket_in(
    state: str,
    team: Mapping[str, User],
    now: datetime | None = None,
    *,
    uploads=(),
    unit: str = "CCTDC",
    answer: str = DRAFT,
    letter: Mapping[str, str] | None = None,
    **fields,
) -> Ticket:
    """A ticket submitted at `now` and taken along the main path to `state` (see `advance`)."""
    ticket = submitted(now, uploads, **fields)
    return advance(ticket, team, state, now, unit=unit, answer=answer, letter=letter)
