"""The answer letter (công văn trả lời): its draft, its issue on approval, its signature, its delivery.

- `draft_defaults()` / `set_draft()`: the parts of the letter kept with the ticket while it is drafted
  and edited (body in `Ticket.draft_answer`, the rest in `Ticket.letter_draft`); every version goes
  on the internal timeline with the `answer`, `edit_draft` and `approve` events.
- `issue()` (called by `workflow.approve`): the next number of the outgoing register, the date of
  approval, the PDF rendered once and stored with its SHA-256 as the record. With a certificate
  configured the letter is signed at once and mailed; otherwise it waits for `attach_signed()`, the
  office's upload of the file it signed with its own tool, checked by `documents.verify_signed()`.
- The answer email is queued when the letter is signed (never an unsigned letter), with the signed
  PDF attached by reference; its text and HTML parts still carry the answer.
- `store_public_copy()` (called on publication): the letter with personal data masked as in the
  public answer, for the results page, the Atom feed and Open311.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, Integer, any_, bindparam

from ..domain import letters as rules
from ..domain.states import Role
from ..extensions import db
from ..models import OutgoingDocument, Ticket, Unit, User
from ..timeutil import local_today, to_local
from . import ServiceError, documents, outbox, timeline

DRAFT_FIELDS = ("subject", "addressee", "answer", "recipients", "signer")
MAX_BODY = 20000


# ---------------------------------------------------------------- settings


def cfg(name: str) -> str:
    return current_app.config[name]


def unit_symbol(unit: Unit | None) -> str | None:
    """The drafting unit's abbreviation in a symbol: its doc_symbol, DOCUMENT_UNIT_SYMBOLS, or its code."""
    if unit is None:
        return None
    return unit.doc_symbol or current_app.config.get("DOCUMENT_UNIT_SYMBOLS", {}).get(unit.code) or unit.code


def letter_symbol(ticket: Ticket) -> str:
    return rules.letter_symbol(cfg("DOCUMENT_ISSUER"), unit_symbol(ticket.unit))


# ---------------------------------------------------------------- signers


def signers_for(ticket: Ticket) -> list[User]:
    """Who may sign the ticket's letter: the active directors and the heads of its unit."""
    stmt = (
        db.select(User)
        .where(
            User.active.is_(True),
            db.or_(
                User.role == Role.DIRECTOR,
                (User.role == Role.UNIT_HEAD) & (User.unit_id == ticket.unit_id) if ticket.unit_id else db.false(),
            ),
        )
        .order_by(User.role, User.name)
    )
    return list(db.session.execute(stmt).scalars())


def signer_block(user: User) -> rules.SignerLine:
    return rules.signer_line(
        user.role, user.name, user.position, user.signing_authority, head_title=cfg("DOCUMENT_HEAD_TITLE")
    )


# ---------------------------------------------------------------- the draft


@dataclass
class Draft:
    """The parts of an answer letter as edited in the form."""

    subject: str
    addressee: str
    body: str
    recipients: str
    signer: str  # e-mail of the signer, "" when not chosen yet


def submitter_of(ticket: Ticket) -> str:
    return rules.submitter_label(ticket.submitter_type, ticket.name, ticket.organization)


def draft_defaults(ticket: Ticket) -> Draft:
    """The draft as stored, each missing part filled with its default."""
    saved = ticket.letter_draft or {}
    body = ticket.draft_answer or rules.default_body(
        issuer_name=cfg("DOCUMENT_ISSUER_NAME"),
        submitter=submitter_of(ticket),
        received_on=ticket.received_on,
        code=ticket.code,
        title=ticket.title,
        content=ticket.content,
    )
    signer = saved.get("signer") or ""
    if not signer:  # the unit's head, else a director
        candidates = sorted(signers_for(ticket), key=lambda u: (u.role != Role.UNIT_HEAD, u.name))
        signer = candidates[0].email if candidates else ""
    return Draft(
        subject=saved.get("subject") or rules.default_subject(submitter_of(ticket)),
        addressee=saved.get("addressee")
        or rules.default_addressee(ticket.submitter_type, ticket.name, ticket.organization),
        body=body,
        recipients=saved.get("recipients") or rules.default_recipients(unit_symbol(ticket.unit)),
        signer=signer,
    )


