"""The one place that switches on the database dialect for an INSERT that may collide."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db


def insert_or_ignore(model, **values):
    """`INSERT … ON CONFLICT DO NOTHING` for `model` in the session's dialect (PostgreSQL or SQLite);
    add `.returning(...)` to learn whether this call inserted the row."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing()


_increments: dict[tuple, Any] = {}


def insert_or_increment(model, key: dict, column: str):
    """`INSERT key, column=1 … ON CONFLICT (key) DO UPDATE SET column = column + 1 RETURNING column`: one
    statement that creates or increments a counter row, row-locked until the transaction ends.

    Returns (statement, parameters); the statement is built once per model, key and dialect.
    """
    from sqlalchemy import bindparam

    dialect = db.session.get_bind().dialect.name
    shape = (model, tuple(key), column, dialect)
    statement = _increments.get(shape)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = model.__table__  # a Core statement: no ORM bulk-insert step on each execution
        counter = table.c[column]
        statement = (
            insert(table)
            .values(**{k: bindparam(k) for k in key}, **{column: 1})
            .on_conflict_do_update(index_elements=list(key), set_={column: counter + 1})
            .returning(counter)
        )
        _increments[shape] = statement
    return statement, key


def column_defaults(table, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the Python-side defaults of the columns it leaves out (what the ORM would send)."""
    full = dict(values)
    for column in table.columns:
        default = column.default
        if column.key in full or default is None or column.primary_key:
            continue
        if default.is_scalar:
            full[column.key] = default.arg
        elif default.is_callable:
            full[column.key] = default.arg(None)
    return full


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_family_sql: dict[tuple, Any] = {}


def _family_statement(dialect, parent, parent_keys: tuple[str, ...], children: tuple[tuple[Any, str, tuple], ...]):
    """The PostgreSQL statement of `insert_family` (built once per shape and process)."""
    shape = (parent.name, parent_keys, tuple((t.name, fk, keys) for t, fk, keys in children))
    statement = _family_sql.get(shape)
    if statement is None:
        q = dialect.identifier_preparer.quote
        pk = q(next(iter(parent.primary_key.columns)).name)

        def row_insert(table, keys, param: str, source: str = "", fk: str = "") -> str:
            names = ", ".join(q(k) for k in keys)
            into = (f"{q(fk)}, " if fk else "") + names
            picked = (f"{source}.{pk}, " if fk else "") + ", ".join(f"r.{q(k)}" for k in keys)
            sources = (
                f"{source}, " if source else ""
            ) + f"json_populate_record(NULL::{q(table.name)}, CAST(:{param} AS json)) AS r"
            return f"INSERT INTO {q(table.name)} ({into}) SELECT {picked} FROM {sources}"

        parts = [f"parent AS ({row_insert(parent, parent_keys, 'parent')} RETURNING {pk})"]
        for n, (table, fk, keys) in enumerate(children):
            parts.append(f"child{n} AS ({row_insert(table, keys, f'child{n}', 'parent', fk)})")
        statement = text("WITH " + ", ".join(parts) + f" SELECT {pk} FROM parent")
        _family_sql[shape] = statement
    return statement


def insert_family(parent_model, values: dict[str, Any], children: list[tuple[Any, str, dict[str, Any]]]) -> int:
    """Insert a row and rows that reference it (each child: model, foreign key column, values); return
    the new row's primary key. Column defaults apply as with the ORM; ORM events do not fire.

    PostgreSQL: one statement (a data-modifying WITH, each row passed as one JSON parameter), so a
    ticket, its first event and its acknowledgment are one round trip. SQLite: one INSERT each.
    """
    from sqlalchemy import insert

    parent = parent_model.__table__
    values = column_defaults(parent, values)
    rows = [(model.__table__, fk, column_defaults(model.__table__, v)) for model, fk, v in children]
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        statement = _family_statement(dialect, parent, tuple(values), tuple((t, fk, tuple(v)) for t, fk, v in rows))
        params = {"parent": json.dumps(values, default=_json_value)}
        params.update({f"child{n}": json.dumps(v, default=_json_value) for n, (_t, _fk, v) in enumerate(rows)})
        # On the session's connection (its transaction), without the ORM's execution step.
        return db.session.connection().execute(statement, params).scalar_one()
    pk = next(iter(parent.primary_key.columns))
    new_id = db.session.execute(insert(parent).values(**values).returning(pk)).scalar_one()
    for table, fk, child in rows:
        db.session.execute(insert(table).values(**child, **{fk: new_id}))
    return new_id
