"""Closing the loop (issue 14): rating an answer, reconsideration, the coordinator's quality gate, figures.

Use cases (flush, never commit; the view or command commits):
- `rate` — the submitter rates the answer in force (one rating per answer, changeable for a while);
- `request_review` — after a "dissatisfied" rating, the submitter asks for reconsideration: the
  ticket goes back to `in_progress` as review round n with its own due date (deadline rule
  "review"), to be drafted and approved by someone other than the approver of the answer reviewed;
- `reopen_review` — the coordinator reopens a ticket for reconsideration (beyond the submitter's one);
- `return_answer` — the coordinator sends an answered, unpublished answer back to the unit with a
  reason instead of publishing it (QĐ 31/2021/QĐ-TTg art. 46);
- `approve_rework` — approving the new draft of a reviewed or returned ticket (called by
  `workflow.approve`): the first answer's date and on-time verdict stay as they were; a review gets
  its own verdict (on time = approved on or before the review's due date) and the approver records
  whether the review changed the outcome.

Figures (`figures`) count, per unit and period: ratings given in the period (by the local date of
the first rating, whatever answer round they rate) and the share of each level; reviews requested
in the period and, of those, the ones whose approver marked "outcome changed"; answers returned to
the unit in the period. The report, the dashboard and the public statistics all read this one function.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from ..domain import deadlines
from ..domain import satisfaction as rules
from ..domain.states import LEVEL_LABELS, RATING_REASON_LABELS, State, TransitionError, label, localized_name
from ..extensions import db
from ..models import Category, Rating, Review, Ticket, TicketEvent, Unit, User
from ..timeutil import local_today
from . import ServiceError, calendar, language, outbox
from . import workflow as wf
from .reports import end_utc

MAX_COMMENT = 2000


def _refusal_message(code: str, **ctx) -> str:
    return {
        rules.NOT_ANSWERED: _("Hồ sơ hiện chưa có câu trả lời để đánh giá hoặc đang được xử lý lại."),
        rules.BAD_LEVEL: _("Vui lòng chọn một mức đánh giá: hài lòng, chấp nhận được hoặc không hài lòng."),
        rules.BAD_REASON: _("Lý do không hợp lệ."),
        rules.ALREADY_RATED: _(
            "Quý vị đã đánh giá câu trả lời này. Muốn thay đổi, vui lòng dùng biểu mẫu "
            "«Thay đổi đánh giá» trên trang theo dõi."
        ),
        rules.STALE: _(
            "Đánh giá này đã được gửi hoặc trang đã cũ. Vui lòng tải lại trang theo dõi để xem "
            "đánh giá hiện tại rồi thao tác lại."
        ),
        rules.RATING_CLOSED: _(
            "Đã hết thời hạn đánh giá câu trả lời (%(days)d ngày kể từ ngày trả lời).",
            days=current_app.config["RATING_OPEN_DAYS"],
        ),
        rules.CHANGE_CLOSED: _(
            "Đã hết thời hạn thay đổi đánh giá (%(days)d ngày kể từ ngày đánh giá).",
            days=current_app.config["RATING_CHANGE_DAYS"],
        ),
        rules.NOT_DISSATISFIED: _(
            "Chỉ có thể đề nghị xem xét lại sau khi đánh giá «Không hài lòng» với câu trả lời hiện tại."
        ),
        rules.REVIEW_CLOSED: _("Đã hết thời hạn đề nghị xem xét lại (đến hết ngày %(d)s).", d=ctx.get("until", "")),
        rules.NO_REVIEW_LEFT: _("Phản ánh này đã được xem xét lại; mỗi phản ánh chỉ được đề nghị xem xét lại một lần."),
        rules.SAME_APPROVER: _("Người đã duyệt câu trả lời trước không được xử lý, duyệt đề nghị xem xét lại."),
    }[code]


# ---------------------------------------------------------------- reading


def current_review(ticket: Ticket) -> Review | None:
    """The review whose answer is (or will be) in force, for a ticket reviewed at least once."""
    if not ticket.review_round:
        return None
    return db.session.execute(
        db.select(Review).where(Review.ticket_id == ticket.id, Review.round == ticket.review_round)
    ).scalar_one_or_none()


def reviews_of(ticket: Ticket) -> list[Review]:
    return list(
        db.session.execute(db.select(Review).where(Review.ticket_id == ticket.id).order_by(Review.round)).scalars()
    )


def answer_in_force(ticket: Ticket) -> tuple[date | None, int | None]:
    """(local date, approver id) of the answer in force: the first answer or the latest review's."""
    review = current_review(ticket)
    if review is not None:
        return review.answered_on, review.approved_by_id
    return ticket.answered_on, ticket.approved_by_id


