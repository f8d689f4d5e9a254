"""Administration of users, units, categories, rules, calendar and the outbox."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import (
    outbox,  # noqa: F401
    views,  # noqa: F401
)
