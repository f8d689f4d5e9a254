"""A complaint with a PDF submitted in a real browser, then followed on the tracking page."""

from __future__ import annotations

import re

import pytest

from feedback.extensions import db
from feedback.models import Ticket
from feedback.services import outbox
from feedback.timeutil import utcnow

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_submit_a_complaint_with_a_pdf_and_track_it(live_server, page, tmp_path, smtp_server):
    pdf = tmp_path / "bien-ban.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"{live_server}/submit")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Tên doanh nghiệp, tổ chức").fill("Công ty TNHH Điện tử Mekong")
    page.get_by_label("Mã số thuế").fill("0100109106")
    page.get_by_label("Họ và tên người liên hệ").fill("Trần Thị Hồng")
    page.get_by_label("Thư điện tử").fill("hong.tran@example.com")
    page.get_by_label("Số điện thoại").fill("0903 123 456")
    page.get_by_label("Địa chỉ").fill("Số 1 Nguyễn Trung Trực, phường Long An, tỉnh Tây Ninh")
    page.get_by_label("Loại").select_option("complaint")
    page.get_by_label("Lĩnh vực").select_option("TDC")
    page.get_by_label("Tiêu đề").fill("Chậm cấp giấy chứng nhận hợp chuẩn")
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        "Hồ sơ chứng nhận hợp chuẩn của doanh nghiệp nộp đã hơn 30 ngày nhưng chưa được giải quyết."
    )
    page.get_by_label("Tệp đính kèm").set_input_files(str(pdf))
    page.get_by_label("Tôi đồng ý công khai", exact=False).check()
    page.get_by_role("button", name="Gửi phản ánh").click()

    code = page.locator("#tracking-code").inner_text().strip()
    due = page.locator("#due-date").inner_text().strip()
    assert re.fullmatch(r"PAKN-\d{4}-\d{6}", code)
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", due)
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    assert ticket.due_date.strftime("%d/%m/%Y") == due
    assert [a.file_type for a in ticket.attachments] == ["pdf"]

    outbox.send_pending(utcnow())
    [(_rcpts, message)] = smtp_server.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/track/[A-Za-z0-9_\-]+)", body).group(1)
    page.goto(link)
    assert page.locator("#tracking-code").inner_text().strip() == code
    assert page.locator("#state").inner_text().strip() == "Mới tiếp nhận"


def test_invalid_form_shows_errors_beside_fields_and_keeps_values(live_server, page):
    page.goto(f"{live_server}/submit")
    page.get_by_label("Họ và tên người liên hệ").fill("Lê Văn Bình")
    page.get_by_label("Mã số thuế").fill("0100109107")
    page.get_by_role("button", name="Gửi phản ánh").click()
    assert page.locator("#tax_code-error").is_visible()
    assert "chữ số kiểm tra" in page.locator("#tax_code-error").inner_text()
    assert page.get_by_label("Họ và tên người liên hệ").input_value() == "Lê Văn Bình"
    assert page.locator("#tax_code").get_attribute("aria-invalid") == "true"
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 0