def rating_of(ticket: Ticket, round_: int | None = None) -> Rating | None:
    """The submitter's rating of an answer round (default: the answer in force)."""
    round_ = ticket.review_round if round_ is None else round_
    return db.session.execute(
        db.select(Rating).where(Rating.ticket_id == ticket.id, Rating.round == round_)
    ).scalar_one_or_none()


def ratings_of(ticket: Ticket) -> list[Rating]:
    return list(
        db.session.execute(db.select(Rating).where(Rating.ticket_id == ticket.id).order_by(Rating.round)).scalars()
    )


def _facts(ticket: Ticket, rating: Rating | None) -> rules.RatingFacts:
    answered_on, _approver = answer_in_force(ticket)
    return rules.RatingFacts(
        answered=ticket.state == State.ANSWERED and answered_on is not None,
        answered_on=answered_on,
        rated_on=rating.rated_on if rating else None,
        revision=rating.revision if rating else None,
    )


def review_request_until(ticket: Ticket) -> date | None:
    """The last day to ask for reconsideration of the answer in force (deadline rule "review_request")."""
    answered_on, _approver = answer_in_force(ticket)
    if answered_on is None:
        return None
    return calendar.compute("review_request", answered_on, ticket.kind, ticket.category_id).due


def submitter_asked_reviews(ticket_id):
    """How many reconsiderations the submitter asked for (an expression: a ticket id or its column)."""
    return db.select(func.count(Review.id)).where(Review.ticket_id == ticket_id, Review.requested_by_id.is_(None))


def submitter_reviews_left(ticket: Ticket, asked: int | None = None) -> int:
    """How many more reconsiderations the submitter may ask for (`asked`: the count, when already read)."""
    if asked is None:
        asked = db.session.execute(submitter_asked_reviews(ticket.id)).scalar_one()
    return max(0, current_app.config["REVIEW_MAX"] - int(asked))


@dataclass
class TrackingState:
    """What the tracking page offers about rating and reconsideration."""

    rating: Rating | None
    can_rate: bool
    rate_until: date | None
    can_review: bool
    review_until: date | None
    review: Review | None  # the review in force (open or answered)
    past_ratings: list[Rating]


def tracking_state(
    ticket: Ticket, today: date, *, ratings: list[Rating] | None = None, asked: int | None = None
) -> TrackingState:
    """The rating and review section of the tracking page, from the same rules as the use cases.

    `ratings` (every round's) and `asked` (the reconsiderations the submitter asked for) are read here
    unless the caller already has them."""
    cfg = current_app.config
    all_ratings = ratings_of(ticket) if ratings is None else ratings
    rating = next((r for r in all_ratings if r.round == ticket.review_round), None)
    facts = _facts(ticket, rating)
    expected = rating.revision if rating else None
    can_rate = (
        rules.rating_refusal(
            facts,
            rules.SATISFIED,
            expected,
            today,
            open_days=cfg["RATING_OPEN_DAYS"],
            change_days=cfg["RATING_CHANGE_DAYS"],
        )
        is None
    )
    until = review_request_until(ticket) if facts.answered else None
    can_review = (
        rules.review_refusal(
            answered=facts.answered,
            level=rating.level if rating else None,
            request_until=until,
            reviews_left=submitter_reviews_left(ticket, asked),
            today=today,
        )
        is None
    )
    past = [r for r in all_ratings if r.round != ticket.review_round]
    return TrackingState(
        rating,
        can_rate,
        rules.rating_open_until(facts, open_days=cfg["RATING_OPEN_DAYS"], change_days=cfg["RATING_CHANGE_DAYS"]),
        can_review,
        until,
        current_review(ticket),
        past,
    )


