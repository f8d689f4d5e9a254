"""Who may see what (DESIGN §2), checked on every request from the user's role and unit."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select

from ..extensions import db
from ..models import Ticket, User

SCOPE_UNIT = "scope_unit_id"  # the bound parameter of the unit in a statement built by `scoped_statement`


def scope_of(user: User) -> str:
    """Which tickets `user` may see: "all", their unit's ("unit"), or none ("none": a unit role without a
    unit)."""
    if user.sees_all:
        return "all"
    return "none" if user.unit_id is None else "unit"


def scoped_statement(stmt: Select, scope: str, unit_id=None, unit: int | None = None) -> Select:
    """`stmt` restricted to the tickets a user of `scope` (`scope_of`) may see, the one rule of
    `scope_tickets` (`unit_id`: the tickets' unit column to test, default `Ticket.unit_id`). The unit is
    `unit`, or else the bound parameter SCOPE_UNIT: a statement built once per process and scope and run
    with `scope_parameters(user)` costs a page less than one built for each request (SQLAlchemy then
    finds its compiled form without walking it again)."""
    if scope == "all":
        return stmt
    if scope == "none":
        return stmt.where(db.false())
    column = Ticket.unit_id if unit_id is None else unit_id
    return stmt.where(column == (db.bindparam(SCOPE_UNIT) if unit is None else unit))


def scope_parameters(user: User) -> dict:
    """The parameters of a `scoped_statement` for `user`."""
    return {SCOPE_UNIT: user.unit_id} if scope_of(user) == "unit" else {}


def scope_tickets(stmt: Select, user: User, unit_id=None) -> Select:
    """Restrict a ticket query to the tickets `user` may see: all, or their own unit's (`unit_id`: the
    tickets' unit column to test, default `Ticket.unit_id`; the queue passes the table's)."""
    return scoped_statement(stmt, scope_of(user), unit_id, unit=user.unit_id)


def can_see(ticket: Ticket, user: User) -> bool:
    """Whether `user` may see `ticket`."""
    return user.sees_all or (user.unit_id is not None and ticket.unit_id == user.unit_id)


def ticket_for(code: str, user: User, *, for_update: bool = False) -> Ticket:
    """Load a ticket by code for a user who may see it.

    :raises NotFound: when it does not exist or is outside the user's scope (no existence leak).
    """
    stmt = scope_tickets(db.select(Ticket).where(Ticket.code == code), user)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = db.session.execute(stmt).scalar_one_or_none()
    if ticket is None:
        abort(404)
    return ticket


def roles_required(*roles: str):
    """Decorator: signed in, and with one of `roles` (403 otherwise).

    :raises Forbidden: for a signed-in user of another role.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
