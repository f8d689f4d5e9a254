"""The migration that gives PostgreSQL's planner the real (state, unit) pairs of the tickets (a new
ticket has no unit yet): after `flask db upgrade` on an empty database the extended statistics exist,
for ANALYZE to fill; downgrading that revision removes them."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from tests.support import flask_command, own_postgresql_database

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="extended statistics are PostgreSQL's")


def test_the_state_unit_statistics_come_with_the_migrations():
    with own_postgresql_database("planner_stats") as url:
        flask_command(url, "db", "upgrade")
        engine = create_engine(url)
        with engine.begin() as conn:
            kinds = conn.execute(
                text("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'st_tickets_state_unit'")
            ).scalar_one()
            assert set(kinds) == {"m", "f"}  # most common value pairs, functional dependencies
        engine.dispose()
        flask_command(url, "db", "downgrade", "i16b_queue_counts")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_statistic_ext")).scalar_one() == 0
        engine.dispose()
