"""Helpers of the closing-the-loop tests (imported by conftest and the test modules)."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.extensions import db
from feedback.models import OutboxMessage, Rating, Review, Ticket, TicketEvent
from feedback.timeutil import utcnow
from tests.factories import DRAFT, advance


def answered_ticket(make_ticket, team, *, now: datetime | None = None, answer: str | None = None, **fields) -> Ticket:
    """A ticket received `now` (default: an hour ago), routed to CCTDC, drafted by the officer and
    approved by the unit head, committed."""
    now = now or utcnow() - timedelta(hours=1)
    return advance(make_ticket(now=now, **fields), team, "answered", now, answer=answer or DRAFT)


def snapshot(ticket_id: int) -> dict:
    """Everything a refused rating or review must leave as it was."""
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    db.session.refresh(ticket)
    out = {
        "state": ticket.state,
        "version": ticket.version,
        "round": ticket.review_round,
        "due": ticket.due_date,
        "answer": ticket.answer,
        "ratings": [
            (r.round, r.level, tuple(r.reasons or []), r.comment, r.revision)
            for r in db.session.execute(
                db.select(Rating).where(Rating.ticket_id == ticket_id).order_by(Rating.round)
            ).scalars()
        ],
        "reviews": db.session.execute(
            db.select(db.func.count(Review.id)).where(Review.ticket_id == ticket_id)
        ).scalar_one(),
        "events": db.session.execute(
            db.select(db.func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id)
        ).scalar_one(),
        "outbox": db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one(),
    }
    db.session.rollback()
    return out


def fresh(ticket_id: int) -> Ticket:
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    db.session.refresh(ticket)
    return ticket
