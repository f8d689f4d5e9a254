"""The outbox: emails are rows written with the change that causes them, delivered after commit.

`queue()` adds a row (the caller commits). `send_pending()` claims due rows (safe with several
senders at once), sends each through Flask-Mail, and records success or schedules a retry with
exponential back-off; after OUTBOX_MAX_ATTEMPTS a row is marked failed for an admin to resend.

Two clocks are involved, on purpose:
- the *business* moment `now` (a parameter, `--now` on the command line) decides what is due:
  `next_attempt_at <= now`, back-off counted from `now`, `sent_at = now`;
- the *wall clock* (`utcnow()`) stamps claims, because a claim is about whether a sender process is
  still alive, which a `--now` in the past or the future must not change. A claim older than
  OUTBOX_CLAIM_SECONDS is taken to belong to a sender that died and is taken over.

A row is sent at most once in normal operation: it is claimed (status `sending`, committed) before
the SMTP conversation, the claim is refreshed just before each send so a long pass does not look
dead, and the outcome is recorded only if the claim is still ours. The one unavoidable window is a
process killed after the SMTP server accepted a message and before the outcome was committed; that
row is sent again after the claim expires (at-least-once, never lost).
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING, Any, cast

from flask import current_app, render_template
from flask_babel import force_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_mail import Connection, Message
from jinja2 import TemplateNotFound, pass_context
from markupsafe import Markup
from sqlalchemy import update

from ..domain.mailheaders import encode_subject
from ..extensions import db, mail
from ..models import OutboxMessage
from ..timeutil import utcnow
from . import ServiceError
from .recipients import emails as staff_emails

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

# Errors that mean "the server is not there" rather than "this message was refused": the rest of
# the pass would fail the same way, so it stops and leaves the other rows untouched.
CONNECTION_ERRORS = (
    ConnectionError,
    socket.timeout,
    TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    socket.gaierror,
)


def queue(
    kind: str,
    recipients: list[str] | str,
    subject,
    template: str,
    *,
    ticket=None,
    locale: str = "vi",
    now: datetime | None = None,
    attachments: list[dict] | None = None,
    flush: bool = True,
    **context,
) -> OutboxMessage:
    """Render `email/<template>.txt` (and `.html` if present) and add an outbox row (not committed).

    Everything is produced in `locale`: the bodies and the subject, which may be a plain string, a
    lazy string (`lazy_gettext`) or a function of no arguments, resolved inside `force_locale`.
    `attachments` are references to stored documents ({"document_id", "variant", "filename"}), read
    when the message is sent: the row stays small and the file is the record's own bytes.
    """
    recipients = normalized(recipients)
    subject, body_text, body_html = render(subject, template, locale=locale, ticket=ticket, **context)
    return add(
        kind, recipients, subject, body_text, body_html, ticket=ticket, now=now, attachments=attachments, flush=flush
    )


def normalized(recipients: list[str] | str) -> list[str]:
    """The addresses lower-cased, without blanks or repeats, sorted.

    :raises ValueError: when no address is left.
    """
    if isinstance(recipients, str):
        recipients = [recipients]
    recipients = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    return recipients


def render(subject, template: str, *, locale: str = "vi", ticket=None, **context) -> tuple[str, str, str | None]:
    """(subject, text body, HTML body or None) of `email/<template>` in `locale` (see `queue`)."""
    locale = locale if locale in ("vi", "en") else "vi"
    with force_locale(locale):
        subject = str(subject() if callable(subject) else subject)
        ctx = {
            "ticket": ticket,
            "base_url": current_app.config["BASE_URL"].rstrip("/"),
            "email_subject": subject,
            "gettext": _template_gettext(get_translations()),  # the templates' _(): looked up once
            **context,
        }  # the subject is the HTML part's <title>
        body_text = render_template(f"email/{template}.txt", **ctx)
        try:
            body_html = render_template(f"email/{template}.html", **ctx)
        except TemplateNotFound:  # a template without an HTML part is sent as plain text
            body_html = None
    return subject, body_text, body_html


def _template_gettext(translations) -> Callable[..., str]:
    """The templates' `_()` bound to `translations` (what Flask-Babel's own would look up on every
    call), with the same behaviour: markup-safe under autoescape, always %-formatted."""

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


def add(
    kind: str,
    recipients: list[str],
    subject: str,
    body_text: str,
    body_html: str | None,
    *,
    ticket_id: int | None = None,
    ticket=None,
    now: datetime | None = None,
    attachments: list[dict] | None = None,
    flush: bool = True,
) -> OutboxMessage:
    """Add an outbox row for a message already rendered (`queue()` renders, then calls this); `ticket`
    instead of `ticket_id` for a ticket that may not be inserted yet."""
    if ticket is not None:
        ticket_id = ticket.id
    message = OutboxMessage(
        kind=kind,
        recipients=",".join(sorted({r.strip().lower() for r in recipients if r and r.strip()})),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        ticket_id=ticket_id,
        status=PENDING,
        attachments=attachments or None,
    )
    if ticket is not None and ticket.id is None:  # a new ticket: inserted first by the same flush
        message.ticket = ticket
    if now is not None:
        message.created_at = now
        message.next_attempt_at = now
    db.session.add(message)
    if flush:  # a caller queueing many in a batch flushes once (rows are then inserted together)
        db.session.flush()
    return message


def locales_of(emails: list[str]) -> dict[str, str]:
    """The language of each address: a staff account's chosen locale, else Vietnamese."""
    from ..models import User

    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    found = {}
    if wanted:
        rows = db.session.execute(db.select(User.email, User.locale).where(db.func.lower(User.email).in_(wanted))).all()
        found = {email.lower(): loc for email, loc in rows if loc in ("vi", "en")}
    return {e: found.get(e, "vi") for e in wanted}


