"""Publication service: redacted pre-fill, personal-data refusal, state and role checks, events, email."""

from __future__ import annotations

from datetime import datetime

import pytest

from feedback.extensions import db
from feedback.models import OutboxMessage, TicketEvent
from feedback.services import ServiceError, calendar, publication
from tests.publication.publication_fixtures import (  # noqa: F401
    answered_ticket,
    coordinator,
    publish,
    release_before_requests,
    search_schema,
)

NOW = datetime(2026, 11, 20, 3, 0)

PERSONAL = {
    "name": "Trần Thị Bích Ngọc",
    "organization": "Công ty Cổ phần Thiết bị Đo lường Hưng Thịnh",
    "tax_code": "0101243150",
    "email": "ngoc.tran@hungthinh.com.vn",
    "phone": "0987 654 321",
    "address": "Số 12 đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh",
}

CONTENT = (
    "Tôi là Trần Thị Bích Ngọc, đại diện Công ty Cổ phần Thiết bị Đo lường Hưng Thịnh (mã số thuế "
    "0101243150), địa chỉ Số 12 đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh. Xin liên hệ "
    "ngoc.tran@hungthinh.com.vn, +84 987 654 321 hoặc 0987.654.321. Đề nghị Sở hướng dẫn thủ tục "
    "đăng ký kiểm định phương tiện đo nhóm 2 theo Thông tư 23/2013/TT-BKHCN."
)
ANSWER = (
    "Kính gửi bà Ngọc, Sở đã nhận được kiến nghị (CCCD người nộp 001203012345). Thủ tục kiểm định "
    "phương tiện đo nhóm 2 thực hiện theo Thông tư 23/2013/TT-BKHCN; hồ sơ nộp trực tuyến."
)


@pytest.fixture
def ticket(answered_ticket):
    return answered_ticket(
        content=CONTENT,
        answer=ANSWER,
        title="Thủ tục kiểm định của bà Trần Thị Bích Ngọc",
        consent_publish=False,
        **PERSONAL,
    )


def leaked(text: str) -> list[str]:
    needles = [
        PERSONAL["name"],
        "Bích Ngọc",
        "bà Ngọc",
        PERSONAL["organization"],
        PERSONAL["tax_code"],
        PERSONAL["email"],
        "987 654 321",
        "987.654.321",
        "0987654321",
        PERSONAL["address"],
        "001203012345",
    ]
    return [n for n in needles if n.lower() in text.lower()]


def test_prefill_masks_names_contacts_ids_and_organisation_without_consent(ticket):
    texts = publication.prefill(ticket)
    for value in (texts.title, texts.summary, texts.answer):
        assert leaked(value) == [], value
        assert "***" in value
    # What the public needs stays: the regulation number and the subject.
    assert "Thông tư 23/2013/TT-BKHCN" in texts.summary
    assert "kiểm định" in texts.answer


def test_prefill_keeps_organisation_with_consent(answered_ticket):
    ticket = answered_ticket(content=CONTENT, answer=ANSWER, consent_publish=True, **PERSONAL)
    texts = publication.prefill(ticket)
    assert PERSONAL["organization"] in texts.summary
    assert PERSONAL["name"] not in texts.summary and PERSONAL["email"] not in texts.summary


@pytest.mark.parametrize(
    "mention",
    [
        "Trần Thị Bích Ngọc",
        "tran thi bich ngoc",  # without diacritics
        "TRẦN THỊ BÍCH NGỌC",
        "bà Ngọc",  # title + given name
        "+84 987 654 321",
        "(+84) 987-654-321",
        "0987.654.321",
        "0212 3456 789",  # anyone's phone number
        "0101243150",  # tax code
        "0101243150-001",  # branch tax code
        "ngoc.tran@hungthinh.com.vn",
        "lienhe@khac.vn",  # anyone's email inside text
        "Số 12 đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh",
        "Công ty Cổ phần Thiết bị Đo lường Hưng Thịnh",  # organisation without consent
        "cong ty co phan thiet bi do luong hung thinh",
    ],
)
def test_publish_refuses_text_with_personal_data(ticket, coordinator, mention):
    texts = publication.prefill(ticket)
    with pytest.raises(ServiceError) as exc:
        publication.publish(
            ticket, coordinator, texts.title, texts.summary + " Liên hệ: " + mention + ".", texts.answer, NOW
        )
    assert exc.value.status == 400 and exc.value.field == "public_summary"
    db.session.rollback()
    assert ticket.published_at is None


def test_publish_with_consent_allows_organisation_but_not_contacts(answered_ticket, coordinator):
    ticket = answered_ticket(content=CONTENT, answer=ANSWER, consent_publish=True, **PERSONAL)
    texts = publication.prefill(ticket)
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, NOW)
    assert PERSONAL["organization"] in ticket.public_summary


def test_publish_sets_public_text_search_text_event_and_email(ticket, coordinator):
    texts = publication.prefill(ticket)
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, NOW)
    db.session.commit()
    assert ticket.published_at == NOW
    assert ticket.public_answer == texts.answer
    # Accent-free, lower case, and includes the code so a code search finds it.
    assert "thu tuc kiem dinh" in ticket.search_text
    assert ticket.code.lower().replace("-", " ") in ticket.search_text
    assert ticket.search_text == ticket.search_text.lower()
    event = db.session.execute(db.select(TicketEvent).where(TicketEvent.action == "publish")).scalar_one()
    assert event.public and event.actor_id == coordinator.id and event.at == NOW
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "published")).scalar_one()
    assert mail.recipients == PERSONAL["email"]
    assert f"/results/{ticket.code}" in mail.body_text and f"/results/{ticket.code}" in mail.body_html


