"""The report cache (`report_cache`) and the change counters that keep it exact (`report_versions`).

A period's report is counted from the tickets in one pass (`services.reports._tally`); its result (a
few thousand (group, status, days, count) rows and the ids of the tickets its short lists show) is
kept in `report_cache` with the change counter of every month of receipt of the period as read
before counting. Database triggers on `tickets` add one to the counter of a month whenever a ticket
received in it is inserted or deleted, or one of the columns a report reads (`WATCHED`) changes,
once per statement (transition tables: a bulk load bumps each month once, not once per row);
TRUNCATE bumps every month. PostgreSQL only (`enabled`). A kept result is used only while every counter
of its months is what it was when it was counted, and a result is kept only when the counters did
not move while it was being counted: what the page shows is always what a recount would give.

What the counters cannot see is in the key instead: the period, the as-of day, the working days of
the period (the calendar), the list size and the time zone. Names (units, categories, assignees,
reasons) are not kept: the listed tickets are read again by id, the labels looked up each time.

The migration (i16b_report_cache) and `ensure_cache_schema` (tests' `create_all`) install the
triggers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import delete, event, select, text

from ..extensions import db
from ..models import REPORT_COLUMNS, ReportCache, ReportVersion
from ..timeutil import utcnow

# Every tickets column the report's tally or its short lists read (services/reports.py).
WATCHED = ("received_on", *REPORT_COLUMNS)
KEEP = 64  # results kept (the oldest are dropped beyond this)
FORMAT = 2  # bump when the payload's layout changes


def _month(row: str) -> str:
    return f"to_char({row}.received_on, 'YYYY-MM')"


# A new counter value is drawn at random, not added to: a bump rolled back never comes back as the
# value of a later change, so a result counted inside a transaction that is then rolled back can never
# pass for a later state of the month.
_DRAW = "(floor(random() * 9.0e15))::bigint"


def trigger_ddl(dialect_name: str) -> list[str]:
    """The statements installing the counters' triggers (PostgreSQL; idempotent)."""
    if dialect_name != "postgresql":
        return []
    bump = (
        f"INSERT INTO report_versions (received_month, version) SELECT m, {_DRAW} FROM ({{months}}) AS changed(m) "
        f"GROUP BY m ORDER BY m ON CONFLICT (received_month) DO UPDATE SET version = {_DRAW}"
    )
    distinct = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in WATCHED)
    pairs = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE {distinct}"
    changed = f"SELECT {_month('o')} FROM {pairs} UNION SELECT {_month('n')} FROM {pairs}"
    return [
        f"""CREATE OR REPLACE FUNCTION report_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {bump.format(months=f"SELECT {_month('new_rows')} FROM new_rows")};
  ELSIF TG_OP = 'DELETE' THEN {bump.format(months=f"SELECT {_month('old_rows')} FROM old_rows")};
  ELSIF TG_OP = 'UPDATE' THEN {bump.format(months=changed)};
  ELSE UPDATE report_versions SET version = {_DRAW};
  END IF;
  RETURN NULL;
END $$""",
        *[f"DROP TRIGGER IF EXISTS report_versions_{op} ON tickets" for op in OPERATIONS],
        "CREATE TRIGGER report_versions_insert AFTER INSERT ON tickets REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump()",
        "CREATE TRIGGER report_versions_delete AFTER DELETE ON tickets REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump()",
        "CREATE TRIGGER report_versions_update AFTER UPDATE ON tickets "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump()",
        "CREATE TRIGGER report_versions_truncate AFTER TRUNCATE ON tickets "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_versions_bump()",
    ]


OPERATIONS = ("insert", "delete", "update", "truncate")


def drop_ddl(dialect_name: str) -> list[str]:
    if dialect_name != "postgresql":
        return []
    return [
        *[f"DROP TRIGGER IF EXISTS report_versions_{op} ON tickets" for op in OPERATIONS],
        "DROP FUNCTION IF EXISTS report_versions_bump()",
    ]


def install(connection) -> None:
    for statement in trigger_ddl(connection.dialect.name):
        connection.execute(text(statement))


def enabled() -> bool:
    """The cache is used on PostgreSQL (elsewhere every request holds the write lock, so a result
    could not be kept from a transaction of its own; the report is counted each time)."""
    return db.session.get_bind().dialect.name == "postgresql"


def months_of(first: date, last: date) -> list[str]:
    """'YYYY-MM' of every month from `first`'s to `last`'s."""
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def versions(first: date, last: date) -> dict[str, int]:
    """The change counters of the months of receipt from `first`'s to `last`'s (0: never written)."""
    months = months_of(first, last)
    found = dict(
        db.session.execute(
            select(ReportVersion.received_month, ReportVersion.version).where(
                ReportVersion.received_month >= months[0], ReportVersion.received_month <= months[-1]
            )
        ).all()
    )
    return {m: int(found.get(m, 0)) for m in months}


def key_of(*parts: Any) -> str:
    return hashlib.sha256(json.dumps([FORMAT, *parts], default=str).encode()).hexdigest()


def cached(key: str, first: date, last: date, compute: Callable[[], Any]) -> Any:
    """The kept result of `key` when the counters of its months are unchanged, else `compute()` (kept
    when the counters did not move meanwhile). The result must be plain JSON data."""
    before = versions(first, last)
    stamp = json.dumps(before, sort_keys=True)
    kept = db.session.execute(
        select(ReportCache.payload).where(ReportCache.key == key, ReportCache.versions == stamp)
    ).scalar_one_or_none()
    if kept is not None:
        return json.loads(kept)
    result = compute()
    if versions(first, last) == before:  # nothing committed meanwhile
        _keep(key, stamp, json.dumps(result, default=str))
    return result


def _keep(key: str, stamp: str, payload: str) -> None:
    """Write the result in a transaction of its own (the request's is left as it is); a concurrent
    writer of the same key wins quietly."""
    try:
        with db.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '500ms'"))  # never wait long on a cache row
            connection.execute(delete(ReportCache).where(ReportCache.key == key))
            connection.execute(
                ReportCache.__table__.insert().values(key=key, versions=stamp, payload=payload, computed_at=utcnow())
            )
            old = (
                select(ReportCache.key)
                .order_by(ReportCache.computed_at.desc(), ReportCache.key)
                .offset(KEEP)
                .subquery()
            )
            connection.execute(delete(ReportCache).where(ReportCache.key.in_(select(old.c.key))))
    except Exception:  # a cache write that loses a race or times out changes nothing
        return


def clear() -> None:
    db.session.execute(delete(ReportCache))


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kw) -> None:
    """`create_all` (the tests, a fresh development database) installs the triggers too."""
    install(connection)
