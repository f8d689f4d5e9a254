"""Accent-insensitive full-text search over published results (PostgreSQL and SQLite).

`Ticket.search_text` holds the public text without diacritics and in lower case (set by the
publication service). On PostgreSQL a GIN index on ``to_tsvector('simple', search_text)`` serves
``plainto_tsquery('simple', unaccent(:q))``; on SQLite an FTS5 table (``ticket_search``, rowid =
ticket id, tokenizer ``unicode61 remove_diacritics 2``) is kept in sync by the service.

Staff search (the queue's search box) covers every ticket, not only published ones, over eight
fields: code, title, content, organisation, contact name, e-mail, tax code and phone. `Ticket.staff_search`
holds them folded like `fold()`; it is set on every flush that changes one of them (`_fill_staff_search`,
so intake, registration, corrections and anonymisation alike); on PostgreSQL, triggers with the same
folding in SQL (`feedback_fold`: NFC, unaccent, lower case, one-spaced) fill it for rows written without
it (COPY, SQL updates of the fields), so those are searchable too. PostgreSQL serves
``staff_search LIKE '%term%'`` from a GIN trigram index (pg_trgm); SQLite from an external-content FTS5
table with the trigram tokenizer (``ticket_search_staff``), kept in line by triggers on ``tickets``.

These objects are not ORM tables, so `db.create_all()` does not make them: `ensure_search_schema()`
creates them (tests call it; the migrations run the same DDL, see `POSTGRESQL_DDL`/`SQLITE_DDL`).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Engine, and_, event, literal_column, text
from sqlalchemy.orm import Session, attributes
from sqlalchemy.sql.elements import ColumnElement

from ..domain.redaction import strip_accents
from ..extensions import db
from ..models import Ticket

_WORD = re.compile(r"\w+")

FTS_TABLE = "ticket_search"
GIN_INDEX = "ix_tickets_search_fts"

STAFF_FTS_TABLE = "ticket_search_staff"
STAFF_TRGM_INDEX = "ix_tickets_staff_search_trgm"
# The fields the staff search covers, in the order they are joined into `Ticket.staff_search`.
STAFF_FIELDS = ("code", "title", "content", "organization", "name", "email", "tax_code", "phone")
# ... followed by the phone's digits alone, so that "0983112233" finds "0983 112 233" as typed.
_STAFF_CONCAT = (
    "concat_ws(' ', " + ", ".join(f"NEW.{f}" for f in STAFF_FIELDS) + ", regexp_replace(NEW.phone, '[^0-9]', '', 'g'))"
)
_NOT_DIGIT = re.compile(r"[^0-9]")

POSTGRESQL_STAFF_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # `fold()` in SQL; immutable (unaccent with a fixed dictionary) so that it may serve an index.
    "CREATE OR REPLACE FUNCTION feedback_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, "
    "normalize(coalesce(value, ''), NFC))), '\\s+', ' ', 'g')) $$",
    "CREATE OR REPLACE FUNCTION tickets_staff_search() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN NEW.staff_search := feedback_fold({_STAFF_CONCAT}); RETURN NEW; END $$",
    # Only for writes that did not set it (the application always does): rows copied in or updated in SQL.
    "CREATE OR REPLACE TRIGGER tickets_staff_search_insert BEFORE INSERT ON tickets FOR EACH ROW "
    "WHEN (NEW.staff_search IS NULL) EXECUTE FUNCTION tickets_staff_search()",
    "CREATE OR REPLACE TRIGGER tickets_staff_search BEFORE UPDATE OF "
    + ", ".join(STAFF_FIELDS)
    + " ON tickets FOR EACH ROW WHEN (NEW.staff_search IS NOT DISTINCT FROM OLD.staff_search) "
    "EXECUTE FUNCTION tickets_staff_search()",
    f"CREATE INDEX IF NOT EXISTS {STAFF_TRGM_INDEX} ON tickets USING gin (staff_search gin_trgm_ops)",
)
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON tickets USING gin (to_tsvector('simple'::regconfig, search_text))",
    *POSTGRESQL_STAFF_DDL,
)
SQLITE_STAFF_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {STAFF_FTS_TABLE} USING fts5("
    "staff_search, content = 'tickets', content_rowid = 'id', tokenize = 'trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {STAFF_FTS_TABLE}_ai AFTER INSERT ON tickets "
    f"WHEN new.staff_search IS NOT NULL BEGIN "
    f"INSERT INTO {STAFF_FTS_TABLE} (rowid, staff_search) VALUES (new.id, new.staff_search); END",
    f"CREATE TRIGGER IF NOT EXISTS {STAFF_FTS_TABLE}_ad AFTER DELETE ON tickets "
    f"WHEN old.staff_search IS NOT NULL BEGIN "
    f"INSERT INTO {STAFF_FTS_TABLE} ({STAFF_FTS_TABLE}, rowid, staff_search) "
    "VALUES ('delete', old.id, old.staff_search); END",
    f"CREATE TRIGGER IF NOT EXISTS {STAFF_FTS_TABLE}_au AFTER UPDATE OF staff_search ON tickets BEGIN "
    f"INSERT INTO {STAFF_FTS_TABLE} ({STAFF_FTS_TABLE}, rowid, staff_search) "
    "SELECT 'delete', old.id, old.staff_search WHERE old.staff_search IS NOT NULL; "
    f"INSERT INTO {STAFF_FTS_TABLE} (rowid, staff_search) "
    "SELECT new.id, new.staff_search WHERE new.staff_search IS NOT NULL; END",
)
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, tokenize = 'unicode61 remove_diacritics 2')",
    *SQLITE_STAFF_DDL,
)


def ensure_search_schema(engine: Engine) -> None:
    """Create the search extension and index (PostgreSQL) or FTS5 table (SQLite) if missing."""
    statements = POSTGRESQL_DDL if engine.dialect.name == "postgresql" else SQLITE_DDL
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a reflected object belongs to search (for Alembic's include_object: not drift)."""
    if not name:
        return False
    return (type_ == "index" and name in (GIN_INDEX, STAFF_TRGM_INDEX)) or (
        type_ == "table" and name.startswith((FTS_TABLE, STAFF_FTS_TABLE))
    )


