"""Reports and dashboard in a real browser: charts drawn by the local Chart.js, the XLSX downloaded."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from feedback.extensions import db
from feedback.models import Category, Ticket, Unit
from feedback.timeutil import local_today

pytestmark = pytest.mark.e2e


def add_ticket(n: int, received_on: date, **fields) -> None:
    category = db.session.execute(db.select(Category).where(Category.code == "TDC")).scalar_one()
    unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    due = received_on + timedelta(days=20)
    values = dict(
        code=f"PAKN-{received_on.year}-{n:06d}",
        tracking_token=secrets.token_urlsafe(16),
        kind="complaint",
        category=category,
        unit=unit,
        state="in_progress",
        channel="web",
        submitter_type="enterprise",
        name="Nguyễn Văn An",
        address="Tây Ninh",
        title=f"Phản ánh {n}",
        content="Nội dung",
        received_at=datetime.combine(received_on, datetime.min.time()),
        received_on=received_on,
        due_date=due,
        original_due_date=due,
    )
    values.update(fields)
    db.session.add(Ticket(**values))


def sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Thư điện tử").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def test_dashboard_charts_and_report_download(live_server, page, make_user, tmp_path):
    today = local_today()
    add_ticket(1, today - timedelta(days=40))  # overdue
    add_ticket(
        2,
        today - timedelta(days=35),
        state="answered",
        answered_on=today - timedelta(days=20),
        on_time=True,
        closed_at=datetime.now(),
    )
    add_ticket(3, date(2025, 5, 5), state="answered", answered_on=date(2025, 5, 20), on_time=True)
    add_ticket(4, date(2025, 5, 6), due_date=date(2025, 5, 26))  # overdue as of 30/06/2025
    db.session.commit()
    make_user("coordinator", email="vanphong@test.sokhcn.vn", password="mat-khau-vp-1")
    db.session.commit()

    sign_in(page, live_server, "vanphong@test.sokhcn.vn", "mat-khau-vp-1")
    page.goto(f"{live_server}/staff/dashboard")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-monthly') && Chart.getChart('chart-units')")
    received = page.evaluate("() => Chart.getChart('chart-monthly').data.datasets[0].data.reduce((a, b) => a + b, 0)")
    assert received == 2  # the two tickets of the last twelve months
    assert page.locator("#overdue-count").inner_text() == "2"  # today: the recent one and the 2025 one
    scripts = page.evaluate("() => Array.from(document.scripts).map(s => s.src).filter(Boolean)")
    assert all(src.startswith(live_server) for src in scripts), scripts  # everything served locally

    page.get_by_role("link", name="Báo cáo").first.click()
    page.get_by_label("Năm").select_option("2025")
    page.get_by_label("Kỳ", exact=True).select_option("2")
    page.get_by_role("button", name="Xem báo cáo").click()
    assert "Quý II năm 2025" in page.locator("#period-label").inner_text()
    assert page.locator('[data-figure="received"]').inner_text() == "2"
    assert page.locator('[data-figure="open_overdue"]').inner_text() == "1"
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải Excel (.xlsx)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "bao-cao-pakn-2025-Q2.xlsx"
    wb = load_workbook(path)
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert (summary["Tổng số tiếp nhận"], summary["Đã trả lời đúng hạn"], summary["Đang xử lý quá hạn"]) == (2, 1, 1)
