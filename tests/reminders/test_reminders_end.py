"""The ladder ends for every kind, digests are capped, and batches change nothing (README "Reminders").

Three tickets of a desk are followed day by day through three months of `--now` sweeps: one stuck
with its unit past its deadline, one never routed, one answered and never published.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from feedback.extensions import db
from feedback.models import OutboxMessage, ReminderLog, Ticket
from feedback.services import calendar
from feedback.services.outbox import send_pending
from feedback.services.reminders import sweep
from tests.reminders.reminder_helpers import at, reminder_keys, reminder_messages

KINDS = ["reminder_digest", "progress_update", "rating_reminder"]


def run(moment: str, **kwargs):
    report = sweep(at(moment), **kwargs)
    db.session.commit()
    return report


def every_morning(first: date, last: date):
    day = first
    while day <= last:
        yield f"{day.isoformat()}T08:30"
        day += timedelta(days=1)


def test_every_kind_of_reminder_stops_at_its_last_rung(app, staff, routed_ticket, make_ticket, put):
    stuck = routed_ticket("2027-03-01T09:00", assignee=staff["officer"], email="minhphat@example.com")
    unrouted = make_ticket(now=at("2027-03-01T10:00"), email="anbinh@example.com")
    unpublished = routed_ticket("2027-03-01T11:00", state="answered", email="hoanglong@example.com")
    put(unpublished, answered_on=date(2027, 3, 4), publish_due_date=date(2027, 3, 8))
    sent_days: Counter = Counter()
    for moment in every_morning(date(2027, 3, 1), date(2027, 7, 30)):  # five months of mornings
        report = run(moment)
        if report.queued:
            sent_days[moment[:10]] += 1

    steps: dict[tuple, list[int]] = {}
    for ticket_id, kind, _due, step in sorted(reminder_keys()):
        steps.setdefault((ticket_id, kind), []).append(step)
    assert steps[(stuck.id, "before_due")] == [0, 1, 3]
    assert steps[(stuck.id, "overdue_head")] == list(range(1, 11))  # the unit head: 10 working days
    assert steps[(stuck.id, "escalate")] == [*range(5, 15), 20]  # office: days 5-14, last at 20
    assert steps[(stuck.id, "progress_update")] == [1, 2, 3, 4]  # the submitter: 4 updates
    assert steps[(unrouted.id, "route_overdue")] == [*range(1, 11), 20]
    assert steps[(unpublished.id, "publish_overdue")] == [*range(1, 11), 20]
    assert steps[(unpublished.id, "rating_request")] == [0]
    assert steps[(unrouted.id, "escalate")][-1] == 20  # a new ticket is overdue too
    assert set(steps) == {
        (stuck.id, "before_due"),
        (stuck.id, "overdue_head"),
        (stuck.id, "escalate"),
        (stuck.id, "progress_update"),
        (unrouted.id, "route_overdue"),
        (unrouted.id, "escalate"),
        (unrouted.id, "progress_update"),
        (unpublished.id, "publish_overdue"),
        (unpublished.id, "rating_request"),
    }
    # Nothing at all in the last two months: the ladder has ended for all three.
    assert not [d for d in sent_days if d >= "2027-05-15"]

    # The last escalation of the unpublished answer also goes to the director, and says it is the last.
    last = db.session.execute(
        db.select(ReminderLog).where(
            ReminderLog.ticket_id == unpublished.id, ReminderLog.kind == "publish_overdue", ReminderLog.step == 20
        )
    ).scalar_one()
    day_mail = [
        m
        for m in reminder_messages()
        if m.kind == "reminder_digest"
        and m.created_at.date() == last.created_at.date()
        and unpublished.code in m.body_text
    ]
    assert {m.recipients for m in day_mail} == {staff["coordinator"].email, staff["director"].email}
    assert all("Lần nhắc cuối" in m.body_text and "chưa công khai" in m.body_text for m in day_mail)
    # Never two digests to one person on one day.
    per_day = Counter((m.recipients, m.created_at.date()) for m in reminder_messages() if m.kind == "reminder_digest")
    assert max(per_day.values()) == 1


def test_a_rung_missed_for_longer_than_the_catch_up_window_is_not_sent_late(app, staff, routed_ticket):
    cal = calendar.work_calendar()
    ticket = routed_ticket("2027-03-01T09:00", assignee=staff["officer"])
    # The scheduler was down until 26 working days after the due date: past the last escalation (20)
    # and its 5 days of catch-up, so nothing is sent that late.
    assert run(f"{cal.add_working_days(ticket.due_date, 26).isoformat()}T09:00").queued == []
    # Within the window: only the latest rung reached of each kind, once.
    other = routed_ticket("2027-03-02T09:00", assignee=staff["officer"])
    moment = f"{cal.add_working_days(other.due_date, 7).isoformat()}T09:00"
    report = run(moment)
    assert sorted((q.kind, q.step) for q in report.queued if q.ticket_code == other.code) == [
        ("escalate", 7),
        ("escalate", 7),
        ("overdue_head", 7),
        ("progress_update", 1),
    ]
    assert list(run(moment.replace("T09", "T14")).queued) == []


def test_digest_lists_the_most_urgent_and_counts_the_rest_with_a_link(app, staff, routed_ticket):
    app.config["REMINDER_DIGEST_CAP"] = 5
    base = app.config["BASE_URL"].rstrip("/")
    tickets = [
        routed_ticket(
            f"2027-03-01T09:{i:02d}", assignee=staff["officer"], title=f"Chậm hoàn thuế giá trị gia tăng lô {i}"
        )
        for i in range(12)
    ]
    codes = [t.code for t in tickets]
    moment = f"{calendar.work_calendar().add_working_days(tickets[0].due_date, 8).isoformat()}T09:00"
    report = run(moment)  # all 12 are 8 working days late: the head's daily rung, the office's escalation
    head_lines = [q for q in report.queued if q.recipient == staff["head"].email]
    assert sorted(q.ticket_code for q in head_lines) == sorted(codes)  # every reminder is recorded as sent
    digests = [m for m in reminder_messages() if m.recipients == staff["head"].email]
    assert len(digests) == 1
    body, html = digests[0].body_text, digests[0].body_html
    assert "[Nhắc việc] 12 hồ sơ" in digests[0].subject
    assert [c for c in codes if c in body] == sorted(codes)[:5]  # same due date: in the order of the code
    assert f"7 hồ sơ khác đã quá hạn giải quyết: {base}/staff/?overdue=1" in body
    assert f'href="{base}/staff/?overdue=1"' in html
    # The office and the director get the escalations of the same 12 in one digest each.
    for person in ("coordinator", "director"):
        office = [m for m in reminder_messages() if m.recipients == staff[person].email]
        assert len(office) == 1 and "7 hồ sơ khác đã quá hạn giải quyết" in office[0].body_text


def test_small_batches_queue_the_same_messages_as_one_pass(app, staff, routed_ticket, make_ticket, put):
    for i in range(7):
        routed_ticket(
            f"2027-03-0{1 + i}T09:00",
            assignee=staff["officer"] if i % 2 else None,
            unit_code="QLCN" if i % 3 else "CCTDC",
            email=f"dn{i}@example.com",
        )
    for i in range(3):
        make_ticket(now=at(f"2027-04-0{5 + i}T09:00"))
    answered = routed_ticket("2027-03-10T09:00", state="answered")
    put(answered, answered_on=date(2027, 4, 1), publish_due_date=date(2027, 4, 6))

    def outcome(batch: int):
        report = run("2027-04-08T09:00", batch=batch)
        lines = sorted((q.recipient, q.ticket_code, q.kind, q.step) for q in report.queued)
        mails = sorted(
            (m.kind, m.recipients, m.subject, m.body_text, m.body_html)
            for m in db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind.in_(KINDS))).scalars()
        )
        db.session.execute(db.delete(ReminderLog))
        db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.kind.in_(KINDS)))
        db.session.commit()
        return lines, mails

    one_pass = outcome(10000)
    assert {kind for _r, _c, kind, _s in one_pass[0]} == {
        "overdue_head",
        "escalate",
        "progress_update",
        "route_overdue",
        "publish_overdue",
        "rating_request",
    }
    assert outcome(1) == one_pass
    assert outcome(3) == one_pass


def test_a_digest_due_while_the_mail_server_is_down_is_delivered_later(app, staff, routed_ticket, smtp_down):
    ticket = routed_ticket("2027-01-22T09:00", assignee=staff["officer"])
    run("2027-02-18T09:00")
    down = send_pending(at("2027-02-18T09:01"))
    db.session.commit()
    assert down.sent == [] and smtp_down.messages == []
    smtp_down.start()
    later = send_pending(at("2027-02-18T10:00"))
    db.session.commit()
    assert later.sent
    bodies = [m.get_body(("plain",)).get_content() for _r, m in smtp_down.messages if "Nhắc việc" in m["Subject"]]
    assert len(bodies) == 3 and all(ticket.code in b for b in bodies)  # head, office, director


def test_submitter_emails_rendered_once_per_shape_equal_a_direct_rendering(app, staff, routed_ticket, put):
    """Progress updates and rating reminders are rendered once per shape and filled in: byte for byte
    the email `outbox.queue` renders, names with &, <, quotes included, in both languages."""
    from feedback.services import outbox

    late = [
        routed_ticket(
            "2027-03-01T09:00",
            assignee=staff["officer"],
            email=f"dn{i}@example.com",
            name=name,
            title=title,
            locale=locale,
        )
        for i, (name, title, locale) in enumerate(
            [
                ("Công ty TNHH Minh Phát & Cộng sự", 'Hoàn thuế "chậm" <lô 1>', "vi"),
                ("O'Brien Trading Co.", "Import licence & customs", "en"),
                ("Hợp tác xã An Bình", "Cấp phép kho lạnh", "vi"),
            ]
        )
    ]
    rated = routed_ticket(
        "2027-03-01T10:00", state="answered", email="hoanglong@example.com", name="Hoàng Long <HL>", title="Điện & nước"
    )
    put(rated, answered_on=date(2027, 4, 1), publish_due_date=date(2027, 4, 20))
    run(f"{calendar.work_calendar().add_working_days(late[0].due_date, 6).isoformat()}T09:00")
    run("2027-04-06T09:00")
    rows = list(
        db.session.execute(
            db.select(OutboxMessage)
            .where(OutboxMessage.kind.in_(["progress_update", "rating_reminder"]))
            .order_by(OutboxMessage.id)
        ).scalars()
    )
    assert [r.kind for r in rows].count("rating_reminder") == 1 and len(rows) >= 4
    for row in rows:
        ticket = db.session.get(Ticket, row.ticket_id)
        log = db.session.execute(db.select(ReminderLog).where(ReminderLog.outbox_id == row.id)).scalar_one()
        if row.kind == "rating_reminder":
            direct = outbox.queue(
                "rating_reminder",
                ticket.email,
                f"[{ticket.code}] Mời Quý vị đánh giá câu trả lời" if ticket.locale == "vi" else row.subject,
                "rating_reminder",
                ticket=ticket,
                locale=ticket.locale,
                answered_on=log.due_date,
            )
        else:
            direct = outbox.queue(
                "progress_update", ticket.email, row.subject, "progress_update", ticket=ticket, locale=ticket.locale
            )
        assert (row.subject, row.body_text, row.body_html) == (direct.subject, direct.body_text, direct.body_html)
        assert ticket.code in row.body_text and ticket.tracking_token in row.body_html
    db.session.rollback()


def test_candidates_of_a_window_of_weeks_are_read_once_each_in_a_few_queries(app, staff, routed_ticket, put):
    from sqlalchemy import event

    from feedback.services import reminders as service

    tickets = [
        routed_ticket(
            "2027-03-01T09:00", assignee=staff["officer"], title=f"Hồ sơ cấp phép số {i}", email=f"dn{i}@example.com"
        )
        for i in range(9)
    ]
    first = date(2027, 3, 29)
    for i, ticket in enumerate(tickets):  # two tickets a day, around the edges of the days each query reads
        put(ticket, due_date=first + timedelta(days=(i // 2) * (service.SPAN - 1)))
    cal = calendar.work_calendar()
    rules = service.ladder()
    today = date(2027, 4, 26)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM tickets" in statement:
            statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        lo = service.ladder_rules.overdue_window_start(today, cal, rules)
        hi = service.ladder_rules.before_window_end(today, cal, rules)
        running = Ticket.state.in_(["assigned", "in_progress"])
        rows = [
            r
            for batch in service._batches(db.select(*service._FACTS).where(running), Ticket.due_date, lo, hi, 2)
            for r in batch
        ]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    expected = sorted((t.due_date, t.id) for t in (db.session.get(Ticket, t.id) for t in tickets))
    assert lo <= expected[0][0] and expected[-1][0] <= hi
    assert [(r.due_date, r.id) for r in rows] == expected  # each once, by day then id
    spans = len(list(service._spans(lo, hi)))
    assert len(statements) <= spans + len(tickets) // 2 + 1  # not one query per day of the window
    assert (hi - lo).days + 1 > len(statements)