def _field(value: str | None, field: str, max_length: int, message: str) -> str:
    text = rules.clean_line(value or "")
    if not text:
        raise ServiceError(message, 400, field)
    if len(text) > max_length:
        raise ServiceError(_("Tối đa %(max)d ký tự.", max=max_length), 400, field)
    return text


def validate(ticket: Ticket, form, body: str | None, *, base: Draft | None = None) -> Draft:
    """The draft from the form's fields (`subject`, `addressee`, `recipients`, `signer`) and `body`;
    a field left out of the form keeps its current value (or default).

    :raises ServiceError: 400 with the field at fault.
    """
    base = base or draft_defaults(ticket)

    def get(name: str, current: str) -> str:
        value = form.get(name) if form is not None else None
        return current if value is None else value

    subject = _field(
        get("subject", base.subject), "subject", rules.MAX_SUBJECT, _("Vui lòng nhập trích yếu của văn bản (V/v ...).")
    )
    addressee = _field(
        get("addressee", base.addressee), "addressee", rules.MAX_ADDRESSEE, _("Vui lòng nhập nơi gửi (Kính gửi).")
    )
    body = (body if body is not None else base.body) or ""
    if not rules.paragraphs(body):
        raise ServiceError(_("Vui lòng nhập nội dung trả lời."), 400, "answer")
    if len(body) > MAX_BODY:
        raise ServiceError(_("Tối đa %(max)d ký tự.", max=MAX_BODY), 400, "answer")
    recipients = get("recipients", base.recipients)
    lines = rules.recipient_lines(recipients)
    if not lines:
        raise ServiceError(_("Vui lòng nhập nơi nhận, mỗi nơi một dòng."), 400, "recipients")
    if len(lines) > rules.MAX_RECIPIENT_LINES:
        raise ServiceError(_("Nơi nhận tối đa %(n)d dòng.", n=rules.MAX_RECIPIENT_LINES), 400, "recipients")
    signer = (get("signer", base.signer) or "").strip().lower()
    allowed = {u.email.lower(): u for u in signers_for(ticket)}
    if signer not in allowed:
        raise ServiceError(
            _("Vui lòng chọn người ký là Lãnh đạo Sở hoặc lãnh đạo đơn vị xử lý đang hoạt động."), 400, "signer"
        )
    return Draft(
        subject,
        addressee,
        body.strip().replace("\r\n", "\n"),
        "\n".join(line[2:].rstrip(";.") for line in lines),
        signer,
    )


def store_draft(ticket: Ticket, draft: Draft) -> dict:
    """Keep the draft on the ticket; return it as recorded on the timeline."""
    ticket.draft_answer = draft.body
    ticket.letter_draft = {
        "subject": draft.subject,
        "addressee": draft.addressee,
        "recipients": draft.recipients,
        "signer": draft.signer,
    }
    return {
        "subject": draft.subject,
        "addressee": draft.addressee,
        "recipients": draft.recipients,
        "signer": draft.signer,
        "body": draft.body,
    }


def differs(ticket: Ticket, draft: Draft) -> bool:
    current = draft_defaults(ticket)
    return (current.subject, current.addressee, current.body.strip(), current.recipients, current.signer) != (
        draft.subject,
        draft.addressee,
        draft.body.strip(),
        draft.recipients,
        draft.signer,
    )


# ---------------------------------------------------------------- the document


def _view(
    doc: OutgoingDocument | None,
    *,
    draft: Draft | None = None,
    ticket: Ticket | None = None,
    day=None,
    signer: rules.SignerLine | None = None,
    mark: str = "",
    public: bool = False,
) -> dict:
    """What the letter template shows, from an issued document or from a draft (preview)."""
    if doc is not None:
        number = rules.number_symbol(doc.number, doc.symbol)
        subject, addressee, body, recipients = doc.subject, doc.addressee, doc.body, doc.recipients
        signer = rules.SignerLine(doc.signer_authority, doc.signer_position, doc.signer_name)
        day = doc.issued_on
    else:
        assert draft is not None and ticket is not None  # a preview is of a ticket's draft
        number = rules.number_symbol(None, letter_symbol(ticket))
        subject, addressee, body, recipients = draft.subject, draft.addressee, draft.body, draft.recipients
    return {
        "province": cfg("DOCUMENT_PROVINCE"),
        "issuer_name": cfg("DOCUMENT_ISSUER_NAME"),
        "number_symbol": number,
        "subject": subject,
        "subject_under_number": True,
        "date_line": rules.date_line(cfg("DOCUMENT_PLACE"), day),
        "addressee": addressee.rstrip("."),
        "paragraphs": rules.paragraphs(rules.ensure_closing(body)),
        "recipients": rules.recipient_lines(recipients),
        "signer": signer,
        "mark": mark,
        "public": public,
    }


