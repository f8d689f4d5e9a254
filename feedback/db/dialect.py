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


def insert_or_increment(model, key: dict, column: str):
    """`INSERT key, column=1 … ON CONFLICT (key) DO UPDATE SET column = column + 1 RETURNING column`: one
    statement that creates or increments a counter row, row-locked until the transaction ends."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    counter = getattr(model, column)
    return (
        insert(model)
        .values(**key, **{column: 1})
        .on_conflict_do_update(index_elements=list(key), set_={column: counter + 1})
        .returning(counter)
    )
