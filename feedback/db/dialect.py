"""The one place that switches on the database dialect for an INSERT that may collide."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db


def insert_or_ignore(model, **values):
    """`INSERT … ON CONFLICT DO NOTHING` for `model` in the session's dialect (PostgreSQL or SQLite);
    add `.returning(...)` to learn whether this call inserted the row."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing()
