"""Two people acting on one ticket at the same moment: exactly one wins, the other gets a 409.

Each thread has its own client, hence its own app context, database session and connection: the
requests really run side by side against the same database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import threading

import pytest

from feedback.extensions import db
from feedback.models import Ticket, TicketEvent
from tests.factories import advance


def race(requests):
    """Run the (client, url, data) requests at once; return their statuses in order."""
    db.session.rollback()  # the test's own session must hold no lock while the threads run
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)
    errors = []

    def run(i, client, url, data):
        try:
            barrier.wait(timeout=10)
            statuses[i] = client.post(url, data=data).status_code
        except Exception as exc:  # surfaced below: a crash must fail the test, not hang it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, *req)) for i, req in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return statuses


def pending_ticket(team, make_ticket):
    ticket = advance(make_ticket(), team, "pending_approval", answer="Dự thảo trả lời.")
    return ticket.id, ticket.code


def events(ticket_id, action):
    db.session.rollback()
    count = db.session.execute(
        db.select(db.func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == action)
    ).scalar()
    db.session.rollback()
    return count


@pytest.mark.parametrize("round_", range(3))
def test_approve_and_return_at_once_only_one_wins(team, make_ticket, staff_client, round_):
    ticket_id, code = pending_ticket(team, make_ticket)
    head, director = staff_client(team["head"]), staff_client(team["director"])
    statuses = race(
        [
            (head, f"/staff/tickets/{code}/approve", {"csrf_token": head.token}),
            (director, f"/staff/tickets/{code}/return", {"comment": "Sửa lại.", "csrf_token": director.token}),
        ]
    )
    assert sorted(statuses) == [303, 409], statuses
    state = db.session.get(Ticket, ticket_id).state
    assert state == ("answered" if statuses[0] == 303 else "in_progress")
    assert events(ticket_id, "approve") + events(ticket_id, "return") == 1


@pytest.mark.parametrize("round_", range(3))
def test_refuse_and_transfer_at_once_only_one_wins(team, make_ticket, make_user, staff_client, round_):
    ticket = make_ticket()
    ticket_id, code = ticket.id, ticket.code
    second = make_user("coordinator", "VP", email="coord2@test.vn")
    one, two = staff_client(team["coordinator"]), staff_client(second)
    statuses = race(
        [
            (one, f"/staff/tickets/{code}/refuse", {"reason": "Trùng lặp.", "csrf_token": one.token}),
            (
                two,
                f"/staff/tickets/{code}/transfer",
                {"agency": "Sở Tài chính", "reason": "Thẩm quyền.", "csrf_token": two.token},
            ),
        ]
    )
    assert sorted(statuses) == [303, 409], statuses
    assert events(ticket_id, "refuse") + events(ticket_id, "transfer") == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_routings_from_the_same_page_only_one_wins(team, make_ticket, make_user, staff_client, round_):
    ticket = make_ticket()
    ticket_id, code, version = ticket.id, ticket.code, ticket.version
    second = make_user("coordinator", "VP", email="coord2@test.vn")
    one, two = staff_client(team["coordinator"]), staff_client(second)
    statuses = race(
        [
            (one, f"/staff/tickets/{code}/route", {"unit": "CCTDC", "version": version, "csrf_token": one.token}),
            (two, f"/staff/tickets/{code}/route", {"unit": "QLCN", "version": version, "csrf_token": two.token}),
        ]
    )
    assert sorted(statuses) == [303, 409], statuses
    assert events(ticket_id, "route") == 1
    unit = db.session.get(Ticket, ticket_id).unit.code
    assert unit == ("CCTDC" if statuses[0] == 303 else "QLCN")


def test_many_notes_at_once_all_land(team, make_ticket, staff_client):
    """Notes do not conflict with each other: serialised by the row lock, none is lost."""
    ticket_id, code = pending_ticket(team, make_ticket)
    clients = [staff_client(team[k]) for k in ("coordinator", "director", "head", "officer")]
    statuses = race(
        [
            (c, f"/staff/tickets/{code}/note", {"body": f"Ghi chú {i}", "csrf_token": c.token})
            for i, c in enumerate(clients)
        ]
    )
    assert statuses == [303] * 4
    assert events(ticket_id, "note") == 4
