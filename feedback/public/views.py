"""Public views: home, submission with confirmation, tracking, health check."""

from __future__ import annotations

import functools
import secrets
import threading

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.orm import load_only

from ..db.pool import autocommit_request
from ..db.rows import set_absent
from ..domain.states import Channel, State
from ..extensions import db
from ..models import Attachment, Ticket
from ..services import ServiceError, intake, reference, throttle
from ..timeutil import local_today, utcnow
from ..web.errors import too_many
from ..web.forms import SubmissionForm, refused
from . import bp, cache


def active_categories() -> list[reference.CategoryRef]:
    """Categories offered on the form, in their display order (cached per process)."""
    return reference.active_categories()


def client_address() -> str:
    """The client's address (ProxyFix has already applied X-Forwarded-For when configured)."""
    return request.remote_addr or "unknown"


def local_path(target: str | None) -> str:
    """`target` if it is a path of this site, else "/": never another host (//x, /\\x), never CR/LF,
    as given or once percent-decoded."""
    from urllib.parse import unquote

    if not target or len(target) > 2000:
        return "/"
    for candidate in (target, unquote(target)):
        if (
            not candidate.startswith("/")
            or candidate.startswith("//")
            or "\\" in candidate
            or not candidate.isprintable()
        ):
            return "/"
    return target


@bp.post("/lang")
def set_language():
    """The language switch: this browser's language and, when signed in, the account's (by POST only)."""
    from flask import session
    from flask_login import current_user

    from ..models import User

    lang = request.form.get("lang")
    if lang not in ("vi", "en"):
        abort(400)
    session["lang"] = lang
    if getattr(current_user, "is_authenticated", False) and current_user.locale != lang:
        db.session.execute(db.update(User).where(User.id == current_user.id).values(locale=lang))
        db.session.commit()
    return redirect(local_path(request.form.get("next")), code=303)


@bp.get("/")
def home():
    """The portal's front page: tracking box, headline figures of the year, latest published results."""
    from ..services import results as read_model

    today = local_today()
    return render_template(
        "public/home.html",
        categories=active_categories(),
        latest=cache.value(("latest", 5), lambda: read_model.fetch_results(read_model.Filters(), 5)),
        figures=read_model.yearly_figures(today.year, today),
    )


