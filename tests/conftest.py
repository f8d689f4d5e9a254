"""Shared fixtures: the app on SQLite and (with TEST_DATABASE_URL) PostgreSQL, clients, SMTP, factories.

Every test that takes `app` runs once per database backend. Each test starts from empty tables with
the default organisation seeded; tests commit for real (concurrency tests need it), so isolation is
by cleaning tables, not by rolling back. The schema is made once per session (per worker with
pytest-xdist, `-n`: each worker has its own PostgreSQL database, `<TEST_DATABASE_URL's name>_<worker>`,
and its own temporary directory with its SQLite file).
"""

from __future__ import annotations

import contextvars
import os
from pathlib import Path

import pytest

os.environ.setdefault("FEEDBACK_ENV", "testing")

from flask.testing import FlaskClient

from feedback import create_app
from feedback.db.search import FTS_TABLE, ensure_search_schema
from feedback.db.sqlite import deferred_begin
from feedback.extensions import db
from tests.support import PASSWORD, VALID_FORM, SMTPSink, free_port, fresh_postgresql_database, sign_in


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Flask reuses an already pushed app context for a request; the `app` fixture keeps one pushed for
    the test's own database work, so without this, `g` (Flask-Login's cached user, Flask-WTF's CSRF
    token) and the database session would leak from one request or client to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def backend_url(backend: str, tmp_root: Path) -> str:
    if backend == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under `pytest -n`
        # A fresh database of its own for an xdist worker, beside TEST_DATABASE_URL's: `<name>_<worker>`.
        return fresh_postgresql_database(url, worker) if worker else url
    return f"sqlite:///{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _schemas(tmp_path_factory):
    """Create the schema once per backend for the session; return backend -> URL."""
    urls = {}
    for backend in BACKENDS:
        url = backend_url(backend, tmp_path_factory.mktemp(backend))
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.drop_all()
            db.create_all()
            ensure_search_schema(db.engine)  # the migration's non-ORM search objects
            db.session.commit()
            db.engine.dispose()
        urls[backend] = url
    return urls


# Resets the sequences of the tables' serial and identity columns, as TRUNCATE ... RESTART IDENTITY does.
RESTART_SEQUENCES = """SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid WHERE t.relname = ANY(:names)"""


def clean_tables() -> None:
    """Empty every table (children first) and restart their id sequences.

    On PostgreSQL, a superuser (CI's and the README's `postgres`) deletes the rows with triggers and
    foreign-key checks off (`session_replication_role = replica`, for this transaction only): a few
    milliseconds for the handful of rows a test leaves, where TRUNCATE of every table costs a new file
    per table (0.8 s a test on a loaded 2-core machine). Other roles TRUNCATE.
    """
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        names = [t.name for t in db.metadata.sorted_tables]
        if db.session.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            db.session.execute(text("; ".join(f'DELETE FROM "{name}"' for name in names)))
            db.session.execute(text(RESTART_SEQUENCES), {"names": names})
        else:
            quoted = ", ".join(f'"{name}"' for name in names)
            db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def app(request, _schemas, tmp_path):
    """A fresh app on a clean, seeded database, with an app context pushed for the test."""
    from feedback.data.seed import seed_organisation

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_schemas[request.param],
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    app.config["BACKEND"] = request.param
    deferred_begin.set(True)  # the test's own reads must not hold SQLite's write lock
    app.test_client_class = IsolatedClient
    with app.app_context():
        clean_tables()
        seed_organisation()
        db.session.commit()
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a staff user: make_user("officer", "QLCN", email=..., password=...)."""
    from feedback.models import Unit, User

    counter = {"n": 0}

    def factory(
        role: str,
        unit_code: str | None = None,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        name: str | None = None,
        active: bool = True,
    ) -> User:
        counter["n"] += 1
        unit = None
        if unit_code:
            unit = db.session.execute(db.select(Unit).where(Unit.code == unit_code)).scalar_one()
        user = User(
            email=email or f"{role}{counter['n']}@test.sokhcn.vn",
            name=name or f"{role} {counter['n']}",
            role=role,
            unit=unit,
            active=active,
        )
        user.set_password(password, "pbkdf2:sha256:1000")
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(client):
    """Sign a user in through the real login form."""

    def do(user, password: str = PASSWORD):
        response = sign_in(client, user.email, password)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do


@pytest.fixture
def valid_form():
    return dict(VALID_FORM)


@pytest.fixture
def make_ticket(app):
    """Create a ticket through the intake service (committed): make_ticket(now=..., **fields)."""
    from tests.factories import submitted

    return submitted


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on localhost; the app is pointed at it."""
    from aiosmtpd.controller import Controller

    sink = SMTPSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    from feedback.extensions import mail

    mail.init_app(app)  # Flask-Mail reads the server settings at init
    sink.port = port
    sink.controller = controller
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The test PKI of tests/pki.py (made once per session)."""
    from tests.pki import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def trust(app, pki):
    """Trust the test CA: signed letters (uploaded or signed here) are checked against it."""
    app.config["LETTER_TRUST_ROOTS"] = [str(pki.ca_pem)]
    return pki


@pytest.fixture
def signing(app, trust):
    """The department's certificate configured: answer letters are signed (and mailed) on approval."""
    from tests.pki import P12_PASSWORD

    app.config["LETTER_SIGNING_PKCS12"] = str(trust.dept_p12)
    app.config["LETTER_SIGNING_PASSWORD"] = P12_PASSWORD
    return trust
