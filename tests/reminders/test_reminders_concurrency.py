"""Exactly once: two sweeps at once, and a sweep that dies half-way, queue each reminder once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from feedback.extensions import db
from feedback.services import outbox as outbox_service
from feedback.services.outbox import send_pending
from feedback.services.reminders import sweep
from tests.reminders.reminder_helpers import at, reminder_keys, reminder_messages

MOMENT = "2027-02-18T09:00"  # the 12 tickets below are 5 working days late: head, escalation, progress


@pytest.fixture
def late_tickets(staff, routed_ticket):
    tickets = [
        routed_ticket(
            "2027-01-22T09:00",
            assignee=staff["officer"] if i % 2 else None,
            unit_code="QLCN" if i % 3 else "CCTDC",
            email=f"dn{i}@example.com",
        )
        for i in range(12)
    ]
    codes = [t.code for t in tickets]
    db.session.commit()
    return codes


def expected_lines(codes) -> Counter:
    lines = Counter()
    for i, code in enumerate(codes):
        head = "head.qlcn@sokhcn.vn" if i % 3 else "head.tdc@sokhcn.vn"
        lines[(head, code, "overdue_head")] += 1
        lines[("vanphong@sokhcn.vn", code, "escalate")] += 1
        lines[("giamdoc@sokhcn.vn", code, "escalate")] += 1
        lines[(f"dn{i}@example.com", code, "progress_update")] += 1
    return lines


def test_two_concurrent_sweeps_queue_each_reminder_once(app, late_tickets, smtp):
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                report = sweep(at(MOMENT))
                db.session.commit()
                reports.append(report)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(reports) == 2
    queued = Counter((q.recipient, q.ticket_code, q.kind) for r in reports for q in r.queued)
    assert queued == expected_lines(late_tickets)  # every reminder once, none twice
    assert len(reminder_keys()) == len(set(reminder_keys())) == 3 * 12

    # Delivered: one digest per staff member, one progress email per ticket, each reminder in one email.
    send_pending(at(MOMENT))
    reminders = [
        (rcpt, msg.get_body(("plain",)).get_content())
        for rcpt, msg in smtp.messages
        if "Nhắc việc" in msg["Subject"] or "tiến độ" in msg["Subject"]
    ]  # not the acknowledgments
    for recipient, code, kind in expected_lines(late_tickets):
        holding = [rcpt for rcpt, body in reminders if code in body and recipient in rcpt]
        assert len(holding) == 1, (recipient, code, kind)
    # One digest each for the two unit heads, the coordinator and the director; one progress email a ticket.
    assert len(reminders) == len(reminder_messages()) == 4 + 12


def test_two_concurrent_cli_sweeps(app, late_tickets):
    """The same through `flask reminders send` in two threads (two cron jobs or two operators)."""
    barrier = threading.Barrier(2)
    outputs = []

    def run() -> None:
        runner = app.test_cli_runner()
        barrier.wait()
        outputs.append(runner.invoke(args=["reminders", "send", "--now", MOMENT]).output)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    lines = [tuple(line.split("\t")[:3]) for out in outputs for line in out.splitlines() if "\t" in line]
    assert Counter(lines) == expected_lines(late_tickets)


def test_a_sweep_that_dies_half_way_leaves_nothing_and_the_next_one_sends_all(app, late_tickets, monkeypatch):
    real_queue = outbox_service.queue
    calls = {"n": 0}

    def dying_queue(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # the process dies while writing the third email
            raise SystemExit("killed")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(outbox_service, "queue", dying_queue)
    with pytest.raises(SystemExit):
        sweep(at(MOMENT))
    db.session.rollback()  # what the database does with a dead connection's transaction
    assert reminder_keys() == [] and reminder_messages() == []

    monkeypatch.setattr(outbox_service, "queue", real_queue)
    report = sweep(at(MOMENT))
    db.session.commit()
    assert Counter((q.recipient, q.ticket_code, q.kind) for q in report.queued) == expected_lines(late_tickets)
    assert sweep(at("2027-02-18T15:00")).queued == []
