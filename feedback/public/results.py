"""Published results: search page, detail page, Atom feed, CSV export, public statistics (DESIGN §7, §9).

Only the public columns of a published ticket are ever read into a public response (see
PUBLIC_COLUMNS): never the submitter's name, organisation, email, phone, tax code or address.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from xml.etree import ElementTree as ET

from flask import Response, abort, current_app, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from sqlalchemy import case, extract, func, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, load_only

from ..db import search
from ..domain.contact import strip_illegal
from ..domain.redaction import find_personal_data
from ..domain.outcomes import verdict
from ..domain.spreadsheet import safe_row
from ..domain.states import KIND_LABELS, Kind, State
from ..extensions import db
from ..models import Category, Ticket, Unit
from ..services import letters, outcomes
from ..timeutil import local_today, to_utc_naive, tz
from . import bp

PER_PAGE = 20
# Deeper pages cost an OFFSET scan; past 20,000 results the filters, the year, the CSV or Open311 reach them.
MAX_PAGE = 1000
FEED_SIZE = 50

# The only ticket columns a public response reads.
PUBLIC_COLUMNS = (
    Ticket.id, Ticket.code, Ticket.kind, Ticket.category_id, Ticket.unit_id, Ticket.received_on,
    Ticket.due_date, Ticket.answered_on, Ticket.answered_at, Ticket.on_time, Ticket.published_at,
    Ticket.public_title, Ticket.public_summary, Ticket.public_answer,
)

# The CSV export's columns, in order (documented in docs/publication.md).
CSV_COLUMNS = (
    "code", "kind", "kind_label", "category_code", "category", "unit_code", "unit", "received_on",
    "due_date", "answered_on", "on_time", "published_at", "title", "summary", "answer", "url",
)


@dataclass
class Filters:
    """The results filters from the query string, validated (an unknown value is ignored)."""

    q: str = ""
    kind: str = ""
    category: str = ""
    unit: str = ""
    year: int | None = None
    page: int = 1
    q_refused: bool = False  # the query looked like an email, phone or ID number: not searched, not echoed

    @classmethod
    def from_request(cls) -> Filters:
        args = request.args
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

    def args(self, **changes) -> dict:
        """Query-string arguments for a link with these filters (empty ones left out)."""
        values = {"q": self.q, "kind": self.kind, "category": self.category, "unit": self.unit,
                  "year": self.year, "page": self.page if self.page > 1 else None}
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


def apply_filters(stmt, filters: Filters):
    """Restrict a SELECT over tickets to the published ones matching the filters, newest first."""
    stmt = stmt.where(Ticket.published_at.is_not(None))
    if filters.kind:
        stmt = stmt.where(Ticket.kind == filters.kind)
    # Codes are resolved to ids first: a literal id lets the planner use the column statistics.
    if filters.category:
        category_id = db.session.execute(db.select(Category.id).where(Category.code == filters.category)).scalar()
        stmt = stmt.where(Ticket.category_id == (category_id or -1))
    if filters.unit:
        unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == filters.unit)).scalar()
        stmt = stmt.where(Ticket.unit_id == (unit_id or -1))
    if filters.year:
        # The year of publication (local time): a range on the same index that orders the page, so
        # an older year does not make the scan walk past every newer result first.
        stmt = stmt.where(Ticket.published_at >= local_midnight_utc(date(filters.year, 1, 1)),
                          Ticket.published_at < local_midnight_utc(date(filters.year + 1, 1, 1)))
    code = tracking_code(filters.q)
    if code:
        stmt = stmt.where(Ticket.code == code)
    elif filters.q:
        condition = search.matches(filters.q)
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt.order_by(Ticket.published_at.desc(), Ticket.id.desc())


def published_query(filters: Filters):
    """SELECT of published tickets (public columns only) matching the filters, newest first."""
    stmt = db.select(Ticket).options(
        load_only(*PUBLIC_COLUMNS[1:]), joinedload(Ticket.category), joinedload(Ticket.unit)
    )
    return apply_filters(stmt, filters)


def _choices():
    units = db.session.execute(db.select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order)).scalars().all()
    categories = db.session.execute(
        db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    ).scalars().all()
    return units, categories


def _set_local(settings: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the rest of the transaction; return the previous values."""
    previous = {}
    for name, value in settings.items():
        previous[name] = db.session.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()
        db.session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    return previous


