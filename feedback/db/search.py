"""Accent-insensitive full-text search over published results (PostgreSQL and SQLite).

`Ticket.search_text` holds the public text without diacritics and in lower case (set by the
publication service). On PostgreSQL a GIN index on ``to_tsvector('simple', search_text)`` serves
``plainto_tsquery('simple', unaccent(:q))``; on SQLite an FTS5 table (``ticket_search``, rowid =
ticket id, tokenizer ``unicode61 remove_diacritics 2``) is kept in sync by the service.

These objects are not ORM tables, so `db.create_all()` does not make them: `ensure_search_schema()`
creates them (tests call it; the migration runs the same DDL, see `POSTGRESQL_DDL`/`SQLITE_DDL`).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Engine, literal_column, text
from sqlalchemy.sql.elements import ColumnElement

from ..domain.redaction import strip_accents
from ..extensions import db
from ..models import Ticket

_WORD = re.compile(r"\w+")

FTS_TABLE = "ticket_search"
GIN_INDEX = "ix_tickets_search_fts"

POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON tickets "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
)
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, tokenize = 'unicode61 remove_diacritics 2')",
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
    return (type_ == "index" and name == GIN_INDEX) or (type_ == "table" and name.startswith(FTS_TABLE))


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
    """Re-fill the SQLite FTS table from the tickets (after a restore); return the rows indexed."""
    if _dialect() != "sqlite":
        return 0
    db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    result = db.session.execute(text(
        f"INSERT INTO {FTS_TABLE} (rowid, search_text) "
        "SELECT id, search_text FROM tickets WHERE search_text IS NOT NULL AND published_at IS NOT NULL"
    ))
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
        tsquery = db.func.plainto_tsquery(
            literal_column("'simple'::regconfig"), db.func.unaccent(" ".join(words))
        )
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
        db.select(Ticket.id, Ticket.code, Ticket.public_title, Ticket.public_summary, Ticket.public_answer)
        .where(Ticket.published_at.is_not(None))
    ).all()
    values = [{"tid": r.id, "st": search_text_for(r.code, r.public_title, r.public_summary, r.public_answer)}
              for r in rows]
    for start in range(0, len(values), 1000):
        # A Core UPDATE by primary key: a derived column, so no optimistic-lock version bump.
        db.session.execute(stmt, values[start:start + 1000])
    return len(values)
