"""The staff area: queue, ticket page, workflow actions, reports."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import views  # noqa: E402,F401
from . import publication  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import privacy_requests  # noqa: E402,F401
from . import documents  # noqa: E402,F401
