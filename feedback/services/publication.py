"""Publishing answered tickets without personal data (DESIGN §7), and taking them down again."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..db import search
from ..domain import personal_data
from ..domain.contact import clean_text
from ..domain.personal_data import Finding, fold_key
from ..domain.redaction import strip_accents
from ..domain.states import PERSONAL_DATA_LABELS, State, TransitionError, next_state
from ..extensions import db
from ..models import PrivacyRequest, Ticket, User
from . import ServiceError, outbox, timeline
from .admin import audit

TITLE_MAX = 300
SUMMARY_MAX = 10000
ANSWER_MAX = 20000


@dataclass
class PublicText:
    """The three texts the public sees."""

    title: str
    summary: str
    answer: str


MASK = "***"


def _known(ticket: Ticket) -> tuple[list[str], list[str], list[str]]:
    """(person names, other personal phrases, organisations) of this ticket's submitter."""
    marker = "[đã ẩn danh]"
    names = [ticket.name] if ticket.name and ticket.name != marker else []
    phrases = [p for p in (ticket.address,) if p and p != marker]
    organisations = []
    if not ticket.consent_publish and ticket.organization and ticket.organization != marker:
        organisations.append(ticket.organization)
    return names, phrases, organisations


def kept_keys(ticket: Ticket) -> set[str]:
    """The folded texts the coordinator has judged not personal for this ticket."""
    return {fold_key(k.get("text", "")) for k in (ticket.privacy_kept or [])}


@lru_cache(maxsize=64)
def _detect(
    text: str,
    names: tuple[str, ...],
    phrases: tuple[str, ...],
    organisations: tuple[str, ...],
    numbers: tuple[tuple[str, str], ...] = (),
):
    # The publish page asks about the same three texts several times (problems, highlights, the
    # keep form): detection is pure, so its answers are kept for the next question.
    return tuple(personal_data.detect(text, names=names, phrases=phrases, organisations=organisations, numbers=numbers))


def findings(ticket: Ticket, text: str) -> list[Finding]:
    """Everything personal the detector finds in the text, the submitter's own details included (their
    phone and tax code also where the words around them would say a company's or a document's)."""
    names, phrases, organisations = _known(ticket)
    numbers = tuple((value, kind) for value, kind in ((ticket.phone, "phone"), (ticket.tax_code, "id")) if value)
    return list(_detect(text or "", tuple(names), tuple(phrases), tuple(organisations), numbers))


def remaining(ticket: Ticket, text: str) -> list[Finding]:
    """The findings the coordinator has not marked as not personal."""
    kept = kept_keys(ticket)
    return [f for f in findings(ticket, text) if fold_key(f.text) not in kept]


def redact_for(ticket: Ticket, text: str | None) -> str:
    """The text with every finding masked, except the spans marked not personal.

    Masking shortens the text, and a rule may read the shorter text differently (two sentences
    that were read apart now read together): the masked text is read again until nothing is left,
    so what the pre-fill proposes always passes the publish guard.
    """
    text = text or ""
    keep = [k.get("text", "") for k in ticket.privacy_kept or []]
    for _round in range(3):
        masked = personal_data.mask(text, findings(ticket, text), keep=keep, token=MASK)
        if masked == text:
            break
        text = masked
    return text


def prefill(ticket: Ticket) -> PublicText:
    """A redacted title, summary and answer for the publish form (the coordinator edits them)."""
    if ticket.public_title and ticket.public_answer:  # already published once: start from that text
        return PublicText(ticket.public_title, ticket.public_summary or "", ticket.public_answer)
    return PublicText(
        redact_for(ticket, ticket.title), redact_for(ticket, ticket.content), redact_for(ticket, ticket.answer)
    )


def highlight(ticket: Ticket, text: str) -> list[tuple[str, str]]:
    """The text cut into (segment, class) pairs for the preview: "masked" for each mask, "kept" for
    spans marked not personal, "found" for personal data still there, "" for the rest."""
    kept = kept_keys(ticket)
    marks: list[tuple[int, int, str]] = []
    for f in findings(ticket, text):
        marks.append((f.start, f.end, "kept" if fold_key(f.text) in kept else "found"))
    position = 0
    while (index := text.find(MASK, position)) >= 0:
        marks.append((index, index + len(MASK), "masked"))
        position = index + len(MASK)
    segments: list[tuple[str, str]] = []
    position = 0
    for start, end, cls in sorted(marks):
        if start < position:
            continue
        segments.append((text[position:start], ""))
        segments.append((text[start:end], cls))
        position = end
    segments.append((text[position:], ""))
    return [seg for seg in segments if seg[0]]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def personal_data_problems(ticket: Ticket, text: str) -> list[str]:
    """What personal data (of the submitter or anyone else) the text still holds, by kind and value."""
    problems: list[str] = []
    text = unicodedata.normalize("NFC", text)
    by_kind: dict[str, list[str]] = {}
    for f in remaining(ticket, text):
        by_kind.setdefault(f.kind, []).append(f.text)
    for kind, values in by_kind.items():
        problems.append(
            f"{PERSONAL_DATA_LABELS[kind].vi if kind in PERSONAL_DATA_LABELS else kind}: "
            + ", ".join(dict.fromkeys(values))
        )
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