def preview_pdf(ticket: Ticket, draft: Draft, today) -> bytes:
    """The draft rendered as it will be issued today, the number left blank for the register."""
    user = db.session.execute(db.select(User).where(User.email == draft.signer)).scalar_one_or_none()
    signer = signer_block(user) if user else rules.SignerLine("", "", "")
    view = _view(None, draft=draft, ticket=ticket, day=today, signer=signer, mark="Dự thảo")
    return documents.render_pdf("letter.html", doc=view)


def in_force(ticket_id) -> tuple:
    """The conditions of a ticket's letters in force (not cancelled); `ticket_id` a value or a column."""
    return (
        OutgoingDocument.ticket_id == ticket_id,
        OutgoingDocument.doc_type == rules.LETTER,
        OutgoingDocument.status != rules.CANCELLED,
    )


def current_letter(ticket: Ticket) -> OutgoingDocument | None:
    """The ticket's letter in force (the last one not cancelled)."""
    return db.session.execute(
        db.select(OutgoingDocument).where(*in_force(ticket.id)).order_by(OutgoingDocument.id.desc()).limit(1)
    ).scalar_one_or_none()


def display_number(doc: OutgoingDocument) -> str:
    return rules.number_symbol(doc.number, doc.symbol)


def new_document(issuer: str, issued_on: date, signer: User, actor: User, now: datetime, **fields) -> OutgoingDocument:
    """A new entry of the outgoing register awaiting its signature: the next number of `issuer`'s register
    in the year of `issued_on`, signed by `signer` (their signature block as it stands), issued by
    `actor`; `fields` are the document's own (type, symbol, subject, addressee, body, recipients, unit…)."""
    doc = OutgoingDocument(
        issuer=issuer,
        year=issued_on.year,
        number=documents.allocate_number(issuer, issued_on.year),
        issued_at=now,
        issued_on=issued_on,
        issued_by_id=actor.id,
        status=rules.AWAITING_SIGNATURE,
        created_at=now,
        **fields,
    )
    block = signer_block(signer)
    doc.signer_id, doc.signer_name = signer.id, block.name
    doc.signer_position, doc.signer_authority = block.position, block.authority
    return doc


def store_pdf(doc: OutgoingDocument, pdf: bytes) -> None:
    """Store a new document with its rendered PDF, the record (flushed: the document has its id)."""
    doc.pdf, doc.pdf_sha256, doc.pdf_size = pdf, documents.sha256(pdf), len(pdf)
    db.session.add(doc)
    db.session.flush()


def issue(ticket: Ticket, actor: User, now: datetime) -> OutgoingDocument:
    """Number, date, render and store the approved letter; sign and mail it when a certificate is set."""
    draft = draft_defaults(ticket)
    user = db.session.execute(db.select(User).where(User.email == draft.signer)).scalar_one_or_none()
    if user is None or user not in signers_for(ticket):
        raise ServiceError(
            _("Vui lòng chọn người ký là Lãnh đạo Sở hoặc lãnh đạo đơn vị xử lý đang hoạt động."), 400, "signer"
        )
    doc = new_document(
        cfg("DOCUMENT_ISSUER"),
        local_today(now),
        user,
        actor,
        now,
        symbol=letter_symbol(ticket),
        doc_type=rules.LETTER,
        ticket_id=ticket.id,
        unit_id=ticket.unit_id,
        subject=draft.subject,
        addressee=draft.addressee,
        body=draft.body,
        recipients=draft.recipients,
    )
    store_pdf(doc, documents.render_pdf("letter.html", doc=_view(doc)))
    _event(
        ticket,
        doc,
        "letter_issued",
        now,
        actor=actor,
        message=f"{display_number(doc)} — {doc.subject}",
        number=display_number(doc),
        sha256=doc.pdf_sha256,
    )
    if documents.signing_configured():
        sign_on_server(doc, ticket, now)
    return doc


