"""The outbox sender against a real SMTP server: claims, concurrency, server down and back, failure, resend."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from feedback.extensions import db
from feedback.models import AuditLog, OutboxMessage
from feedback.services import outbox
from feedback.services.outbox import claim, send_pending
from tests import support
from tests.reminders.reminder_helpers import at

T0 = at("2027-03-02T09:00")


def add_messages(n: int, now=T0) -> list[int]:
    rows = [
        OutboxMessage(
            kind="test",
            recipients=f"user{i}@example.com",
            subject=f"Thư số {i}",
            body_text=f"Nội dung {i}",
            next_attempt_at=now,
            created_at=now,
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.flush()
    ids = [r.id for r in rows]
    # Commit and touch nothing afterwards: on SQLite a lazy reload would open a transaction that
    # holds the write lock (BEGIN IMMEDIATE) and block the other threads or requests.
    db.session.commit()
    return ids


def sign_in(client, email: str, password: str = support.PASSWORD) -> None:
    """Sign in through the login form without touching ORM objects (see add_messages)."""
    db.session.rollback()
    response = support.sign_in(client, email, password)
    assert response.status_code in (302, 303)


def statuses() -> dict[str, int]:
    rows = db.session.execute(db.select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status)).all()
    db.session.rollback()
    return dict(rows)


def test_two_concurrent_senders_send_every_row_exactly_once(app, smtp):
    add_messages(60)
    barrier = threading.Barrier(2)
    sent: dict[str, list[int]] = {"a": [], "b": []}
    errors = []

    def sender(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait()
                while True:
                    report = send_pending(T0, limit=5, worker=f"worker-{name}")
                    if not (report.sent or report.retried or report.lost_claims):
                        break
                    sent[name].extend(report.sent)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(sent["a"] + sent["b"]) == sorted(set(sent["a"]) | set(sent["b"]))  # disjoint
    assert len(sent["a"]) + len(sent["b"]) == 60
    subjects = smtp.sink.subjects()
    assert sorted(subjects) == sorted(f"Thư số {i}" for i in range(60))  # each delivered once
    assert statuses() == {"sent": 60}


def test_rows_of_a_sender_killed_mid_pass_are_reclaimed_later(app, smtp):
    ids = add_messages(6)
    app.config["OUTBOX_CLAIM_SECONDS"] = 1
    # A sender claims four rows and dies before sending them (nothing else happens to the rows).
    dead = claim(T0, 4, "dead-host:1")
    assert dead == ids[:4]
    # A live sender right away: the fresh claims are respected, the two others are sent.
    report = send_pending(T0, worker="live")
    assert report.sent == ids[4:]
    assert statuses() == {"sending": 4, "sent": 2}
    # Once the claims are older than OUTBOX_CLAIM_SECONDS they are taken over and sent, once.
    time.sleep(1.2)
    report = send_pending(T0, worker="live")
    assert report.sent == ids[:4]
    assert send_pending(T0 + timedelta(hours=1), worker="live").sent == []
    assert sorted(smtp.sink.subjects()) == sorted(f"Thư số {i}" for i in range(6))


def test_mail_queued_while_smtp_is_down_is_delivered_once_when_it_is_back(app, smtp_down):
    ids = add_messages(5)
    report = send_pending(T0)
    # The first try finds no server: that row waits for its back-off, the rest are given back untried.
    assert report.retried == ids[:1] and report.released == ids[1:] and report.sent == []
    first = db.session.get(OutboxMessage, ids[0])
    assert first.status == "pending" and first.attempts == 1 and "Connection" in first.last_error
    assert first.next_attempt_at == T0 + timedelta(seconds=60)
    db.session.rollback()
    # Still down a minute later: another try, nothing lost, nothing marked failed.
    send_pending(T0 + timedelta(minutes=1))
    assert statuses() == {"pending": 5}
    assert smtp_down.messages == []

    smtp_down.start()
    report = send_pending(T0 + timedelta(minutes=10))
    assert sorted(report.sent) == ids
    assert send_pending(T0 + timedelta(hours=6)).sent == []
    assert sorted(smtp_down.sink.subjects()) == sorted(f"Thư số {i}" for i in range(5))
    assert statuses() == {"sent": 5}


def test_a_retry_is_due_only_once_its_back_off_has_passed(app, smtp_down):
    [message_id] = add_messages(1)
    send_pending(T0)
    smtp_down.start()
    assert send_pending(T0 + timedelta(seconds=59)).sent == []  # back-off of 60 s not over
    assert send_pending(T0 + timedelta(seconds=60)).sent == [message_id]
    assert db.session.get(OutboxMessage, message_id).attempts == 2


def test_outbox_send_command(app, runner, smtp_down):
    add_messages(3)
    result = runner.invoke(args=["outbox", "send", "--now", "2027-03-02T09:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 0, retry later 1, failed 0, released 2 (SMTP server unreachable)"
    smtp_down.start()
    result = runner.invoke(args=["outbox", "send", "--now", "2027-03-02T10:00"])
    assert result.output.strip() == "sent 3, retry later 0, failed 0"
    assert len(smtp_down.messages) == 3


def test_admin_outbox_page_and_resend(app, client, staff, smtp_down):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    failed_id, pending_id = add_messages(2)
    db.session.get(OutboxMessage, pending_id).next_attempt_at = T0 + timedelta(days=30)
    db.session.commit()
    send_pending(T0)
    send_pending(T0 + timedelta(hours=1))
    assert db.session.get(OutboxMessage, failed_id).status == "failed"
    admin_id = staff["admin"].id
    sign_in(client, "admin@sokhcn.vn")
    page = client.get("/staff/admin/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="outbox-{failed_id}"' in html and "Thư số 0" in html and "ConnectionRefusedError" in html
    assert f'id="outbox-{pending_id}"' not in html  # only failed mail by default
    token = support.csrf_from(html)

    # A message that has not failed cannot be "resent" (it is already queued).
    refused = client.post(f"/staff/admin/outbox/{pending_id}/resend", data={"csrf_token": token})
    assert refused.status_code == 409
    assert client.post("/staff/admin/outbox/999999/resend", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/staff/admin/outbox/{failed_id}/resend", data={}).status_code == 400  # no CSRF

    response = client.post(f"/staff/admin/outbox/{failed_id}/resend", data={"csrf_token": token})
    assert response.status_code == 303
    message = db.session.get(OutboxMessage, failed_id)
    assert (message.status, message.attempts) == ("pending", 0)
    audit = db.session.execute(db.select(AuditLog)).scalars().all()
    assert [(a.entity, a.entity_id, a.action, a.actor_id) for a in audit] == [
        ("outbox_message", str(failed_id), "resend", admin_id)
    ]
    assert audit[0].details["status"] == "failed" and audit[0].details["attempts"] == 2
    db.session.rollback()

    smtp_down.start()
    assert send_pending(at("2027-03-02T12:00")).sent == [failed_id]
    assert smtp_down.sink.subjects() == ["Thư số 0"]


def test_outbox_page_is_for_admins_only(app, client, staff):
    db.session.rollback()
    assert client.get("/staff/admin/outbox").status_code in (302, 303, 401)  # not signed in: to the login
    sign_in(client, "vanphong@sokhcn.vn")
    assert client.get("/staff/admin/outbox").status_code == 403
    assert client.post("/staff/admin/outbox/1/resend", data={}).status_code in (400, 403)


def test_resend_refuses_a_message_that_has_not_failed(app):
    import pytest

    from feedback.services import ServiceError

    [message_id] = add_messages(1)
    with pytest.raises(ServiceError) as info:
        outbox.resend(db.session.get(OutboxMessage, message_id), T0)
    assert info.value.status == 409


def test_smtp_server_stopped_and_started_again(app, smtp):
    """A running server goes down between passes and comes back: nothing lost, nothing twice."""
    first = add_messages(2)
    assert send_pending(T0).sent == first
    smtp.stop()
    later = add_messages(3, now=T0 + timedelta(minutes=1))
    report = send_pending(T0 + timedelta(minutes=1))
    assert report.sent == [] and len(report.retried) == 1 and len(report.released) == 2
    smtp.start()
    report = send_pending(T0 + timedelta(minutes=5))
    assert sorted(report.sent) == later
    assert send_pending(T0 + timedelta(hours=1)).sent == []
    assert sorted(smtp.sink.subjects()) == sorted(["Thư số 0", "Thư số 1", "Thư số 0", "Thư số 1", "Thư số 2"])
    assert statuses() == {"sent": 5}
