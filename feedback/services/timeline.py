"""Timeline events: the append-only record of everything that happens to a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event

from ..extensions import db
from ..models import Ticket, TicketEvent, User


def record(
    ticket: Ticket,
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
) -> TicketEvent:
    """Append an event to the ticket's timeline (not committed)."""
    entry = TicketEvent(
        ticket=ticket,
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.name if actor else ""),
        from_state=from_state,
        to_state=to_state,
        public=public,
        message=message,
        details={k: v for k, v in details.items() if v is not None},
    )
    if now is not None:
        entry.at = now
    db.session.add(entry)
    return entry


@event.listens_for(TicketEvent, "before_update")
def _refuse_update(_mapper, _connection, target: TicketEvent) -> None:
    raise RuntimeError(f"timeline events are append-only (event {target.id})")


@event.listens_for(TicketEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target: TicketEvent) -> None:
    raise RuntimeError(f"timeline events are append-only (event {target.id})")
