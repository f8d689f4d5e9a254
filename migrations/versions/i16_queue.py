"""staff queue at scale (issue 16): partial and composite indexes in the queue's (due_date, id) order, and
the staff search text with its trigram index (pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite)

tickets.staff_search holds the eight fields the staff search covers, folded like feedback/db/search.py
`fold()`; it is filled here for existing rows and kept by the application (and on PostgreSQL by a
trigger). The search objects are raw DDL (the same statements as `POSTGRESQL_STAFF_DDL` and
`SQLITE_STAFF_DDL` there), excluded from `flask db check` by `is_search_object`.

Revision ID: i16_queue
Revises: i10_drop_lockout_columns
Create Date: 2026-12-02 01:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "i16_queue"
down_revision = "i10_drop_lockout_columns"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('assigned', 'in_progress', 'needs_info', 'new', 'pending_approval')")
RUNNING = sa.text("state IN ('assigned', 'in_progress', 'new', 'pending_approval')")
FIELDS = ("code", "title", "content", "organization", "name", "email", "tax_code", "phone")
DIGITS = "regexp_replace({}phone, '[^0-9]', '', 'g')"
CONCAT = "concat_ws(' ', " + ", ".join(FIELDS) + ", " + DIGITS.format("") + ")"

POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE OR REPLACE FUNCTION feedback_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, "
    "normalize(coalesce(value, ''), NFC))), '\\s+', ' ', 'g')) $$",
    "CREATE OR REPLACE FUNCTION tickets_staff_search() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN NEW.staff_search := feedback_fold(concat_ws(' ', "
    + ", ".join(f"NEW.{f}" for f in FIELDS)
    + ", "
    + DIGITS.format("NEW.")
    + ")); RETURN NEW; END $$",
    "CREATE OR REPLACE TRIGGER tickets_staff_search_insert BEFORE INSERT ON tickets FOR EACH ROW "
    "WHEN (NEW.staff_search IS NULL) EXECUTE FUNCTION tickets_staff_search()",
    "CREATE OR REPLACE TRIGGER tickets_staff_search BEFORE UPDATE OF "
    + ", ".join(FIELDS)
    + " ON tickets FOR EACH ROW WHEN (NEW.staff_search IS NOT DISTINCT FROM OLD.staff_search) "
    "EXECUTE FUNCTION tickets_staff_search()",
)
PG_INDEX = "CREATE INDEX IF NOT EXISTS ix_tickets_staff_search_trgm ON tickets USING gin (staff_search gin_trgm_ops)"
FTS = "ticket_search_staff"
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "staff_search, content = 'tickets', content_rowid = 'id', tokenize = 'trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON tickets "
    f"WHEN new.staff_search IS NOT NULL BEGIN "
    f"INSERT INTO {FTS} (rowid, staff_search) VALUES (new.id, new.staff_search); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON tickets "
    f"WHEN old.staff_search IS NOT NULL BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, staff_search) VALUES ('delete', old.id, old.staff_search); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF staff_search ON tickets BEGIN "
    f"INSERT INTO {FTS} ({FTS}, rowid, staff_search) "
    "SELECT 'delete', old.id, old.staff_search WHERE old.staff_search IS NOT NULL; "
    f"INSERT INTO {FTS} (rowid, staff_search) "
    "SELECT new.id, new.staff_search WHERE new.staff_search IS NOT NULL; END",
)


def _fold(value):
    # feedback/db/search.py fold(), repeated so that the migration does not depend on application code.
    import unicodedata

    value = unicodedata.normalize("NFC", value or "").replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).lower().split())


def _digits(phone):
    return "".join(c for c in phone if c in "0123456789") if phone else None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Filling and indexing a million rows takes minutes: the application's statement timeout is lifted.
        op.execute("SET LOCAL statement_timeout = 0")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_search", sa.Text(), nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_open_due_id", ["due_date", "id"], unique=False, postgresql_where=OPEN, sqlite_where=OPEN
        )
        batch_op.create_index(
            "ix_tickets_open_unit_due_id",
            ["unit_id", "due_date", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.create_index(
            "ix_tickets_open_assignee_due_id",
            ["assignee_id", "due_date", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.create_index(
            "ix_tickets_running_due_id",
            ["due_date", "id"],
            unique=False,
            postgresql_where=RUNNING,
            sqlite_where=RUNNING,
        )
        batch_op.create_index("ix_tickets_state_due_id", ["state", "due_date", "id"], unique=False)
        batch_op.create_index("ix_tickets_unit_state_due_id", ["unit_id", "state", "due_date", "id"], unique=False)
    if bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_DDL:
            op.execute(sa.text(statement))
        op.execute(sa.text(f"UPDATE tickets SET staff_search = feedback_fold({CONCAT})"))
        op.execute(sa.text(PG_INDEX))
        return
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("staff_search", sa.Text),
        *[sa.column(f, sa.Text) for f in FIELDS],
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(tickets.c.id, *[tickets.c[f] for f in FIELDS])
            .where(tickets.c.id > last)
            .order_by(tickets.c.id)
            .limit(2000)
        ).all()
        if not rows:
            break
        bind.execute(
            tickets.update().where(tickets.c.id == sa.bindparam("tid")).values(staff_search=sa.bindparam("folded")),
            [{"tid": r[0], "folded": _fold(" ".join(p for p in (*r[1:], _digits(r[-1])) if p))} for r in rows],
        )
        last = rows[-1][0]
    for statement in SQLITE_DDL:
        op.execute(sa.text(statement))
    op.execute(sa.text(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')"))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tickets_staff_search ON tickets")
        op.execute("DROP TRIGGER IF EXISTS tickets_staff_search_insert ON tickets")
        op.execute("DROP FUNCTION IF EXISTS tickets_staff_search()")
        op.execute("DROP INDEX IF EXISTS ix_tickets_staff_search_trgm")
    else:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in (
            "ix_tickets_unit_state_due_id",
            "ix_tickets_state_due_id",
            "ix_tickets_running_due_id",
            "ix_tickets_open_assignee_due_id",
            "ix_tickets_open_unit_due_id",
            "ix_tickets_open_due_id",
        ):
            batch_op.drop_index(name)
        batch_op.drop_column("staff_search")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS feedback_fold(text)")
