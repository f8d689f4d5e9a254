"""A submitter in a real browser: reads the notice, gives separate consents, downloads their data and
withdraws consent to publication."""

from __future__ import annotations

import json

import pytest

from feedback.extensions import db
from feedback.models import PrivacyRequest, Ticket

pytestmark = pytest.mark.e2e


def test_notice_consents_my_data_and_withdrawal(live_server, page):
    page.goto(f"{live_server}/submit")
    notice = page.locator("#privacy-notice")
    assert "Mục đích" in notice.inner_text() and "dulieucanhan@sokhcn.gov.vn" in notice.inner_text()
    processing = page.locator("#consent_processing")
    publish = page.get_by_label("Tôi đồng ý công khai", exact=False)
    assert not processing.is_checked() and not publish.is_checked()  # never pre-ticked
    page.locator("#privacy-policy-link").click()
    assert "Chính sách bảo vệ dữ liệu cá nhân" in page.locator("h1").inner_text()
    page.go_back()
    page.get_by_label("Tên doanh nghiệp, tổ chức").fill("Công ty TNHH Điện tử Mekong")
    page.get_by_label("Mã số thuế").fill("0100109106")
    page.get_by_label("Họ và tên người liên hệ").fill("Trần Thị Hồng")
    page.get_by_label("Thư điện tử").fill("hong.tran@example.com")
    page.get_by_label("Địa chỉ").fill("Số 1 Nguyễn Trung Trực, phường Long An, tỉnh Tây Ninh")
    page.get_by_label("Loại").select_option("complaint")
    page.get_by_label("Lĩnh vực").select_option("TDC")
    page.get_by_label("Tiêu đề").fill("Chậm cấp giấy chứng nhận hợp chuẩn")
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        "Hồ sơ chứng nhận hợp chuẩn của doanh nghiệp nộp đã hơn 30 ngày nhưng chưa được giải quyết."
    )
    processing.check()
    publish.check()
    page.get_by_role("button", name="Gửi phản ánh").click()
    errors = page.locator(".invalid-feedback, #form-error").all_inner_texts()
    assert not errors, errors
    code = page.locator("#tracking-code").inner_text().strip()
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    assert ticket.consent_processing_at and ticket.consent_publish_at and ticket.notice_version

    page.goto(f"{live_server}/track/{ticket.tracking_token}")
    assert page.locator("#consent-state").inner_text() == "có"
    data = json.loads(page.request.get(f"{live_server}/track/{ticket.tracking_token}/my-data.json").text())
    assert data["submitter"]["email"] == "hong.tran@example.com"
    page.locator("#privacy-kind-withdraw_publication").check()
    page.get_by_role("button", name="Gửi yêu cầu").click()
    assert page.locator("#consent-state").inner_text() == "không"
    db.session.rollback()
    assert db.session.execute(db.select(PrivacyRequest.state)).scalar_one() == "done"
