"""The staff workflow of DESIGN §4: one function per action, each checked against the state table.

Every function takes the ticket (loaded by the caller with `access.ticket_for(..., for_update=True)`),
the acting user, the action's fields and `now` (naive UTC). It checks the action with
`domain.states.next_state()` plus the few rules the table cannot express (an officer works only the
tickets assigned to them, the extension count, a pending extension), validates the fields, then
changes the ticket, appends a timeline event and queues the emails. Nothing is committed: the caller
commits, and a refused action raises before anything is changed.

:raises TransitionError: 403 (role) or 409 (state) with a Vietnamese message.
:raises ServiceError: 400 with the field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, overload

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain import deadlines, outcomes
from ..domain.contact import clean_text
from ..domain.states import (
    ACTION_LABELS,
    REFUSE_REASON_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    Role,
    State,
    TransitionError,
    can,
    label,
    localized_name,
    next_state,
)
from ..extensions import db
from ..models import Attachment, Ticket, Unit, User
from ..timeutil import local_today, parse_day
from . import ServiceError, calendar, language, letters, outbox, timeline
from .intake import Upload, store_upload

# Actions a staff member takes from the ticket page, in the order the page offers them.
STAFF_ACTIONS = (
    "route",
    "assign",
    "answer",
    "approve",
    "return",
    "request_info",
    "provide_info",
    "extend",
    "approve_extension",
    "reject_extension",
    "refuse",
    "transfer",
    "note",
    "return_answer",
    "reopen_review",  # issue 14: the quality gate and reconsideration
)

# Reason codes for a refusal (the text is always required as well); their labels are in domain/states.py.
REFUSE_REASONS: dict[str, str] = {code: pair.vi for code, pair in REFUSE_REASON_LABELS.items()}

# Officers may only act on the tickets assigned to them for these actions.
_ASSIGNEE_ONLY = frozenset({"answer", "request_info", "provide_info"})

MAX_TEXT = 10000


@dataclass(frozen=True)
class Outcome:
    """What an action did, for the view's confirmation message."""

    action: str
    message: str


# ---------------------------------------------------------------- checks


def check(ticket: Ticket, actor: User, action: str) -> str:
    """The state the action leads to, if `actor` may take it on `ticket` now.

    :raises TransitionError: 403 when the role (or assignment) does not allow it, 409 when the state does not.
    """
    try:
        target = next_state(ticket.state, action, actor.role, ticket.paused_from_state)
    except TransitionError as exc:
        if exc.status == 403:
            raise TransitionError(
                _(
                    "Vai trò «%(role)s» không được thực hiện thao tác «%(action)s».",
                    role=label(ROLE_LABELS, actor.role, language()),
                    action=label(ACTION_LABELS, action, language()),
                ),
                403,
            ) from None
        if exc.status == 409:
            raise TransitionError(
                _(
                    "Không thể thực hiện «%(action)s» khi hồ sơ đang ở trạng thái «%(state)s».",
                    action=label(ACTION_LABELS, action, language()),
                    state=label(STATE_LABELS, ticket.state, language()),
                ),
                409,
            ) from None
        raise
    if actor.role == Role.OFFICER and action in _ASSIGNEE_ONLY and ticket.assignee_id != actor.id:
        raise TransitionError(_("Hồ sơ này chưa được phân công cho bạn."), 403)
    if action == "extend":
        if ticket.pending_extension_date is not None:
            raise TransitionError(_("Hồ sơ đang có một đề nghị gia hạn chờ duyệt."), 409)
        if ticket.extension_count >= current_app.config["MAX_EXTENSIONS"]:
            raise TransitionError(
                _("Hồ sơ đã được gia hạn tối đa %(n)d lần.", n=current_app.config["MAX_EXTENSIONS"]), 409
            )
    if action in ("approve_extension", "reject_extension") and ticket.pending_extension_date is None:
        raise TransitionError(_("Hồ sơ không có đề nghị gia hạn nào chờ duyệt."), 409)
    if ticket.review_round and action in ("answer", "approve"):
        from .satisfaction import review_handler_refusal  # the review is handled by someone else

        refusal = review_handler_refusal(ticket, actor, action)
        if refusal:
            raise TransitionError(refusal, 403)
    if action == "return_answer" and ticket.published_at is not None:
        raise TransitionError(_("Câu trả lời đã được công khai; vui lòng gỡ công khai trước khi trả lại đơn vị."), 409)
    return target


