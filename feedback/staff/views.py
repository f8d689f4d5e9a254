"""Staff views: the queue, the ticket page, workflow actions, attachments, registering a submission."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from ..auth.sessions import companion, companion_row
from ..db.rows import set_absent
from ..db.timeline import read_timeline, timeline_column, timeline_entries
from ..domain.files import HEAD_BYTES, MIMETYPES, download_name, sniff
from ..domain.states import Role, TransitionError
from ..extensions import db
from ..models import (
    Attachment,
    PrivacyRequest,
    Rating,
    Review,
    Ticket,
    User,
)
from ..public.views import active_categories
from ..services import ServiceError, calendar, intake, letters, reference, satisfaction, workflow
from ..services import queue as queues
from ..services.queue import QueueFilters
from ..timeutil import local_today, to_local, utcnow
from ..web.access import can_see, roles_required, scope_of, scope_parameters, scoped_statement, ticket_for
from ..web.forms import refused
from ..web.security import attachment_disposition
from ..web.templating import current_locale
from . import bp
from .forms import StaffSubmissionForm

PAGE_SIZE = 25


def conflict_message() -> str:
    return _("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang để xem tình trạng mới nhất rồi thao tác lại.")


# ---------------------------------------------------------------- queue


@bp.get("/")
@login_required
def queue():
    """The tickets one may see, soonest deadline first, with filters and counts per state.

    An exact tracking code typed into the search (any case) answers with its ticket's page when the user
    may see it, in the same response: the page names its own address (`Content-Location` and the
    canonical link), and the browser shows that address. Otherwise the code is searched like any text.
    """
    f = request_filters()
    if code := looked_up_code(f):
        found = find_ticket_page(code, current_user)
        if found:
            ticket, present = found
            response = make_response(render_ticket(ticket, present=present))
            response.headers["Content-Location"] = url_for("staff.ticket", code=ticket.code)
            return response
    today = local_today()
    cal = calendar.work_calendar()
    units = active_units()
    categories, officers = active_categories(), queues.assignee_choices(current_user)
    try:
        rows, next_after = queues.page(f, current_user, today, cal, PAGE_SIZE)
    except queues.BadPageKey:
        abort(400, description=_("Tham số trang không hợp lệ."))
    counts = queues.counts(f, current_user, today, cal, to_local(utcnow()))
    return render_template(
        "staff/queue.html",
        tickets=queues.shown(rows, officers, today, cal, current_locale()),
        user_unit=reference.units().get(current_user.unit_id) if current_user.unit_id else None,
        filters=f,
        counts=counts.by_state,
        total=counts.total,
        open_total=counts.open_total,
        counted=counts,
        cap=format_decimal(queues.SEARCH_COUNT_CAP),
        next_after=next_after,
        units=units,
        categories=categories,
        today=today,
        officers=officers,
    )


# ---------------------------------------------------------------- ticket page


@dataclass(frozen=True)
class Present:
    """Which of a ticket's optional parts exist (None: not known, read them). Found with the ticket in
    one statement, so the page reads nothing more for the parts most tickets do not have."""

    attachments: bool | None = None
    privacy_requests: bool | None = None
    reviews_or_ratings: bool | None = None
    letter: bool | None = None
    assignee: str | None = None  # the assignee's name, read with the ticket (None: none, or not read)
    timeline: list | None = None  # the timeline's entries, read with the ticket (None: not read)


UNKNOWN = Present()


@functools.cache  # SQL expressions: built once per process, shared by every ticket page's statement
def _present_columns() -> tuple:
    ticket_id = Ticket.__table__.c.id
    return (
        db.exists().where(Attachment.ticket_id == ticket_id).label("has_attachments"),
        db.exists().where(PrivacyRequest.ticket_id == ticket_id).label("has_privacy_requests"),
        db.or_(
            db.exists().where(Review.ticket_id == ticket_id), db.exists().where(Rating.ticket_id == ticket_id)
        ).label("has_closing"),
        db.exists().where(*letters.in_force(ticket_id)).label("has_letter"),
        db.select(User.name).where(User.id == Ticket.__table__.c.assignee_id).scalar_subquery().label("assignee"),
        timeline_column(ticket_id),
    )


@functools.cache  # one statement per scope and process: SQLAlchemy finds its compiled form at once
def _ticket_page_statement(scope: str):
    return scoped_statement(db.select(Ticket, *_present_columns()).where(Ticket.code == db.bindparam("code")), scope)


def ticket_page_for(code: str, user: User) -> tuple[Ticket, Present]:
    """The ticket for its page, in one statement of one row: with its assignee's name, its timeline with
    its actors' names, and which of its optional parts exist (its category and unit come from the
    reference cache).

    :raises NotFound: as `ticket_for` (unknown or outside the user's scope).
    """
    found = find_ticket_page(code, user)
    if found is None:
        abort(404)
    return found


def find_ticket_page(code: str, user: User) -> tuple[Ticket, Present] | None:
    """As `ticket_page_for`, but None when there is no such ticket in the user's scope.

    On the ticket page and the code look-up the row was read with the signed-in user, in the user's own
    statement (`auth.sessions.companion`: one round trip less), without the scope: `can_see`, the same
    rule as `scoped_statement`, decides then. Elsewhere it is read here, within the scope."""
    prefetched = companion_row(code)
    if prefetched is not None:
        row = prefetched if prefetched[0] is not None and can_see(prefetched[0], user) else None
    else:
        row = (
            db.session.execute(_ticket_page_statement(scope_of(user)), {"code": code, **scope_parameters(user)})
            .unique()
            .first()
        )
    if row is None:
        return None
    ticket, attachments, privacy_requests, closing, letter, assignee, timeline = row
    present = Present(
        bool(attachments), bool(privacy_requests), bool(closing), bool(letter), assignee, timeline_entries(timeline)
    )
    set_absent(ticket, attachments=present.attachments, privacy_requests=present.privacy_requests)
    return ticket, present


@functools.cache  # built once per process, like _ticket_page_statement
def _user_with_ticket_page_statement():
    """The signed-in user (bound parameter `user_id`) and the ticket page's row of the code `key`, in one
    statement: the ticket's columns are empty when no ticket has that code (the scope is `can_see`'s)."""
    signed_in = aliased(User, name="signed_in")  # the assignee's subquery reads `users` itself
    return (
        db.select(signed_in, Ticket, *_present_columns())
        .select_from(signed_in)
        .outerjoin(Ticket, Ticket.code == db.bindparam("key"))
        .where(signed_in.id == db.bindparam("user_id"))
    )


def _code_of_ticket_page():
    return (request.view_args or {}).get("code")


def looked_up_code(f: QueueFilters) -> str | None:
    """The tracking code the queue's search asks for (a first page searching for a code's form), or None."""
    return queues.tracking_code(f.q) if f.q and not f.after else None


def request_filters() -> QueueFilters:
    """The queue's filters of this request, read once (the user's loader asks for the code first)."""
    if "_queue_filters" not in g:
        g._queue_filters = QueueFilters(request.args)
    return g._queue_filters


def _code_looked_up():
    return looked_up_code(request_filters())


class Timeline(NamedTuple):
    events: list  # oldest first: rows with the columns of ticket_events (not ORM objects: nothing here changes them)
    actor_names: dict[int, str]  # user id -> name, for the events' actors


def timeline_of(ticket: Ticket, present: Present = UNKNOWN) -> Timeline:
    """The ticket's timeline and the names of its actors: as read with the ticket (`present.timeline`),
    else read on its own (`db.timeline.read_timeline`)."""
    rows = read_timeline(ticket.id) if present.timeline is None else present.timeline
    return Timeline(rows, {row.actor_id: row.actor_name for row in rows if row.actor_id is not None})


def assignee_name(ticket: Ticket, present: Present) -> str | None:
    """The assignee's name: read with the ticket when `present` says so, else from the ticket."""
    if present.assignee is not None or ticket.assignee_id is None:
        return present.assignee
    return ticket.assignee.name


