"""The report summary (`report_summary`) and the database triggers that keep it exact.

Every ticket counts once in the row of its key (`key_columns`: unit, state, month received, month
answered, on-time verdict). Triggers on `tickets` move the count when a key column changes, add it on
insert and take it away on delete (and empty the summary on TRUNCATE), so the summary is right
whoever writes the tickets: the workflow, a calendar recheck, anonymisation, retention, an import or
a test fixture. The trigger's key is compiled from the same SQLAlchemy expressions the recount uses
(`recount_statement`), and the on-time verdict is `services.outcomes.answered_on_time`: no second
definition. `flask reports verify` compares the two (`differences`).

The migration (i16_report_summary) and `ensure_summary_schema` (tests' `create_all`) install it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Integer, case, event, func, literal, select, text, union_all

from ..extensions import db
from ..models import ReportSummary, Ticket

KEY = ("unit_id", "state", "received_month", "answered_month", "on_time")
WATCHED = ("unit_id", "state", "received_on", "answered_on", "on_time", "due_date")  # what the key reads


def month(column, dialect: str):
    """'YYYY-MM' of a date column."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def key_columns(dialect: str) -> list:
    """The summary key of a ticket as SQL expressions over `tickets`, in the order of `KEY`."""
    from ..services.outcomes import answered_on_time

    return [
        func.coalesce(Ticket.unit_id, 0),
        Ticket.state,
        month(Ticket.received_on, dialect),
        func.coalesce(month(Ticket.answered_on, dialect), ""),
        case((Ticket.answered_on.is_(None), -1), (answered_on_time(), 1), else_=0),
    ]


def recount_statement(dialect: str):
    """(key..., n) of every key, counted from the tickets."""
    key = key_columns(dialect)
    return select(*[k.label(name) for k, name in zip(key, KEY, strict=True)], func.count().label("n")).group_by(*key)


def _sql_of(expression, dialect_obj, row: str) -> str:
    """An expression over `tickets` compiled for a trigger, reading the NEW or OLD row."""
    sql = str(expression.compile(dialect=dialect_obj, compile_kwargs={"literal_binds": True}))
    return sql.replace("tickets.", f"{row}.")


def trigger_ddl(dialect_obj) -> list[str]:
    """The statements installing the triggers on PostgreSQL or SQLite (idempotent)."""
    name = dialect_obj.name
    keys = {row: [_sql_of(k, dialect_obj, row) for k in key_columns(name)] for row in ("NEW", "OLD")}
    columns = ", ".join(KEY)
    add = (
        f"INSERT INTO report_summary ({columns}, n) VALUES ({', '.join(keys['NEW'])}, 1) "
        f"ON CONFLICT ({columns}) DO UPDATE SET n = report_summary.n + 1"
    )
    take = f"UPDATE report_summary SET n = n - 1 WHERE ({columns}) = ({', '.join(keys['OLD'])})"
    watched = ", ".join(WATCHED)
    if name == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION report_summary_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {take}; END IF;
  IF TG_OP <> 'DELETE' THEN {add}; END IF;
  RETURN NULL;
