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
