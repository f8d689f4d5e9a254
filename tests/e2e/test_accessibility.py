"""Every page type and state, in Vietnamese and English, at 1366 px and 390 px, checked in Chromium.

One walk over the site as each kind of visitor (the public, each staff role, the administrator)
collects, per page state: axe-core's critical and serious violations (WCAG 2.1 A/AA and best
practice) at both widths, the raw HTML for the Nu Html Checker (one Java call at the end, together
with the HTML part of every e-mail the walk and a reminder sweep put in the outbox), and, on English
pages, any Vietnamese text that did not come from the data the test typed in.

The markup does not depend on the database, so the walk runs once, on SQLite.
"""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from feedback.data.demo import DEMO_USERS, create_demo_tickets, create_demo_users
from feedback.extensions import db
from feedback.models import Category, DeadlineRule, OutboxMessage, Ticket, TicketEvent, Unit, User
from feedback.services import calendar, reminders
from feedback.timeutil import utcnow
from tests.e2e.a11y_support import run_axe, run_vnu, vietnamese_labels

pytestmark = pytest.mark.e2e

WIDTHS = [(1366, 900), (390, 844)]
# A11Y_SHOTS=/dir: screenshots of the public journey, the statistics page on a phone and the staff queue.
SHOTS_DIR = os.environ.get("A11Y_SHOTS", "")
SHOTS = (
    {
        1366: {
            "home",
            "submit-refused",
            "submitted",
            "ticket-needs_info",
            "ticket-answered",
            "coordinator-queue",
            "statistics",
            "coordinator-ticket-new",
        },
        390: {"home", "statistics", "submit-refused", "coordinator-queue"},
    }
    if SHOTS_DIR
    else {}
)
PASSWORDS = {email: password for email, _n, _r, _u, password in DEMO_USERS}
NEW_SUBMISSION = {
    "#organization": "Công ty TNHH Điện tử Mekong",
    "#tax_code": "0100109106",
    "#name": "Trần Thị Hồng",
    "#email": "hong.tran@example.com",
    "#phone": "0903 123 456",
    "#address": "Số 1 Nguyễn Trung Trực, phường Long An, tỉnh Tây Ninh",
    "#title": "Chậm cấp giấy chứng nhận hợp chuẩn",
    "#content": "Hồ sơ chứng nhận hợp chuẩn nộp đã hơn 30 ngày nhưng chưa được giải quyết.",
}
TYPED = [*list(NEW_SUBMISSION.values()), "Cần bổ sung bản sao giấy phép.", "kiểm định"]


class Walk:
    """Visits page states, checks each in the browser, keeps the HTML for vnu."""

    def __init__(self, page, base: str, out: Path, lang: str, allowed: list[str]):
        self.page, self.base, self.out, self.lang, self.allowed = page, base, out, lang, allowed
        self.axe: dict[str, list] = {}
        self.vietnamese: dict[str, list] = {}
        self.pages: list[Path] = []
        self.names: set[str] = set()
        self.axe_seconds = 0.0

    def url(self, path: str) -> str:
        return f"{self.base}{path}{'&' if '?' in path else '?'}lang={self.lang}"

    def goto(self, name: str, path: str, status: int = 200) -> None:
        response = self.page.goto(self.url(path))
        assert response.status == status, f"{name}: {path} answered {response.status}"
        self.check(name, response)

    def submit(self, name: str, button, status: int) -> None:
        """Click a submit button and check the page it leads to."""
        with self.page.expect_navigation() as nav:
            button.click()
        response = nav.value
        assert response.status == status, f"{name}: answered {response.status}"
        self.check(name, response)

    def check(self, name: str, response) -> None:
        name = f"{self.lang}-{name}"
        assert name not in self.names, name
        self.names.add(name)
        self.page.wait_for_load_state("load")
        assert self.page.locator("html").get_attribute("lang") == self.lang, f"{name}: html lang"
        path = self.out / f"{name}.html"
        path.write_text(response.text(), encoding="utf-8")
        self.pages.append(path)
        for width, height in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": height})
            started = time.perf_counter()
            found = run_axe(self.page)
            self.axe_seconds += time.perf_counter() - started
            if SHOTS and name.split("-", 1)[1] in SHOTS.get(width, ()):  # pictures to look at
                self.page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}@{width}.png"), full_page=True)
            # WCAG 1.4.10 reflow: nothing makes the page scroll sideways (wide tables scroll in their box)
            overflow = self.page.evaluate("document.documentElement.scrollWidth") - width
            if overflow > 0:
                found = [
                    *found,
                    {
                        "id": "reflow",
                        "impact": "serious",
                        "help": f"page {overflow}px wider than the viewport",
                        "targets": [],
                    },
                ]
            if found:
                self.axe[f"{name}@{width}"] = found
        self.page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        if self.lang == "en":
            found = vietnamese_labels(self.page, self.allowed)
            if found:
                self.vietnamese[name] = found

    def sign_in(self, email: str) -> None:
        self.page.goto(self.url("/staff/login"))
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(PASSWORDS[email])
        with self.page.expect_navigation():
            self.page.locator("main button[type=submit]").click()
        assert self.page.url.split("?")[0].endswith("/staff/"), self.page.url

    def sign_out(self) -> None:
        with self.page.expect_navigation():
            self.page.locator("header form button.logout").click()


