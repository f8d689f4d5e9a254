"""One meaning of overdue, due today and on time: the same verdict on every surface, on both databases.

Each case is one ticket looked at on one day (the test clock, CLOCK_NOW). The pure function
(`domain.outcomes.standing`) gives the expected verdict; its SQL twin, the queue's overdue filter and
its row, the ticket page, the dashboard, the report, the public statistics and Open311 must all agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from feedback.domain import outcomes
from feedback.domain.deadlines import shipped_calendar
from feedback.extensions import db
from feedback.models import Ticket, Unit
from feedback.services import outcomes as sql_outcomes
from feedback.services.reports import Period, build_report
from feedback.timeutil import utcnow

CAL = shipped_calendar()

# name, state, due date, today, answered on
CASES = [
    ("due Friday, seen Saturday", "in_progress", date(2026, 11, 27), date(2026, 11, 28), None),
    ("due Friday, seen Friday", "in_progress", date(2026, 11, 27), date(2026, 11, 27), None),
    ("due on a holiday, seen that day", "assigned", date(2026, 9, 2), date(2026, 9, 2), None),
    ("due on a holiday, seen the next day", "assigned", date(2026, 9, 2), date(2026, 9, 3), None),
    ("answered the next working day", "answered", date(2026, 11, 27), date(2026, 12, 1), date(2026, 11, 30)),
    ("answered on the due date", "answered", date(2026, 11, 27), date(2026, 12, 1), date(2026, 11, 27)),
    ("answered on the Saturday after", "answered", date(2026, 11, 27), date(2026, 12, 1), date(2026, 11, 28)),
    ("paused, past its due date", "needs_info", date(2026, 11, 20), date(2026, 11, 28), None),
    ("extended, within the new date", "in_progress", date(2026, 12, 4), date(2026, 11, 28), None),
    ("never routed, overdue", "new", date(2026, 11, 25), date(2026, 11, 28), None),
    ("pending approval, due today", "pending_approval", date(2026, 12, 1), date(2026, 12, 1), None),
]


def _noon_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0)  # 10:00 in Hà Nội


def _setup(app, make_ticket, team, state, due, today, answered_on):
    received = due - timedelta(days=20)
    ticket = make_ticket(now=_noon_utc(received))
    unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    ticket.state = state
    ticket.due_date = due
    if state != "new":
        ticket.unit_id = unit.id
        ticket.assignee_id = team["officer"].id
    if state == "needs_info":
        ticket.paused_from_state = "in_progress"
        ticket.paused_on = due - timedelta(days=3)
    if answered_on is not None:
        ticket.answered_on = answered_on
        ticket.answered_at = _noon_utc(answered_on)
        ticket.answer = "Sở đã xem xét và trả lời như sau."
        ticket.public_title, ticket.public_summary, ticket.public_answer = "Kiểm định cân", "Nội dung", "Trả lời"
        ticket.published_at = _noon_utc(answered_on)
        ticket.closed_at = _noon_utc(answered_on)
        ticket.on_time = None  # a verdict flag left unset must not change any surface
    db.session.commit()
    app.config["CLOCK_NOW"] = _noon_utc(today)
    return ticket.code, ticket.id


@pytest.mark.parametrize(("name", "state", "due", "today", "answered_on"), CASES, ids=[c[0] for c in CASES])
def test_every_surface_shows_the_same_verdict(
    app, make_ticket, team, staff_client, name, state, due, today, answered_on
):
    code, ticket_id = _setup(app, make_ticket, team, state, due, today, answered_on)
    expected = outcomes.standing(state, due, today, CAL, answered_on=answered_on)
    overdue = expected.status == outcomes.OVERDUE
    on_time = expected.on_time

    # The SQL twin.
    status = db.session.execute(db.select(sql_outcomes.standing(today)).where(Ticket.id == ticket_id)).scalar_one()
    assert status == expected.status
    db.session.rollback()

    coordinator = staff_client(team["coordinator"])
    # The queue: its overdue filter and the ticket's row.
    listed = coordinator.get("/staff/?state=all&overdue=1").get_data(as_text=True)
    assert (f'data-code="{code}"' in listed) is overdue
    page = coordinator.get("/staff/?state=all").get_data(as_text=True)
    row = re.search(rf'<tr data-code="{code}" data-standing="([a-z_]+)"', page)
    assert row and row.group(1) == expected.status
    if expected.status == outcomes.OVERDUE:
        assert f"Quá hạn {expected.days} ngày LV" in page and "hôm nay" not in page.split(code)[-1][:2000]
    # The ticket page.
    html = coordinator.get(f"/staff/tickets/{code}").get_data(as_text=True)
    assert re.search(r'id="days-left" data-standing="([a-z_]+)"', html).group(1) == expected.status
    if on_time is not None:
        assert f'data-on-time="{"true" if on_time else "false"}"' in html
    # The dashboard's overdue list.
    dash = coordinator.get("/staff/dashboard").get_data(as_text=True)
    overdue_section = dash.split('id="overdue-title"')[1].split("</section>")[0]
    assert (code in overdue_section) is overdue
    # The report of the quarter, as of today.
    with app.test_request_context():
        total = build_report(Period(due - timedelta(days=20), today), today, cal=CAL, now=utcnow()).total
    if on_time is not None:
        assert (total.answered_on_time, total.answered_late) == ((1, 0) if on_time else (0, 1))
    else:
        assert total.open_overdue == (1 if overdue else 0)
    db.session.rollback()
    # The public statistics page (one ticket in the year: its figures are this ticket's).
    stats = app.test_client().get(f"/statistics?year={(due - timedelta(days=20)).year}").get_data(as_text=True)
    # The year's headline figures: received, on time, late, overdue.
    figures = {k: int(v) for k, v in re.findall(r'data-figure="(received|on_time|late|overdue)">(\d+)<', stats)}
    assert figures == {
        "received": 1,
        "on_time": 1 if on_time is True else 0,
        "late": 1 if on_time is False else 0,
        "overdue": 1 if overdue else 0,
    }
    # Open311.
    data = app.test_client().get(f"/open311/v2/requests/{code}.json").get_json()
    request_data = data[0] if isinstance(data, list) else data
    assert request_data["on_time"] == on_time
    if state != "answered":
        assert request_data["overdue"] is overdue
