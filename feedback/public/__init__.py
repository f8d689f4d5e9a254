"""Public site: home, submission, tracking (and, later, published results)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import (
    documents,  # noqa: F401
    privacy,  # noqa: F401
    reply,  # noqa: F401
    results,  # noqa: F401
    satisfaction,  # noqa: F401
    views,  # noqa: F401
)
