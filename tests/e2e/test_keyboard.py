"""With the keyboard alone: from the home page to a confirmed submission, then to the tracked ticket.
Every stop on the way shows a focus ring."""

from __future__ import annotations

import re

import pytest

from feedback.extensions import db
from feedback.models import Ticket

pytestmark = pytest.mark.e2e

FOCUS = """() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 40),
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }"""


def tab_to(page, selector: str, limit: int = 120) -> list[dict]:
    """Press Tab until the element matching `selector` has the focus; return the stops passed."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            stops.append(page.evaluate(FOCUS))
            return stops
        stops.append(page.evaluate(FOCUS))
    raise AssertionError(f"{selector} not reached with Tab; stops: {stops[-10:]}")


def test_submit_and_track_with_the_keyboard_alone(live_server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUS)
    assert skip["text"] == "Bỏ qua, đến nội dung chính" and skip["ring"]
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    stops = tab_to(page, "main a[href='/submit']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # first a refused submission: the error summary takes the focus, its first link leads to the field
    stops += tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.getAttribute('data-focus')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == first

    typed = {
        "#organization": "Công ty TNHH Điện tử Mekong",
        "#tax_code": "0100109106",
        "#name": "Trần Thị Hồng",
        "#email": "hong.tran@example.com",
        "#phone": "0903 123 456",
        "#address": "Số 1 Nguyễn Trung Trực, phường Long An, tỉnh Tây Ninh",
    }
    page.keyboard.press("Shift+Tab")  # back to the top of the form, then forward field by field
    stops += tab_to(page, "#submitter_type-0")
    for selector, value in typed.items():
        stops += tab_to(page, selector)
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    stops += tab_to(page, "#kind")
    page.keyboard.press("ArrowDown")  # the first kind after the empty option
    stops += tab_to(page, "#category")
    page.keyboard.type("Tiêu chuẩn")  # a select picks the option typed
    stops += tab_to(page, "#title")
    page.keyboard.type("Chậm cấp giấy chứng nhận hợp chuẩn")
    stops += tab_to(page, "#content")
    page.keyboard.type("Hồ sơ chứng nhận hợp chuẩn nộp đã hơn 30 ngày nhưng chưa được giải quyết.")
    stops += tab_to(page, "main form button[type=submit]")
    with page.expect_navigation(url=re.compile(r".*/submit/done/.*")):
        page.keyboard.press("Enter")
    code = page.locator("#tracking-code").inner_text().strip()
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    assert ticket.kind == "complaint" and ticket.category.code == "TDC" and ticket.name == "Trần Thị Hồng"
    db.session.rollback()
    assert "Hồ sơ chứng nhận hợp chuẩn" in page.locator("#sent-content").inner_text()

    # then track it from the home page's tracking box
    page.goto(f"{live_server}/")
    stops += tab_to(page, "#home-code")
    page.keyboard.type(code)
    stops += tab_to(page, "#home-email")
    page.keyboard.type("hong.tran@example.com")
    with page.expect_navigation(url=re.compile(r".*/track/.*")):
        page.keyboard.press("Enter")
    assert page.locator("#tracking-code").inner_text().strip() == code
    assert page.locator("#state").inner_text().strip() == "Mới tiếp nhận"

    no_ring = [s for s in stops if s and not s["ring"]]
    assert not no_ring, no_ring