END $$""",
            """CREATE OR REPLACE FUNCTION report_summary_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM report_summary; RETURN NULL; END $$""",
            "DROP TRIGGER IF EXISTS report_summary_write ON tickets",
            "DROP TRIGGER IF EXISTS report_summary_change ON tickets",
            "DROP TRIGGER IF EXISTS report_summary_truncate ON tickets",
            "CREATE TRIGGER report_summary_write AFTER INSERT OR DELETE ON tickets FOR EACH ROW "
            "EXECUTE FUNCTION report_summary_sync()",
            f"CREATE TRIGGER report_summary_change AFTER UPDATE OF {watched} ON tickets FOR EACH ROW "
            f"WHEN (ROW({', '.join(keys['OLD'])}) IS DISTINCT FROM ROW({', '.join(keys['NEW'])})) "
            "EXECUTE FUNCTION report_summary_sync()",
            "CREATE TRIGGER report_summary_truncate AFTER TRUNCATE ON tickets FOR EACH STATEMENT "
            "EXECUTE FUNCTION report_summary_clear()",
        ]
    return [
        "DROP TRIGGER IF EXISTS report_summary_insert",
        "DROP TRIGGER IF EXISTS report_summary_delete",
        "DROP TRIGGER IF EXISTS report_summary_update",
        f"CREATE TRIGGER report_summary_insert AFTER INSERT ON tickets BEGIN {add}; END",
        f"CREATE TRIGGER report_summary_delete AFTER DELETE ON tickets BEGIN {take}; END",
        f"CREATE TRIGGER report_summary_update AFTER UPDATE OF {watched} ON tickets "
        f"WHEN ({', '.join(keys['OLD'])}) IS NOT ({', '.join(keys['NEW'])}) BEGIN {take}; {add}; END",
    ]


def drop_ddl(dialect_name: str) -> list[str]:
    if dialect_name == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS report_summary_write ON tickets",
            "DROP TRIGGER IF EXISTS report_summary_change ON tickets",
            "DROP TRIGGER IF EXISTS report_summary_truncate ON tickets",
            "DROP FUNCTION IF EXISTS report_summary_sync()",
            "DROP FUNCTION IF EXISTS report_summary_clear()",
        ]
    return [f"DROP TRIGGER IF EXISTS report_summary_{op}" for op in ("insert", "delete", "update")]


def rebuild(connection) -> int:
    """Recount the summary from the tickets (the migration's fill); returns the number of rows."""
    name = connection.dialect.name
    connection.execute(ReportSummary.__table__.delete())
    connection.execute(ReportSummary.__table__.insert().from_select([*KEY, "n"], recount_statement(name)))
    return connection.execute(select(func.count()).select_from(ReportSummary)).scalar_one()


def install(connection) -> None:
    """The triggers, on the connection's database (PostgreSQL or SQLite)."""
    for statement in trigger_ddl(connection.dialect):
        connection.execute(text(statement))


def differences(connection, months: tuple[date, date] | None = None) -> tuple[list[tuple[tuple, int, int]], int]:
    """(key, summary count, recount) of every key where they differ, and how many keys were compared;
    `months` (two days) narrows both to the months of receipt from the first's to the second's. Read in
    one statement (one snapshot: a ticket written meanwhile cannot make a false difference)."""
    name = connection.dialect.name
    kept_where, counted_where = [], []
    if months:
        first, last = months
        kept_where = [ReportSummary.received_month >= f"{first:%Y-%m}", ReportSummary.received_month <= f"{last:%Y-%m}"]
        counted_where = [
            Ticket.received_on >= first.replace(day=1),
            Ticket.received_on < (last.replace(day=28) + timedelta(days=4)).replace(day=1),
        ]
    summary = select(
        *[getattr(ReportSummary, k).label(k) for k in KEY],
        ReportSummary.n.label("kept"),
        literal(0, Integer).label("counted"),
    ).where(*kept_where)
    recount = recount_statement(name).where(*counted_where).subquery()
    counted = select(*[recount.c[k] for k in KEY], literal(0, Integer).label("kept"), recount.c.n.label("counted"))
    both = union_all(summary, counted).subquery()
    group = [both.c[k] for k in KEY]
    kept, counted_n = func.sum(both.c.kept).label("kept"), func.sum(both.c.counted).label("counted")
    rows = connection.execute(select(*group, kept, counted_n).group_by(*group).order_by(*group)).all()
    diffs = [(tuple(row[:5]), int(row[5]), int(row[6])) for row in rows if int(row[5]) != int(row[6])]
    return diffs, sum(1 for row in rows if int(row[6]))


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kw) -> None:
    """`create_all` (the tests, a fresh development database) installs the triggers too."""
    if connection.dialect.name in ("postgresql", "sqlite"):
        install(connection)