def demo_site(now):
    """The demo organisation: one user per role and tickets in every state; returns the tickets by state."""
    create_demo_users()
    tickets = create_demo_tickets(now - timedelta(days=2))
    db.session.commit()
    answered, extension, needs_info, pending, assigned, new, transferred, refused = tickets
    return dict(
        answered=answered,
        extension=extension,
        needs_info=needs_info,
        pending=pending,
        assigned=assigned,
        new=new,
        transferred=transferred,
        refused=refused,
    )


def typed_data() -> list[str]:
    """What people typed into the fixture (submissions, messages, names), shown as typed in any language."""
    values: list[str] = list(TYPED)
    for t in db.session.execute(db.select(Ticket)).scalars():
        values += [
            v
            for v in (
                t.title,
                t.content,
                t.name,
                t.organization,
                t.address,
                t.regulation,
                t.answer,
                t.draft_answer,
                t.public_title,
                t.public_summary,
                t.public_answer,
                t.refuse_reason,
                t.transfer_agency,
                t.transfer_reason,
                t.late_reason,
                t.pending_extension_reason,
            )
            if v
        ]
    for e in db.session.execute(db.select(TicketEvent)).scalars():
        if e.message and not (e.details or {}).get("message_en"):
            values.append(e.message)
    values += [u.name for u in db.session.execute(db.select(User)).scalars()]
    values += [line.strip() for v in list(values) for line in v.splitlines() if line.strip()]
    return [v for v in values if v]


def walk_public(w: Walk, t: dict) -> None:
    page = w.page
    w.goto("home", "/")
    w.goto("submit", "/submit")
    w.submit("submit-refused", page.locator("main form button[type=submit]"), 400)
    # the error summary takes focus and links each error to its field
    assert page.evaluate("document.activeElement.id") == "error-summary", "error summary not focused"
    links = page.locator("#error-summary a")
    assert links.count() >= 5
    first = links.first.get_attribute("href")
    links.first.click()
    assert page.evaluate("'#' + document.activeElement.id") == first
    page.locator("#submitter_type-0").check()
    for selector, value in NEW_SUBMISSION.items():
        page.locator(selector).fill(value)
    page.locator("#kind").select_option("complaint")
    page.locator("#category").select_option("TDC")
    w.submit("submitted", page.locator("main form button[type=submit]"), 200)
    w.goto("track", "/track")
    page.locator("#code").fill("PAKN-2026-999999")
    page.locator("#email").fill("khong.co@example.com")
    w.submit("track-error", page.locator("main form button[type=submit]"), 404)
    for state, ticket in t.items():
        w.goto(f"ticket-{state}", f"/track/{ticket.tracking_token}")
    w.goto("reply-form", f"/track/{t['needs_info'].tracking_token}")
    w.submit("reply-refused", page.locator("#reply button[type=submit]"), 400)
    w.goto("results", "/results")
    w.goto("results-empty", "/results?q=khongcoketquanao")
    w.goto("results-search", "/results?q=ki%E1%BB%83m+%C4%91%E1%BB%8Bnh")
    w.goto("result", f"/results/{t['answered'].code}")
    w.goto("statistics", "/statistics")
    w.goto("error-404", "/results/PAKN-1999-000000", 404)
    w.goto("login", "/staff/login")
    page.locator("#email").fill("vanphong@demo.sokhcn.vn")
    page.locator("#password").fill("sai-mat-khau")
    w.submit("login-refused", page.locator("main form button[type=submit]"), 401)


