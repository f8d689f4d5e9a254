"""The reminder ladder across a ticket's life, run as a series of `--now` moments (DESIGN §6).

The ticket is received on Friday 22/01/2027: 20 calendar days make it due Thursday 11/02/2027, the
first working day after Tết Nguyên đán 2027 (04/02-10/02 are days off).
"""

from __future__ import annotations

from datetime import date

import pytest

from feedback.extensions import db
from feedback.models import CalendarOverride, OutboxMessage, ReminderLog
from feedback.services.outbox import send_pending
from feedback.services.reminders import sweep
from tests.reminders.reminder_helpers import at, reminder_keys, reminder_messages

RECEIVED = "2027-01-22T09:00"
DUE = date(2027, 2, 11)


def run(moment: str):
    """One sweep at a local moment, committed, as `flask reminders send --now` does."""
    report = sweep(at(moment))
    db.session.commit()
    return report


def sent_lines(report) -> list[tuple[str, str, int]]:
    return sorted((q.recipient, q.kind, q.step) for q in report.queued)


def test_ladder_across_a_tickets_life(app, staff, routed_ticket, put, smtp):
    ticket = routed_ticket(RECEIVED, assignee=staff["officer"])
    assert ticket.due_date == DUE
    officer, head = staff["officer"].email, staff["head"].email
    office = [staff["coordinator"].email, staff["director"].email]
    submitter = ticket.email

    # (moment, what is queued) in the order the sweeps run; None = skipped (night, weekend, Tết).
    timeline = [
        ("2027-01-29T09:00", []),  # 4 working days left: too early
        ("2027-01-30T09:00", None),  # Saturday
        ("2027-02-01T06:30", None),  # Monday before office hours
        ("2027-02-01T07:30", [(officer, "before_due", 3)]),  # 3 working days left (01, 02, 03 then Tết)
        ("2027-02-01T14:00", []),  # same day: not again
        ("2027-02-02T09:00", []),  # 2 left: the 3-day rung was sent
        ("2027-02-03T16:59", [(officer, "before_due", 1)]),  # last working day before Tết
        ("2027-02-03T17:00", None),  # office closes at 17:00
        ("2027-02-05T09:00", None),  # Tết
        ("2027-02-10T09:00", None),  # Tết
        ("2027-02-11T02:00", None),  # due day, at night
        ("2027-02-11T08:00", [(officer, "before_due", 0)]),  # due today
        ("2027-02-12T09:00", [(head, "overdue_head", 1)]),  # 1 working day late
        ("2027-02-13T09:00", None),  # Saturday
        ("2027-02-15T09:00", [(head, "overdue_head", 2)]),
        ("2027-02-15T15:00", []),
        ("2027-02-16T09:00", [(head, "overdue_head", 3)]),
        ("2027-02-17T09:00", [(head, "overdue_head", 4)]),
        (
            "2027-02-18T09:00",
            sorted(
                [(head, "overdue_head", 5)] + [(p, "escalate", 5) for p in office] + [(submitter, "progress_update", 1)]
            ),
        ),
    ]
    for moment, expected in timeline:
        report = run(moment)
        if expected is None:
            assert report.skipped, moment
            assert report.queued == [], moment
        else:
            assert report.skipped is None, (moment, report.skipped)
            assert sent_lines(report) == expected, moment
        send_pending(at(moment))

    # Answered on 18/02 after the sweep: the ladder stops; publication is due 2 working days later.
    put(ticket, state="answered", answered_on=date(2027, 2, 18), publish_due_date=date(2027, 2, 22))
    assert run("2027-02-19T09:00").queued == []
    assert run("2027-02-22T09:00").queued == []
    report = run("2027-02-23T09:00")
    # ... and, 5 days after the answer, the submitter's one reminder to rate it (issue 14).
    assert sent_lines(report) == sorted(
        [(staff["coordinator"].email, "publish_overdue", 1), (submitter, "rating_request", 0)]
    )
    send_pending(at("2027-02-23T09:00"))
    put(ticket, published_at=at("2027-02-23T10:00"))
    for moment in ("2027-02-24T09:00", "2027-02-25T09:00", "2027-03-01T09:00"):
        assert run(moment).queued == []

    # Every queued email was delivered once through the SMTP server, in the order of the ladder.
    messages = reminder_messages()
    assert {m.status for m in messages} == {"sent"}
    received = [
        (sorted(rcpt), msg["Subject"])
        for rcpt, msg in smtp.messages
        if "Nhắc việc" in msg["Subject"] or "tiến độ" in msg["Subject"]
    ]
    assert len(received) == len(messages) == 12
    assert received[0] == ([officer], "[Nhắc việc] 1 hồ sơ phản ánh, kiến nghị cần xử lý - 01/02/2027")
    bodies = [m.get_body(("plain",)).get_content() for _r, m in smtp.messages]
    assert any("Còn 3 ngày làm việc đến hạn giải quyết 11/02/2027" in b for b in bodies)
    assert any("Đến hạn giải quyết hôm nay (11/02/2027)" in b for b in bodies)
    assert any("Đã quá hạn giải quyết 5 ngày làm việc" in b for b in bodies)
    assert any(f"/track/{ticket.tracking_token}" in b and "quá thời hạn giải quyết 11/02/2027" in b for b in bodies)
    # The log holds each (ticket, kind, due date, step) once.
    keys = reminder_keys()
    assert len(keys) == len(set(keys)) == 12  # 11 of the ladder and the rating reminder (issue 14)
    # The progress update's log row points at the email that carried it.
    log = db.session.execute(db.select(ReminderLog).where(ReminderLog.kind == "progress_update")).scalar_one()
    assert db.session.get(OutboxMessage, log.outbox_id).recipients == submitter


