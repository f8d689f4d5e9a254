"""The submitter's reply to a request for information, from the secret tracking page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, TextAreaField

from ..domain.states import State, TransitionError
from ..extensions import db
from ..services import ServiceError, workflow
from ..timeutil import utcnow
from ..web.forms import SubmissionForm, multi_line, required, too_long
from . import bp
from .satisfaction import tracking_parts
from .views import pause_facts, ticket_by_token


class ReplyForm(FlaskForm):
    """The information the submitter was asked for, with optional files (checked by content)."""

    message = TextAreaField(_l("Thông tin bổ sung"), filters=[multi_line], validators=[required(), too_long(10000)])
    attachments = MultipleFileField(_l("Tệp đính kèm"))

    # The same size, count and content-type checks as the submission form.
    validate_attachments = SubmissionForm.validate_attachments

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.uploads = []


def render_page(ticket, form, status: int = 200, error: str | None = None):
    return render_template(
        "public/ticket.html",
        **tracking_parts(ticket),
        reply_form=form,
        reply_error=error,
        pause=pause_facts(ticket),
    ), status


@bp.post("/track/<token>/reply")
def reply(token: str):
    """Record the reply: the ticket goes back to where it was and its clock resumes."""
    ticket = ticket_by_token(token)
    if ticket.state != State.NEEDS_INFO:
        return render_page(ticket, ReplyForm(), 409, _("Hồ sơ hiện không chờ bổ sung thông tin."))
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_page(ticket, form, 400, _("Vui lòng kiểm tra lại thông tin bổ sung."))
    try:
        workflow.provide_info(ticket, None, form.message.data, utcnow(), uploads=form.uploads)
        db.session.commit()
    except TransitionError as exc:
        db.session.rollback()
        return render_page(ticket_by_token(token), ReplyForm(), exc.status, str(exc))
    except ServiceError as exc:
        db.session.rollback()
        return render_page(ticket_by_token(token), form, exc.status, exc.message)
    flash(_("Đã gửi thông tin bổ sung. Thời hạn giải quyết được tính tiếp."), "success")
    return redirect(url_for("public.track_token", token=token), code=303)
