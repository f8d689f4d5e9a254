"""Helpers of the closing-the-loop tests (imported by conftest and the test modules)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from feedback.extensions import db
from feedback.models import OutboxMessage, Rating, Review, Ticket, TicketEvent
from feedback.services import workflow
from feedback.timeutil import utcnow

PASSWORD = "secret-pass-1"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def staff_csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def page_csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def answered_ticket(make_ticket, team, *, now: datetime | None = None, answer: str | None = None,
                    **fields) -> Ticket:
    """A ticket received `now` (default: an hour ago), routed to CCTDC, drafted by the officer and
    approved by the unit head, committed."""
    now = now or utcnow() - timedelta(hours=1)
    ticket = make_ticket(now=now, **fields)
    workflow.route(ticket, team["coordinator"], "CCTDC", now)
    workflow.assign(ticket, team["head"], team["officer"], now)
    workflow.answer(ticket, team["officer"], answer or (
        "Chi cục đã bố trí lịch kiểm định cân thương mại cho doanh nghiệp vào ngày 15 tháng tới."), now)
    workflow.approve(ticket, team["head"], now)
    db.session.commit()
    return ticket


def snapshot(ticket_id: int) -> dict:
    """Everything a refused rating or review must leave as it was."""
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    db.session.refresh(ticket)
    out = {
        "state": ticket.state, "version": ticket.version, "round": ticket.review_round, "due": ticket.due_date,
        "answer": ticket.answer,
        "ratings": [(r.round, r.level, tuple(r.reasons or []), r.comment, r.revision) for r in db.session.execute(
            db.select(Rating).where(Rating.ticket_id == ticket_id).order_by(Rating.round)).scalars()],
        "reviews": db.session.execute(db.select(db.func.count(Review.id)).where(Review.ticket_id == ticket_id))
        .scalar_one(),
        "events": db.session.execute(db.select(db.func.count(TicketEvent.id))
                                     .where(TicketEvent.ticket_id == ticket_id)).scalar_one(),
        "outbox": db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one(),
    }
    db.session.rollback()
    return out


def fresh(ticket_id: int) -> Ticket:
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    db.session.refresh(ticket)
    return ticket
