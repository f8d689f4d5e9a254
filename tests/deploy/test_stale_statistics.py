"""Planner statistics after a bulk load (feedback/db/statistics.py): a database migrated and then filled
without ANALYZE (`flask demo` here, a restore or an import elsewhere) has no statistics, and on a
PostgreSQL server with autovacuum off, or on SQLite, it never gets them; the app gathers them once when
it starts, and not again while they are fresh."""

from __future__ import annotations

import logging
import os
import sqlite3
import time

import pytest
from sqlalchemy import create_engine, make_url, text

from feedback import create_app
from feedback.jobs import build_scheduler, run_statistics
from feedback.timeutil import utcnow
from tests.support import AlwaysLeader, flask_command, own_postgresql_database

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
GATHERED = "planner statistics gathered"


@pytest.fixture(params=BACKENDS)
def migrated(request, tmp_path):
    """(backend, URL) of a database of its own, migrated (`flask db upgrade`) and empty."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'loaded.sqlite3'}"
        flask_command(url, "db", "upgrade")
        yield "sqlite", url
        return
    with own_postgresql_database("stale_stats") as url:
        flask_command(url, "db", "upgrade")
        yield "postgresql", url


@pytest.fixture
def loaded(migrated):
    """`migrated`, then the demo's tickets, users and outbox written by `flask demo`, never analyzed."""
    flask_command(migrated[1], "demo")
    return migrated


def facts(backend: str, url: str) -> dict:
    """tickets: its rows, the rows the planner believes it has, and its statistics (columns on
    PostgreSQL, index lines of sqlite_stat1 on SQLite)."""
    if backend == "sqlite":
        conn = sqlite3.connect(make_url(url).database)
        try:
            rows = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
            has_stat = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
            stats = (
                conn.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'tickets' ORDER BY idx").fetchall()
                if has_stat
                else []
            )
        finally:
            conn.close()
        believed = int(stats[0][0].split()[0]) if stats else -1  # each line starts with the row count
        return {"rows": rows, "believed": believed, "statistics": len(stats)}
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.reltuples, (SELECT count(*) FROM pg_stats WHERE tablename = 'tickets'), "
                "(SELECT count(*) FROM tickets) FROM pg_class c WHERE c.relname = 'tickets'"
            )
        ).one()
    engine.dispose()
    return {"believed": row[0], "statistics": row[1], "rows": row[2]}


def test_the_app_gathers_missing_statistics_once_when_it_starts(loaded, caplog):
    backend, url = loaded
    before = facts(backend, url)
    assert before["rows"] >= 5  # the demo's tickets
    assert before["believed"] == -1 and before["statistics"] == 0

    with caplog.at_level(logging.INFO, logger="feedback.db.statistics"):
        create_app("testing", SQLALCHEMY_DATABASE_URI=url, DB_ANALYZE_STALE=True)
    after = facts(backend, url)
    assert after["believed"] == before["rows"]
    assert after["statistics"] > 10  # PostgreSQL: every column; SQLite: every index of the tickets
    assert GATHERED in caplog.text and "tickets" in caplog.text and "ticket_events" in caplog.text

    # A second worker (or a restart) finds them fresh and analyzes nothing.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="feedback.db.statistics"):
        create_app("testing", SQLALCHEMY_DATABASE_URI=url, DB_ANALYZE_STALE=True)
    assert GATHERED not in caplog.text
    assert facts(backend, url) == after


def test_statistics_are_left_alone_when_the_setting_is_off(loaded):
    backend, url = loaded
    create_app("testing", SQLALCHEMY_DATABASE_URI=url)  # the suite's setting: off
    assert facts(backend, url)["statistics"] == 0


def test_a_database_that_cannot_be_reached_does_not_stop_the_app(caplog):
    with caplog.at_level(logging.WARNING, logger="feedback.db.statistics"):
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none", DB_ANALYZE_STALE=True
        )
    assert app.test_client().get("/healthz").status_code == 503  # up, and saying the database is not
    assert "planner statistics not checked" in caplog.text


def test_the_scheduler_job_gathers_them_too(loaded):
    backend, url = loaded
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)  # started without gathering them

    scheduler = build_scheduler(app, AlwaysLeader(), reminder_seconds=60, outbox_seconds=30)
    assert "statistics" in {job.id for job in scheduler.get_jobs()}
    assert "tickets" in run_statistics(app, utcnow())
    gathered = facts(backend, url)
    assert gathered["believed"] == gathered["rows"]
    assert run_statistics(app, utcnow()) == []  # fresh now: nothing analyzed again


def test_a_web_process_gathers_them_for_tickets_loaded_after_it_started(migrated, monkeypatch):
    backend, url = migrated
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)  # as under gunicorn
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, DB_ANALYZE_STALE=True, DB_ANALYZE_CHECK_SECONDS=0.2)
    stop = app.extensions["statistics_watch"]
    try:
        assert facts(backend, url)["rows"] == 0  # nothing to analyze at the start
        flask_command(url, "demo")  # tickets imported while the process runs
        deadline = time.monotonic() + 20
        while facts(backend, url)["statistics"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        gathered = facts(backend, url)
        assert gathered["statistics"] > 10 and gathered["believed"] > 0
    finally:
        stop.set()


def test_a_flask_command_does_not_watch(migrated, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=migrated[1], DB_ANALYZE_STALE=True)
    assert "statistics_watch" not in app.extensions
