"""The queue's assignee filter lists the active officers and unit heads of the user's scope, by name, and
follows every change to an account: it is read from the per-process reference cache, so a change must
bump the reference version (another process drops its copy), while a sign-in or a password must not."""

from __future__ import annotations

import re

import pytest

from feedback.extensions import db
from feedback.models import Unit
from feedback.services import reference
from feedback.timeutil import utcnow
from tests.support import signed_in_client


def offered(client) -> list[str]:
    page = client.get("/staff/").get_data(as_text=True)
    select = re.search(r'<select class="form-select" id="assignee" name="assignee">(.*?)</select>', page, re.S)
    assert select, "the assignee filter is missing"
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


@pytest.fixture
def people(app, make_user):
    return {
        "coordinator": make_user("coordinator", name="Lê Văn Phòng"),
        "hoa": make_user("officer", "CCTDC", name="Nguyễn Thị Hoa"),
        "binh": make_user("unit_head", "CCTDC", name="Trần Văn Bình"),
        "an": make_user("officer", "QLCN", name="Phạm Minh An"),
        "gone": make_user("officer", "QLCN", name="Đỗ Văn Nghỉ", active=False),
    }


def test_the_office_sees_every_units_officers_and_a_unit_its_own(app, people):
    office = offered(signed_in_client(app, people["coordinator"]))
    assert office[3:] == ["Nguyễn Thị Hoa · CCTDC", "Phạm Minh An · QLCN", "Trần Văn Bình · CCTDC"]
    assert "Lê Văn Phòng" not in " ".join(office) and "Đỗ Văn Nghỉ" not in " ".join(office)
    unit = offered(signed_in_client(app, people["hoa"]))
    assert unit[3:] == ["Nguyễn Thị Hoa", "Trần Văn Bình"]


def test_a_change_to_an_account_shows_on_the_next_page(app, people, make_user):
    coordinator = signed_in_client(app, people["coordinator"])
    assert "Nguyễn Thị Hoa · CCTDC" in offered(coordinator)

    people["hoa"].name = "Nguyễn Thị Hoa (Tổ thẩm định)"
    db.session.commit()
    assert "Nguyễn Thị Hoa (Tổ thẩm định) · CCTDC" in offered(coordinator)

    people["an"].unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    db.session.commit()
    assert "Phạm Minh An · CCTDC" in offered(coordinator)

    people["binh"].active = False
    db.session.commit()
    assert not [o for o in offered(coordinator) if o.startswith("Trần Văn Bình")]

    make_user("officer", "QLCN", name="Vũ Thu Trang")
    assert "Vũ Thu Trang · QLCN" in offered(coordinator)


def test_another_process_sees_an_account_change_by_its_version(app, people):
    coordinator = signed_in_client(app, people["coordinator"])
    before = reference.current_version()
    people["hoa"].name = "Nguyễn Thị Hòa"
    db.session.commit()
    assert reference.current_version() == before + 1  # the row every process compares its copy with

    # A process whose copy was made before the change (its version is the old one) drops it.
    with app.test_request_context():
        cache = reference._cache()
        cache.values = {"staff": (reference.StaffRef(people["hoa"].id, people["hoa"].email, "cũ", "officer", None),)}
        cache.version, cache.checked_at = before, float("-inf")
    assert "Nguyễn Thị Hòa · CCTDC" in offered(coordinator)


def test_a_sign_in_or_a_new_password_keeps_the_cache(app, people):
    signed_in_client(app, people["hoa"])  # a sign-in writes last_login_at
    before = reference.current_version()
    signed_in_client(app, people["an"])
    people["an"].set_password("Mật-khẩu-mới-2026", "pbkdf2:sha256:1000")
    people["an"].last_login_at = utcnow()
    db.session.commit()
    assert reference.current_version() == before
