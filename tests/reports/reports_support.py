"""Helpers shared by the tests of reports, administration and privacy (a uniquely named module:
several test folders have a conftest.py, so `from conftest import ...` is ambiguous)."""

from __future__ import annotations

import re

from feedback.extensions import db

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def form_token(client, path: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1) or match.group(2)


def release() -> None:
    """End the test's own transaction: on SQLite (BEGIN IMMEDIATE) it would block the app's requests."""
    db.session.commit()
