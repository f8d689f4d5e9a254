"""The staff queue as a read model: the page a set of filters shows, its counts per state, a code look-up.

A page is one range scan of an index in the queue's order (due_date, id), bounded by LIMIT and keyset
(`after`): the open tickets by a partial index (all, one unit's, one assignee's), one state by
(state, due_date, id) or (unit_id, state, due_date, id), everything by (due_date, id) or
(unit_id, due_date, id) (migration i16_queue). A text search first looks for its page among the first
`SEARCH_PROBE` tickets of that scan (a common name fills a page within a few hundred rows); only when
they do not fill it does it go through the trigram index of `search.staff_matches` and sort the matches.

The counts per state come from the counters of `queue_counts` (feedback/db/queue_counts.py, kept exact
by triggers) when the filters are among its key columns (scope, unit, kind, category, assignee): exact, a
sum over a few hundred rows (the department's totals: every row), kept QUEUE_TOTALS_SECONDS (5 s) per
process, scope and filters (0: summed for every page). The overdue and due-within filters are counted
with `count(*)` over the (state, due_date) indexes, and a text search's counts stop at
`SEARCH_COUNT_CAP` matches ("more than 1,000"); those counts are kept for `QUEUE_COUNTS_SECONDS` (60 s
by default) per scope and filters in the process. Every kept count is dropped as soon as this process
writes a ticket, and the page says when it was counted. They may therefore lag behind what other
processes wrote by at most that long; the list itself is always current.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import event, literal, tuple_
from sqlalchemy.engine import Engine

from ..db import search
from ..db.dialect import inline_parameters
from ..domain import outcomes as standings
from ..domain import states
from ..domain.contact import clean_text
from ..domain.deadlines import WorkCalendar
from ..domain.states import OPEN_STATES, Kind, Role, State
from ..extensions import db
from ..models import Category, QueueCount, Ticket, Unit, User
from ..web.access import scope_of, scope_tickets
from . import outcomes, reference

T = TypeVar("T")

# The tables' columns, not the models' attributes: the queue's statements are plain columns, and a
# statement written with table columns runs on SQLAlchemy's Core path, at about half the cost of the
# ORM's for the same SQL (the queue page runs three of them).
TICKETS = Ticket.__table__.c
COUNTERS = QueueCount.__table__.c
_UNITS, _CATEGORIES, _USERS = Unit.__table__.c, Category.__table__.c, User.__table__.c

MAX_ID = 2**31 - 1
COUNTS_SECONDS = 60
TOTALS_SECONDS = 5  # the department's totals per state (every counter summed): kept this long per process
SEARCH_PROBE = 2000  # tickets of the index scan in which a search first looks for its page
SEARCH_COUNT_CAP = 1000  # a search's counts stop beyond this many matches


class BadPageKey(ValueError):
    """The `after` parameter is not a key of this queue."""


# The characters Werkzeug leaves unquoted in a query it builds (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"


_STATE_FILTERS = frozenset(("", "all", *(s.value for s in State)))  # once: iterating an Enum is slow
_KIND_FILTERS = frozenset(k.value for k in Kind)


class QueueFilters:
    """The queue's filters read from the query string; invalid values are ignored, not guessed."""

    def __init__(self, args) -> None:
        self.state = args.get("state", "")
        if self.state not in _STATE_FILTERS:
            self.state = ""
        self.unit = args.get("unit", "").strip()
        self.kind = args.get("kind", "") if args.get("kind") in _KIND_FILTERS else ""
        self.category = args.get("category", "").strip()
        self.assignee = args.get("assignee", "").strip().lower()
        self.overdue = args.get("overdue") in ("1", "on", "true", "y")
        try:
            self.due_within: int | None = max(0, min(int(args.get("due_within", "")), 365))
        except ValueError:
            self.due_within = None
        self.q = clean_text(args.get("q", ""))[:200]  # NFC, as stored (some keyboards type NFD)
        self.after = args.get("after", "")

    def query_args(self, **changes) -> dict:
        """The current filters as query arguments (for links), with `changes` applied."""
        values = {
            "state": self.state,
            "unit": self.unit,
            "kind": self.kind,
            "category": self.category,
            "assignee": self.assignee,
            "overdue": "1" if self.overdue else "",
            "due_within": "" if self.due_within is None else str(self.due_within),
            "q": self.q,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    def link(self, path: str, **changes) -> str:
        """`path` (the queue's, from `url_for` once per page) with the current filters and `changes` as
        its query: what `url_for("staff.queue", **self.query_args(**changes))` gives, without a URL
        build per link (the queue page has a dozen)."""
        args = self.query_args(**changes)
        return f"{path}?{urlencode(list(args.items()), safe=_QUERY_SAFE)}" if args else path

    def count_key(self) -> tuple:
        """What the counts depend on: every filter except the state and the page."""
        return (self.unit, self.kind, self.category, self.assignee, self.overdue, self.due_within, self.q)


def where_unit_kind_category_assignee(stmt, f: QueueFilters, user: User, table, *, unassigned):
    """The unit, kind, category and assignee filters on `table` (tickets, or the queue counters, whose
    columns have the same names; `unassigned` is how that table says nobody is assigned)."""
    if f.unit:
        stmt = stmt.where(table.unit_id == db.select(_UNITS.id).where(_UNITS.code == f.unit).scalar_subquery())
    if f.kind:
        stmt = stmt.where(table.kind == f.kind)
    if f.category:
        stmt = stmt.where(
            table.category_id == db.select(_CATEGORIES.id).where(_CATEGORIES.code == f.category).scalar_subquery()
        )
    if f.assignee == "me":
        stmt = stmt.where(table.assignee_id == user.id)
    elif f.assignee == "none":
        stmt = stmt.where(unassigned)
    elif f.assignee:
        stmt = stmt.where(table.assignee_id == db.select(_USERS.id).where(_USERS.email == f.assignee).scalar_subquery())
    return stmt


def apply_filters(stmt, f: QueueFilters, user: User, today: date, cal, *, text_search: bool = True):
    """Every filter except the state one (the per-state counts use the same set); the text search too
    unless `text_search` is false."""
    stmt = where_unit_kind_category_assignee(stmt, f, user, Ticket, unassigned=TICKETS.assignee_id.is_(None))
    if f.overdue:
        stmt = stmt.where(outcomes.overdue(today, TICKETS))
    if f.due_within is not None:
        stmt = stmt.where(
            TICKETS.state.in_(sorted(OPEN_STATES)), TICKETS.due_date <= cal.add_working_days(today, f.due_within)
        )
    if f.q and text_search:
        condition = search.staff_matches(f.q, column=TICKETS.staff_search, ids=TICKETS.id)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


# What a row of the queue shows: its columns only (not the content, the explanations or the search text),
# read as plain rows; the unit, category and assignee are named from per-process reference data.
ROW_COLUMNS = (
    TICKETS.id,
    TICKETS.code,
    TICKETS.title,
    TICKETS.organization,
    TICKETS.name,
    TICKETS.channel,
    TICKETS.kind,
    TICKETS.category_id,
    TICKETS.unit_id,
    TICKETS.assignee_id,
    TICKETS.state,
    TICKETS.pending_extension_date,
    TICKETS.received_on,
    TICKETS.due_date,
    TICKETS.route_due_date,
    TICKETS.transfer_due_date,
    TICKETS.paused_on,
    TICKETS.answered_on,
    TICKETS.on_time,
)


def _probe(stmt, q: str, size: int) -> list | None:
    """The page of a text search if it lies within the first `SEARCH_PROBE` tickets of the page's index
    scan (`stmt`: every other filter), else None. The first matches in (due_date, id) order among the
    first tickets in that order are the first matches overall, so a page found here is the right one;
    with a common name it is found within a few hundred rows, where sorting every match takes seconds."""
    first = stmt.add_columns(TICKETS.staff_search).order_by(TICKETS.due_date, TICKETS.id).limit(SEARCH_PROBE).subquery()
    condition = search.staff_matches(q, column=first.c.staff_search, ids=first.c.id)
    columns = [first.c[c.key] for c in ROW_COLUMNS]
    rows = list(
        db.session.execute(
            db.select(*columns).where(condition).order_by(first.c.due_date, first.c.id).limit(size + 1)
        ).all()
    )
    return rows if len(rows) > size else None


def _state_condition(f: QueueFilters):
    if f.state == "":
        return TICKETS.state.in_(sorted(OPEN_STATES))
    if f.state == "all":
        return None
    return TICKETS.state == f.state


class _Statements:
    """Statements built for a set of filters, kept per process (least recently used dropped first): a
    statement built again for every page costs SQLAlchemy a walk of it to find its compiled form, a
    third of a millisecond for the queue's; the same object is found at once. The key holds every value
    the statement holds (scope, unit, filters, today's date), so a kept statement is the one that would
    be built."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.kept: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        full = (id(db.engine), *key)
        with self.lock:
            found = self.kept.get(full)
            if found is not None:
                self.kept.move_to_end(full)
                return found
        built = build()
        with self.lock:
            self.kept[full] = built
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)
        return built


_statements = _Statements()


def _filters_key(f: QueueFilters, user: User, today: date | None) -> tuple:
    """Everything a filtered statement of the queue holds, as a key of `_statements`."""
    return (scope_of(user), user.unit_id, user.id if f.assignee == "me" else None, *f.count_key()[:-1], today)


def page(f: QueueFilters, user: User, today: date, cal, size: int) -> tuple[list, str | None]:
    """One page of the queue in (due_date, id) order, as rows of `ROW_COLUMNS`, and the key of the next
    page (None: last page).

    :raises BadPageKey: `f.after` is not "YYYY-MM-DD.id" within the database's range.
    """

    def build():
        stmt = apply_filters(
            scope_tickets(db.select(*ROW_COLUMNS), user, TICKETS.unit_id), f, user, today, cal, text_search=False
        )
        condition = _state_condition(f)
        return stmt if condition is None else stmt.where(condition)

    if not f.after and not f.q:  # a first page without a search: the whole statement is kept
        # (the end of a due-within window depends on the calendar as well as today)
        due_by = None if f.due_within is None else cal.add_working_days(today, f.due_within)
        # Its values (all in the key) written into the SQL (`inline_parameters`): PostgreSQL re-planned
        # this statement with parameters on every page (its custom plans look cheaper than a generic
        # one); without them it is planned once per connection, then only run.
        first = _statements.get(
            ("page", *_filters_key(f, user, today), f.state, size, due_by),
            lambda: inline_parameters(build().order_by(TICKETS.due_date, TICKETS.id).limit(size + 1)),
        )
        return _paged(list(db.session.execute(first).all()), size)
    stmt = build()
    if f.after:
        try:
            after_due, after_id = f.after.split(".")
            after_due, after_id = date.fromisoformat(after_due), int(after_id)
            if not 0 <= after_id <= MAX_ID:  # beyond any key the database can hold
                raise ValueError(after_id)
        except ValueError as exc:
            raise BadPageKey(f.after) from exc
        stmt = stmt.where(tuple_(TICKETS.due_date, TICKETS.id) > tuple_(literal(after_due), literal(after_id)))
    rows = None
    if f.q and search.staff_terms(f.q):
        rows = _probe(stmt, f.q, size)
    if rows is None:
        condition = search.staff_matches(f.q, column=TICKETS.staff_search, ids=TICKETS.id) if f.q else None
        if condition is not None:
            stmt = stmt.where(condition)
        rows = list(db.session.execute(stmt.order_by(TICKETS.due_date, TICKETS.id).limit(size + 1)).all())
    return _paged(rows, size)


def _paged(rows: list, size: int) -> tuple[list, str | None]:
    """The page's rows (of at most size + 1 read) and the key of the next page (None: last page)."""
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, f"{rows[-1].due_date.isoformat()}.{rows[-1].id}"


@dataclass(frozen=True, slots=True)
class Officer:
    """A named officer the assignee filter offers."""

    id: int
    email: str
    name: str
    unit: reference.UnitRef | None


_ASSIGNABLE = frozenset((Role.OFFICER, Role.UNIT_HEAD))  # the roles the assignee filter offers


def assignee_choices(user: User) -> list[Officer]:
    """The active officers and unit heads the assignee filter offers: the user's unit's, or everyone's
    for the office; by name. From the reference cache (accounts and units): no statement per page."""
    units = reference.units()
    sees_all = user.sees_all
    return [
        Officer(s.id, s.email, s.name, units.get(s.unit_id) if s.unit_id else None)
        for s in reference.staff()
        if s.role in _ASSIGNABLE and (sees_all or s.unit_id == user.unit_id)
    ]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A row of the queue as the page shows it: the columns of `ROW_COLUMNS`, then the names of its unit
    (None: not routed yet), category and assignee, the labels of its channel, kind and state in the
    page's language, and where it stands today."""

    id: int
    code: str
    title: str
    organization: str | None
    name: str
    channel: str
    kind: str
    category_id: int | None
    unit_id: int | None
    assignee_id: int | None
    state: str
    pending_extension_date: date | None
    received_on: date
    due_date: date | None
    route_due_date: date | None
    transfer_due_date: date | None
    paused_on: date | None
    answered_on: date | None
    on_time: bool | None
    unit_name: str | None
    category_name: str
    assignee_name: str | None
    channel_label: str
    kind_label: str
    state_label: str
    standing: standings.Standing


def shown(rows: list, officers: list[Officer], today: date, cal: WorkCalendar, locale: str) -> list[QueueRow]:
    """The page's rows with their names, labels and standing. Units and categories come from the
    reference cache, each label is looked up once per page, and the officers of the filter name most
    assignees: the others (inactive, another unit's) are read in one statement."""
    units, categories = reference.units(), reference.categories()
    names: dict[int, str] = {o.id: o.name for o in officers}
    missing = {r.assignee_id for r in rows if r.assignee_id is not None and r.assignee_id not in names}
    if missing:
        names.update(
            db.session.execute(db.select(_USERS.id, _USERS.name).where(_USERS.id.in_(sorted(missing)))).tuples()
        )
    labels: dict[tuple, str] = {}

    def label(table, key) -> str:
        found = labels.get((id(table), key))
        if found is None:
            found = labels[(id(table), key)] = states.label(table, key, locale)
        return found

    def localized(ref) -> str | None:
        return None if ref is None else states.localized_name(ref, locale)

    return [
        QueueRow(
            **r._mapping,
            unit_name=localized(units.get(r.unit_id)) if r.unit_id is not None else None,
            category_name=localized(categories.get(r.category_id)) or "",
            assignee_name=names.get(r.assignee_id),
            channel_label=label(states.CHANNEL_LABELS, r.channel),
            kind_label=label(states.KIND_LABELS, r.kind),
            state_label=label(states.STATE_LABELS, r.state),
            standing=standings.standing(
                r.state, r.due_date, today, cal, answered_on=r.answered_on, on_time_flag=r.on_time
            ),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Counts:
    """Tickets per state under the filters, and when they were counted (local time).

    `live`: read from the counters now (exact, no lag); otherwise kept for `max_age` seconds. `capped`:
    a text search with more than `SEARCH_COUNT_CAP` matches, whose counts per state were not taken.
    """

    by_state: dict[str, int]
    at: datetime
    max_age: int
    live: bool = False
    capped: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def open_total(self) -> int:
        return sum(n for s, n in self.by_state.items() if s in OPEN_STATES)


_cache: dict[tuple, tuple[float, int, Any]] = {}
_cache_lock = threading.Lock()
_generation = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _note_ticket_write(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Counts kept by this process are dropped when it writes tickets (the user sees their own change)."""
    head = statement[:8].lstrip().upper()
    if (head.startswith(("INSERT", "UPDATE", "DELETE", "TRUNCAT")) and "tickets" in statement[:200]) or (
        head.startswith("WITH") and "INSERT INTO tickets" in statement  # intake's one statement
    ):
        _generation[0] += 1


def counter_counts(f: QueueFilters, user: User) -> dict[str, int]:
    """Tickets per state in the user's scope under the unit, kind, category and assignee filters, from
    the counters (`queue_counts`): exact and current."""

    def build():
        stmt = scope_tickets(
            db.select(COUNTERS.state, db.func.sum(COUNTERS.n)).group_by(COUNTERS.state), user, COUNTERS.unit_id
        )
        return where_unit_kind_category_assignee(stmt, f, user, COUNTERS, unassigned=COUNTERS.assignee_id == 0)

    stmt = _statements.get(("counters", *_filters_key(f, user, None)), build)
    return {state: int(n) for state, n in db.session.execute(stmt).all() if n}


def counts_max_age() -> int:
    """Seconds a count of tickets under a date filter or a search is kept (QUEUE_COUNTS_SECONDS)."""
    return int(current_app.config.get("QUEUE_COUNTS_SECONDS", COUNTS_SECONDS))


def totals_max_age() -> int:
    """Seconds the department's totals per state are kept (QUEUE_TOTALS_SECONDS; 0: read every time)."""
    return int(current_app.config.get("QUEUE_TOTALS_SECONDS", TOTALS_SECONDS))


def kept(key: tuple, compute: Callable[[], T], max_age: int | None = None) -> T:
    """`compute()` (counts of tickets), kept by this process under `key` for `max_age` seconds (default
    `counts_max_age()`) and dropped as soon as this process writes tickets (the user sees their own change
    at once)."""
    full = (id(db.engine), *key)
    moment = time.monotonic()
    seconds = counts_max_age() if max_age is None else max_age
    with _cache_lock:
        hit = _cache.get(full)
        if hit and hit[1] == _generation[0] and moment - hit[0] < seconds:
            return hit[2]
        generation = _generation[0]
    value = compute()
    with _cache_lock:
        if len(_cache) > 2000:
            _cache.clear()
        _cache[full] = (moment, generation, value)
    return value


def counts(f: QueueFilters, user: User, today: date, cal, now: datetime) -> Counts:
    """The tickets per state that the filters select within the user's scope (every state, not only open)."""
    if not (f.overdue or f.due_within is not None or (f.q and search.staff_terms(f.q))):
        seconds = totals_max_age()
        if seconds <= 0:
            return Counts(counter_counts(f, user), now, 0, live=True)
        if user.sees_all and not (f.unit or f.kind or f.category or f.assignee):
            # Every counter of the department (some two thousand rows at a million tickets, a millisecond
            # of the office's first page): one sum for the whole department.
            key: tuple = ("totals",)
        else:
            # A scope's or a filter's counters (a few hundred rows, one round trip of every such page).
            key = ("counters", *_count_scope(f, user), f.count_key())
        # Summed once every few seconds per process, dropped when this process writes; the page says so.
        return kept(key, lambda: Counts(counter_counts(f, user), now, seconds), seconds)

    def count() -> Counts:
        stmt = apply_filters(scope_tickets(db.select(TICKETS.state), user, TICKETS.unit_id), f, user, today, cal)
        capped = False
        if f.q:
            # At most one more than the cap: beyond it the page says "more than 1,000" instead of counting.
            found = stmt.limit(SEARCH_COUNT_CAP + 1).subquery()
            by_state = dict(db.session.execute(db.select(found.c.state, db.func.count()).group_by(found.c.state)).all())
            capped = sum(by_state.values()) > SEARCH_COUNT_CAP
        else:
            grouped = apply_filters(
                scope_tickets(db.select(TICKETS.state, db.func.count()), user, TICKETS.unit_id), f, user, today, cal
            )
            by_state = dict(db.session.execute(grouped.group_by(TICKETS.state)).all())
        return Counts({} if capped else by_state, now, counts_max_age(), capped=capped)

    return kept((*_count_scope(f, user), today, f.count_key()), count)


def _count_scope(f: QueueFilters, user: User) -> tuple:
    """What a kept count depends on of the user: the scope (`scope_of`: every unit, or which one), and
    the user only for "my tickets"."""
    return (user.sees_all, user.unit_id, user.id if f.assignee == "me" else None)


def tracking_code(q: str) -> str | None:
    """`q` as a tracking code (trimmed, upper case) when it has a code's form (`PAKN-2026-000042`); else None."""
    candidate = q.strip().upper()
    return candidate if _code_form(current_app.config["TRACKING_PREFIX"]).fullmatch(candidate) else None


@functools.cache
def _code_form(prefix: str) -> re.Pattern:
    """A tracking code's form for the office's prefix (compiled once)."""
    return re.compile(rf"{re.escape(prefix.upper())}-\d{{4}}-\d{{1,10}}")
