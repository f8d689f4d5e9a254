"""The parts every page shares (site bar, staff bar, footer, style sheets and scripts) are rendered once per
process and kept (web/templating.fragment): what they show must still follow every change (a name, a role,
the language, the answer rule, the path prefix), and nothing of one user or session may reach another's page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedback import create_app
from feedback.extensions import db
from feedback.models import DeadlineRule
from feedback.web import templating
from tests.support import signed_in_client

ROOT = Path(__file__).resolve().parents[2]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def staff_bar(html: str) -> str:
    match = re.search(r'<nav class="bg-light border-bottom"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no staff bar"
    return re.sub(r"\s+", " ", match.group(1))


def bar_tokens(html: str) -> list[str]:
    """The CSRF tokens of the sign-out form and the language switch, in the site bar."""
    header = html[html.index("<header>") : html.index("</header>")]
    return re.findall(r'name="csrf_token" value="([^"]+)"', header)


# What a template can reach of a user or a request (Flask's and Flask-WTF's globals, our own).
PER_REQUEST = re.compile(r"\b(current_user|request|session|csrf_token|g|config|this_page|get_flashed_messages)\b")


@pytest.mark.parametrize("path", sorted((ROOT / "templates" / "chrome").glob("*.html")), ids=lambda p: p.name)
def test_a_kept_fragment_reads_nothing_of_a_user_or_request(path):
    code = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)  # not the comments
    expressions = " ".join(re.findall(r"\{\{.*?\}\}|\{%.*?%\}", code, flags=re.S))
    assert expressions and PER_REQUEST.findall(expressions) == []


def test_each_signed_in_user_sees_their_own_name_role_and_links(app, make_user):
    phong, hoa = (
        make_user("coordinator", "VP", name="Lê Văn Phòng"),
        make_user("officer", "CCTDC", name="Nguyễn Thị Hoa"),
    )
    coordinator, officer = signed_in_client(app, phong), signed_in_client(app, hoa)
    for _ in range(2):  # the second round is served from what the first kept
        office_bar = staff_bar(coordinator.get("/staff/").get_data(as_text=True))
        unit_bar = staff_bar(officer.get("/staff/").get_data(as_text=True))
        assert "Lê Văn Phòng · Văn phòng Sở (điều phối)" in office_bar
        assert "Nguyễn Thị Hoa" not in office_bar
        assert "Nguyễn Thị Hoa ·" in unit_bar and "Lê Văn Phòng" not in unit_bar
        assert 'href="/staff/reports"' in office_bar and 'href="/staff/reports"' not in unit_bar
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert "staff-nav" not in anonymous and "Lê Văn Phòng" not in anonymous and "Nguyễn Thị Hoa" not in anonymous
    assert "Cán bộ đăng nhập" in anonymous


def test_a_rename_and_a_new_role_show_on_the_next_page(app, make_user):
    hoa = make_user("officer", "CCTDC", name="Nguyễn Thị Hoa")
    client = signed_in_client(app, hoa)
    assert 'href="/staff/reports"' not in staff_bar(client.get("/staff/").get_data(as_text=True))

    db.session.rollback()  # this test's own read of the account ends before it is changed (SQLite)
    hoa.name = "Nguyễn Thị Hoa (Tổ thẩm định)"
    hoa.role = "coordinator"
    db.session.commit()
    bar = staff_bar(client.get("/staff/").get_data(as_text=True))
    assert "Nguyễn Thị Hoa (Tổ thẩm định) ·" in bar
    assert 'href="/staff/reports"' in bar and 'href="/staff/privacy-requests"' in bar


def test_the_bar_and_footer_follow_the_language(app):
    client = app.test_client()
    vietnamese = client.get("/").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert ">Gửi phản ánh</a>" in vietnamese and ">Gửi phản ánh</a>" not in english
    assert "ngày kể từ ngày tiếp nhận" in text_of(vietnamese, "deadline-rule")
    assert "from receipt" in text_of(english, "deadline-rule")
    assert 'lang="en"' in english[:200] and 'lang="vi"' in vietnamese[:200]


def test_the_footer_follows_a_rule_changed_after_it_was_shown(client):
    before = text_of(client.get("/").get_data(as_text=True), "deadline-rule")
    assert "20 ngày kể từ ngày tiếp nhận" in before
    rule = db.session.execute(
        db.select(DeadlineRule).where(DeadlineRule.purpose == "answer", DeadlineRule.regime.is_(None))
    ).scalar_one()
    rule.amount, rule.day_unit = 15, "working_days"
    db.session.commit()
    after = text_of(client.get("/").get_data(as_text=True), "deadline-rule")
    assert "15 ngày làm việc kể từ ngày tiếp nhận" in after and "20 ngày" not in after
    assert "15 working days" in text_of(client.get("/?lang=en").get_data(as_text=True), "deadline-rule")


def test_the_forms_in_the_bar_carry_the_sessions_own_token_and_this_pages_path(app, make_user):
    people = make_user("coordinator", "VP"), make_user("officer", "CCTDC")
    first, second = (signed_in_client(app, person) for person in people)
    page = first.get("/staff/").get_data(as_text=True)
    other = second.get("/staff/dashboard").get_data(as_text=True)
    assert bar_tokens(page) and bar_tokens(other)
    assert not set(bar_tokens(page)) & set(bar_tokens(other))
    assert 'name="next" value="/staff/"' in page and 'name="next" value="/staff/dashboard"' in other
    # Each token signs its own session out; the other session's token does not.
    assert second.post("/staff/logout", data={"csrf_token": bar_tokens(page)[0]}).status_code == 400
    assert first.post("/staff/logout", data={"csrf_token": bar_tokens(page)[0]}).status_code in (302, 303)
    assert first.get("/staff/").status_code in (302, 303)  # signed out
    assert second.get("/staff/").status_code == 200  # still signed in


def test_links_follow_the_path_prefix_of_each_request(app):
    client = app.test_client()
    prefixed = client.get("/", base_url="http://localhost/pakn").get_data(as_text=True)
    plain = client.get("/").get_data(as_text=True)
    assert 'href="/pakn/submit"' in prefixed and 'href="/pakn/static/css/app.css' in prefixed
    assert 'href="/submit"' in plain and "/pakn/" not in plain


def test_each_app_shows_its_own_office(app):
    other = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        OFFICE_NAME="Sở Khoa học và Công nghệ tỉnh Bình Phước",
        OFFICE_HOTLINE="0271 3879 000",
    )
    try:
        mine = app.test_client().get("/").get_data(as_text=True)
        theirs = other.test_client().get("/").get_data(as_text=True)
        assert "Bình Phước" in theirs and "0271 3879 000" in text_of(theirs, "office-contact")
        assert "Bình Phước" not in mine and "0271 3879 000" not in mine
    finally:
        with other.app_context():
            db.engine.dispose()


def test_what_is_kept_is_bounded(app, make_user, monkeypatch):
    monkeypatch.setattr(templating, "FRAGMENTS_KEPT", 5)
    people = [make_user("officer", "CCTDC", name=f"Cán bộ số {n}") for n in range(8)]
    for n, person in enumerate(people):
        client = signed_in_client(app, person)
        assert f"Cán bộ số {n} ·" in staff_bar(client.get("/staff/").get_data(as_text=True))
        assert len(app.extensions["feedback_fragments"]) <= 5


@pytest.mark.parametrize("path", ["/", "/track", "/staff/login"])
def test_the_language_switch_of_a_public_page_works_with_its_token(app, path):
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = bar_tokens(page)[-1]  # the language switch is the bar's last form
    assert f'name="next" value="{path}"' in page
    switched = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": path})
    assert switched.status_code in (302, 303) and switched.headers["Location"].endswith(path)
    assert 'lang="en"' in client.get(path).get_data(as_text=True)[:200]
    assert app.test_client().post("/lang", data={"csrf_token": token, "lang": "en", "next": path}).status_code == 400
