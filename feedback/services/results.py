"""The public results read model: list and search, detail, Atom feed, CSV, statistics (DESIGN §7, §9).

Only the public columns of a published ticket are ever read (PUBLIC_COLUMNS): never the submitter's
name, organisation, email, phone, tax code or address. Units and categories come from the reference
cache (`services/reference.py`), so a page of results is one query on the publication-date index.

The statistics count a year's tickets with the report's own status expression
(`services.reports.status_case`) as of the same day the report uses (the earlier of the year's last
day and today), so the public figures of a year are the report's figures of that year by construction.
"""

from __future__ import annotations

import csv
import io
import re
import time as _time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, extract, func, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import load_only

from ..db import search
from ..domain.contact import strip_illegal
from ..domain.outcomes import verdict
from ..domain.redaction import find_personal_data
from ..domain.spreadsheet import safe_row
from ..domain.states import KIND_LABELS, Kind
from ..extensions import db
from ..models import Ticket
from ..timeutil import to_utc_naive, tz
from . import letters, outcomes, reference
from .reports import status_case

PER_PAGE = 20
# Deeper pages cost an OFFSET scan; past 20,000 results the filters, the year, the CSV or Open311 reach them.
MAX_PAGE = 1000
FEED_SIZE = 50

# The only ticket columns a public response reads.
PUBLIC_COLUMNS = (
    Ticket.id,
    Ticket.code,
    Ticket.kind,
    Ticket.category_id,
    Ticket.unit_id,
    Ticket.received_on,
    Ticket.due_date,
    Ticket.answered_on,
    Ticket.answered_at,
    Ticket.on_time,
    Ticket.published_at,
    Ticket.public_title,
    Ticket.public_summary,
    Ticket.public_answer,
)

# The CSV export's columns, in order (README, "Open data").
CSV_COLUMNS = (
    "code",
    "kind",
    "kind_label",
    "category_code",
    "category",
    "unit_code",
    "unit",
    "received_on",
    "due_date",
    "answered_on",
    "on_time",
    "published_at",
    "title",
    "summary",
    "answer",
    "url",
)


