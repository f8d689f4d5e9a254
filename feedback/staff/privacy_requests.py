"""Staff routes for data subjects' requests: the list with deadlines, and the office's actions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.states import Role
from ..extensions import db
from ..models import PrivacyRequest
from ..services import ServiceError, data_requests, privacy
from ..timeutil import local_today, utcnow
from ..web.access import roles_required
from . import bp


def _list(status: int = 200, errors: dict | None = None, form_error: str | None = None):
    rows = (
        db.session.execute(
            db.select(PrivacyRequest)
            .order_by(
                PrivacyRequest.state.in_(data_requests.OPEN_STATES).desc(), PrivacyRequest.due_date, PrivacyRequest.id
            )
            .limit(200)
        )
        .scalars()
        .all()
    )
    return render_template(
        "staff/privacy_requests.html",
        rows=rows,
        today=local_today(),
        errors=errors or {},
        form_error=form_error,
        kind_labels=data_requests.kind_labels(),
        state_labels=data_requests.state_labels(),
    ), status


@bp.get("/privacy-requests")
@roles_required(Role.COORDINATOR, Role.DIRECTOR)
def privacy_requests():
    return _list()


@bp.post("/privacy-requests/<int:request_id>/<action>")
@roles_required(Role.COORDINATOR)
def privacy_request_action(request_id: int, action: str):
    item = db.session.get(PrivacyRequest, request_id, with_for_update=True)
    if item is None or action not in ("acknowledge", "extend", "complete", "refuse"):
        abort(404)
    now = utcnow()
    files = []
    try:
        if action == "acknowledge":
            data_requests.acknowledge(item, current_user, now)
        elif action == "extend":
            data_requests.extend(item, current_user, request.form.get("reason", ""), now)
        else:
            files = data_requests.complete(
                item,
                current_user,
                request.form.get("answer", ""),
                now,
                refuse=action == "refuse",
                corrections={f: request.form.get(f, "") for f in data_requests.CORRECTABLE},
            )
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.status != 400:
            abort(exc.status, description=exc.message)
        return _list(400, errors={(request_id, exc.field): exc.message}, form_error=exc.message)
    privacy.remove_files(files)
    flash(_("Đã cập nhật yêu cầu về dữ liệu cá nhân."), "success")
    return redirect(url_for("staff.privacy_requests"), code=303)
