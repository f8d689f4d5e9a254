"""The submitter's rating of the answer and request for reconsideration, from the secret tracking page."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..db.rows import row_or_404, set_absent
from ..db.timeline import read_timeline, timeline_column, timeline_entries
from ..extensions import db
from ..models import Attachment, Rating, Ticket
from ..services import ServiceError, letters, reference, satisfaction
from ..services.workflow import Outcome
from ..timeutil import local_today, utcnow
from . import bp


def ticket_for_link(token: str, *, for_update: bool = False) -> Ticket:
    """The ticket behind a secret tracking link, locked for the change when `for_update`.

    :raises NotFound: for a wrong link, with a message saying so.
    """
    stmt = db.select(Ticket).where(Ticket.tracking_token == token)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = db.session.execute(stmt).scalar_one_or_none() if token and len(token) <= 64 else None
    if ticket is None or ticket.anonymised_at is not None:
        abort(
            404,
            description=_(
                "Đường dẫn theo dõi không đúng hoặc không còn hiệu lực. Vui lòng dùng đường "
                "dẫn trong thư gần nhất của Sở, hoặc tra cứu bằng mã số và thư điện tử."
            ),
        )
    return ticket


@dataclass(frozen=True)
class Known:
    """What the tracking page's statement found besides the ticket (None: not known, read it)."""

    letter: bool | None = None  # whether a letter not cancelled exists
    ratings: bool | None = None  # whether any round was rated
    asked: int | None = None  # the reconsiderations the submitter asked for
    events: list | None = None  # the public timeline, read with the ticket (None: not read)


UNKNOWN = Known()


@functools.cache  # SQL expressions: built once per process
def _known_columns() -> tuple:
    ticket_id = Ticket.__table__.c.id
    return (
        db.exists().where(*letters.in_force(ticket_id)).label("has_letter"),
        db.exists().where(Rating.ticket_id == ticket_id).label("has_ratings"),
        satisfaction.submitter_asked_reviews(ticket_id).scalar_subquery().label("asked"),
        db.exists().where(Attachment.ticket_id == ticket_id).label("has_attachments"),
        timeline_column(ticket_id, public_only=True),
    )


@functools.cache  # built once per process (see staff/views._ticket_page_statement): the token a parameter
def _tracking_statement():
    return db.select(Ticket, *_known_columns()).where(Ticket.tracking_token == db.bindparam("token"))


def tracking_page_for(token: str) -> tuple[Ticket, Known]:
    """The ticket behind a tracking link for its page, in one statement, with its public timeline and
    which of its optional parts exist (so most pages read nothing more); its category and unit come from
    the reference cache.

    :raises NotFound: for an unknown token.
    """
    ticket, has_letter, has_ratings, asked, has_attachments, events = row_or_404(
        _tracking_statement(), {"token": token}
    )
    set_absent(ticket, attachments=bool(has_attachments))
    return ticket, Known(bool(has_letter), bool(has_ratings), int(asked), timeline_entries(events))


def public_events(ticket: Ticket) -> list:
    """The entries of the ticket's timeline the submitter sees, oldest first (rows of ticket_events)."""
    return read_timeline(ticket.id, public_only=True)


def tracking_parts(ticket: Ticket, events: list | None = None) -> dict:
    """What every rendering of the tracking page (`public/ticket.html`) shows of the ticket: itself, its
    category and unit (from the reference cache), its public timeline (`events` when it was read with
    the ticket) and its link's token."""
    return {
        "ticket": ticket,
        "category": reference.categories().get(ticket.category_id),
        "unit": reference.units().get(ticket.unit_id) if ticket.unit_id else None,
        "events": public_events(ticket) if events is None else events,
        "token": ticket.tracking_token,
    }


def render_tracking(
    ticket: Ticket,
    status: int = 200,
    *,
    rating_error: str | None = None,
    review_error: str | None = None,
    values=None,
    known: Known = UNKNOWN,
):
    """The tracking page with the rating and reconsideration section (and an error beside a form);
    `known` says which optional parts need not be read."""
    from .views import pause_facts

    letter = letters.current_letter(ticket) if known.letter is not False else None
    return render_template(
        "public/ticket.html",
        **tracking_parts(ticket, known.events),
        letter=letter,
        letter_number=letters.display_number(letter) if letter else None,
        pause=pause_facts(ticket),
        closing=satisfaction.tracking_state(
            ticket, local_today(), ratings=[] if known.ratings is False else None, asked=known.asked
        ),
        rating_error=rating_error,
        review_error=review_error,
        values=values or {},
    ), status


def _refuse_staff():
    """Staff signed in on this browser may not rate or ask in the submitter's place.

    :raises Forbidden: for a signed-in staff member.
    """
    if current_user.is_authenticated:
        abort(
            403,
            description=_(
                "Cán bộ không được đánh giá hoặc đề nghị xem xét lại thay người gửi. Vui lòng "
                "đăng xuất khỏi tài khoản cán bộ."
            ),
        )


@bp.post("/track/<token>/rating")
def rating(token: str):
    """Rate (or change the rating of) the answer in force: 303 back to the page, or the page with the refusal."""
    level, revision = request.form.get("level"), satisfaction.parse_revision(request.form.get("revision"))

    def rate(ticket: Ticket, reasons: list[str], comment: str | None, now: datetime) -> Outcome:
        return satisfaction.rate(ticket, level, reasons, comment, now, expected_revision=revision)

    return _submitter_act(token, "rating", rate)


@bp.post("/track/<token>/review")
def review(token: str):
    """Ask for reconsideration of the answer in force (after a "dissatisfied" rating)."""
    return _submitter_act(token, "review", satisfaction.request_review)


def _submitter_act(token: str, section: str, act):
    """Run the submitter's `act` on the linked ticket with the reasons and the comment they sent and the
    moment: 303 back to its `section` of the tracking page, or the page with the refusal beside that
    section (nothing changed)."""
    _refuse_staff()
    ticket = ticket_for_link(token, for_update=True)
    try:
        outcome = act(ticket, request.form.getlist("reasons"), request.form.get("comment"), utcnow())
        db.session.commit()
    except (ServiceError, StaleDataError) as exc:  # a TransitionError is a ServiceError
        db.session.rollback()
        if isinstance(exc, StaleDataError):
            status, message = 409, _("Hồ sơ vừa được cập nhật. Vui lòng tải lại trang rồi thao tác lại.")
        else:
            status, message = exc.status, exc.message
        return render_tracking(ticket_for_link(token), status, values=request.form, **{f"{section}_error": message})
    flash(outcome.message, "success")
    return redirect(url_for("public.track_token", token=token, _anchor=section), code=303)