def _event(ticket: Ticket, doc: OutgoingDocument, action: str, now: datetime, *, actor: User | None, **fields) -> None:
    """A document's event on the ticket's timeline (the ticket's state unchanged; internal unless
    `public=True`); `fields` are those of `timeline.values()`."""
    timeline.record_in_place(ticket, action, actor=actor, now=now, document_id=doc.id, **fields)


def sign_on_server(doc: OutgoingDocument, ticket: Ticket | None, now: datetime) -> None:
    """Sign the issued PDF with the department's certificate and deliver it."""
    signed = documents.sign_pdf(
        doc.pdf,
        name=doc.signer_name,
        reason=f"Ký ban hành văn bản số {display_number(doc)}",
        location=cfg("DOCUMENT_PLACE"),
    )
    cert = documents.signer().signing_cert
    assert cert is not None  # the PKCS#12 signer carries its certificate (sign_pdf has just signed with it)
    _mark_signed(
        doc, ticket, signed, signed_by=cert.subject.human_friendly, signed_at=now, how="server", now=now, actor=None
    )


def _mark_signed(
    doc: OutgoingDocument,
    ticket: Ticket | None,
    signed: bytes,
    *,
    signed_by: str,
    signed_at: datetime | None,
    how: str,
    now: datetime,
    actor: User | None,
) -> None:
    doc.signed_pdf, doc.signed_sha256 = signed, documents.sha256(signed)
    doc.signed_by, doc.signed_at, doc.signed_how = signed_by[:300], signed_at or now, how
    doc.status = rules.SIGNED
    if ticket is None:
        return
    _event(
        ticket,
        doc,
        "letter_signed",
        now,
        actor=actor,
        actor_label="" if actor else "system",
        public=True,
        message=_("Văn bản số %(n)s đã được ký số.", n=display_number(doc)),
        signed_by=doc.signed_by,
        how=how,
        sha256=doc.signed_sha256,
    )
    deliver(doc, ticket, now)


def letter_filename(doc: OutgoingDocument, variant: str = "signed") -> str:
    base = f"{doc.number:02d}-{doc.symbol}-{doc.year}".replace("/", "-")
    suffix = {"signed": "", "issued": "-chua-ky", "public": "-ban-cong-khai"}[variant]
    return f"cong-van-{base}{suffix}.pdf" if doc.doc_type == rules.LETTER else f"bao-cao-{base}{suffix}.pdf"


def deliver(doc: OutgoingDocument, ticket: Ticket, now: datetime) -> None:
    """Queue the answer email with the signed letter attached (nothing when the submitter has no email)."""
    outbox.to_submitter(
        ticket,
        "answer",
        _l("Trả lời phản ánh, kiến nghị"),
        now,
        letter_number=display_number(doc),
        attachments=[{"document_id": doc.id, "variant": "signed", "filename": letter_filename(doc)}],
    )


def attach_signed(doc: OutgoingDocument, ticket: Ticket | None, data: bytes, actor: User, now: datetime) -> None:
    """Accept the office's externally signed PDF of `doc` after checking it.

    :raises ServiceError: 409 when the document is not awaiting a signature; 400 (field `file`) when
        the file is not this document, signed, unchanged and trusted.
    """
    if doc.status != rules.AWAITING_SIGNATURE:
        raise ServiceError(_("Văn bản %(n)s không ở trạng thái chờ ký số.", n=display_number(doc)), 409)
    if not data:
        raise ServiceError(_("Vui lòng chọn tệp PDF đã ký số."), 400, "file")
    if len(data) > current_app.config["MAX_SIGNED_UPLOAD"]:
        raise ServiceError(_("Tệp quá lớn."), 400, "file")
    verified = documents.verify_signed(data, doc.pdf)
    _mark_signed(
        doc,
        ticket,
        data,
        signed_by=verified.signed_by,
        signed_at=verified.signed_at,
        how="upload",
        now=now,
        actor=actor,
    )


