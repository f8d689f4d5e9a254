"""Staff pages and actions over HTTP: the full happy path, CSRF, wrong states, bad input, queue, reply, registration."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.models import Attachment, OutboxMessage, Ticket, TicketEvent
from feedback.services import outbox, workflow
from feedback.services.intake import Upload
from feedback.timeutil import utcnow
from tests.factories import advance

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reload(ticket_id: int) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def footprint(ticket_id: int) -> tuple:
    t = reload(ticket_id)
    return (
        t.version,
        t.state,
        t.due_date,
        t.unit_id,
        t.assignee_id,
        db.session.execute(db.select(db.func.count(TicketEvent.id))).scalar(),
        db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar(),
    )


def test_happy_path_from_routing_to_the_answer_in_the_submitters_mailbox(
    app, team, make_ticket, staff_client, smtp_server, signing
):
    # `signing`: the answer letter is signed on approval, so the answer mail goes out at once.
    ticket = make_ticket()
    code, token, ticket_id = ticket.code, ticket.tracking_token, ticket.id
    coord, head, officer = (staff_client(team[k]) for k in ("coordinator", "head", "officer"))

    page = coord.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="form-route"' in page and 'id="form-refuse"' in page and 'id="form-approve"' not in page
    r = coord.post(
        f"/staff/tickets/{code}/route", data={"unit": "CCTDC", "note": "Xử lý sớm.", "csrf_token": coord.token}
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/staff/tickets/{code}")
    assert reload(ticket_id).state == "assigned"

    page = head.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="form-assign"' in page and "officer@test.vn" in page and 'id="form-route"' not in page
    r = head.post(f"/staff/tickets/{code}/assign", data={"assignee": "officer@test.vn", "csrf_token": head.token})
    assert r.status_code == 303

    assert code in officer.get("/staff/?assignee=me").get_data(as_text=True)
    r = officer.post(
        f"/staff/tickets/{code}/answer",
        data={"answer": "Chi cục đã lên lịch kiểm định ngày 05/12.", "csrf_token": officer.token},
    )
    assert r.status_code == 303 and reload(ticket_id).state == "pending_approval"
    page = officer.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="form-approve"' not in page  # an officer does not approve

    page = head.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="form-approve"' in page and 'id="form-return"' in page
    r = head.post(f"/staff/tickets/{code}/approve", data={"csrf_token": head.token})
    assert r.status_code == 303
    done = reload(ticket_id)
    assert done.state == "answered" and done.on_time is True and done.answer.startswith("Chi cục")

    report = outbox.send_pending(utcnow())
    assert not report.failed
    received = {}
    for rcpts, message in smtp_server.messages:
        for rcpt in rcpts:
            received.setdefault(rcpt, []).append(message)
    subjects = [m["Subject"] for m in received["an.nguyen@example.com"]]
    assert any("Trả lời" in s for s in subjects), subjects
    answer_mail = next(m for m in received["an.nguyen@example.com"] if "Trả lời" in m["Subject"])
    body = answer_mail.get_body(preferencelist=("plain",)).get_content()
    assert "Chi cục đã lên lịch kiểm định ngày 05/12." in body and f"/track/{token}" in body
    assert answer_mail.get_body(preferencelist=("html",)) is not None
    assert any("chuyển đơn vị" in m["Subject"] for m in received["head@test.vn"])
    assert any("phân công" in m["Subject"] for m in received["officer@test.vn"])
    assert any("chờ duyệt" in m["Subject"] for m in received["head@test.vn"])

    public = app.test_client().get(f"/track/{token}").get_data(as_text=True)
    timeline = public[public.index('id="timeline"') :]
    assert "Chuyển đơn vị xử lý" in timeline and "Duyệt và gửi trả lời" in timeline
    assert "Phân công" not in timeline and "Xử lý sớm." not in timeline and "dự thảo" not in timeline.lower()
    assert "Chi cục đã lên lịch kiểm định" in public

    staff_page = coord.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert staff_page.count('data-public="false"') == 4  # note, assign, answer, letter issued (internal)
    assert 'data-public="true"' in staff_page


ACTION_URLS = [
    "route",
    "refuse",
    "transfer",
    "request-info",
    "provide-info",
    "assign",
    "answer",
    "return",
    "approve",
    "extend",
    "approve-extension",
    "reject-extension",
    "note",
]


@pytest.mark.parametrize("action", ACTION_URLS)
def test_every_staff_post_requires_csrf(team, make_ticket, staff_client, action):
    ticket = make_ticket()
    ticket_id, code = ticket.id, ticket.code
    client = staff_client(team["coordinator"])
    before = footprint(ticket_id)
    response = client.post(f"/staff/tickets/{code}/{action}", data={"unit": "CCTDC", "reason": "x", "body": "x"})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    assert footprint(ticket_id) == before


@pytest.mark.parametrize("path", ["/staff/tickets/new", "/staff/logout", "/staff/login"])
def test_other_staff_posts_require_csrf(team, staff_client, valid_form, path):
    client = staff_client(team["coordinator"])
    response = client.post(
        path, data={**valid_form, "channel": "paper", "email": "coord@test.vn", "password": "secret-pass-1"}
    )
    assert response.status_code == 400
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar() == 0
    assert client.get("/staff/").status_code == 200  # still signed in


# (state prepared, action url, role, data): the role may take the action, but not from this state.
WRONG_STATE = [
    ("assigned", "refuse", "coordinator", {"reason": "x"}),
    ("assigned", "transfer", "coordinator", {"agency": "A", "reason": "x"}),
    ("new", "assign", "coordinator", {"assignee": "officer@test.vn"}),  # role too, but 403 before state
    ("assigned", "answer", "head", {"answer": "x"}),
    ("in_progress", "approve", "head", {}),
    ("in_progress", "return", "head", {"comment": "x"}),
    ("pending_approval", "route", "coordinator", {"unit": "QLCN"}),
    ("pending_approval", "request-info", "head", {"message": "x"}),
    ("pending_approval", "extend", "head", {"due_date": "2030-01-02", "reason": "x"}),
    ("in_progress", "provide-info", "head", {"message": "x"}),
    ("in_progress", "approve-extension", "coordinator", {}),
    ("answered", "note", "coordinator", {"body": "x"}),
    ("answered", "route", "coordinator", {"unit": "QLCN"}),
    ("answered", "approve", "director", {}),
]


def prepare(state, team, make_ticket):
    return advance(make_ticket(), team, state, answer="Dự thảo.")


@pytest.mark.parametrize(
    ("state", "action", "role", "data"), WRONG_STATE, ids=[f"{a}-from-{s}" for s, a, _, _ in WRONG_STATE]
)
def test_wrong_state_actions_are_refused_and_change_nothing(team, make_ticket, staff_client, state, action, role, data):
    ticket = prepare(state, team, make_ticket)
    ticket_id, code = ticket.id, ticket.code
    client = staff_client(team[role])
    before = footprint(ticket_id)
    response = client.post(f"/staff/tickets/{code}/{action}", data={**data, "csrf_token": client.token})
    expected = 403 if (state, action) == ("new", "assign") else 409
    assert response.status_code == expected
    message = re.search(r'id="error-message">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert ("trạng thái" in message or "không có đề nghị" in message) if expected == 409 else "Vai trò" in message
    assert footprint(ticket_id) == before


BAD_INPUT = [
    ("new", "route", "coordinator", {"unit": ""}, "unit", "Vui lòng chọn đơn vị xử lý."),
    ("new", "route", "coordinator", {"unit": "CCTDC", "due_date": "2099-01-05"}, "due_date", "gia hạn"),
    ("new", "refuse", "coordinator", {"reason": "   "}, "reason", "lý do"),
    ("new", "transfer", "coordinator", {"agency": "", "reason": "x"}, "agency", "cơ quan"),
    ("assigned", "assign", "head", {"assignee": "otherofficer@test.vn"}, "assignee", "cán bộ"),
    ("in_progress", "answer", "officer", {"answer": ""}, "answer", "nội dung trả lời"),
    ("in_progress", "extend", "head", {"due_date": "2000-01-03", "reason": "x"}, "due_date", "Hạn mới"),
    ("in_progress", "note", "officer", {"body": ""}, "body", "ghi chú"),
]


@pytest.mark.parametrize(
    ("state", "action", "role", "data", "field", "text"), BAD_INPUT, ids=[f"{a}-{f}" for _, a, _, _, f, _ in BAD_INPUT]
)
def test_bad_input_is_a_400_with_the_message_beside_the_field(
    team, make_ticket, staff_client, state, action, role, data, field, text
):
    ticket = prepare(state, team, make_ticket)
    ticket_id, code = ticket.id, ticket.code
    client = staff_client(team[role])
    before = footprint(ticket_id)
    response = client.post(f"/staff/tickets/{code}/{action}", data={**data, "csrf_token": client.token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{action}-{field}-error">([^<]+)<', html)
    assert error and text.lower() in error.group(1).lower()
    assert footprint(ticket_id) == before


def test_a_form_from_an_outdated_page_is_refused(team, make_ticket, staff_client):
    ticket = make_ticket()
    code, ticket_id = ticket.code, ticket.id
    one, two = staff_client(team["coordinator"]), staff_client(team["coordinator"])
    seen = re.search(r'name="version" value="(\d+)"', one.get(f"/staff/tickets/{code}").get_data(as_text=True)).group(1)
    assert (
        one.post(
            f"/staff/tickets/{code}/route", data={"unit": "CCTDC", "version": seen, "csrf_token": one.token}
        ).status_code
        == 303
    )
    before = footprint(ticket_id)
    response = two.post(f"/staff/tickets/{code}/route", data={"unit": "QLCN", "version": seen, "csrf_token": two.token})
    assert response.status_code == 409 and "người khác cập nhật" in response.get_data(as_text=True)
    assert footprint(ticket_id) == before


def test_ticket_page_shows_everything_and_attachments_download(team, make_ticket, staff_client, app):
    ticket = make_ticket(uploads=[Upload("công văn.pdf", "pdf", PDF)])
    code = ticket.code
    att = db.session.execute(db.select(Attachment).where(Attachment.ticket_id == ticket.id)).scalar_one()
    att_id = att.id
    client = staff_client(team["coordinator"])
    html = client.get(f"/staff/tickets/{code}").get_data(as_text=True)
    for text in (
        "Công ty TNHH Cơ khí Chính xác Long An",
        "0101243150",
        "an.nguyen@example.com",
        "Nguyễn Văn An",
        "Lô C5, KCN Đức Hòa 1",
        "công văn.pdf",
        'id="due-explanation"',
        "kể từ ngày tiếp nhận",
        "Thông tư 23/2013/TT-BKHCN",
    ):
        assert text in html, text
    response = client.get(f"/staff/tickets/{code}/attachments/{att_id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    other = make_ticket()
    assert client.get(f"/staff/tickets/{other.code}/attachments/{att_id}").status_code == 404
    assert app.test_client().get(f"/staff/tickets/{code}/attachments/{att_id}").status_code == 302


def working_days_ago(n: int):
    """10:00 local on the n-th working day before today, as naive UTC."""
    from feedback.services import calendar
    from feedback.timeutil import local_today
    from tests.support import local

    cal, day = calendar.work_calendar(), local_today()
    for _ in range(n):
        day -= timedelta(days=1)
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
    return local(day.year, day.month, day.day, 10)


def test_queue_filters_counts_order_and_days(team, make_ticket, staff_client):
    now = utcnow()
    old = make_ticket(now=now - timedelta(days=40), title="Phản ánh đã quá hạn lâu", kind="proposal")
    workflow.route(old, team["coordinator"], "CCTDC", now - timedelta(days=39))
    workflow.assign(old, team["head"], team["officer"], now - timedelta(days=39))
    fresh = make_ticket(now=now, title="Kiến nghị mới về tem kiểm định", category="SHTT")
    # Received during office hours two working days before today, so that its deadline comes first
    # whatever today is (two calendar days before a Monday is a Saturday: received on the Monday too).
    other = make_ticket(now=working_days_ago(2), title="Chuyển phòng quản lý công nghệ")
    workflow.route(other, team["coordinator"], "QLCN", now)
    closed = make_ticket(now=now - timedelta(days=1))
    workflow.refuse(closed, team["coordinator"], "Trùng.", now)
    db.session.commit()
    codes = {k: t.code for k, t in (("old", old), ("fresh", fresh), ("other", other), ("closed", closed))}
    client = staff_client(team["coordinator"])

    def listed(query=""):
        html = client.get("/staff/" + query).get_data(as_text=True)
        return re.findall(r'<tr data-code="([^"]+)"', html), html

    rows, html = listed()
    assert rows == [codes["old"], codes["other"], codes["fresh"]]  # open only, soonest deadline first
    assert codes["closed"] not in rows
    assert re.search(r'data-state="refused"[^>]*>[^<]*<span class="badge text-bg-light count">1<', html)
    assert re.search(r'data-state="new"[^>]*>[^<]*<span class="badge text-bg-light count">1<', html)
    assert "Quá hạn" in html and "ngày LV" in html
    assert listed("?state=refused")[0] == [codes["closed"]]
    assert listed("?state=all")[0][0] == codes["old"] and len(listed("?state=all")[0]) == 4
    assert listed("?overdue=1")[0] == [codes["old"]]
    assert listed("?unit=QLCN")[0] == [codes["other"]]
    assert listed("?kind=proposal")[0] == [codes["old"]]
    assert listed("?category=SHTT")[0] == [codes["fresh"]]
    assert listed("?assignee=officer@test.vn")[0] == [codes["old"]]
    assert listed("?assignee=none")[0] == [codes["other"], codes["fresh"]]
    assert listed("?q=tem kiểm định")[0] == [codes["fresh"]]
    assert listed("?q=" + unicodedata.normalize("NFD", "tem kiểm định"))[0] == [codes["fresh"]]
    assert f'id="tracking-code">{codes["other"]}<' in listed(f"?q={codes['other']}")[1]  # the ticket's page
    assert listed("?due_within=0")[0] == [codes["old"]]
    assert set(listed("?due_within=40")[0]) == {codes["old"], codes["other"], codes["fresh"]}
    # Invalid filter values are ignored rather than failing.
    assert listed("?state=bogus&due_within=x")[0] == rows


def test_queue_pages_by_keyset(team, make_ticket, staff_client, monkeypatch):
    from feedback.staff import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    now = utcnow()
    codes = [make_ticket(now=now - timedelta(days=10 - i)).code for i in range(5)]
    client = staff_client(team["coordinator"])
    seen, url = [], "/staff/"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<tr data-code="([^"]+)"', html)
        nxt = re.search(r'id="next-page" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == codes


def test_submitter_reply_resumes_the_clock(app, team, make_ticket, staff_client):
    ticket = prepare("in_progress", team, make_ticket)
    workflow.request_info(ticket, team["officer"], "Đề nghị gửi bản chụp hóa đơn.", utcnow())
    db.session.commit()
    token, ticket_id, code = ticket.tracking_token, ticket.id, ticket.code
    visitor = app.test_client()
    page = visitor.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="reply"' in page and "Đề nghị gửi bản chụp hóa đơn." in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    before = footprint(ticket_id)
    r = visitor.post(f"/track/{token}/reply", data={"message": "Không có mã CSRF."})
    assert r.status_code == 400 and footprint(ticket_id) == before
    r = visitor.post(f"/track/{token}/reply", data={"message": " ", "csrf_token": csrf})
    assert r.status_code == 400 and "Vui lòng nhập thông tin này." in r.get_data(as_text=True)
    assert footprint(ticket_id) == before
    from io import BytesIO

    r = visitor.post(
        f"/track/{token}/reply",
        data={
            "message": "Hóa đơn số 123 đính kèm.",
            "csrf_token": csrf,
            "attachments": [(BytesIO(PDF), "hoa-don.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/track/{token}")
    t = reload(ticket_id)
    assert t.state == "in_progress" and t.paused_on is None
    event = t.events[-1]
    assert event.action == "provide_info" and event.public and event.message == "Hóa đơn số 123 đính kèm."
    att = db.session.execute(db.select(Attachment).where(Attachment.event_id == event.id)).scalar_one()
    assert att.original_name == "hoa-don.pdf" and att.file_type == "pdf"
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "staff_info_provided")).scalar_one()
    assert mail.recipients == "officer@test.vn"
    # Not waiting any more: the form is gone and a second reply is refused.
    page = visitor.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="reply"' not in page and "Hóa đơn số 123 đính kèm." in page
    r = visitor.post(f"/track/{token}/reply", data={"message": "Lần nữa", "csrf_token": csrf})
    assert r.status_code == 409
    assert staff_client(team["officer"]).get(f"/staff/tickets/{code}/attachments/{att.id}").status_code == 200


def test_staff_registers_a_phone_submission(team, staff_client, valid_form):
    client = staff_client(team["coordinator"])
    form = {**valid_form, "email": "", "phone": "0912 345 678", "channel": "phone", "csrf_token": client.token}
    response = client.post("/staff/tickets/new", data=form)
    assert response.status_code == 303
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.channel == "phone" and ticket.created_by_id == team["coordinator"].id and ticket.email is None
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket.code}")
    assert not db.session.execute(db.select(OutboxMessage)).first()  # no address, no acknowledgment
    bad = {**form, "phone": "", "email": ""}
    response = client.post("/staff/tickets/new", data=bad)
    assert response.status_code == 400 and "thư điện tử hoặc số điện thoại" in response.get_data(as_text=True)
    bad = {**form, "channel": "web"}
    assert client.post("/staff/tickets/new", data=bad).status_code == 400
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar() == 1


def test_unit_staff_registration_goes_back_to_the_queue(team, staff_client, valid_form):
    client = staff_client(team["officer"])
    response = client.post("/staff/tickets/new", data={**valid_form, "channel": "email", "csrf_token": client.token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/")
    assert "Đã tiếp nhận hồ sơ" in client.get("/staff/").get_data(as_text=True)