def available_actions(ticket: Ticket, actor: User) -> list[str]:
    """The staff actions `actor` may take on `ticket` now (the ticket page offers only these)."""
    allowed = []
    for action in STAFF_ACTIONS:
        if not can(ticket.state, action, actor.role):  # the table says no: no refusal to word
            continue
        try:
            check(ticket, actor, action)
        except TransitionError:
            continue
        allowed.append(action)
    return allowed


# ---------------------------------------------------------------- helpers


@overload
def _text(
    value: str | None,
    field: str,
    *,
    required: Literal[True] = True,
    max_length: int = MAX_TEXT,
    message: str | None = None,
) -> str: ...
@overload
def _text(
    value: str | None, field: str, *, required: bool, max_length: int = MAX_TEXT, message: str | None = None
) -> str | None: ...
def _text(
    value: str | None, field: str, *, required: bool = True, max_length: int = MAX_TEXT, message: str | None = None
) -> str | None:
    text = clean_text(value or "", multiline=True) if value else ""
    if not text:
        if required:
            raise ServiceError(message or _("Vui lòng nhập nội dung."), 400, field)
        return None
    if len(text) > max_length:
        raise ServiceError(_("Tối đa %(max)d ký tự.", max=max_length), 400, field)
    return text


def parse_date(value: str | date | None, field: str) -> date | None:
    """A date from YYYY-MM-DD (or dd/mm/yyyy); None when empty.

    :raises ServiceError: 400 when the text is not a date.
    """
    if value is None or isinstance(value, date):
        return value
    if not value.strip():
        return None
    day = parse_day(value)
    if day is not None:
        return day
    raise ServiceError(_("Ngày không hợp lệ (định dạng YYYY-MM-DD hoặc dd/mm/yyyy)."), 400, field)


def _move(ticket: Ticket, target: str, now: datetime) -> str:
    source = ticket.state
    ticket.state = target
    ticket.updated_at = now
    return source


def _event(
    ticket: Ticket,
    action: str,
    actor: User | None,
    source: str,
    now: datetime,
    *,
    public: bool | None = None,
    message=None,
    actor_label: str = "",
    **details,
):
    """Append a timeline event; a `message` given as a function (of a translated sentence) is stored
    in Vietnamese with its English text in details["message_en"], for English pages."""
    if callable(message):
        message, details["message_en"] = in_both(message)
    return timeline.record(
        ticket,
        action,
        actor=actor,
        actor_label=actor_label,
        from_state=source,
        to_state=ticket.state,
        public=TRANSITIONS[action].public if public is None else public,
        message=message,
        now=now,
        **details,
    )


def unit_users(unit_id: int | None, *roles: str) -> list[User]:
    """Active users of a unit with one of `roles`."""
    if unit_id is None:
        return []
    return list(
        db.session.execute(
            db.select(User)
            .where(User.unit_id == unit_id, User.role.in_(roles), User.active.is_(True))
            .order_by(User.name)
        ).scalars()
    )


def assignable_users(ticket: Ticket) -> list[User]:
    """Who a unit head may assign the ticket to: the active officers and heads of its unit."""
    return unit_users(ticket.unit_id, Role.OFFICER, Role.UNIT_HEAD)


def in_both(make) -> tuple[str, str]:
    """`make()` (a function building a translated sentence) in Vietnamese and in English."""
    with force_locale("vi"):
        vi = str(make())
    with force_locale("en"):
        en = str(make())
    return vi, en


def _append_explanation(ticket: Ticket, make) -> None:
    """Add a sentence to the written-deadline explanation, in both languages."""
    vi, en = in_both(make)
    ticket.due_explanation = (ticket.due_explanation or "") + " " + vi
    base_en = ticket.due_explanation_en or ""
    if base_en:  # an old row without English text keeps falling back to the Vietnamese one
        ticket.due_explanation_en = base_en + " " + en


def _receipt_note(ticket: Ticket, cal: deadlines.WorkCalendar) -> tuple[str, str] | None:
    """Why the ticket's day of receipt is not the day it arrived, if it is not."""
    day, note = calendar.receipt(ticket.received_at, cal)
    return note if day == ticket.received_on else None


