"""Item 10: production needs BASE_URL; Message-ID in the sender's domain; Auto-Submitted on every
outbox e-mail; Vietnamese subjects encoded so that no word is split."""

from __future__ import annotations

import base64
import random
import re

import pytest

from feedback import create_app
from feedback.domain.mailheaders import encode_subject
from feedback.services import outbox
from feedback.timeutil import utcnow

SUBJECT_TEMPLATES = [
    "Sở KH&CN đã tiếp nhận phản ánh, kiến nghị của Quý vị",
    "Hồ sơ phản ánh, kiến nghị mới chuyển đơn vị xử lý",
    "Thông báo không tiếp nhận phản ánh, kiến nghị",
    "Thông báo chuyển phản ánh, kiến nghị đến cơ quan có thẩm quyền",
    "Đề nghị bổ sung thông tin",
    "Người gửi đã bổ sung thông tin",
    "Bạn được phân công xử lý hồ sơ",
    "Dự thảo trả lời chờ duyệt",
    "Dự thảo trả lời bị trả lại",
    "Trả lời phản ánh, kiến nghị",
    "Đề nghị gia hạn chờ duyệt",
    "Thông báo gia hạn giải quyết",
    "Đề nghị gia hạn không được duyệt",
    "Nhắc việc: hồ sơ sắp đến hạn giải quyết",
    "Kết quả giải quyết đã được công khai trên Cổng thông tin",
]
WORDS = [
    "kiểm",
    "định",
    "cân",
    "thương",
    "mại",
    "đồng",
    "hồ",
    "nước",
    "thẩm",
    "quyền",
    "phản",
    "ánh",
    "kiến",
    "nghị",
    "đề",
    "xuất",
    "doanh",
    "nghiệp",
    "quyết",
    "định",
    "chuyển",
    "giao",
    "công",
    "nghệ",
    "sở",
    "hữu",
    "trí",
    "tuệ",
    "tiêu",
    "chuẩn",
    "đo",
    "lường",
    "chất",
    "lượng",
    "khởi",
    "nghiệp",
    "đổi",
    "mới",
    "sáng",
    "tạo",
    "thủ",
    "tục",
    "hành",
    "chính",
    "trực",
    "tuyến",
    "giấy",
    "chứng",
    "nhận",
    "nhãn",
    "hiệu",
]


def many_subjects(n: int = 600) -> list[str]:
    rng = random.Random(11)
    subjects = []
    for i in range(n):
        code = f"[PAKN-2026-{rng.randint(1, 999999):06d}]"
        base = SUBJECT_TEMPLATES[i % len(SUBJECT_TEMPLATES)]
        extra = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        subjects.append(" ".join(p for p in (code, base, extra) if p))
    return subjects


ENCODED_WORD = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/=]+)\?=", re.I)


def check_header(raw: str, subject: str) -> None:
    """Every encoded word holds whole words (ending at a space, or the end); lines fit in 78."""
    lines = raw.split("\r\n")
    assert all(len(line) <= 78 for line in lines), lines
    parts = [base64.b64decode(m).decode("utf-8") for m in ENCODED_WORD.findall(raw)]
    assert "".join(parts) == subject
    for part in parts[:-1]:
        assert part.endswith(" "), f"a word is split after {part!r}"


def test_encode_subject_never_splits_a_word():
    for subject in many_subjects():
        check_header(encode_subject(subject), subject)
    assert encode_subject("Plain ASCII subject") == "Plain ASCII subject"
    assert "\n" not in encode_subject("Tiêu đề\r\nBcc: x@evil.example").replace("\r\n ", "")


def test_delivered_subjects_decode_intact(app, smtp_server):
    subjects = many_subjects(120)
    for i, subject in enumerate(subjects):
        _queue_plain(subject, i)
    from feedback.extensions import db

    db.session.commit()
    app.config["OUTBOX_BATCH"] = 500
    outbox.send_pending(utcnow())
    assert len(smtp_server.messages) == len(subjects)
    by_rcpt = {r[0]: (m, raw) for (r, m), raw in zip(smtp_server.messages, smtp_server.raw, strict=True)}
    for i, subject in enumerate(subjects):
        message, raw = by_rcpt[f"nguoi.nhan{i}@example.com"]
        assert message["Subject"] == subject  # decoded by the standard library as a reader would
        assert str(message["Subject"]).split(" ") == subject.split(" ")
        # And as a reader that decodes each encoded word on its own would see it.
        header = re.search(r"^Subject: (.*?)\r\n(?! )", raw.decode("utf-8", "replace"), re.S | re.M).group(1)
        check_header(header, subject)


def _queue_plain(subject: str, i: int):
    from feedback.extensions import db
    from feedback.models import OutboxMessage

    db.session.add(
        OutboxMessage(
            kind="test",
            recipients=f"nguoi.nhan{i}@example.com",
            subject=subject,
            body_text="Nội dung thư.",
            body_html=None,
        )
    )


def test_raw_subject_header_on_the_wire(app, smtp_server):
    from feedback.extensions import db

    subject = "[PAKN-2026-000042] Thông báo chuyển phản ánh, kiến nghị đến cơ quan có thẩm quyền giải quyết"
    _queue_plain(subject, 0)
    db.session.commit()
    outbox.send_pending(utcnow())
    [(_rcpt, _message)] = smtp_server.messages
    raw = smtp_server.raw[0].decode("utf-8", "replace")
    header = re.search(r"^Subject: (.*?)\r\n(?! )", raw, re.S | re.M).group(1)
    check_header(header, subject)


def test_message_id_and_auto_submitted(app, smtp_server):
    from feedback.extensions import db

    app.config["MAIL_DEFAULT_SENDER"] = "Sở Khoa học và Công nghệ <phananh@sokhcn.gov.vn>"
    _queue_plain("Đề nghị bổ sung thông tin", 0)
    db.session.commit()
    outbox.send_pending(utcnow())
    [(_rcpt, message)] = smtp_server.messages
    assert re.fullmatch(r"<[^@>]+@sokhcn\.gov\.vn>", message["Message-ID"]), message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"


def test_workflow_mail_is_auto_submitted(app, smtp_server, make_ticket):
    make_ticket(email="doanh.nghiep@example.com")  # the acknowledgment
    outbox.send_pending(utcnow())
    [(_rcpt, message)] = smtp_server.messages
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@sokhcn.gov.vn>")
    assert "Sở KH&CN đã tiếp nhận phản ánh, kiến nghị của Quý vị" in message["Subject"]


def test_production_refuses_to_start_without_base_url(app, monkeypatch):
    kwargs = dict(
        SECRET_KEY="k" * 32,
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SQLALCHEMY_ENGINE_OPTIONS={},
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
    )
    for missing in (None, ""):
        with pytest.raises(RuntimeError, match="BASE_URL"):
            create_app("production", BASE_URL=missing, **kwargs)
    assert create_app("production", BASE_URL="https://phananh.sokhcn.gov.vn", **kwargs).config["BASE_URL"]


def test_headers_on_the_wire_are_ascii(app, smtp_server):
    from feedback.extensions import db

    _queue_plain("Thông báo gia hạn giải quyết", 0)
    db.session.commit()
    outbox.send_pending(utcnow())
    head = smtp_server.raw[0].split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), head
