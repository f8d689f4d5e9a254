"""Administration: admins only, every change audited, nothing tickets refer to deleted, calendar effects."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.models import AuditLog, CalendarOverride, Category, DeadlineRule, Ticket, Unit, User
from feedback.services import calendar
from tests.support import csrf_token, release, sign_in

GET_PAGES = [
    "/staff/admin/",
    "/staff/admin/users",
    "/staff/admin/users/new",
    "/staff/admin/units",
    "/staff/admin/units/new",
    "/staff/admin/categories",
    "/staff/admin/categories/new",
    "/staff/admin/rules",
    "/staff/admin/rules/new",
    "/staff/admin/calendar",
    "/staff/admin/audit",
]


def audit_rows(**where) -> list[AuditLog]:
    stmt = db.select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditLog, key) == value)
    return db.session.execute(stmt).scalars().all()


@pytest.fixture
def admin(staff):
    return staff("admin", email="admin@test.sokhcn.vn")


def post(client, path: str, data: dict, token_page: str = "/staff/admin/"):
    data = {**data, "csrf_token": csrf_token(client, token_page)}
    return client.post(path, data=data)


@pytest.mark.parametrize(
    ("role", "unit"), [("officer", "QLCN"), ("unit_head", "CCTDC"), ("coordinator", None), ("director", None)]
)
def test_admin_pages_refused_to_other_roles(client, staff, make_user, role, unit):
    target = make_user("officer", "QLCN")
    target_id = target.id
    rule_id = db.session.execute(db.select(DeadlineRule.id)).scalars().first()
    unit_id = db.session.execute(db.select(Unit.id)).scalars().first()
    staff(role, unit)
    for path in [
        *GET_PAGES,
        f"/staff/admin/users/{target_id}",
        f"/staff/admin/rules/{rule_id}",
        f"/staff/admin/units/{unit_id}",
    ]:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/staff/dashboard")
    posts = [
        (
            "/staff/admin/users/new",
            {"email": "x@test.vn", "name": "X", "role": "admin", "password": "gio-mua-xuan-2026"},
        ),
        (f"/staff/admin/users/{target_id}/deactivate", {}),
        (f"/staff/admin/users/{target_id}/password", {"password": "new-password-1"}),
        ("/staff/admin/units/new", {"code": "NEW", "name": "Mới"}),
        ("/staff/admin/calendar", {"day": "2026-12-24", "day_type": "day_off"}),
        (f"/staff/admin/rules/{rule_id}", {"amount": "1", "day_unit": "working_days", "legal_basis": "x"}),
    ]
    for path, data in posts:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    release()
    assert audit_rows() == []
    assert db.session.get(User, target_id).active is True


def test_admin_pages_render_for_admins(client, admin):
    for path in GET_PAGES:
        r = client.get(path)
        assert r.status_code == 200, path
    index = client.get("/staff/admin/").get_data(as_text=True)
    for link in (
        "/staff/admin/users",
        "/staff/admin/units",
        "/staff/admin/categories",
        "/staff/admin/rules",
        "/staff/admin/calendar",
        "/staff/admin/outbox",
        "/staff/admin/audit",
    ):
        assert f'href="{link}' in index, link


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get("/staff/admin/users")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_create_user_and_errors_beside_fields(client, admin):
    unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == "QLCN")).scalar_one()
    release()
    r = post(
        client,
        "/staff/admin/users/new",
        {
            "email": "Hoa.Tran@Test.SoKHCN.vn",
            "name": "Trần Thị Hoa",
            "role": "officer",
            "unit": str(unit_id),
            "password": "mat-khau-hoa-2026",
        },
        "/staff/admin/users/new",
    )
    assert r.status_code == 303
    user = db.session.execute(db.select(User).where(User.email == "hoa.tran@test.sokhcn.vn")).scalar_one()
    assert (user.role, user.unit_id, user.active) == ("officer", unit_id, True)
    [row] = audit_rows(entity="user", action="create")
    assert row.actor_id == admin.id and row.entity_id == str(user.id) and row.details["role"] == "officer"
    assert "mat-khau-hoa-2026" not in str(row.details)
    release()
    # The same email again, an officer without a unit, a short password: 400, errors beside the fields.
    for data, field in [
        ({"email": "hoa.tran@test.sokhcn.vn", "role": "coordinator"}, "email"),
        ({"email": "b@test.sokhcn.vn", "role": "officer"}, "unit"),
        ({"email": "c@test.sokhcn.vn", "role": "admin", "password": "short"}, "password"),
    ]:
        form = {"name": "B", "unit": "", "password": "long-enough-1", **data}
        r = post(client, "/staff/admin/users/new", form, "/staff/admin/users/new")
        assert r.status_code == 400
        html = r.get_data(as_text=True)
        assert f'id="{field}-error"' in html, field
        assert data["email"] in html  # values kept
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 2


def test_deactivated_user_cannot_sign_in_and_tickets_stay(app, client, admin, make_user, put_ticket):
    officer = make_user("officer", "QLCN", email="officer@test.sokhcn.vn")
    officer_id = officer.id
    put_ticket(unit="QLCN", state="in_progress", assignee_id=officer_id, title="Hồ sơ của chuyên viên")
    put_ticket(
        unit="QLCN",
        state="answered",
        assignee_id=officer_id,
        answered_by_id=officer_id,
        answered_on=date(2025, 3, 10),
        on_time=True,
    )
    before = db.session.execute(
        db.select(Ticket.code, Ticket.state, Ticket.assignee_id, Ticket.version).order_by(Ticket.id)
    ).all()
    release()
    # The officer is signed in on another browser.
    other = app.test_client()
    assert sign_in(other, "officer@test.sokhcn.vn").status_code in (302, 303)
    assert other.get("/staff/dashboard").status_code == 200

    r = post(client, f"/staff/admin/users/{officer_id}/deactivate", {}, f"/staff/admin/users/{officer_id}")
    assert r.status_code == 303
    assert db.session.get(User, officer_id).active is False
    [row] = audit_rows(entity="user", action="deactivate")
    assert row.actor_id == admin.id and row.entity_id == str(officer_id)
    after = db.session.execute(
        db.select(Ticket.code, Ticket.state, Ticket.assignee_id, Ticket.version).order_by(Ticket.id)
    ).all()
    assert after == before
    release()

    # The open session ends, and signing in again is refused.
    r = other.get("/staff/dashboard")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]
    r = sign_in(other, "officer@test.sokhcn.vn")
    # Refused exactly like a wrong password: nothing tells that the password was right (issue 11).
    assert r.status_code == 401 and "không đúng" in r.get_data(as_text=True)
    # The user page still shows them; there is no way to delete a user.
    assert client.post(
        f"/staff/admin/users/{officer_id}/delete", data={"csrf_token": csrf_token(client, "/staff/admin/")}
    ).status_code in (404, 405)
    # Reactivation is audited too.
    assert post(client, f"/staff/admin/users/{officer_id}/activate", {}).status_code == 303
    assert [r.action for r in audit_rows(entity="user")] == ["deactivate", "activate"]


def test_admin_cannot_lock_themselves_out(client, admin):
    admin_id = admin.id
    release()
    r = post(client, f"/staff/admin/users/{admin_id}/deactivate", {})
    assert r.status_code == 409
    r = post(
        client,
        f"/staff/admin/users/{admin_id}",
        {"name": "A", "role": "officer", "unit": ""},
        f"/staff/admin/users/{admin_id}",
    )
    assert r.status_code == 400
    assert db.session.get(User, admin_id).active is True and db.session.get(User, admin_id).role == "admin"
    assert audit_rows() == []


def test_reset_password_and_change_role(app, client, admin, make_user):
    from feedback.models import RateEvent
    from feedback.timeutil import utcnow

    user = make_user("officer", "QLCN", email="doi@test.sokhcn.vn")
    user_id = user.id
    for _i in range(app.config["LOGIN_MAX_FAILURES"]):  # locked out by failed attempts
        db.session.add(RateEvent(scope="login_account", key="doi@test.sokhcn.vn", at=utcnow()))
    db.session.commit()
    unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == "CCTDC")).scalar_one()
    release()
    r = post(
        client,
        f"/staff/admin/users/{user_id}/password",
        {"password": "mat-khau-moi-2"},
        f"/staff/admin/users/{user_id}",
    )
    assert r.status_code == 303
    r = post(
        client,
        f"/staff/admin/users/{user_id}",
        {"name": "Đổi Vai", "role": "unit_head", "unit": str(unit_id)},
        f"/staff/admin/users/{user_id}",
    )
    assert r.status_code == 303
    user = db.session.get(User, user_id)
    assert (user.role, user.unit_id, user.name) == ("unit_head", unit_id, "Đổi Vai")
    assert user.check_password("mat-khau-moi-2") and not user.check_password("secret-pass-1")
    rows = audit_rows(entity="user")
    assert [r.action for r in rows] == ["reset_password", "update"]
    assert all("mat-khau" not in str(r.details) for r in rows)
    assert rows[1].details["changes"]["role"] == ["officer", "unit_head"]
    release()
    other = app.test_client()
    assert sign_in(other, "doi@test.sokhcn.vn", "mat-khau-moi-2").status_code == 303


def test_units_and_categories(client, admin, put_ticket):
    r = post(
        client,
        "/staff/admin/units/new",
        {
            "code": "ttdmst",
            "name": "Trung tâm Đổi mới sáng tạo",
            "name_en": "Innovation Centre",
            "email": "ttdmst@sokhcn.vn",
            "sort_order": "60",
        },
        "/staff/admin/units/new",
    )
    assert r.status_code == 303
    unit = db.session.execute(db.select(Unit).where(Unit.code == "TTDMST")).scalar_one()
    unit_id = unit.id
    release()
    r = post(client, "/staff/admin/units/new", {"code": "TTDMST", "name": "Trùng"}, "/staff/admin/units/new")
    assert r.status_code == 400 and 'id="code-error"' in r.get_data(as_text=True)
    r = post(
        client,
        "/staff/admin/categories/new",
        {"code": "DMST", "name": "Đổi mới sáng tạo", "default_unit": str(unit_id), "sort_order": "55"},
        "/staff/admin/categories/new",
    )
    assert r.status_code == 303
    category = db.session.execute(db.select(Category).where(Category.code == "DMST")).scalar_one()
    assert category.default_unit_id == unit_id
    category_id = category.id
    put_ticket(category="DMST", unit="TTDMST", state="in_progress")
    release()
    # Deactivate both (nothing is deleted; the ticket keeps its unit and category). The unit cannot go
    # while a category in use still names it as its default unit.
    unit_form = {"name": "Trung tâm Đổi mới sáng tạo", "sort_order": "60"}  # the active box left unticked
    r = post(client, f"/staff/admin/units/{unit_id}", unit_form, f"/staff/admin/units/{unit_id}")
    assert r.status_code == 400 and "DMST" in r.get_data(as_text=True)
    assert db.session.get(Unit, unit_id).active is True
    vp = db.session.execute(db.select(Unit.id).where(Unit.code == "VP")).scalar_one()
    r = post(
        client,
        f"/staff/admin/categories/{category_id}",
        {"name": "Đổi mới sáng tạo", "default_unit": str(vp), "sort_order": "55"},
        f"/staff/admin/categories/{category_id}",
    )
    assert r.status_code == 303
    r = post(client, f"/staff/admin/units/{unit_id}", unit_form, f"/staff/admin/units/{unit_id}")
    assert r.status_code == 303
    assert db.session.get(Unit, unit_id).active is False
    category = db.session.get(Category, category_id)
    assert category.active is False and category.default_unit_id == vp
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert (ticket.unit_id, ticket.category_id) == (unit_id, category_id)
    actions = [(r.entity, r.action) for r in audit_rows()]
    assert actions == [("unit", "create"), ("category", "create"), ("category", "update"), ("unit", "update")]
    assert audit_rows(entity="unit", action="update")[0].details["changes"]["active"] == [True, False]
    release()
    assert client.get("/staff/admin/units").status_code == 200


def test_deadline_rules(client, admin):
    category_id = db.session.execute(db.select(Category.id).where(Category.code == "SHTT")).scalar_one()
    release()
    r = post(
        client,
        "/staff/admin/rules/new",
        {
            "purpose": "answer",
            "kind": "proposal",
            "category": str(category_id),
            "amount": "10",
            "day_unit": "working_days",
            "legal_basis": "",
        },
        "/staff/admin/rules/new",
    )
    assert r.status_code == 400 and 'id="legal_basis-error"' in r.get_data(as_text=True)
    r = post(
        client,
        "/staff/admin/rules/new",
        {
            "purpose": "answer",
            "kind": "proposal",
            "category": str(category_id),
            "amount": "10",
            "day_unit": "working_days",
            "legal_basis": "Quyết định 01/QĐ-SKHCN",
        },
        "/staff/admin/rules/new",
    )
    assert r.status_code == 303
    rule = calendar.rule_for("answer", "proposal", category_id)
    assert (rule.amount, rule.unit, rule.legal_basis) == (10, "working_days", "Quyết định 01/QĐ-SKHCN")
    assert calendar.rule_for("answer", "complaint", category_id).amount == 20  # others keep the default
    rule_id = db.session.execute(db.select(DeadlineRule.id).where(DeadlineRule.kind == "proposal")).scalar_one()
    release()
    r = post(
        client,
        f"/staff/admin/rules/{rule_id}",
        {"amount": "12", "day_unit": "working_days", "legal_basis": "Quyết định 02/QĐ-SKHCN"},
        f"/staff/admin/rules/{rule_id}",
    )  # unticked: deactivated
    assert r.status_code == 303
    assert calendar.rule_for("answer", "proposal", category_id).amount == 20
    rows = audit_rows(entity="deadline_rule")
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].details["changes"]["amount"] == [10, 12]
    release()
    assert "Quyết định 02" in client.get("/staff/admin/rules").get_data(as_text=True)


def test_day_off_moves_the_next_deadline(client, admin, make_ticket, make_user):
    from feedback.services import workflow

    # Received Wednesday 04/03/2026: 20 calendar days end on Tuesday 24/03/2026.
    received = date(2026, 3, 4)
    assert calendar.compute("answer", received).due == date(2026, 3, 24)
    first = make_ticket(now=datetime(2026, 3, 4, 3, 0))  # 10:00 local
    assert first.received_on == received and first.due_date == date(2026, 3, 24)
    waiting = make_ticket(now=datetime(2026, 3, 4, 3, 30))  # not routed yet
    waiting_id = waiting.id
    coordinator = make_user("coordinator")
    release()
    preview_before = client.get("/staff/admin/calendar").get_data(as_text=True)

    r = post(
        client,
        "/staff/admin/calendar",
        {"day": "2026-03-24", "day_type": "day_off", "note": "Thông báo 12/TB-UBND"},
        "/staff/admin/calendar",
    )
    assert r.status_code == 303
    deadline = calendar.compute("answer", received)
    assert deadline.due == date(2026, 3, 25)
    assert "Thông báo 12/TB-UBND" in deadline.explain("vi")
    second = make_ticket(now=datetime(2026, 3, 4, 4, 0))
    assert second.due_date == date(2026, 3, 25)
    # The open ticket due on the new day off moves to the next working day (issue: deadlines that stay
    # lawful), with a public timeline event naming the change and an email to the submitter.
    moved = db.session.get(Ticket, first.id)
    assert moved.due_date == date(2026, 3, 25)
    [event] = [e for e in moved.events if e.action == "deadline_moved"]
    assert event.public and "24/03/2026" in event.message and "25/03/2026" in event.message
    assert "Thông báo 12/TB-UBND" in event.message
    from feedback.models import OutboxMessage

    assert db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.kind == "deadline_moved", OutboxMessage.ticket_id == first.id)
    ).scalar_one()
    # The next ticket the office routes gets its written deadline with the new day off.
    waiting = db.session.get(Ticket, waiting_id)
    workflow.route(waiting, coordinator, "CCTDC", datetime(2026, 3, 5, 2, 0))
    db.session.commit()
    waiting = db.session.get(Ticket, waiting_id)
    assert (waiting.state, waiting.due_date) == ("assigned", date(2026, 3, 25))
    assert "24/03/2026" in waiting.due_explanation and "25/03/2026" in waiting.due_explanation
    [row] = audit_rows(entity="calendar_override")
    assert row.actor_id == admin.id and row.details == {
        "day": "2026-03-24",
        "day_type": "day_off",
        "note": "Thông báo 12/TB-UBND",
    }
    override_id = db.session.execute(db.select(CalendarOverride.id)).scalar_one()
    release()

    # A swapped working Saturday moves a working-day count the other way.
    assert calendar.compute("route", date(2026, 3, 27)).due == date(2026, 3, 31)  # Fri + 2 working days
    r = post(client, "/staff/admin/calendar", {"day": "2026-03-28", "day_type": "working_day"}, "/staff/admin/calendar")
    assert r.status_code == 303
    assert calendar.compute("route", date(2026, 3, 27)).due == date(2026, 3, 30)
    release()
    # The same day twice is refused beside the field; a bad date too.
    r = post(client, "/staff/admin/calendar", {"day": "2026-03-28", "day_type": "day_off"}, "/staff/admin/calendar")
    assert r.status_code == 400 and 'id="day-error"' in r.get_data(as_text=True)
    r = post(client, "/staff/admin/calendar", {"day": "28/13/2026", "day_type": "day_off"}, "/staff/admin/calendar")
    assert r.status_code == 400
    # Removing the day off restores the deadline, and is audited.
    r = post(client, f"/staff/admin/calendar/{override_id}/delete", {}, "/staff/admin/calendar")
    assert r.status_code == 303
    assert calendar.compute("answer", received).due == date(2026, 3, 24)
    assert [r.action for r in audit_rows(entity="calendar_override")] == ["create", "create", "delete"]
    assert preview_before  # the preview rendered before any override


def test_calendar_preview_counts_working_days(client, admin):
    from feedback.domain.deadlines import WorkCalendar
    from feedback.timeutil import local_today

    today = local_today()
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)  # the second month shown
    month = first_next.strftime("%Y-%m")
    html = client.get("/staff/admin/calendar").get_data(as_text=True)
    before = int(re.search(rf'data-working="{month}">(\d+)<', html).group(1))
    day = WorkCalendar().on_or_after(first_next + timedelta(days=7))
    assert (
        post(
            client,
            "/staff/admin/calendar",
            {"day": day.isoformat(), "day_type": "day_off", "note": "Nghỉ thử"},
            "/staff/admin/calendar",
        ).status_code
        == 303
    )
    html = client.get("/staff/admin/calendar").get_data(as_text=True)
    after = int(re.search(rf'data-working="{month}">(\d+)<', html).group(1))
    assert after == before - 1
    assert f"{day:%d/%m/%Y}: Nghỉ thử" in html
    assert len(re.findall(r'data-working="', html)) == 3
    assert (
        len(re.findall(r'data-working="', client.get("/staff/admin/calendar?months=12").get_data(as_text=True))) == 12
    )


def test_every_admin_change_is_audited(client, admin, make_user):
    target = make_user("officer", "QLCN")
    target_id = target.id
    qlcn = db.session.execute(db.select(Unit.id).where(Unit.code == "QLCN")).scalar_one()
    release()
    changes = [
        (
            "/staff/admin/users/new",
            {"email": "n@test.sokhcn.vn", "name": "N", "role": "director", "unit": "", "password": "gio-mua-xuan-2026"},
        ),
        (f"/staff/admin/users/{target_id}", {"name": "Đổi tên", "role": "officer", "unit": str(qlcn)}),
        (f"/staff/admin/users/{target_id}/password", {"password": "la-vang-thu-sang-9"}),
        (f"/staff/admin/users/{target_id}/deactivate", {}),
        ("/staff/admin/units/new", {"code": "U2", "name": "Đơn vị 2"}),
        ("/staff/admin/categories/new", {"code": "C2", "name": "Lĩnh vực 2", "default_unit": str(qlcn)}),
        (
            "/staff/admin/rules/new",
            {"purpose": "publish", "amount": "3", "day_unit": "working_days", "legal_basis": "Quy chế"},
        ),
        ("/staff/admin/calendar", {"day": "2027-01-04", "day_type": "day_off"}),
    ]
    for path, data in changes:
        assert post(client, path, data).status_code == 303, path
    rows = audit_rows()
    assert len(rows) == len(changes)
    assert {r.actor_id for r in rows} == {admin.id}
    assert all(r.at is not None and r.entity and r.action for r in rows)
    # An edit that changes nothing writes nothing.
    release()
    assert (
        post(
            client, f"/staff/admin/users/{target_id}", {"name": "Đổi tên", "role": "officer", "unit": str(qlcn)}
        ).status_code
        == 303
    )
    assert len(audit_rows()) == len(changes)
    release()
    html = client.get("/staff/admin/audit").get_data(as_text=True)
    assert html.count("admin@test.sokhcn.vn") >= len(changes)
