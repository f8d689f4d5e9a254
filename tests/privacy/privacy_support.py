"""Helpers for the personal-data tests: answered tickets that name third parties, published from the pre-fill."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.extensions import db
from feedback.models import Unit

# Complaints that name other people, their addresses and disguised contacts, as real ones do.
THIRD_PARTY_TEXTS = [
    (
        "Cân sai ở chợ Đông Ba",
        "Liên hệ anh Trần Văn Bình, điện thoại 0903 123 456, người bán ở sạp số 12. Chị Bích Ngọc (ngoc.tran (at) "
        "congtyabc.vn) cũng chứng kiến. Nhà anh Bình ở số 18 ngõ 72 phố Tôn Thất Tùng, phường Kim Liên.",
        "Sở đã kiểm tra; ông Trần Văn Bình đã được nhắc nhở. Chi cục Tiêu chuẩn Đo lường Chất lượng sẽ kiểm định lại.",
    ),
    (
        "Chậm thẩm định hồ sơ",
        "Cán bộ Lê Thị Hồng ở bộ phận một cửa hẹn 10 ngày. Ngoc Tran bên kế toán đã gọi 09 78 56 34 12 nhiều lần. "
        "Tiền phí chuyển vào STK 0071 0009 87654 Vietcombank, xe giao hồ sơ biển 51F-123.45.",
        "Giám đốc Sở Khoa học và Công nghệ Nguyễn Văn Hùng đã chỉ đạo giải quyết theo Nghị định 356/2025/NĐ-CP.",
    ),
    (
        "Kiến nghị về thủ tục",
        "Tôi đại diện bà Phạm Thị Thu Trang, sinh ngày 14/07/1979, CCCD 001079012345, hộ chiếu B1234567, "
        "ở thôn Phú Mỹ, xã Hòa Tiến. Email của bà: thutrang a còng gmail chấm com.",
        "Sở hướng dẫn bà Trang nộp hồ sơ trực tuyến theo Thông tư 02/2017/TT-VPCP.",
    ),
]
THIRD_PARTY_VALUES = [
    "Trần Văn Bình",
    "Tran Van Binh",
    "0903 123 456",
    "903123456",
    "Bích Ngọc",
    "ngoc.tran",
    "congtyabc",
    "Tôn Thất Tùng",
    "Lê Thị Hồng",
    "Ngoc Tran",
    "09 78 56 34 12",
    "0071 0009 87654",
    "51F-123.45",
    "Phạm Thị Thu Trang",
    "14/07/1979",
    "001079012345",
    "B1234567",
    "Phú Mỹ",
    "thutrang",
    "anh Bình",
    "bà Trang",
]


def answered(
    make_ticket,
    *,
    title: str,
    content: str,
    answer: str,
    consent_publish: bool = True,
    now: datetime | None = None,
    **fields,
):
    """A ticket submitted through intake and put in the answered state (committed)."""
    ticket = make_ticket(title=title, content=content, consent_publish=consent_publish, now=now, **fields)
    unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    answered_on = ticket.received_on + timedelta(days=5)
    ticket.state = "answered"
    ticket.unit_id = unit.id
    ticket.answer = answer
    ticket.answered_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3)
    ticket.answered_on = answered_on
    ticket.on_time = True
    ticket.closed_at = ticket.answered_at
    ticket.publish_due_date = answered_on + timedelta(days=2)
    db.session.commit()
    return ticket


def publish_prefilled(ticket, coordinator, now: datetime | None = None):
    """Publish exactly what the pre-filled form proposes (committed)."""
    from feedback.services import publication

    texts = publication.prefill(ticket)
    publication.publish(
        ticket, coordinator, texts.title, texts.summary, texts.answer, now or datetime(2026, 11, 20, 3, 0)
    )
    db.session.commit()
    return ticket
