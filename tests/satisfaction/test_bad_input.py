"""A rating or a reconsideration request that is not allowed is refused with a clear message and changes nothing.

Each case: a wrong, expired or replayed link, twice, outside its window, or bad fields; plus access
(staff cannot rate; one submitter's link cannot touch another's ticket).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.models import Rating, Ticket
from feedback.services import calendar
from feedback.timeutil import local_today
from tests.satisfaction.loop_support import fresh, snapshot
from tests.support import csrf_from


def csrf(client, token: str) -> str:
    return csrf_from(client.get("/track").get_data(as_text=True))  # the session's token, from any form


def rate(client, token: str, **data):
    data.setdefault("csrf_token", csrf(client, token))
    return client.post(f"/track/{token}/rating", data=data)


def review(client, token: str, **data):
    data.setdefault("csrf_token", csrf(client, token))
    return client.post(f"/track/{token}/review", data=data)


def set_rating(ticket_id: int, level: str, rated_on, reasons=()):
    db.session.add(
        Rating(ticket_id=ticket_id, round=0, level=level, reasons=list(reasons), revision=1, rated_on=rated_on)
    )
    db.session.commit()


def move_answer(ticket_id: int, days: int):
    ticket = db.session.get(Ticket, ticket_id)
    ticket.answered_on = local_today() - timedelta(days=days)
    db.session.commit()


def refused(response, status: int, text: str, before: dict, ticket_id: int):
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:600]
    assert text in html, html[:3000]
    assert snapshot(ticket_id) == before


def test_wrong_link(client, answered):
    ticket = answered()
    before = snapshot(ticket.id)
    token = csrf(client, ticket.tracking_token)
    for wrong in (ticket.tracking_token[:-1] + ("A" if ticket.tracking_token[-1] != "A" else "B"), "x" * 200):
        response = client.post(f"/track/{wrong}/rating", data={"csrf_token": token, "level": "satisfied"})
        refused(response, 404, "Đường dẫn theo dõi không đúng", before, ticket.id)
        response = client.post(f"/track/{wrong}/review", data={"csrf_token": token, "comment": "Xem lại"})
        refused(response, 404, "Đường dẫn theo dõi không đúng", before, ticket.id)


def test_link_of_an_anonymised_ticket_has_expired(client, answered):
    ticket = answered()
    token = csrf(client, ticket.tracking_token)
    t = db.session.get(Ticket, ticket.id)
    from feedback.timeutil import utcnow

    t.anonymised_at = utcnow()
    db.session.commit()
    before = snapshot(ticket.id)
    response = client.post(f"/track/{ticket.tracking_token}/rating", data={"csrf_token": token, "level": "satisfied"})
    refused(response, 404, "không còn hiệu lực", before, ticket.id)


def test_rating_twice_and_replayed_form(client, answered):
    ticket = answered()
    token = ticket.tracking_token
    form = csrf(client, token)
    assert rate(client, token, csrf_token=form, level="acceptable", reasons="too_late").status_code == 303
    before = snapshot(ticket.id)
    # The same first-rating form posted again (a double click, the back button): refused.
    refused(
        rate(client, token, csrf_token=form, level="satisfied"),
        409,
        "Quý vị đã đánh giá câu trả lời này",
        before,
        ticket.id,
    )
    # A change from the page as it is now is accepted ...
    assert rate(client, token, level="dissatisfied", revision="1").status_code == 303
    assert snapshot(ticket.id)["ratings"][0][1:2] == ("dissatisfied",)
    before = snapshot(ticket.id)
    # ... and replaying that change form (revision 1, now 2) is refused.
    refused(
        rate(client, token, level="satisfied", revision="1"), 409, "đã được gửi hoặc trang đã cũ", before, ticket.id
    )
    refused(
        rate(client, token, level="satisfied", revision="abc"), 409, "đã được gửi hoặc trang đã cũ", before, ticket.id
    )


def test_rating_windows(client, answered, app):
    late = answered()
    move_answer(late.id, app.config["RATING_OPEN_DAYS"] + 1)
    before = snapshot(late.id)
    refused(rate(client, late.tracking_token, level="satisfied"), 409, "hết thời hạn đánh giá", before, late.id)

    changed = answered()
    set_rating(changed.id, "acceptable", local_today() - timedelta(days=app.config["RATING_CHANGE_DAYS"] + 1))
    before = snapshot(changed.id)
    refused(
        rate(client, changed.tracking_token, level="satisfied", revision="1"),
        409,
        "hết thời hạn thay đổi đánh giá",
        before,
        changed.id,
    )
    # On the last day of the window the change is still accepted.
    db.session.execute(
        db.update(Rating)
        .where(Rating.ticket_id == changed.id)
        .values(rated_on=local_today() - timedelta(days=app.config["RATING_CHANGE_DAYS"]))
    )
    db.session.commit()
    assert rate(client, changed.tracking_token, level="satisfied", revision="1").status_code == 303


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({}, "Vui lòng chọn một mức đánh giá"),
        ({"level": "rất hài lòng"}, "Vui lòng chọn một mức đánh giá"),
        ({"level": "dissatisfied", "reasons": "bad_code"}, "Lý do không hợp lệ"),
        ({"level": "satisfied", "comment": "x" * 2001}, "Tối đa 2000 ký tự"),
    ],
)
def test_bad_rating_fields(client, answered, data, text):
    ticket = answered()
    before = snapshot(ticket.id)
    refused(rate(client, ticket.tracking_token, **data), 400, text, before, ticket.id)


def test_no_rating_before_the_answer_or_while_it_is_reconsidered(client, make_ticket, answered):
    fresh_ticket = make_ticket()
    before = snapshot(fresh_ticket.id)
    refused(
        rate(client, fresh_ticket.tracking_token, level="satisfied"),
        409,
        "chưa có câu trả lời",
        before,
        fresh_ticket.id,
    )
    ticket = answered()
    assert rate(client, ticket.tracking_token, level="dissatisfied").status_code == 303
    assert review(client, ticket.tracking_token, comment="Đề nghị xem xét lại.").status_code == 303
    before = snapshot(ticket.id)
    refused(
        rate(client, ticket.tracking_token, level="satisfied", revision="1"),
        409,
        "chưa có câu trả lời",
        before,
        ticket.id,
    )


def test_review_refusals(client, answered, app):
    pleased = answered()
    assert rate(client, pleased.tracking_token, level="acceptable").status_code == 303
    before = snapshot(pleased.id)
    refused(
        review(client, pleased.tracking_token, comment="Xem lại"),
        409,
        "sau khi đánh giá «Không hài lòng»",
        before,
        pleased.id,
    )

    unrated = answered()
    before = snapshot(unrated.id)
    refused(
        review(client, unrated.tracking_token, comment="Xem lại"),
        409,
        "sau khi đánh giá «Không hài lòng»",
        before,
        unrated.id,
    )

    # Outside the request period (15 days from the answer, a deadline rule). A period whose last day is a
    # day off runs to the next working day, which may be today: the answer is put far enough back that
    # its period ended on a working day before today.
    late = answered()
    cal, days = calendar.work_calendar(), 16
    while not cal.is_working_day(local_today() - timedelta(days=days - 15)):
        days += 1
    move_answer(late.id, days)
    set_rating(late.id, "dissatisfied", local_today())
    before = snapshot(late.id)
    until = (local_today() - timedelta(days=days - 15)).strftime("%d/%m/%Y")
    refused(review(client, late.tracking_token, comment="Xem lại"), 409, f"đến hết ngày {until}", before, late.id)

    # A reason is required (when the rating gave none), an unknown reason is refused.
    bare = answered()
    assert rate(client, bare.tracking_token, level="dissatisfied").status_code == 303
    before = snapshot(bare.id)
    refused(review(client, bare.tracking_token), 400, "Vui lòng nêu lý do đề nghị xem xét lại", before, bare.id)
    refused(review(client, bare.tracking_token, reasons="khác"), 400, "Lý do không hợp lệ", before, bare.id)

    # Twice: the second request (a replayed form) finds the ticket under review.
    twice = answered()
    assert rate(client, twice.tracking_token, level="dissatisfied", reasons="no_conclusion").status_code == 303
    form = csrf(client, twice.tracking_token)
    assert review(client, twice.tracking_token, csrf_token=form).status_code == 303
    before = snapshot(twice.id)
    refused(
        review(client, twice.tracking_token, csrf_token=form),
        409,
        "Sở đã tiếp nhận đề nghị xem xét lại ngày",
        before,
        twice.id,
    )


def test_staff_cannot_rate_or_ask_for_review(app, answered, team, staff_client):
    ticket = answered()
    for who in ("officer", "head", "coordinator"):
        client = staff_client(team[who])
        form = csrf(client, ticket.tracking_token)
        before = snapshot(ticket.id)
        refused(
            client.post(f"/track/{ticket.tracking_token}/rating", data={"csrf_token": form, "level": "satisfied"}),
            403,
            "Cán bộ không được đánh giá",
            before,
            ticket.id,
        )
        refused(
            client.post(f"/track/{ticket.tracking_token}/review", data={"csrf_token": form, "comment": "x"}),
            403,
            "Cán bộ không được đánh giá",
            before,
            ticket.id,
        )
        # No staff action rates either.
        assert (
            client.post(
                f"/staff/tickets/{ticket.code}/rate", data={"csrf_token": client.token, "level": "satisfied"}
            ).status_code
            == 404
        )
        assert snapshot(ticket.id) == before


def test_one_submitters_link_cannot_rate_anothers_ticket(client, answered):
    mine = answered()
    theirs = answered(email="chi.tran@example.com", name="Trần Thị Chi")
    before_theirs = snapshot(theirs.id)
    assert rate(client, mine.tracking_token, level="dissatisfied").status_code == 303
    assert review(client, mine.tracking_token, comment="Đề nghị xem xét lại.").status_code == 303
    assert snapshot(theirs.id) == {**before_theirs, "outbox": snapshot(theirs.id)["outbox"]}
    assert fresh(mine.id).review_round == 1 and fresh(theirs.id).review_round == 0
    # The tracking form with the other's code and my e-mail does not open their page.
    response = client.post(
        "/track",
        data={"csrf_token": csrf(client, mine.tracking_token), "code": theirs.code, "email": "an.nguyen@example.com"},
    )
    assert response.status_code == 404
    assert theirs.tracking_token not in response.get_data(as_text=True)