# ---------------------------------------------------------------- the submitter's rating


def parse_revision(value) -> int | None:
    """The hidden `revision` of a rating form: None for a first rating; garbage counts as stale (-1)."""
    text = (value or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() else -1


def _comment(value: str | None) -> str | None:
    text = wf._text(value, "comment", required=False, max_length=MAX_COMMENT)
    return text


def rate(
    ticket: Ticket,
    level: str | None,
    reasons,
    comment: str | None,
    now: datetime,
    *,
    expected_revision: int | None = None,
):
    """Record (or change) the submitter's rating of the answer in force.

    :raises TransitionError: 409 when the ticket, the window or the form's revision does not allow it.
    :raises ServiceError: 400 for an unknown level or reason, or a comment too long.
    """
    cfg = current_app.config
    level = (level or "").strip()
    rating = rating_of(ticket)
    facts = _facts(ticket, rating)
    today = local_today(now)
    refusal = rules.rating_refusal(
        facts,
        level if level in rules.LEVELS else rules.SATISFIED,
        expected_revision,
        today,
        open_days=cfg["RATING_OPEN_DAYS"],
        change_days=cfg["RATING_CHANGE_DAYS"],
    )
    if refusal is not None:
        raise TransitionError(_refusal_message(refusal), 409)
    if level not in rules.LEVELS:
        raise ServiceError(_refusal_message(rules.BAD_LEVEL), 400, "level")
    codes, bad = rules.clean_reasons(reasons or [])
    if bad:
        raise ServiceError(_refusal_message(bad), 400, "reasons")
    comment = _comment(comment)
    changed = rating is not None
    if rating is None:
        rating = Rating(
            ticket_id=ticket.id,
            round=ticket.review_round,
            level=level,
            reasons=codes,
            comment=comment,
            revision=1,
            rated_on=today,
            created_at=now,
            updated_at=now,
        )
        db.session.add(rating)
    else:
        rating.level, rating.reasons, rating.comment = level, codes, comment
        rating.revision += 1
        rating.updated_at = now
    ticket.updated_at = now  # bumps the ticket's version: two tabs posting at once cannot both win
    # Internal event: the rating is personal data, never on a public page; the level is for staff.
    wf._event(
        ticket,
        "rate",
        None,
        ticket.state,
        now,
        public=False,
        actor_label="submitter",
        message=lambda: _("Người gửi đánh giá: %(level)s.", level=level_label(level)),
        level=level,
        reasons=codes,
        round=ticket.review_round,
        changed=changed,
    )
    db.session.flush()
    if changed:
        return wf.Outcome("rate", _("Đã cập nhật đánh giá của Quý vị. Xin cảm ơn."))
    return wf.Outcome("rate", _("Đã ghi nhận đánh giá của Quý vị. Xin cảm ơn."))


def level_label(level: str, locale: str | None = None) -> str:
    """A rating level's label in `locale` (default: the language in force)."""
    return label(LEVEL_LABELS, level, locale or language())


def reason_label(code: str, locale: str | None = None) -> str:
    """A rating reason's label in `locale` (default: the language in force)."""
    return label(RATING_REASON_LABELS, code, locale or language())


# ---------------------------------------------------------------- reconsideration


def request_review(ticket: Ticket, reasons, comment: str | None, now: datetime) -> wf.Outcome:
    """The submitter asks for reconsideration of the answer in force (after a dissatisfied rating).

    :raises TransitionError: 409 outside the period, without a dissatisfied rating, or when no review is left.
    :raises ServiceError: 400 for an unknown reason, or when neither a reason nor a comment is given.
    """
    today = local_today(now)
    open_review = current_review(ticket)
    if open_review is not None and open_review.answered_on is None:  # a second click, a replayed form
        raise TransitionError(
            _(
                "Sở đã tiếp nhận đề nghị xem xét lại ngày %(d)s và đang xử lý (hạn %(due)s).",
                d=deadlines.fmt(open_review.requested_on),
                due=deadlines.fmt(open_review.due_date),
            ),
            409,
        )
    rating = rating_of(ticket)
    facts = _facts(ticket, rating)
    until = review_request_until(ticket) if facts.answered else None
    refusal = rules.review_refusal(
        answered=facts.answered,
        level=rating.level if rating else None,
        request_until=until,
        reviews_left=submitter_reviews_left(ticket),
        today=today,
    )
    if refusal is not None:
        raise TransitionError(_refusal_message(refusal, until=deadlines.fmt(until) if until else ""), 409)
    codes, bad = rules.clean_reasons(reasons or [])
    if bad:
        raise ServiceError(_refusal_message(bad), 400, "reasons")
    comment = _comment(comment)
    assert rating is not None  # review_refusal() refuses without a dissatisfied rating
    if not codes and not comment:
        codes = list(rating.reasons or [])
    if not codes and not comment:
        raise ServiceError(_("Vui lòng nêu lý do đề nghị xem xét lại."), 400, "comment")
    return _open_review(ticket, None, codes, comment, now)


def reopen_review(ticket: Ticket, actor: User, comment: str | None, now: datetime) -> wf.Outcome:
    """The coordinator reopens an answered ticket for reconsideration (beyond the submitter's one)."""
    wf.check(ticket, actor, "reopen_review")
    comment = wf._text(
        comment, "comment", max_length=MAX_COMMENT, message=_("Vui lòng nêu lý do mở lại để xem xét lại.")
    )
    return _open_review(ticket, actor, [], comment, now)


def _open_review(
    ticket: Ticket, actor: User | None, codes: list[str], comment: str | None, now: datetime
) -> wf.Outcome:
    action = "request_review" if actor is None else "reopen_review"
    cal = calendar.work_calendar()
    requested_on = calendar.receipt_date(now, cal)
    deadline = calendar.compute("review", requested_on, ticket.kind, ticket.category_id, cal)
    answered_on, approver_id = answer_in_force(ticket)
    review = Review(
        ticket_id=ticket.id,
        round=ticket.review_round + 1,
        requested_at=now,
        requested_on=requested_on,
        requested_by_id=actor.id if actor else None,
        reasons=codes,
        comment=comment,
        due_date=deadline.due,
        due_explanation=deadline.explain("vi"),
        due_explanation_en=deadline.explain("en"),
        original_due_date=ticket.due_date,
        original_approver_id=approver_id,
        previous_answer=ticket.answer,
        previous_answered_on=answered_on,
    )
    db.session.add(review)
    source = wf._move(ticket, State.IN_PROGRESS, now)
    ticket.review_round = review.round
    # The review's own due date drives the queue, the reminders and the page while it is open; the
    # first answer's due date comes back when the review is answered (its verdict is kept apart).
    ticket.due_date = deadline.due
    ticket.closed_at = None
    if ticket.assignee_id is not None and ticket.assignee_id == approver_id:
        ticket.assignee_id = None  # the approver of the answer reviewed may not handle the review

    def message() -> str:
        text = _("Đề nghị xem xét lại câu trả lời; hạn giải quyết %(due)s.", due=deadlines.fmt(deadline.due))
        if codes:
            text += " " + _("Lý do: %(r)s.", r="; ".join(reason_label(c) for c in codes))
        return text  # the submitter's own words stay on the review row (tracking page, staff page)

    wf._event(
        ticket,
        action,
        actor,
        source,
        now,
        message=message,
        actor_label="" if actor else "submitter",
        round=review.round,
        reasons=codes,
        due_date=deadline.due.isoformat(),
    )
    db.session.flush()
    outbox.to_submitter(
        ticket, "review_requested", _l("Tiếp nhận đề nghị xem xét lại"), now, review=review, reasons=codes
    )
    outbox.to_staff(ticket, "staff_review_requested", now, review=review, reasons=codes, comment=comment)
    if actor is None:
        return wf.Outcome(
            action, _("Đã gửi đề nghị xem xét lại. Sở sẽ trả lời trước ngày %(d)s.", d=deadlines.fmt(deadline.due))
        )
    return wf.Outcome(action, _("Đã mở lại hồ sơ để xem xét lại; hạn giải quyết %(d)s.", d=deadlines.fmt(deadline.due)))


def review_handler_refusal(ticket: Ticket, actor: User, action: str) -> str | None:
    """Why `actor` may not draft or approve the answer of the open review (the original approver), or None."""
    review = current_review(ticket)
    if review is None or review.answered_on is not None or action not in ("answer", "approve"):
        return None
    if rules.may_handle_review(actor.id, review.original_approver_id):
        return None
    return _refusal_message(rules.SAME_APPROVER)


def _flag(value) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "y", "yes")