@dataclass
class Filters:
    """The results filters from a query string, validated (an unknown value is ignored)."""

    q: str = ""
    kind: str = ""
    category: str = ""
    unit: str = ""
    year: int | None = None
    page: int = 1
    q_refused: bool = False  # the query looked like an email, phone or ID number: not searched, not echoed

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        kind = args.get("kind", "").strip()
        year = args.get("year", "").strip()
        page = args.get("page", "").strip()
        q = args.get("q", "").strip()[:200]
        refused = bool(q) and bool(find_personal_data(q))
        return cls(
            q="" if refused else q,
            q_refused=refused,
            kind=kind if kind in {k.value for k in Kind} else "",
            category=args.get("category", "").strip()[:32],
            unit=args.get("unit", "").strip()[:32],
            year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None,
            page=min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1,
        )

    @classmethod
    def from_request(cls) -> Filters:
        """The filters of the current request's query string."""
        from flask import request

        return cls.from_args(request.args)

    def args(self, **changes) -> dict:
        """Query-string arguments for a link with these filters (empty ones left out)."""
        values = {
            "q": self.q,
            "kind": self.kind,
            "category": self.category,
            "unit": self.unit,
            "year": self.year,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


_CODE = re.compile(r"^[A-Za-z]{2,10}-\d{4}-\d{1,10}$")


def tracking_code(q: str) -> str | None:
    """The query as a tracking code (PAKN-2026-000042, any case), looked up exactly, or None."""
    q = q.strip()
    return q.upper() if _CODE.match(q) else None


def full_text(filters: Filters) -> bool:
    """Whether the filters run a full-text search (a tracking code is an exact look-up instead)."""
    return bool(filters.q) and tracking_code(filters.q) is None


def local_midnight_utc(day: date) -> datetime:
    """The start of a local day as naive UTC (the form published_at is stored in)."""
    return to_utc_naive(datetime.combine(day, time()))


def _id_of(refs, code: str) -> int:
    return next((r.id for r in refs if r.code == code), -1)


def apply_filters(stmt, filters: Filters):
    """Restrict a SELECT over tickets to the published ones matching the filters, newest first."""
    stmt = stmt.where(Ticket.published_at.is_not(None))
    if filters.kind:
        stmt = stmt.where(Ticket.kind == filters.kind)
    # Codes become literal ids (from the cache), which lets the planner use the column statistics.
    if filters.category:
        stmt = stmt.where(Ticket.category_id == _id_of(reference.categories().values(), filters.category))
    if filters.unit:
        stmt = stmt.where(Ticket.unit_id == _id_of(reference.units().values(), filters.unit))
    if filters.year:
        # The year of publication (local time): a range on the same index that orders the page, so
        # an older year does not make the scan walk past every newer result first.
        stmt = stmt.where(
            Ticket.published_at >= local_midnight_utc(date(filters.year, 1, 1)),
            Ticket.published_at < local_midnight_utc(date(filters.year + 1, 1, 1)),
        )
    code = tracking_code(filters.q)
    if code:
        stmt = stmt.where(Ticket.code == code)
    elif filters.q:
        condition = search.matches(filters.q)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt.order_by(Ticket.published_at.desc(), Ticket.id.desc())


def published_query(filters: Filters):
    """SELECT of published tickets (public columns only, as ORM objects) matching the filters, newest first."""
    return apply_filters(db.select(Ticket).options(load_only(*PUBLIC_COLUMNS[1:])), filters)


class PublicResult:
    """A published ticket as the list, the home page and the feed show it: its public columns as plain
    attributes, with its category and unit from the reference cache."""

    # The public columns (PUBLIC_COLUMNS), set from the row; every result is published.
    id: int
    code: str
    kind: str
    category_id: int | None
    unit_id: int | None
    received_on: date
    due_date: date
    answered_on: date | None
    answered_at: datetime | None
    on_time: bool | None
    published_at: datetime
    public_title: str | None
    public_summary: str | None
    public_answer: str | None

    def __init__(self, row, categories: dict, units: dict) -> None:
        self.__dict__.update(row._asdict())
        self.category = categories.get(row.category_id)
        self.unit = units.get(row.unit_id)


def _set_local(settings: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the rest of the transaction; return the previous values."""
    previous = {}
    for name, value in settings.items():
        previous[name] = db.session.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()
        db.session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    return previous


def _run(stmt, searching: bool, fetch: Callable) -> list:
    """Run a results query; on PostgreSQL a search that the planner gets wrong is retried on the GIN index.

    PostgreSQL cannot tell how rare an unseen word is: for "pakn 2026 0876544" it expects thousands of
    matches and walks the publication-date index, evaluating to_tsvector on nearly every row (25 s at a
    million rows). So a search first runs with a short statement timeout; if it is cancelled, the few
    matches are fetched from the GIN index instead (plain index scans off, enough work_mem for an exact
    bitmap) and sorted. Common words keep the ordered scan, which stops after one page.
    """
    if not searching or db.session.get_bind().dialect.name != "postgresql":
        return fetch(db.session.execute(stmt))
    budget = str(int(current_app.config.get("SEARCH_PLAN_TIMEOUT_MS", 300)))
    try:
        with db.session.begin_nested():
            previous = _set_local({"statement_timeout": budget})
            rows = fetch(db.session.execute(stmt))
            _set_local(previous)
        return rows
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "57014":  # query_canceled
            raise
        current_app.logger.info("results search over %s ms: retried on the GIN index", budget)
    with db.session.begin_nested():
        previous = _set_local({"enable_indexscan": "off", "enable_seqscan": "off", "work_mem": "64MB"})
        rows = fetch(db.session.execute(stmt))
        _set_local(previous)
    return rows


def fetch_tickets(stmt, searching: bool) -> list[Ticket]:
    """The ORM tickets of a results query (see `_run`)."""
    return _run(stmt, searching, lambda result: result.unique().scalars().all())


def fetch_results(filters: Filters, limit: int, offset: int = 0) -> list[PublicResult]:
    """Published results matching `filters`, newest first: one query, public columns only."""
    stmt = apply_filters(db.select(*PUBLIC_COLUMNS), filters).limit(limit).offset(offset)
    rows = _run(stmt, full_text(filters), lambda result: result.all())
    categories, units = reference.categories(), reference.units()
    return [PublicResult(row, categories, units) for row in rows]


def results_page(filters: Filters) -> tuple[list[PublicResult], bool]:
    """One page of results and whether there is a next one (one row more than a page tells, no count)."""
    rows = fetch_results(filters, PER_PAGE + 1, (filters.page - 1) * PER_PAGE)
    return rows[:PER_PAGE], len(rows) > PER_PAGE and filters.page < MAX_PAGE


def filter_choices() -> tuple[list, list]:
    """The active units and categories offered as filters, in display order."""
    return [u for u in reference.units().values() if u.active], reference.active_categories()


def published_ticket(code: str) -> Ticket | None:
    """A published ticket by code (public columns only), or None."""
    return db.session.execute(
        db.select(Ticket)
        .options(load_only(*PUBLIC_COLUMNS[1:]))
        .where(Ticket.code == code.strip().upper(), Ticket.published_at.is_not(None))
    ).scalar_one_or_none()


# --- Atom feed ----------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def _rfc3339(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrs) -> ET.Element:
    # Text stored before the input clean-up knew them may hold characters XML cannot carry.
    child = ET.SubElement(parent, tag, {k: strip_illegal(v) for k, v in attrs.items()})
    if value is not None:
        child.text = strip_illegal(value)
    return child


def feed_document(filters: Filters, base: str, self_href: str, html_href: str) -> str:
    """The Atom feed of the newest FEED_SIZE results matching `filters` (an XML document)."""
    tickets = fetch_results(filters, FEED_SIZE)
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "vi"})
    _sub(feed, "title", _("Kết quả giải quyết phản ánh, kiến nghị đã công khai — Sở Khoa học và Công nghệ"))
    _sub(feed, "id", f"{base}/results/feed.atom")
    _sub(feed, "link", rel="self", href=f"{base}{self_href}")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}{html_href}")
    updated = max((t.published_at for t in tickets), default=datetime(2000, 1, 1))
    _sub(feed, "updated", _rfc3339(updated))
    author = _sub(feed, "author")
    _sub(author, "name", _("Sở Khoa học và Công nghệ"))
    with_letter = letters.public_letter_ids([t.id for t in tickets])
    for ticket in tickets:
        entry = _sub(feed, "entry")
        _sub(entry, "title", ticket.public_title)
        link = f"{base}/results/{ticket.code}"
        _sub(entry, "id", link)
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        _sub(entry, "published", _rfc3339(ticket.published_at))
        _sub(entry, "updated", _rfc3339(ticket.published_at))
        if ticket.category is not None:
            _sub(entry, "category", term=ticket.category.code, label=ticket.category.name)
        _sub(entry, "summary", ticket.public_summary or "")
        _sub(entry, "content", ticket.public_answer or "", type="text")
        if ticket.id in with_letter:  # the public copy of the answer letter
            _sub(
                entry,
                "link",
                rel="enclosure",
                type="application/pdf",
                href=f"{link}/letter.pdf",
                title=_("Văn bản trả lời (bản công khai)"),
            )
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


# --- CSV export ---------------------------------------------------------------------------------


def csv_chunks(filters: Filters, base: str) -> Iterator[str]:
    """Every published result matching `filters` as CSV text (UTF-8 BOM first), in chunks of about 64 KB,
    streamed from the database in batches: memory does not grow with the number of rows."""
    units = {u.id: (u.code, u.name) for u in reference.units().values()}
    categories = {c.id: (c.code, c.name) for c in reference.categories().values()}
    kind_labels = {k: v[0] for k, v in KIND_LABELS.items()}
    local_tz = tz()
    stmt = apply_filters(db.select(*PUBLIC_COLUMNS), filters).execution_options(yield_per=2000, stream_results=True)

    def line(row) -> list[str]:
        """One CSV line of a published ticket, in CSV_COLUMNS order."""
        category = categories.get(row.category_id, ("", ""))
        unit = units.get(row.unit_id, ("", ""))
        return [
            row.code,
            row.kind,
            kind_labels.get(row.kind, row.kind),
            category[0],
            category[1],
            unit[0],
            unit[1],
            row.received_on.isoformat(),
            row.due_date.isoformat(),
            row.answered_on.isoformat() if row.answered_on else "",
            ""
            if row.answered_on is None
            else ("true" if verdict(row.on_time, row.answered_on, row.due_date) else "false"),
            row.published_at.replace(tzinfo=UTC).astimezone(local_tz).isoformat(timespec="seconds"),
            row.public_title or "",
            row.public_summary or "",
            row.public_answer or "",
            f"{base}/results/{row.code}",
        ]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for partition in db.session.execute(stmt).partitions():
        writer.writerows(safe_row(line(row)) for row in partition)
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- public statistics --------------------------------------------------------------------------

FIGURES = ("received", "on_time", "late", "overdue")
# The report's statuses behind each public figure (a ticket waiting for the submitter is not overdue).
_FIGURE_OF_STATUS = {"answered_on_time": "on_time", "answered_late": "late", "open_overdue": "overdue"}


def cached(key, compute: Callable[[], Any]) -> Any:
    """A value kept for STATISTICS_CACHE_SECONDS in this process (default 300; 0 under testing).

    Quarterly figures need not be to the second, and a year of tickets is counted on every miss.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's own method
    ttl = app.config.get("STATISTICS_CACHE_SECONDS", 0 if app.testing else 300)
    if not ttl:
        return compute()
    store = app.extensions.setdefault("public_statistics_cache", {})
    now = _time.monotonic()
    hit = store.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    if len(store) > 64:
        store.clear()
    store[key] = (now, value)
    return value


def statistics_as_of(year: int, today: date) -> date:
    """The day the figures of `year` are counted as of: the report's (the earlier of 31/12 and today)."""
    return min(date(year, 12, 31), today)


def _status(as_of: date, today: date):
    """The report's status CASE as of `as_of`. Counted as of today, every recorded approval counts as
    answered (the report's cut-off only leaves out approvals dated after today, which the workflow
    never records)."""
    status = status_case(as_of)
    if as_of < today:
        return status
    return case(
        (outcomes.answered_on_time(), "answered_on_time"), (outcomes.answered_late(), "answered_late"), else_=status
    )


def _count_table(year: int, as_of: date, today: date) -> dict[int | None, dict[int, dict[str, int]]]:
    """unit id -> quarter -> figures, from one GROUP BY over the year with the report's status CASE."""
    quarter = case(
        (extract("month", Ticket.received_on) <= 3, 1),
        (extract("month", Ticket.received_on) <= 6, 2),
        (extract("month", Ticket.received_on) <= 9, 3),
        else_=4,
    ).label("quarter")
    status = _status(as_of, today).label("status")
    stmt = (
        db.select(Ticket.unit_id, quarter, status, func.count().label("n"))
        .where(Ticket.received_on >= date(year, 1, 1), Ticket.received_on <= date(year, 12, 31))
        .group_by(Ticket.unit_id, quarter, status)
    )
    table: dict[int | None, dict[int, dict[str, int]]] = {}
    for row in db.session.execute(stmt):
        cell = table.setdefault(row.unit_id, {}).setdefault(int(row.quarter), dict.fromkeys(FIGURES, 0))
        cell["received"] += int(row.n)
        figure = _FIGURE_OF_STATUS.get(row.status)
        if figure:
            cell[figure] += int(row.n)
    return table


def _with_share(counts: dict) -> dict:
    answered = counts["on_time"] + counts["late"]
    return {**counts, "answered": answered, "share": counts["on_time"] / answered if answered else None}


def yearly_figures(year: int, today: date) -> dict:
    """The public figures of a year by receipt: per unit, per quarter and in total (cached).

    One counting for the statistics page and the home page's headline figures, as of `statistics_as_of`:
    on time and late are the report's answered on time / late, overdue its open overdue.
    """
    as_of = statistics_as_of(year, today)
    table = cached(("statistics", year, as_of, today), lambda: _count_table(year, as_of, today))
    rows: list[dict[str, Any]] = []
    for unit in [*reference.units().values(), None]:
        key = unit.id if unit else None
        if key not in table and (unit is None or not unit.active):
            continue
        quarters = {q: table.get(key, {}).get(q) for q in (1, 2, 3, 4)}
        total = {k: sum((quarters[q] or {}).get(k, 0) for q in quarters) for k in FIGURES}
        rows.append({"unit": unit, "quarters": quarters, "total": _with_share(total)})
    by_quarter = []
    for q in (1, 2, 3, 4):
        counts = {k: sum((per_unit.get(q) or {}).get(k, 0) for per_unit in table.values()) for k in FIGURES}
        by_quarter.append({"quarter": q, **_with_share(counts)})
    total = _with_share({k: sum(r["total"][k] for r in rows) for k in FIGURES})
    return {"year": year, "as_of": as_of, "rows": rows, "quarters": by_quarter, "total": total}


def satisfaction_figures(year: int, quarter: int | None, today: date):
    """The public satisfaction aggregates per unit for the year or one quarter of it (cached)."""
    from . import satisfaction
    from .reports import period_for

    period = period_for(year, quarter)
    return cached(("satisfaction", year, quarter, today), lambda: satisfaction.figures(period.start, period.end))
