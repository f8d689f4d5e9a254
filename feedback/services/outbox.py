"""The outbox: emails are rows written with the change that causes them, delivered after commit.

`queue()` adds a row (the caller commits). `send_pending()` claims due rows (safe with several
senders at once), sends each through Flask-Mail, and records success or schedules a retry with
exponential back-off; after OUTBOX_MAX_ATTEMPTS a row is marked failed for an admin to resend.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import update

from ..extensions import db, mail
from ..models import OutboxMessage

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a sender that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def queue(kind: str, recipients: list[str] | str, subject: str, template: str, *, ticket=None,
          locale: str = "vi", now: datetime | None = None, **context) -> OutboxMessage:
    """Render `email/<template>.txt` (and `.html` if present) and add an outbox row (not committed)."""
    if isinstance(recipients, str):
        recipients = [recipients]
    recipients = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    with force_locale(locale):
        ctx = {"ticket": ticket, "base_url": current_app.config["BASE_URL"].rstrip("/"), **context}
        body_text = render_template(f"email/{template}.txt", **ctx)
        try:
            body_html = render_template(f"email/{template}.html", **ctx)
        except Exception:  # a template without an HTML part is sent as plain text
            body_html = None
    message = OutboxMessage(
        kind=kind,
        recipients=",".join(recipients),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        ticket_id=ticket.id if ticket is not None else None,
        status="pending",
    )
    if now is not None:
        message.created_at = now
        message.next_attempt_at = now
    db.session.add(message)
    db.session.flush()
    return message


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def worker_id() -> str:
    """A name for this sender process, recorded on the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(now: datetime, limit: int, worker: str) -> list[int]:
    """Mark up to `limit` due rows as being sent by `worker` and commit; return their ids.

    On PostgreSQL the candidate rows are locked with SKIP LOCKED so concurrent senders take disjoint
    sets; on SQLite the transaction holds the write lock (BEGIN IMMEDIATE). The status condition in
    the UPDATE makes a row claimed by someone else in between drop out.
    """
    stale = now - STALE_CLAIM
    candidates = (
        db.select(OutboxMessage.id)
        .where(
            ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now))
            | ((OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < stale))
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.execute(candidates).scalars())
    if not ids:
        db.session.commit()
        return []
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .where(
            (OutboxMessage.status == "pending")
            | ((OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < stale))
        )
        .values(status="sending", claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(result.scalars())
    db.session.commit()
    return claimed


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: OUTBOX_BACKOFF_SECONDS doubled per failed attempt, capped at 6 hours."""
    base = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def deliver(message: OutboxMessage) -> None:
    """Send one message through Flask-Mail (raises on SMTP failure)."""
    mail.send(
        Message(
            subject=message.subject,
            recipients=message.recipients.split(","),
            body=message.body_text,
            html=message.body_html,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
        )
    )


def send_pending(now: datetime, limit: int | None = None, worker: str | None = None) -> SendReport:
    """One pass: claim what is due at `now`, send it, record the outcome of each row (commits)."""
    limit = limit or current_app.config["OUTBOX_BATCH"]
    worker = worker or worker_id()
    report = SendReport()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for message_id in claim(now, limit, worker):
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.status != "sending" or message.claimed_by != worker:
            db.session.rollback()
            continue
        try:
            deliver(message)
        except Exception as exc:  # any SMTP or network failure: keep the row, try again later
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.claimed_by = None
            if message.attempts >= max_attempts:
                message.status = "failed"
                report.failed.append(message.id)
            else:
                message.status = "pending"
                message.next_attempt_at = now + backoff(message.attempts)
                report.retried.append(message.id)
            log.warning("outbox message %s not sent: %s", message.id, message.last_error)
        else:
            message.attempts += 1
            message.status = "sent"
            message.sent_at = now
            message.last_error = None
            report.sent.append(message.id)
        db.session.commit()
    return report


def resend(message: OutboxMessage, now: datetime) -> None:
    """Put a failed message back in the queue (an admin's action; the caller commits)."""
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_by = None
    message.claimed_at = None