def approve_rework(
    ticket: Ticket, actor: User, now: datetime, *, late_reason: str | None = None, outcome_changed=None
) -> wf.Outcome:
    """Approve the new answer of a reviewed or returned ticket (the caller has checked the action)."""
    review = current_review(ticket)
    answered_on = local_today(now)
    if review is not None and review.answered_on is None:
        refusal = review_handler_refusal(ticket, actor, "approve")
        if refusal:
            raise TransitionError(refusal, 403)
        # The review's due date in force: ticket.due_date while the review is open (an extension or a
        # pause for information moves it, as for a first answer).
        review.due_date = ticket.due_date
        on_time = rules.review_on_time(answered_on, review.due_date)
        late_reason = wf._text(
            late_reason,
            "late_reason",
            required=not on_time,
            max_length=2000,
            message=_(
                "Đề nghị xem xét lại đã quá hạn %(due)s: vui lòng nêu lý do trả lời muộn.",
                due=deadlines.fmt(review.due_date),
            ),
        )
        cal = calendar.work_calendar()
        days_late = deadlines.working_days_late(review.due_date, answered_on, cal) if not on_time else 0
        ticket.due_date = review.original_due_date
        review.answered_at, review.answered_on, review.approved_by_id = now, answered_on, actor.id
        review.on_time = on_time
        review.late_reason = late_reason if not on_time else None
        review.outcome_changed = _flag(outcome_changed)
        wf.approved(
            ticket,
            actor,
            State.ANSWERED,
            now,
            lambda: (
                _("Đã trả lời đề nghị xem xét lại (đúng hạn).")
                if on_time
                else _("Đã trả lời đề nghị xem xét lại (quá hạn %(n)d ngày làm việc).", n=days_late)
            ),
            review_round=review.round,
            review_on_time=on_time,
            days_late=days_late,
            outcome_changed=review.outcome_changed,
            late_reason=review.late_reason,
        )
        outbox.to_submitter(ticket, "review_answer", _l("Trả lời đề nghị xem xét lại"), now, review=review)
        return wf.Outcome("approve", _("Đã duyệt; câu trả lời xem xét lại được gửi đến người gửi."))
    # A returned answer, corrected: the submitter receives the corrected text; the dates stay.
    wf.approved(ticket, actor, State.ANSWERED, now, lambda: _("Đã duyệt câu trả lời đã chỉnh sửa."), reworked=True)
    outbox.to_submitter(ticket, "answer_revised", _l("Câu trả lời đã được bổ sung, chỉnh sửa"), now)
    return wf.Outcome("approve", _("Đã duyệt; câu trả lời đã chỉnh sửa được gửi đến người gửi."))


