"""Receiving a submission: tracking code, written deadline, attachments, acknowledgment email."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _

from ..db.dialect import Numbering, insert_family
from ..db.search import STAFF_FIELDS, fold, staff_search_for
from ..domain.states import Channel, State
from ..extensions import db
from ..models import Attachment, OutboxMessage, Ticket, TicketEvent, TrackingCounter, User
from ..timeutil import to_local
from . import ServiceError, calendar, outbox, reference, throttle, timeline


@dataclass
class Upload:
    """An attachment already checked by content: its name as given, canonical type and bytes."""

    filename: str
    file_type: str
    data: bytes


@dataclass
class Submission:
    """Validated submission data (text already NFC-normalised and length-checked by the form)."""

    submitter_type: str
    name: str
    address: str
    kind: str
    category: str
    title: str
    content: str
    email: str | None = None
    phone: str | None = None
    organization: str | None = None
    tax_code: str | None = None
    regulation: str | None = None
    consent_publish: bool = False
    consent_processing: bool = False
    notice_version: str | None = None  # the privacy notice shown with the form (None: set from config for web/api)
    channel: str = Channel.WEB
    uploads: list[Upload] = field(default_factory=list)
    received_at: datetime | None = None  # naive UTC; when staff register an item, the moment it really arrived
    incoming_number: str | None = None  # số đến of a paper item
    locale: str | None = None  # the submitter's language (the form's caller sets it); None: Vietnamese


def submitter_locale(sub: Submission, staff: User | None) -> str:
    """The language of the submitter's emails: the one they used to submit; Vietnamese for staff entries."""
    return sub.locale if sub.locale in ("vi", "en") else "vi"


def store_upload(upload: Upload) -> tuple[str, str]:
    """Write an upload under a random name in UPLOAD_FOLDER; return (stored name, sha256)."""
    from ..domain.files import EXTENSIONS

    folder = Path(current_app.config["UPLOAD_FOLDER"])
    stored = secrets.token_hex(20) + EXTENSIONS.get(upload.file_type, "")
    try:
        private_folder(folder)
        # Readable by the service's own user only (0600), whatever the umask.
        fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(upload.data)
    except OSError:
        current_app.logger.exception("could not store an attachment in %s", folder)
        with contextlib.suppress(OSError):
            (folder / stored).unlink(missing_ok=True)
        raise ServiceError(
            _(
                "Hệ thống tạm thời không lưu được tệp đính kèm. Thông tin Quý vị đã nhập vẫn còn "
                "trên biểu mẫu; vui lòng gửi lại sau ít phút, hoặc gửi không kèm tệp."
            ),
            503,
            "attachments",
        ) from None
    return stored, hashlib.sha256(upload.data).hexdigest()


def private_folder(folder: Path) -> None:
    """Create the upload folder readable by the service's own user only (0700)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)


def rate_limited(client: str, now: datetime) -> throttle.Verdict:
    """Whether `client` may submit now: SUBMIT_RATE_LIMIT submissions per SUBMIT_RATE_WINDOW.

    Takes the address's lock for the rest of the transaction, so parallel submissions from one
    address are counted one after the other (the submission itself records the event).
    """
    cfg = current_app.config
    if not cfg["RATELIMIT_ENABLED"]:
        return throttle.ALLOWED
    return throttle.check("submit", client, cfg["SUBMIT_RATE_LIMIT"], cfg["SUBMIT_RATE_WINDOW"], now)


@dataclass(frozen=True)
class Receipt:
    """What the writer of a submission gets back: the new ticket's id, code, token and dates."""

    id: int
    code: str
    tracking_token: str
    received_on: date
    due_date: date


def submit(sub: Submission, now: datetime, *, client: str | None = None, staff: User | None = None) -> Ticket:
    """`receive`, then the new ticket as an ORM object (one SELECT more).

    :raises ServiceError: when the category is unknown or inactive.
    """
    receipt = receive(sub, now, client=client, staff=staff)
    return db.session.get_one(Ticket, receipt.id)


