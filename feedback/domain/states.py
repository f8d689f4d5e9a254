"""Ticket states, roles, the transition table (DESIGN §2, §4), and the label of every code the
product shows: states, roles, kinds, channels, actions and timeline events, standings, deadline
purposes, day units, calendar days and holidays, audit entries, refusal and rating reasons, kinds of
personal data, report dimensions.

A label is a gettext message: its Vietnamese text (the source language) is the message id, marked
here with `N_(text)`, or `NP_(context, text)` where the same Vietnamese words already mean something
else in the catalogue (a context names the table, e.g. "timeline" for the action "Không tiếp nhận",
which is "Not accepted" as a state). Every other language is a catalogue,
translations/<lang>/LC_MESSAGES/messages.po, the one the pages use: adding French is adding
translations/fr, not code. `label(table, key, locale)` (or `Label.text(locale)`) is what every page,
e-mail, export and the API call (one vocabulary).

Pure: no Flask, no database; the compiled catalogues are read once per language (stdlib gettext).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

SOURCE_LANGUAGE = "vi"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def language_of(locale: str | None) -> str:
    """The language part of a locale ("en_US" -> "en"); Vietnamese when none is given."""
    return (locale or SOURCE_LANGUAGE).replace("-", "_").split("_")[0].lower() or SOURCE_LANGUAGE


@lru_cache(maxsize=16)
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language` (a null one, giving the Vietnamese back, when there is none)."""
    return gettext.translation("messages", localedir=TRANSLATIONS, languages=[language], fallback=True)


@dataclass(frozen=True, slots=True)
class Label:
    """A label: its Vietnamese text is its gettext message id, `context` its msgctxt if it has one."""

    msgid: str
    context: str | None = None

    @property
    def vi(self) -> str:
        return self.msgid

    @property
    def en(self) -> str:
        return self.text("en")

    def __iter__(self) -> Iterator[str]:
        """`vi, en = label`: the label in the two languages every document is written in."""
        return iter((self.vi, self.en))

    def __getitem__(self, index: int) -> str:
        return (self.vi, self.en)[index]

    def text(self, locale: str | None = SOURCE_LANGUAGE) -> str:
        """The label in `locale`, from that language's catalogue (the Vietnamese where it has none)."""
        language = language_of(locale)
        if language == SOURCE_LANGUAGE:
            return self.msgid
        if self.context is None:
            return catalogue(language).gettext(self.msgid)
        return catalogue(language).pgettext(self.context, self.msgid)


def N_(msgid: str) -> Label:  # the gettext marker pybabel extracts
    """A label whose Vietnamese text is its message id."""
    return Label(msgid)


def NP_(context: str, msgid: str) -> Label:  # extracted as NP_:1c,2 (babel.cfg)
    """A label with a message context, for Vietnamese words that mean something else elsewhere."""
    return Label(msgid, context)