# ---------------------------------------------------------------- the quality gate


def return_answer(ticket: Ticket, actor: User, comment: str | None, now: datetime) -> wf.Outcome:
    """The coordinator returns an answered, unpublished answer to the unit with a reason."""
    target = wf.check(ticket, actor, "return_answer")  # refuses a published answer too (409)
    comment = wf._text(
        comment,
        "comment",
        max_length=MAX_COMMENT,
        message=_("Vui lòng nêu lý do trả lại (ví dụ: chưa trả lời đúng nội dung)."),
    )
    source = wf._move(ticket, target, now)
    ticket.closed_at = None
    ticket.draft_answer = ticket.answer
    wf._event(ticket, "return_answer", actor, source, now, public=False, message=comment, unit_id=ticket.unit_id)
    outbox.to_staff(ticket, "staff_answer_returned", now, comment=comment, reviewer=actor)
    return wf.Outcome("return_answer", _("Đã trả lại câu trả lời cho đơn vị xử lý."))


# ---------------------------------------------------------------- figures


@dataclass
class SatRow:
    """Satisfaction figures of one unit (or the total) in a period."""

    key: int | None
    label: str
    levels: Counter[str] = field(default_factory=Counter)  # level -> ratings
    reviews_requested: int = 0
    reviews_changed: int = 0
    returns: int = 0

    def add(self, other: SatRow) -> None:
        """Add another row's figures to this one's (the total)."""
        self.levels.update(other.levels)
        self.reviews_requested += other.reviews_requested
        self.reviews_changed += other.reviews_changed
        self.returns += other.returns

    @property
    def ratings(self) -> int:
        return sum(self.levels[lv] for lv in rules.LEVELS)

    def share(self, level: str) -> float | None:
        return rules.shares(self.levels)[level]

    # The count of each level, by its name (the columns of figure_columns()).
    @property
    def satisfied(self) -> int:
        return self.levels[rules.SATISFIED]

    @property
    def acceptable(self) -> int:
        return self.levels[rules.ACCEPTABLE]

    @property
    def dissatisfied(self) -> int:
        return self.levels[rules.DISSATISFIED]

    @property
    def satisfied_share(self) -> float | None:
        return self.share(rules.SATISFIED)

    @property
    def acceptable_share(self) -> float | None:
        return self.share(rules.ACCEPTABLE)

    @property
    def dissatisfied_share(self) -> float | None:
        return self.share(rules.DISSATISFIED)

    @property
    def enough_for_public(self) -> bool:
        return self.ratings >= rules.MIN_PUBLIC_RATINGS


