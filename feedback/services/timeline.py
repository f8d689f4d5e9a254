"""Timeline events: the append-only record of everything that happens to a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event

from ..extensions import db
from ..models import Ticket, TicketEvent, User


def record(ticket: Ticket, action: str, *, actor: User | None = None, **fields: Any) -> TicketEvent:
    """Append an event to the ticket's timeline (not committed); `fields` are those of `values()`."""
    columns = values(action, actor=actor, **fields)
    del columns["actor_id"]
    entry = TicketEvent(ticket=ticket, actor=actor, **columns)
    db.session.add(entry)
    return entry


def record_in_place(ticket: Ticket, action: str, *, actor: User | None = None, **fields: Any) -> TicketEvent:
    """Append an event that leaves the ticket in its state (`from_state` and `to_state` both its state now)."""
    return record(ticket, action, actor=actor, from_state=ticket.state, to_state=ticket.state, **fields)


def values(
    action: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    from_state: str | None = None,
    to_state: str | None = None,
    public: bool = False,
    message: str | None = None,
    now: datetime | None = None,
    **details: Any,
) -> dict[str, Any]:
    """The columns of an event (without `ticket_id`), for a writer that inserts rows itself (intake)."""
    columns: dict[str, Any] = {
        "action": action,
        "actor_id": actor.id if actor else None,
        "actor_label": actor_label or (actor.name if actor else ""),
        "from_state": from_state,
        "to_state": to_state,
        "public": public,
        "message": message,
        "details": {k: v for k, v in details.items() if v is not None},
    }
    if now is not None:
        columns["at"] = now
    return columns


@event.listens_for(TicketEvent, "before_update")
def _refuse_update(_mapper, _connection, target: TicketEvent) -> None:
    raise RuntimeError(f"timeline events are append-only (event {target.id})")


@event.listens_for(TicketEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target: TicketEvent) -> None:
    raise RuntimeError(f"timeline events are append-only (event {target.id})")
