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

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import types
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


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


def _sql(element, compiler, kw, template: str) -> str:
    (ticket_id,) = element.clauses.clauses
    where = f"e.ticket_id = {compiler.process(ticket_id, **kw)}" + (" AND e.public" if element.public_only else "")
    return template.format(fields=", ".join(f"e.{c}" for c in _COLUMNS), names=", ".join(_COLUMNS), where=where)


@compiles(timeline_json, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    return _sql(
        element,
        compiler,
        kw,
        "(SELECT json_agg(json_build_array({fields}, e.details, u.name) ORDER BY e.id) "
        "FROM ticket_events AS e LEFT OUTER JOIN users AS u ON u.id = e.actor_id WHERE {where})",
    )


@compiles(timeline_json, "sqlite")
def _sqlite(element, compiler, **kw) -> str:
    return _sql(
        element,
        compiler,
        kw,
        "(SELECT json_group_array(json_array({names}, json(details), actor_name)) FROM "
        "(SELECT {fields}, e.details, u.name AS actor_name "
        "FROM ticket_events AS e LEFT OUTER JOIN users AS u ON u.id = e.actor_id WHERE {where} ORDER BY e.id))",
    )


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
    if not value:
        return []
    return [
        TimelineEntry(
            entry_id,
            ticket_id,
            _moment(at),
            actor_id,
            actor_label,
            action,
            from_state,
            to_state,
            bool(public),
            message,
            details,
            actor_name,
        )
        for (
            entry_id,
            ticket_id,
            at,
            actor_id,
            actor_label,
            action,
            from_state,
            to_state,
            public,
            message,
            details,
            actor_name,
        ) in value
    ]