def receive(sub: Submission, now: datetime, *, client: str | None = None, staff: User | None = None) -> Receipt:
    """Create the ticket with its code, deadline, timeline entry, files and acknowledgment (not committed).

    On PostgreSQL one statement (`insert_family`) draws the tracking code from the year's counter row
    and inserts the ticket, its first event, its files and its acknowledgment: it is atomic by itself,
    even outside a transaction, and the counter row stays locked for the least time (to the commit).
    Two transactions never draw the same number: the counter's upsert row-locks on PostgreSQL and
    holds the write lock on SQLite.

    :raises ServiceError: when the category is unknown or inactive.
    """
    category = reference.category_by_code(sub.category)
    if category is None:
        raise ServiceError(_("Lĩnh vực không hợp lệ."), 400, "category")

    received_at = sub.received_at or now
    if received_at > now:
        raise ServiceError(_("Thời điểm tiếp nhận không được sau thời điểm hiện tại."), 400, "received_at")
    cal = calendar.work_calendar()
    received_on, receipt_note = calendar.receipt(received_at, cal)
    deadline = calendar.compute("answer", received_on, sub.kind, category.id, cal).with_receipt_note(receipt_note)
    route_target = calendar.compute("route", received_on, sub.kind, category.id, cal)
    transfer_target = calendar.compute("transfer", received_on, sub.kind, category.id, cal)
    explain_vi, explain_en = deadline.explain("vi"), deadline.explain("en")

    values: dict = {
        "code": None,
        "tracking_token": secrets.token_urlsafe(32),
        "kind": sub.kind,
        "category_id": category.id,
        "state": State.NEW,
        "channel": sub.channel,
        "created_by_id": staff.id if staff else None,
        "submitter_type": sub.submitter_type,
        "organization": sub.organization or None,
        "tax_code": sub.tax_code or None,
        "name": sub.name,
        "email": (sub.email or "").lower() or None,
        "phone": sub.phone or None,
        "address": sub.address,
        "consent_publish": sub.consent_publish,
        # What the submitter was shown and agreed to, and when (Law 91/2025/QH15).
        "notice_version": sub.notice_version or (None if staff else current_app.config.get("PRIVACY_NOTICE_VERSION")),
        "consent_processing_at": now if sub.consent_processing else None,
        "consent_publish_at": now if sub.consent_publish else None,
        "title": sub.title,
        "content": sub.content,
        "regulation": sub.regulation or None,
        "received_at": received_at,
        "received_on": received_on,
        "incoming_number": (sub.incoming_number or "").strip() or None,
        "regime": calendar.DEFAULT_REGIME,
        "deadline_basis": {
            "answer": calendar.basis_of(deadline),
            "route": calendar.basis_of(route_target),
            "transfer": calendar.basis_of(transfer_target),
        },
        "due_date": deadline.due,
        "original_due_date": deadline.due,
        "due_explanation": explain_vi,
        "due_explanation_en": explain_en,
        "locale": submitter_locale(sub, staff),
        "route_due_date": route_target.due,
        "transfer_due_date": transfer_target.due,
        "created_at": now,
        "updated_at": now,
        "staff_search": None,
    }
    event = timeline.values(
        "submit",
        actor=staff,
        actor_label="" if staff else "submitter",
        to_state=State.NEW,
        public=True,
        now=now,
        channel=sub.channel,
        message=explain_vi,
        message_en=explain_en,
    )

    # The code is drawn by the statement that inserts the ticket (`insert_family`), so everything is
    # built beforehand with a one-off placeholder standing for it: the counter row, locked from the
    # draw to the commit, waits on no template.
    placeholder = values["code"] = f"code{secrets.token_hex(8)}"  # folds to itself (the search text)
    values["staff_search"] = staff_search_for(*(values[f] for f in STAFF_FIELDS))
    year = to_local(now).year
    prefix = f"{current_app.config['TRACKING_PREFIX']}-{year}-"
    numbering = Numbering(
        TrackingCounter,
        {"year": year},
        "last",
        prefix=prefix,
        folded_prefix=fold(prefix),
        placeholder=placeholder,
        fill={
            Ticket.__tablename__: {"code": "code", "staff_search": "folded"},
            OutboxMessage.__tablename__: {"subject": "code", "body_text": "code", "body_html": "code"},
        },
    )
    stored_paths: list[Path] = []
    try:
        children: list[tuple] = [(TicketEvent, "ticket_id", event)]
        for upload in sub.uploads:
            stored, digest = store_upload(upload)
            stored_paths.append(Path(current_app.config["UPLOAD_FOLDER"]) / stored)
            row = {
                "original_name": upload.filename[:255],
                "stored_name": stored,
                "file_type": upload.file_type,
                "size": len(upload.data),
                "sha256": digest,
                "created_at": now,
            }
            children.append((Attachment, "ticket_id", row))
        if values["email"]:
            ticket = SimpleNamespace(**values)  # what the templates read
            subject, body_text, body_html = outbox.render(
                lambda: f"[{ticket.code}] " + _("Sở KH&CN đã tiếp nhận phản ánh, kiến nghị của Quý vị"),
                "acknowledgment",
                locale=ticket.locale,
                ticket=ticket,
                deadline=deadline,
            )
            mail = {
                "kind": "acknowledgment",
                "recipients": ",".join(outbox.normalized(values["email"])),
                "subject": subject,
                "body_text": body_text,
                "body_html": body_html,
                "status": outbox.PENDING,
                "attachments": None,
                "created_at": now,
                "next_attempt_at": now,
            }
            children.append((OutboxMessage, "ticket_id", mail))
        if client and not staff and current_app.config["RATELIMIT_ENABLED"]:
            throttle.record("submit", client, now)
        # From here to the commit the counter row is locked: nothing slow after this line.
        ticket_id, drawn = insert_family(Ticket, values, children, numbering)
    except Exception:
        for path in stored_paths:  # the row will not exist, so neither should its file
            path.unlink(missing_ok=True)
        raise
    assert drawn is not None
    values["code"] = numbering.code(drawn)
    return Receipt(ticket_id, values["code"], values["tracking_token"], received_on, deadline.due)
