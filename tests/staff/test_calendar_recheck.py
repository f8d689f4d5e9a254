"""Deadlines that follow the calendar: rechecks, registered items' receipt, rules by regime, progress rule."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime

from feedback.extensions import db
from feedback.models import CalendarOverride, OutboxMessage, Ticket, TicketEvent
from feedback.services import recheck, workflow
from feedback.timeutil import utcnow
from tests.support import local

STAFF = "/staff/tickets/new"


def _routed(make_ticket, team, received: datetime, **fields):
    ticket = make_ticket(now=received, **fields)
    workflow.route(ticket, team["coordinator"], "CCTDC", received)
    db.session.commit()
    return ticket


def _announce(client, **fields):
    token = re.search(
        r'name="ann-csrf_token"[^>]*value="([^"]+)"|id="ann-csrf_token"[^>]*value="([^"]+)"',
        client.get("/staff/admin/calendar").get_data(as_text=True),
    )
    data = {"ann-csrf_token": token.group(1) or token.group(2), **{f"ann-{k}": v for k, v in fields.items()}}
    return client.post("/staff/admin/calendar/announcements", data=data)


def test_an_announced_day_off_moves_open_deadlines_once(app, make_ticket, team, staff_client, smtp_server):
    # Three tickets received 04/12/2026 (Friday) : answer due 24/12/2026 (20 days).
    app.config["CLOCK_NOW"] = local(2026, 12, 7)
    a = _routed(make_ticket, team, local(2026, 12, 4), email="doanhnghiep.a@example.vn")
    b = _routed(make_ticket, team, local(2026, 12, 4, 11), email="doanhnghiep.b@example.vn")
    later = _routed(make_ticket, team, local(2026, 12, 7), email="doanhnghiep.c@example.vn")  # due 28/12
    assert (a.due_date, b.due_date, later.due_date) == (date(2026, 12, 24), date(2026, 12, 24), date(2026, 12, 28))
    versions = {t.code: t.version for t in (a, b, later)}
    codes = (a.code, b.code, later.code)
    admin = staff_client(team["admin"])

    response = _announce(
        admin,
        year="2026",
        document_number="125/TB-UBND",
        document_date="2026-12-05",
        issuer="UBND tỉnh Tây Ninh",
        summary="Nghỉ lễ kỷ niệm ngày thành lập tỉnh",
        days_off="24/12/2026",
        working_days="",
    )
    assert response.status_code == 303
    db.session.rollback()
    a, b, later = (db.session.execute(db.select(Ticket).where(Ticket.code == c)).scalar_one() for c in codes)
    assert (a.due_date, b.due_date) == (date(2026, 12, 25), date(2026, 12, 25))
    assert later.due_date == date(2026, 12, 28) and later.version == versions[later.code]  # untouched
    event = db.session.execute(
        db.select(TicketEvent).where(TicketEvent.ticket_id == a.id, TicketEvent.action == "deadline_moved")
    ).scalar_one()
    assert event.public and "125/TB-UBND" in event.message and "25/12/2026" in event.message
    assert "125/TB-UBND" in a.due_explanation
    mails = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "deadline_moved")).scalars().all()
    assert sorted(m.recipients for m in mails) == ["doanhnghiep.a@example.vn", "doanhnghiep.b@example.vn"]
    assert "25/12/2026" in mails[0].body_text and "24/12/2026" in mails[0].body_text

    # The queue and the ticket page follow; the year shows as announced.
    coordinator = staff_client(team["coordinator"])
    assert "25/12/2026" in coordinator.get(f"/staff/tickets/{a.code}").get_data(as_text=True)
    page = admin.get("/staff/admin/calendar").get_data(as_text=True)
    assert 'data-year="2026" data-status="announced"' in page

    # Twice: nothing changes the second time (CLI as the office would run it).
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "recheck"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    db.session.rollback()
    assert (
        db.session.execute(
            db.select(db.func.count(TicketEvent.id)).where(TicketEvent.action == "deadline_moved")
        ).scalar_one()
        == 2
    )
    # The mail reaches a real SMTP server.
    from feedback.services.outbox import send_pending

    send_pending(datetime(2026, 12, 7, 3, 0))
    moved = [
        msg
        for rcpts, msg in smtp_server.messages
        if "doanhnghiep.a@example.vn" in rcpts and "Thông báo điều chỉnh" in str(msg["subject"])
    ]
    assert moved and "25/12/2026" in moved[0].get_body(("plain",)).get_content()


def test_removing_a_day_off_never_moves_a_date_earlier(app, make_ticket, team):
    app.config["CLOCK_NOW"] = local(2026, 12, 7)
    from feedback.services import admin as svc

    row = svc.add_override(
        team["admin"], day=date(2026, 12, 24), day_type="day_off", note="Nghỉ bổ sung", now=local(2026, 12, 7)
    )
    db.session.commit()
    recheck.recheck(local(2026, 12, 7), date(2026, 12, 7))
    db.session.commit()
    ticket = _routed(make_ticket, team, local(2026, 12, 4))
    assert ticket.due_date == date(2026, 12, 25)
    svc.remove_override(team["admin"], db.session.get(CalendarOverride, row.id), now=local(2026, 12, 7))
    db.session.commit()
    report = recheck.recheck(local(2026, 12, 8), date(2026, 12, 8))
    db.session.commit()
    assert report.changed_days == [date(2026, 12, 24)] and report.moved == []
    assert db.session.get(Ticket, ticket.id).due_date == date(2026, 12, 25)


def test_a_late_answer_becomes_on_time_when_its_due_date_becomes_a_day_off(app, make_ticket, team):
    app.config["CLOCK_NOW"] = local(2026, 12, 28)
    ticket = _routed(make_ticket, team, local(2026, 12, 4))  # due 24/12
    ticket.state, ticket.unit_id, ticket.draft_answer = "pending_approval", ticket.unit_id, "Trả lời: đã xếp lịch."
    db.session.commit()
    workflow.approve(ticket, team["director"], local(2026, 12, 25), late_reason="Chờ kết quả kiểm định")
    db.session.commit()
    assert ticket.on_time is False
    from feedback.services import admin as svc

    svc.add_override(
        team["admin"], day=date(2026, 12, 24), day_type="day_off", note="Thông báo 130/TB-UBND", now=local(2026, 12, 28)
    )
    db.session.commit()
    report = recheck.recheck(local(2026, 12, 28), date(2026, 12, 28))
    db.session.commit()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.due_date == date(2026, 12, 25) and ticket.on_time is True
    assert report.verdicts == [ticket.code]


def test_two_rechecks_at_once_move_each_date_once(app, make_ticket, team):
    app.config["CLOCK_NOW"] = local(2026, 12, 7)
    tickets = [_routed(make_ticket, team, local(2026, 12, 4, 8 + i)) for i in range(4)]
    from feedback.services import admin as svc

    recheck.ensure_snapshot(date(2026, 12, 7))
    svc.add_override(
        team["admin"], day=date(2026, 12, 24), day_type="day_off", note="Nghỉ bổ sung", now=local(2026, 12, 7)
    )
    db.session.commit()
    errors = []

    def run():
        with app.app_context():
            try:
                recheck.recheck(local(2026, 12, 7), date(2026, 12, 7))
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    db.session.rollback()
    for t in tickets:
        assert db.session.get(Ticket, t.id).due_date == date(2026, 12, 25)
    assert db.session.execute(
        db.select(db.func.count(TicketEvent.id)).where(TicketEvent.action == "deadline_moved")
    ).scalar_one() == len(tickets)


def test_registered_item_counts_from_when_it_was_received(app, team, staff_client, valid_form):
    app.config["CLOCK_NOW"] = local(2026, 12, 1, 9)
    client = staff_client(team["coordinator"])
    form = {
        **valid_form,
        "channel": "paper",
        "received_at": "2026-11-20T16:30",
        "incoming_number": "412/VBĐ",
        "csrf_token": client.token,
    }
    response = client.post(STAFF, data=form)
    assert response.status_code == 303
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalar_one()
    assert ticket.received_on == date(2026, 11, 20) and ticket.incoming_number == "412/VBĐ"
    assert ticket.due_date == date(2026, 12, 10)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "412/VBĐ" in page and "20/11/2026" in page
    # More than 5 working days ago: a warning (23-27/11 less 24/11, Vietnam Culture Day, 30/11, 1/12 = 6).
    assert "cách đây 6 ngày làm việc" in page

    # After hours the next working day is the day of receipt, and the explanation says why.
    form.update(received_at="2026-11-27T18:40", incoming_number="413/VBĐ")
    assert client.post(STAFF, data=form).status_code == 303
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalar_one()
    assert ticket.received_on == date(2026, 11, 30)
    assert "18:40" in ticket.due_explanation and "ngoài giờ làm việc" in ticket.due_explanation


def test_registered_item_in_the_future_is_refused(app, team, staff_client, valid_form):
    app.config["CLOCK_NOW"] = local(2026, 12, 1, 9)
    client = staff_client(team["coordinator"])
    before = db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()
    db.session.rollback()
    for bad in ("2026-12-02T08:00", "hôm qua", "2026-13-01T08:00"):
        response = client.post(
            STAFF, data={**valid_form, "channel": "phone", "received_at": bad, "csrf_token": client.token}
        )
        assert response.status_code == 400
        assert 'id="received_at-error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == before


def test_routing_under_the_legal_document_regime(app, make_ticket, team, staff_client):
    app.config["CLOCK_NOW"] = local(2026, 12, 3)
    ticket = make_ticket(now=local(2026, 12, 3))
    client = staff_client(team["coordinator"])
    response = client.post(
        f"/staff/tickets/{ticket.code}/route",
        data={"unit": "CCTDC", "regime": "legal_document", "csrf_token": client.token},
    )
    assert response.status_code == 303
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.regime == "legal_document" and ticket.due_date == date(2026, 12, 18)
    assert "Công điện 89/CĐ-TTg" in ticket.due_explanation
    bad = make_ticket(now=local(2026, 12, 3))
    response = client.post(
        f"/staff/tickets/{bad.code}/route", data={"unit": "CCTDC", "regime": "khác", "csrf_token": client.token}
    )
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.get(Ticket, bad.id).state == "new"


def test_the_progress_rule_drives_progress_emails(app, make_ticket, team):
    from feedback.models import DeadlineRule
    from feedback.services.reminders import ladder

    app.config["PROGRESS_UPDATE_DAYS"] = 7
    rule = db.session.execute(db.select(DeadlineRule).where(DeadlineRule.purpose == "progress")).scalar_one()
    rule.amount, rule.day_unit = 3, "working_days"
    db.session.commit()
    assert (ladder().progress_days, ladder().progress_unit) == (3, "working_days")
    rule.active = False
    db.session.commit()
    assert (ladder().progress_days, ladder().progress_unit) == (7, "calendar_days")


def test_report_dates_arelocal(app, make_ticket, team):
    """Published at 01:15 on 02/12 in Hà Nội (18:15 UTC on 01/12): the report says 02/12, after its answer."""
    from feedback.services.reports import Period, build_report, detail_rows, details_csv

    ticket = make_ticket(now=local(2026, 11, 10), incoming_number=None)
    ticket.state, ticket.answered_on = "answered", date(2026, 12, 2)
    ticket.answered_at = datetime(2026, 12, 1, 18, 5)  # 01:05 local on 02/12
    ticket.published_at = datetime(2026, 12, 1, 18, 15)
    db.session.commit()
    with app.test_request_context():
        report = build_report(Period(date(2026, 11, 1), date(2026, 12, 31)), date(2026, 12, 3), now=utcnow())
        [row] = detail_rows(report)
        assert row["published_on"] == date(2026, 12, 2) and row["answered_on"] == date(2026, 12, 2)
        assert row["received_at"] == "10/11/2026 10:00"
        assert "02/12/2026" in details_csv([row]).decode("utf-8-sig")