@dataclass
class Satisfaction:
    start: date
    end: date
    total: SatRow
    units: list[SatRow] = field(default_factory=list)


def figures(start: date, end: date, *, where=(), locale: str | None = None) -> Satisfaction:
    """The satisfaction figures of [start, end] (local dates) per unit, unit names in `locale`
    (default: the language in force); `where` narrows the tickets."""
    locale = locale or language()
    units = list(db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars())
    rows: dict[int | None, SatRow] = {u.id: SatRow(u.id, localized_name(u, locale)) for u in units}

    def row(key) -> SatRow:
        if key not in rows:
            rows[key] = SatRow(key, _("Chưa chuyển đơn vị"))
        return rows[key]

    for unit_id, level, n in db.session.execute(
        db.select(Ticket.unit_id, Rating.level, func.count(Rating.id))
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(Rating.rated_on >= start, Rating.rated_on <= end, *where)
        .group_by(Ticket.unit_id, Rating.level)
    ):
        if level in rules.LEVELS:
            row(unit_id).levels[level] += int(n)
    changed = func.coalesce(func.sum(db.case((Review.outcome_changed.is_(True), 1), else_=0)), 0)
    for unit_id, n, n_changed in db.session.execute(
        db.select(Ticket.unit_id, func.count(Review.id), changed)
        .join(Ticket, Ticket.id == Review.ticket_id)
        .where(Review.requested_on >= start, Review.requested_on <= end, *where)
        .group_by(Ticket.unit_id)
    ):
        row(unit_id).reviews_requested += int(n)
        row(unit_id).reviews_changed += int(n_changed)
    lo, hi = end_utc(start - timedelta(days=1)), end_utc(end)
    for unit_id, n in db.session.execute(
        db.select(Ticket.unit_id, func.count(TicketEvent.id))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action == "return_answer", TicketEvent.at >= lo, TicketEvent.at < hi, *where)
        .group_by(Ticket.unit_id)
    ):
        row(unit_id).returns += int(n)
    inactive = {u.id for u in units if not u.active}
    shown = [
        r
        for r in rows.values()
        if (r.ratings or r.reviews_requested or r.returns) or (r.key is not None and r.key not in inactive)
    ]
    total = SatRow(None, _("Tổng số"))
    for r in shown:
        total.add(r)
    return Satisfaction(start, end, total, shown)


