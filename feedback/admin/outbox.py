"""Administration of outgoing mail: failed (and other) outbox messages, and resending a failed one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import AuditLog, OutboxMessage
from ..services import ServiceError, outbox
from ..timeutil import utcnow
from ..web.access import roles_required
from . import bp

STATUSES = ("failed", "pending", "sending", "sent")
PAGE_SIZE = 100


@bp.get("/outbox")
@roles_required("admin")
def outbox_list():
    """Outbox messages of one status (failed by default), newest first, with counts per status."""
    status = request.args.get("status", "failed")
    if status not in STATUSES:
        abort(400)
    counts = dict(
        db.session.execute(
            db.select(OutboxMessage.status, db.func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
        ).all()
    )
    messages = (
        db.session.execute(
            db.select(OutboxMessage)
            .where(OutboxMessage.status == status)
            .order_by(OutboxMessage.id.desc())
            .limit(PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/outbox.html", messages=messages, status=status, statuses=STATUSES, counts=counts, page_size=PAGE_SIZE
    )


@bp.post("/outbox/<int:message_id>/resend")
@roles_required("admin")
def outbox_resend(message_id: int):
    """Put a failed message back in the queue; recorded in the audit log.

    :raises NotFound: for an unknown message.
    """
    message = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    ).scalar_one_or_none()
    if message is None:
        abort(404)
    previous = {"status": message.status, "attempts": message.attempts, "last_error": message.last_error}
    try:
        outbox.resend(message, utcnow())
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status, description=exc.message)
    db.session.add(
        AuditLog(
            actor_id=current_user.id,
            entity="outbox_message",
            entity_id=str(message.id),
            action="resend",
            details={"recipients": message.recipients, "subject": message.subject, **previous},
        )
    )
    db.session.commit()
    flash(_("Thư #%(id)s đã được đưa lại vào hàng đợi gửi.", id=message_id), "success")
    return redirect(url_for("admin.outbox_list", status="failed"), 303)
