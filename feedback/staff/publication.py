"""Staff routes for publishing results: the pre-filled form with a public preview, publish, unpublish."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.states import PERSONAL_DATA_LABELS, Role, State, label
from ..extensions import db
from ..services import ServiceError, publication
from ..timeutil import utcnow
from ..web.access import roles_required, ticket_for
from ..web.templating import current_locale
from . import bp


def ticket_url(code: str) -> str:
    """The staff ticket page (a workflow view)."""
    return url_for("staff.ticket", code=code)


def _posted_texts() -> publication.PublicText:
    return publication.PublicText(
        request.form.get("public_title", ""),
        request.form.get("public_summary", ""),
        request.form.get("public_answer", ""),
    )


def _attempt(code: str, change, form_again, done: str | None = None):
    """Run `change` and commit, then flash `done` and go back to the ticket (303), or answer None when
    there is no `done`. On a refusal roll back; a 400 shows the form again (`form_again(fresh
    ticket, refusal)`), any other status its error page."""
    try:
        change()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.status != 400:
            abort(exc.status, description=exc.message)
        return form_again(ticket_for(code, current_user), exc)
    if done is None:
        return None
    flash(done, "success")
    return redirect(ticket_url(code), code=303)


def _render(
    ticket,
    texts: publication.PublicText,
    *,
    status: int = 200,
    errors: dict | None = None,
    form_error: str | None = None,
    reason: str = "",
):
    problems = {
        field: publication.personal_data_problems(ticket, value)
        for field, value in (
            ("public_title", texts.title),
            ("public_summary", texts.summary),
            ("public_answer", texts.answer),
        )
    }
    highlights = {
        field: publication.highlight(ticket, value)
        for field, value in (
            ("public_title", texts.title),
            ("public_summary", texts.summary),
            ("public_answer", texts.answer),
        )
    }
    remaining = {
        f.text: f.kind
        for value in (texts.title, texts.summary, texts.answer)
        for f in publication.remaining(ticket, value)
    }
    return render_template(
        "staff/publication.html",
        ticket=ticket,
        texts=texts,
        errors=errors or {},
        problems=problems,
        form_error=form_error,
        reason=reason,
        ticket_url=ticket_url(ticket.code),
        highlights=highlights,
        remaining=remaining,
        kind_labels={kind: label(PERSONAL_DATA_LABELS, kind, current_locale()) for kind in PERSONAL_DATA_LABELS},
    ), status


@bp.get("/tickets/<code>/publish")
@roles_required(Role.COORDINATOR)
def publish_form(code: str):
    ticket = ticket_for(code, current_user)
    if ticket.state != State.ANSWERED:
        abort(409, description=_("Chỉ công khai được phản ánh, kiến nghị đã được trả lời."))
    return _render(ticket, publication.prefill(ticket))


@bp.post("/tickets/<code>/publish")
@roles_required(Role.COORDINATOR)
def publish(code: str):
    ticket = ticket_for(code, current_user, for_update=True)
    texts = _posted_texts()
    if request.form.get("action") == "preview":
        if ticket.state != State.ANSWERED:
            abort(409, description=_("Chỉ công khai được phản ánh, kiến nghị đã được trả lời."))
        return _render(ticket, texts)
    return _attempt(
        code,
        lambda: publication.publish(ticket, current_user, texts.title, texts.summary, texts.answer, utcnow()),
        lambda fresh, exc: _render(fresh, texts, status=400, errors={exc.field: exc.message}, form_error=exc.message),
        _("Đã công khai kết quả %(code)s trên cổng thông tin.", code=ticket.code),
    )


@bp.post("/tickets/<code>/unpublish")
@roles_required(Role.COORDINATOR)
def unpublish(code: str):
    ticket = ticket_for(code, current_user, for_update=True)
    reason = request.form.get("reason", "")
    return _attempt(
        code,
        lambda: publication.unpublish(ticket, current_user, reason, utcnow()),
        lambda fresh, exc: _render(
            fresh,
            publication.prefill(fresh),
            status=400,
            errors={"reason": exc.message},
            form_error=exc.message,
            reason=reason,
        ),
        _("Đã gỡ kết quả %(code)s khỏi cổng thông tin.", code=ticket.code),
    )


@bp.post("/tickets/<code>/privacy-keep")
@roles_required(Role.COORDINATOR)
def privacy_keep(code: str):
    """Mark a detected span as not personal data (recorded with who and why), then show the form again."""
    ticket = ticket_for(code, current_user, for_update=True)
    texts = _posted_texts()
    if not (texts.title or texts.summary or texts.answer):
        texts = publication.prefill(ticket)
    refused = _attempt(
        code,
        lambda: publication.keep_span(
            ticket,
            current_user,
            request.form.get("keep_text", ""),
            request.form.get("keep_reason", ""),
            utcnow(),
            drafts=(texts.title, texts.summary, texts.answer),
        ),
        lambda fresh, exc: _render(fresh, texts, status=400, errors={exc.field: exc.message}, form_error=exc.message),
    )
    return refused or _render(ticket, texts)
