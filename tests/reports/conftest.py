"""Fixtures for reports, dashboard, administration and privacy: tickets put in any state directly."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from feedback.extensions import db
from tests import support
from tests.support import PASSWORD, release, release_before_requests


@pytest.fixture
def sign_in(client):
    """Sign a user in through the login form, holding no transaction meanwhile."""

    def do(user, password: str = PASSWORD):
        email = user.email
        release()
        response = support.sign_in(client, email, password)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do


@pytest.fixture
def staff(make_user, sign_in):
    """Create a user of a role (and unit) and sign them in: staff("coordinator")."""

    def do(role: str, unit: str | None = None, **kw):
        user = make_user(role, unit, **kw)
        sign_in(user)
        return user

    return do


@pytest.fixture
def put_ticket(app):
    """Create a ticket by setting model fields directly: put_ticket(state=..., received_on=..., ...)."""
    from feedback.models import Category, Ticket, Unit

    counter = {"n": 0}
    categories = dict(db.session.execute(db.select(Category.code, Category.id)).all())
    units = dict(db.session.execute(db.select(Unit.code, Unit.id)).all())
    db.session.commit()  # hold no SQLite transaction while the test client makes requests

    def factory(*, category: str = "TDC", unit: str | None = "CCTDC", commit: bool = True, **fields) -> Ticket:
        counter["n"] += 1
        if category not in categories or (unit and unit not in units):  # added by the test itself
            categories.update(db.session.execute(db.select(Category.code, Category.id)).all())
            units.update(db.session.execute(db.select(Unit.code, Unit.id)).all())
        received_on = fields.pop("received_on", date(2025, 3, 3))
        due = fields.pop("due_date", received_on + timedelta(days=20))
        values = dict(
            code=f"PAKN-{received_on.year}-{counter['n']:06d}",
            tracking_token=secrets.token_urlsafe(16),
            kind="complaint",
            state="new",
            channel="web",
            submitter_type="enterprise",
            organization="Công ty TNHH Thử Nghiệm",
            tax_code="0101243150",
            name="Nguyễn Văn An",
            email=f"an{counter['n']}@example.com",
            phone="0912345678",
            address="Số 1 đường Lê Lợi, tỉnh Tây Ninh",
            consent_publish=True,
            title=f"Phản ánh số {counter['n']}",
            content="Nội dung phản ánh của doanh nghiệp.",
            received_at=datetime.combine(received_on, datetime.min.time()) + timedelta(hours=2),
            received_on=received_on,
            due_date=due,
            original_due_date=due,
            category_id=categories[category],
            unit_id=units[unit] if unit else None,
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
        unit = rng.choice([*UNITS, None]) if rng.random() < 0.1 else rng.choice(UNITS)
        due = day + timedelta(days=20)
        f = dict(received_on=day, due_date=due, kind=kind, category=category, channel=channel, unit=unit)
        outcome = rng.choices(
            ["answered", "refused", "transferred", "needs_info", "in_progress", "new"], weights=[60, 6, 6, 6, 16, 6]
        )[0]
        if outcome == "answered":
            answered_on = day + timedelta(days=rng.randint(1, 35))
            f.update(
                state="answered",
                answered_on=answered_on,
                answered_at=datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3),
                closed_at=datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3),
                on_time=answered_on <= due,
                answer="Trả lời của Sở.",
            )
            if rng.random() < 0.5:
                pub = answered_on + timedelta(days=rng.randint(0, 4))
                f.update(
                    published_at=datetime.combine(pub, datetime.min.time()) + timedelta(hours=4),
                    public_title="Tiêu đề công khai",
                    public_answer="Trả lời công khai",
                )
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


# --- the independent count the report is checked against ------------------------------------------


def expected_status(f: dict, as_of: date) -> str:
    """The documented rules, written out again over the plain fixture data."""
    state = f.get("state", "new")
    if state == "answered" and f["answered_on"] <= as_of:
        return "answered_on_time" if f["answered_on"] <= f["due_date"] else "answered_late"
    if state in ("refused", "transferred") and f["closed_at"].date() <= as_of:
        return state
    if state == "needs_info":
        return "open_paused"
    if f["due_date"] < as_of:
        return "open_overdue"
    return "open_in_time"


def _independent(made: list[dict], start: date, end: date, today: date = date(2026, 11, 27)):
    as_of = min(end, today)
    cohort = [f for f in made if start <= f["received_on"] <= end]
    statuses = Counter(expected_status(f, as_of) for f in cohort)
    from feedback.domain.deadlines import WorkCalendar

    cal = WorkCalendar()
    days = [
        cal.working_days_between(f["received_on"], f["answered_on"])
        for f in cohort
        if expected_status(f, as_of).startswith("answered")
    ]
    published = sum(1 for f in cohort if f.get("published_at") and f["published_at"].date() <= as_of)
    return cohort, statuses, days, published, as_of


@pytest.fixture
def independent():
    """independent(made, start, end, today) -> (cohort, Counter of statuses, working days, published, as_of)."""
    _independent.status = expected_status
    return _independent


@pytest.fixture(autouse=True)
def _release_before_requests(app):
    """Every test-client request first commits the test's own transaction (see `release`)."""
    yield from release_before_requests(app, keep=True)
