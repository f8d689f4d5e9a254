"""Administration of users, units, categories, rules, calendar and the outbox."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import views  # noqa: E402,F401
from . import outbox  # noqa: E402,F401