def cancel(doc: OutgoingDocument, actor: User, reason: str | None, now: datetime) -> OutgoingDocument | None:
    """Cancel a document not yet signed: its number stays in the register with the reason. A letter is
    issued again at once under the next number (the ticket still needs its answer).

    :raises ServiceError: 409 for a signed or cancelled document, 400 without a reason.
    """
    if doc.status != rules.AWAITING_SIGNATURE:
        raise ServiceError(
            _("Chỉ hủy được văn bản đang chờ ký số; văn bản đã ký phải được thay thế bằng văn bản khác."), 409
        )
    reason = rules.clean_line(reason or "")
    if len(reason) < 5:
        raise ServiceError(_("Vui lòng nêu lý do hủy số văn bản (ít nhất 5 ký tự)."), 400, "reason")
    doc.status = rules.CANCELLED
    doc.cancelled_at, doc.cancel_reason, doc.cancelled_by_id = now, reason[:2000], actor.id
    if doc.ticket_id is None:
        return None
    ticket = db.session.get(Ticket, doc.ticket_id)
    assert ticket is not None  # ticket_id is a foreign key
    _event(ticket, doc, "letter_cancelled", now, actor=actor, message=f"{display_number(doc)}: {reason}")
    db.session.flush()
    return issue(ticket, actor, now)


# ---------------------------------------------------------------- the public copy


def public_view(doc: OutgoingDocument, ticket: Ticket) -> dict:
    """The letter with the submitter's personal data masked as in the public answer."""
    from .publication import personal_data_problems, redact_for

    def mask(text: str) -> str:  # the same detector and masks as the public answer (third parties too)
        return redact_for(ticket, text or "")

    view = _view(
        doc,
        mark="Bản công khai — thông tin cá nhân của người gửi đã được che; bản gốc có chữ ký số đã gửi người gửi.",
        public=True,
    )
    view["subject"] = mask(doc.subject)
    view["addressee"] = mask(doc.addressee).rstrip(".")
    body = mask(doc.body)
    if personal_data_problems(ticket, body) and ticket.public_answer:
        body = ticket.public_answer  # what masking missed is not published: the coordinator's text is
    view["paragraphs"] = rules.paragraphs(rules.ensure_closing(body))
    view["recipients"] = rules.recipient_lines(mask(doc.recipients))
    for key in ("subject", "addressee"):
        if personal_data_problems(ticket, view[key]):
            view[key] = "[đã che]"
    return view


def store_public_copy(ticket: Ticket) -> OutgoingDocument | None:
    """Render and keep the public copy of the ticket's signed letter (on each publication)."""
    doc = current_letter(ticket)
    if doc is None or doc.status != rules.SIGNED:
        return None
    pdf = documents.render_pdf("letter.html", doc=public_view(doc, ticket))
    doc.public_pdf, doc.public_sha256 = pdf, documents.sha256(pdf)
    return doc


def public_letter_ids(ticket_ids: list[int]) -> set[int]:
    """Which of these tickets have a public copy of their letter."""
    if not ticket_ids:
        return set()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # One array parameter rather than one per id: a page of 100 binds and sends one value.
        wanted = OutgoingDocument.ticket_id == any_(bindparam("ticket_ids", list(ticket_ids), type_=ARRAY(Integer)))
    else:
        wanted = OutgoingDocument.ticket_id.in_(ticket_ids)
    query = db.select(OutgoingDocument.ticket_id).where(
        wanted, OutgoingDocument.status == rules.SIGNED, OutgoingDocument.public_sha256.is_not(None)
    )
    return set(connection.execute(query).scalars())


# ---------------------------------------------------------------- the receipt slip


def receipt_pdf(ticket: Ticket) -> bytes:
    """The phiếu tiếp nhận of a submission."""
    base = current_app.config["BASE_URL"].rstrip("/")
    view = {
        "province": cfg("DOCUMENT_PROVINCE"),
        "issuer_name": cfg("DOCUMENT_ISSUER_NAME"),
        "number_symbol": ticket.code,
        "subject": "",
        "subject_under_number": False,
        "date_line": rules.date_line(cfg("DOCUMENT_PLACE"), ticket.received_on),
    }
    return documents.render_pdf(
        "receipt.html",
        doc=view,
        ticket=ticket,
        received=to_local(ticket.received_at),
        track_url=f"{base}/track",
        secret_url=f"{base}/track/{ticket.tracking_token}",
    )
