"""Planner statistics after a bulk load (feedback/db/statistics.py): a database migrated and then filled
without ANALYZE (`flask demo` here, a restore or an import elsewhere) has no statistics, and on a server
with autovacuum off it never gets them; the app gathers them once when it starts, and not again while
they are fresh."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from feedback import create_app
from feedback.jobs import build_scheduler, run_statistics
from feedback.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]

postgresql = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL's planner statistics")


def flask(url: str, *args: str) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture
def loaded_url():
    """A database of its own: migrated, then the demo's tickets, users and outbox written, never analyzed."""
    base = make_url(os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # one database per xdist worker
    own = base.set(database=f"{base.database}_stale_stats_{worker}")
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    url = own.render_as_string(hide_password=False)
    flask(url, "db", "upgrade")
    flask(url, "demo")
    yield url
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    server.dispose()


def facts(url: str) -> dict:
    """tickets: rows PostgreSQL's planner believes it has, columns with statistics, times analyzed."""
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.reltuples, (SELECT count(*) FROM pg_stats WHERE tablename = 'tickets'), s.analyze_count, "
                "(SELECT count(*) FROM tickets) FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE c.relname = 'tickets'"
            )
        ).one()
    engine.dispose()
    return {"believed": row[0], "columns": row[1], "analyzed": row[2], "rows": row[3]}


@postgresql
def test_the_app_gathers_missing_statistics_once_when_it_starts(loaded_url, caplog):
    before = facts(loaded_url)
    assert before["rows"] >= 5  # the demo's tickets
    assert before["believed"] == -1 and before["columns"] == 0 and before["analyzed"] == 0

    with caplog.at_level(logging.INFO, logger="feedback.db.statistics"):
        create_app("testing", SQLALCHEMY_DATABASE_URI=loaded_url, DB_ANALYZE_STALE=True)
    after = facts(loaded_url)
    assert after["believed"] == before["rows"]
    assert after["columns"] > 20  # every column of the tickets
    assert after["analyzed"] == 1
    assert "tickets" in caplog.text and "ticket_events" in caplog.text

    # A second worker (or a restart) finds them fresh and analyzes nothing.
    create_app("testing", SQLALCHEMY_DATABASE_URI=loaded_url, DB_ANALYZE_STALE=True)
    assert facts(loaded_url)["analyzed"] == 1


@postgresql
def test_statistics_are_left_alone_when_the_setting_is_off(loaded_url):
    create_app("testing", SQLALCHEMY_DATABASE_URI=loaded_url)  # the suite's setting: off
    assert facts(loaded_url)["columns"] == 0


def test_a_database_that_cannot_be_reached_does_not_stop_the_app(caplog):
    with caplog.at_level(logging.WARNING, logger="feedback.db.statistics"):
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none", DB_ANALYZE_STALE=True
        )
    assert app.test_client().get("/healthz").status_code == 503  # up, and saying the database is not
    assert "planner statistics not checked" in caplog.text


@postgresql
def test_the_scheduler_job_gathers_them_too(loaded_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=loaded_url)  # started without gathering them

    class Leader:
        term = 1

        def ensure(self):
            return True

    scheduler = build_scheduler(app, Leader(), reminder_seconds=60, outbox_seconds=30)
    assert "statistics" in {job.id for job in scheduler.get_jobs()}
    assert "tickets" in run_statistics(app, utcnow())
    assert facts(loaded_url)["analyzed"] == 1
    assert run_statistics(app, utcnow()) == []  # fresh now: nothing analyzed again
    assert facts(loaded_url)["analyzed"] == 1
