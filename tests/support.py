"""Helpers shared by test modules (`from tests.support import ...`): the one CSRF reader, the one sign-in,
the one local-time conversion, the release-before-requests client, the form a citizen fills in, SMTP,
the statements a page runs, a submission posted, a `flask` command run as CI runs it, a PostgreSQL
database of a test's own.

Fixtures live in conftest.py files; ticket factories in tests/factories.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PASSWORD = "secret-pass-1"  # every staff user made by the `make_user` fixture has it unless told otherwise
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page's HTML."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def csrf_token(client, path: str = "/track") -> str:
    """A valid CSRF token for this client's session, read from the page at `path` (which has a form)."""
    html = client.get(path).get_data(as_text=True)
    assert _CSRF.search(html), f"no csrf_token on {path}"
    return csrf_from(html)


def sign_in(client, email: str, password: str = PASSWORD):
    """POST the staff sign-in form from `client`; returns the response (callers assert what they expect)."""
    token = csrf_token(client, "/staff/login")
    return client.post("/staff/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in_client(app, user, password: str = PASSWORD):
    """A fresh client signed in as `user` through the real login form; `client.token` is a CSRF token."""
    client = app.test_client()
    response = sign_in(client, user.email, password)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    client.token = csrf_token(client, "/staff/")
    return client


def execute_elsewhere(statement: str, *params) -> None:
    """Run one statement (`%s` placeholders) on a connection of its own, outside the app and SQLAlchemy:
    what another process's write looks like to this process's caches."""
    from feedback.extensions import db

    if db.engine.dialect.name == "postgresql":
        import psycopg

        with psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)) as raw:
            raw.execute(statement, params)
    else:
        import sqlite3

        with sqlite3.connect(db.engine.url.database) as raw:
            raw.execute(statement.replace("%s", "?"), params)


