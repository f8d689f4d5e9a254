"""The access matrix: every staff route and action × role and unit → expected status, nothing changed on refusal.

Users: the coordinator (VP), the director (BGD), the admin, the unit head and two officers of CCTDC
(the ticket is routed there and assigned to `officer`), a unit head and an officer of another unit
(QLCN), and an anonymous visitor. Each case prepares a fresh ticket in a state where the table allows
the action, so the status measures the role, assignment and scope rules alone.
"""

from __future__ import annotations

import pytest

from feedback.extensions import db
from feedback.models import Attachment, OutboxMessage, Ticket, TicketEvent
from feedback.services import calendar, workflow
from feedback.services.intake import Upload
from feedback.timeutil import utcnow
from tests.factories import advance
from tests.support import csrf_token

USERS = ["coordinator", "director", "admin", "head", "officer", "officer2", "other_head", "other_officer", "anon"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (method, path, ticket state, form data, expected status per user in USERS order)
MATRIX = [
    ("GET", "/staff/", "in_progress", None, "200 200 200 200 200 200 200 200 302"),
    ("GET", "/staff/tickets/{code}", "new", None, "200 200 200 404 404 404 404 404 302"),
    ("GET", "/staff/tickets/{code}", "in_progress", None, "200 200 200 200 200 200 404 404 302"),
    ("GET", "/staff/tickets/{code}/attachments/{att}", "in_progress", None, "200 200 200 200 200 200 404 404 302"),
    ("GET", "/staff/tickets/new", "new", None, "200 200 403 200 200 200 200 200 302"),
    ("POST", "/staff/tickets/{code}/route", "new", {"unit": "QLCN"}, "303 403 403 404 404 404 404 404 302"),
    ("POST", "/staff/tickets/{code}/route", "in_progress", {"unit": "QLCN"}, "303 403 403 403 403 403 404 404 302"),
    ("POST", "/staff/tickets/{code}/refuse", "new", {"reason": "Trùng lặp."}, "303 403 403 404 404 404 404 404 302"),
    (
        "POST",
        "/staff/tickets/{code}/transfer",
        "new",
        {"agency": "Sở Công Thương", "reason": "Thẩm quyền."},
        "303 403 403 404 404 404 404 404 302",
    ),
    (
        "POST",
        "/staff/tickets/{code}/request-info",
        "in_progress",
        {"message": "Bổ sung?"},
        "303 403 403 303 303 403 404 404 302",
    ),
    (
        "POST",
        "/staff/tickets/{code}/provide-info",
        "needs_info",
        {"message": "Đã bổ sung qua điện thoại."},
        "303 403 403 303 303 403 404 404 302",
    ),
    (
        "POST",
        "/staff/tickets/{code}/assign",
        "assigned",
        {"assignee": "officer@test.vn"},
        "403 403 403 303 403 403 404 404 302",
    ),
    (
        "POST",
        "/staff/tickets/{code}/answer",
        "in_progress",
        {"answer": "Trả lời."},
        "403 403 403 303 303 403 404 404 302",
    ),
    (
        "POST",
        "/staff/tickets/{code}/return",
        "pending_approval",
        {"comment": "Sửa lại."},
        "403 303 403 303 403 403 404 404 302",
    ),
    ("POST", "/staff/tickets/{code}/approve", "pending_approval", {}, "403 303 403 303 403 403 404 404 302"),
    (
        "POST",
        "/staff/tickets/{code}/extend",
        "in_progress",
        {"due_date": "{ext}", "reason": "Cần thêm thời gian."},
        "303 303 403 303 403 403 404 404 302",
    ),
    ("POST", "/staff/tickets/{code}/approve-extension", "extension_pending", {}, "303 303 403 403 403 403 404 404 302"),
    ("POST", "/staff/tickets/{code}/reject-extension", "extension_pending", {}, "303 303 403 403 403 403 404 404 302"),
    ("POST", "/staff/tickets/{code}/note", "in_progress", {"body": "Ghi chú."}, "303 303 403 303 303 303 404 404 302"),
    ("POST", "/staff/tickets/{code}/delete", "in_progress", {}, "404 404 404 404 404 404 404 404 302"),
]

CASES = [
    pytest.param(
        method,
        path,
        state,
        data,
        user,
        int(expected.split()[i]),
        id=f"{method} {path.split('/')[-1] or 'queue'} {state} {user}",
    )
    for method, path, state, data, expected in MATRIX
    for i, user in enumerate(USERS)
]


def prepare(state: str, team, make_ticket) -> Ticket:
    """A ticket of category TDC in `state`, routed to CCTDC and assigned to `officer` once past `new`."""
    ticket = make_ticket(uploads=[Upload("giay-to.pdf", "pdf", PDF)])
    now = utcnow()
    path_state = "in_progress" if state in ("needs_info", "extension_pending") else state
    advance(ticket, team, path_state, now, answer="Dự thảo trả lời.")
    if state == "needs_info":
        workflow.request_info(ticket, team["officer"], "Đề nghị bổ sung.", now)
    if state == "extension_pending":
        ext = calendar.work_calendar().add_working_days(ticket.due_date, 5)
        workflow.extend(ticket, team["head"], ext, "Cần thêm thời gian.", now)
    db.session.commit()
    return ticket


def footprint(ticket_id: int) -> tuple:
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket_id)
    result = (
        ticket.version,
        ticket.state,
        db.session.execute(db.select(db.func.count(TicketEvent.id))).scalar(),
        db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar(),
        db.session.execute(db.select(db.func.count(Ticket.id))).scalar(),
    )
    db.session.rollback()
    return result


