"""Public views: home, submission with confirmation, tracking, health check."""

from __future__ import annotations

import secrets

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import text

from ..domain.states import Channel, State
from ..extensions import db
from ..forms import SubmissionForm
from ..models import Category, Ticket
from ..services import ServiceError, intake
from ..timeutil import local_today, utcnow
from . import bp


def active_categories() -> list[Category]:
    """Categories offered on the form, in their display order."""
    return list(db.session.execute(
        db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.name)
    ).scalars())


def client_address() -> str:
    """The client's address (ProxyFix has already applied X-Forwarded-For when configured)."""
    return request.remote_addr or "unknown"


@bp.get("/")
def home():
    """The portal's front page: tracking box, headline figures of the year, latest published results."""
    from .results import Filters, published_query, yearly_figures

    today = local_today()
    latest = db.session.execute(published_query(Filters()).limit(5)).unique().scalars().all()
    return render_template("public/home.html", categories=active_categories(), latest=latest,
                           figures=yearly_figures(today.year, today))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means not healthy
        current_app.logger.exception("health check failed")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    form = SubmissionForm(categories=active_categories())
    if request.method == "GET":
        return render_template("public/submit.html", form=form)
    now = utcnow()
    if intake.rate_limited(client_address(), now):
        from ..errors import retry_message

        seconds = intake.retry_after(client_address(), now)
        return render_template("public/submit.html", form=form, form_error=retry_message(seconds)), 429, {
            "Retry-After": str(seconds)}
    if not form.validate_on_submit():
        return render_template("public/submit.html", form=form,
                               form_error=_("Vui lòng kiểm tra lại các thông tin được đánh dấu.")), 400
    try:
        ticket = intake.submit(form.to_submission(Channel.WEB), now, client=client_address())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        if exc.field and hasattr(form, exc.field):
            getattr(form, exc.field).errors = [exc.message]
        return render_template("public/submit.html", form=form, form_error=exc.message), exc.status
    return redirect(url_for("public.submitted", token=ticket.tracking_token), code=303)


def ticket_by_token(token: str) -> Ticket:
    """The ticket behind a secret tracking token.

    :raises NotFound: for an unknown token.
    """
    ticket = db.session.execute(db.select(Ticket).where(Ticket.tracking_token == token)).scalar_one_or_none()
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/submit/done/<token>")
def submitted(token: str):
    ticket = ticket_by_token(token)
    return render_template("public/submitted.html", ticket=ticket,
                           tracking_url=url_for("public.track_token", token=token))


@bp.route("/track", methods=["GET", "POST"])
def track():
    source = request.form if request.method == "POST" else request.args
    code = (source.get("code") or "").strip().upper()
    email = (source.get("email") or "").strip().lower()
    if not code and not email:
        return render_template("public/track.html", code="", email="")
    ticket = None
    if code and email:
        ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one_or_none()
        # Compare in constant time and say the same thing whichever part is wrong.
        if ticket is None or not ticket.email or not secrets.compare_digest(
            ticket.email.encode(), email.encode()
        ):
            ticket = None
    if ticket is None:
        return render_template(
            "public/track.html", code=code, email=email,
            error=_("Không tìm thấy phản ánh với mã số và thư điện tử này. Vui lòng kiểm tra lại."),
        ), 404
    return redirect(url_for("public.track_token", token=ticket.tracking_token), code=303)


def pause_facts(ticket: Ticket) -> dict | None:
    """While the ticket waits for the submitter: since when the clock is paused, for how many working
    days so far, and the due date if the reply came today (the same shift the reply will apply)."""
    if ticket.state != State.NEEDS_INFO or ticket.paused_on is None:
        return None
    from ..domain import deadlines
    from ..services import calendar

    days, due = 0, ticket.due_date
    if ticket.due_date:
        due, days = deadlines.shift_for_pause(ticket.due_date, ticket.paused_on, local_today(),
                                              calendar.work_calendar())
    return {"since": ticket.paused_on, "days": days, "due_if_today": due}


@bp.get("/track/<token>")
def track_token(token: str):
    ticket = ticket_by_token(token)
    events = [e for e in ticket.events if e.public]
    return render_template("public/ticket.html", ticket=ticket, events=events, token=token,
                           pause=pause_facts(ticket))
