"""The staff ticket page and the code look-up read the signed-in user and the ticket in one statement
(auth/sessions.companion, staff/views._user_with_ticket_page_statement). That statement reads the ticket
without the unit scope, so these check that the scope, the account checks and the look-up's fallback
decide exactly as before: another unit's ticket is a 404, a deactivated account or an ended session
sees nothing, and another unit's code is searched as text."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import User
from feedback.services import workflow
from feedback.timeutil import utcnow
from tests.support import signed_in_client, statements_reading

TABLES = ("users", "tickets", "ticket_events")


def routed(make_ticket, coordinator, unit: str, title: str):
    ticket = make_ticket(title=title)
    workflow.route(ticket, coordinator, unit, utcnow())
    db.session.commit()
    return ticket.code


def test_own_unit_ticket_in_one_statement_with_the_user(app, team, make_ticket):
    code = routed(make_ticket, team["coordinator"], "CCTDC", "Kiến nghị về lệ phí kiểm định cân ô tô tại Long An")
    client = signed_in_client(app, team["officer"])
    client.get(f"/staff/tickets/{code}")  # reference caches filled once
    seen, page = statements_reading(client, f"/staff/tickets/{code}", TABLES)
    assert len(seen) == 1 and "FROM users AS signed_in" in seen[0], seen
    assert "Kiến nghị về lệ phí kiểm định cân ô tô tại Long An" in page
    assert team["officer"].name in page  # the signed-in user read with it


def test_another_units_ticket_is_a_404_and_shows_nothing(app, team, make_ticket):
    code = routed(make_ticket, team["coordinator"], "QLCN", "Đề xuất sửa quy trình thẩm định công nghệ dự án")
    client = signed_in_client(app, team["officer"])  # CCTDC
    response = client.get(f"/staff/tickets/{code}")
    assert response.status_code == 404
    assert "Đề xuất sửa quy trình thẩm định công nghệ dự án" not in response.get_data(as_text=True)
    # The same page for that unit's officer and for the coordinator.
    for user in (team["other_officer"], team["coordinator"]):
        page = signed_in_client(app, user).get(f"/staff/tickets/{code}")
        assert page.status_code == 200 and "Đề xuất sửa quy trình thẩm định công nghệ dự án" in page.get_data(
            as_text=True
        )


def test_unknown_code_is_a_404(app, team):
    client = signed_in_client(app, team["coordinator"])
    assert client.get("/staff/tickets/PAKN-2026-999999").status_code == 404


def test_a_deactivated_account_or_an_ended_session_reads_no_ticket(app, team, make_ticket):
    code = routed(make_ticket, team["coordinator"], "CCTDC", "Phản ánh chậm trả kết quả hiệu chuẩn đồng hồ nước")
    deactivated = signed_in_client(app, team["officer"])
    ended = signed_in_client(app, team["officer2"])
    assert deactivated.get(f"/staff/tickets/{code}").status_code == 200
    db.session.execute(db.update(User).where(User.id == team["officer"].id).values(active=False))
    db.session.execute(
        db.update(User).where(User.id == team["officer2"].id).values(session_version=User.session_version + 1)
    )
    db.session.commit()
    for client in (deactivated, ended):
        for url in (f"/staff/tickets/{code}", f"/staff/?q={code}"):
            response = client.get(url)
            assert response.status_code in (302, 303) and "/staff/login" in response.headers["Location"], url
            assert "Phản ánh chậm trả kết quả hiệu chuẩn đồng hồ nước" not in response.get_data(as_text=True)


def test_code_look_up_reads_user_and_ticket_in_one_statement(app, team, make_ticket):
    code = routed(make_ticket, team["coordinator"], "CCTDC", "Kiến nghị bổ sung danh mục phương tiện đo nhóm 2")
    client = signed_in_client(app, team["officer"])
    client.get(f"/staff/?q={code.lower()}")
    seen, page = statements_reading(client, f"/staff/?q={code.lower()}", TABLES)
    assert len(seen) == 1 and "FROM users AS signed_in" in seen[0], seen
    assert "Kiến nghị bổ sung danh mục phương tiện đo nhóm 2" in page


def test_code_look_up_of_another_units_code_is_searched_as_text(app, team, make_ticket):
    code = routed(make_ticket, team["coordinator"], "QLCN", "Kiến nghị về thủ tục đăng ký chuyển giao công nghệ")
    response = signed_in_client(app, team["officer"]).get(f"/staff/?q={code}")
    assert response.status_code == 200 and "Content-Location" not in response.headers
    assert "Kiến nghị về thủ tục đăng ký chuyển giao công nghệ" not in response.get_data(as_text=True)


def test_an_action_after_the_page_still_reads_within_the_scope(app, team, make_ticket):
    """A POST is not read with the user: the action loads its ticket within the scope, as before."""
    code = routed(make_ticket, team["coordinator"], "QLCN", "Đề nghị gia hạn giấy chứng nhận hoạt động KH&CN")
    client = signed_in_client(app, team["officer"])  # CCTDC
    response = client.post(f"/staff/tickets/{code}/note", data={"csrf_token": client.token, "body": "Ghi chú nội bộ"})
    assert response.status_code == 404