def walk_staff(w: Walk, t: dict, app) -> None:
    page = w.page
    w.sign_in("vanphong@demo.sokhcn.vn")
    w.goto("coordinator-queue", "/staff/")
    w.goto("coordinator-queue-empty", "/staff/?q=khongcohosonao")
    w.goto("coordinator-queue-all", "/staff/?state=all")
    for state in ("new", "needs_info", "answered", "refused", "extension"):
        w.goto(f"coordinator-ticket-{state}", f"/staff/tickets/{t[state].code}")
    w.goto("coordinator-ticket-new-again", f"/staff/tickets/{t['new'].code}")
    # refusing takes a confirm step (no JavaScript needed); sent without a reason it is refused
    page.locator("#form-refuse summary").click()
    w.submit("coordinator-refuse-refused", page.locator("#form-refuse button[type=submit]"), 400)
    w.goto("coordinator-publish", f"/staff/tickets/{t['answered'].code}/publish")
    w.goto("coordinator-reports", "/staff/reports")
    w.goto("coordinator-dashboard", "/staff/dashboard")
    w.goto("coordinator-register", "/staff/tickets/new")
    w.submit("coordinator-register-refused", page.locator("main form button[type=submit]"), 400)
    w.sign_out()

    w.sign_in("giamdoc@demo.sokhcn.vn")
    w.goto("director-queue", "/staff/")
    w.goto("director-ticket-pending", f"/staff/tickets/{t['pending'].code}")
    w.goto("director-reports", "/staff/reports?year=2026")
    w.sign_out()

    w.sign_in("truongphong.qlcn@demo.sokhcn.vn")
    w.goto("head-queue", "/staff/")
    for state in ("pending", "extension"):
        w.goto(f"head-ticket-{state}", f"/staff/tickets/{t[state].code}")
    w.goto("head-dashboard", "/staff/dashboard")
    w.sign_out()

    w.sign_in("chicuc.truong@demo.sokhcn.vn")
    w.goto("head-ticket-assigned", f"/staff/tickets/{t['assigned'].code}")
    w.sign_out()

    w.sign_in("chuyenvien.qlcn@demo.sokhcn.vn")
    w.goto("officer-queue", "/staff/?assignee=me")
    w.goto("officer-ticket-in-progress", f"/staff/tickets/{t['extension'].code}")
    w.goto("officer-register", "/staff/tickets/new")
    w.goto("error-403", "/staff/reports", 403)
    w.sign_out()

    w.sign_in("admin@demo.sokhcn.vn")
    ids = {
        "user": db.session.execute(db.select(User.id).order_by(User.id)).scalars().first(),
        "unit": db.session.execute(db.select(Unit.id).order_by(Unit.id)).scalars().first(),
        "category": db.session.execute(db.select(Category.id).order_by(Category.id)).scalars().first(),
        "rule": db.session.execute(db.select(DeadlineRule.id).order_by(DeadlineRule.id)).scalars().first(),
    }
    db.session.rollback()
    for name, path in [
        ("index", "/staff/admin/"),
        ("audit", "/staff/admin/audit"),
        ("users", "/staff/admin/users"),
        ("user-new", "/staff/admin/users/new"),
        ("user-edit", f"/staff/admin/users/{ids['user']}"),
        ("units", "/staff/admin/units"),
        ("unit-new", "/staff/admin/units/new"),
        ("unit-edit", f"/staff/admin/units/{ids['unit']}"),
        ("categories", "/staff/admin/categories"),
        ("category-new", "/staff/admin/categories/new"),
        ("category-edit", f"/staff/admin/categories/{ids['category']}"),
        ("rules", "/staff/admin/rules"),
        ("rule-new", "/staff/admin/rules/new"),
        ("rule-edit", f"/staff/admin/rules/{ids['rule']}"),
        ("calendar", "/staff/admin/calendar"),
        ("outbox", "/staff/admin/outbox"),
    ]:
        w.goto(f"admin-{name}", path)
    w.goto("admin-user-new-again", "/staff/admin/users/new")
    w.submit("admin-user-refused", page.locator("main form button[type=submit]").last, 400)
    w.sign_out()

    # 500 and 429 from the live server
    app.config["PROPAGATE_TEST_ERRORS"] = False
    healthz = app.view_functions["public.healthz"]
    app.view_functions["public.healthz"] = lambda: 1 / 0
    try:
        w.goto("error-500", "/healthz", 500)
    finally:
        app.view_functions["public.healthz"] = healthz
    app.config.update(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT=0)
    try:
        w.goto("submit-again", "/submit")
        w.submit("submit-429", page.locator("main form button[type=submit]"), 429)
    finally:
        app.config.update(RATELIMIT_ENABLED=False, SUBMIT_RATE_LIMIT=5)


