"""Views (filled in by the issue that builds this area)."""

from . import bp  # noqa: F401