def queue_by_locale(kind: str, recipients: list[str], subject, template: str, **kwargs) -> list[OutboxMessage]:
    """Queue one message per language among `recipients` (staff accounts' locales, else Vietnamese)."""
    groups: dict[str, list[str]] = {}
    for email, loc in sorted(locales_of(recipients).items()):
        groups.setdefault(loc, []).append(email)
    return [queue(kind, emails, subject, template, locale=loc, **kwargs) for loc, emails in sorted(groups.items())]


def to_submitter(ticket, kind: str, subject, now: datetime, *, template: str | None = None, **context) -> None:
    """Queue `kind` (template `template`, default `kind`) to the ticket's submitter in the language they
    wrote in, the subject (a lazy string) after the ticket's code; nothing when the ticket has no e-mail
    or its personal data is anonymised."""
    if not ticket.email or ticket.anonymised_at is not None:
        return
    queue(
        kind,
        ticket.email,
        lambda: f"[{ticket.code}] {subject}",
        template or kind,
        ticket=ticket,
        locale=ticket.locale or "vi",
        now=now,
        **context,
    )


# The subject of each workflow email to staff (who is told: services/recipients.py).
STAFF_SUBJECTS = {
    "staff_routed": _l("Hồ sơ phản ánh, kiến nghị mới chuyển đơn vị xử lý"),
    "staff_info_provided": _l("Người gửi đã bổ sung thông tin"),
    "staff_assigned": _l("Bạn được phân công xử lý hồ sơ"),
    "staff_approval": _l("Dự thảo trả lời chờ duyệt"),
    "staff_returned": _l("Dự thảo trả lời bị trả lại"),
    "staff_extension_request": _l("Đề nghị gia hạn chờ duyệt"),
    "staff_extension_rejected": _l("Đề nghị gia hạn không được duyệt"),
    "staff_review_requested": _l("Đề nghị xem xét lại câu trả lời"),
    "staff_answer_returned": _l("Văn phòng Sở trả lại câu trả lời trước khi công khai"),
}


def to_staff(
    ticket, kind: str, now: datetime, *, unit_id: int | None = None, actor=None, person=None, **context
) -> None:
    """Queue workflow email `kind` about `ticket` to the staff told of it (`recipients.emails`, which
    `unit_id`, `actor` and `person` narrow), one message per language, its subject (`STAFF_SUBJECTS`)
    after the ticket's code."""
    subject = STAFF_SUBJECTS[kind]
    addresses = staff_emails(kind, ticket, unit_id=unit_id, actor=actor, person=person)
    if addresses:
        queue_by_locale(kind, addresses, lambda: f"[{ticket.code}] {subject}", kind, ticket=ticket, now=now, **context)


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # claimed, not tried: the server was down
    lost_claims: list[int] = field(default_factory=list)  # taken over by another sender meanwhile