@pytest.mark.parametrize(("method", "path", "state", "data", "user", "expected"), CASES)
def test_access_matrix(app, team, make_ticket, staff_client, method, path, state, data, user, expected):
    ticket = prepare(state, team, make_ticket)
    ticket_id, code = ticket.id, ticket.code
    att = db.session.execute(db.select(Attachment.id).where(Attachment.ticket_id == ticket_id)).scalar_one()
    ext = calendar.work_calendar().add_working_days(ticket.due_date, 5).isoformat()
    if user == "anon":
        client = app.test_client()
        client.token = csrf_token(client, "/staff/login")
    else:
        client = staff_client(team[user])
    url = path.format(code=code, att=att)
    before = footprint(ticket_id)
    if method == "GET":
        response = client.get(url)
    elif url.endswith("/new"):
        form = dict(data or {})
        response = client.post(url, data={**form, "csrf_token": client.token})
    else:
        form = {k: v.format(ext=ext) for k, v in (data or {}).items()}
        response = client.post(url, data={**form, "csrf_token": client.token})
    assert response.status_code == expected, response.get_data(as_text=True)[:400]
    if expected == 302:
        assert "/staff/login" in response.headers["Location"]
    if method == "POST" and expected != 303:
        assert footprint(ticket_id) == before
    if method == "POST" and expected == 303:
        assert footprint(ticket_id)[0] > before[0]


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("coordinator", True),
        ("director", True),
        ("admin", True),
        ("head", True),
        ("officer", True),
        ("other_head", False),
        ("other_officer", False),
    ],
)
def test_queue_lists_only_tickets_in_scope(team, make_ticket, staff_client, user, sees):
    ticket = prepare("in_progress", team, make_ticket)
    code = ticket.code
    page = staff_client(team[user]).get("/staff/").get_data(as_text=True)
    assert (code in page) is sees


@pytest.mark.parametrize(
    ("user", "status"), [("coordinator", 303), ("director", 303), ("head", 303), ("officer", 303), ("admin", 403)]
)
def test_staff_registration_by_role(team, staff_client, valid_form, user, status):
    client = staff_client(team[user])
    form = {**valid_form, "channel": "paper", "csrf_token": client.token}
    response = client.post("/staff/tickets/new", data=form)
    assert response.status_code == status
    count = db.session.execute(db.select(db.func.count(Ticket.id))).scalar()
    assert count == (1 if status == 303 else 0)
