"""Public documents: the receipt slip of a submission, the signed answer letter (by the secret link),
and the public copy of the letter of a published result."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import undefer

from ..domain import letters as rules
from ..extensions import db
from ..models import OutgoingDocument, Ticket
from ..services import letters
from ..staff.documents import pdf_response
from . import bp
from .views import ticket_by_token


@bp.get("/submit/done/<token>/receipt.pdf")
def submitted_receipt(token: str):
    """The receipt slip (phiếu tiếp nhận), from the confirmation page."""
    ticket = ticket_by_token(token)
    return pdf_response(letters.receipt_pdf(ticket), f"phieu-tiep-nhan-{ticket.code}.pdf")


@bp.get("/track/<token>/receipt.pdf")
def track_receipt(token: str):
    """The receipt slip, from the tracking page."""
    return submitted_receipt(token)


@bp.get("/track/<token>/letter.pdf")
def track_letter(token: str):
    """The signed answer letter, for the submitter (secret link).

    :raises NotFound: unknown token, or no signed letter yet.
    """
    ticket = ticket_by_token(token)
    doc = letters.current_letter(ticket)
    if doc is None or doc.status != rules.SIGNED:
        abort(404)
    data = db.session.execute(db.select(OutgoingDocument.signed_pdf).where(OutgoingDocument.id == doc.id)).scalar_one()
    return pdf_response(data, letters.letter_filename(doc))


@bp.get("/results/<code>/letter.pdf")
def result_letter(code: str):
    """The public copy of a published result's letter (personal data masked).

    :raises NotFound: not published, or no public copy.
    """
    ticket = db.session.execute(
        db.select(Ticket).where(Ticket.code == code.strip().upper(), Ticket.published_at.is_not(None))
    ).scalar_one_or_none()
    if ticket is None:
        abort(404)
    doc = db.session.execute(
        db.select(OutgoingDocument)
        .options(undefer(OutgoingDocument.public_pdf))
        .where(
            OutgoingDocument.ticket_id == ticket.id,
            OutgoingDocument.status == rules.SIGNED,
            OutgoingDocument.public_sha256.is_not(None),
        )
        .order_by(OutgoingDocument.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if doc is None:
        abort(404)
    return pdf_response(doc.public_pdf, letters.letter_filename(doc, "public"), private=False)
