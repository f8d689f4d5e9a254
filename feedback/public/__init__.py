"""Public site: home, submission, tracking (and, later, published results)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401
from . import reply  # noqa: E402,F401
from . import results  # noqa: E402,F401
from . import privacy  # noqa: E402,F401
from . import satisfaction  # noqa: E402,F401
from . import documents  # noqa: E402,F401
