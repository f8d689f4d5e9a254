"""The staff area: queue, ticket page, workflow actions, reports."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import views  # noqa: E402,F401