def fold(value: str | None) -> str:
    """Text as it is stored and searched: NFC, without diacritics (đ→d), lower case, one-spaced."""
    value = unicodedata.normalize("NFC", value or "")
    return " ".join(strip_accents(value).lower().split())


def search_text_for(*parts: str | None) -> str:
    """The search text of a published ticket from its public parts (code, title, summary, answer).

    Only the words, space-separated: PostgreSQL's parser would otherwise read "pakn-2026-000042" as
    'pakn', '-2026', '-000042' (signed numbers) or "23/2013/tt-bkhcn" as a file path, and a query
    (split the same way by `query_words`) would not find them.
    """
    return " ".join(_WORD.findall(fold(" ".join(p for p in parts if p))))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def sync(ticket: Ticket) -> None:
    """Bring the SQLite FTS row of a ticket in line with its search_text (no-op on PostgreSQL)."""
    if _dialect() != "sqlite":
        return
    db.session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": ticket.id})
    if ticket.search_text:
        db.session.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (:id, :t)"),
            {"id": ticket.id, "t": ticket.search_text},
        )


def rebuild() -> int:
    """Re-fill the SQLite FTS tables from the tickets (after a restore); return the published rows indexed.

    Staff search text missing from rows written without the ORM is filled first (both databases).
    """
    fill_staff_search()
    if _dialect() != "sqlite":
        return 0
    db.session.execute(text(f"INSERT INTO {STAFF_FTS_TABLE} ({STAFF_FTS_TABLE}) VALUES ('rebuild')"))
    db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    result = db.session.execute(
        text(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) "
            "SELECT id, search_text FROM tickets WHERE search_text IS NOT NULL AND published_at IS NOT NULL"
        )
    )
    return result.rowcount or 0


def query_words(q: str) -> list[str]:
    """The folded words of a query (punctuation and FTS operators dropped), at most 16."""
    return _WORD.findall(fold(q))[:16]


def matches(q: str) -> ColumnElement[bool] | None:
    """A condition on Ticket for the query `q` (all words must occur), or None for an empty query."""
    words = query_words(q)
    if not words:
        return None
    if _dialect() == "postgresql":
        # The expression is the indexed one, so the GIN index serves it; unaccent() also folds
        # anything that the Python folding left (the words are already accent-free).
        tsvector = db.func.to_tsvector(literal_column("'simple'::regconfig"), Ticket.search_text)
        tsquery = db.func.plainto_tsquery(literal_column("'simple'::regconfig"), db.func.unaccent(" ".join(words)))
        return tsvector.op("@@")(tsquery)
    # FTS5: each word quoted (no operator injection); words are AND-ed.
    fts_query = " ".join(f'"{w}"' for w in words)
    ids = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts").bindparams(fts=fts_query)
    return Ticket.id.in_(ids.columns(rowid=db.Integer).scalar_subquery())