def worker_id() -> str:
    """A name for this sender process (and thread), recorded on the rows it claims."""
    import threading

    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim_timeout() -> timedelta:
    return timedelta(seconds=current_app.config.get("OUTBOX_CLAIM_SECONDS", 600))


def _claimable(now: datetime, stale_before: datetime):
    return ((OutboxMessage.status == PENDING) & (OutboxMessage.next_attempt_at <= now)) | (
        (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < stale_before)
    )


def claim(now: datetime, limit: int, worker: str) -> list[int]:
    """Mark up to `limit` rows due at `now` as being sent by `worker` and commit; return their ids.

    Due rows are pending rows whose next attempt is at or before `now`, and rows whose claim has
    expired (their sender died). On PostgreSQL the candidates are locked with FOR UPDATE SKIP
    LOCKED so concurrent senders take disjoint sets without waiting; on SQLite the transaction
    holds the database write lock from its start (BEGIN IMMEDIATE, see feedback/db/sqlite.py). The
    same condition is repeated in the UPDATE so a row claimed by someone else in between drops out.
    """
    wall = utcnow()
    stale_before = wall - claim_timeout()
    candidates = (
        db.select(OutboxMessage.id)
        .where(_claimable(now, stale_before))
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
        .where(_claimable(now, stale_before))
        .values(status=SENDING, claimed_by=worker, claimed_at=wall)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(result.scalars())
    db.session.commit()
    return claimed


def _still_ours(message_id: int, worker: str):
    return (OutboxMessage.id == message_id) & (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_by == worker)


def _touch(message_id: int, worker: str) -> dict | None:
    """Refresh our claim on a row just before sending it and return what to send (commits).

    Returns None when the claim is no longer ours (it expired and another sender took the row).
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(_still_ours(message_id, worker))
        .values(claimed_at=utcnow())
        .returning(
            OutboxMessage.recipients,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.attempts,
            OutboxMessage.attachments,
        )
        .execution_options(synchronize_session=False)
    ).first()
    data = dict(result._mapping) if result is not None else None
    if data is not None and data.get("attachments"):
        # Read the attached documents now, inside this short transaction, not during the SMTP talk.
        try:
            data["files"] = [(ref, _attachment_bytes(ref)) for ref in data["attachments"]]
        except Exception as exc:
            data["files_error"] = exc
    # Commit before talking to SMTP: on SQLite an open transaction holds the write lock.
    db.session.commit()
    return data


def _record(message_id: int, worker: str, **values) -> bool:
    """Write the outcome of a send if the row is still claimed by us (commits)."""
    result = cast(
        "CursorResult[Any]",  # a DML statement's result (Session.execute is typed with the base Result)
        db.session.execute(
            update(OutboxMessage)
            .where(_still_ours(message_id, worker))
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: OUTBOX_BACKOFF_SECONDS doubled per failed attempt, capped at 6 hours."""
    base = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


class _SMTPSession:
    """One SMTP connection per pass, opened on first use with a timeout (Flask-Mail sets none)."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def send(self, msg: Message) -> None:
        if self.connection is None:
            timeout = current_app.config.get("OUTBOX_SMTP_TIMEOUT", 30)
            previous = socket.getdefaulttimeout()
            # smtplib takes the default socket timeout when the connection is made; only this
            # connect is affected, the timeout then stays on that socket.
            socket.setdefaulttimeout(timeout)
            try:
                connection = mail.connect()
                connection.__enter__()
            finally:
                socket.setdefaulttimeout(previous)
            self.connection = connection
        try:
            self.connection.send(msg)
        except Exception:
            self.close()  # the connection may be in any state; the next message reconnects
            raise

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            with contextlib.suppress(Exception):
                # Flask-Mail annotates __exit__'s arguments without None.
                connection.__exit__(None, None, None)  # type: ignore[arg-type]


class OutboxMail(Message):
    """A Flask-Mail message whose subject is encoded without splitting a word (domain/mailheaders.py)."""

    def _message(self):
        msg = super()._message()
        if self.subject:
            del msg["Subject"]
            # Already encoded and folded at spaces, so stored as is: lines under 78 characters
            # are not refolded when the message is written.
            msg.set_raw("Subject", encode_subject(str(self.subject)))
        return msg


def sender_domain(sender: str) -> str:
    """The domain of MAIL_DEFAULT_SENDER ("Sở KH&CN <phananh@sokhcn.gov.vn>" → sokhcn.gov.vn)."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2].strip().lower() or "localhost"


def _attachment_bytes(ref: dict) -> bytes:
    """The bytes of a stored document an attachment refers to (raises when it is gone)."""
    from ..models import OutgoingDocument

    column = {
        "signed": OutgoingDocument.signed_pdf,
        "issued": OutgoingDocument.pdf,
        "public": OutgoingDocument.public_pdf,
    }[ref.get("variant", "signed")]
    data = db.session.execute(db.select(column).where(OutgoingDocument.id == ref["document_id"])).scalar_one()
    if not data:
        raise LookupError(f"document {ref['document_id']} has no {ref.get('variant')} file")
    return data


def _message(data: dict) -> Message:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    message = OutboxMail(
        subject=data["subject"],
        recipients=data["recipients"].split(","),
        body=data["body_text"],
        html=data["body_html"],
        sender=sender,
        # Every outbox e-mail is sent by the system, never by a person: auto-responders stay quiet
        # (RFC 3834), and the Message-ID names our domain, not the host the sender runs on.
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    message.msgId = make_msgid(domain=sender_domain(sender))
    if data.get("files_error") is not None:
        raise data["files_error"]
    files = data.get("files")
    if files is None:
        files = [(ref, _attachment_bytes(ref)) for ref in data.get("attachments") or ()]
    for ref, content in files:
        message.attach(ref.get("filename") or "van-ban.pdf", ref.get("content_type") or "application/pdf", content)
    return message


def send_pending(now: datetime, limit: int | None = None, worker: str | None = None) -> SendReport:
    """One pass: claim what is due at `now`, send it, record the outcome of each row (commits)."""
    limit = limit or current_app.config["OUTBOX_BATCH"]
    worker = worker or worker_id()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    report = SendReport()
    ids = claim(now, limit, worker)
    smtp = _SMTPSession()
    try:
        for position, message_id in enumerate(ids):
            data = _touch(message_id, worker)
            if data is None:
                report.lost_claims.append(message_id)
                continue
            try:
                smtp.send(_message(data))
            except Exception as exc:  # any SMTP or network failure: keep the row, try again later
                attempts = data["attempts"] + 1
                error = f"{type(exc).__name__}: {exc}"[:2000]
                values = {"attempts": attempts, "last_error": error, "claimed_by": None, "claimed_at": None}
                if attempts >= max_attempts:
                    values["status"] = FAILED
                    (report.failed if _record(message_id, worker, **values) else report.lost_claims).append(message_id)
                else:
                    values.update(status=PENDING, next_attempt_at=now + backoff(attempts))
                    (report.retried if _record(message_id, worker, **values) else report.lost_claims).append(message_id)
                log.warning("outbox message %s not sent (attempt %s): %s", message_id, attempts, error)
                if isinstance(exc, CONNECTION_ERRORS):
                    # The server is down: give the rest back untouched (no attempt counted) and stop.
                    for rest in ids[position + 1 :]:
                        if _record(rest, worker, status=PENDING, claimed_by=None, claimed_at=None):
                            report.released.append(rest)
                    break
            else:
                if _record(
                    message_id,
                    worker,
                    status=SENT,
                    sent_at=now,
                    attempts=data["attempts"] + 1,
                    last_error=None,
                    claimed_by=None,
                ):
                    report.sent.append(message_id)
                else:  # sent, but another sender took the row over meanwhile: say so loudly
                    log.error("outbox message %s was sent but its claim had been taken over", message_id)
                    report.lost_claims.append(message_id)
    finally:
        smtp.close()
        db.session.rollback()
    return report


def resend(message: OutboxMessage, now: datetime) -> None:
    """Put a failed message back in the queue (an admin's action; the caller commits).

    :raises ServiceError: 409 when the message has not failed (it is pending, being sent or sent).
    """
    if message.status != FAILED:
        raise ServiceError(_("Chỉ gửi lại được thư đã gửi thất bại."), 409)
    message.status = PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_by = None
    message.claimed_at = None
