"""Retention of personal data (Law 91/2025/QH15, DESIGN §7).

After a retention period a closed ticket's submitter data (name, email, phone, address, tax code,
organisation) is replaced with a marker; the ticket itself, its dates, figures and published result
stay, so statistics and the public results page are unchanged. Attachments that were not made
public are removed (rows now, files after commit: `remove_files`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, overload

from flask import current_app
from sqlalchemy import func

from ..db import search
from ..domain import personal_data
from ..domain.states import CLOSED_STATES
from ..extensions import db
from ..models import AuditLog, OutboxMessage, PrivacyRequest, Ticket, TicketEvent
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
    return list(
        db.session.execute(
            db.select(Ticket.id)
            .where(
                Ticket.state.in_([s.value for s in CLOSED_STATES]),
                Ticket.anonymised_at.is_(None),
                closed_moment() < cutoff,
            )
            .order_by(Ticket.id)
        ).scalars()
    )


class _Scrubber:
    """Masks one ticket's personal data (and any other found) in every text that may copy it."""

    def __init__(self, ticket: Ticket) -> None:
        live = lambda v: v if v and v != MARKER else None  # noqa: E731
        self.names = [n for n in (live(ticket.name),) if n]
        self.phrases = [p for p in (live(ticket.address),) if p]
        self.organisations = [o for o in (live(ticket.organization),) if o]
        literals = [v for v in (live(ticket.email), live(ticket.tax_code)) if v]
        self.literals = [re.compile(re.escape(v), re.IGNORECASE) for v in literals]
        digits = re.sub(r"\D", "", ticket.phone or "").lstrip("0")
        # "0912 345 678", "+84 912.345.678": the digits with any separators between them.
        self.phone = re.compile(r"[\s.\-()]*".join(digits)) if len(digits) >= 8 else None

    @overload
    def text(self, value: str) -> str: ...
    @overload
    def text(self, value: None) -> None: ...
    @overload
    def text(self, value: str | None) -> str | None: ...
    def text(self, value: str | None) -> str | None:
        if not value or value == MARKER:
            return value
        for pattern in self.literals:
            value = pattern.sub(MARKER, value)
        if self.phone is not None:
            value = self.phone.sub(MARKER, value)
        found = personal_data.detect(value, names=self.names, phrases=self.phrases, organisations=self.organisations)
        return personal_data.mask(value, found, token=MARKER)

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


