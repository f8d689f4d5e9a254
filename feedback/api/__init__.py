"""Open311 GeoReport v2 open data API."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import views  # noqa: F401
