"""Ticket states, roles, their labels, and the transition table (DESIGN §2, §4).

Pure: no Flask, no database. Labels are plain (vi, en) pairs; the web layer picks one by locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


STATE_LABELS: dict[str, tuple[str, str]] = {
    State.NEW: ("Mới tiếp nhận", "Received"),
    State.ASSIGNED: ("Đã chuyển đơn vị xử lý", "Routed to a unit"),
    State.IN_PROGRESS: ("Đang xử lý", "In progress"),
    State.PENDING_APPROVAL: ("Chờ lãnh đạo duyệt", "Awaiting approval"),
    State.ANSWERED: ("Đã trả lời", "Answered"),
    State.NEEDS_INFO: ("Chờ bổ sung thông tin", "Waiting for information"),
    State.REFUSED: ("Không tiếp nhận", "Not accepted"),
    State.TRANSFERRED: ("Đã chuyển cơ quan khác", "Transferred to another agency"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    Role.OFFICER: ("Chuyên viên", "Officer"),
    Role.UNIT_HEAD: ("Lãnh đạo đơn vị", "Unit head"),
    Role.COORDINATOR: ("Văn phòng Sở (điều phối)", "Coordinator (office)"),
    Role.DIRECTOR: ("Lãnh đạo Sở", "Director"),
    Role.ADMIN: ("Quản trị hệ thống", "Administrator"),
}

KIND_LABELS: dict[str, tuple[str, str]] = {
    Kind.COMPLAINT: ("Phản ánh", "Complaint"),
    Kind.RECOMMENDATION: ("Kiến nghị", "Recommendation"),
    Kind.PROPOSAL: ("Đề xuất", "Proposal"),
}

CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    Channel.WEB: ("Cổng trực tuyến", "Online"),
    Channel.EMAIL: ("Thư điện tử", "Email"),
    Channel.PAPER: ("Văn bản giấy", "Paper"),
    Channel.PHONE: ("Điện thoại", "Phone"),
    Channel.API: ("Kết nối API", "API"),
}

SUBMITTER_TYPE_LABELS: dict[str, tuple[str, str]] = {
    SubmitterType.ENTERPRISE: ("Doanh nghiệp", "Enterprise"),
    SubmitterType.CITIZEN: ("Người dân", "Citizen"),
}

REGIME_LABELS: dict[str, tuple[str, str]] = {
    "default": ("Thông thường (Nghị định 20/2008/NĐ-CP, Thông tư 02/2017/TT-VPCP)",
                "Standard (Decree 20/2008/ND-CP, Circular 02/2017/TT-VPCP)"),
    "legal_document": ("Phản ánh, kiến nghị về văn bản quy phạm pháp luật (Công điện 89/CĐ-TTg)",
                       "Feedback on legal normative documents (Official Dispatch 89/CD-TTg)"),
}

# Timeline entries that are not actions of the transition table.
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "submit": ("Tiếp nhận", "Received"),
    "deadline_moved": ("Điều chỉnh thời hạn theo lịch nghỉ", "Deadline moved by the holiday calendar"),
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
    label: tuple[str, str]
    public: bool  # whether the event is shown on the public timeline


def _t(action: str, sources, target: str, roles, label: tuple[str, str], public: bool) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), label, public)


_ANY_OPEN = OPEN_STATES
_WORKING = (State.ASSIGNED, State.IN_PROGRESS)

# The whole lifecycle in one table (DESIGN §4). Publication is not a state: `publish` and `unpublish`
# keep `answered` and are further guarded by the service (published or not).
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("route", (State.NEW, *_WORKING), State.ASSIGNED, {Role.COORDINATOR},
           ("Chuyển đơn vị xử lý", "Route to a unit"), True),
        _t("refuse", (State.NEW,), State.REFUSED, {Role.COORDINATOR},
           ("Không tiếp nhận", "Refuse"), True),
        _t("transfer", (State.NEW,), State.TRANSFERRED, {Role.COORDINATOR},
           ("Chuyển cơ quan có thẩm quyền", "Transfer to another agency"), True),
        _t("request_info", (State.NEW, *_WORKING), State.NEEDS_INFO,
           {Role.COORDINATOR, Role.OFFICER, Role.UNIT_HEAD},
           ("Yêu cầu bổ sung thông tin", "Request information"), True),
        _t("provide_info", (State.NEEDS_INFO,), PREVIOUS,
           {Role.COORDINATOR, Role.OFFICER, Role.UNIT_HEAD, "submitter"},
           ("Bổ sung thông tin", "Information provided"), True),
        _t("assign", _WORKING, State.IN_PROGRESS, {Role.UNIT_HEAD},
           ("Phân công chuyên viên", "Assign an officer"), False),
        _t("answer", (State.IN_PROGRESS,), State.PENDING_APPROVAL, {Role.OFFICER, Role.UNIT_HEAD},
           ("Trình dự thảo trả lời", "Submit draft answer"), False),
        _t("return", (State.PENDING_APPROVAL,), State.IN_PROGRESS, {Role.UNIT_HEAD, Role.DIRECTOR},
           ("Trả lại dự thảo", "Return the draft"), False),
        _t("approve", (State.PENDING_APPROVAL,), State.ANSWERED, {Role.UNIT_HEAD, Role.DIRECTOR},
           ("Duyệt và gửi trả lời", "Approve and send the answer"), True),
        _t("extend", (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO), SAME,
           {Role.UNIT_HEAD, Role.COORDINATOR, Role.DIRECTOR},
           ("Gia hạn", "Extend the deadline"), True),
        _t("approve_extension", (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO), SAME,
           {Role.COORDINATOR, Role.DIRECTOR},
           ("Duyệt gia hạn", "Approve the extension"), True),
        _t("reject_extension", (State.ASSIGNED, State.IN_PROGRESS, State.NEEDS_INFO), SAME,
           {Role.COORDINATOR, Role.DIRECTOR},
           ("Không duyệt gia hạn", "Reject the extension"), False),
        _t("publish", (State.ANSWERED,), SAME, {Role.COORDINATOR},
           ("Công khai kết quả", "Publish the result"), True),
        _t("unpublish", (State.ANSWERED,), SAME, {Role.COORDINATOR},
           ("Gỡ công khai", "Unpublish"), False),
        # Closing the loop (issue 14). A review or a returned answer reopens an answered ticket in
        # in_progress; the draft then goes through answer/approve as usual, but approving it keeps the
        # first answer's date and on-time verdict (the review has its own due date and verdict).
        _t("rate", (State.ANSWERED,), SAME, {"submitter"},
           ("Đánh giá câu trả lời", "Rate the answer"), False),
        _t("request_review", (State.ANSWERED,), State.IN_PROGRESS, {"submitter"},
           ("Đề nghị xem xét lại", "Request reconsideration"), True),
        _t("reopen_review", (State.ANSWERED,), State.IN_PROGRESS, {Role.COORDINATOR},
           ("Mở lại để xem xét lại", "Reopen for reconsideration"), True),
        _t("return_answer", (State.ANSWERED,), State.IN_PROGRESS, {Role.COORDINATOR},
           ("Trả lại câu trả lời cho đơn vị", "Return the answer to the unit"), False),
        _t("note", _ANY_OPEN, SAME, {Role.OFFICER, Role.UNIT_HEAD, Role.COORDINATOR, Role.DIRECTOR},
           ("Ghi chú nội bộ", "Internal note"), False),
    )
}


class TransitionError(Exception):
    """An action that the table does not allow; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


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


def label(table: dict[str, tuple[str, str]], key: str, locale: str = "vi") -> str:
    """The Vietnamese or English label of a key in one of the label tables."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if locale.startswith("en") else pair[0]
