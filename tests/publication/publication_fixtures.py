"""Fixtures for publication tests.

Imported by each test module: a sub-folder conftest.py would shadow the root one for `from conftest import ...`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from feedback.db.search import FTS_TABLE, ensure_search_schema
from feedback.extensions import db
from tests import support

# End the test's own transaction before each client request (SQLite takes the write lock on BEGIN).
release_before_requests = pytest.fixture(autouse=True)(support.release_before_requests)


@pytest.fixture(autouse=True)
def search_schema(app):
    """The non-ORM search objects (GIN index / FTS5 table), empty at the start of each test."""
    ensure_search_schema(db.engine)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))
        db.session.commit()
    return app


@pytest.fixture
def answered_ticket(app, make_ticket):
    """Submit a ticket through intake, then set the answered-state fields directly (committed).

    The workflow service is another helper's; this factory only puts the fields where approval
    would leave them.
    """
    from feedback.models import Unit

    def factory(
        *,
        answer: str = "Sở đã xem xét và trả lời như sau: hồ sơ kiểm định được xếp lịch trong tuần tới.",
        unit_code: str = "CCTDC",
        on_time: bool = True,
        now: datetime | None = None,
        answered_days: int = 5,
        **fields,
    ):
        ticket = make_ticket(now=now, **fields)
        unit = db.session.execute(db.select(Unit).where(Unit.code == unit_code)).scalar_one()
        answered_on = ticket.received_on + timedelta(days=answered_days)
        if not on_time:  # a late answer is one given after the due date in force
            ticket.due_date = answered_on - timedelta(days=1)
        ticket.state = "answered"
        ticket.unit_id = unit.id
        ticket.answer = answer
        ticket.answered_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3)
        ticket.answered_on = answered_on
        ticket.on_time = on_time
        ticket.closed_at = ticket.answered_at
        ticket.publish_due_date = answered_on + timedelta(days=2)
        db.session.commit()
        return ticket

    return factory


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", "VP")


def publish_ticket(ticket, actor, now: datetime | None = None, **overrides):
    """Publish with the pre-filled redacted text (committed)."""
    from feedback.services import publication

    texts = publication.prefill(ticket)
    publication.publish(
        ticket,
        actor,
        overrides.get("title", texts.title),
        overrides.get("summary", texts.summary),
        overrides.get("answer", texts.answer),
        now or datetime(2026, 11, 20, 3, 0),
    )
    db.session.commit()
    return ticket


@pytest.fixture
def publish():
    return publish_ticket
