"""Tickets that name third parties, published from the pre-filled form: no public output names them."""

from __future__ import annotations

import pytest

from feedback.domain.redaction import strip_accents
from feedback.extensions import db
from feedback.services import publication
from tests.privacy.privacy_support import THIRD_PARTY_TEXTS, THIRD_PARTY_VALUES, answered, publish_prefilled


@pytest.fixture
def published(app, make_ticket, make_user):
    coordinator = make_user("coordinator", "VP")
    codes = []
    for i, (title, content, answer) in enumerate(THIRD_PARTY_TEXTS):
        ticket = answered(make_ticket, title=title, content=content, answer=answer, consent_publish=bool(i % 2))
        publish_prefilled(ticket, coordinator)
        codes.append(ticket.code)
    return codes


def public_urls(codes):
    urls = [
        "/results",
        "/results/feed.atom",
        "/results/export.csv",
        "/statistics",
        "/results?q=Binh",
        "/results?q=chợ",
        "/results/feed.atom?q=cân",
        "/results/export.csv?q=thu tuc",
    ]
    for code in codes:
        urls.append(f"/results/{code}")
        for fmt in ("json", "xml"):
            urls += [f"/open311/v2/requests/{code}.{fmt}", f"/open311/v2/requests.{fmt}?service_request_id={code}"]
    for fmt in ("json", "xml"):
        urls += [f"/open311/v2/requests.{fmt}", f"/open311/v2/requests.{fmt}?status=closed"]
    return urls


def test_no_public_output_names_a_third_party(client, published):
    needles = {v.lower() for v in THIRD_PARTY_VALUES} | {strip_accents(v).lower() for v in THIRD_PARTY_VALUES}
    for url in public_urls(published):
        response = client.get(url, buffered=True)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True).lower()
        leaked = [n for n in needles if n in body]
        assert not leaked, (url, leaked)
    # What must stay is still there: the public body, the official in office and the law.
    detail = client.get(f"/results/{published[1]}").get_data(as_text=True)
    assert "Nguyễn Văn Hùng" in detail and "Nghị định 356/2025/NĐ-CP" in detail
    assert "Chi cục Tiêu chuẩn Đo lường Chất lượng" in client.get(f"/results/{published[0]}").get_data(as_text=True)


def test_guard_refuses_a_third_party_until_marked_not_personal(app, make_ticket, make_user):
    from feedback.models import AuditLog
    from feedback.services import ServiceError
    from feedback.timeutil import utcnow

    coordinator = make_user("coordinator", "VP")
    title, content, answer = THIRD_PARTY_TEXTS[0]
    ticket = answered(make_ticket, title=title, content=content, answer=answer)
    texts = publication.prefill(ticket)
    with pytest.raises(ServiceError) as refused:
        publication.publish(ticket, coordinator, texts.title, content, texts.answer, utcnow())
    assert "Trần Văn Bình" in refused.value.message and refused.value.field == "public_summary"
    db.session.rollback()
    # "Ngọc Lan" here is a product's brand, not a person: the coordinator says so, with a reason.
    summary = texts.summary + " Sản phẩm mang nhãn Ngọc Lan của cơ sở đã được kiểm tra."
    with pytest.raises(ServiceError):
        publication.publish(ticket, coordinator, texts.title, summary, texts.answer, utcnow())
    db.session.rollback()
    with pytest.raises(ServiceError):
        publication.keep_span(ticket, coordinator, "Ngọc Lan", "", utcnow(), drafts=(summary,))  # needs a reason
    publication.keep_span(
        ticket, coordinator, "Ngọc Lan", "Tên nhãn hàng hóa, không phải tên người", utcnow(), drafts=(summary,)
    )
    db.session.commit()
    publication.publish(ticket, coordinator, texts.title, summary, texts.answer, utcnow())
    db.session.commit()
    assert ticket.privacy_kept[0]["by"] == coordinator.email and "nhãn" in ticket.privacy_kept[0]["reason"]
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "privacy_keep")).scalar_one()
    with pytest.raises(ServiceError):  # the submitter's own name can never be kept
        publication.keep_span(ticket, coordinator, ticket.name, "thử giữ tên người gửi", utcnow())


def test_preview_highlights_masked_kept_and_found_spans(client, app, make_ticket, make_user, login_as):
    coordinator = make_user("coordinator", "VP")
    title, content, answer = THIRD_PARTY_TEXTS[0]
    ticket = answered(make_ticket, title=title, content=content, answer=answer)
    login_as(coordinator)
    page = client.get(f"/staff/tickets/{ticket.code}/publish").get_data(as_text=True)
    assert (
        'class="pd-masked"' in page
        and "Trần Văn Bình" not in page.split('id="public_summary"')[1].split("</textarea>")[0]
    )
    from tests.support import csrf_token

    token = csrf_token(client, f"/staff/tickets/{ticket.code}/publish")
    texts = publication.prefill(ticket)
    response = client.post(
        f"/staff/tickets/{ticket.code}/publish",
        data={
            "csrf_token": token,
            "action": "preview",
            "public_title": texts.title,
            "public_summary": texts.summary + " Gặp ông Đỗ Văn Khải.",
            "public_answer": texts.answer,
        },
    )
    page = response.get_data(as_text=True)
    assert '<mark class="pd-found" data-kind="found">Đỗ Văn Khải</mark>' in page
    response = client.post(
        f"/staff/tickets/{ticket.code}/privacy-keep",
        data={
            "csrf_token": token,
            "public_title": texts.title,
            "public_summary": texts.summary + " Gặp ông Đỗ Văn Khải.",
            "public_answer": texts.answer,
            "keep_text": "Đỗ Văn Khải",
            "keep_reason": "Tên đường phố, không phải người",
        },
    )
    assert response.status_code == 200
    assert '<mark class="pd-kept" data-kind="kept">Đỗ Văn Khải</mark>' in response.get_data(as_text=True)
