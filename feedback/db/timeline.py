"""A ticket's timeline as one column of the statement that reads the ticket.

The staff ticket page and the tracking page read a ticket and then its timeline: two round trips to the
server, each with its own statement to run and result to build. `timeline_column` aggregates the
timeline (oldest first, with each actor's name) into one JSON array in the ticket's own row, and
`timeline_entries` turns it back into rows with the same fields, types and order as a plain
`SELECT * FROM ticket_events … ORDER BY id` (plus `actor_name`).

PostgreSQL: `json_agg(json_build_array(…) ORDER BY id)`. SQLite: `json_group_array(json_array(…))` over
a subquery ordered by id (SQLite before 3.44 has no ORDER BY inside an aggregate, and aggregates the rows
of an ordered subquery in that order).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, select, types
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..extensions import db


class TimelineEntry(NamedTuple):
    """One entry of a ticket's timeline: the columns of `ticket_events`, and the actor's name."""

    id: int
    ticket_id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    from_state: str | None
    to_state: str | None
    public: bool
    message: str | None
    details: dict[str, Any] | None
    actor_name: str | None


_COLUMNS = ("id", "ticket_id", "at", "actor_id", "actor_label", "action", "from_state", "to_state", "public", "message")


class timeline_json(FunctionElement):  # lower case: an SQL function, named as SQLAlchemy names them
    """`timeline_json(tickets.id)`: the ticket's timeline as a JSON array of arrays (fields in
    `TimelineEntry`'s order), NULL when it has no entry."""

    type = types.JSON()
    inherit_cache = True
    name = "timeline_json"
    public_only = False


class public_timeline_json(timeline_json):
    """`public_timeline_json(tickets.id)`: only the entries the submitter sees. A class of its own, not
    an argument: SQLAlchemy's statement cache tells statements apart by their classes, not by the
    values of their literals."""

    inherit_cache = True
    name = "public_timeline_json"
    public_only = True


_TEMPLATES = {
    "postgresql": (
        "(SELECT json_agg(json_build_array({fields}, e.details, u.name) ORDER BY e.id) "
        "FROM ticket_events AS e LEFT OUTER JOIN users AS u ON u.id = e.actor_id WHERE {where})"
    ),
    "sqlite": (
        "(SELECT json_group_array(json_array({names}, json(details), actor_name)) FROM "
        "(SELECT {fields}, e.details, u.name AS actor_name "
        "FROM ticket_events AS e LEFT OUTER JOIN users AS u ON u.id = e.actor_id WHERE {where} ORDER BY e.id))"
    ),
}


def _compiler_for(dialect: str):
    def compile_(element, compiler, **kw) -> str:
        (ticket_id,) = element.clauses.clauses
        where = f"e.ticket_id = {compiler.process(ticket_id, **kw)}" + (" AND e.public" if element.public_only else "")
        fields, names = ", ".join(f"e.{c}" for c in _COLUMNS), ", ".join(_COLUMNS)
        return _TEMPLATES[dialect].format(fields=fields, names=names, where=where)

    return compile_


for _dialect in _TEMPLATES:
    compiles(timeline_json, _dialect)(_compiler_for(_dialect))


def timeline_column(ticket_id, *, public_only: bool = False) -> ColumnElement:
    """The timeline of the ticket whose id is `ticket_id` (a column), as a labelled column "timeline";
    `public_only`: only what the submitter sees."""
    return (public_timeline_json if public_only else timeline_json)(ticket_id).label("timeline")


def _moment(value) -> datetime:
    """A stored naive-UTC timestamp as JSON gives it back (`2026-03-02T08:15:00.123` on PostgreSQL,
    `2026-03-02 08:15:00.123000` on SQLite) as the datetime the column itself gives."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def timeline_entries(value) -> list[TimelineEntry]:
    """The rows of a `timeline_column` value (None or [] for a ticket without entries)."""
    entries = [TimelineEntry(*fields) for fields in value or ()]
    return [e._replace(at=_moment(e.at), public=bool(e.public)) for e in entries]


@functools.cache  # built once per process: the ticket id a parameter
def _alone(public_only: bool):
    return select(timeline_column(bindparam("ticket_id", type_=Integer), public_only=public_only))


def read_timeline(ticket_id: int, *, public_only: bool = False) -> list[TimelineEntry]:
    """A ticket's timeline read on its own, when it was not read with the ticket (`timeline_column`)."""
    return timeline_entries(db.session.execute(_alone(public_only), {"ticket_id": ticket_id}).scalar())
