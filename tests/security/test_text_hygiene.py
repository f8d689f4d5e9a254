"""Item 8: non-characters and XML-illegal characters are removed with the other control characters;
a NUL byte in a field is removed the same way instead of emptying the form."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from feedback.domain.contact import clean_text, strip_illegal
from feedback.extensions import db
from feedback.models import Ticket
from tests.publication.publication_fixtures import answered_ticket, coordinator, publish, search_schema  # noqa: F401  (fixtures)
from tests.support import VALID_FORM, csrf_token

BAD = [
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\x85",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\ufdef",
    "\U0001fffe",
    "\U0010ffff",
    "\ud800",
]


@pytest.mark.parametrize("char", BAD)
def test_clean_text_removes_every_illegal_character(char):
    assert clean_text(f"Kiểm{char} định cân") == "Kiểm định cân"
    assert clean_text(f"Dòng một{char}\nDòng hai", multiline=True) == "Dòng một\nDòng hai"
    assert strip_illegal(f"a{char}b") == "ab"


def test_ordinary_vietnamese_and_emoji_are_kept():
    text = "Đề nghị Sở hướng dẫn thủ tục 🙏 — “ngay” ‘khi’ có thể; €5, ½, 漢字"
    assert clean_text(text) == text and strip_illegal(text) == text


def test_a_nul_in_a_field_is_removed_not_the_whole_form(client):
    data = {
        **VALID_FORM,
        "title": "Thời gian kiểm\x00 định cân kéo dài\ufffe",
        "content": VALID_FORM["content"] + "\x00\uffff",
        "csrf_token": csrf_token(client, "/submit"),
    }
    response = client.post("/submit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.title == "Thời gian kiểm định cân kéo dài"
    assert ticket.content == VALID_FORM["content"] and ticket.name == VALID_FORM["name"]


def test_a_nul_in_an_invalid_form_keeps_the_other_values(client):
    data = {**VALID_FORM, "email": "khong-hop-le\x00", "csrf_token": csrf_token(client, "/submit")}
    response = client.post("/submit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and VALID_FORM["organization"] in html and VALID_FORM["address"] in html


def test_feeds_stay_well_formed_even_with_old_rows_holding_illegal_characters(
    app, client, answered_ticket, coordinator, publish
):
    ticket = publish(answered_ticket(), coordinator)
    # A row written before the clean-up knew these characters.
    ticket.public_title = "Kết quả\ufffe kiểm định\x0b cân\uffff"
    ticket.public_summary = "Tóm tắt\x01 nội dung"
    db.session.commit()
    feed = client.get("/results/feed.atom")
    root = ET.fromstring(feed.data)  # raises on an ill-formed document
    assert "Kết quả kiểm định cân" in ET.tostring(root, encoding="unicode")
    xml = client.get("/open311/v2/requests.xml")
    ET.fromstring(xml.data)
    assert "Kết quả kiểm định cân" in xml.get_data(as_text=True)
