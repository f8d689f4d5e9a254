"""The staff area: queue, ticket page, workflow actions, reports."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import (
    documents,  # noqa: F401
    privacy_requests,  # noqa: F401
    publication,  # noqa: F401
    reports,  # noqa: F401
    views,  # noqa: F401
)