def active_units() -> list:
    """The active units in the order the route form lists them (sort order, code; cached per process)."""
    return sorted((u for u in reference.units().values() if u.active), key=lambda u: (u.sort_order, u.code))


def _action_forms(ticket: Ticket, errors: dict, error_action: str | None, values) -> dict:
    """The ticket page's form helpers as the template calls them: `err`, `val` and `form_open`."""
    forms = ActionForms(ticket, errors, error_action, values)
    return {"err": forms.err, "val": forms.val, "form_open": forms.form_open}


class ActionForms:
    """What the ticket page's action forms show of a refused action (`error_action`): the values typed
    and the errors beside their fields. Python rather than template macros: a macro call builds a
    context of its own, and the page makes some twenty of them (`err`, `val`, `form_open`)."""

    def __init__(self, ticket: Ticket, errors: dict, error_action: str | None, values) -> None:
        self.ticket, self.errors, self.error_action, self.values = ticket, errors, error_action, values

    def val(self, action: str, name: str, default=""):
        """The value typed in `action`'s field `name` when that action was refused, else `default`."""
        return self.values.get(name, default) if self.error_action == action else default

    def err(self, action: str, name: str) -> Markup:
        """The error beside `action`'s field `name` (nothing when there is none)."""
        message = self.errors.get(name) if self.error_action == action else None
        if not message:
            return Markup("")
        return Markup(
            f'<div class="invalid-feedback d-block" role="alert" id="{escape(action)}-{escape(name)}-error">'
            f"{escape(message)}</div>"
        )

    def form_open(self, action: str, label: str) -> Markup:
        """The opening of `action`'s form: its heading, the CSRF token, the ticket's version and the
        error that is not a field's; the template closes it."""
        message = self.errors.get("_") if self.error_action == action else None
        alert = f'<div class="alert alert-danger py-1" role="alert">{escape(message)}</div>' if message else ""
        # f-strings with escape(), not Markup.format: its string.Formatter, in Python, took 4 % of the page
        return Markup(
            f'\n<form method="post" action="{escape(url_for("staff.act", code=self.ticket.code, action=action))}"'
            f' class="card card-body mb-3" id="form-{escape(action)}" novalidate>\n'
            f'  <h3 class="h6">{escape(label)}</h3>\n'
            f'  <input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">\n'
            f'  <input type="hidden" name="version" value="{escape(self.ticket.version)}">\n'
            f"  {alert}\n"
        )


