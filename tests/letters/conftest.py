"""Fixtures for the answer-letter tests: signed-in staff clients and tickets brought to approval (the
test PKI, `trust` and `signing` are in tests/conftest.py)."""

from __future__ import annotations

import re

import pytest
from flask import has_app_context
from letter_helpers import LETTER_FORM, PASSWORD, local

from feedback.extensions import db

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


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


def csrf_token(client, path: str = "/staff/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


@pytest.fixture
def staff_client(app):
    """A fresh client signed in as `user`: staff_client(user)."""

    def factory(user):
        client = app.test_client()
        token = csrf_token(client, "/staff/login")
        response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        client.token = csrf_token(client, "/staff/")
        return client

    return factory


@pytest.fixture
def team(make_user):
    """Staff of the Chi cục TĐC (the unit of category TDC), the office, a director and an outsider."""
    users = {
        "coordinator": make_user("coordinator", "VP", email="vanphong@test.vn", name="Lê Thị Điều Phối"),
        "director": make_user("director", "BGD", email="pgd@test.vn", name="Phạm Văn Giám"),
        "head": make_user("unit_head", "CCTDC", email="truong.cctdc@test.vn", name="Đặng Minh Trưởng"),
        "officer": make_user("officer", "CCTDC", email="cv.cctdc@test.vn", name="Huỳnh Thị Chuyên"),
        "other_head": make_user("unit_head", "QLCN", email="truong.qlcn@test.vn", name="Nguyễn Văn Khác"),
    }
    users["director"].position = "Phó Giám đốc"
    users["head"].position = "Chi cục trưởng"
    db.session.commit()
    return users


@pytest.fixture
def to_approval(team, make_ticket):
    """A ticket routed to CCTDC, assigned and answered with LETTER_FORM (signer: the director)."""
    from feedback.services import workflow

    def make(received=None, signer="pgd@test.vn", **fields):
        received = received or local(2026, 4, 6)
        ticket = make_ticket(now=received, **fields)
        workflow.route(ticket, team["coordinator"], "CCTDC", received)
        workflow.assign(ticket, team["head"], team["officer"], received)
        form = dict(LETTER_FORM, signer=signer)
        workflow.answer(ticket, team["officer"], form["answer"], received, letter=form)
        db.session.commit()
        return ticket

    return make