def figure_columns() -> list[tuple[str, str]]:
    """(attribute, header) of the satisfaction figures of a unit row (reports page, XLSX, CSV)."""
    return [
        ("ratings", _("Số đánh giá")),
        ("satisfied", _("Hài lòng")),
        ("satisfied_share", _("Tỷ lệ hài lòng (%)")),
        ("acceptable", _("Chấp nhận được")),
        ("acceptable_share", _("Tỷ lệ chấp nhận được (%)")),
        ("dissatisfied", _("Không hài lòng")),
        ("dissatisfied_share", _("Tỷ lệ không hài lòng (%)")),
        ("reviews_requested", _("Đề nghị xem xét lại")),
        ("reviews_changed", _("Xem xét lại thay đổi kết quả")),
        ("returns", _("Trả lại trước khi công khai")),
    ]


# ---------------------------------------------------------------- survey export (national portal)

# Columns of the per-answer survey export, in order (documented in README "Satisfaction ...").
EXPORT_COLUMNS = (
    "ticket_code",
    "kind",
    "category_code",
    "unit_code",
    "received_on",
    "answer_round",
    "answered_on",
    "answer_on_time",
    "level",
    "reasons",
    "rated_on",
    "rating_changed",
    "review_requested",
    "review_outcome_changed",
)


def export_rows(start: date, end: date, *, where=()) -> list[dict]:
    """One row per rating given in [start, end]: survey facts only, no personal field, no comment."""
    stmt = (
        db.select(
            Rating,
            Ticket.code,
            Ticket.kind,
            Category.code,
            Unit.code,
            Ticket.received_on,
            Ticket.answered_on,
            Ticket.on_time,
            Ticket.id,
        )
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .join(Category, Category.id == Ticket.category_id)
        .outerjoin(Unit, Unit.id == Ticket.unit_id)
        .where(Rating.rated_on >= start, Rating.rated_on <= end, *where)
        .order_by(Rating.rated_on, Ticket.code, Rating.round)
    )
    found = list(db.session.execute(stmt))
    ids = {r[8] for r in found}
    reviews = (
        {
            (v.ticket_id, v.round): v
            for v in db.session.execute(db.select(Review).where(Review.ticket_id.in_(ids))).scalars()
        }
        if ids
        else {}
    )
    out = []
    for rating, code, kind, category, unit, received_on, answered_on, on_time, ticket_id in found:
        rated = reviews.get((ticket_id, rating.round))  # the review whose answer was rated (round > 0)
        following = reviews.get((ticket_id, rating.round + 1))  # a review asked after this rating
        out.append(
            {
                "ticket_code": code,
                "kind": kind,
                "category_code": category,
                "unit_code": unit or "",
                "received_on": received_on.isoformat(),
                "answer_round": rating.round,
                "answered_on": (rated.answered_on if rated else answered_on).isoformat()
                if (rated.answered_on if rated else answered_on)
                else "",
                "answer_on_time": (rated.on_time if rated else on_time),
                "level": rating.level,
                "reasons": ";".join(rating.reasons or []),
                "rated_on": rating.rated_on.isoformat(),
                "rating_changed": rating.revision > 1,
                "review_requested": following is not None,
                "review_outcome_changed": following.outcome_changed if following is not None else None,
            }
        )
    return out


def export_csv(rows: list[dict]) -> bytes:
    """The survey export as CSV (UTF-8 with BOM; booleans 1/0, unknown empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow(
            ["" if r[c] is None else (int(r[c]) if isinstance(r[c], bool) else r[c]) for c in EXPORT_COLUMNS]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_json(rows: list[dict], start: date, end: date) -> bytes:
    """The survey export as JSON: the period, the column list and the rows."""
    doc = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "columns": list(EXPORT_COLUMNS),
        "count": len(rows),
        "ratings": rows,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass
class StaffSummary:
    """Ratings and reviews of a ticket for its staff page."""

    ratings: list[Rating]
    reviews: list[Review]
    open_review: Review | None
    original_approvers: dict[int, str]


def staff_summary(ticket: Ticket) -> StaffSummary:
    reviews = reviews_of(ticket)
    ids = {v.original_approver_id for v in reviews if v.original_approver_id}
    names = {u.id: u.name for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    current = reviews[-1] if reviews and reviews[-1].round == ticket.review_round else None
    return StaffSummary(
        ratings_of(ticket),
        reviews,
        current if current and current.answered_on is None else None,
        {v.round: names.get(v.original_approver_id, "") for v in reviews},
    )
