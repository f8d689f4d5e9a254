"""Restriction of processing means something: the result leaves every public output at once and cannot be
published while the request is open or once granted; the staff see why."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import PrivacyRequest, Ticket
from tests.privacy.privacy_support import THIRD_PARTY_TEXTS, answered, publish_prefilled
from tests.support import csrf_token

PUBLIC = ["/results", "/results/feed.atom", "/results/export.csv", "/open311/v2/requests.json"]


def _request_restriction(client, ticket):
    token = csrf_token(client, f"/track/{ticket.tracking_token}")
    response = client.post(
        f"/track/{ticket.tracking_token}/privacy-request",
        data={
            "csrf_token": token,
            "kind": "restrict",
            "message": "Đề nghị hạn chế xử lý dữ liệu của tôi, không công khai.",
        },
    )
    db.session.rollback()
    return response


def _publish_via_form(client, ticket):
    token = csrf_token(client, f"/staff/tickets/{ticket.code}/publish")
    return client.post(
        f"/staff/tickets/{ticket.code}/publish",
        data={
            "csrf_token": token,
            "public_title": "Kiểm định cân tại chợ",
            "public_summary": "Doanh nghiệp phản ánh cân tại chợ không được kiểm định định kỳ.",
            "public_answer": "Chi cục Tiêu chuẩn Đo lường Chất lượng đã kiểm định lại các cân.",
        },
    )


def _visible(client, ticket) -> list[str]:
    return [url for url in PUBLIC if ticket.code in client.get(url, buffered=True).get_data(as_text=True)]


def test_a_restriction_request_takes_the_result_down_and_blocks_publication(client, make_ticket, make_user, login_as):
    coordinator = make_user("coordinator", "VP")
    title, content, answer = THIRD_PARTY_TEXTS[0]
    ticket = answered(make_ticket, title=title, content=content, answer=answer)
    publish_prefilled(ticket, coordinator)
    assert client.get(f"/results/{ticket.code}").status_code == 200
    assert _visible(client, ticket) == PUBLIC

    assert _request_restriction(client, ticket).status_code == 303
    assert client.get(f"/results/{ticket.code}").status_code == 404  # at once, before any decision
    assert _visible(client, ticket) == []
    assert client.get(f"/open311/v2/requests/{ticket.code}.json").status_code == 404

    login_as(coordinator)
    page = client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    assert 'id="privacy-restricted"' in page and "kết quả không được công khai" in page
    response = _publish_via_form(client, ticket)
    assert response.status_code == 409
    assert "hạn chế xử lý dữ liệu cá nhân" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).published_at is None

    # Granted: the ticket stays restricted; still never published.
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    token = csrf_token(client, "/staff/privacy-requests")
    assert (
        client.post(
            f"/staff/privacy-requests/{item.id}/complete",
            data={"csrf_token": token, "answer": "Sở đã hạn chế xử lý dữ liệu của Quý vị."},
        ).status_code
        == 303
    )
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.processing_restricted_at is not None
    page = client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    assert "không công khai, không đưa vào dữ liệu mở" in page
    assert _publish_via_form(client, ticket).status_code == 409
    assert _visible(client, ticket) == []


def test_a_refused_restriction_lets_the_office_publish_again(client, make_ticket, make_user, login_as):
    coordinator = make_user("coordinator", "VP")
    title, content, answer = THIRD_PARTY_TEXTS[2]
    ticket = answered(make_ticket, title=title, content=content, answer=answer)
    assert _request_restriction(client, ticket).status_code == 303
    login_as(coordinator)
    assert _publish_via_form(client, ticket).status_code == 409
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    token = csrf_token(client, "/staff/privacy-requests")
    assert (
        client.post(
            f"/staff/privacy-requests/{item.id}/refuse",
            data={
                "csrf_token": token,
                "answer": "Yêu cầu không có căn cứ theo Luật 91/2025/QH15.",
                "reason": "Yêu cầu không có căn cứ theo Luật 91/2025/QH15.",
            },
        ).status_code
        == 303
    )
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).processing_restricted_at is None
    assert _publish_via_form(client, ticket).status_code == 303
    assert client.get(f"/results/{ticket.code}").status_code == 200