@pytest.fixture
def a11y_page(browser):
    """A page on which the test may inject axe-core (bypass_csp: the site's CSP forbids inline scripts)."""
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_every_page_passes_axe_and_vnu_in_both_languages(app, live_server, a11y_page, tmp_path):
    page = a11y_page
    if os.environ.get("A11Y_OUT"):  # keep the pages to look at: A11Y_OUT=/tmp/a11y pytest ...
        tmp_path = Path(os.environ["A11Y_OUT"])
        tmp_path.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("markup does not depend on the database: the walk runs once, on SQLite")
    tickets = demo_site(utcnow())
    codes = dict(tickets.items())
    db.session.rollback()
    allowed = typed_data()
    db.session.rollback()
    walks = []
    for lang in os.environ.get("A11Y_LANGS", "vi,en").split(","):  # A11Y_LANGS=vi: one language while fixing
        w = Walk(page, live_server, tmp_path, lang, allowed)
        walk_public(w, codes)
        walk_staff(w, codes, app)
        walks.append(w)
        db.session.rollback()

    axe = {k: v for w in walks for k, v in w.axe.items()}
    vietnamese = {k: v for w in walks for k, v in w.vietnamese.items()}
    html_errors = run_vnu([p for w in walks for p in w.pages])
    pages = sum(len(w.pages) for w in walks)
    report = []
    for name, violations in sorted(axe.items()):
        for v in violations:
            report.append(f"axe {name}: {v['impact']} {v['id']} ({v['help']}) {v['targets'][:2]}")
    for e in html_errors:
        report.append(f"vnu {e['file']}:{e['line']}: {e['message']} | {e['extract']}")
    for name, texts in sorted(vietnamese.items()):
        report.append(f"vi-on-en {name}: {texts[:6]}")
    print(
        f"{pages} page states x {len(WIDTHS)} widths: "
        f"{len(report)} problems; {time.perf_counter() - started:.0f} s, of which axe "
        f"{sum(w.axe_seconds for w in walks):.0f} s"
    )
    (tmp_path / "report.txt").write_text("\n".join(report), encoding="utf-8")
    assert not report, "\n".join(report[:150])


