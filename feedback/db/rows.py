"""Reading one page's object in one statement: the row or a 404, and collections known to be empty."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db


def row_or_404(statement, parameters: dict | None = None) -> Any:
    """The first row of `statement` run with `parameters` (joined collections made unique), or a 404.

    :raises NotFound: when there is none.
    """
    row = db.session.execute(statement, parameters or {}).unique().first()
    if row is None:
        abort(404)
    return row


def set_absent(obj, **present: bool) -> None:
    """Set each named collection of `obj` that its statement found empty as loaded and empty, so reading
    it reads nothing (`set_absent(ticket, attachments=False)`)."""
    for name, exists in present.items():
        if not exists:
            set_committed_value(obj, name, [])
