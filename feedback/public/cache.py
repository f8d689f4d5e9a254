"""Public pages cached per process, as rendered, keyed by the publication version (issue 16).

The results page, its Atom feed and the home page's latest results are the same for every visitor
who is not signed in, and change only when something is published, unpublished or its public text
corrected. So each web process keeps the rendered pages (at most PUBLIC_PAGE_CACHE_SIZE, the least
recently used dropped first) and drops them all when that happens:

- a flush that publishes or unpublishes a ticket, changes a public column of a published ticket,
  deletes a published ticket or changes a letter's public copy, and any bulk UPDATE or DELETE of
  tickets or letters, bumps the one row of `publication_versions` in the same transaction;
- the process that commits the change drops its pages at once (after commit);
- every other process compares the row with the version its pages were rendered at, at most once per
  request and at most every PUBLIC_PAGE_CHECK_SECONDS (default 2), so it serves the old page for at most
  that long after the commit;
- the pages also depend on the reference data (unit and category names, the deadline rule in the
  footer): they are dropped whenever the reference cache is (`services/reference.py`).

A page's key holds its path, its filters, the language and the local date (the year choices, the
verdicts). Nothing personal is cached: a signed-in user's page and a page with a flashed message are
rendered for that request only; the language switch's CSRF token is a marker in the cached page, put
in for each request (so each visitor's session gets its own token, as before). A search that looks like
personal data is not part of the key (it is refused, and the page does not echo it).

While a change is not committed, the session that makes it renders fresh pages and caches nothing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from ..db import versions
from ..extensions import db
from ..models import OutgoingDocument, PublicationVersion, Ticket
from ..services import reference
from ..timeutil import local_today

T = TypeVar("T")

_CHANGED = "publication_changed"  # Session.info flag: this transaction changed what the public lists show
CSRF_MARK = "\x1fcsrf-token\x1f"  # stands for the CSRF token in a cached page (never in real text)

# The ticket columns a public list, search or feed shows or filters on.
WATCHED = (
    "code",
    "kind",
    "category_id",
    "unit_id",
    "received_on",
    "due_date",
    "answered_on",
    "answered_at",
    "on_time",
    "public_title",
    "public_summary",
    "public_answer",
    "search_text",
)
LETTER_WATCHED = ("ticket_id", "status", "public_sha256")
WATCHED_TABLES = frozenset({Ticket.__tablename__, OutgoingDocument.__tablename__})


class _Store:
    """The pages of one process: rendered text by key, and the versions they were rendered at."""

    def __init__(self) -> None:
        self.pages: OrderedDict[Hashable, Any] = OrderedDict()
        self.version: int | None = None
        self.reference: object | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()

    def drop(self) -> None:
        self.pages = OrderedDict()  # replaced, not cleared: a thread reading the old one still finds its pages
        self.version = None
        self.checked_at = float("-inf")

    def get(self, key: Hashable) -> Any:
        pages = self.pages
        with self.lock:
            body = pages.get(key)
            if body is not None:
                pages.move_to_end(key)
            return body

    def put(self, key: Hashable, body: Any, size: int) -> None:
        pages = self.pages
        with self.lock:
            pages[key] = body
            while len(pages) > size:
                pages.popitem(last=False)


def _store() -> _Store:
    store: _Store = versions.process_slot("public_page_cache", _Store)
    return store


def current_version() -> int:
    """The committed publication version (0 before the first change)."""
    return versions.committed(PublicationVersion)


def _usable() -> _Store | None:
    """This process's store, checked against the versions (once per request, every few seconds), or
    None when nothing may be cached now."""
    cfg = current_app.config
    if not cfg.get("PUBLIC_PAGE_CACHE", True) or db.session.info.get(_CHANGED):
        return None
    store = _store()
    # A new object whenever the reference cache is dropped (and every time when it is off).
    token = reference.cached("public_page_cache", object)
    if token is not store.reference:
        store.drop()
        store.reference = token
    if g.get("_publication_checked"):
        return store
    g._publication_checked = True
    now = time.monotonic()
    if now - store.checked_at >= float(cfg.get("PUBLIC_PAGE_CHECK_SECONDS", 2)):
        version = current_version()
        store.checked_at = now
        if version != store.version:
            store.pages = OrderedDict()
            store.version = version
    return store


def _full_key(key: tuple) -> tuple:
    return (request.path, str(get_locale() or "vi"), local_today(), *key)


def value(key: tuple, compute: Callable[[], T]) -> T:
    """A public value the same for every visitor (the Atom feed, the latest results), from the cache or
    `compute`."""
    store = _usable()
    if store is None:
        return compute()
    full = _full_key(key)
    body = store.get(full)
    if body is None:
        body = compute()
        store.put(full, body, int(current_app.config.get("PUBLIC_PAGE_CACHE_SIZE", 128)))
    return body


def page(key: tuple, template: str, context: Callable[[], dict[str, Any]]) -> str:
    """A public HTML page rendered from `template` with `context()`, from the cache when the visitor is
    not signed in and has no flashed message (the CSRF token is put in for this request)."""
    store = _usable()
    if store is None or session.get("_flashes") or current_user.is_authenticated:
        return render_template(template, **context())
    full = _full_key(key)
    body = store.get(full)
    if body is None:
        body = render_template(template, **context(), csrf_token=lambda: CSRF_MARK)
        store.put(full, body, int(current_app.config.get("PUBLIC_PAGE_CACHE_SIZE", 128)))
    return body.replace(CSRF_MARK, generate_csrf()) if CSRF_MARK in body else body


def clear() -> None:
    """Forget this process's cached public pages."""
    store = current_app.extensions.get("public_page_cache")
    if store is not None:
        store.drop()
    g.pop("_publication_checked", None)


