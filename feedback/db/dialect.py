"""The one place that switches on the database dialect for an INSERT that may collide."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Numbering:
    """A code drawn inside `insert_family` from a counter row (`insert_or_increment`'s row): `prefix`
    followed by the counter's new value on `width` digits (more once it outgrows them).

    `placeholder` stands for the code in the rows' values; `fill` names, per table, the text columns in
    which it is replaced: by the code (`"code"`) or by the code folded for search (`"folded"`, with
    `folded_prefix` before the digits: digits fold to themselves).
    """

    counter: Any
    key: dict[str, Any]
    column: str
    prefix: str
    folded_prefix: str
    placeholder: str
    fill: dict[str, dict[str, str]]
    width: int = 6

    def code(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.width}d}"

    def folded(self, value: int) -> str:
        return f"{self.folded_prefix}{value:0{self.width}d}"

    def substitute(self, table_name: str, values: dict[str, Any], value: int) -> dict[str, Any]:
        """`values` with the placeholder replaced in the columns `fill` names for `table_name`."""
        out = dict(values)
        for column, what in self.fill.get(table_name, {}).items():
            if out.get(column) is not None:
                out[column] = out[column].replace(
                    self.placeholder, self.code(value) if what == "code" else self.folded(value)
                )
        return out


def _family_statement(
    dialect,
    parent,
    parent_keys: tuple[str, ...],
    children: tuple[tuple[Any, str, tuple], ...],
    numbering: Numbering | None,
):
    """The PostgreSQL statement of `insert_family` (built once per shape and process)."""
    numbered = None
    if numbering is not None:
        fills = tuple(sorted((t, tuple(sorted(c.items()))) for t, c in numbering.fill.items()))
        numbered = (numbering.counter.__table__.name, tuple(numbering.key), numbering.column, numbering.width, fills)
    shape = (parent.name, parent_keys, tuple((t.name, fk, keys) for t, fk, keys in children), numbered)
    statement = _family_sql.get(shape)
    if statement is None:
        q = dialect.identifier_preparer.quote
        pk = q(next(iter(parent.primary_key.columns)).name)
        fill = numbering.fill if numbering is not None else {}

        def picked_column(table, key: str) -> str:
            what = fill.get(table.name, {}).get(key)
            if what is None:
                return f"r.{q(key)}"
            return (
                f"replace(r.{q(key)}, CAST(:placeholder AS text), drawn_code.{'code' if what == 'code' else 'folded'})"
            )

        def row_insert(table, keys, param: str, source: str = "", fk: str = "") -> str:
            names = ", ".join(q(k) for k in keys)
            into = (f"{q(fk)}, " if fk else "") + names
            picked = (f"{source}.{pk}, " if fk else "") + ", ".join(picked_column(table, k) for k in keys)
            sources = (f"{source}, " if source else "") + ("drawn_code, " if numbering is not None else "")
            sources += f"json_populate_record(NULL::{q(table.name)}, CAST(:{param} AS json)) AS r"
            return f"INSERT INTO {q(table.name)} ({into}) SELECT {picked} FROM {sources}"

        parts = []
        if numbering is not None:
            counter = numbering.counter.__table__
            key_names = ", ".join(q(k) for k in numbering.key)
            column = q(numbering.column)
            digits = (
                f"CASE WHEN {column} < {10**numbering.width} THEN lpad(CAST({column} AS text), {numbering.width}, '0') "
                f"ELSE CAST({column} AS text) END"
            )
            # The upsert of `insert_or_increment` (which the SQLite branch runs), as this statement's first part.
            parts += [
                f"drawn AS (INSERT INTO {q(counter.name)} ({key_names}, {column}) VALUES ("
                + ", ".join(f":key_{k}" for k in numbering.key)
                + f", 1) ON CONFLICT ({key_names}) DO UPDATE SET {column} = {q(counter.name)}.{column} + 1 "
                f"RETURNING {column})",
                f"drawn_code AS (SELECT CAST(:prefix AS text) || {digits} AS code, "
                f"CAST(:folded_prefix AS text) || {digits} AS folded FROM drawn)",
            ]
        parts.append(f"parent AS ({row_insert(parent, parent_keys, 'parent')} RETURNING {pk})")
        for n, (table, fk, keys) in enumerate(children):
            parts.append(f"child{n} AS ({row_insert(table, keys, f'child{n}', 'parent', fk)})")
        returned = f"parent.{pk}" + (f", drawn.{q(numbering.column)}" if numbering else "")
        sources = "parent" + (", drawn" if numbering else "")
        statement = text("WITH " + ", ".join(parts) + f" SELECT {returned} FROM {sources}")
        _family_sql[shape] = statement
    return statement


def insert_family(
    parent_model,
    values: dict[str, Any],
    children: list[tuple[Any, str, dict[str, Any]]],
    numbering: Numbering | None = None,
) -> tuple[int, int | None]:
    """Insert a row and rows that reference it (each child: model, foreign key column, values); return
    the new row's primary key and, with `numbering`, the counter value its code was drawn from. Column
    defaults apply as with the ORM; ORM events do not fire.

    PostgreSQL: one statement (a data-modifying WITH, each row passed as one JSON parameter), the
    counter's increment included, so that a ticket, its code, first event, files and acknowledgment are
    one round trip (and one atomic statement even outside a transaction). SQLite: the counter, then one
    INSERT each.
    """
    from sqlalchemy import insert

    parent = parent_model.__table__
    values = column_defaults(parent, values)
    rows = [(model.__table__, fk, column_defaults(model.__table__, v)) for model, fk, v in children]
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        statement = _family_statement(
            dialect, parent, tuple(values), tuple((t, fk, tuple(v)) for t, fk, v in rows), numbering
        )
        params = {"parent": json.dumps(values, default=_json_value)}
        params.update({f"child{n}": json.dumps(v, default=_json_value) for n, (_t, _fk, v) in enumerate(rows)})
        if numbering is not None:
            params.update({f"key_{k}": v for k, v in numbering.key.items()})
            params.update(
                placeholder=numbering.placeholder, prefix=numbering.prefix, folded_prefix=numbering.folded_prefix
            )
        # On the session's connection (its transaction), without the ORM's execution step.
        row = db.session.connection().execute(statement, params).one()
        return row[0], (row[1] if numbering is not None else None)
    drawn = None
    if numbering is not None:
        counter, counter_params = insert_or_increment(numbering.counter, numbering.key, numbering.column)
        drawn = db.session.connection().execute(counter, counter_params).scalar_one()
        values = numbering.substitute(parent.name, values, drawn)
        rows = [(t, fk, numbering.substitute(t.name, v, drawn)) for t, fk, v in rows]
    pk = next(iter(parent.primary_key.columns))
    new_id = db.session.execute(insert(parent).values(**values).returning(pk)).scalar_one()
    for table, fk, child in rows:
        db.session.execute(insert(table).values(**child, **{fk: new_id}))
    return new_id, drawn


_PLAIN = re.compile(r"[A-Za-z0-9_.@+-]{0,254}")  # codes, e-mail addresses, state names: no quote, no %, no space


def inline_parameters(statement):
    """`statement` with its parameters written into its SQL (`literal_execute`), as a copy.

    PostgreSQL plans a prepared statement with parameters again on every execution as long as its
    custom plans look cheaper than a generic one, and a statement of several index walks costs more to
    plan than to run. With its values in the SQL, the statement is planned once per connection and then
    only run. For values that are few and known: numbers, dates, states, and plain codes a filter names
    (`_PLAIN`). A text value of any other form (what a user may have typed: quotes, spaces, `%`) stays
    a parameter, so nothing typed ever becomes SQL text, however it would be quoted."""
    from sqlalchemy.sql import visitors

    def inline(bind) -> None:
        value = bind.value
        if isinstance(value, str) and not _PLAIN.fullmatch(value):
            return
        bind.literal_execute = True

    return visitors.cloned_traverse(statement, {}, {"bindparam": inline})