def _explain_written(
    deadline: deadlines.Deadline, paused_days: int, cal: deadlines.WorkCalendar
) -> tuple[date, str, str]:
    due = deadline.due
    text, text_en = deadline.explain("vi"), deadline.explain("en")
    if paused_days:
        due = cal.add_working_days(due, paused_days)
        vi, en = in_both(
            lambda: _(
                "Cộng %(n)d ngày làm việc chờ bổ sung thông tin: hạn là %(due)s.", n=paused_days, due=deadlines.fmt(due)
            )
        )
        text, text_en = text + " " + vi, text_en + " " + en
    return due, text, text_en


# ---------------------------------------------------------------- actions


def route(
    ticket: Ticket,
    actor: User,
    unit: Unit | str | None,
    now: datetime,
    *,
    due_date: str | date | None = None,
    note: str | None = None,
    regime: str | None = None,
) -> Outcome:
    """Route (or re-route) to a unit with the written deadline; re-routing keeps the clock.

    `regime` (default | legal_document) chooses the deadline rules; a change of regime derives the
    written deadline again from the day of receipt under the new regime's rule.
    """
    target = check(ticket, actor, "route")
    regime = (regime or "").strip() or None
    if regime is not None and regime not in calendar.REGIMES:
        raise ServiceError(_("Chế độ xử lý không hợp lệ."), 400, "regime")
    if isinstance(unit, str) or unit is None:
        code = (unit or "").strip()
        unit = db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one_or_none() if code else None
    if unit is None or not unit.active:
        raise ServiceError(_("Vui lòng chọn đơn vị xử lý."), 400, "unit")
    requested = parse_date(due_date, "due_date")
    note = _text(note, "note", required=False, max_length=2000)
    cal = calendar.work_calendar()
    first = ticket.routed_at is None
    regime_changed = regime is not None and regime != (ticket.regime or calendar.DEFAULT_REGIME)
    basis = None
    if first or regime_changed:
        # The written deadline: the rule in force counted from the day of receipt (never from routing),
        # plus any working days already spent waiting for the submitter.
        deadline = calendar.compute(
            "answer", ticket.received_on, ticket.kind, ticket.category_id, cal, regime=regime or ticket.regime
        )
        receipt_note = _receipt_note(ticket, cal)
        deadline = deadline.with_receipt_note(receipt_note)
        due, explanation, explanation_en = _explain_written(deadline, ticket.paused_working_days, cal)
        basis = calendar.basis_of(deadline, paused=ticket.paused_working_days or 0)
    else:
        due, explanation, explanation_en = ticket.due_date, ticket.due_explanation, ticket.due_explanation_en
    if requested is not None:
        today = local_today(now)
        if requested > due:
            raise ServiceError(
                _("Chỉ được ấn định hạn sớm hơn %(due)s; muốn lùi hạn phải đề nghị gia hạn.", due=deadlines.fmt(due)),
                400,
                "due_date",
            )
        if requested < today:
            raise ServiceError(_("Hạn giải quyết không được trước ngày hôm nay."), 400, "due_date")
        if not cal.is_working_day(requested):
            raise ServiceError(_("%(d)s không phải ngày làm việc.", d=deadlines.fmt(requested)), 400, "due_date")
        if requested != due:
            vi, en = in_both(lambda: _("Văn phòng Sở ấn định hạn sớm hơn: %(d)s.", d=deadlines.fmt(requested)))
            explanation += " " + vi
            explanation_en = (explanation_en + " " + en) if explanation_en else ""
            due = requested
            basis = calendar.fixed_basis(requested, "route")
    previous_unit = ticket.unit_id
    source = _move(ticket, target, now)
    ticket.unit = unit
    if previous_unit != unit.id:
        ticket.assignee_id = None  # the old unit's officer no longer sees the ticket
    ticket.due_date = due
    ticket.due_explanation = explanation
    ticket.due_explanation_en = explanation_en or ""
    if regime is not None:
        ticket.regime = regime
    if basis is not None:
        calendar.set_basis(ticket, "answer", basis)
    if first:
        ticket.original_due_date = due
        ticket.routed_at = now

    def message() -> str:
        return _(
            "Chuyển %(unit)s xử lý; hạn giải quyết %(due)s.",
            unit=localized_name(unit, language()),
            due=deadlines.fmt(due),
        )

    _event(
        ticket,
        "route",
        actor,
        source,
        now,
        unit=unit.code,
        message=message,
        previous_unit_id=previous_unit,
        due_date=due.isoformat(),
        rerouted=not first,
        regime=ticket.regime if regime is not None else None,
    )
    if note:
        _event(ticket, "note", actor, ticket.state, now, public=False, message=note)
    outbox.to_staff(ticket, "staff_routed", now, unit_id=unit.id, unit=unit, note=note)
    return Outcome("route", message())


