"""The staff queue's counters (`queue_counts`) and the database triggers that keep them exact.

Every ticket counts once in the row of its key (`KEY`: unit, state, kind, category, assignee; 0 for a
missing unit or assignee). The queue's counts per state under its scope and the filters that are key
columns (unit, kind, category, assignee) are then a sum over a few hundred rows instead of a scan of
the tickets (`services.queue.counts`).

Triggers on `tickets` keep the counters right whoever writes: the workflow, anonymisation, retention, an
import, a test fixture. On PostgreSQL an insert or a delete is counted once per statement from its
transition table (a bulk load of a million rows adds one grouped upsert per statement, not one per
row), an update that changes a key column moves one count (row trigger), and TRUNCATE empties the
counters. SQLite has row triggers only. `differences` compares the counters with a recount.

The migration (i16b_queue_counts) and `create_all` (tests) install them.
"""

from __future__ import annotations

from sqlalchemy import Integer, event, func, literal, select, text, union_all

from ..extensions import db
from ..models import QueueCount, Ticket

KEY = ("unit_id", "state", "kind", "category_id", "assignee_id")
_COLUMNS = ", ".join(KEY)


def _key_sql(row: str) -> list[str]:
    """The key of a ticket as SQL over `row` (NEW, OLD, a transition table or `tickets`)."""
    return [
        f"coalesce({row}.unit_id, 0)",
        f"{row}.state",
        f"coalesce({row}.kind, '')",
        f"coalesce({row}.category_id, 0)",
        f"coalesce({row}.assignee_id, 0)",
    ]


def recount_statement():
    """(key..., n) of every key, counted from the tickets."""
    key = [
        func.coalesce(Ticket.unit_id, 0),
        Ticket.state,
        func.coalesce(Ticket.kind, ""),
        func.coalesce(Ticket.category_id, 0),
        func.coalesce(Ticket.assignee_id, 0),
    ]
    return select(*[k.label(name) for k, name in zip(key, KEY, strict=True)], func.count().label("n")).group_by(*key)


def _add_one(row: str) -> str:
    return (
        f"INSERT INTO queue_counts ({_COLUMNS}, n) VALUES ({', '.join(_key_sql(row))}, 1) "
        f"ON CONFLICT ({_COLUMNS}) DO UPDATE SET n = queue_counts.n + 1"
    )


def _take_one(row: str) -> str:
    return f"UPDATE queue_counts SET n = n - 1 WHERE ({_COLUMNS}) = ({', '.join(_key_sql(row))})"


def trigger_ddl(dialect_name: str) -> list[str]:
    """The statements installing the triggers on PostgreSQL or SQLite (idempotent)."""
    old, new = _key_sql("OLD"), _key_sql("NEW")
    if dialect_name == "postgresql":
        grouped = "SELECT {keys}, count(*) AS n FROM {table} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        added = grouped.format(keys=", ".join(_key_sql("added")), table="added")
        removed = grouped.format(
            keys=", ".join(f"{k} AS {c}" for k, c in zip(_key_sql("removed"), KEY, strict=True)), table="removed"
        )
        return [
            f"""CREATE OR REPLACE FUNCTION queue_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_counts ({_COLUMNS}, n) {added}
  ON CONFLICT ({_COLUMNS}) DO UPDATE SET n = queue_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION queue_counts_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE queue_counts AS q SET n = q.n - d.n FROM ({removed}) AS d
  WHERE ({", ".join(f"q.{c}" for c in KEY)}) = ({", ".join(f"d.{c}" for c in KEY)});
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION queue_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_take_one("OLD")};
  {_add_one("NEW")};
  RETURN NULL;
END $$""",
            """CREATE OR REPLACE FUNCTION queue_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM queue_counts; RETURN NULL; END $$""",
            *[
                f"DROP TRIGGER IF EXISTS queue_counts_{op} ON tickets"
                for op in ("insert", "delete", "update", "truncate")
            ],
            "CREATE TRIGGER queue_counts_insert AFTER INSERT ON tickets REFERENCING NEW TABLE AS added "
            "FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_add()",
            "CREATE TRIGGER queue_counts_delete AFTER DELETE ON tickets REFERENCING OLD TABLE AS removed "
            "FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_take()",
            f"CREATE TRIGGER queue_counts_update AFTER UPDATE OF {_COLUMNS} ON tickets FOR EACH ROW "
            f"WHEN (ROW({', '.join(old)}) IS DISTINCT FROM ROW({', '.join(new)})) "
            "EXECUTE FUNCTION queue_counts_move()",
            "CREATE TRIGGER queue_counts_truncate AFTER TRUNCATE ON tickets FOR EACH STATEMENT "
            "EXECUTE FUNCTION queue_counts_clear()",
        ]
    return [
        *[f"DROP TRIGGER IF EXISTS queue_counts_{op}" for op in ("insert", "delete", "update")],
        f"CREATE TRIGGER queue_counts_insert AFTER INSERT ON tickets BEGIN {_add_one('new')}; END",
        f"CREATE TRIGGER queue_counts_delete AFTER DELETE ON tickets BEGIN {_take_one('old')}; END",
        f"CREATE TRIGGER queue_counts_update AFTER UPDATE OF {_COLUMNS} ON tickets "
        f"WHEN ({', '.join(_key_sql('old'))}) IS NOT ({', '.join(_key_sql('new'))}) "
        f"BEGIN {_take_one('old')}; {_add_one('new')}; END",
    ]


def drop_ddl(dialect_name: str) -> list[str]:
    if dialect_name == "postgresql":
        return [
            *[
                f"DROP TRIGGER IF EXISTS queue_counts_{op} ON tickets"
                for op in ("insert", "delete", "update", "truncate")
            ],
            *[f"DROP FUNCTION IF EXISTS queue_counts_{f}()" for f in ("add", "take", "move", "clear")],
        ]
    return [f"DROP TRIGGER IF EXISTS queue_counts_{op}" for op in ("insert", "delete", "update")]


def install(connection) -> None:
    """The triggers, on the connection's database (PostgreSQL or SQLite)."""
    for statement in trigger_ddl(connection.dialect.name):
        connection.execute(text(statement))


def rebuild(connection) -> int:
    """Recount the counters from the tickets (the migration's fill); returns the number of rows."""
    connection.execute(QueueCount.__table__.delete())
    connection.execute(QueueCount.__table__.insert().from_select([*KEY, "n"], recount_statement()))
    return connection.execute(select(func.count()).select_from(QueueCount)).scalar_one()


def differences(connection) -> list[tuple[tuple, int, int]]:
    """(key, kept count, recount) of every key where the counters and a recount of the tickets differ."""
    kept = select(
        *[getattr(QueueCount, k).label(k) for k in KEY],
        QueueCount.n.label("kept"),
        literal(0, Integer).label("counted"),
    )
    recount = recount_statement().subquery()
    counted = select(*[recount.c[k] for k in KEY], literal(0, Integer).label("kept"), recount.c.n.label("counted"))
    both = union_all(kept, counted).subquery()
    group = [both.c[k] for k in KEY]
    rows = connection.execute(
        select(*group, func.sum(both.c.kept), func.sum(both.c.counted)).group_by(*group).order_by(*group)
    ).all()
    return [(tuple(row[:5]), int(row[5]), int(row[6])) for row in rows if int(row[5]) != int(row[6])]


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kw) -> None:
    """`create_all` (the tests, a fresh development database) installs the triggers too."""
    if connection.dialect.name in ("postgresql", "sqlite"):
        install(connection)
