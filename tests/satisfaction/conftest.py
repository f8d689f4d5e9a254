"""Fixtures for the closing-the-loop tests: a team, signed-in staff clients, answered tickets.

As in tests/staff, the test's own transaction is ended before each request (SQLite's write lock).
"""

from __future__ import annotations

import pytest

from tests.satisfaction.loop_support import answered_ticket
from tests.support import release_before_requests, signed_in_client

_release_before_requests = pytest.fixture(autouse=True)(release_before_requests)


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
    """A fresh client signed in as `user`: staff_client(user) (client.token: a CSRF token)."""
    return lambda user: signed_in_client(app, user)


@pytest.fixture
def answered(make_ticket, team):
    """answered_ticket(...) bound to this test's team: a ticket routed, drafted and approved by the head."""

    def factory(**kwargs):
        return answered_ticket(make_ticket, team, **kwargs)

    return factory
