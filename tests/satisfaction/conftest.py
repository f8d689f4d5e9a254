"""Fixtures for the closing-the-loop tests: a team, signed-in staff clients, answered tickets.

As in tests/staff, the test's own transaction is ended before each request (SQLite's write lock).
"""

from __future__ import annotations

import pytest
from flask import has_app_context

from feedback.extensions import db
from loop_support import PASSWORD, answered_ticket, staff_csrf


@pytest.fixture(autouse=True)
def _release_before_requests(app):
    base = app.test_client_class

    class ReleasingClient(base):
        def open(self, *args, **kwargs):
            if has_app_context():
                db.session.rollback()
            return super().open(*args, **kwargs)

    app.test_client_class = ReleasingClient
    yield
    app.test_client_class = base


@pytest.fixture
def team(make_user):
    """Staff of CCTDC (the unit of category TDC), the office, and another unit's head."""
    return {
        "coordinator": make_user("coordinator", "VP", email="vanphong@test.vn", name="Lê Thị Điều Phối"),
        "director": make_user("director", "BGD", email="giamdoc@test.vn", name="Phạm Văn Giám Đốc"),
        "head": make_user("unit_head", "CCTDC", email="truongchicuc@test.vn", name="Đặng Minh Trưởng"),
        "officer": make_user("officer", "CCTDC", email="chuyenvien@test.vn", name="Huỳnh Thu Chuyên"),
        "other_head": make_user("unit_head", "QLCN", email="truongphong@test.vn", name="Nguyễn Quốc Khác"),
    }


@pytest.fixture
def staff_client(app):
    """A fresh client signed in as `user` (client.token: a CSRF token of its session)."""

    def factory(user):
        client = app.test_client()
        token = staff_csrf(client, "/staff/login")
        response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        client.token = staff_csrf(client, "/staff/")
        return client

    return factory


@pytest.fixture
def answered(make_ticket, team):
    """answered_ticket(...) bound to this test's team: a ticket routed, drafted and approved by the head."""

    def factory(**kwargs):
        return answered_ticket(make_ticket, team, **kwargs)

    return factory