def test_unit_mailbox_and_heads_when_nobody_is_assigned(app, staff, routed_ticket, smtp):
    from tests.reminders.reminder_helpers import unit

    unit("QLCN").email = "qlcn@sokhcn.vn"
    db.session.commit()
    unassigned = routed_ticket(RECEIVED)  # assigned to the unit, no officer yet
    assigned = routed_ticket(RECEIVED, assignee=staff["officer"])
    report = run("2027-02-01T09:00")
    by_ticket = {}
    for q in report.queued:
        by_ticket.setdefault(q.ticket_code, set()).add(q.recipient)
    assert by_ticket[unassigned.code] == {"qlcn@sokhcn.vn", staff["head"].email}
    assert by_ticket[assigned.code] == {"qlcn@sokhcn.vn", staff["officer"].email}
    # One digest per person: the unit mailbox gets one email listing both tickets.
    messages = reminder_messages()
    assert sorted(m.recipients for m in messages) == sorted(
        ["qlcn@sokhcn.vn", staff["head"].email, staff["officer"].email]
    )
    mailbox = next(m for m in messages if m.recipients == "qlcn@sokhcn.vn")
    assert unassigned.code in mailbox.body_text and assigned.code in mailbox.body_text
    assert "2 hồ sơ" in mailbox.subject


def test_digest_groups_one_persons_reminders_of_several_kinds(app, staff, routed_ticket, make_ticket, put):
    """A coordinator with escalations, an unrouted ticket and an unpublished answer gets one email."""
    late = routed_ticket("2027-01-04T09:00", assignee=staff["officer"])  # due 25/01, long overdue
    unrouted = make_ticket(now=at("2027-02-15T09:00"))  # route target 17/02
    answered = routed_ticket("2027-01-11T09:00", state="answered")
    put(answered, publish_due_date=date(2027, 2, 16))
    report = run("2027-02-19T09:00")
    mine = [(q.ticket_code, q.kind) for q in report.queued if q.recipient == staff["coordinator"].email]
    assert mine == [(late.code, "escalate"), (unrouted.code, "route_overdue"), (answered.code, "publish_overdue")]
    coordinator_mail = [m for m in reminder_messages() if m.recipients == staff["coordinator"].email]
    assert len(coordinator_mail) == 1
    body = coordinator_mail[0].body_text
    assert body.index(late.code) < body.index(unrouted.code) < body.index(answered.code)
    assert "Chưa chuyển đơn vị xử lý" in body and "chưa công khai" in body


def test_extension_gives_new_reminders_for_the_new_date(app, staff, routed_ticket, put):
    ticket = routed_ticket(RECEIVED, assignee=staff["officer"])
    assert [q.step for q in run("2027-02-01T09:00").queued] == [3]
    put(ticket, due_date=date(2027, 2, 19), extension_count=1)  # extended before the first date
    assert run("2027-02-03T09:00").queued == []  # 1 day before the OLD date: nothing
    assert run("2027-02-11T09:00").queued == []  # the old due date: nothing
    report = run("2027-02-16T09:00")  # 3 working days before 19/02
    assert [(q.kind, q.step, q.due_date) for q in report.queued] == [("before_due", 3, date(2027, 2, 19))]
    assert [(q.kind, q.step) for q in run("2027-02-22T09:00").queued] == [("overdue_head", 1)]


