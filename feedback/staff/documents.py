"""Staff views of official documents: the answer letter of a ticket (preview, download, signed upload),
the outgoing register with its XLSX export, and the periodic report as a numbered báo cáo."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer

from ..domain import letters as rules
from ..domain.states import Role
from ..extensions import db
from ..models import OutgoingDocument, Ticket, Unit
from ..services import ServiceError, letters, register
from ..timeutil import local_today, utcnow
from ..web.access import can_see, roles_required, ticket_for
from . import bp

REGISTER_ROLES = (Role.COORDINATOR, Role.DIRECTOR, Role.UNIT_HEAD)
SIGNED_UPLOAD_ROLES = (Role.COORDINATOR, Role.DIRECTOR, Role.UNIT_HEAD)


def pdf_response(data: bytes, filename: str, *, inline: bool = True, private: bool = True) -> Response:
    """A PDF download that is never sniffed as anything else (nor cached when private)."""
    response = Response(data, mimetype="application/pdf")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


def _document(doc_id: int, *, with_files: bool = False) -> OutgoingDocument:
    """A register entry the current user may see.

    :raises NotFound: unknown, or (for a unit head) another unit's document.
    """
    stmt = db.select(OutgoingDocument).where(OutgoingDocument.id == doc_id)
    if with_files:
        stmt = stmt.options(undefer(OutgoingDocument.pdf), undefer(OutgoingDocument.signed_pdf))
    doc = db.session.execute(stmt).scalar_one_or_none()
    if doc is None or not register.may_see(doc, current_user):
        abort(404)
    if doc.ticket_id is not None:
        ticket = db.session.get(Ticket, doc.ticket_id)
        if ticket is None or not can_see(ticket, current_user):
            abort(404)
    return doc


# ---------------------------------------------------------------- the letter of a ticket


@bp.get("/tickets/<code>/letter.pdf")
@login_required
def letter_pdf(code: str):
    """The ticket's letter: signed if signed, the issued file while it awaits its signature, or a
    preview of the draft before approval (`?variant=issued` gives the unsigned issued file).

    :raises NotFound: outside the user's scope, or no letter and no draft.
    """
    ticket = ticket_for(code, current_user)
    doc = letters.current_letter(ticket)
    if doc is not None:
        if doc.status == rules.SIGNED and request.args.get("variant") != "issued":
            return pdf_response(doc.signed_pdf, letters.letter_filename(doc))
        return pdf_response(doc.pdf, letters.letter_filename(doc, "issued"))
    if not ticket.draft_answer:
        abort(404)
    return pdf_response(
        letters.preview_pdf(ticket, letters.draft_defaults(ticket), local_today()), f"du-thao-{ticket.code}.pdf"
    )


@bp.post("/tickets/<code>/letter-preview")
@login_required
def letter_preview(code: str):
    """The draft as typed in the answer or approve form, rendered as it will be issued (nothing saved)."""
    ticket = ticket_for(code, current_user)
    try:
        draft = letters.validate(ticket, request.form, request.form.get("answer"))
    except ServiceError as exc:
        abort(400, description=exc.message)
    return pdf_response(letters.preview_pdf(ticket, draft, local_today()), f"du-thao-{ticket.code}.pdf")


@bp.post("/tickets/<code>/signed-letter")
@roles_required(*SIGNED_UPLOAD_ROLES)
def signed_letter(code: str):
    """Upload the letter signed with the office's own tool (multipart `file`); it is checked, then mailed.

    :raises NotFound: outside the user's scope or no letter.
    """
    ticket = ticket_for(code, current_user, for_update=True)
    doc = letters.current_letter(ticket)
    if doc is None:
        abort(404)
    upload = request.files.get("file")
    data = upload.read(current_app.config["MAX_SIGNED_UPLOAD"] + 1) if upload else b""
    try:
        doc = _document(doc.id, with_files=True)
        letters.attach_signed(doc, ticket, data, current_user, utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        from .views import render_ticket

        return render_ticket(
            ticket_for(code, current_user), exc.status, errors={"file": exc.message}, error_action="signed-letter"
        )
    flash(
        _(
            "Đã nhận văn bản số %(n)s có chữ ký số hợp lệ; văn bản được gửi đến người gửi.",
            n=letters.display_number(doc),
        ),
        "success",
    )
    return redirect(url_for("staff.ticket", code=code), code=303)


# ---------------------------------------------------------------- the register


def _filters():
    today = local_today()
    year_text = request.args.get("year", "").strip() or str(today.year)
    if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        abort(400, description=_("Năm không hợp lệ."))
    unit = request.args.get("unit", "").strip()
    doc_type = request.args.get("type", "").strip()
    if doc_type and doc_type not in rules.DOC_TYPES:
        doc_type = ""
    return int(year_text), unit, doc_type


@bp.get("/register")
@roles_required(*REGISTER_ROLES)
def register_page():
    """The outgoing register (sổ văn bản đi) of a year, filtered by issuing unit and kind."""
    year, unit, doc_type = _filters()
    rows = register.entries(current_user, year, unit, doc_type, limit=register.PAGE_LIMIT + 1)
    units = list(db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars())
    today = local_today()
    return render_template(
        "staff/register.html",
        rows=rows[: register.PAGE_LIMIT],
        more=len(rows) > register.PAGE_LIMIT,
        year=year,
        unit=unit,
        doc_type=doc_type,
        units=units,
        years=range(today.year, today.year - 6, -1),
        reports_due=rules.reports_due(year),
        issued_reports=register.issued_reports(year),
    )


@bp.get("/register/export.xlsx")
@roles_required(*REGISTER_ROLES)
def register_xlsx():
    year, unit, doc_type = _filters()
    data = register.to_xlsx(register.entries(current_user, year, unit, doc_type), year, unit)
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="so-van-ban-di-{year}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/register/<int:doc_id>.pdf")
@roles_required(*REGISTER_ROLES)
def register_pdf(doc_id: int):
    doc = _document(doc_id, with_files=True)
    if doc.status == rules.SIGNED and request.args.get("variant") != "issued":
        return pdf_response(doc.signed_pdf, letters.letter_filename(doc))
    return pdf_response(doc.pdf, letters.letter_filename(doc, "issued"))


@bp.post("/register/<int:doc_id>/cancel")
@roles_required(Role.COORDINATOR)
def register_cancel(doc_id: int):
    """Cancel a document awaiting its signature (`reason`); a letter is issued again under a new number."""
    doc = _document(doc_id)
    if doc.ticket_id is not None:
        ticket_for(db.session.get(Ticket, doc.ticket_id).code, current_user, for_update=True)
    try:
        replacement = letters.cancel(doc, current_user, request.form.get("reason"), utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, description=exc.message)
    if replacement is not None:
        flash(
            _(
                "Đã hủy số %(old)s; văn bản được phát hành lại với số %(new)s.",
                old=letters.display_number(doc),
                new=letters.display_number(replacement),
            ),
            "success",
        )
    else:
        flash(_("Đã hủy số %(old)s.", old=letters.display_number(doc)), "success")
    return redirect(url_for("staff.register_page", year=doc.year), code=303)


@bp.post("/register/<int:doc_id>/signed")
@roles_required(Role.COORDINATOR, Role.DIRECTOR)
def register_signed(doc_id: int):
    """Upload the signed file of a register entry without a ticket (a report)."""
    doc = _document(doc_id, with_files=True)
    if doc.ticket_id is not None:
        return redirect(url_for("staff.ticket", code=db.session.get(Ticket, doc.ticket_id).code), code=303)
    upload = request.files.get("file")
    data = upload.read(current_app.config["MAX_SIGNED_UPLOAD"] + 1) if upload else b""
    try:
        letters.attach_signed(doc, None, data, current_user, utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, description=exc.message)
    flash(_("Đã nhận văn bản số %(n)s có chữ ký số hợp lệ.", n=letters.display_number(doc)), "success")
    return redirect(url_for("staff.register_page", year=doc.year), code=303)


# ---------------------------------------------------------------- the periodic report


@bp.post("/reports/document")
@roles_required(Role.COORDINATOR, Role.DIRECTOR)
def report_document():
    """Issue the report of a period as a numbered báo cáo (PDF) with the office's text, signer and nơi nhận."""
    from .reports import period_from_args

    today = local_today()
    form, period = period_from_args(request.form, today)
    if period is None:
        abort(400, description=" ".join(form.errors.values()))
    try:
        doc = register.issue_report(period, request.form, current_user, utcnow(), today)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, description=exc.message)
    flash(_("Đã phát hành báo cáo số %(n)s.", n=letters.display_number(doc)), "success")
    return redirect(url_for("staff.register_page", year=doc.year, type="report"), code=303)
