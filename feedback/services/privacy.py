"""Retention of personal data (Law 91/2025/QH15, DESIGN §7).

After a retention period a closed ticket's submitter data (name, email, phone, address, tax code,
organisation) is replaced with a marker; the ticket itself, its dates, figures and published result
stay, so statistics and the public results page are unchanged. Attachments that were not made
public are removed (rows now, files after commit: `remove_files`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func

from ..domain.redaction import redact
from ..domain.states import CLOSED_STATES
from ..extensions import db
from ..models import OutboxMessage, Ticket
from . import timeline
from .admin import audit

MARKER = "[đã ẩn danh]"


@dataclass
class AnonymiseResult:
    codes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # to delete after commit


def closed_moment():
    """When a ticket was closed: closed_at, else its approval time, else its last change."""
    return func.coalesce(Ticket.closed_at, Ticket.answered_at, Ticket.updated_at)


def due_for_anonymisation(days: int, now: datetime) -> list[int]:
    """Ids of closed, not yet anonymised tickets closed more than `days` days before `now`."""
    cutoff = now - timedelta(days=days)
    return list(db.session.execute(
        db.select(Ticket.id).where(Ticket.state.in_([s.value for s in CLOSED_STATES]),
                                   Ticket.anonymised_at.is_(None), closed_moment() < cutoff)
        .order_by(Ticket.id)
    ).scalars())


def anonymise_ticket(ticket: Ticket, now: datetime, result: AnonymiseResult) -> None:
    """Replace one ticket's personal data with the marker (not committed)."""
    names = [n for n in (ticket.name,) if n and n != MARKER]
    organisations = [o for o in (ticket.organization,) if o and o != MARKER]
    # The submitter's own text may repeat their contact details: mask them there too.
    ticket.title = redact(ticket.title, names, organisations, MARKER)[:300]
    ticket.content = redact(ticket.content, names, organisations, MARKER)
    if ticket.regulation:
        ticket.regulation = redact(ticket.regulation, names, organisations, MARKER)[:500]
    ticket.name = MARKER
    ticket.address = MARKER
    ticket.email = None
    ticket.phone = None
    ticket.tax_code = None
    ticket.organization = MARKER if ticket.organization else None
    ticket.anonymised_at = now
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    for attachment in list(ticket.attachments):
        if attachment.public:
            continue  # part of the published result
        result.files.append(folder / attachment.stored_name)
        db.session.delete(attachment)
    # Copies of the emails sent to the submitter hold the same data.
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.status.in_(("sent", "failed")))
        .values(recipients=MARKER, body_text=MARKER, body_html=None)
        .execution_options(synchronize_session=False)
    )
    timeline.record(ticket, "anonymise", actor_label="system", public=False, now=now,
                    message="Dữ liệu cá nhân của người gửi đã được ẩn danh theo thời hạn lưu trữ.")
    result.codes.append(ticket.code)


def anonymise(days: int, now: datetime) -> AnonymiseResult:
    """Anonymise every ticket closed more than `days` days before `now` (flushed, not committed)."""
    result = AnonymiseResult()
    ids = due_for_anonymisation(days, now)
    for start in range(0, len(ids), 200):
        batch = db.session.execute(db.select(Ticket).where(Ticket.id.in_(ids[start:start + 200]))).scalars()
        for ticket in batch:
            anonymise_ticket(ticket, now, result)
        db.session.flush()
    if result.codes:
        audit(None, "ticket", "*", "anonymise", now=now, older_than_days=days, count=len(result.codes),
              codes=", ".join(result.codes[:50]) + (" …" if len(result.codes) > 50 else ""))
    db.session.flush()
    return result


def remove_files(paths: list[Path]) -> None:
    """Delete stored files (after the commit that removed their rows)."""
    for path in paths:
        path.unlink(missing_ok=True)