def keep_span(
    ticket: Ticket, actor: User, text: str, reason: str, now: datetime, drafts: tuple[str, ...] = ()
) -> Ticket:
    """Record the coordinator's judgement that a detected span is not personal data (who, why, when).

    :raises ServiceError: 403 for a role other than coordinator, 400 without a text found in the
        ticket's texts or without a reason.
    """
    if actor.role != "coordinator":
        raise ServiceError(_("Chỉ Văn phòng Sở (điều phối) được xác nhận một đoạn không phải thông tin cá nhân."), 403)
    text = clean_text(text)
    reason = clean_text(reason, multiline=True)
    if not text:
        raise ServiceError(_("Vui lòng chọn đoạn văn bản cần giữ lại."), 400, "keep_text")
    if len(reason) < 5:
        raise ServiceError(
            _("Vui lòng nêu lý do đoạn này không phải thông tin cá nhân (ít nhất 5 ký tự)."), 400, "keep_reason"
        )
    key = fold_key(text)
    # The span must be one the detector found: in the ticket's texts or the form's current drafts.
    own = (ticket.title, ticket.content, ticket.answer)
    public = (ticket.public_title, ticket.public_summary, ticket.public_answer)
    sources = (*own, *public, *drafts)
    detected = {fold_key(f.text): f for source in sources if source for f in findings(ticket, source)}
    if key not in detected:
        raise ServiceError(
            _("Đoạn này không nằm trong các đoạn được phát hiện là thông tin cá nhân."), 400, "keep_text"
        )
    if detected[key].kind == "organisation" or any(
        key == fold_key(v) for v in (ticket.name, ticket.email, ticket.phone, ticket.address, ticket.tax_code) if v
    ):
        raise ServiceError(
            _("Thông tin của chính người gửi không thể được đánh dấu là không phải thông tin cá nhân."),
            400,
            "keep_text",
        )
    if key in kept_keys(ticket):
        return ticket
    entry = {
        "text": detected[key].text,
        "kind": detected[key].kind,
        "reason": reason[:500],
        "by": actor.email,
        "by_id": actor.id,
        "at": now.isoformat(timespec="seconds"),
    }
    ticket.privacy_kept = [*(ticket.privacy_kept or []), entry]
    ticket.updated_at = now
    timeline.record(
        ticket,
        "privacy_keep",
        actor=actor,
        public=False,
        now=now,
        message=f'Giữ lại "{entry["text"]}" (không phải thông tin cá nhân): {entry["reason"]}',
    )
    audit(
        actor,
        "ticket",
        ticket.code,
        "privacy_keep",
        now=now,
        text=entry["text"],
        kind=entry["kind"],
        reason=entry["reason"],
    )
    db.session.flush()
    return ticket


def rerender_without_consent(ticket: Ticket, now: datetime) -> None:
    """After consent to publication is withdrawn: take the result down at once and re-redact its
    stored public texts (organisation masked), so that the office may only re-publish, deliberately
    and through the guard, a copy with nothing of the submitter in it."""
    if ticket.public_title or ticket.public_summary or ticket.public_answer:
        ticket.public_title = redact_for(ticket, ticket.public_title) or None
        ticket.public_summary = redact_for(ticket, ticket.public_summary) or None
        ticket.public_answer = redact_for(ticket, ticket.public_answer) or None
    take_down(ticket, now, "Người gửi rút lại sự đồng ý công khai: kết quả đã được gỡ công khai ngay.")


def take_down(ticket: Ticket, now: datetime, message: str) -> None:
    """Take a published result down at once on the submitter's word (no coordinator decision):
    gone from the results, the feed, the CSV, Open311 and search in the same transaction."""
    if ticket.published_at is None:
        ticket.updated_at = now
        db.session.flush()
        return
    _withdraw(ticket, None, message, now)


def _withdraw(ticket: Ticket, actor: User | None, message: str, now: datetime) -> None:
    """Take the published result down (the system's doing when `actor` is None), with `message` on
    the internal timeline."""
    assert ticket.published_at is not None
    timeline.record(
        ticket,
        "unpublish",
        actor=actor,
        actor_label="" if actor else "system",
        from_state=State.ANSWERED,
        to_state=State.ANSWERED,
        public=False,
        message=message,
        now=now,
        published_at=ticket.published_at.isoformat(),
    )
    ticket.published_at = None
    ticket.unpublished_at = now
    ticket.search_text = None
    ticket.updated_at = now
    db.session.flush()
    search.sync(ticket)