def render_ticket(
    ticket: Ticket,
    status: int = 200,
    *,
    errors: dict | None = None,
    error_action: str | None = None,
    values=None,
    present: Present = UNKNOWN,
):
    """The ticket page with the actions `current_user` may take now.

    Only what the page shows is read: the timeline with its actors in one statement, the parts that
    `present` says exist (all of them when it is not known), and the data of the forms of the actions
    the user may take.
    """
    today = local_today()
    cal = calendar.work_calendar()
    timeline = timeline_of(ticket, present)
    category = reference.categories().get(ticket.category_id)
    user = current_user._get_current_object()  # the object itself: the checks below read it often
    actions = workflow.available_actions(ticket, user)
    units, default_unit_code = [], ""
    if "route" in actions:
        units = active_units()
        default_unit = reference.units().get((category.default_unit_id if category else None) or 0)
        default_unit_code = default_unit.code if default_unit else ""
    requester = db.session.get(User, ticket.pending_extension_by_id) if ticket.pending_extension_by_id else None
    drafting = bool({"answer", "approve"} & set(actions))
    closing = (
        satisfaction.staff_summary(ticket)
        if present.reviews_or_ratings is not False
        else satisfaction.StaffSummary([], [], None, {})
    )
    return render_template(
        "staff/ticket.html",
        ticket=ticket,
        timeline=timeline,
        assignee_name=assignee_name(ticket, present),
        unit=reference.units().get(ticket.unit_id) if ticket.unit_id else None,
        category=category,
        actions=actions,
        units=units,
        default_unit_code=default_unit_code,
        assignees=workflow.assignable_users(ticket) if "assign" in actions else [],
        refuse_reasons=workflow.REFUSE_REASONS,
        standing=workflow.standing(ticket, today, cal),
        publish_explanation=workflow.publish_explanation(ticket, cal),
        regimes=calendar.REGIMES,
        requester=requester,
        errors=errors or {},
        error_action=error_action,
        **_action_forms(ticket, errors or {}, error_action, values or {}),
        today=today,
        max_extensions=current_app.config["MAX_EXTENSIONS"],
        closing=closing,
        letter=letters.current_letter(ticket) if present.letter is not False else None,
        draft=letters.draft_defaults(ticket) if drafting else None,
        signers=letters.signers_for(ticket) if drafting else [],
    ), status