def test_paused_ticket_gets_no_due_date_reminders(app, staff, routed_ticket, put):
    ticket = routed_ticket(RECEIVED, assignee=staff["officer"])
    put(ticket, state="needs_info", paused_from_state="in_progress", paused_on=date(2027, 1, 28))
    for moment in ("2027-02-01T09:00", "2027-02-11T09:00", "2027-02-18T09:00", "2027-02-26T09:00"):
        assert run(moment).queued == [], moment
    # Resumed on 01/03 after 17 paused working days: the due date moved, the ladder starts again.
    put(ticket, state="in_progress", paused_on=None, due_date=date(2027, 3, 8), paused_working_days=17)
    assert [(q.kind, q.step) for q in run("2027-03-03T09:00").queued] == [("before_due", 3)]


def test_routing_reminder_to_the_coordinator_stops_when_routed(app, staff, make_ticket, put):
    ticket = make_ticket(now=at("2027-03-01T09:00"))  # Monday: route target 2 working days later
    assert ticket.route_due_date == date(2027, 3, 3)
    assert run("2027-03-03T16:00").queued == []
    report = run("2027-03-04T08:00")
    assert [(q.recipient, q.kind, q.step) for q in report.queued] == [(staff["coordinator"].email, "route_overdue", 1)]
    put(ticket, state="assigned", unit_code="QLCN")
    assert run("2027-03-05T08:00").queued == []


def test_admin_day_off_and_swapped_working_saturday(app, staff, routed_ticket):
    """Days off announced by the administrator are skipped; a swapped working Saturday is worked."""
    routed_ticket(RECEIVED, assignee=staff["officer"])
    db.session.add(CalendarOverride(day=date(2027, 2, 1), day_type="day_off", note="Nghỉ bù"))
    db.session.add(CalendarOverride(day=date(2027, 1, 30), day_type="working_day", note="Làm bù"))
    db.session.commit()
    assert run("2027-02-01T09:00").skipped  # now a day off
    # Saturday 30/01 is now a working day, 3 working days before the due date (30/01, 02/02, 03/02).
    report = run("2027-01-30T09:00")
    assert [(q.kind, q.step) for q in report.queued] == [("before_due", 3)]


def test_reminders_send_command_prints_what_it_queued(app, runner, staff, routed_ticket):
    ticket = routed_ticket(RECEIVED, assignee=staff["officer"])
    result = runner.invoke(args=["reminders", "send", "--now", "2027-02-18T09:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert sorted(line.rsplit("\t", 1)[0] for line in lines[:-1]) == sorted(
        [
            f"{staff['head'].email}\t{ticket.code}\toverdue_head\tstep=5\tdue=11/02/2027",
            f"{staff['coordinator'].email}\t{ticket.code}\tescalate\tstep=5\tdue=11/02/2027",
            f"{staff['director'].email}\t{ticket.code}\tescalate\tstep=5\tdue=11/02/2027",
            f"{ticket.email}\t{ticket.code}\tprogress_update\tstep=1\tdue=11/02/2027",
        ]
    )
    assert all(line.rsplit("\t", 1)[1].startswith("outbox=") for line in lines[:-1])
    assert lines[-1] == "4 reminders in 4 emails queued (1 candidate tickets)"
    again = runner.invoke(args=["reminders", "send", "--now", "2027-02-18T10:00"])
    assert again.output.strip() == "0 reminders in 0 emails queued (1 candidate tickets)"
    night = runner.invoke(args=["reminders", "send", "--now", "2027-02-18T22:00"])
    assert night.output.startswith("nothing queued: 22:00 ngoài giờ hành chính")
    bad = runner.invoke(args=["reminders", "send", "--now", "yesterday"])
    assert bad.exit_code != 0 and "ISO-8601" in bad.output


@pytest.mark.parametrize("state", ["refused", "transferred", "answered"])
def test_closed_tickets_get_nothing(app, staff, routed_ticket, state):
    routed_ticket(RECEIVED, assignee=staff["officer"], state=state)
    assert run("2027-02-18T09:00").queued == []
    assert (
        db.session.execute(
            db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind == "reminder_digest")
        ).scalar_one()
        == 0
    )


def test_a_person_in_two_roles_gets_each_reminder_once(app, staff, routed_ticket, put):
    """A unit head who assigned the ticket to herself, with the unit mailbox being her own address."""
    from tests.reminders.reminder_helpers import unit

    unit("QLCN").email = staff["head"].email.upper()
    db.session.commit()
    ticket = routed_ticket(RECEIVED, assignee=staff["head"])
    report = run("2027-02-01T09:00")
    assert [(q.recipient, q.ticket_code, q.kind) for q in report.queued] == [
        (staff["head"].email, ticket.code, "before_due")
    ]
    assert reminder_messages()[0].body_text.count(ticket.code + " -") == 1