def refuse(
    ticket: Ticket, actor: User, reason: str | None, now: datetime, *, reason_code: str | None = None
) -> Outcome:
    """Refuse a new ticket with a reason (and optional reason code); the submitter is told why."""
    target = check(ticket, actor, "refuse")
    code = (reason_code or "").strip() or None
    if code is not None and code not in REFUSE_REASONS:
        raise ServiceError(_("Mã lý do không hợp lệ."), 400, "reason_code")
    reason = _text(reason, "reason", message=_("Vui lòng nêu lý do không tiếp nhận."))
    source = _move(ticket, target, now)
    ticket.refuse_reason_code = code
    ticket.refuse_reason = reason
    ticket.closed_at = now
    _event(
        ticket,
        "refuse",
        actor,
        source,
        now,
        reason_code=code,
        message=lambda: (label(REFUSE_REASON_LABELS, code, language()) + ". " if code else "") + reason,
    )
    outbox.to_submitter(
        ticket,
        "refused",
        _l("Thông báo không tiếp nhận phản ánh, kiến nghị"),
        now,
        reason=reason,
        reason_label=REFUSE_REASONS.get(code or ""),
    )
    return Outcome("refuse", _("Đã từ chối tiếp nhận hồ sơ."))


def transfer(ticket: Ticket, actor: User, agency: str | None, reason: str | None, now: datetime) -> Outcome:
    """Transfer a new ticket to the competent external agency (ND 20/2008 art. 9)."""
    target = check(ticket, actor, "transfer")
    agency = _text(agency, "agency", max_length=300, message=_("Vui lòng nhập cơ quan có thẩm quyền."))
    reason = _text(reason, "reason", message=_("Vui lòng nêu lý do chuyển."))
    source = _move(ticket, target, now)
    ticket.transfer_agency = agency
    ticket.transfer_reason = reason
    ticket.closed_at = now
    on_time = ticket.transfer_due_date is None or local_today(now) <= ticket.transfer_due_date
    _event(
        ticket,
        "transfer",
        actor,
        source,
        now,
        message=lambda: _("Chuyển đến %(agency)s. Lý do: %(reason)s", agency=agency, reason=reason),
        agency=agency,
        within_deadline=on_time,
    )
    outbox.to_submitter(
        ticket,
        "transferred",
        _l("Thông báo chuyển phản ánh, kiến nghị đến cơ quan có thẩm quyền"),
        now,
        agency=agency,
        reason=reason,
    )
    return Outcome("transfer", _("Đã chuyển hồ sơ đến %(agency)s.", agency=agency))


def request_info(ticket: Ticket, actor: User, message: str | None, now: datetime) -> Outcome:
    """Ask the submitter for information; the clock pauses (PAUSE_ON_REQUEST_INFO)."""
    target = check(ticket, actor, "request_info")
    message = _text(message, "message", message=_("Vui lòng nêu thông tin cần bổ sung."))
    source = _move(ticket, target, now)
    ticket.paused_from_state = source
    if current_app.config["PAUSE_ON_REQUEST_INFO"]:
        ticket.paused_at = now
        ticket.paused_on = local_today(now)
    _event(
        ticket,
        "request_info",
        actor,
        source,
        now,
        message=message,
        paused=ticket.paused_on.isoformat() if ticket.paused_on else None,
    )
    outbox.to_submitter(ticket, "info_request", _l("Đề nghị bổ sung thông tin"), now, message=message)
    return Outcome("request_info", _("Đã gửi yêu cầu bổ sung thông tin cho người gửi."))