def database_answers(timeout: float) -> bool:
    """Whether the database answers SELECT 1 within `timeout` seconds.

    The query runs in a helper thread with its own session, so that a database that accepts the
    connection and then never answers costs this request `timeout` seconds, not the worker.
    """
    app = current_app._get_current_object()
    outcome: dict[str, bool] = {}

    def probe() -> None:
        with app.app_context():
            try:
                db.session.execute(text("SELECT 1"))
                outcome["ok"] = True
            except Exception:  # any database failure means not healthy
                app.logger.exception("health check failed")
            finally:
                db.session.remove()

    worker = threading.Thread(target=probe, name="healthz", daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome.get("ok", False)


@bp.get("/healthz")
def healthz():
    if not database_answers(current_app.config["HEALTHZ_TIMEOUT"]):
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok")


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    if request.method == "POST" and not current_app.config["RATELIMIT_ENABLED"]:
        # The submission's one write is then one statement (intake.receive): atomic without a transaction.
        autocommit_request(db)
    form = SubmissionForm(categories=active_categories())
    if request.method == "GET":
        return render_template("public/submit.html", form=form)
    now = utcnow()
    verdict = intake.rate_limited(client_address(), now)
    if not verdict.allowed:
        form.validate_on_submit()  # the values are shown again, kept for the next try
        message = (
            _("Quý vị đã gửi quá nhiều phản ánh trong thời gian ngắn.") + " " + throttle.retry_message(verdict, now)
        )
        return too_many(verdict.retry_after, render_template("public/submit.html", form=form, form_error=message))
    if not form.validate_on_submit():
        return render_template(
            "public/submit.html", form=form, form_error=_("Vui lòng kiểm tra lại các thông tin được đánh dấu.")
        ), 400
    try:
        token = intake.receive(form.to_submission(Channel.WEB), now, client=client_address()).tracking_token
        db.session.commit()
    except ServiceError as exc:
        return refused("public/submit.html", form, exc)
    return redirect(url_for("public.submitted", token=token), code=303)


@functools.cache  # built once per process, the token a parameter (see staff/views._ticket_page_statement)
def _ticket_by_token_statement():
    return db.select(Ticket).where(Ticket.tracking_token == db.bindparam("token"))


def ticket_by_token(token: str) -> Ticket:
    """The ticket behind a secret tracking token.

    :raises NotFound: for an unknown token.
    """
    ticket = db.session.execute(_ticket_by_token_statement(), {"token": token}).scalar_one_or_none()
    if ticket is None:
        abort(404)
    return ticket


SUBMITTED_COLUMNS = (
    "code", "tracking_token", "title", "kind", "category_id", "regulation", "content", "email", "received_at",
    "due_date", "due_explanation", "due_explanation_en",
)  # fmt: skip


@functools.cache  # as above, with whether the ticket has attachments (most have none)
def _submitted_statement():
    has_attachments = db.exists().where(Attachment.ticket_id == Ticket.__table__.c.id).label("has_attachments")
    # Only the columns the page shows (a ticket has some 75). Another column, should the page ever read
    # one, is loaded when read (a second statement, which tests/http/test_confirmation_page.py counts).
    shown = load_only(*(getattr(Ticket, name) for name in SUBMITTED_COLUMNS))
    return db.select(Ticket, has_attachments).options(shown).where(Ticket.tracking_token == db.bindparam("token"))


@bp.get("/submit/done/<token>")
def submitted(token: str):
    """The confirmation page after a submission: one statement of one row (a ticket without attachments
    reads nothing more for the list of what was sent)."""
    row = db.session.execute(_submitted_statement(), {"token": token}).first()
    if row is None:
        abort(404)
    ticket, has_attachments = row
    set_absent(ticket, attachments=has_attachments)
    return render_template(
        "public/submitted.html",
        ticket=ticket,
        category=reference.categories().get(ticket.category_id),
        tracking_url=url_for("public.track_token", token=token),
    )


@bp.route("/track", methods=["GET", "POST"])
def track():
    """The tracking form (GET) and the lookup by code and e-mail (POST only: no e-mail in a URL).

    Lookups are limited per address (every try) and per code (failed tries), so neither the e-mail
    of a known code nor codes for a known e-mail can be guessed.
    """
    if request.method == "GET":
        code = (request.args.get("code") or "").strip().upper()[:32]
        return render_template("public/track.html", code=code, email="")
    code = (request.form.get("code") or "").strip().upper()[:64]
    email = (request.form.get("email") or "").strip().lower()[:254]

    def again(error: str) -> str:
        """The form again with what was typed and why it found nothing."""
        return render_template("public/track.html", code=code, email=email, error=error)

    if not code or not email:
        return again(_("Vui lòng nhập mã số theo dõi và thư điện tử đã khai báo.")), 400
    cfg = current_app.config
    now = utcnow()
    address = client_address()
    if cfg["RATELIMIT_ENABLED"]:
        verdict = throttle.check("track_address", address, cfg["TRACK_RATE_LIMIT"], cfg["TRACK_RATE_WINDOW"], now)
        if verdict.allowed:
            verdict = throttle.check("track_code", code, cfg["TRACK_CODE_LIMIT"], cfg["TRACK_CODE_WINDOW"], now)
        if not verdict.allowed:
            db.session.rollback()
            message = _("Quý vị đã tra cứu quá nhiều lần.") + " " + throttle.retry_message(verdict, now)
            return too_many(verdict.retry_after, again(message))
        throttle.record("track_address", address, now)
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one_or_none()
    # Compare in constant time and say the same thing whichever part is wrong.
    if ticket is None or not ticket.email or not secrets.compare_digest(ticket.email.encode(), email.encode()):
        if cfg["RATELIMIT_ENABLED"]:
            throttle.record("track_code", code, now)
        db.session.commit()
        return again(_("Không tìm thấy phản ánh với mã số và thư điện tử này. Vui lòng kiểm tra lại.")), 404
    token = ticket.tracking_token
    db.session.commit()
    return redirect(url_for("public.track_token", token=token), code=303)


def pause_facts(ticket: Ticket) -> dict | None:
    """While the ticket waits for the submitter: since when the clock is paused, for how many working
    days so far, and the due date if the reply came today (the same shift the reply will apply)."""
    if ticket.state != State.NEEDS_INFO or ticket.paused_on is None:
        return None
    from ..domain import deadlines
    from ..services import calendar

    days, due = 0, ticket.due_date
    if ticket.due_date:
        due, days = deadlines.shift_for_pause(
            ticket.due_date, ticket.paused_on, local_today(), calendar.work_calendar()
        )
    return {"since": ticket.paused_on, "days": days, "due_if_today": due}


@bp.get("/track/<token>")
def track_token(token: str):
    from .satisfaction import render_tracking, tracking_page_for  # the page with the rating and reconsideration

    ticket, known = tracking_page_for(token)
    return render_tracking(ticket, known=known)