# --- change detection ------------------------------------------------------------------------------


def _changed(obj, names: tuple[str, ...]) -> bool:
    # Without loading anything: an attribute that was never loaded has not changed.
    return any(
        attributes.get_history(obj, name, passive=attributes.PASSIVE_NO_INITIALIZE).has_changes() for name in names
    )


def _loaded(obj, name: str) -> Any:
    """The value in memory (a sentinel when not loaded: treated as maybe set)."""
    return attributes.instance_state(obj).dict.get(name, _UNKNOWN)


_UNKNOWN = object()


def _touches_publication(session: Session) -> bool:
    for obj in session.new:  # an attribute a new object was not given is empty (no default)
        if isinstance(obj, Ticket) and attributes.instance_state(obj).dict.get("published_at") is not None:
            return True
        if isinstance(obj, OutgoingDocument) and attributes.instance_state(obj).dict.get("public_sha256") is not None:
            return True
    for obj in session.deleted:
        if isinstance(obj, Ticket | OutgoingDocument):
            return True
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            if _changed(obj, ("published_at",)):
                return True
            if _loaded(obj, "published_at") is not None and _changed(obj, WATCHED):
                return True
        elif isinstance(obj, OutgoingDocument) and _changed(obj, LETTER_WATCHED):
            return True
    return False


def _bump(session: Session) -> None:
    """Bump the version row in this transaction."""
    versions.bump(session, PublicationVersion, _CHANGED)


@event.listens_for(Session, "after_flush")
def _bump_on_change(session: Session, _context) -> None:
    if _touches_publication(session):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(state) -> None:
    """A bulk UPDATE or DELETE of tickets or letters (ORM or Core, through the session) bumps too."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        _bump(state.session)


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, None) and has_app_context():
        clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous) -> None:
    # Nothing was cached while the change was pending, and the bump is rolled back with it. A savepoint's
    # rollback keeps the flag: the transaction may hold other changes.
    if not previous.nested:
        session.info.pop(_CHANGED, None)
