"""Rating an answer "không hài lòng" and asking for reconsideration from the tracking page, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.models import Rating, Review, Ticket
from feedback.services import workflow
from feedback.timeutil import utcnow

pytestmark = pytest.mark.e2e


def test_rate_dissatisfied_then_ask_for_reconsideration(live_server, page, make_ticket, make_user):
    coordinator = make_user("coordinator", "VP", email="vanphong@test.vn")
    head = make_user("unit_head", "CCTDC", email="truong@test.vn")
    now = utcnow() - timedelta(hours=2)
    ticket = make_ticket(now=now, title="Chậm cấp giấy chứng nhận hợp chuẩn")
    workflow.route(ticket, coordinator, "CCTDC", now)
    workflow.assign(ticket, head, head, now)
    workflow.answer(ticket, head, "Chi cục sẽ cấp giấy chứng nhận trong tháng tới.", now)
    workflow.approve(ticket, head, now)
    db.session.commit()
    tid, token = ticket.id, ticket.tracking_token
    db.session.remove()  # the live server's requests must not wait on this test's transaction

    page.goto(f"{live_server}/track/{token}#rating")
    assert page.locator("#state").inner_text().strip() == "Đã trả lời"
    page.get_by_label("Không hài lòng").check()
    page.get_by_label("Chưa trả lời đúng, đủ nội dung tôi nêu").check()
    page.get_by_label("Không có kết luận rõ ràng").check()
    page.get_by_label("Ý kiến thêm (không bắt buộc)").fill("Câu trả lời không nêu ngày cấp cụ thể.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert "Đã ghi nhận đánh giá" in page.locator("body").inner_text()
    assert page.locator("#current-rating [data-level]").get_attribute("data-level") == "dissatisfied"

    # "Không hài lòng" now offers the reconsideration, with the rating's reasons ticked.
    review = page.locator("#review-form")
    assert review.is_visible()
    assert page.locator("#review-reason-did_not_address").is_checked()
    page.get_by_label("Nội dung đề nghị").fill("Đề nghị Sở xem xét lại và cho biết ngày cấp cụ thể.")
    page.get_by_role("button", name="Gửi đề nghị xem xét lại").click()
    text = page.locator("body").inner_text()
    assert "Đã gửi đề nghị xem xét lại" in text
    assert page.locator("#state").inner_text().strip() == "Đang xử lý"
    assert page.locator("#review-status").is_visible() and page.locator("#review-form").count() == 0
    assert "Đề nghị xem xét lại" in page.locator("#timeline").inner_text()

    db.session.rollback()
    stored = db.session.get(Ticket, tid)
    assert stored.state == "in_progress" and stored.review_round == 1
    rating = db.session.execute(db.select(Rating).where(Rating.ticket_id == tid)).scalar_one()
    assert rating.level == "dissatisfied" and rating.reasons == ["did_not_address", "no_conclusion"]
    due = db.session.execute(db.select(Review.due_date).where(Review.ticket_id == tid)).scalar_one()
    assert due.strftime("%d/%m/%Y") in text
    db.session.rollback()
