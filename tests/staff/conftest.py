"""Fixtures for the staff workflow tests: signed-in clients per role, the test session released per request.

The `app` fixture keeps an app context (and its database session) for the test's own work. On
SQLite every transaction takes the write lock (BEGIN IMMEDIATE), so a test that read something and
then sends a request would block that request; the client below ends the test's transaction first.
Objects the test holds are then expired and re-read on the next access, which also keeps the test's
view of the database fresh.
"""

from __future__ import annotations

import pytest

from tests.support import release_before_requests, signed_in_client

_release_before_requests = pytest.fixture(autouse=True)(release_before_requests)


@pytest.fixture
def staff_client(app):
    """A fresh client signed in as `user`: staff_client(user) (client.token: a CSRF token)."""
    return lambda user: signed_in_client(app, user)


@pytest.fixture
def team(make_user):
    """One user per role, unit staff in CCTDC (the unit of category TDC) plus an outsider unit QLCN."""
    return {
        "coordinator": make_user("coordinator", "VP", email="coord@test.vn", name="Lê Điều Phối"),
        "director": make_user("director", "BGD", email="director@test.vn", name="Phạm Giám Đốc"),
        "admin": make_user("admin", None, email="admin@test.vn", name="Trần Quản Trị"),
        "head": make_user("unit_head", "CCTDC", email="head@test.vn", name="Đặng Trưởng"),
        "officer": make_user("officer", "CCTDC", email="officer@test.vn", name="Huỳnh Chuyên Viên"),
        "officer2": make_user("officer", "CCTDC", email="officer2@test.vn", name="Ngô Chuyên Viên"),
        "other_head": make_user("unit_head", "QLCN", email="otherhead@test.vn", name="Nguyễn Trưởng Khác"),
        "other_officer": make_user("officer", "QLCN", email="otherofficer@test.vn", name="Võ Chuyên Viên Khác"),
    }