class State(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_APPROVAL = "pending_approval"
    ANSWERED = "answered"
    NEEDS_INFO = "needs_info"
    REFUSED = "refused"
    TRANSFERRED = "transferred"


class Role(StrEnum):
    OFFICER = "officer"
    UNIT_HEAD = "unit_head"
    COORDINATOR = "coordinator"
    DIRECTOR = "director"
    ADMIN = "admin"


class Kind(StrEnum):
    COMPLAINT = "complaint"
    RECOMMENDATION = "recommendation"
    PROPOSAL = "proposal"


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    PAPER = "paper"
    PHONE = "phone"
    API = "api"


class SubmitterType(StrEnum):
    ENTERPRISE = "enterprise"
    CITIZEN = "citizen"


# Every code the product shows, by what it codes ("state", "kind", ...), with its label: the one
# vocabulary of every page, e-mail, export and the API. `STATE_LABELS` and the other `*_LABELS` names
# below are its tables.
VOCABULARY: dict[str, dict[str, Label]] = {
    "state": {
        State.NEW: N_("Mới tiếp nhận"),
        State.ASSIGNED: N_("Đã chuyển đơn vị xử lý"),
        State.IN_PROGRESS: N_("Đang xử lý"),
        State.PENDING_APPROVAL: N_("Chờ lãnh đạo duyệt"),
        State.ANSWERED: N_("Đã trả lời"),
        State.NEEDS_INFO: N_("Chờ bổ sung thông tin"),
        State.REFUSED: N_("Không tiếp nhận"),
        State.TRANSFERRED: N_("Đã chuyển cơ quan khác"),
    },
    "role": {
        Role.OFFICER: N_("Chuyên viên"),
        Role.UNIT_HEAD: N_("Lãnh đạo đơn vị"),
        Role.COORDINATOR: N_("Văn phòng Sở (điều phối)"),
        Role.DIRECTOR: N_("Lãnh đạo Sở"),
        Role.ADMIN: NP_("role", "Quản trị hệ thống"),
    },
    "kind": {
        Kind.COMPLAINT: N_("Phản ánh"),
        Kind.RECOMMENDATION: N_("Kiến nghị"),
        Kind.PROPOSAL: N_("Đề xuất"),
    },
    "channel": {
        Channel.WEB: N_("Cổng trực tuyến"),
        Channel.EMAIL: N_("Thư điện tử"),
        Channel.PAPER: N_("Văn bản giấy"),
        Channel.PHONE: NP_("channel", "Điện thoại"),
        Channel.API: N_("Kết nối API"),
    },
    "submitter_type": {
        SubmitterType.ENTERPRISE: N_("Doanh nghiệp"),
        SubmitterType.CITIZEN: N_("Người dân"),
    },
    "regime": {
        "default": N_("Thông thường (Nghị định 20/2008/NĐ-CP, Thông tư 02/2017/TT-VPCP)"),
        "legal_document": N_("Phản ánh, kiến nghị về văn bản quy phạm pháp luật (Công điện 89/CĐ-TTg)"),
    },
    # Timeline entries that are not actions of the transition table: intake, the calendar, personal-data
    # requests (issue 13) and the answer letter (issue 12).
    "event": {
        "submit": N_("Tiếp nhận"),
        "deadline_moved": N_("Điều chỉnh thời hạn theo lịch nghỉ"),
        "privacy_request": NP_("timeline", "Yêu cầu về dữ liệu cá nhân"),
        "privacy_acknowledge": N_("Xác nhận tiếp nhận yêu cầu về dữ liệu cá nhân"),
        "privacy_extend": N_("Gia hạn yêu cầu về dữ liệu cá nhân"),
        "privacy_complete": N_("Giải quyết yêu cầu về dữ liệu cá nhân"),
        "privacy_keep": N_("Giữ lại đoạn không phải thông tin cá nhân"),
        "anonymise": NP_("timeline", "Ẩn danh dữ liệu cá nhân"),
        "edit_draft": N_("Chỉnh sửa dự thảo văn bản trả lời"),
        "letter_issued": N_("Phát hành văn bản trả lời"),
        "letter_signed": N_("Văn bản trả lời đã được ký số"),
        "letter_cancelled": N_("Hủy số văn bản"),
    },
    # Where a ticket stands against its deadline (the rule is domain/outcomes.py).
    "standing": {
        "in_time": N_("Trong hạn"),
        "due_today": N_("Đến hạn hôm nay"),
        "overdue": N_("Quá hạn"),
        "paused": N_("Tạm dừng, chờ bổ sung thông tin"),
        "answered_on_time": N_("Trả lời đúng hạn"),
        "answered_late": N_("Trả lời quá hạn"),
        "closed": N_("Đã kết thúc"),
    },
    # Deadline rules by purpose (admin's rule table) and the dates they set on a ticket (calendar recheck).
    "purpose": {
        "answer": N_("Thời hạn trả lời"),
        "transfer": N_("Thời hạn chuyển cơ quan có thẩm quyền"),
        "route": N_("Thời hạn chuyển đơn vị xử lý"),
        "publish": N_("Thời hạn công khai kết quả"),
        "progress": N_("Chu kỳ thông báo tiến độ khi quá hạn"),
        "review_request": N_("Thời hạn đề nghị xem xét lại (tính từ ngày trả lời)"),
        "review": N_("Thời hạn giải quyết đề nghị xem xét lại"),
    },
    "due_date": {
        "answer": NP_("due date", "Hạn giải quyết"),
        "route": N_("Hạn chuyển đơn vị xử lý"),
        "transfer": N_("Hạn chuyển cơ quan có thẩm quyền"),
        "publish": N_("Hạn công khai kết quả"),
    },
    "day_unit": {
        "working_days": N_("ngày làm việc"),
        "calendar_days": NP_("day unit", "ngày"),
    },
    "day_type": {
        "day_off": N_("Ngày nghỉ bổ sung"),
        "working_day": N_("Ngày làm việc bù (hoán đổi)"),
    },
    # The audit log's entities and actions (admin).
    "audit_entity": {
        "user": NP_("audit entity", "Tài khoản"),
        "unit": N_("Đơn vị"),
        "category": N_("Lĩnh vực"),
        "deadline_rule": NP_("audit entity", "Quy định thời hạn"),
        "calendar_override": NP_("audit entity", "Lịch làm việc"),
        "calendar_announcement": N_("Thông báo lịch nghỉ"),
        "ticket": NP_("audit entity", "Hồ sơ"),
        "outbox_message": NP_("audit entity", "Thư đi"),
    },
    "audit_action": {
        "create": N_("Thêm mới"),
        "update": N_("Sửa"),
        "delete": NP_("audit action", "Xóa"),
        "deactivate": N_("Khóa / ngừng"),
        "activate": NP_("audit action", "Mở lại"),
        "reset_password": NP_("audit action", "Đặt lại mật khẩu"),
        "anonymise": NP_("audit action", "Ẩn danh dữ liệu cá nhân"),
        "resend": NP_("audit action", "Gửi lại"),
    },
    # Why the office does not accept a submission (the coordinator also writes the reason out).
    "refuse_reason": {
        "out_of_scope": N_("Không thuộc phạm vi, thẩm quyền giải quyết của Sở"),
        "insufficient": N_("Không đủ thông tin người gửi hoặc nội dung (Nghị định 20/2008/NĐ-CP, Điều 7)"),
        "duplicate": N_("Trùng với phản ánh, kiến nghị đã tiếp nhận"),
        "already_resolved": N_("Đã được giải quyết theo quy định"),
        "improper": N_("Nội dung không phù hợp quy định"),
        "other": N_("Lý do khác"),
    },
    # Requests from data subjects (issue 13): their kinds and states.
    "privacy_request": {
        "access": N_("Xem và tải về dữ liệu cá nhân"),
        "correct": N_("Chỉnh sửa dữ liệu cá nhân"),
        "withdraw_publication": N_("Rút lại sự đồng ý công khai"),
        "delete": N_("Xóa dữ liệu cá nhân"),
        "restrict": N_("Hạn chế xử lý dữ liệu cá nhân"),
        "object": N_("Phản đối xử lý dữ liệu cá nhân"),
    },
    "privacy_state": {
        "received": N_("Đã tiếp nhận"),
        "acknowledged": N_("Đã xác nhận tiếp nhận"),
        "done": N_("Đã giải quyết"),
        "refused": N_("Từ chối"),
    },
    # The submitter's rating of an answer and the reasons of a dissatisfied one (the rules are domain/satisfaction.py).
    "level": {
        "satisfied": N_("Hài lòng"),
        "acceptable": N_("Chấp nhận được"),
        "dissatisfied": N_("Không hài lòng"),
    },
    "rating_reason": {
        "did_not_address": N_("Chưa trả lời đúng, đủ nội dung tôi nêu"),
        "no_conclusion": N_("Không có kết luận rõ ràng"),
        "too_late": N_("Trả lời quá chậm"),
        "hard_to_understand": N_("Khó hiểu"),
        "other": NP_("rating reason", "Lý do khác"),
    },
    # The breakdowns of the periodic report.
    "dimension": {
        "kind": N_("Theo loại"),
        "category": N_("Theo lĩnh vực"),
        "unit": N_("Theo đơn vị xử lý"),
        "channel": N_("Theo kênh tiếp nhận"),
    },
    # What a day off is for: the names every deadline explanation uses (the calendar is domain/deadlines.py).
    "occasion": {
        "new_year": N_("Tết Dương lịch"),
        "tet": N_("Tết Nguyên đán"),
        "hung_kings": N_("Giỗ Tổ Hùng Vương"),
        "reunification": N_("Ngày Chiến thắng 30/4"),
        "labour_day": N_("Ngày Quốc tế Lao động"),
        "national_day": N_("Quốc khánh"),
        "culture_day": N_("Ngày Văn hóa Việt Nam"),
        "swap": N_("ngày nghỉ hoán đổi"),
        "extra": N_("ngày nghỉ bổ sung"),
        "working": N_("ngày làm việc bù"),
    },
    # The kinds of personal data a public text must not show (the finder is domain/personal_data.py,
    # the check before publishing services/publication.py).
    "personal_data": {
        "name": N_("họ tên"),
        "phone": N_("số điện thoại"),
        "email": N_("thư điện tử"),
        "id": N_("số định danh, mã số thuế, hộ chiếu"),
        "address": N_("địa chỉ"),
        "bank": N_("số tài khoản"),
        "plate": N_("biển số xe"),
        "dob": N_("ngày sinh"),
        "organisation": N_("tên doanh nghiệp, tổ chức (người gửi không đồng ý công khai)"),
    },
    # Where a ticket of a report period stands on its as-of day (the report's detail lines).
    "report_status": {
        "answered_on_time": N_("Đã trả lời đúng hạn"),
        "answered_late": N_("Đã trả lời quá hạn"),
        "refused": N_("Không tiếp nhận"),
        "transferred": N_("Chuyển cơ quan khác"),
        "open_overdue": N_("Đang xử lý, quá hạn"),
        "open_paused": N_("Chờ bổ sung thông tin (tạm dừng tính hạn)"),
        "open_in_time": N_("Đang xử lý, trong hạn"),
    },
}
# Each table under its name: `STATE_LABELS` is `VOCABULARY["state"]` (in VOCABULARY's order).
(
    STATE_LABELS,
    ROLE_LABELS,
    KIND_LABELS,
    CHANNEL_LABELS,
    SUBMITTER_TYPE_LABELS,
    REGIME_LABELS,
    EVENT_LABELS,
    STANDING_LABELS,
    PURPOSE_LABELS,
    DUE_DATE_LABELS,
    DAY_UNIT_LABELS,
    DAY_TYPE_LABELS,
    AUDIT_ENTITY_LABELS,
    AUDIT_ACTION_LABELS,
    REFUSE_REASON_LABELS,
    PRIVACY_REQUEST_LABELS,
    PRIVACY_STATE_LABELS,
    LEVEL_LABELS,
    RATING_REASON_LABELS,
    DIMENSION_LABELS,
    OCCASION_LABELS,
    PERSONAL_DATA_LABELS,
    REPORT_STATUS_LABELS,
) = VOCABULARY.values()

OPEN_STATES = frozenset({State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING_APPROVAL, State.NEEDS_INFO})
CLOSED_STATES = frozenset({State.ANSWERED, State.REFUSED, State.TRANSFERRED})
# States whose resolution clock is running (needs_info pauses it, DESIGN §5).
CLOCK_RUNNING_STATES = frozenset({State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING_APPROVAL})

UNIT_ROLES = frozenset({Role.OFFICER, Role.UNIT_HEAD})
ALL_SCOPE_ROLES = frozenset({Role.COORDINATOR, Role.DIRECTOR, Role.ADMIN})

SAME = "same"  # target state marker: the action keeps the current state
PREVIOUS = "previous"  # target state marker: back to the state before needs_info


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table."""

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: Label
    public: bool  # whether the event is shown on the public timeline


def _t(
    action: str, sources: Iterable[str], target: str, roles: Iterable[str], label: Label, public: bool
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), label, public)


_ANY_OPEN = OPEN_STATES
_WORKING = (State.ASSIGNED, State.IN_PROGRESS)
_EXTENDABLE = (*_WORKING, State.NEEDS_INFO)  # a deadline can be extended while the ticket is with a unit
_HANDLERS = {Role.COORDINATOR, Role.OFFICER, Role.UNIT_HEAD}
_LEADERS = {Role.COORDINATOR, Role.DIRECTOR}
_APPROVERS = {Role.UNIT_HEAD, Role.DIRECTOR}

# The whole lifecycle in one table (DESIGN §4), a row per action: its source states, target, roles,
# timeline label, and whether the public timeline shows it. Publication is not a state: `publish` and
# `unpublish` keep `answered` and are further guarded by the service (published or not).
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "route",
            (State.NEW, *_WORKING),
            State.ASSIGNED,
            {Role.COORDINATOR},
            NP_("timeline", "Chuyển đơn vị xử lý"),
            True,
        ),
        _t("refuse", (State.NEW,), State.REFUSED, {Role.COORDINATOR}, NP_("timeline", "Không tiếp nhận"), True),
        _t(
            "transfer",
            (State.NEW,),
            State.TRANSFERRED,
            {Role.COORDINATOR},
            NP_("timeline", "Chuyển cơ quan có thẩm quyền"),
            True,
        ),
        _t("request_info", (State.NEW, *_WORKING), State.NEEDS_INFO, _HANDLERS, N_("Yêu cầu bổ sung thông tin"), True),
        _t(
            "provide_info",
            (State.NEEDS_INFO,),
            PREVIOUS,
            {*_HANDLERS, "submitter"},
            NP_("timeline", "Bổ sung thông tin"),
            True,
        ),
        _t("assign", _WORKING, State.IN_PROGRESS, {Role.UNIT_HEAD}, N_("Phân công chuyên viên"), False),
        _t(
            "answer",
            (State.IN_PROGRESS,),
            State.PENDING_APPROVAL,
            {Role.OFFICER, Role.UNIT_HEAD},
            N_("Trình dự thảo trả lời"),
            False,
        ),
        _t("return", (State.PENDING_APPROVAL,), State.IN_PROGRESS, _APPROVERS, N_("Trả lại dự thảo"), False),
        _t("approve", (State.PENDING_APPROVAL,), State.ANSWERED, _APPROVERS, N_("Duyệt và gửi trả lời"), True),
        _t("extend", _EXTENDABLE, SAME, {Role.UNIT_HEAD, *_LEADERS}, NP_("timeline", "Gia hạn"), True),
        _t("approve_extension", _EXTENDABLE, SAME, _LEADERS, N_("Duyệt gia hạn"), True),
        _t("reject_extension", _EXTENDABLE, SAME, _LEADERS, N_("Không duyệt gia hạn"), False),
        _t("publish", (State.ANSWERED,), SAME, {Role.COORDINATOR}, N_("Công khai kết quả"), True),
        _t("unpublish", (State.ANSWERED,), SAME, {Role.COORDINATOR}, N_("Gỡ công khai"), False),
        # Closing the loop (issue 14). A review or a returned answer reopens an answered ticket in
        # in_progress; the draft then goes through answer/approve as usual, but approving it keeps the
        # first answer's date and on-time verdict (the review has its own due date and verdict).
        _t("rate", (State.ANSWERED,), SAME, {"submitter"}, N_("Đánh giá câu trả lời"), False),
        _t(
            "request_review",
            (State.ANSWERED,),
            State.IN_PROGRESS,
            {"submitter"},
            NP_("timeline", "Đề nghị xem xét lại"),
            True,
        ),
        _t(
            "reopen_review", (State.ANSWERED,), State.IN_PROGRESS, {Role.COORDINATOR}, N_("Mở lại để xem xét lại"), True
        ),
        _t(
            "return_answer",
            (State.ANSWERED,),
            State.IN_PROGRESS,
            {Role.COORDINATOR},
            N_("Trả lại câu trả lời cho đơn vị"),
            False,
        ),
        _t("note", _ANY_OPEN, SAME, {*_HANDLERS, Role.DIRECTOR}, N_("Ghi chú nội bộ"), False),
    )
}

# Every timeline entry's label: the actions of the table, then the other events.
ACTION_LABELS: dict[str, Label] = {action: t.label for action, t in TRANSITIONS.items()} | EVENT_LABELS


class Refusal(Exception):
    """A refused action or use case, worded for the user: `status` is the HTTP status to answer with,
    `field` the form field at fault, if any. Services raise it under the name `ServiceError`."""

    def __init__(self, message: str, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


class TransitionError(Refusal):
    """An action that the transition table does not allow: 403 (the role), 409 (the state). The
    table's own codes ("role", "state") are worded by services/workflow.check."""


def allowed_roles(action: str) -> frozenset[str]:
    """Roles that may take an action at all."""
    return TRANSITIONS[action].roles


def next_state(state: str, action: str, role: str, previous: str | None = None) -> str:
    """The state after `action` by `role` from `state`.

    :raises TransitionError: 403 when the role may not take the action, 409 when the state does not allow it.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionError(f"unknown action {action}", 404)
    if role not in transition.roles:
        raise TransitionError("role", 403)
    if state not in transition.sources:
        raise TransitionError("state", 409)
    if transition.target == SAME:
        return state
    if transition.target == PREVIOUS:
        return previous or State.NEW
    return transition.target


def can(state: str, action: str, role: str) -> bool:
    """Whether the table allows `action` by `role` from `state`."""
    try:
        next_state(state, action, role)
    except TransitionError:
        return False
    return True


def localized_name(obj: Any, locale: str | None) -> str:
    """A unit's or category's name in `locale`: its English name in English when it has one, else its
    Vietnamese name (the one rule for every page, export and the API)."""
    english: str | None = getattr(obj, "name_en", None)
    if english and language_of(locale) == "en":
        return english
    name: str = obj.name
    return name


def label(table: dict[str, Label], key: str | None, locale: str | None = "vi") -> str:
    """The label of a key in one of the label tables, in `locale` (the key itself if unknown)."""
    if key is None:
        return ""
    entry = table.get(key)
    return key if entry is None else entry.text(locale)