@bp.get("/tickets/<code>")
@login_required
def ticket(code: str):
    found, present = ticket_page_for(code, current_user)
    return render_ticket(found, present=present)


companion("staff.ticket", _code_of_ticket_page, _user_with_ticket_page_statement)
companion("staff.queue", _code_looked_up, _user_with_ticket_page_statement)


@bp.get("/tickets/<code>/attachments/<int:attachment_id>")
@login_required
def attachment(code: str, attachment_id: int):
    """Download an attachment of a ticket the user may see (staff only; never served publicly).

    :raises NotFound: outside the user's scope, or an attachment of another ticket.
    """
    owner = ticket_for(code, current_user)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.ticket_id != owner.id:
        abort(404)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / item.stored_name
    if not path.is_file() or "/" in item.stored_name or "\\" in item.stored_name:
        abort(404)
    # The type is found again from the bytes on disk (never the sender's name), and the name offered
    # ends with that type's extension: a PDF called ho-so.hta downloads as ho-so.pdf, application/pdf.
    data = path.read_bytes()
    file_type = sniff(data[:HEAD_BYTES], data)
    response = send_file(
        io.BytesIO(data), mimetype=MIMETYPES.get(file_type or "", "application/octet-stream"), max_age=0
    )
    response.headers["Content-Disposition"] = attachment_disposition(download_name(item.original_name, file_type))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- actions

# URL action name -> (table action, how to call the service with the form's fields).
HANDLERS = {
    "route": (
        "route",
        lambda t, u, f, now: workflow.route(
            t, u, f.get("unit"), now, due_date=f.get("due_date"), note=f.get("note"), regime=f.get("regime")
        ),
    ),
    "refuse": (
        "refuse",
        lambda t, u, f, now: workflow.refuse(t, u, f.get("reason"), now, reason_code=f.get("reason_code")),
    ),
    "transfer": ("transfer", lambda t, u, f, now: workflow.transfer(t, u, f.get("agency"), f.get("reason"), now)),
    "request-info": ("request_info", lambda t, u, f, now: workflow.request_info(t, u, f.get("message"), now)),
    "provide-info": ("provide_info", lambda t, u, f, now: workflow.provide_info(t, u, f.get("message"), now)),
    "assign": ("assign", lambda t, u, f, now: workflow.assign(t, u, f.get("assignee"), now)),
    "answer": ("answer", lambda t, u, f, now: workflow.answer(t, u, f.get("answer"), now, letter=f)),
    "return": ("return", lambda t, u, f, now: workflow.return_(t, u, f.get("comment"), now)),
    "approve": (
        "approve",
        lambda t, u, f, now: workflow.approve(
            t, u, now, late_reason=f.get("late_reason"), outcome_changed=f.get("outcome_changed"), letter=f
        ),
    ),
    "extend": ("extend", lambda t, u, f, now: workflow.extend(t, u, f.get("due_date"), f.get("reason"), now)),
    "approve-extension": ("approve_extension", lambda t, u, f, now: workflow.approve_extension(t, u, now)),
    "reject-extension": (
        "reject_extension",
        lambda t, u, f, now: workflow.reject_extension(t, u, now, reason=f.get("reason")),
    ),
    "note": ("note", lambda t, u, f, now: workflow.note(t, u, f.get("body"), now)),
    # Issue 14: the coordinator's quality gate before publication, and reopening for reconsideration.
    "return-answer": ("return_answer", lambda t, u, f, now: satisfaction.return_answer(t, u, f.get("comment"), now)),
    "reopen-review": ("reopen_review", lambda t, u, f, now: satisfaction.reopen_review(t, u, f.get("comment"), now)),
}


