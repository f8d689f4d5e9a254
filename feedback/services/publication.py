"""Publishing answered tickets without personal data (DESIGN §7), and taking them down again."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext

from .. import search
from ..domain.contact import clean_text
from ..domain.redaction import find_personal_data, redact, strip_accents
from ..domain.states import State, TransitionError, next_state
from ..extensions import db
from ..models import Ticket, User
from . import ServiceError, calendar, outbox, timeline

TITLE_MAX = 300
SUMMARY_MAX = 10000
ANSWER_MAX = 20000


@dataclass
class PublicText:
    """The three texts the public sees."""

    title: str
    summary: str
    answer: str


def _protected_phrases(ticket: Ticket) -> tuple[list[str], list[str]]:
    """(person names, other phrases) that must not appear in public text for this ticket."""
    names = [ticket.name] if ticket.name else []
    phrases = [p for p in (ticket.address,) if p]
    if not ticket.consent_publish and ticket.organization:
        phrases.append(ticket.organization)
    return names, phrases


def prefill(ticket: Ticket) -> PublicText:
    """A redacted title, summary and answer for the publish form (the coordinator edits them)."""
    if ticket.public_title and ticket.public_answer:  # already published once: start from that text
        return PublicText(ticket.public_title, ticket.public_summary or "", ticket.public_answer)
    names, phrases = _protected_phrases(ticket)

    def mask(value: str | None) -> str:
        return redact(value or "", names=names, organisations=phrases)

    return PublicText(mask(ticket.title), mask(ticket.content), mask(ticket.answer))


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def personal_data_problems(ticket: Ticket, text: str) -> list[str]:
    """What personal data of this ticket (or anyone's contact numbers and emails) the text still holds."""
    problems: list[str] = []
    text = unicodedata.normalize("NFC", text)
    found = find_personal_data(text)
    if found:
        problems.append("thư điện tử, số điện thoại, mã số thuế hoặc số định danh: " + ", ".join(found))
    names, phrases = _protected_phrases(ticket)
    bare = redact(text)
    if names and redact(text, names=names) != bare:
        problems.append("họ tên người gửi")
    if ticket.address and redact(text, organisations=[ticket.address]) != bare:
        problems.append("địa chỉ người gửi")
    if not ticket.consent_publish and ticket.organization and \
            redact(text, organisations=[ticket.organization]) != bare:
        problems.append("tên doanh nghiệp, tổ chức (người gửi không đồng ý công khai)")
    folded = strip_accents(text).lower()
    if ticket.email and ticket.email.lower() in folded:
        problems.append("thư điện tử người gửi")
    digits = _digits(text)
    for value, label in ((ticket.phone, "số điện thoại người gửi"), (ticket.tax_code, "mã số thuế người gửi")):
        # The national significant number without its leading zero catches "+84 912 ..." too.
        needle = _digits(value or "").lstrip("0")
        if len(needle) >= 8 and needle in digits and label not in problems:
            problems.append(label)
    return problems


def _check_action(ticket: Ticket, action: str, actor: User) -> None:
    try:
        next_state(ticket.state, action, actor.role)
    except TransitionError as exc:
        if exc.status == 403:
            raise ServiceError("Chỉ Văn phòng Sở (điều phối) được công khai hoặc gỡ công khai kết quả.", 403) from None
        raise ServiceError("Chỉ công khai được phản ánh, kiến nghị đã được trả lời.", 409) from None


def _validate(title: str, summary: str, answer: str) -> PublicText:
    title = clean_text(title)
    summary = clean_text(summary, multiline=True)
    answer = clean_text(answer, multiline=True)
    if len(title) < 5 or len(title) > TITLE_MAX:
        raise ServiceError(f"Tiêu đề công khai cần từ 5 đến {TITLE_MAX} ký tự.", 400, "public_title")
    if len(summary) < 10 or len(summary) > SUMMARY_MAX:
        raise ServiceError(f"Tóm tắt nội dung cần từ 10 đến {SUMMARY_MAX} ký tự.", 400, "public_summary")
    if len(answer) < 10 or len(answer) > ANSWER_MAX:
        raise ServiceError(f"Nội dung trả lời công khai cần từ 10 đến {ANSWER_MAX} ký tự.", 400, "public_answer")
    return PublicText(title, summary, answer)


def publish(ticket: Ticket, actor: User, public_title: str, public_summary: str, public_answer: str,
            now: datetime) -> Ticket:
    """Publish (or re-publish with edited text) an answered ticket; email the submitter the first time.

    :raises ServiceError: 403 for a role other than coordinator, 409 when not answered, 400 when a
        text is missing or too long, or still holds personal data.
    """
    _check_action(ticket, "publish", actor)
    texts = _validate(public_title, public_summary, public_answer)
    for field, value in (("public_title", texts.title), ("public_summary", texts.summary),
                         ("public_answer", texts.answer)):
        problems = personal_data_problems(ticket, value)
        if problems:
            raise ServiceError("Nội dung công khai còn thông tin cá nhân (" + "; ".join(problems)
                               + "). Vui lòng che trước khi công khai.", 400, field)
    first_time = ticket.published_at is None
    ticket.public_title = texts.title
    ticket.public_summary = texts.summary
    ticket.public_answer = texts.answer
    ticket.search_text = search.search_text_for(ticket.code, texts.title, texts.summary, texts.answer)
    if first_time:
        ticket.published_at = now
    ticket.unpublished_at = None
    ticket.updated_at = now
    timeline.record(ticket, "publish", actor=actor, from_state=State.ANSWERED, to_state=State.ANSWERED,
                    public=True, now=now, edited=None if first_time else True)
    db.session.flush()
    search.sync(ticket)
    from .letters import store_public_copy

    store_public_copy(ticket)  # the letter's public copy follows the public text (issue 12)
    if first_time and ticket.email and ticket.anonymised_at is None:
        outbox.queue(
            "published", ticket.email,
            lambda: f"[{ticket.code}] " + gettext("Kết quả trả lời phản ánh, kiến nghị của Quý vị đã được công khai"),
            "published", ticket=ticket, locale=ticket.locale or "vi", now=now, result_url=result_url(ticket),
        )
    return ticket


def unpublish(ticket: Ticket, actor: User, reason: str, now: datetime) -> Ticket:
    """Take a published result down, with the reason on the (internal) timeline.

    :raises ServiceError: 403 for a role other than coordinator, 409 when not published, 400 without a reason.
    """
    _check_action(ticket, "unpublish", actor)
    if ticket.published_at is None:
        raise ServiceError("Kết quả này chưa được công khai.", 409)
    reason = clean_text(reason, multiline=True)
    if len(reason) < 5:
        raise ServiceError("Vui lòng nêu lý do gỡ công khai (ít nhất 5 ký tự).", 400, "reason")
    timeline.record(ticket, "unpublish", actor=actor, from_state=State.ANSWERED, to_state=State.ANSWERED,
                    public=False, message=reason[:2000], now=now,
                    published_at=ticket.published_at.isoformat())
    ticket.published_at = None
    ticket.unpublished_at = now
    ticket.search_text = None
    ticket.updated_at = now
    db.session.flush()
    search.sync(ticket)
    return ticket


def publish_due_date(answered_on: date, kind: str | None = None, category_id: int | None = None) -> date:
    """The publication target: the `publish` rule (default 2 working days) from the answer date."""
    return calendar.compute("publish", answered_on, kind, category_id).due


def result_url(ticket: Ticket) -> str:
    """The public address of a published result."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/results/{ticket.code}"