def anonymise_ticket(ticket: Ticket, now: datetime, result: AnonymiseResult, reason: str = "retention") -> None:
    """Replace one ticket's personal data with the marker everywhere it is copied (not committed).

    Reaches the ticket's fields, its timeline (replies, requests for information, notes and their
    details), its outbox messages, its privacy requests, the audit entries about it, its search text
    and its attachments (rows now, files after commit: `remove_files`). With `reason="request"` (a
    deletion request) public attachments go too and the pending answer to that request is kept
    until it is sent (the next run scrubs its copy).
    """
    scrub = _Scrubber(ticket)
    ticket.title = (scrub.text(ticket.title) or "")[:300]
    ticket.content = scrub.text(ticket.content) or ""
    for column in (
        "regulation",
        "draft_answer",
        "answer",
        "late_reason",
        "refuse_reason",
        "transfer_reason",
        "pending_extension_reason",
        "public_title",
        "public_summary",
        "public_answer",
    ):
        value = getattr(ticket, column)
        if value:
            setattr(ticket, column, scrub.text(value)[:500] if column == "regulation" else scrub.text(value))
    ticket.name = MARKER
    ticket.address = MARKER
    ticket.email = None
    ticket.phone = None
    ticket.tax_code = None
    ticket.organization = MARKER if ticket.organization else None
    ticket.privacy_kept = []
    ticket.anonymised_at = now
    if ticket.published_at is not None:
        ticket.search_text = search.search_text_for(
            ticket.code, ticket.public_title, ticket.public_summary, ticket.public_answer
        )
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    for attachment in list(ticket.attachments):
        if attachment.public and reason != "request":
            continue  # part of the published result
        result.files.append(folder / attachment.stored_name)
        db.session.delete(attachment)
    # The timeline is append-only for the ORM; erasure of personal data is the one exception: the
    # record of what happened stays, the texts copied into it are masked (a table-level UPDATE).
    table = TicketEvent.__table__
    rows = db.session.execute(
        db.select(table.c.id, table.c.message, table.c.details, table.c.actor_id, table.c.actor_label).where(
            table.c.ticket_id == ticket.id
        )
    ).all()
    for row in rows:
        label = row.actor_label
        if row.actor_id is None and label not in ("", "system", "submitter"):
            label = scrub.text(label) or ""
        db.session.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(message=scrub.text(row.message), details=scrub.data(dict(row.details or {})), actor_label=label)
        )
    for message in db.session.execute(db.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).scalars():
        if message.status == "pending" and message.kind == "privacy_done":
            continue  # the answer to the deletion request itself: scrubbed once it is sent
        if message.status in ("pending", "sending"):
            message.status = "failed"
            message.last_error = "cancelled: personal data anonymised"
        message.recipients = MARKER
        message.subject = scrub.text(message.subject)[:300]
        message.body_text = MARKER
        message.body_html = None
    if ticket.letter_draft:
        ticket.letter_draft = scrub.data(dict(ticket.letter_draft))
    from ..models import OutgoingDocument

    for doc in db.session.execute(db.select(OutgoingDocument).where(OutgoingDocument.ticket_id == ticket.id)).scalars():
        # The register keeps the number, date and signer; the letter's texts and files lose the personal data
        # (the public copy, already masked, stays with the published result).
        doc.subject = (scrub.text(doc.subject) or "")[:500]
        doc.addressee = MARKER
        doc.body = scrub.text(doc.body) or ""
        doc.recipients = scrub.text(doc.recipients) or ""
        doc.pdf = b""
        doc.signed_pdf = None
    for request in db.session.execute(db.select(PrivacyRequest).where(PrivacyRequest.ticket_id == ticket.id)).scalars():
        request.message = scrub.text(request.message) or ""
        request.answer = scrub.text(request.answer)
        request.extension_reason = scrub.text(request.extension_reason)
    for row in db.session.execute(db.select(AuditLog).where(AuditLog.entity_id == ticket.code)).scalars():
        row.details = scrub.data(dict(row.details or {}))
    db.session.flush()
    search.sync(ticket)
    timeline.record(
        ticket,
        "anonymise",
        actor_label="system",
        public=False,
        now=now,
        reason=reason,
        message="Dữ liệu cá nhân của người gửi đã được ẩn danh theo yêu cầu xóa."
        if reason == "request"
        else "Dữ liệu cá nhân của người gửi đã được ẩn danh theo thời hạn lưu trữ.",
    )
    result.codes.append(ticket.code)


def scrub_sent_answers() -> int:
    """Scrub the copies of answers to deletion requests sent since their ticket was anonymised."""
    rows = (
        db.session.execute(
            db.select(OutboxMessage)
            .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(
                Ticket.anonymised_at.is_not(None),
                OutboxMessage.status.in_(("sent", "failed")),
                OutboxMessage.recipients != MARKER,
            )
        )
        .scalars()
        .all()
    )
    for message in rows:
        message.recipients = MARKER
        message.body_text = MARKER
        message.body_html = None
    db.session.flush()
    return len(rows)


def anonymise(days: int, now: datetime) -> AnonymiseResult:
    """Anonymise every ticket closed more than `days` days before `now` (flushed, not committed)."""
    result = AnonymiseResult()
    ids = due_for_anonymisation(days, now)
    for start in range(0, len(ids), 200):
        batch = db.session.execute(db.select(Ticket).where(Ticket.id.in_(ids[start : start + 200]))).scalars()
        for ticket in batch:
            anonymise_ticket(ticket, now, result)
        db.session.flush()
    scrub_sent_answers()
    if result.codes:
        audit(
            None,
            "ticket",
            "*",
            "anonymise",
            now=now,
            older_than_days=days,
            count=len(result.codes),
            codes=", ".join(result.codes[:50]) + (" …" if len(result.codes) > 50 else ""),
        )
    db.session.flush()
    return result


def remove_files(paths: list[Path]) -> None:
    """Delete stored files (after the commit that removed their rows)."""
    for path in paths:
        path.unlink(missing_ok=True)
