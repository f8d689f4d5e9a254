"""Use cases. Services add and flush; the caller (a view, a job, a command) commits.

Views pass `now` (timeutil) and, where a result is worded, the `locale`; a refusal is a
`ServiceError` (the domain's `Refusal`: a translated message, an HTTP status, the field at fault).
"""

from flask_babel import get_locale

from ..domain.states import Refusal as ServiceError

__all__ = ["ServiceError", "language"]


def language() -> str:
    """The language in force: the request's, or the one `force_locale` sets while a message is
    worded in both languages."""
    return str(get_locale() or "vi")
