"""The whole loop as the submitter and the office live it, over HTTP, with mail through a real SMTP server:
answer → rating "không hài lòng" → reconsideration → the review's answer by someone else → rating again."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import Rating, Review, TicketEvent
from feedback.services import calendar
from feedback.services.outbox import send_pending
from feedback.timeutil import local_today, utcnow
from tests.satisfaction.loop_support import fresh, snapshot
from tests.support import csrf_from, csrf_token, sign_in


def deliver(smtp_server) -> list:
    """Send every pending outbox row through the SMTP server; (recipients, message) pairs received."""
    before = len(smtp_server.messages)
    db.session.rollback()
    send_pending(utcnow())
    db.session.commit()
    return smtp_server.messages[before:]


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_rate_dissatisfied_review_by_another_approver_and_rate_again(
    app, client, answered, team, staff_client, smtp_server, signing
):
    # `signing`: the department's certificate is configured, so letters are signed and mailed on approval.
    ticket = answered()
    tid, token = ticket.id, ticket.tracking_token
    first_answered_on, first_on_time, first_due = ticket.answered_on, ticket.on_time, ticket.due_date
    mails = deliver(smtp_server)
    answer_mail = [m for r, m in mails if r == ["an.nguyen@example.com"] and "Trả lời phản ánh" in m["Subject"]]
    assert answer_mail, [m["Subject"] for _r, m in mails]
    link = f"http://localhost/track/{token}#rating"
    assert link in body(answer_mail[0])  # the answer e-mail links straight to the rating form

    # The tracking page from the e-mail's link offers the rating.
    page = client.get(f"/track/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="rating-form"' in html and 'id="review-form"' not in html
    response = client.post(
        f"/track/{token}/rating",
        data={
            "csrf_token": csrf_from(html),
            "level": "dissatisfied",
            "reasons": ["did_not_address", "no_conclusion"],
            "comment": "Câu trả lời chưa nêu rõ thời gian cụ thể, doanh nghiệp vẫn chưa có lịch kiểm định.",
        },
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/track/{token}#rating")
    rating = db.session.execute(db.select(Rating).where(Rating.ticket_id == tid)).scalar_one()
    assert (rating.round, rating.level, rating.reasons) == (0, "dissatisfied", ["did_not_address", "no_conclusion"])
    db.session.rollback()

    # "Không hài lòng" offers the request for reconsideration, within the period.
    html = client.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="review-form"' in html and "Không hài lòng" in html
    response = client.post(
        f"/track/{token}/review",
        data={
            "csrf_token": csrf_from(html),
            "reasons": ["did_not_address"],
            "comment": "Đề nghị Sở xem xét lại và cho biết ngày kiểm định cụ thể.",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    t = fresh(tid)
    review = db.session.execute(db.select(Review).where(Review.ticket_id == tid)).scalar_one()
    expected_due = calendar.compute("review", calendar.receipt_date(review.requested_at)).due
    assert t.state == "in_progress" and t.review_round == 1
    assert review.due_date == expected_due and t.due_date == expected_due  # its own deadline (10 working days)
    assert review.original_approver_id == team["head"].id and review.original_due_date == first_due
    assert (t.answered_on, t.on_time) == (first_answered_on, first_on_time)
    review_id = review.id
    db.session.rollback()
    # Visible in the timeline, e-mailed to both sides.
    html = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Đề nghị xem xét lại" in html and 'id="review-status"' in html
    mails = deliver(smtp_server)
    to_submitter = [m for r, m in mails if "an.nguyen@example.com" in r]
    to_staff = [r for r, m in mails if "truongchicuc@test.vn" in r or "vanphong@test.vn" in r]
    assert to_submitter and "Tiếp nhận đề nghị xem xét lại" in to_submitter[0]["Subject"]
    assert expected_due.strftime("%d/%m/%Y") in body(to_submitter[0])
    assert {"truongchicuc@test.vn", "vanphong@test.vn"} <= {a for r in to_staff for a in r}

    # The head approved the first answer: may neither draft nor approve the review's answer.
    head = staff_client(team["head"])
    refused = head.post(f"/staff/tickets/{t.code}/answer", data={"csrf_token": head.token, "answer": "Giữ nguyên."})
    assert refused.status_code == 403
    assert "không được xử lý, duyệt" in refused.get_data(as_text=True)
    officer = staff_client(team["officer"])
    done = officer.post(
        f"/staff/tickets/{t.code}/answer",
        data={
            "csrf_token": officer.token,
            "answer": "Sau khi xem xét lại, Chi cục bố trí kiểm định tại doanh nghiệp ngày 05 tháng tới.",
        },
    )
    assert done.status_code == 303
    refused = head.post(f"/staff/tickets/{t.code}/approve", data={"csrf_token": head.token})
    assert refused.status_code == 403
    assert fresh(tid).state == "pending_approval"
    director = staff_client(team["director"])
    done = director.post(
        f"/staff/tickets/{t.code}/approve", data={"csrf_token": director.token, "outcome_changed": "1"}
    )
    assert done.status_code == 303, done.get_data(as_text=True)[:800]

    t = fresh(tid)
    review = db.session.get(Review, review_id)
    assert t.state == "answered" and "05 tháng tới" in t.answer
    assert (t.answered_on, t.on_time, t.due_date) == (first_answered_on, first_on_time, first_due)  # verdict kept
    assert review.answered_on == local_today() and review.on_time is True and review.outcome_changed is True
    assert review.approved_by_id == team["director"].id
    assert "Chi cục bố trí lịch" not in t.answer and "15 tháng tới" in review.previous_answer
    db.session.rollback()
    mails = deliver(smtp_server)
    review_answer = [m for r, m in mails if "an.nguyen@example.com" in r]
    assert review_answer and "Trả lời đề nghị xem xét lại" in review_answer[0]["Subject"]
    assert "05 tháng tới" in body(review_answer[0]) and link in body(review_answer[0])

    # The review's answer is rated in turn; no second reconsideration is offered to the submitter.
    html = client.get(f"/track/{token}").get_data(as_text=True)
    assert 'id="rating-form"' in html
    response = client.post(f"/track/{token}/rating", data={"csrf_token": csrf_from(html), "level": "satisfied"})
    assert response.status_code == 303
    rows = db.session.execute(
        db.select(Rating.round, Rating.level).where(Rating.ticket_id == tid).order_by(Rating.round)
    ).all()
    assert [tuple(r) for r in rows] == [(0, "dissatisfied"), (1, "satisfied")]
    db.session.rollback()
    html = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Hài lòng" in html and 'id="review-form"' not in html
    # Even after changing to dissatisfied, the one reconsideration is used up.
    response = client.post(
        f"/track/{token}/rating", data={"csrf_token": csrf_from(html), "level": "dissatisfied", "revision": "1"}
    )
    assert response.status_code == 303
    before = snapshot(tid)
    html = client.get(f"/track/{token}").get_data(as_text=True)
    response = client.post(f"/track/{token}/review", data={"csrf_token": csrf_from(html), "comment": "Lần nữa."})
    assert response.status_code == 409
    assert "chỉ được đề nghị xem xét lại một lần" in response.get_data(as_text=True)
    assert snapshot(tid) == before

    # Staff can reopen it for reconsideration (the only way to a second review).
    coordinator = staff_client(team["coordinator"])
    done = coordinator.post(
        f"/staff/tickets/{t.code}/reopen-review",
        data={"csrf_token": coordinator.token, "comment": "Lãnh đạo Sở chỉ đạo xem xét lại lần hai."},
    )
    assert done.status_code == 303
    t = fresh(tid)
    assert t.state == "in_progress" and t.review_round == 2
    second = db.session.execute(db.select(Review).where(Review.ticket_id == tid, Review.round == 2)).scalar_one()
    assert second.original_approver_id == team["director"].id and second.requested_by_id == team["coordinator"].id
    public_actions = [
        e.action
        for e in db.session.execute(
            db.select(TicketEvent).where(TicketEvent.ticket_id == tid, TicketEvent.public.is_(True))
        ).scalars()
    ]
    assert public_actions.count("request_review") == 1 and "reopen_review" in public_actions
    assert "rate" not in public_actions  # a rating is personal data: never a public event


def test_return_answer_before_publication_goes_back_to_the_unit_and_keeps_the_verdict(
    app, answered, team, staff_client, smtp_server
):
    ticket = answered()
    tid, code = ticket.id, ticket.code
    answered_on, on_time = ticket.answered_on, ticket.on_time
    deliver(smtp_server)
    coordinator = staff_client(team["coordinator"])
    page = coordinator.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert 'id="form-return-answer"' in page
    before = snapshot(tid)
    missing = coordinator.post(
        f"/staff/tickets/{code}/return-answer", data={"csrf_token": coordinator.token, "comment": "  "}
    )
    assert missing.status_code == 400 and "lý do trả lại" in missing.get_data(as_text=True)
    assert snapshot(tid) == before
    head = staff_client(team["head"])
    assert (
        head.post(
            f"/staff/tickets/{code}/return-answer",
            data={"csrf_token": head.token, "comment": "Chưa trả lời đúng nội dung"},
        ).status_code
        == 403
    )
    assert snapshot(tid) == before

    done = coordinator.post(
        f"/staff/tickets/{code}/return-answer",
        data={"csrf_token": coordinator.token, "comment": "Chưa trả lời đúng nội dung: thiếu căn cứ Thông tư 23/2013."},
    )
    assert done.status_code == 303
    t = fresh(tid)
    assert t.state == "in_progress" and (t.answered_on, t.on_time) == (answered_on, on_time)
    db.session.rollback()
    mails = deliver(smtp_server)
    assert any("truongchicuc@test.vn" in r and "trả lại câu trả lời" in m["Subject"] for r, m in mails)
    officer = staff_client(team["officer"])
    assert (
        officer.post(
            f"/staff/tickets/{code}/answer",
            data={
                "csrf_token": officer.token,
                "answer": "Căn cứ Thông tư 23/2013/TT-BKHCN, Chi cục bố trí kiểm định ngày 15 tháng tới.",
            },
        ).status_code
        == 303
    )
    # A returned answer is not a review: its approver may approve again.
    assert head.post(f"/staff/tickets/{code}/approve", data={"csrf_token": head.token}).status_code == 303
    t = fresh(tid)
    assert t.state == "answered" and "Thông tư 23/2013" in t.answer
    assert (t.answered_on, t.on_time) == (answered_on, on_time)
    db.session.rollback()
    mails = deliver(smtp_server)
    revised = [m for r, m in mails if "an.nguyen@example.com" in r]
    assert revised and "chỉnh sửa" in revised[0]["Subject"] and "Thông tư 23/2013" in body(revised[0])


def test_return_answer_refused_once_published(app, answered, team, staff_client):
    from feedback.services import publication

    ticket = answered()
    publication.publish(
        ticket,
        team["coordinator"],
        "Kiểm định cân thương mại",
        "Doanh nghiệp đề nghị bố trí lịch kiểm định.",
        "Chi cục đã bố trí lịch kiểm định.",
        utcnow(),
    )
    db.session.commit()
    before = snapshot(ticket.id)
    coordinator = staff_client(team["coordinator"])
    response = coordinator.post(
        f"/staff/tickets/{ticket.code}/return-answer",
        data={"csrf_token": coordinator.token, "comment": "Chưa trả lời đúng nội dung"},
    )
    assert response.status_code == 409 and "gỡ công khai" in response.get_data(as_text=True)
    assert snapshot(ticket.id) == before


def test_the_reconsideration_periods_are_deadline_rules_an_admin_edits(app, client, answered, make_user):
    from feedback.models import DeadlineRule

    admin = make_user("admin", None, email="quantri@test.vn")
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    html = admin_client.get("/staff/admin/rules").get_data(as_text=True)
    assert "Thời hạn giải quyết đề nghị xem xét lại" in html and "Thời hạn đề nghị xem xét lại" in html
    rule_id = db.session.execute(db.select(DeadlineRule.id).where(DeadlineRule.purpose == "review")).scalar_one()
    db.session.rollback()
    response = admin_client.post(
        f"/staff/admin/rules/{rule_id}",
        data={
            "csrf_token": csrf_token(admin_client, f"/staff/admin/rules/{rule_id}"),
            "amount": "5",
            "day_unit": "working_days",
            "legal_basis": "Quyết định 15/QĐ-SKHCN",
            "active": "y",
        },
    )
    assert response.status_code == 303
    ticket = answered()
    html = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert (
        client.post(
            f"/track/{ticket.tracking_token}/rating",
            data={"csrf_token": csrf_from(html), "level": "dissatisfied", "reasons": "too_late"},
        ).status_code
        == 303
    )
    html = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert (
        client.post(f"/track/{ticket.tracking_token}/review", data={"csrf_token": csrf_from(html)}).status_code == 303
    )
    review = db.session.execute(db.select(Review).where(Review.ticket_id == ticket.id)).scalar_one()
    cal = calendar.work_calendar()
    assert review.due_date == cal.add_working_days(review.requested_on, 5)
    assert "Quyết định 15/QĐ-SKHCN" in review.due_explanation
    assert review.reasons == ["too_late"]  # the rating's reasons when none are ticked


def test_the_reviews_verdict_uses_its_due_date_in_force_after_an_extension(app, answered, team):
    from datetime import timedelta

    from feedback.services import satisfaction, workflow

    ticket = answered()
    now = utcnow()
    satisfaction.rate(ticket, "dissatisfied", ["no_conclusion"], None, now)
    satisfaction.request_review(ticket, [], "Đề nghị nêu rõ kết luận.", now)
    db.session.commit()
    review = db.session.execute(db.select(Review).where(Review.ticket_id == ticket.id)).scalar_one()
    first_due = review.due_date
    cal = calendar.work_calendar()
    extended = cal.add_working_days(first_due, 3)
    workflow.extend(ticket, team["director"], extended, "Cần lấy ý kiến chuyên gia đo lường.", now)
    workflow.assign(ticket, team["head"], team["officer"], now)
    workflow.answer(ticket, team["officer"], "Kết luận: doanh nghiệp được kiểm định lại miễn phí.", now)
    later = now + timedelta(days=(cal.add_working_days(first_due, 1) - local_today(now)).days)
    workflow.approve(ticket, team["director"], later)  # after the first review due date, before the extended one
    db.session.commit()
    review = db.session.get(Review, review.id)
    assert review.due_date == extended and review.on_time is True and review.late_reason is None
    assert fresh(ticket.id).due_date == review.original_due_date