def provide_info(
    ticket: Ticket, actor: User | None, message: str | None, now: datetime, *, uploads: Sequence[Upload] = ()
) -> Outcome:
    """Record the submitter's reply (actor None) or staff's record of it; the clock resumes.

    The due date moves by the working days the ticket waited, (paused_on, resumed_on].
    """
    if actor is None:
        if ticket.state != State.NEEDS_INFO:
            raise TransitionError(_("Hồ sơ hiện không chờ bổ sung thông tin."), 409)
        target = next_state(ticket.state, "provide_info", "submitter", ticket.paused_from_state)
    else:
        target = check(ticket, actor, "provide_info")
    message = _text(message, "message", message=_("Vui lòng nhập nội dung bổ sung."))
    source = _move(ticket, target, now)
    paused_days = 0
    if ticket.paused_on is not None:
        cal = calendar.work_calendar()
        old_due = ticket.due_date
        ticket.due_date, paused_days = deadlines.shift_for_pause(old_due, ticket.paused_on, local_today(now), cal)
        ticket.paused_working_days = (ticket.paused_working_days or 0) + paused_days
        if paused_days:
            calendar.add_paused(ticket, "answer", paused_days)
            _append_explanation(
                ticket,
                lambda: _(
                    "Tạm dừng %(n)d ngày làm việc chờ bổ sung thông tin (%(a)s–%(b)s): hạn chuyển từ %(old)s sang "
                    "%(new)s.",
                    n=paused_days,
                    a=deadlines.fmt(ticket.paused_on),
                    b=deadlines.fmt(local_today(now)),
                    old=deadlines.fmt(old_due),
                    new=deadlines.fmt(ticket.due_date),
                ),
            )
    ticket.paused_at = None
    ticket.paused_on = None
    ticket.paused_from_state = None
    entry = _event(
        ticket,
        "provide_info",
        actor,
        source,
        now,
        message=message,
        actor_label="" if actor else "submitter",
        paused_working_days=paused_days,
        due_date=ticket.due_date.isoformat(),
    )
    db.session.flush()
    for upload in uploads:
        stored, digest = store_upload(upload)
        db.session.add(
            Attachment(
                ticket=ticket,
                event_id=entry.id,
                original_name=upload.filename[:255],
                stored_name=stored,
                file_type=upload.file_type,
                size=len(upload.data),
                sha256=digest,
                created_at=now,
            )
        )
    if actor is None:
        outbox.to_staff(ticket, "staff_info_provided", now, message=message)
    return Outcome(
        "provide_info",
        _("Đã ghi nhận thông tin bổ sung; hạn giải quyết là %(due)s.", due=deadlines.fmt(ticket.due_date)),
    )


def assign(ticket: Ticket, actor: User, assignee: User | str | None, now: datetime) -> Outcome:
    """A unit head assigns the ticket to an officer (or head) of the same unit."""
    target = check(ticket, actor, "assign")
    if isinstance(assignee, str) or assignee is None:
        email = (assignee or "").strip().lower()
        assignee = (
            db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none() if email else None
        )
    if (
        assignee is None
        or not assignee.active
        or assignee.unit_id != ticket.unit_id
        or assignee.role not in (Role.OFFICER, Role.UNIT_HEAD)
    ):
        raise ServiceError(_("Vui lòng chọn một cán bộ đang hoạt động của đơn vị xử lý."), 400, "assignee")
    source = _move(ticket, target, now)
    ticket.assignee = assignee
    _event(
        ticket,
        "assign",
        actor,
        source,
        now,
        message=lambda: _("Phân công cho %(name)s.", name=assignee.name),
        assignee=assignee.email,
    )
    if assignee.id != actor.id:
        outbox.to_staff(ticket, "staff_assigned", now, person=assignee, assigner=actor)
    return Outcome("assign", _("Đã phân công cho %(name)s.", name=assignee.name))