def recompute() -> int:
    """Set search_text again from the public texts of every published ticket; return how many."""
    from sqlalchemy import bindparam, update

    table = Ticket.__table__
    stmt = update(table).where(table.c.id == bindparam("tid")).values(search_text=bindparam("st"))
    rows = db.session.execute(
        db.select(Ticket.id, Ticket.code, Ticket.public_title, Ticket.public_summary, Ticket.public_answer).where(
            Ticket.published_at.is_not(None)
        )
    ).all()
    values = [
        {"tid": r.id, "st": search_text_for(r.code, r.public_title, r.public_summary, r.public_answer)} for r in rows
    ]
    for start in range(0, len(values), 1000):
        # A Core UPDATE by primary key: a derived column, so no optimistic-lock version bump.
        db.session.execute(stmt, values[start : start + 1000])
    return len(values)


# ---------------------------------------------------------------- staff search


def staff_search_for(*fields: str | None) -> str:
    """The staff search text of a ticket from its eight fields (`STAFF_FIELDS` order), folded."""
    phone = fields[STAFF_FIELDS.index("phone")]
    parts = [*fields, _NOT_DIGIT.sub("", phone) if phone else None]
    return fold(" ".join(p for p in parts if p))


@event.listens_for(Session, "before_flush")
def _fill_staff_search(session: Session, _context, _instances) -> None:
    """Keep `Ticket.staff_search` in line with the fields it is made of, whatever service writes them."""
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Ticket):
            continue
        if obj in session.new or any(attributes.get_history(obj, f).has_changes() for f in STAFF_FIELDS):
            obj.staff_search = staff_search_for(*(getattr(obj, f) for f in STAFF_FIELDS))


def fill_staff_search(batch: int = 2000) -> int:
    """Set `staff_search` where it is missing (rows loaded without the ORM); return how many were set."""
    if _dialect() == "postgresql":
        concat = _STAFF_CONCAT.replace("NEW.", "")
        result = db.session.execute(
            text(f"UPDATE tickets SET staff_search = feedback_fold({concat}) WHERE staff_search IS NULL")
        )
        return result.rowcount or 0
    table = Ticket.__table__
    columns = [table.c[f] for f in STAFF_FIELDS]
    done = 0
    while True:
        rows = db.session.execute(
            db.select(table.c.id, *columns).where(table.c.staff_search.is_(None)).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return done
        db.session.execute(
            table.update().where(table.c.id == db.bindparam("tid")).values(staff_search=db.bindparam("folded")),
            [{"tid": r[0], "folded": staff_search_for(*r[1:])} for r in rows],
        )
        done += len(rows)


def staff_terms(q: str) -> list[str]:
    """The folded terms of a staff query, split on spaces only (codes, e-mails and phones stay whole)."""
    return fold(q).split()[:8]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def staff_matches(q: str, *, column=None, ids=None) -> ColumnElement[bool] | None:
    """A condition on Ticket: every term of `q` occurs in its staff search text (None for an empty query).

    `column` and `ids` are the staff search text and id columns to test (default `Ticket`'s; an alias's
    for a subquery of tickets). Served by the trigram index on PostgreSQL and the trigram FTS5 table on
    SQLite (terms of three characters or more; shorter ones are checked on the rows those find).
    """
    terms = staff_terms(q)
    if not terms:
        return None
    column = Ticket.staff_search if column is None else column
    ids = Ticket.id if ids is None else ids
    likes = [column.like(_like(t), escape="\\") for t in terms]
    if _dialect() == "postgresql":
        return and_(*likes)
    indexed = [t for t in terms if len(t) >= 3]
    conditions = [like for t, like in zip(terms, likes, strict=True) if len(t) < 3]
    if indexed:
        fts_query = " ".join('"' + t.replace('"', '""') + '"' for t in indexed)
        found = text(f"SELECT rowid FROM {STAFF_FTS_TABLE} WHERE {STAFF_FTS_TABLE} MATCH :staff_fts").bindparams(
            staff_fts=fts_query
        )
        conditions.insert(0, ids.in_(found.columns(rowid=db.Integer).scalar_subquery()))
    return and_(*conditions)