def fetch_tickets(stmt, searching: bool) -> list[Ticket]:
    """Run a results query; on PostgreSQL a search that the planner gets wrong is retried on the GIN index.

    PostgreSQL cannot tell how rare an unseen word is: for "pakn 2026 0876544" it expects thousands of
    matches and walks the publication-date index, evaluating to_tsvector on nearly every row (25 s at a
    million rows). So a search first runs with a short statement timeout; if it is cancelled, the few
    matches are fetched from the GIN index instead (plain index scans off, enough work_mem for an exact
    bitmap) and sorted. Common words keep the ordered scan, which stops after one page.
    """
    if not searching or db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(stmt).unique().scalars().all()
    budget = str(int(current_app.config.get("SEARCH_PLAN_TIMEOUT_MS", 300)))
    try:
        with db.session.begin_nested():
            previous = _set_local({"statement_timeout": budget})
            rows = db.session.execute(stmt).unique().scalars().all()
            _set_local(previous)
        return rows
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "57014":  # query_canceled
            raise
        current_app.logger.info("results search over %s ms: retried on the GIN index", budget)
    with db.session.begin_nested():
        previous = _set_local({"enable_indexscan": "off", "enable_seqscan": "off", "work_mem": "64MB"})
        rows = db.session.execute(stmt).unique().scalars().all()
        _set_local(previous)
    return rows


@bp.get("/results")
def results():
    filters = Filters.from_request()
    # One row more than a page tells whether there is a next page without counting every match.
    page = published_query(filters).limit(PER_PAGE + 1).offset((filters.page - 1) * PER_PAGE)
    rows = fetch_tickets(page, full_text(filters))
    units, categories = _choices()
    this_year = local_today().year
    return render_template(
        "public/results.html", tickets=rows[:PER_PAGE], has_next=len(rows) > PER_PAGE and filters.page < MAX_PAGE,
        filters=filters,
        units=units, categories=categories, kinds=list(Kind), years=range(this_year, this_year - 6, -1),
    )


def published_ticket(code: str) -> Ticket:
    """A published ticket by code.

    :raises NotFound: when there is no such ticket or it is not published.
    """
    ticket = db.session.execute(
        db.select(Ticket).options(load_only(*PUBLIC_COLUMNS[1:]))
        .where(Ticket.code == code.strip().upper(), Ticket.published_at.is_not(None))
    ).scalar_one_or_none()
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/results/<code>")
def result(code: str):
    ticket = published_ticket(code)
    return render_template("public/results_detail.html", ticket=ticket, texts=None,
                           public_letter=ticket.id in letters.public_letter_ids([ticket.id]))


# --- Atom feed ----------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def _rfc3339(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrs) -> ET.Element:
    # Text stored before the input clean-up knew them may hold characters XML cannot carry.
    child = ET.SubElement(parent, tag, {k: strip_illegal(v) for k, v in attrs.items()})
    if value is not None:
        child.text = strip_illegal(value)
    return child


