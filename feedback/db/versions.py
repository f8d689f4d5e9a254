"""One-row version counters (`reference_versions`, `publication_versions`): a transaction that
changes what a per-process cache holds bumps its counter, and every process compares the committed
value with the one its cache was built from (services/reference.py, public/cache.py).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm import Session

from ..extensions import db
from .dialect import insert_or_ignore


def committed(model: Any) -> int:
    """The committed value of the counter `model` (0 before the first change)."""
    value = db.session.execute(db.select(model.version).where(model.id == 1)).scalar()
    return int(value or 0)


def bump(session: Session, model: Any, flag: str) -> None:
    """Add one to the counter `model` in this transaction; `flag` (a `session.info` key) records that
    the transaction has changed it, for the after-commit drop and so the row is made only once."""
    connection = session.connection()
    if not session.info.get(flag):
        connection.execute(insert_or_ignore(model, id=1, version=0))
        session.info[flag] = True
    connection.execute(update(model).where(model.id == 1).values(version=model.version + 1))


def process_slot(name: str, factory: type) -> Any:
    """This process's instance of `factory` for the app, kept in `app.extensions[name]`."""
    slot = current_app.extensions.get(name)
    if slot is None:
        slot = current_app.extensions[name] = factory()
    return slot
