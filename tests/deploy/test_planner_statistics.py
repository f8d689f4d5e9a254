"""The migration that gives PostgreSQL's planner the real (state, unit) pairs of the tickets (a new
ticket has no unit yet): after `flask db upgrade` on an empty database the extended statistics exist,
for ANALYZE to fill; downgrading that revision removes them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="extended statistics are PostgreSQL's")


def flask(url: str, *args: str) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "DATABASE_URL": url}  # as CI runs it
    env.pop("FLASK_RUN_FROM_CLI", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_state_unit_statistics_come_with_the_migrations():
    base = make_url(os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    own = base.set(database=f"{base.database}_planner_stats")
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    url = own.render_as_string(hide_password=False)
    try:
        flask(url, "db", "upgrade")
        engine = create_engine(url)
        with engine.begin() as conn:
            kinds = conn.execute(
                text("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'st_tickets_state_unit'")
            ).scalar_one()
            assert set(kinds) == {"m", "f"}  # most common value pairs, functional dependencies
        engine.dispose()
        flask(url, "db", "downgrade", "i16b_queue_counts")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_statistic_ext")).scalar_one() == 0
        engine.dispose()
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        server.dispose()
