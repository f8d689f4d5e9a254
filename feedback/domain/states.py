"""Ticket states, roles, the transition table (DESIGN §2, §4), and the label of every code the
product shows: states, roles, kinds, channels, actions and timeline events, standings, deadline
purposes, day units and calendar days, audit entries, refusal and rating reasons, report dimensions.

Pure: no Flask, no database. A label is a `Label(vi, en)`; `label(table, key, locale)` picks the
language and every page, e-mail, export and the API read their labels here (one vocabulary).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Label(NamedTuple):
    """A label in Vietnamese (the source language) and in English."""

    vi: str
    en: str

    def text(self, locale: str | None = "vi") -> str:
        return self.en if (locale or "vi").startswith("en") else self.vi


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


STATE_LABELS: dict[str, Label] = {
    State.NEW: Label("Mới tiếp nhận", "Received"),
    State.ASSIGNED: Label("Đã chuyển đơn vị xử lý", "Routed to a unit"),
    State.IN_PROGRESS: Label("Đang xử lý", "In progress"),
    State.PENDING_APPROVAL: Label("Chờ lãnh đạo duyệt", "Awaiting approval"),
    State.ANSWERED: Label("Đã trả lời", "Answered"),
    State.NEEDS_INFO: Label("Chờ bổ sung thông tin", "Waiting for information"),
    State.REFUSED: Label("Không tiếp nhận", "Not accepted"),
    State.TRANSFERRED: Label("Đã chuyển cơ quan khác", "Transferred to another agency"),
}

ROLE_LABELS: dict[str, Label] = {
    Role.OFFICER: Label("Chuyên viên", "Officer"),
    Role.UNIT_HEAD: Label("Lãnh đạo đơn vị", "Unit head"),
    Role.COORDINATOR: Label("Văn phòng Sở (điều phối)", "Coordinator (office)"),
    Role.DIRECTOR: Label("Lãnh đạo Sở", "Director"),
    Role.ADMIN: Label("Quản trị hệ thống", "Administrator"),
}

KIND_LABELS: dict[str, Label] = {
    Kind.COMPLAINT: Label("Phản ánh", "Complaint"),
    Kind.RECOMMENDATION: Label("Kiến nghị", "Recommendation"),
    Kind.PROPOSAL: Label("Đề xuất", "Proposal"),
}

CHANNEL_LABELS: dict[str, Label] = {
    Channel.WEB: Label("Cổng trực tuyến", "Online"),
    Channel.EMAIL: Label("Thư điện tử", "Email"),
    Channel.PAPER: Label("Văn bản giấy", "Paper"),
    Channel.PHONE: Label("Điện thoại", "Phone"),
    Channel.API: Label("Kết nối API", "API"),
}

SUBMITTER_TYPE_LABELS: dict[str, Label] = {
    SubmitterType.ENTERPRISE: Label("Doanh nghiệp", "Enterprise"),
    SubmitterType.CITIZEN: Label("Người dân", "Citizen"),
}

REGIME_LABELS: dict[str, Label] = {
    "default": Label(
        "Thông thường (Nghị định 20/2008/NĐ-CP, Thông tư 02/2017/TT-VPCP)",
        "Standard (Decree 20/2008/ND-CP, Circular 02/2017/TT-VPCP)",
    ),
    "legal_document": Label(
        "Phản ánh, kiến nghị về văn bản quy phạm pháp luật (Công điện 89/CĐ-TTg)",
        "Feedback on legal normative documents (Official Dispatch 89/CD-TTg)",
    ),
}

# Timeline entries that are not actions of the transition table: intake, the calendar, personal-data
# requests (issue 13) and the answer letter (issue 12).
EVENT_LABELS: dict[str, Label] = {
    "submit": Label("Tiếp nhận", "Received"),
    "deadline_moved": Label("Điều chỉnh thời hạn theo lịch nghỉ", "Deadline moved by the holiday calendar"),
    "privacy_request": Label("Yêu cầu về dữ liệu cá nhân", "Personal data request"),
    "privacy_acknowledge": Label("Xác nhận tiếp nhận yêu cầu về dữ liệu cá nhân", "Personal data request acknowledged"),
    "privacy_extend": Label("Gia hạn yêu cầu về dữ liệu cá nhân", "Personal data request extended"),
    "privacy_complete": Label("Giải quyết yêu cầu về dữ liệu cá nhân", "Personal data request answered"),
    "privacy_keep": Label("Giữ lại đoạn không phải thông tin cá nhân", "Span kept as not personal"),
    "anonymise": Label("Ẩn danh dữ liệu cá nhân", "Personal data anonymised"),
    "edit_draft": Label("Chỉnh sửa dự thảo văn bản trả lời", "Draft letter edited"),
    "letter_issued": Label("Phát hành văn bản trả lời", "Answer letter issued"),
    "letter_signed": Label("Văn bản trả lời đã được ký số", "Answer letter signed"),
    "letter_cancelled": Label("Hủy số văn bản", "Document number cancelled"),
}

# Where a ticket stands against its deadline (the rule is domain/outcomes.py).
STANDING_LABELS: dict[str, Label] = {
    "in_time": Label("Trong hạn", "Within the deadline"),
    "due_today": Label("Đến hạn hôm nay", "Due today"),
    "overdue": Label("Quá hạn", "Overdue"),
    "paused": Label("Tạm dừng, chờ bổ sung thông tin", "Paused, waiting for information"),
    "answered_on_time": Label("Trả lời đúng hạn", "Answered on time"),
    "answered_late": Label("Trả lời quá hạn", "Answered late"),
    "closed": Label("Đã kết thúc", "Closed"),
}

# Deadline rules by purpose (admin's rule table) and the dates they set on a ticket (calendar recheck).
PURPOSE_LABELS: dict[str, Label] = {
    "answer": Label("Thời hạn trả lời", "Answer"),
    "transfer": Label("Thời hạn chuyển cơ quan có thẩm quyền", "Transfer out"),
    "route": Label("Thời hạn chuyển đơn vị xử lý", "Routing"),
    "publish": Label("Thời hạn công khai kết quả", "Publication"),
    "progress": Label("Chu kỳ thông báo tiến độ khi quá hạn", "Progress updates while overdue"),
    "review_request": Label("Thời hạn đề nghị xem xét lại (tính từ ngày trả lời)", "Reconsideration request period"),
    "review": Label("Thời hạn giải quyết đề nghị xem xét lại", "Reconsideration deadline"),
}
DUE_DATE_LABELS: dict[str, Label] = {
    "answer": Label("Hạn giải quyết", "The resolution deadline"),
    "route": Label("Hạn chuyển đơn vị xử lý", "The routing target"),
    "transfer": Label("Hạn chuyển cơ quan có thẩm quyền", "The transfer deadline"),
    "publish": Label("Hạn công khai kết quả", "The publication target"),
}
DAY_UNIT_LABELS: dict[str, Label] = {
    "working_days": Label("ngày làm việc", "working days"),
    "calendar_days": Label("ngày", "calendar days"),
}
DAY_TYPE_LABELS: dict[str, Label] = {
    "day_off": Label("Ngày nghỉ bổ sung", "Extra day off"),
    "working_day": Label("Ngày làm việc bù (hoán đổi)", "Swapped working day"),
}

# The audit log's entities and actions (admin).
AUDIT_ENTITY_LABELS: dict[str, Label] = {
    "user": Label("Tài khoản", "User"),
    "unit": Label("Đơn vị", "Unit"),
    "category": Label("Lĩnh vực", "Category"),
    "deadline_rule": Label("Quy định thời hạn", "Deadline rule"),
    "calendar_override": Label("Lịch làm việc", "Calendar"),
    "calendar_announcement": Label("Thông báo lịch nghỉ", "Holiday announcement"),
    "ticket": Label("Hồ sơ", "Ticket"),
    "outbox_message": Label("Thư đi", "Outgoing email"),
}
AUDIT_ACTION_LABELS: dict[str, Label] = {
    "create": Label("Thêm mới", "Created"),
    "update": Label("Sửa", "Changed"),
    "delete": Label("Xóa", "Removed"),
    "deactivate": Label("Khóa / ngừng", "Deactivated"),
    "activate": Label("Mở lại", "Reactivated"),
    "reset_password": Label("Đặt lại mật khẩu", "Password reset"),
    "anonymise": Label("Ẩn danh dữ liệu cá nhân", "Anonymised"),
    "resend": Label("Gửi lại", "Resent"),
}

# Why the office does not accept a submission (the coordinator also writes the reason out).
REFUSE_REASON_LABELS: dict[str, Label] = {
    "out_of_scope": Label(
        "Không thuộc phạm vi, thẩm quyền giải quyết của Sở", "Outside the scope and competence of the Department"
    ),
    "insufficient": Label(
        "Không đủ thông tin người gửi hoặc nội dung (Nghị định 20/2008/NĐ-CP, Điều 7)",
        "Insufficient information about the submitter or the content (Decree 20/2008/ND-CP, Article 7)",
    ),
    "duplicate": Label("Trùng với phản ánh, kiến nghị đã tiếp nhận", "Duplicate of feedback already received"),
    "already_resolved": Label(
        "Đã được giải quyết theo quy định", "Already resolved in accordance with the regulations"
    ),
    "improper": Label("Nội dung không phù hợp quy định", "The content does not comply with the regulations"),
    "other": Label("Lý do khác", "Other reason"),
}

# Requests from data subjects (issue 13): their kinds and states.
PRIVACY_REQUEST_LABELS: dict[str, Label] = {
    "access": Label("Xem và tải về dữ liệu cá nhân", "See and download my personal data"),
    "correct": Label("Chỉnh sửa dữ liệu cá nhân", "Correct my personal data"),
    "withdraw_publication": Label("Rút lại sự đồng ý công khai", "Withdraw consent to publication"),
    "delete": Label("Xóa dữ liệu cá nhân", "Delete my personal data"),
    "restrict": Label("Hạn chế xử lý dữ liệu cá nhân", "Restrict processing of my personal data"),
    "object": Label("Phản đối xử lý dữ liệu cá nhân", "Object to processing of my personal data"),
}
PRIVACY_STATE_LABELS: dict[str, Label] = {
    "received": Label("Đã tiếp nhận", "Received"),
    "acknowledged": Label("Đã xác nhận tiếp nhận", "Acknowledged"),
    "done": Label("Đã giải quyết", "Resolved"),
    "refused": Label("Từ chối", "Refused"),
}

# The submitter's rating of an answer and the reasons of a dissatisfied one (the rules are domain/satisfaction.py).
LEVEL_LABELS: dict[str, Label] = {
    "satisfied": Label("Hài lòng", "Satisfied"),
    "acceptable": Label("Chấp nhận được", "Acceptable"),
    "dissatisfied": Label("Không hài lòng", "Dissatisfied"),
}
RATING_REASON_LABELS: dict[str, Label] = {
    "did_not_address": Label("Chưa trả lời đúng, đủ nội dung tôi nêu", "Did not address my points"),
    "no_conclusion": Label("Không có kết luận rõ ràng", "No clear conclusion"),
    "too_late": Label("Trả lời quá chậm", "Too late"),
    "hard_to_understand": Label("Khó hiểu", "Hard to understand"),
    "other": Label("Lý do khác", "Other"),
}

# The breakdowns of the periodic report.
DIMENSION_LABELS: dict[str, Label] = {
    "kind": Label("Theo loại", "By type"),
    "category": Label("Theo lĩnh vực", "By category"),
    "unit": Label("Theo đơn vị xử lý", "By handling unit"),
    "channel": Label("Theo kênh tiếp nhận", "By channel"),
}

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
    action: str, sources: Iterable[str], target: str, roles: Iterable[str], label: tuple[str, str], public: bool
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), Label(*label), public)


_ANY_OPEN = OPEN_STATES
_WORKING = (State.ASSIGNED, State.IN_PROGRESS)

# The whole lifecycle in one table (DESIGN §4). Publication is not a state: `publish` and `unpublish`
# keep `answered` and are further guarded by the service (published or not).
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "route",
            (State.NEW, *_WORKING),
            State.ASSIGNED,
            {Role.COORDINATOR},
            ("Chuyển đơn vị xử lý", "Route to a unit"),
            True,
        ),
        _t("refuse", (State.NEW,), State.REFUSED, {Role.COORDINATOR}, ("Không tiếp nhận", "Refuse"), True),
        _t(
            "transfer",
            (State.NEW,),
            State.TRANSFERRED,
            {Role.COORDINATOR},
            ("Chuyển cơ quan có thẩm quyền", "Transfer to another agency"),
            True,
        ),
        _t(
            "request_info",
            (State.NEW, *_WORKING),
            State.NEEDS_INFO,
            {Role.COORDINATOR, Role.OFFICER, Role.UNIT_HEAD},
            ("Yêu cầu bổ sung thông tin", "Request information"),
            True,
        ),
        _t(
            "provide_info",
            (State.NEEDS_INFO,),
            PREVIOUS,
            {Role.COORDINATOR, Role.OFFICER, Role.UNIT_HEAD, "submitter"},
            ("Bổ sung thông tin", "Information provided"),
            True,
        ),
        _t(
            "assign",
            _WORKING,
            State.IN_PROGRESS,
            {Role.UNIT_HEAD},
            ("Phân công chuyên viên", "Assign an officer"),
            False,
        ),
        _t(
            "answer",
            (State.IN_PROGRESS,),
            State.PENDING_APPROVAL,
            {Role.OFFICER, Role.UNIT_HEAD},
            ("Trình dự thảo trả lời", "Submit draft answer"),
            False,
        ),
        _t(
            "return",
            (State.PENDING_APPROVAL,),
            State.IN_PROGRESS,
            {Role.UNIT_HEAD, Role.DIRECTOR},
            ("Trả lại dự thảo", "Return the draft"),
            False,
        ),
        _t(
            "approve",
            (State.PENDING_APPROVAL,),
            State.ANSWERED,
            {Role.UNIT_HEAD, Role.DIRECTOR},
            ("Duyệt và gửi trả lời", "Approve and send the answer"),
            True,
        ),
        _t(
            "extend",
            (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO),
            SAME,
            {Role.UNIT_HEAD, Role.COORDINATOR, Role.DIRECTOR},
            ("Gia hạn", "Extend the deadline"),
            True,
        ),
        _t(
            "approve_extension",
            (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO),
            SAME,
            {Role.COORDINATOR, Role.DIRECTOR},
            ("Duyệt gia hạn", "Approve the extension"),
            True,
        ),
        _t(
            "reject_extension",
            (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO),
            SAME,
            {Role.COORDINATOR, Role.DIRECTOR},
            ("Không duyệt gia hạn", "Reject the extension"),
            False,
        ),
        _t("publish", (State.ANSWERED,), SAME, {Role.COORDINATOR}, ("Công khai kết quả", "Publish the result"), True),
        _t("unpublish", (State.ANSWERED,), SAME, {Role.COORDINATOR}, ("Gỡ công khai", "Unpublish"), False),
        # Closing the loop (issue 14). A review or a returned answer reopens an answered ticket in
        # in_progress; the draft then goes through answer/approve as usual, but approving it keeps the
        # first answer's date and on-time verdict (the review has its own due date and verdict).
        _t("rate", (State.ANSWERED,), SAME, {"submitter"}, ("Đánh giá câu trả lời", "Rate the answer"), False),
        _t(
            "request_review",
            (State.ANSWERED,),
            State.IN_PROGRESS,
            {"submitter"},
            ("Đề nghị xem xét lại", "Request reconsideration"),
            True,
        ),
        _t(
            "reopen_review",
            (State.ANSWERED,),
            State.IN_PROGRESS,
            {Role.COORDINATOR},
            ("Mở lại để xem xét lại", "Reopen for reconsideration"),
            True,
        ),
        _t(
            "return_answer",
            (State.ANSWERED,),
            State.IN_PROGRESS,
            {Role.COORDINATOR},
            ("Trả lại câu trả lời cho đơn vị", "Return the answer to the unit"),
            False,
        ),
        _t(
            "note",
            _ANY_OPEN,
            SAME,
            {Role.OFFICER, Role.UNIT_HEAD, Role.COORDINATOR, Role.DIRECTOR},
            ("Ghi chú nội bộ", "Internal note"),
            False,
        ),
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
    if english and (locale or "vi").startswith("en"):
        return english
    name: str = obj.name
    return name


def label(table: dict[str, Label], key: str | None, locale: str | None = "vi") -> str:
    """The Vietnamese or English label of a key in one of the label tables (the key itself if unknown)."""
    if key is None:
        return ""
    pair = table.get(key)
    return key if pair is None else Label(*pair).text(locale)
