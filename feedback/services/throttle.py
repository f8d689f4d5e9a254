"""Rate limits shared by every web worker, counted in the `rate_events` table.

A limit is checked and counted inside one transaction that first takes a lock on its key: a
transaction-level advisory lock on PostgreSQL (held until commit or rollback), the write lock that
BEGIN IMMEDIATE already holds on SQLite. Two requests for the same key therefore queue behind each
other, and N parallel requests can never pass a limit below N.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from flask_babel import gettext as _
from sqlalchemy import text

from ..extensions import db
from ..models import RateEvent
from ..timeutil import to_local

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on; if not, how many seconds until it may."""

    allowed: bool
    retry_after: int = 0


ALLOWED = Verdict(True, 0)


def _lock_key(scope: str, key: str) -> int:
    digest = hashlib.sha256(f"rate:{scope}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock(scope: str, key: str) -> None:
    """Serialise the requests of one (scope, key) until the end of the transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(scope, key)})


def _window(scope: str, key: str, since: datetime):
    return db.session.execute(
        db.select(db.func.count(RateEvent.id), db.func.min(RateEvent.at), db.func.max(RateEvent.at)).where(
            RateEvent.scope == scope, RateEvent.key == key, RateEvent.at >= since
        )
    ).one()


def check(scope: str, key: str, limit: int, window: int, now: datetime) -> Verdict:
    """At most `limit` events of (scope, key) in the last `window` seconds (takes the key's lock)."""
    lock(scope, key)
    count, oldest, _newest = _window(scope, key, now - timedelta(seconds=window))
    if count < limit:
        return ALLOWED
    # Events leave the window oldest first; when enough have left, the next request passes. With
    # more than `limit` events (a lower limit than before) waiting for the oldest one is a lower bound.
    if oldest is None:  # a limit of 0 and nothing in the window: wait a whole window
        return Verdict(False, max(1, window))
    wait = (oldest + timedelta(seconds=window) - now).total_seconds()
    return Verdict(False, max(1, math.ceil(wait)))


def backoff(scope: str, key: str, free: int, base: int, cap: int, window: int, now: datetime) -> Verdict:
    """Growing delays: after `free` events of (scope, key) within `window` seconds, the next one must
    wait base, 2·base, 4·base ... (at most `cap`) seconds after the last one (takes the key's lock)."""
    lock(scope, key)
    count, _oldest, newest = _window(scope, key, now - timedelta(seconds=window))
    if count < free:
        return ALLOWED
    delay = min(cap, base * 2 ** min(count - free, 30))
    if newest is None:  # no free events and nothing in the window yet
        return ALLOWED
    wait = (newest + timedelta(seconds=delay) - now).total_seconds()
    return ALLOWED if wait <= 0 else Verdict(False, max(1, math.ceil(wait)))


def record(scope: str, key: str, now: datetime) -> None:
    """Count one event (flushed with the caller's transaction)."""
    db.session.add(RateEvent(scope=scope, key=key[:300], at=now))


def forget(scope: str, key: str) -> None:
    """Drop the events of (scope, key), e.g. the failures of a sign-in that then succeeded."""
    db.session.execute(db.delete(RateEvent).where(RateEvent.scope == scope, RateEvent.key == key))


def prune(before: datetime) -> int:
    """Delete events older than `before` (no limit looks further back); return how many."""
    # A DML statement's result (Session.execute is typed with the base Result, which has no rowcount).
    result = cast("CursorResult[Any]", db.session.execute(db.delete(RateEvent).where(RateEvent.at < before)))
    return result.rowcount or 0


def digest(value: str) -> str:
    """A key that does not store a secret (an API key) in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def retry_message(verdict: Verdict, now: datetime) -> str:
    """ "Try again in N minutes (at HH:MM)", in the user's language."""
    minutes = max(1, math.ceil(verdict.retry_after / 60))
    at = to_local(now + timedelta(seconds=verdict.retry_after)).strftime("%H:%M")
    return _("Vui lòng thử lại sau %(minutes)d phút (sau %(time)s).", minutes=minutes, time=at)