def more_mail(now) -> None:
    """The workflow steps the demo does not take, so that every e-mail template is rendered once."""
    from feedback.models import User as U
    from feedback.services import intake, workflow

    users = {u.email: u for u in db.session.execute(db.select(U)).scalars()}
    coordinator, director = users["vanphong@demo.sokhcn.vn"], users["giamdoc@demo.sokhcn.vn"]
    head, officer = users["truongphong.qlcn@demo.sokhcn.vn"], users["chuyenvien.qlcn@demo.sokhcn.vn"]

    def submitted(title: str, days_ago: int):
        data = dict(
            submitter_type="citizen",
            name="Phan Thị Thu",
            email="thu.phan@example.com",
            address="Ấp 2, xã Lộc Hưng, tỉnh Tây Ninh",
            kind="proposal",
            category="SHTT",
            title=title,
            content="Đề nghị Sở hướng dẫn thủ tục đăng ký sáng chế cho hộ kinh doanh cá thể.",
            consent_publish=False,
        )
        return intake.submit(intake.Submission(**data, channel="web"), now - timedelta(days=days_ago))

    refused = submitted("Đề nghị không thuộc phạm vi của Sở", 3)
    workflow.refuse(
        refused, coordinator, "Nội dung thuộc thẩm quyền của Sở Công Thương.", now, reason_code="out_of_scope"
    )
    asked = submitted("Hỏi thủ tục đăng ký sáng chế", 3)
    workflow.route(asked, coordinator, "QLCN", now)
    workflow.request_info(asked, head, "Đề nghị Quý vị gửi bản mô tả sáng chế.", now)
    workflow.provide_info(asked, None, "Tôi gửi kèm bản mô tả sáng chế.", now)
    returned = submitted("Hướng dẫn đăng ký sáng chế", 3)
    workflow.route(returned, coordinator, "QLCN", now)
    workflow.assign(returned, head, officer, now)
    workflow.answer(returned, officer, "Phòng hướng dẫn Quý vị nộp hồ sơ tại Cục Sở hữu trí tuệ.", now)
    workflow.return_(returned, head, "Bổ sung căn cứ pháp lý.", now)
    working = calendar.work_calendar()  # a new deadline must be a working day (not 1 January, say)
    workflow.extend(returned, head, working.add_working_days(returned.due_date, 7), "Cần lấy ý kiến Cục.", now)
    workflow.reject_extension(returned, director, now, reason="Chưa đủ căn cứ gia hạn.")
    workflow.extend(asked, coordinator, working.add_working_days(asked.due_date, 7), "Chờ kết quả tra cứu.", now)
    db.session.commit()


def test_every_email_html_is_valid(app, tmp_path):
    """vnu over the HTML part of every e-mail template, rendered through the outbox by the workflow."""
    if app.config["BACKEND"] != "sqlite":
        pytest.skip("markup does not depend on the database: checked once, on SQLite")
    now = utcnow()
    demo_site(now)
    more_mail(now)
    from datetime import datetime
    from datetime import time as clock

    from feedback.services import calendar
    from feedback.timeutil import local_today, to_utc_naive

    cal = calendar.work_calendar()
    for days in (5, 12, 30):  # reminders, and the progress update to submitters of overdue items
        day = local_today() + timedelta(days=days)
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        reminders.sweep(to_utc_naive(datetime.combine(day, clock(9, 0))))  # office hours
        db.session.commit()
    templates = {
        p.stem
        for p in (Path(__file__).resolve().parents[2] / "templates" / "email").glob("*.html")
        if not p.stem.startswith("_")
    }
    files, kinds = [], set()
    for m in db.session.execute(db.select(OutboxMessage).where(OutboxMessage.body_html.is_not(None))).scalars():
        kinds.add(m.kind)
        path = tmp_path / f"mail-{m.id}-{m.kind}.html"
        path.write_text(m.body_html, encoding="utf-8")
        files.append(path)
        assert re.search(r"<title>[^<]+</title>", m.body_html), m.kind
    # Templates the walk does not reach (letters mailed once signed, calendar, reconsideration) are
    # rendered directly, as the outbox would, so vnu checks every one.
    from flask import render_template
    from flask_babel import force_locale

    from feedback.models import Ticket, User
    from tests.support import template_context

    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id).limit(1)).scalar_one()
    staff = db.session.execute(db.select(User).order_by(User.id).limit(1)).scalar_one()
    for name in sorted(templates - kinds):
        with app.test_request_context(), force_locale("vi"):
            html = render_template(
                f"email/{name}.html", ticket=ticket, base_url="http://localhost", **template_context(app, ticket, staff)
            )
        assert re.search(r"<title>[^<]+</title>", html), name
        path = tmp_path / f"mail-direct-{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    errors = run_vnu(files)
    assert not errors, "\n".join(f"{e['file']}:{e['line']}: {e['message']} | {e['extract']}" for e in errors)
