"""Planner statistics where nothing else gathers them (PostgreSQL and SQLite).

The staff pages' plans depend on PostgreSQL's statistics of the tickets. A database loaded in bulk,
imported or restored from a dump has none until `ANALYZE` runs. Autovacuum runs it within a minute or
so, but on a server where autovacuum is off it never does. Without statistics, the overdue queue at
1,000,000 tickets took 540 ms instead of 4 ms: the planner guessed 42 overdue tickets where there are
130,000, and sorted them all instead of reading the partial index in order.

So `refresh` analyzes the product's tables that need it:

- a table that holds rows and has never been analyzed or vacuumed (`pg_class.reltuples` is -1), or was
  analyzed empty (perhaps while a load was still running) and holds rows now;
- when autovacuum is off, also a table changed by more than autovacuum's own threshold since its last
  analysis (50 rows plus a tenth of the table).

It runs when a process starts (`create_app`, setting DB_ANALYZE_STALE), then in a web process every
DB_ANALYZE_CHECK_SECONDS (a thread of its own: tickets imported into a running desk get statistics
within a minute, not at the next start), and from the scheduler every SCHEDULER_STATISTICS_MINUTES.
Two processes at once do not both analyze: the second waits on an advisory lock, then finds nothing
left to do. A check that finds nothing to do is one query.

SQLite has no autovacuum: its planner reads `sqlite_stat1`, which only `ANALYZE` writes. A table that
holds rows and has no line there is analyzed (at 100,000 tickets, 0.2 s of CPU; the staff text search
went from 30 to 22 times the bare route). The check reads without the write lock; only an `ANALYZE`
takes it. A table's growth after that is not watched on SQLite.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

LOCK_KEY = 7_316_020_416  # pg_advisory_xact_lock: one process analyzes at a time

STALE = text(
    """SELECT c.relname FROM pg_class c
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:names)
      AND ((c.reltuples < 0 AND pg_relation_size(c.oid) > 0)
           OR (c.reltuples = 0 AND coalesce(s.n_live_tup, 0) > 0)
           OR (current_setting('autovacuum') = 'off'
               AND coalesce(s.n_mod_since_analyze, 0) > 50 + 0.1 * greatest(c.reltuples, 0)))
    ORDER BY c.relname"""
)


def stale_tables(connection, names: list[str]) -> list[str]:
    """Which of the tables `names` need `ANALYZE` (see the module's docstring)."""
    return list(connection.execute(STALE, {"names": names}).scalars())


def refresh(engine, names: list[str]) -> list[str]:
    """Analyze those of `names` that need it, one process at a time; return the tables analyzed."""
    if engine.dialect.name == "sqlite":
        return _refresh_sqlite(engine, names)
    if engine.dialect.name != "postgresql":
        return []
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect() as connection, connection.begin():
        connection.execute(text("SET LOCAL statement_timeout = 0"))  # a million rows take a few seconds
        # But never held up for long by a lock: a migration's, or another process's ANALYZE.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        stale = stale_tables(connection, names)  # after the wait: what another process did is not redone
        if stale:
            connection.execute(text("ANALYZE " + ", ".join(quote(name) for name in stale)))
    return stale


def _refresh_sqlite(engine, names: list[str]) -> list[str]:
    quote = engine.dialect.identifier_preparer.quote
    # The check's own engine (see refresh_app) has none of the app's SQLite settings: its reads take no
    # write lock, and ANALYZE, which is not DML, runs and is kept outside any transaction.
    with engine.connect() as connection:
        tables = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
        analyzed = (
            set(connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").scalars())
            if "sqlite_stat1" in tables
            else set()
        )
        stale = [
            name
            for name in names
            if name in tables
            and name not in analyzed
            and connection.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {quote(name)})").scalar()
        ]
        for name in stale:
            connection.exec_driver_sql(f"ANALYZE {quote(name)}")
        connection.commit()
    return stale


def _checkable(url) -> bool:
    """Whether the database at `url` keeps statistics this module reads (not an in-memory SQLite)."""
    return url.get_backend_name() in ("postgresql", "sqlite") and url.database not in (None, "", ":memory:")


def start(app: Flask) -> None:
    """When the app is built (setting DB_ANALYZE_STALE): check now, then, in a web process (not a `flask`
    command, which ends soon), every DB_ANALYZE_CHECK_SECONDS; the stop event in
    `app.extensions["statistics_watch"]`."""
    from ..extensions import db

    refresh_app(app)
    with app.app_context():
        url = db.engine.url
    seconds = app.config["DB_ANALYZE_CHECK_SECONDS"]
    if seconds and _checkable(url) and os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        app.extensions["statistics_watch"] = watch(app, seconds)


def refresh_app(app: Flask) -> list[str]:
    """`refresh` for the app's own tables, logged; a database that cannot be reached is logged, not raised
    (the process starts and the pages work, only perhaps slower until statistics exist).

    On a connection of its own (an engine without a pool, disposed after), never one of the app's pool:
    a process that forks workers after building the app (gunicorn --preload) must not hand them a
    connection, and this check runs in a thread of its own beside the requests."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from ..extensions import db

    with app.app_context():
        url, names = db.engine.url, sorted(db.metadata.tables)
    if not _checkable(url):
        return []
    connect_args = dict((app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("connect_args") or {})
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        analyzed = refresh(engine, names)
    except SQLAlchemyError as exc:
        log.warning("planner statistics not checked: %s", exc.__class__.__name__)
        return []
    except Exception:  # a fault of this check never stops the app
        log.exception("planner statistics not checked")
        return []
    finally:
        engine.dispose()
    if analyzed:
        log.info("planner statistics gathered for %s", ", ".join(analyzed))
    return analyzed


def watch(app: Flask, seconds: float) -> threading.Event:
    """Check every `seconds` in a daemon thread of this process (`refresh_app`); return the event that
    stops it."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(seconds):
            try:
                refresh_app(app)
            except Exception:  # never the end of the thread: the next check tries again
                log.exception("planner statistics check failed")

    threading.Thread(target=run, name="planner-statistics", daemon=True).start()
    return stop