def to_utc(moment: datetime) -> datetime:
    """A local (Asia/Ho_Chi_Minh) wall-clock moment as the naive UTC the services and the database take."""
    return moment.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def local(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """local(2026, 4, 6, 9): 09:00 on 06/04/2026 in Viet Nam, as naive UTC."""
    return to_utc(datetime(y, m, d, hour, minute))


def at(local_iso: str) -> datetime:
    """at("2026-04-06T09:00"): the same conversion from an ISO text."""
    return to_utc(datetime.fromisoformat(local_iso))


VALID_FORM = {
    "submitter_type": "enterprise",
    "organization": "Công ty TNHH Cơ khí Chính xác Long An",
    "tax_code": "0101243150",
    "name": "Nguyễn Văn An",
    "email": "an.nguyen@example.com",
    "phone": "0912 345 678",
    "address": "Lô C5, KCN Đức Hòa 1, tỉnh Tây Ninh",
    "kind": "complaint",
    "category": "TDC",
    "title": "Thời gian kiểm định cân thương mại kéo dài",
    "content": "Doanh nghiệp đã nộp hồ sơ kiểm định từ tháng trước nhưng chưa có lịch kiểm định.",
    "regulation": "Thông tư 23/2013/TT-BKHCN",
    "consent_publish": "y",
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    """An aiosmtpd handler keeping what a real SMTP server accepted: (recipients, EmailMessage) pairs."""

    def __init__(self) -> None:
        self.messages = []
        self.raw = []  # the bytes as received, for tests of the wire format
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            self.raw.append(envelope.content)
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [m["Subject"] for _r, m in self.messages]

    def bodies(self) -> list[str]:
        with self.lock:
            return [m.get_body(("plain",)).get_content() for _r, m in self.messages]


def template_context(app, ticket, staff) -> dict:
    """A context in which every e-mail template renders (for the template tests)."""
    from datetime import date, timedelta

    from feedback.domain.letters import ReportDue
    from feedback.extensions import db
    from feedback.models import Review, Unit
    from feedback.services import workflow

    unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    lines = [{"ticket": ticket, "due": None, "text": "Due in 2 working days."}]
    return dict(
        deadline=None,
        old_due=ticket.due_date - timedelta(days=3),
        reason="The laboratory needs more time.",
        reason_label=workflow.REFUSE_REASONS["duplicate"],
        message="Please attach the contract.",
        agency="Provincial Department of Health",
        result_url="http://localhost/results/1",
        unit=unit,
        note="Urgent, please.",
        author=staff,
        assigner=staff,
        requester=staff,
        reviewer=staff,
        requested=ticket.due_date + timedelta(days=10),
        new_due=ticket.due_date + timedelta(days=10),
        comment="Please cite the circular.",
        recipient_name=staff.name,
        lines=lines,
        today=ticket.received_on,
        due=None,
        year=2027,
        item=ReportDue("2026-q4", 2026, 4, date(2026, 12, 9)),
        quarter=4,
        # Issue 14: the rating reminder, the reconsideration request and its answer.
        answered_on=ticket.received_on,
        reasons=["did_not_address", "too_late"],
        review=Review(
            round=1,
            requested_on=ticket.received_on,
            due_date=ticket.due_date,
            requested_by_id=None,
            comment="Please state the date.",
            answered_on=ticket.received_on,
        ),
    )


def release() -> None:
    """End the test's own transaction, keeping what it wrote (SQLite's BEGIN IMMEDIATE would block requests)."""
    from feedback.extensions import db

    db.session.commit()


def release_before_requests(app, *, keep: bool = False):
    """Fixture body (autouse in the staff, letter, satisfaction, security, publication and reports folders):
    every test client request first ends the test's own transaction. On SQLite every transaction takes
    the write lock (BEGIN IMMEDIATE), so a test that read something would otherwise block the request.
    The transaction is rolled back, or committed with `keep=True` (the reports tests add rows unflushed)."""
    from flask import has_app_context

    from feedback.extensions import db

    base = app.test_client_class

    class ReleasingClient(base):
        def open(self, *args, **kwargs):
            if has_app_context() and keep:
                db.session.commit()
            elif has_app_context():
                db.session.rollback()
            return super().open(*args, **kwargs)

    app.test_client_class = ReleasingClient
    yield
    app.test_client_class = base


def statements_reading(client, url: str, tables: tuple[str, ...]) -> tuple[list[str], str]:
    """The statements naming one of `tables` (FROM or JOIN) while `client` GETs `url`, and the page (200)."""
    from sqlalchemy import event

    from feedback.extensions import db

    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if any(f"FROM {table}" in statement or f"JOIN {table}" in statement for table in tables):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert response.status_code == 200, (url, response.status_code)
    return seen, response.get_data(as_text=True)


def post_submission(client, form: dict, files=()):
    """POST the public form as a browser does (multipart, with its CSRF token; `files` as (name, bytes));
    the answer, which must be the 303 to the confirmation page."""
    import io

    data = {**form, "csrf_token": csrf_token(client, "/submit")}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flask_command(url: str, *args: str) -> None:
    """Run `flask --app wsgi <args>` on the database `url` in a process of its own, with only PATH and HOME
    from this environment (as CI runs it); fail the test with its error output if it fails."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def fresh_postgresql_database(url: str, suffix: str) -> str:
    """A new, empty database beside the one of `url` (a SQLAlchemy URL), named `<its name>_<suffix>` (one
    left by an earlier run is dropped first); its URL."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url)
    own = base.set(database=f"{base.database}_{suffix}")
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    server.dispose()
    return own.render_as_string(hide_password=False)


@contextlib.contextmanager
def own_postgresql_database(suffix: str) -> Iterator[str]:
    """A new, empty database beside TEST_DATABASE_URL's, `<its name>_<suffix>_<xdist worker>`; its URL.
    Dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    base = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    url = fresh_postgresql_database(base, f"{suffix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    try:
        yield url
    finally:
        server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        server.dispose()


class AlwaysLeader:
    """A stand-in for the scheduler's Leadership (feedback/jobs.py) that always leads, for build_scheduler."""

    term = 1

    def ensure(self) -> bool:
        return True
