"""PostgreSQL connections checked before use only when they have sat idle in the pool.

`pool_pre_ping` sends a round trip before every checkout, so every request that reads the database
pays one more trip than it needs while the site is busy. Here a connection is pinged at checkout only
when it has been idle for PING_AFTER_IDLE_SECONDS or more (a server restart or a firewall's idle cut
happens to idle connections); one that fails is replaced, as `pool_pre_ping` does. A connection that
breaks while in steady use fails its request, and SQLAlchemy then replaces every pooled connection
(the pool is invalidated on a disconnect error).
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

PING_AFTER_IDLE_SECONDS = 5.0
_IDLE_SINCE = "idle_since"


def ping_when_idle(engine: Engine) -> None:
    """Install the checkout check on `engine` (whose `pool_pre_ping` is off)."""

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()  # just opened: nothing to check

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool discards this connection and takes another
            raise DisconnectionError(str(exc)) from exc


# --- prepared statements kept between requests (PostgreSQL) ----------------------------------------
#
# psycopg prepares a statement on a connection once it has run it a few times (`prepare_threshold`), so
# the server plans it once instead of on every request: the staff pages' statements join five tables
# and take longer to plan (2-3 ms) than to run. But psycopg forgets them all on every ROLLBACK, and a
# request that only reads ends with one (the session is closed, its transaction rolled back), so none
# was ever kept. A request that wrote nothing has nothing to roll back: ending its transaction with
# COMMIT instead is the same for the data and keeps the statements. Any other request (one that wrote,
# holds unflushed changes, or failed) ends with a rollback as before.

_WROTE = "_feedback_db_wrote"
_READ_ONLY = "_feedback_db_read_only"  # the endpoint of a read-only page (`read_only_pages` below)
_READS = ("SELECT", "SHOW")
_DEFERRED_BEGIN = "BEGIN"  # SQLite's, as db.sqlite issues it for a read-only page


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Anything but a plain SELECT or SHOW counts as a write (a WITH, a savepoint: conservative), and so
    does a BEGIN but SQLite's deferred one, which takes no lock. A read-only page may not write at all,
    nor lock a row (`read_only_pages`)."""
    from flask import g, has_app_context

    if not has_app_context():
        return
    reads = statement.lstrip()[:6].upper().startswith(_READS) or statement == _DEFERRED_BEGIN
    if g.get(_READ_ONLY) and (not reads or " FOR UPDATE" in statement.upper() or " FOR SHARE" in statement.upper()):
        raise ReadOnlyPageWrote(f"a read-only page ({g.get(_READ_ONLY)}) tried to run: {statement[:80]}")
    if not reads and not g.get(_WROTE):
        setattr(g, _WROTE, True)


def commit_read_only_requests(app, db) -> None:
    """End a request that wrote nothing with COMMIT instead of ROLLBACK, on PostgreSQL (see above).

    Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask runs them in reverse)."""
    from flask import g

    @app.teardown_appcontext
    def _end_read_only(exc) -> None:
        if exc is not None or g.get(_WROTE) or g.get(_READ_ONLY) or not db.session.registry.has():
            return  # (a read-only page ran in autocommit: there is no transaction to end)
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        try:
            session.commit()
        except Exception:  # the connection is gone, say: Flask-SQLAlchemy's teardown rolls back and removes
            session.rollback()


# --- pages that only read, without a transaction (PostgreSQL) --------------------------------------
#
# psycopg opens a transaction with a BEGIN round trip before a request's first statement, and the
# request ends it with a COMMIT round trip: two of a staff page's five trips to the server. The pages
# below only ever read, so their statements run in autocommit instead. Under READ COMMITTED every
# statement sees the data committed when it starts, in a transaction or not, so each statement reads
# exactly what it read before; prepared statements are kept as with the COMMIT above. Should one of
# these pages ever try to write (or lock a row), the statement is refused before it reaches the
# server and the request fails: it can never commit a change half made.

READ_ONLY_ENDPOINTS = frozenset({"staff.queue", "staff.ticket", "public.track_token", "public.submitted"})


def in_read_only_page() -> bool:
    """Whether this is a GET of one of the read-only pages (`read_only_pages`), whose statements may not
    write: on SQLite its transaction needs no write lock (`db.sqlite`)."""
    from flask import g, has_app_context

    return has_app_context() and bool(g.get(_READ_ONLY))


class ReadOnlyPageWrote(RuntimeError):
    """A read-only page (READ_ONLY_ENDPOINTS) tried to write or lock (refused by `_note_write`)."""


def read_only_pages(app, db, endpoints: frozenset[str] = READ_ONLY_ENDPOINTS) -> None:
    """Run the GET requests of `endpoints` in autocommit, on PostgreSQL (see above); on SQLite, in a
    transaction that begins without the write lock (`db.sqlite`). On both, a statement of theirs that
    would write or lock is refused (`_note_write`)."""
    from flask import g, request

    @app.before_request
    def _autocommit() -> None:
        if request.method in ("GET", "HEAD") and request.endpoint in endpoints:
            setattr(g, _READ_ONLY, request.endpoint)
            # Before any statement: the user's session is read by the view, after this hook.
            autocommit_request(db)


# --- a request whose one write is one statement (PostgreSQL) ----------------------------------------
#
# A public submission without rate limits writes with exactly one statement (the ticket, its code,
# event, files and acknowledgment: `dialect.insert_family`). A single statement is atomic by itself, so
# it needs no BEGIN and COMMIT round trips around it: in autocommit it is committed (durably, as a
# COMMIT is) when it returns, and a statement that fails leaves nothing behind.


def autocommit_request(db) -> bool:
    """Run this request's statements in autocommit, on PostgreSQL, if none has run yet; return whether
    it does. The caller writes nothing (`read_only_pages`) or one single statement (a second would
    commit on its own)."""
    session = db.session()
    if session.get_bind().dialect.name != "postgresql" or session.in_transaction():
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True
