"""SQLite settings for the embedded default: WAL, foreign keys, and write-safe transactions."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from ..extensions import db
from .pool import in_read_only_page

# Set in a context whose transactions only read or run alone (the test suite's own session): they start
# with a deferred BEGIN so that, in WAL mode, they never hold the write lock while requests run.
deferred_begin: ContextVar[bool] = ContextVar("deferred_begin", default=False)


def owner_only(database: str) -> None:
    """Make the database file and its WAL companions readable and writable by their owner only (0600)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(database + suffix)
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:  # not ours to change (a read-only mount): SQLite reports real problems itself
            pass


def configure_sqlite(app: Flask) -> None:
    """Turn on WAL, foreign keys and a busy timeout, and start every transaction with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes the write lock up front, so two workers that read then write (claiming an
    outbox row, allocating a tracking code) queue behind each other instead of failing with "database
    is locked" when both try to upgrade a read lock. The read-only pages (`pool.read_only_pages`, which
    refuses any write of theirs) begin without it: in WAL mode they read beside the writer.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            owner_only(engine.url.database)  # before WAL: SQLite gives -wal and -shm the file's mode
            cursor.execute("PRAGMA journal_mode=WAL")
            owner_only(engine.url.database)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A read-only page (staff queue and ticket, tracking, confirmation) never writes, which
        # `pool.read_only_pages` enforces: it reads a snapshot without the write lock, beside the writers.
        deferred = deferred_begin.get() or in_read_only_page()
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