def answer(ticket: Ticket, actor: User, text: str | None, now: datetime, *, letter=None) -> Outcome:
    """Submit a draft answer letter for approval: the body (`text`) and, in `letter` (a mapping of the
    form's fields), `subject`, `addressee`, `recipients` and `signer`; missing parts take their defaults."""
    target = check(ticket, actor, "answer")
    text = _text(text, "answer", max_length=letters.MAX_BODY, message=_("Vui lòng nhập nội dung trả lời."))
    draft = letters.validate(ticket, letter, text)
    source = _move(ticket, target, now)
    version = letters.store_draft(ticket, draft)
    ticket.answered_by_id = actor.id
    _event(ticket, "answer", actor, source, now, message=text, letter=version)
    outbox.to_staff(ticket, "staff_approval", now, actor=actor, author=actor)
    return Outcome("answer", _("Đã trình dự thảo trả lời để lãnh đạo duyệt."))


def return_(ticket: Ticket, actor: User, comment: str | None, now: datetime) -> Outcome:
    """Return the draft answer to the officer with a comment."""
    target = check(ticket, actor, "return")
    comment = _text(comment, "comment", message=_("Vui lòng nêu ý kiến khi trả lại dự thảo."))
    source = _move(ticket, target, now)
    _event(ticket, "return", actor, source, now, message=comment)
    author = ticket.assignee or (db.session.get(User, ticket.answered_by_id) if ticket.answered_by_id else None)
    if author is not None and author.id != actor.id:
        outbox.to_staff(ticket, "staff_returned", now, person=author, comment=comment, reviewer=actor)
    return Outcome("return", _("Đã trả lại dự thảo để chỉnh sửa."))


def approve(
    ticket: Ticket, actor: User, now: datetime, *, late_reason: str | None = None, outcome_changed=None, letter=None
) -> Outcome:
    """Approve the draft: the answer is final, issued as a numbered letter (mailed once signed), and due
    for publication. `letter` may carry the draft's fields (`subject`, `addressee`, `answer`,
    `recipients`, `signer`) to edit it first. A reworked answer (a review's, or one returned before
    publication) is approved by `satisfaction.approve_rework`."""
    target = check(ticket, actor, "approve")
    if not ticket.draft_answer:
        raise TransitionError(_("Chưa có dự thảo trả lời để duyệt."), 409)
    if ticket.answered_on is not None:  # a review's or a returned answer's new text
        from .satisfaction import approve_rework

        return approve_rework(ticket, actor, now, late_reason=late_reason, outcome_changed=outcome_changed)
    # The approver may edit the draft letter first (any of its fields); the edit is a version of its own.
    edited = None
    if letter is not None and any(letter.get(k) is not None for k in letters.DRAFT_FIELDS):
        draft = letters.validate(
            ticket, letter, _text(letter.get("answer"), "answer", required=False, max_length=letters.MAX_BODY)
        )
        if letters.differs(ticket, draft):
            edited = draft
    elif not ticket.letter_draft:
        letters.validate(ticket, None, None)  # an old draft without letter parts: the defaults must hold
    answered_on = local_today(now)
    on_time = outcomes.answered_on_time(answered_on, ticket.due_date)
    late_reason = _text(
        late_reason,
        "late_reason",
        required=not on_time,
        max_length=2000,
        message=_("Hồ sơ đã quá hạn %(due)s: vui lòng nêu lý do trả lời muộn.", due=deadlines.fmt(ticket.due_date)),
    )
    cal = calendar.work_calendar()
    if edited is not None:
        version = letters.store_draft(ticket, edited)
        timeline.record_in_place(ticket, "edit_draft", actor=actor, message=edited.body, now=now, letter=version)
    ticket.answered_at = now
    ticket.answered_on = answered_on
    ticket.approved_by_id = actor.id
    ticket.on_time = on_time
    ticket.late_reason = late_reason if not on_time else None
    publish = calendar.compute(
        "publish", answered_on, ticket.kind, ticket.category_id, cal, regime=ticket.regime, counted_from="answer"
    )
    ticket.publish_due_date = publish.due
    calendar.set_basis(ticket, "publish", calendar.basis_of(publish))
    days_late = outcomes.days_late(ticket.due_date, answered_on, cal)
    approved(
        ticket,
        actor,
        target,
        now,
        lambda: _("Đã trả lời đúng hạn.") if on_time else _("Đã trả lời (quá hạn %(n)d ngày làm việc).", n=days_late),
        on_time=on_time,
        days_late=days_late,
        late_reason=ticket.late_reason,
    )
    # The answer letter: numbered, dated, stored; signed and mailed now, or once the office uploads it signed.
    doc = letters.issue(ticket, actor, now)
    number = letters.display_number(doc)
    if doc.status == "signed":
        return Outcome("approve", _("Đã duyệt; văn bản số %(n)s đã được ký số và gửi đến người gửi.", n=number))
    return Outcome(
        "approve",
        _(
            "Đã duyệt và phát hành văn bản số %(n)s; văn bản đang chờ ký số: tải về, ký bằng "
            "công cụ ký số của đơn vị rồi tải lên để gửi người gửi.",
            n=number,
        ),
    )