def test_republish_edits_text_without_second_email(ticket, coordinator):
    texts = publication.prefill(ticket)
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, NOW)
    publication.publish(
        ticket, coordinator, "Tiêu đề đã sửa về thủ tục", texts.summary, texts.answer, datetime(2026, 11, 21)
    )
    db.session.commit()
    assert ticket.public_title == "Tiêu đề đã sửa về thủ tục" and ticket.published_at == NOW
    assert (
        db.session.execute(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "published")
        ).scalar_one()
        == 1
    )


@pytest.mark.parametrize("state", ["new", "assigned", "in_progress", "pending_approval", "needs_info", "refused"])
def test_publish_refused_unless_answered(ticket, coordinator, state):
    ticket.state = state
    db.session.commit()
    with pytest.raises(ServiceError) as exc:
        publication.publish(ticket, coordinator, "Tiêu đề công khai", "Tóm tắt nội dung đủ dài", "Trả lời đủ dài.", NOW)
    assert exc.value.status == 409


@pytest.mark.parametrize(
    ("role", "unit"), [("officer", "CCTDC"), ("unit_head", "CCTDC"), ("director", None), ("admin", None)]
)
def test_publish_and_unpublish_refused_for_other_roles(ticket, make_user, role, unit):
    user = make_user(role, unit)
    with pytest.raises(ServiceError) as exc:
        publication.publish(ticket, user, "Tiêu đề công khai", "Tóm tắt nội dung đủ dài", "Trả lời đủ dài.", NOW)
    assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:
        publication.unpublish(ticket, user, "Lý do gỡ xuống", NOW)
    assert exc.value.status == 403


@pytest.mark.parametrize(
    ("title", "summary", "answer", "field"),
    [
        ("", "Tóm tắt nội dung đủ dài", "Trả lời đủ dài.", "public_title"),
        ("Tiêu đề công khai", "ngắn", "Trả lời đủ dài.", "public_summary"),
        ("Tiêu đề công khai", "Tóm tắt nội dung đủ dài", "   ", "public_answer"),
        ("x" * 301, "Tóm tắt nội dung đủ dài", "Trả lời đủ dài.", "public_title"),
    ],
)
def test_publish_validates_lengths(ticket, coordinator, title, summary, answer, field):
    with pytest.raises(ServiceError) as exc:
        publication.publish(ticket, coordinator, title, summary, answer, NOW)
    assert (exc.value.status, exc.value.field) == (400, field)


def test_unpublish_records_reason_and_clears_search(ticket, coordinator):
    texts = publication.prefill(ticket)
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, NOW)
    db.session.commit()
    with pytest.raises(ServiceError) as exc:
        publication.unpublish(ticket, coordinator, "", NOW)
    assert exc.value.status == 400
    publication.unpublish(
        ticket, coordinator, "Người gửi đề nghị gỡ do còn thông tin nhận diện.", datetime(2026, 11, 22)
    )
    db.session.commit()
    assert ticket.published_at is None and ticket.search_text is None
    assert ticket.unpublished_at == datetime(2026, 11, 22)
    event = db.session.execute(db.select(TicketEvent).where(TicketEvent.action == "unpublish")).scalar_one()
    assert not event.public and "gỡ" in event.message
    with pytest.raises(ServiceError) as exc:
        publication.unpublish(ticket, coordinator, "Lần nữa thì sao?", NOW)
    assert exc.value.status == 409


def test_publish_due_date_is_two_working_days_after_answer(app):
    from datetime import date

    # Friday 09/10/2026 + 2 working days = Tuesday 13/10/2026; from Friday 20/11/2026 it is
    # Wednesday 25/11/2026, because 24/11 (Ngày Văn hóa Việt Nam) is a day off from 2026.
    assert calendar.compute("publish", date(2026, 10, 9)).due == date(2026, 10, 13)
    assert calendar.compute("publish", date(2026, 11, 20)).due == date(2026, 11, 25)


def test_search_setup_command_recomputes_and_reindexes(app, runner, ticket, coordinator, client):
    from sqlalchemy import text

    texts = publication.prefill(ticket)
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, NOW)
    db.session.commit()
    code, version = ticket.code, ticket.version
    db.session.execute(text("UPDATE tickets SET search_text = 'stale' WHERE code = :c"), {"c": code})
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM ticket_search"))
    db.session.commit()
    assert code not in client.get("/results?q=kiem+dinh").get_data(as_text=True)
    result = runner.invoke(args=["search", "setup", "--recompute"])
    assert result.exit_code == 0, result.output
    assert "recomputed for 1 published" in result.output
    assert code in client.get("/results?q=kiem+dinh").get_data(as_text=True)
    db.session.expire_all()
    refreshed = db.session.execute(db.select(publication.Ticket).where(publication.Ticket.code == code)).scalar_one()
    assert refreshed.version == version and refreshed.search_text.startswith(code.lower().replace("-", " "))