@bp.post("/tickets/<code>/<action>")
@login_required
def act(code: str, action: str):
    """Take one workflow action: 303 back to the ticket, or 400/403/404/409 with nothing changed.

    The ticket row is locked for the transaction (SELECT ... FOR UPDATE on PostgreSQL, the write lock
    on SQLite) and its version checked on UPDATE, so of two people acting at once only one wins; a
    form posted from a page that was already out of date (hidden `version`) is refused as well.
    """
    if action not in HANDLERS:
        abort(404)
    name, handler = HANDLERS[action]
    item = ticket_for(code, current_user, for_update=True)
    try:
        workflow.check(item, current_user, name)
        seen = request.form.get("version", "").strip()
        if seen and seen != str(item.version):
            raise TransitionError(conflict_message(), 409)
        outcome = handler(item, current_user, request.form, utcnow())
        db.session.commit()
    except TransitionError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    except StaleDataError:
        db.session.rollback()
        abort(409, description=conflict_message())
    except ServiceError as exc:
        db.session.rollback()
        fresh = ticket_for(code, current_user)
        message = exc.message
        return render_ticket(
            fresh, exc.status, errors={exc.field or "_": message}, error_action=action, values=request.form
        )
    flash(outcome.message, "success")
    return redirect(url_for("staff.ticket", code=code), code=303)


# ---------------------------------------------------------------- registering a submission


@bp.route("/tickets/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.DIRECTOR, Role.UNIT_HEAD, Role.OFFICER)
def new_ticket():
    """Register a submission received on paper, by phone or by email, on behalf of the submitter."""
    form = StaffSubmissionForm(categories=active_categories())
    if request.method == "GET":
        form.received_at.data = to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
        return render_template("staff/new.html", form=form)
    if not form.validate_on_submit():
        return render_template(
            "staff/new.html", form=form, form_error=_("Vui lòng kiểm tra lại các thông tin được đánh dấu.")
        ), 400
    try:
        created = intake.submit(form.to_submission(form.channel.data), utcnow(), staff=current_user)
        db.session.commit()
    except ServiceError as exc:
        return refused("staff/new.html", form, exc)
    flash(
        _(
            "Đã tiếp nhận hồ sơ %(code)s; hạn giải quyết %(due)s.",
            code=created.code,
            due=created.due_date.strftime("%d/%m/%Y"),
        ),
        "success",
    )
    late = calendar.work_calendar().working_days_between(created.received_on, local_today())
    if late > current_app.config["RECEIPT_WARNING_WORKING_DAYS"]:
        flash(
            _(
                "Lưu ý: hồ sơ được tiếp nhận từ %(d)s, cách đây %(n)d ngày làm việc; thời hạn giải quyết tính từ "
                "ngày đó. Vui lòng kiểm tra lại thời điểm tiếp nhận.",
                d=created.received_on.strftime("%d/%m/%Y"),
                n=late,
            ),
            "warning",
        )
    if can_see(created, current_user):
        return redirect(url_for("staff.ticket", code=created.code), code=303)
    return redirect(url_for("staff.queue"), code=303)