def approved(ticket: Ticket, actor: User, target: str, now: datetime, message, **details) -> None:
    """The approved draft becomes the answer: the ticket moves to `target` and closes, and the approval
    goes on the timeline (`message` and `details` as for `_event`)."""
    source = _move(ticket, target, now)
    ticket.answer = ticket.draft_answer
    ticket.closed_at = now
    _event(ticket, "approve", actor, source, now, message=message, **details)


def extend(ticket: Ticket, actor: User, due_date: str | date | None, reason: str | None, now: datetime) -> Outcome:
    """Extend the deadline: a unit head requests; a coordinator's or director's extension is approved at once."""
    check(ticket, actor, "extend")
    new_due = parse_date(due_date, "due_date")
    if new_due is None:
        raise ServiceError(_("Vui lòng chọn hạn mới."), 400, "due_date")
    if new_due <= ticket.due_date:
        raise ServiceError(
            _("Hạn mới phải sau hạn hiện tại %(due)s.", due=deadlines.fmt(ticket.due_date)), 400, "due_date"
        )
    if not calendar.work_calendar().is_working_day(new_due):
        raise ServiceError(_("%(d)s không phải ngày làm việc.", d=deadlines.fmt(new_due)), 400, "due_date")
    reason = _text(reason, "reason", max_length=2000, message=_("Vui lòng nêu lý do gia hạn."))
    if actor.role in (Role.COORDINATOR, Role.DIRECTOR):
        return _grant_extension(ticket, actor, new_due, reason, now, "extend", requested_by=None)
    ticket.pending_extension_date = new_due
    ticket.pending_extension_reason = reason
    ticket.pending_extension_by_id = actor.id
    ticket.updated_at = now
    # Only a request so far: the submitter learns of the extension when it is approved.
    _event(
        ticket,
        "extend",
        actor,
        ticket.state,
        now,
        public=False,
        message=lambda: _("Đề nghị gia hạn đến %(d)s. Lý do: %(r)s", d=deadlines.fmt(new_due), r=reason),
        requested_due_date=new_due.isoformat(),
        status="requested",
    )
    outbox.to_staff(ticket, "staff_extension_request", now, new_due=new_due, reason=reason, requester=actor)
    return Outcome(
        "extend",
        _("Đã gửi đề nghị gia hạn đến %(d)s; chờ Văn phòng Sở hoặc Lãnh đạo Sở duyệt.", d=deadlines.fmt(new_due)),
    )


def _grant_extension(
    ticket: Ticket, actor: User, new_due: date, reason: str, now: datetime, action: str, requested_by: int | None
) -> Outcome:
    old_due = ticket.due_date
    ticket.due_date = new_due
    calendar.set_basis(ticket, "answer", calendar.fixed_basis(new_due, "extension"))
    ticket.extension_count = (ticket.extension_count or 0) + 1
    ticket.pending_extension_date = None
    ticket.pending_extension_reason = None
    ticket.pending_extension_by_id = None
    _append_explanation(
        ticket,
        lambda: _(
            "Gia hạn từ %(old)s đến %(new)s. Lý do: %(reason)s",
            old=deadlines.fmt(old_due),
            new=deadlines.fmt(new_due),
            reason=reason,
        ),
    )
    ticket.updated_at = now
    _event(
        ticket,
        action,
        actor,
        ticket.state,
        now,
        message=lambda: _("Gia hạn giải quyết đến %(d)s. Lý do: %(r)s", d=deadlines.fmt(new_due), r=reason),
        old_due_date=old_due.isoformat(),
        due_date=new_due.isoformat(),
        requested_by=requested_by,
        status="approved",
    )
    outbox.to_submitter(ticket, "extension", _l("Thông báo gia hạn giải quyết"), now, old_due=old_due, reason=reason)
    return Outcome(action, _("Đã gia hạn đến %(d)s.", d=deadlines.fmt(new_due)))


