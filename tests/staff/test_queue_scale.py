"""The staff queue read model (issue 16): counts per state, the tracking-code look-up and the staff search.

Counts are compared with a recount straight from the tickets for each role's scope and filter; the
search is checked field by field, typed without accents, and after a correction and an anonymisation.
"""

from __future__ import annotations

import re
from datetime import timedelta

from feedback.db.search import staff_search_for
from feedback.domain.states import State
from feedback.extensions import db
from feedback.models import Ticket, Unit
from feedback.services import data_requests, privacy, workflow
from feedback.timeutil import local_today, utcnow

STATES = [s.value for s in State]


def shown_counts(html: str) -> dict[str, int]:
    found = re.findall(r'data-state="([a-z_]+)"[^>]*>[^<]*<span class="badge text-bg-light count">(\d+)<', html)
    return {state: int(n) for state, n in found}


def listed(client, query: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', client.get("/staff/" + query).get_data(as_text=True))


def recount(unit_code: str | None = None, *, overdue: bool = False) -> dict[str, int]:
    stmt = db.select(Ticket.state, db.func.count()).group_by(Ticket.state)
    if unit_code:
        stmt = stmt.where(Ticket.unit_id == db.select(Unit.id).where(Unit.code == unit_code).scalar_subquery())
    if overdue:
        stmt = stmt.where(
            Ticket.state.in_(["new", "assigned", "in_progress", "pending_approval"]), Ticket.due_date < local_today()
        )
    counted = dict(db.session.execute(stmt).all())
    return {state: counted.get(state, 0) for state in STATES}


def spread(team, make_ticket) -> None:
    """Tickets in three units and most states, some long overdue."""
    now = utcnow()
    coord, head, officer = team["coordinator"], team["head"], team["officer"]
    for i in range(3):
        make_ticket(now=now - timedelta(days=3 * i), title=f"Phản ánh chưa chuyển số {i}")
    for i, unit in enumerate(["CCTDC", "CCTDC", "QLCN", "TTUD", "CCTDC"]):
        t = make_ticket(now=now - timedelta(days=50 - i), title=f"Kiến nghị đã chuyển {i}")
        workflow.route(t, coord, unit, now - timedelta(days=49 - i))
        if unit == "CCTDC":
            workflow.assign(t, head, officer, now - timedelta(days=48 - i))
    refused = make_ticket(now=now - timedelta(days=5), title="Trùng nội dung")
    workflow.refuse(refused, coord, "Trùng với hồ sơ đã giải quyết.", now)
    db.session.commit()


def test_counts_equal_a_recount_in_every_scope_and_state(team, make_ticket, staff_client):
    spread(team, make_ticket)
    coordinator, officer = staff_client(team["coordinator"]), staff_client(team["officer"])
    assert shown_counts(coordinator.get("/staff/").get_data(as_text=True)) == recount()
    assert shown_counts(coordinator.get("/staff/?overdue=1").get_data(as_text=True)) == recount(overdue=True)
    assert shown_counts(coordinator.get("/staff/?unit=QLCN").get_data(as_text=True)) == recount("QLCN")
    own = shown_counts(officer.get("/staff/").get_data(as_text=True))
    assert own == recount("CCTDC") and sum(own.values()) == 3 and own["new"] == 0
    # A unit the officer does not belong to counts nothing (the filter narrows the scope, never widens it).
    assert sum(shown_counts(officer.get("/staff/?unit=QLCN").get_data(as_text=True)).values()) == 0


def test_counts_follow_a_change_made_in_this_process_and_say_when_they_were_counted(team, make_ticket, staff_client):
    spread(team, make_ticket)
    client = staff_client(team["coordinator"])
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_counts(html)["refused"] == 1
    assert re.search(r'id="counts-at">[^<]*\d\d:\d\d:\d\d', html)
    fresh = make_ticket(title="Đề nghị hướng dẫn thủ tục mới")
    workflow.refuse(fresh, team["coordinator"], "Không thuộc thẩm quyền.", utcnow())
    db.session.commit()
    assert shown_counts(client.get("/staff/").get_data(as_text=True)) == recount()
    assert recount()["refused"] == 2


def test_an_exact_tracking_code_goes_to_the_ticket_within_the_users_scope(team, make_ticket, staff_client):
    now = utcnow()
    ours = make_ticket(title="Kiểm định cân")
    theirs = make_ticket(title="Chuyển giao quy trình nuôi cấy mô cho hợp tác xã")
    workflow.route(ours, team["coordinator"], "CCTDC", now)
    workflow.route(theirs, team["coordinator"], "QLCN", now)
    db.session.commit()
    coordinator, officer = staff_client(team["coordinator"]), staff_client(team["officer"])

    def ticket_page_of(response) -> str | None:
        """The code of the ticket whose page the response is (its heading's code), if it is one."""
        found = re.search(r'id="tracking-code">([^<]+)<', response.get_data(as_text=True))
        return found.group(1) if found else None

    # The answer is the ticket's page itself, in one response, naming the ticket's own address.
    response = coordinator.get("/staff/?q=" + theirs.code.lower())
    assert response.status_code == 200 and ticket_page_of(response) == theirs.code
    assert "nuôi cấy mô cho hợp tác xã" in response.get_data(as_text=True)
    assert response.headers["Content-Location"] == f"/staff/tickets/{theirs.code}"
    assert f'<link rel="canonical" href="/staff/tickets/{theirs.code}">' in response.get_data(as_text=True)
    response = officer.get(f"/staff/?q=%20{ours.code}%20")
    assert response.status_code == 200 and ticket_page_of(response) == ours.code
    assert response.headers["Content-Location"] == f"/staff/tickets/{ours.code}"
    # Its forms post to the ticket's own address, as on the ticket's page.
    assert f'action="/staff/tickets/{ours.code}/note"' in response.get_data(as_text=True)
    # Another unit's ticket: not its page, no row, and its page stays a 404 (as before).
    response = officer.get(f"/staff/?q={theirs.code}")
    assert response.status_code == 200 and not re.findall(r"<tr data-code=", response.get_data(as_text=True))
    assert ticket_page_of(response) is None and "nuôi cấy mô cho hợp tác xã" not in response.get_data(as_text=True)
    assert "Content-Location" not in response.headers
    assert officer.get(f"/staff/tickets/{theirs.code}").status_code == 404
    # A code that does not exist is searched like any text (nothing found).
    assert coordinator.get("/staff/?q=PAKN-1999-000001").status_code == 200


def test_search_finds_each_field_without_accents(team, make_ticket, staff_client):
    wanted = make_ticket(
        organization="Công ty TNHH Minh Phát",
        name="Trần Thị Bích Ngọc",
        email="bichngoc@minhphat.com.vn",
        tax_code="0312456789",
        phone="0983 112 233",
        title="Đề nghị rút ngắn thời gian thẩm định công nghệ",
        content="Dự án nhà máy đóng tàu Đồng Tháp đã chờ thẩm định hơn hai tháng.",
    )
    other = make_ticket(title="Kiểm định phương tiện đo nhóm 2")
    client = staff_client(team["coordinator"])
    for query in (
        "minh phat",
        "MINH PHÁT",
        "tran thi bich ngoc",
        "bichngoc@minhphat",
        "0312456789",
        "0983112233",
        "0983 112",
        "rut ngan thoi gian",
        "dong tau dong thap",
        wanted.code[-6:],
        "Đồng Tháp thẩm định",
    ):
        assert listed(client, "?q=" + query) == [wanted.code], query
    assert listed(client, "?q=phuong tien do") == [other.code]
    assert listed(client, "?q=minh phat kiểm định phương tiện") == []
    assert listed(client, "?q=50%25") == [] and listed(client, "?q=_") == []


def test_search_text_follows_a_correction_and_is_cleared_by_anonymisation(app, team, make_ticket, staff_client):
    ticket = make_ticket(
        organization="Công ty CP Thủy sản Hậu Giang",
        name="Lý Văn Phúc",
        email="phuc.ly@thuysanhg.vn",
        phone="0907 654 321",
        tax_code="1800567890",
    )
    code = ticket.code
    coordinator = team["coordinator"]
    request = data_requests.submit(ticket, "correct", "Đề nghị sửa tên người liên hệ và số điện thoại.", utcnow())
    db.session.commit()
    data_requests.complete(
        request,
        coordinator,
        "Đã cập nhật theo yêu cầu của Quý vị.",
        utcnow(),
        corrections={"name": "Lý Thị Hạnh", "phone": "0911 222 333"},
    )
    db.session.commit()
    client = staff_client(coordinator)
    assert listed(client, "?q=ly thi hanh") == [code] and listed(client, "?q=0911222333") == [code]
    assert listed(client, "?q=ly van phuc") == [] and listed(client, "?q=0907654321") == []
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    workflow.refuse(ticket, coordinator, "Không thuộc thẩm quyền của Sở.", utcnow())
    privacy.anonymise_ticket(ticket, utcnow(), privacy.AnonymiseResult())
    db.session.commit()
    for gone in ("ly thi hanh", "0911222333", "phuc.ly@thuysanhg", "1800567890", "hau giang"):
        assert listed(client, f"?q={gone}&state=all") == [], gone
    assert listed(client, f"?q={code[-6:]}&state=all") == [code]


def test_stored_search_text_is_the_folding_of_the_eight_fields(app, make_ticket):
    ticket = make_ticket(
        organization="HTX Nông nghiệp Đức Huệ",
        name="Đặng Thị Ánh Tuyết",
        tax_code="1100998877",
        email="Anh.Tuyet@HTXDucHue.vn",
        phone="0272 3 456 789",
        title="Kiến nghị về  nhãn   hàng hóa",
        content="Sản phẩm gạo ST25\nđóng gói tại Long An.",
    )
    stored = db.session.execute(db.text("SELECT staff_search FROM tickets WHERE id = :i"), {"i": ticket.id}).scalar()
    assert stored == staff_search_for(
        ticket.code,
        ticket.title,
        ticket.content,
        ticket.organization,
        ticket.name,
        ticket.email,
        ticket.tax_code,
        ticket.phone,
    )
    assert "duc hue" in stored and "dang thi anh tuyet" in stored and "nhan hang hoa" in stored


def test_rows_written_in_sql_are_searchable_too(app, team, make_ticket, staff_client):
    ticket = make_ticket(organization="Công ty TNHH Minh Phát")
    # A correction made directly in SQL (an import, a repair): the stored text follows on PostgreSQL
    # (trigger); `flask search setup` fills what is missing on either database.
    db.session.execute(
        db.text("UPDATE tickets SET organization = :o, staff_search = NULL WHERE id = :i"),
        {"o": "Công ty CP Đồng Nai Xanh", "i": ticket.id},
    )
    from feedback.db.search import fill_staff_search

    fill_staff_search()
    db.session.commit()
    client = staff_client(team["coordinator"])
    assert listed(client, "?q=dong nai xanh") == [ticket.code] and listed(client, "?q=minh phat") == []
    if app.config["BACKEND"] == "postgresql":
        db.session.execute(
            db.text("UPDATE tickets SET name = :n WHERE id = :i"), {"n": "Hồ Thị Mỹ Duyên", "i": ticket.id}
        )
        db.session.commit()
        assert listed(client, "?q=ho thi my duyen") == [ticket.code]
