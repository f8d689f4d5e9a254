"""Reference data cached per process: units, categories, the deadline rules and the work calendar.

Every submission needs them and administrators change them a few times a year, so each web process
keeps them in memory (`cached`) and drops them when they change:

- a flush that adds, changes or deletes a unit, category, deadline rule, calendar override or
  calendar announcement, or adds or deletes a staff account or changes what the queue's assignee
  filter shows of one (e-mail, name, role, unit, active; not a sign-in or a password) — the admin
  services, `flask seed`, any ORM write — bumps the one row of `reference_versions` in the same
  transaction;
- the process that commits the change drops its cache at once (after commit);
- every other process compares the row with the version its cache was built from at most once per
  request and at most every REFERENCE_CHECK_SECONDS (default 2), so it serves the old data for at most
  that long after the commit. With REFERENCE_CACHE off, nothing is kept.

While the change is not committed, the session that makes it computes the data fresh and caches
nothing, so a rolled-back change never reaches the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session

from ..db import versions
from ..extensions import db
from ..models import CalendarAnnouncement, CalendarOverride, Category, DeadlineRule, ReferenceVersion, Unit, User

T = TypeVar("T")

REFERENCE_MODELS = (Unit, Category, DeadlineRule, CalendarOverride, CalendarAnnouncement)
# What `staff()` keeps of an account: a change to another column (a sign-in, a password) keeps the cache.
STAFF_COLUMNS = ("email", "name", "role", "unit_id", "active")
_CHANGED = "reference_changed"  # Session.info flag: this transaction changed reference data


@dataclass(frozen=True)
class CategoryRef:
    """A category as the forms, filters and intake read it (a plain value, shared between requests)."""

    id: int
    code: str
    name: str
    name_en: str | None
    default_unit_id: int | None
    sort_order: int


@dataclass(frozen=True, slots=True)
class StaffRef:
    """A staff account as lists of people name it (a plain value, shared between requests)."""

    id: int
    email: str
    name: str
    role: str
    unit_id: int | None


@dataclass(frozen=True)
class UnitRef:
    """A unit as public pages name it (a plain value, shared between requests)."""

    id: int
    code: str
    name: str
    name_en: str | None
    active: bool
    sort_order: int


class _Cache:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.version: int | None = None
        self.checked_at = float("-inf")


def _cache() -> _Cache:
    cache: _Cache = versions.process_slot("reference_cache", _Cache)
    return cache


def current_version() -> int:
    """The committed version of the reference data (0 before the first change)."""
    return versions.committed(ReferenceVersion)


def _check(cache: _Cache) -> None:
    """Drop the cache when another process changed the data (once per request, every few seconds)."""
    if g.get("_reference_checked"):
        return
    g._reference_checked = True
    now = time.monotonic()
    if now - cache.checked_at < float(current_app.config.get("REFERENCE_CHECK_SECONDS", 2)):
        return
    version = current_version()
    cache.checked_at = now
    if version != cache.version:
        cache.values = {}  # replaced, not cleared: a thread reading the old dict still finds its values
        cache.version = version


def cached(name: str, compute: Callable[[], T]) -> T:
    """The reference value `name`, computed once per process and version of the data.

    A session that has changed reference data and not committed yet gets fresh values, never stored.
    """
    session_info = db.session.info
    if not current_app.config.get("REFERENCE_CACHE", True) or session_info.get(_CHANGED):
        return compute()
    cache = _cache()
    _check(cache)
    values = cache.values  # one dict for the whole look-up, whatever other threads do meanwhile
    if name in values and not session_info.get(_CHANGED):
        return values[name]
    value = compute()
    if not session_info.get(_CHANGED):  # computing may have flushed a change of this transaction
        values[name] = value
    return value


def clear() -> None:
    """Forget this process's reference data (it is read again on the next use)."""
    if has_app_context():
        cache = _cache()
        cache.values = {}
        cache.version = None
        cache.checked_at = float("-inf")
        g.pop("_reference_checked", None)


def units() -> dict[int, UnitRef]:
    """Every unit by id, in display order (sort order, then name; cached)."""

    def load() -> dict[int, UnitRef]:
        rows = db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.name)).scalars()
        return {u.id: UnitRef(u.id, u.code, u.name, u.name_en, u.active, u.sort_order) for u in rows}

    return cached("units", load)


def categories() -> dict[int, CategoryRef]:
    """Every category by id, active or not (cached)."""

    def load() -> dict[int, CategoryRef]:
        rows = db.session.execute(db.select(Category)).scalars()
        return {c.id: CategoryRef(c.id, c.code, c.name, c.name_en, c.default_unit_id, c.sort_order) for c in rows}

    return cached("all_categories", load)


def active_categories() -> list[CategoryRef]:
    """The active categories in their display order (cached)."""

    def load() -> list[CategoryRef]:
        rows = db.session.execute(
            db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.name)
        ).scalars()
        return [CategoryRef(c.id, c.code, c.name, c.name_en, c.default_unit_id, c.sort_order) for c in rows]

    return cached("categories", load)


def category_by_code(code: str) -> CategoryRef | None:
    """An active category by its code, or None."""
    return next((c for c in active_categories() if c.code == code), None)


def staff() -> tuple[StaffRef, ...]:
    """Every active staff account, by name (cached: the queue's assignee filter reads it on every page)."""

    def load() -> tuple[StaffRef, ...]:
        rows = db.session.execute(
            db.select(User.id, User.email, User.name, User.role, User.unit_id)
            .where(User.active.is_(True))
            .order_by(User.name, User.id)
        )
        return tuple(StaffRef(*row) for row in rows)

    return cached("staff", load)


# --- change detection ------------------------------------------------------------------------------


def _staff_changed(account: User) -> bool:
    state: InstanceState[User] = inspect(account)
    return any(state.attrs[name].history.has_changes() for name in STAFF_COLUMNS)


def _touches_reference(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, (*REFERENCE_MODELS, User)):
            return True
    return any(
        (isinstance(obj, REFERENCE_MODELS) and session.is_modified(obj, include_collections=False))
        or (isinstance(obj, User) and _staff_changed(obj))
        for obj in session.dirty
    )


@event.listens_for(Session, "after_flush")
def _bump_on_change(session: Session, _context) -> None:
    """Bump the version row in the transaction that changes reference data."""
    if not _touches_reference(session):
        return
    versions.bump(session, ReferenceVersion, _CHANGED)


@event.listens_for(Session, "after_commit")
def _drop_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, None):
        clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous) -> None:
    if session.info.pop(_CHANGED, None):
        clear()