def approve_extension(ticket: Ticket, actor: User, now: datetime) -> Outcome:
    """Approve a unit head's pending extension request."""
    check(ticket, actor, "approve_extension")
    if ticket.extension_count >= current_app.config["MAX_EXTENSIONS"]:
        raise TransitionError(_("Hồ sơ đã được gia hạn tối đa %(n)d lần.", n=current_app.config["MAX_EXTENSIONS"]), 409)
    requested = ticket.pending_extension_date
    assert requested is not None  # check() refuses the action without a pending request
    if requested <= ticket.due_date:
        # The due date moved past the request meanwhile (a pause ended): granting would shorten it.
        raise TransitionError(
            _(
                "Hạn đề nghị %(d)s không còn sau hạn hiện tại %(due)s; vui lòng không duyệt và đề nghị lại nếu cần.",
                d=deadlines.fmt(requested),
                due=deadlines.fmt(ticket.due_date),
            ),
            409,
        )
    return _grant_extension(
        ticket,
        actor,
        requested,
        ticket.pending_extension_reason or "",
        now,
        "approve_extension",
        requested_by=ticket.pending_extension_by_id,
    )


def reject_extension(ticket: Ticket, actor: User, now: datetime, *, reason: str | None = None) -> Outcome:
    """Reject a pending extension request; the due date stays."""
    check(ticket, actor, "reject_extension")
    reason = _text(reason, "reason", required=False, max_length=2000)
    requested = ticket.pending_extension_date
    assert requested is not None  # check() refuses the action without a pending request
    requester = db.session.get(User, ticket.pending_extension_by_id) if ticket.pending_extension_by_id else None
    ticket.pending_extension_date = None
    ticket.pending_extension_reason = None
    ticket.pending_extension_by_id = None
    ticket.updated_at = now
    _event(
        ticket,
        "reject_extension",
        actor,
        ticket.state,
        now,
        message=lambda: (
            _("Không duyệt gia hạn đến %(d)s.", d=deadlines.fmt(requested)) + (f" {reason}" if reason else "")
        ),
        requested_due_date=requested.isoformat(),
    )
    if requester is not None:
        outbox.to_staff(ticket, "staff_extension_rejected", now, person=requester, requested=requested, reason=reason)
    return Outcome("reject_extension", _("Đã không duyệt đề nghị gia hạn."))


def note(ticket: Ticket, actor: User, body: str | None, now: datetime) -> Outcome:
    """An internal note, never shown publicly."""
    check(ticket, actor, "note")
    body = _text(body, "body", message=_("Vui lòng nhập ghi chú."))
    ticket.updated_at = now  # bumps the version too: a note is a change of the record
    _event(ticket, "note", actor, ticket.state, now, public=False, message=body)
    return Outcome("note", _("Đã thêm ghi chú nội bộ."))


# ---------------------------------------------------------------- reading


def standing(ticket: Ticket, today: date, cal: deadlines.WorkCalendar) -> outcomes.Standing:
    """Where the ticket stands on `today`: the one verdict (domain/outcomes.py) every page shows."""
    return outcomes.standing(
        ticket.state, ticket.due_date, today, cal, answered_on=ticket.answered_on, on_time_flag=ticket.on_time
    )


def publish_explanation(ticket: Ticket, cal: deadlines.WorkCalendar) -> str | None:
    """Why the publication target is what it is (counted from the answer), in the page's language."""
    if ticket.answered_on is None or ticket.publish_due_date is None:
        return None
    entry = (ticket.deadline_basis or {}).get("publish")
    if entry and not entry.get("fixed"):
        rule = deadlines.Rule(int(entry["amount"]), entry["unit"], entry.get("basis", ""))
    else:
        rule = calendar.rule_for("publish", ticket.kind, ticket.category_id, ticket.regime)
    deadline = deadlines.due_date(ticket.answered_on, rule, cal, counted_from="answer")
    locale = language()
    text = deadline.explain("en" if locale == "en" else "vi")
    if deadline.due != ticket.publish_due_date:
        text += " " + _("Hạn đang áp dụng: %(d)s.", d=deadlines.fmt(ticket.publish_due_date))
    return text