def restricted(ticket: Ticket) -> bool:
    """Whether the submitter has asked to restrict the processing of their data: granted, or asked
    and not yet decided. A restricted ticket is kept and answered, but never published nor part
    of the open data (results, feed, CSV, Open311)."""
    if ticket.processing_restricted_at is not None:
        return True
    return (
        db.session.execute(
            db.select(PrivacyRequest.id)
            .where(
                PrivacyRequest.ticket_id == ticket.id,
                PrivacyRequest.kind == "restrict",
                PrivacyRequest.state.in_(("received", "acknowledged")),
            )
            .limit(1)
        ).first()
        is not None
    )


def _check_action(ticket: Ticket, action: str, actor: User) -> None:
    try:
        next_state(ticket.state, action, actor.role)
    except TransitionError as exc:
        if exc.status == 403:
            raise ServiceError(
                _("Chỉ Văn phòng Sở (điều phối) được công khai hoặc gỡ công khai kết quả."), 403
            ) from None
        raise ServiceError(_("Chỉ công khai được phản ánh, kiến nghị đã được trả lời."), 409) from None


def _validate(title: str, summary: str, answer: str) -> PublicText:
    title = clean_text(title)
    summary = clean_text(summary, multiline=True)
    answer = clean_text(answer, multiline=True)
    if len(title) < 5 or len(title) > TITLE_MAX:
        raise ServiceError(_("Tiêu đề công khai cần từ 5 đến %(n)d ký tự.", n=TITLE_MAX), 400, "public_title")
    if len(summary) < 10 or len(summary) > SUMMARY_MAX:
        raise ServiceError(_("Tóm tắt nội dung cần từ 10 đến %(n)d ký tự.", n=SUMMARY_MAX), 400, "public_summary")
    if len(answer) < 10 or len(answer) > ANSWER_MAX:
        raise ServiceError(
            _("Nội dung trả lời công khai cần từ 10 đến %(n)d ký tự.", n=ANSWER_MAX), 400, "public_answer"
        )
    return PublicText(title, summary, answer)


def publish(
    ticket: Ticket, actor: User, public_title: str, public_summary: str, public_answer: str, now: datetime
) -> Ticket:
    """Publish (or re-publish with edited text) an answered ticket; email the submitter the first time.

    :raises ServiceError: 403 for a role other than coordinator, 409 when not answered or when the
        submitter asked to restrict processing, 400 when a text is missing or too long, or still
        holds personal data.
    """
    _check_action(ticket, "publish", actor)
    if restricted(ticket):
        raise ServiceError(_("Người gửi đã yêu cầu hạn chế xử lý dữ liệu cá nhân: không công khai kết quả này."), 409)
    texts = _validate(public_title, public_summary, public_answer)
    for field, value in (
        ("public_title", texts.title),
        ("public_summary", texts.summary),
        ("public_answer", texts.answer),
    ):
        problems = personal_data_problems(ticket, value)
        if problems:
            raise ServiceError(
                _(
                    "Nội dung công khai còn thông tin cá nhân (%(found)s). Vui lòng che trước khi công khai.",
                    found="; ".join(problems),
                ),
                400,
                field,
            )
    first_time = ticket.published_at is None
    ticket.public_title = texts.title
    ticket.public_summary = texts.summary
    ticket.public_answer = texts.answer
    ticket.search_text = search.search_text_for(ticket.code, texts.title, texts.summary, texts.answer)
    if first_time:
        ticket.published_at = now
    ticket.unpublished_at = None
    ticket.updated_at = now
    timeline.record_in_place(ticket, "publish", actor=actor, public=True, now=now, edited=None if first_time else True)
    db.session.flush()
    search.sync(ticket)
    from .letters import store_public_copy

    store_public_copy(ticket)  # the letter's public copy follows the public text (issue 12)
    if first_time:
        outbox.to_submitter(
            ticket,
            "published",
            _l("Kết quả trả lời phản ánh, kiến nghị của Quý vị đã được công khai"),
            now,
            result_url=result_url(ticket),
        )
    return ticket


def unpublish(ticket: Ticket, actor: User, reason: str, now: datetime) -> Ticket:
    """Take a published result down, with the reason on the (internal) timeline.

    :raises ServiceError: 403 for a role other than coordinator, 409 when not published, 400 without a reason.
    """
    _check_action(ticket, "unpublish", actor)
    if ticket.published_at is None:
        raise ServiceError(_("Kết quả này chưa được công khai."), 409)
    reason = clean_text(reason, multiline=True)
    if len(reason) < 5:
        raise ServiceError(_("Vui lòng nêu lý do gỡ công khai (ít nhất 5 ký tự)."), 400, "reason")
    _withdraw(ticket, actor, reason[:2000], now)
    return ticket


def result_url(ticket: Ticket) -> str:
    """The public address of a published result."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/results/{ticket.code}"
