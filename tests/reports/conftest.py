"""Fixtures for reports, dashboard, administration and privacy: tickets put in any state directly."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta

import pytest

from feedback.extensions import db


@pytest.fixture
def put_ticket(app):
    """Create a ticket by setting model fields directly: put_ticket(state=..., received_on=..., ...)."""
    from feedback.models import Category, Ticket, Unit

    counter = {"n": 0}
    categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
    units = {u.code: u for u in db.session.execute(db.select(Unit)).scalars()}

    def factory(*, category: str = "TDC", unit: str | None = "CCTDC", commit: bool = True, **fields) -> Ticket:
        counter["n"] += 1
        received_on = fields.pop("received_on", date(2025, 3, 3))
        due = fields.pop("due_date", received_on + timedelta(days=20))
        values = dict(
            code=f"PAKN-{received_on.year}-{counter['n']:06d}",
            tracking_token=secrets.token_urlsafe(16),
            kind="complaint", state="new", channel="web",
            submitter_type="enterprise", organization="Công ty TNHH Thử Nghiệm", tax_code="0101243150",
            name="Nguyễn Văn An", email=f"an{counter['n']}@example.com", phone="0912345678",
            address="Số 1 đường Lê Lợi, tỉnh Tây Ninh", consent_publish=True,
            title=f"Phản ánh số {counter['n']}", content="Nội dung phản ánh của doanh nghiệp.",
            received_at=datetime.combine(received_on, datetime.min.time()) + timedelta(hours=2),
            received_on=received_on, due_date=due, original_due_date=due,
            category_id=categories[category].id, unit_id=units[unit].id if unit else None,
        )
        values.update(fields)
        ticket = Ticket(**values)
        db.session.add(ticket)
        if commit:
            db.session.commit()
        else:
            db.session.flush()
        return ticket

    return factory


CATS = ["SHTT", "CGCN", "TDC", "NSCL", "KNST", "DVKHCN", "TTHC", "KHAC"]
UNITS = ["VP", "QLCN", "CCTDC", "TTUD"]
KINDS = ["complaint", "recommendation", "proposal"]
CHANNELS = ["web", "email", "paper", "phone", "api"]


@pytest.fixture
def seeded_year(put_ticket):
    """About 150 tickets received from 01/12/2024 to 31/12/2025 in every state, deterministic.

    Returns the list of plain dicts of the fields set, for independent counting in the tests.
    """
    rng = random.Random(20250615)
    made = []
    day = date(2024, 12, 1)
    while day <= date(2025, 12, 31):
        day += timedelta(days=rng.randint(1, 5))
        if day > date(2025, 12, 31):
            break
        kind, category, channel = rng.choice(KINDS), rng.choice(CATS), rng.choice(CHANNELS)
        unit = rng.choice(UNITS + [None]) if rng.random() < 0.1 else rng.choice(UNITS)
        due = day + timedelta(days=20)
        f = dict(received_on=day, due_date=due, kind=kind, category=category, channel=channel, unit=unit)
        outcome = rng.choices(["answered", "refused", "transferred", "needs_info", "in_progress", "new"],
                              weights=[60, 6, 6, 6, 16, 6])[0]
        if outcome == "answered":
            answered_on = day + timedelta(days=rng.randint(1, 35))
            f.update(state="answered", answered_on=answered_on,
                     answered_at=datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3),
                     closed_at=datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3),
                     on_time=answered_on <= due, answer="Trả lời của Sở.")
            if rng.random() < 0.5:
                pub = answered_on + timedelta(days=rng.randint(0, 4))
                f.update(published_at=datetime.combine(pub, datetime.min.time()) + timedelta(hours=4),
                         public_title="Tiêu đề công khai", public_answer="Trả lời công khai")
        elif outcome in ("refused", "transferred"):
            closed = day + timedelta(days=rng.randint(0, 4))
            f.update(state=outcome, closed_at=datetime.combine(closed, datetime.min.time()) + timedelta(hours=3))
            if outcome == "refused":
                f.update(refuse_reason_code=rng.choice(["out_of_scope", "anonymous"]), refuse_reason="Lý do")
            else:
                f.update(transfer_agency=rng.choice(["Sở Công Thương", "Sở Tài chính"]), transfer_reason="Thẩm quyền")
        else:
            f.update(state=outcome)
        made.append(f)
        put_ticket(commit=False, **f)
    db.session.commit()
    return made