@bp.get("/results/feed.atom")
def results_feed():
    filters = Filters.from_request()
    tickets = fetch_tickets(published_query(filters).limit(FEED_SIZE), full_text(filters))
    base = current_app.config["BASE_URL"].rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "vi"})
    _sub(feed, "title", _("Kết quả giải quyết phản ánh, kiến nghị đã công khai — Sở Khoa học và Công nghệ"))
    _sub(feed, "id", f"{base}/results/feed.atom")
    _sub(feed, "link", rel="self", href=f"{base}{url_for('public.results_feed', **filters.args(page=None))}")
    _sub(feed, "link", rel="alternate", type="text/html",
         href=f"{base}{url_for('public.results', **filters.args(page=None))}")
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
        _sub(entry, "category", term=ticket.category.code, label=ticket.category.name)
        _sub(entry, "summary", ticket.public_summary or "")
        answer = ticket.public_answer or ""
        _sub(entry, "content", answer, type="text")
        if ticket.id in with_letter:  # the public copy of the answer letter
            _sub(entry, "link", rel="enclosure", type="application/pdf", href=f"{link}/letter.pdf",
                 title=_("Văn bản trả lời (bản công khai)"))
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                    mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8")


# --- CSV export ---------------------------------------------------------------------------------


@bp.get("/results/export.csv")
def results_csv():
    filters = Filters.from_request()
    base = current_app.config["BASE_URL"].rstrip("/")
    # Categories and units are few: looked up in dicts, so the rows stream without joins.
    units = {u.id: (u.code, u.name) for u in db.session.execute(db.select(Unit)).scalars()}
    categories = {c.id: (c.code, c.name) for c in db.session.execute(db.select(Category)).scalars()}
    kind_labels = {k: v[0] for k, v in KIND_LABELS.items()}
    local_tz = tz()
    stmt = apply_filters(db.select(*PUBLIC_COLUMNS), filters).execution_options(
        yield_per=2000, stream_results=True
    )

    def line(row) -> list[str]:
        """One CSV line of a published ticket, in CSV_COLUMNS order."""
        category = categories.get(row.category_id, ("", ""))
        unit = units.get(row.unit_id, ("", ""))
        return [
            row.code, row.kind, kind_labels.get(row.kind, row.kind), category[0], category[1], unit[0], unit[1],
            row.received_on.isoformat(), row.due_date.isoformat(),
            row.answered_on.isoformat() if row.answered_on else "",
            "" if row.answered_on is None else ("true" if verdict(row.on_time, row.answered_on, row.due_date) else "false"),
            row.published_at.replace(tzinfo=timezone.utc).astimezone(local_tz).isoformat(timespec="seconds"),
            row.public_title or "", row.public_summary or "", row.public_answer or "",
            f"{base}/results/{row.code}",
        ]

    def generate():
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

    today = local_today().isoformat()
    return Response(
        stream_with_context(generate()), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ket-qua-cong-khai-{today}.csv"'},
    )


# --- public statistics --------------------------------------------------------------------------


def _statistics_table(stmt) -> dict[int | None, dict]:
    """unit id -> quarter -> counts, from the GROUP BY query."""
    table: dict[int | None, dict] = {}
    for row in db.session.execute(stmt):
        per_unit = table.setdefault(row.unit_id, {q: None for q in (1, 2, 3, 4)})
        per_unit[int(row.quarter)] = {"received": int(row.received), "on_time": int(row.on_time),
                                      "late": int(row.late), "overdue": int(row.overdue)}
    return table


def _cached(key, compute):
    """A value kept for STATISTICS_CACHE_SECONDS in this process (default 300; 0 under testing).

    Quarterly figures need not be to the second, and a year of tickets is counted on every miss.
    """
    app = current_app._get_current_object()
    ttl = app.config.get("STATISTICS_CACHE_SECONDS", 0 if app.testing else 300)
    if not ttl:
        return compute()
    cache = app.extensions.setdefault("public_statistics_cache", {})
    now = _time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    if len(cache) > 64:
        cache.clear()
    cache[key] = (now, value)
    return value


