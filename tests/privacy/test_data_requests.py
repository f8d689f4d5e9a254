"""Data-subject requests end to end: from the tracking page, through the office, to the requester's mailbox
(a real SMTP server), on both databases."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from feedback.extensions import db
from feedback.models import AuditLog, PrivacyRequest, Ticket
from feedback.services import outbox
from feedback.timeutil import local_today
from tests.privacy.privacy_support import THIRD_PARTY_TEXTS, answered, publish_prefilled
from tests.support import VALID_FORM, csrf_token

NOW = datetime(2026, 11, 16, 2, 0)  # Monday 09:00 local


def deliver(now=None):
    report = outbox.send_pending(now or datetime(2030, 1, 1))
    db.session.commit()
    return report


def post_request(client, ticket, kind, message=""):
    token = csrf_token(client, f"/track/{ticket.tracking_token}")
    response = client.post(
        f"/track/{ticket.tracking_token}/privacy-request", data={"csrf_token": token, "kind": kind, "message": message}
    )
    db.session.rollback()  # end the test's read snapshot: see what the request committed
    return response


def test_form_shows_the_notice_and_records_consents(client, app):
    page = client.get("/submit").get_data(as_text=True)
    assert 'id="privacy-notice"' in page and app.config["PRIVACY_CONTACT_EMAIL"] in page
    assert 'name="consent_processing"' in page and 'name="consent_publish"' in page
    assert "checked" not in page.split('id="consent_processing"')[1].split(">")[0]  # never pre-ticked
    assert "Chính sách bảo vệ dữ liệu cá nhân" in client.get("/privacy").get_data(as_text=True)
    token = csrf_token(client, "/submit")
    data = dict(VALID_FORM, csrf_token=token, consent_processing="y")
    assert client.post("/submit", data=data).status_code == 303
    data = {k: v for k, v in VALID_FORM.items() if k != "consent_publish"}  # the DESIGN §9 field set, no consent
    assert client.post("/submit", data=dict(data, csrf_token=token, title="Thủ tục thứ hai cần hỏi")).status_code == 303
    first, second = db.session.execute(db.select(Ticket).order_by(Ticket.id)).scalars().all()
    assert first.notice_version == app.config["PRIVACY_NOTICE_VERSION"] == second.notice_version
    assert first.consent_processing_at is not None and first.consent_publish_at is not None
    assert second.consent_publish is False and second.consent_publish_at is None


def test_withdraw_consent_changes_every_public_output_at_once(client, app, make_ticket, make_user, smtp_server):
    coordinator = make_user("coordinator", "VP")
    org = "Công ty TNHH Cơ khí Chính xác Long An"
    title, content, answer = THIRD_PARTY_TEXTS[1]
    ticket = answered(
        make_ticket,
        title=title,
        content=content + f" {org} kiến nghị.",
        answer=answer,
        consent_publish=True,
        organization=org,
    )
    publish_prefilled(ticket, coordinator)
    urls = [
        f"/results/{ticket.code}",
        "/results/feed.atom",
        "/results/export.csv",
        f"/open311/v2/requests/{ticket.code}.json",
    ]
    assert all(org in client.get(u, buffered=True).get_data(as_text=True) for u in urls[:3])
    response = post_request(client, ticket, "withdraw_publication")
    assert response.status_code == 303
    assert client.get(urls[0]).status_code == 404  # taken down at once
    for url in urls:
        body = client.get(url, buffered=True).get_data(as_text=True)
        assert org not in body and "Cơ khí Chính xác" not in body, url
        if url in urls[1:3]:
            assert ticket.code not in body, url
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.consent_publish is False and ticket.consent_publish_withdrawn_at is not None
    assert ticket.published_at is None and org not in (ticket.public_summary or "")
    # The office may re-publish deliberately: the pre-fill now masks the organisation.
    from feedback.services import publication

    texts = publication.prefill(ticket)
    assert org not in texts.summary
    publication.publish(ticket, coordinator, texts.title, texts.summary, texts.answer, datetime(2026, 11, 25, 3))
    db.session.commit()
    assert org not in client.get(urls[0]).get_data(as_text=True)
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    assert item.state == "done" and item.on_time
    deliver()
    assert any("Kết quả giải quyết yêu cầu" in s for s in smtp_server.subjects())


def test_my_data_json_and_printable_copy(client, make_ticket):
    ticket = make_ticket(title="Hồ sơ kiểm định cân", content="Nội dung phản ánh về thủ tục kiểm định cân thương mại.")
    response = client.get(f"/track/{ticket.tracking_token}/my-data.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["submitter"]["email"] == ticket.email and data["submitter"]["name"] == ticket.name
    assert data["ticket"]["code"] == ticket.code and data["consents"]["notice_version"] == ticket.notice_version
    assert data["timeline"] and "attachments" in data and "privacy_requests" in data
    page = client.get(f"/track/{ticket.tracking_token}/my-data").get_data(as_text=True)
    assert ticket.email in page and "window.print()" in page
    assert client.get("/track/not-a-token/my-data.json").status_code == 404
    pdf = client.get(f"/track/{ticket.tracking_token}/my-data.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert ticket.email in text and ticket.code in text


@pytest.mark.parametrize(
    ("kind", "message", "status", "field"),
    [
        ("erase_everything", "", 400, "kind"),
        ("", "", 400, "kind"),
        ("correct", "", 400, "message"),
        ("object", "x" * 5001, 400, "message"),
    ],
)
def test_bad_requests_change_nothing(client, make_ticket, kind, message, status, field):
    ticket = make_ticket()
    response = post_request(client, ticket, kind, message)
    assert response.status_code == status
    assert 'id="privacy-error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(PrivacyRequest)).scalars().all() == []


def test_deletion_request_acknowledged_extended_once_and_answered_within_deadline(
    client, app, make_ticket, make_user, login_as, smtp_server
):
    coordinator = make_user("coordinator", "VP")
    ticket = make_ticket(now=NOW, content="Liên hệ anh Trần Văn Bình 0903 123 456 về việc kiểm định cân.")
    email = ticket.email
    response = post_request(client, ticket, "delete", "Đề nghị xóa toàn bộ dữ liệu cá nhân của tôi.")
    assert response.status_code == 303
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    assert item.state == "acknowledged"
    received = item.received_on
    assert item.ack_due_date > received and item.due_date > item.ack_due_date
    assert item.due_date.weekday() < 5
    deliver()
    assert smtp_server.messages[-1][0] == [email]
    assert item.due_date.strftime("%d/%m/%Y") in smtp_server.bodies()[-1]
    # The same kind again while open: refused.
    assert post_request(client, ticket, "delete", "lần hai").status_code == 409
    login_as(coordinator)
    assert 'id="privacy-status"' in client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    token = csrf_token(client, "/staff/privacy-requests")
    assert (
        client.post(f"/staff/privacy-requests/{item.id}/extend", data={"csrf_token": token, "reason": ""}).status_code
        == 400
    )
    old_due = item.due_date
    assert (
        client.post(
            f"/staff/privacy-requests/{item.id}/extend",
            data={"csrf_token": token, "reason": "Cần xác minh người yêu cầu"},
        ).status_code
        == 303
    )
    db.session.rollback()
    item = db.session.get(PrivacyRequest, item.id)
    assert item.due_date > old_due and item.extension_reason == "Cần xác minh người yêu cầu"
    assert (
        client.post(
            f"/staff/privacy-requests/{item.id}/extend", data={"csrf_token": token, "reason": "Lần nữa"}
        ).status_code
        == 409
    )  # at most once
    deliver()
    assert "Cần xác minh người yêu cầu" in smtp_server.bodies()[-1]
    assert (
        client.post(
            f"/staff/privacy-requests/{item.id}/complete",
            data={"csrf_token": token, "answer": "Sở đã xóa dữ liệu cá nhân của Quý vị."},
        ).status_code
        == 303
    )
    db.session.rollback()
    item = db.session.get(PrivacyRequest, item.id)
    ticket = db.session.get(Ticket, ticket.id)
    assert item.state == "done" and item.on_time is True and ticket.anonymised_at is not None
    assert ticket.email is None and "Trần Văn Bình" not in ticket.content and "0903 123 456" not in ticket.content
    deliver()
    rcpts, _message = smtp_server.messages[-1]
    assert rcpts == [email] and "Sở đã xóa dữ liệu cá nhân của Quý vị." in smtp_server.bodies()[-1]
    actions = [
        a.action for a in db.session.execute(db.select(AuditLog).where(AuditLog.entity == "privacy_request")).scalars()
    ]
    assert actions == ["create", "extend", "done"]
    # Reports count the request.
    from feedback.services import data_requests

    year = local_today().year  # the request was made today
    counts = data_requests.counts(datetime(year, 1, 1), datetime(year + 1, 1, 1))
    assert counts["total"] == 1 and counts["by_kind"]["delete"] == 1 and counts["on_time"] == 1


@pytest.mark.parametrize(("role", "status"), [("officer", 403), ("unit_head", 403), ("director", 403)])
def test_only_the_office_handles_requests(client, make_ticket, make_user, login_as, role, status):
    ticket = make_ticket()
    post_request(client, ticket, "access", "")
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    user = make_user(role, None if role == "director" else "QLCN")
    login_as(user)
    token = csrf_token(client, "/track")
    response = client.post(
        f"/staff/privacy-requests/{item.id}/complete", data={"csrf_token": token, "answer": "Đã xong."}
    )
    assert response.status_code == status
    db.session.rollback()
    assert db.session.get(PrivacyRequest, item.id).state == "acknowledged"


def test_request_deadlines_follow_the_rules_as_data(app, make_ticket):
    from feedback.models import DeadlineRule
    from feedback.services import data_requests

    db.session.add(DeadlineRule(purpose="pd_access", amount=3, day_unit="working_days", legal_basis="thử"))
    db.session.commit()
    ticket = make_ticket(now=NOW)
    item = data_requests.submit(ticket, "access", "", NOW)
    db.session.commit()
    assert item.received_on == date(2026, 11, 16)
    assert item.due_date == date(2026, 11, 19) and item.ack_due_date == date(2026, 11, 18)


def test_reports_page_counts_requests(client, make_ticket, make_user, login_as):
    ticket = make_ticket(now=NOW)
    from feedback.services import data_requests

    data_requests.submit(ticket, "access", "", NOW)
    data_requests.submit(ticket, "object", "Tôi phản đối việc công khai", NOW)
    db.session.commit()
    login_as(make_user("coordinator", "VP"))
    page = client.get("/staff/reports?year=2026").get_data(as_text=True)
    section = page.split('id="privacy-requests-report"')[1]
    assert "Phản đối xử lý dữ liệu cá nhân" in section
    assert '<td class="text-end">2</td>' in section.split("Tổng số")[1][:80]


def test_correction_request_applies_the_corrected_details(client, make_ticket, make_user, login_as, smtp_server):
    ticket = make_ticket(now=NOW)
    old_email = ticket.email
    post_request(client, ticket, "correct", "Số điện thoại đúng là 0987 654 321, địa chỉ mới ở Quận 3.")
    item = db.session.execute(db.select(PrivacyRequest)).scalar_one()
    login_as(make_user("coordinator", "VP"))
    token = csrf_token(client, "/staff/privacy-requests")
    bad = client.post(
        f"/staff/privacy-requests/{item.id}/complete",
        data={"csrf_token": token, "answer": "Đã chỉnh sửa.", "phone": "12"},
    )
    assert bad.status_code == 400 and "Số điện thoại không hợp lệ" in bad.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).phone == ticket.phone
    ok = client.post(
        f"/staff/privacy-requests/{item.id}/complete",
        data={
            "csrf_token": token,
            "answer": "Sở đã chỉnh sửa số điện thoại và thư điện tử.",
            "phone": "0987 654 321",
            "email": "AN.MOI@example.com",
        },
    )
    assert ok.status_code == 303
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.phone == "0987654321" and ticket.email == "an.moi@example.com"
    deliver()
    assert smtp_server.messages[-1][0] == [old_email]  # the answer reaches the address the request came from
