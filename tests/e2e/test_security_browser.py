"""Issue 11 in a real browser: no page breaks its own Content-Security-Policy (charts still draw), the
language switch is a form that keeps the page, and a signed-out copy of a session shows the login."""

from __future__ import annotations

import pytest

from feedback.extensions import db

pytestmark = pytest.mark.e2e


def csp_violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


def watch_csp(page) -> None:
    page.add_init_script("""
        window.__csp = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
    """)


def test_pages_keep_to_their_csp_and_charts_draw(live_server, page, make_user, make_ticket):
    ticket = make_ticket()
    token = ticket.tracking_token
    make_user("coordinator", "VP", email="vp.csp@test.sokhcn.vn", password="mat-khau-vp-csp-1")
    db.session.commit()
    watch_csp(page)
    for path in ("/", "/submit", "/track", f"/track/{token}", f"/submit/done/{token}", "/results", "/statistics"):
        response = page.goto(f"{live_server}{path}")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert csp_violations(page) == [], (path, csp_violations(page))
    page.goto(f"{live_server}/statistics")
    page.wait_for_function("() => window.Chart && Chart.getChart('stats-chart')")
    assert float(page.locator(".chart-box").first.evaluate("e => parseFloat(getComputedStyle(e).height)")) > 100

    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Thư điện tử").fill("vp.csp@test.sokhcn.vn")
    page.get_by_label("Mật khẩu").fill("mat-khau-vp-csp-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/staff/dashboard")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-units')")
    height = page.locator("#chart-units").evaluate("c => c.parentNode.style.height")
    assert height.endswith("px") and int(height[:-2]) >= 70
    assert csp_violations(page) == []


def test_language_switch_is_a_form_that_keeps_the_page(live_server, page):
    page.goto(f"{live_server}/results?q=kiem+dinh")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/results")  # the path is kept, never the query (it may hold personal data)
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"