def yearly_figures(year: int, today: date) -> dict:
    """The public figures of a year by receipt: per unit, per quarter and in total (cached).

    One counting for the statistics page and the home page's headline figures: on time and late are
    answered tickets by the one on-time verdict (services/outcomes.py); overdue are open tickets whose clock runs past the due date.
    """
    quarter = case(
        (extract("month", Ticket.received_on) <= 3, 1),
        (extract("month", Ticket.received_on) <= 6, 2),
        (extract("month", Ticket.received_on) <= 9, 3),
        else_=4,
    )
    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = (
        db.select(
            Ticket.unit_id, quarter.label("quarter"), func.count().label("received"),
            count_if(outcomes.answered_on_time()).label("on_time"),
            count_if(outcomes.answered_late()).label("late"),
            count_if(outcomes.overdue_never_answered(today)).label("overdue"),
        )
        .where(Ticket.received_on >= date(year, 1, 1), Ticket.received_on <= date(year, 12, 31))
        .group_by(Ticket.unit_id, quarter)
    )
    units = db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.name)).scalars().all()
    table = _cached(("statistics", year, today), lambda: _statistics_table(stmt))
    keys = ("received", "on_time", "late", "overdue")

    def with_share(counts: dict) -> dict:
        answered_n = counts["on_time"] + counts["late"]
        return {**counts, "answered": answered_n, "share": counts["on_time"] / answered_n if answered_n else None}

    rows = []
    for unit in [*units, None]:
        if unit is None and None not in table:
            continue
        if unit is not None and unit.id not in table and not unit.active:
            continue
        quarters = table.get(unit.id if unit else None, {q: None for q in (1, 2, 3, 4)})
        total = {k: sum((quarters[q] or {}).get(k, 0) for q in quarters) for k in keys}
        rows.append({"unit": unit, "quarters": quarters, "total": with_share(total)})
    by_quarter = []
    for q in (1, 2, 3, 4):
        counts = {k: sum((per_unit[q] or {}).get(k, 0) for per_unit in table.values()) for k in keys}
        by_quarter.append({"quarter": q, **with_share(counts)})
    total = with_share({k: sum(r["total"][k] for r in rows) for k in keys})
    return {"year": year, "rows": rows, "quarters": by_quarter, "total": total}


@bp.get("/statistics")
def statistics():
    today = local_today()
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and 2000 <= int(year_arg) <= 2100 else today.year
    figures = yearly_figures(year, today)
    # The chart is the quarterly trend: four short labels fit a phone's width.
    quarters = figures["quarters"]
    chart = {
        "labels": [_("Quý %(q)s", q=roman) for roman in ("I", "II", "III", "IV")],
        "series": [
            {"label": _("Trả lời đúng hạn"), "data": [q["on_time"] for q in quarters], "color": "#146c43"},
            {"label": _("Trả lời quá hạn"), "data": [q["late"] for q in quarters], "color": "#b35c00"},
            {"label": _("Đang xử lý quá hạn"), "data": [q["overdue"] for q in quarters], "color": "#b02a37"},
        ],
    }
    # Satisfaction (issue 14): aggregates only, per unit, for the year or one quarter of it.
    from ..services import satisfaction

    quarter_arg = request.args.get("quarter", "")
    sat_quarter = int(quarter_arg) if quarter_arg in ("1", "2", "3", "4") else None
    sat_start = date(year, 3 * sat_quarter - 2, 1) if sat_quarter else date(year, 1, 1)
    sat_end = (date(year + (sat_quarter == 4), (3 * sat_quarter) % 12 + 1, 1) - timedelta(days=1)) if sat_quarter \
        else date(year, 12, 31)
    sat = _cached(("satisfaction", year, sat_quarter, today), lambda: satisfaction.figures(sat_start, sat_end))
    return render_template(
        "public/results_statistics.html", year=year, rows=figures["rows"], quarters=quarters,
        total=figures["total"], today=today, years=range(today.year, today.year - 6, -1), sat=sat,
        sat_quarter=sat_quarter, min_ratings=satisfaction.rules.MIN_PUBLIC_RATINGS,
        chart_json=json.dumps(chart, ensure_ascii=False).replace("<", "\\u003c"),
    )
