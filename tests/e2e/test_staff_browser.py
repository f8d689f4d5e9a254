"""The staff workflow in a real browser: route, assign, answer, approve; the submitter sees the answer."""

from __future__ import annotations

import re

import pytest

from feedback.extensions import db
from feedback.services import outbox
from feedback.timeutil import utcnow

pytestmark = pytest.mark.e2e


def sign_in(page, base, email):
    page.goto(f"{base}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("secret-pass-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/staff/")


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()


def test_route_assign_answer_approve_in_the_browser(live_server, page, make_user, make_ticket, smtp_server, signing):
    # `signing`: the answer letter is signed on approval and mailed at once (issue 12).
    make_user("coordinator", "VP", email="vp@test.vn", name="Lê Điều Phối")
    make_user("unit_head", "CCTDC", email="head@test.vn", name="Đặng Trưởng")
    make_user("officer", "CCTDC", email="cv@test.vn", name="Huỳnh Chuyên Viên")
    ticket = make_ticket()
    code, token = ticket.code, ticket.tracking_token
    db.session.rollback()  # release SQLite's write lock before the live server needs it

    sign_in(page, live_server, "vp@test.vn")
    page.get_by_role("link", name=code).click()
    assert page.locator("#state").inner_text().strip() == "Mới tiếp nhận"
    page.locator("#route-unit").select_option("CCTDC")
    page.locator("#form-route").get_by_role("button", name="Chuyển").click()
    assert page.locator("#state").inner_text().strip() == "Đã chuyển đơn vị xử lý"
    assert "Chi cục Tiêu chuẩn Đo lường Chất lượng" in page.locator("#unit").inner_text()
    sign_out(page)

    sign_in(page, live_server, "head@test.vn")
    page.get_by_role("link", name=code).click()
    page.locator("#assign-assignee").select_option("cv@test.vn")
    page.get_by_role("button", name="Phân công").click()
    assert page.locator("#assignee").inner_text().strip() == "Huỳnh Chuyên Viên"
    sign_out(page)

    sign_in(page, live_server, "cv@test.vn")
    page.get_by_role("link", name=code).click()
    page.locator("#answer-text").fill("Chi cục đã bố trí lịch kiểm định vào thứ Hai tuần tới.")
    page.get_by_role("button", name="Trình duyệt").click()
    assert page.locator("#state").inner_text().strip() == "Chờ lãnh đạo duyệt"
    assert page.locator("#form-approve").count() == 0
    sign_out(page)

    sign_in(page, live_server, "head@test.vn")
    page.get_by_role("link", name=code).click()
    page.get_by_role("button", name="Duyệt, gửi người gửi").click()
    assert page.locator("#state").inner_text().strip() == "Đã trả lời"
    internal = page.locator('#timeline li[data-public="false"]').count()
    assert internal == 3  # assignment, draft, letter issued
    sign_out(page)

    page.goto(f"{live_server}/track/{token}")
    assert page.locator("#state").inner_text().strip() == "Đã trả lời"
    assert "lịch kiểm định" in page.locator("#answer").inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Phân công" not in timeline and "Duyệt và gửi trả lời" in timeline

    outbox.send_pending(utcnow())
    answers = [m for rcpts, m in smtp_server.messages if "an.nguyen@example.com" in rcpts and "Trả lời" in m["Subject"]]
    assert len(answers) == 1
    assert "lịch kiểm định" in answers[0].get_body(preferencelist=("plain",)).get_content()
    assert re.search(rf"/track/{re.escape(token)}", answers[0].get_body(preferencelist=("plain",)).get_content())


def test_a_tracking_code_typed_in_the_search_opens_the_ticket_at_its_own_address(
    live_server, page, make_user, make_ticket
):
    make_user("coordinator", "VP", email="vp@test.vn", name="Lê Điều Phối")
    ticket = make_ticket(title="Kiến nghị về lệ phí cấp giấy chứng nhận kiểm định")
    code = ticket.code
    db.session.rollback()

    sign_in(page, live_server, "vp@test.vn")
    page.locator("#q").fill(code.lower())
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_load_state()
    assert page.locator("#tracking-code").inner_text().strip() == code
    assert "lệ phí cấp giấy chứng nhận" in page.locator("h1").inner_text()
    # The address bar shows the ticket's own address: a reload opens the ticket, and its actions work.
    assert page.url == f"{live_server}/staff/tickets/{code}"
    page.reload()
    assert page.locator("#tracking-code").inner_text().strip() == code
    page.locator("#route-unit").select_option("CCTDC")
    page.locator("#form-route").get_by_role("button", name="Chuyển").click()
    assert page.locator("#state").inner_text().strip() == "Đã chuyển đơn vị xử lý"
    assert page.url == f"{live_server}/staff/tickets/{code}"
