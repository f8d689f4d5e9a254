"""Fixtures for the reminder, outbox and scheduler tests: staff, tickets put in a state directly, SMTP on/off.

The staff workflow is built elsewhere; these tests put tickets in the state they need by setting the
model fields (unit, state, assignee, dates) directly.
"""

from __future__ import annotations

import pytest

from feedback.extensions import db
from feedback.models import Ticket
from tests.reminders.reminder_helpers import SwitchableSMTP, at, unit


@pytest.fixture
def staff(make_user):
    """One of each: officer and head of QLCN, head of CCTDC, a coordinator, a director, an admin."""
    return {
        "officer": make_user("officer", "QLCN", email="officer@sokhcn.vn", name="Trần Chuyên Viên"),
        "head": make_user("unit_head", "QLCN", email="head.qlcn@sokhcn.vn", name="Lê Trưởng Phòng"),
        "head_tdc": make_user("unit_head", "CCTDC", email="head.tdc@sokhcn.vn", name="Phạm Chi Cục"),
        "coordinator": make_user("coordinator", "VP", email="vanphong@sokhcn.vn", name="Văn Phòng"),
        "director": make_user("director", "BGD", email="giamdoc@sokhcn.vn", name="Giám Đốc"),
        "admin": make_user("admin", None, email="admin@sokhcn.vn", name="Quản Trị"),
    }


@pytest.fixture
def put(app):
    """Set a ticket's workflow fields directly and commit: put(ticket, state=..., unit="QLCN", assignee=user, ...)."""

    def do(ticket: Ticket, *, unit_code: str | None = None, assignee=None, **fields) -> Ticket:
        ticket = db.session.get(Ticket, ticket.id)
        if unit_code is not None:
            ticket.unit_id = unit(unit_code).id
        if assignee is not None:
            ticket.assignee_id = assignee.id
        for name, value in fields.items():
            setattr(ticket, name, value)
        db.session.commit()
        return ticket

    return do


@pytest.fixture
def routed_ticket(make_ticket, put):
    """A ticket received at `received` (local ISO) and routed to a unit, optionally assigned."""

    def factory(received: str, *, unit_code: str = "QLCN", assignee=None, state: str | None = None, **fields):
        ticket = make_ticket(now=at(received), **fields)
        return put(
            ticket, unit_code=unit_code, assignee=assignee, state=state or ("in_progress" if assignee else "assigned")
        )

    return factory


@pytest.fixture
def smtp(app):
    """An SMTP server, running; `smtp.stop()` / `smtp.start()` take it down and bring it back."""
    server = SwitchableSMTP(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down(app):
    """An SMTP address with nothing listening yet; `smtp_down.start()` brings the server up."""
    server = SwitchableSMTP(app)
    yield server
    server.stop()
