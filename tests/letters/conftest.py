"""Fixtures for the answer-letter tests: signed-in staff clients and tickets brought to approval (the
test PKI, `trust` and `signing` are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from feedback.extensions import db
from tests.factories import advance
from tests.letters.letter_helpers import LETTER_FORM, local
from tests.support import release_before_requests, signed_in_client

_release_before_requests = pytest.fixture(autouse=True)(release_before_requests)


@pytest.fixture
def staff_client(app):
    """A fresh client signed in as `user`: staff_client(user) (client.token: a CSRF token)."""
    return lambda user: signed_in_client(app, user)


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

    def make(received=None, signer="pgd@test.vn", **fields):
        received = received or local(2026, 4, 6)
        form = dict(LETTER_FORM, signer=signer)
        return advance(
            make_ticket(now=received, **fields), team, "pending_approval", received, answer=form["answer"], letter=form
        )

    return make
