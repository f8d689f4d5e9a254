"""Published results pages: search, detail, Atom feed, CSV export, public statistics (DESIGN §7, §9).

Thin views over the read model in `feedback/services/results.py`.
"""

from __future__ import annotations

import json

from flask import Response, abort, current_app, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from ..domain.states import Kind
from ..services import letters, reference
from ..services import results as read_model
from ..services.results import CSV_COLUMNS, Filters, fetch_tickets, published_query  # noqa: F401  (re-exported)
from ..timeutil import local_today
from . import bp, cache


def _year_choices(today):
    return range(today.year, today.year - 6, -1)


def _filters_key(filters: Filters) -> tuple:
    """The filters as part of a cache key (a refused query is not in it: only that it was refused)."""
    return (tuple(sorted(filters.args().items())), filters.q_refused)


@bp.get("/results")
def results():
    filters = Filters.from_request()

    def context() -> dict:
        rows, has_next = read_model.results_page(filters)
        units, categories = read_model.filter_choices()
        return {
            "tickets": rows,
            "has_next": has_next,
            "filters": filters,
            "units": units,
            "categories": categories,
            "kinds": list(Kind),
            "years": _year_choices(local_today()),
        }

    return cache.page(_filters_key(filters), "public/results.html", context)


@bp.get("/results/<code>")
def result(code: str):
    """One published result, from the public page cache like the list (an unknown code is a 404, never cached)."""

    def context() -> dict:
        ticket = read_model.published_ticket(code)
        if ticket is None:
            abort(404)
        return {
            "ticket": ticket,
            "texts": None,
            # Named from the reference cache: the page reads nothing more than the ticket and its letter.
            "category": reference.categories().get(ticket.category_id),
            "unit": reference.units().get(ticket.unit_id) if ticket.unit_id else None,
            "public_letter": ticket.id in letters.public_letter_ids([ticket.id]),
        }

    return cache.page((), "public/results_detail.html", context)


@bp.get("/results/feed.atom")
def results_feed():
    filters = Filters.from_request()
    body = cache.value(
        _filters_key(filters),
        lambda: read_model.feed_document(
            filters,
            current_app.config["BASE_URL"].rstrip("/"),
            url_for("public.results_feed", **filters.args(page=None)),
            url_for("public.results", **filters.args(page=None)),
        ),
    )
    return Response(body, mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8")


@bp.get("/results/export.csv")
def results_csv():
    chunks = read_model.csv_chunks(Filters.from_request(), current_app.config["BASE_URL"].rstrip("/"))
    today = local_today().isoformat()
    return Response(
        stream_with_context(chunks),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ket-qua-cong-khai-{today}.csv"'},
    )


@bp.get("/statistics")
def statistics():
    today = local_today()
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and 2000 <= int(year_arg) <= 2100 else today.year
    quarter_arg = request.args.get("quarter", "")
    sat_quarter = int(quarter_arg) if quarter_arg in ("1", "2", "3", "4") else None
    figures = read_model.yearly_figures(year, today)
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
    from ..services import satisfaction

    return render_template(
        "public/results_statistics.html",
        year=year,
        rows=figures["rows"],
        quarters=quarters,
        total=figures["total"],
        today=today,
        as_of=figures["as_of"],
        years=_year_choices(today),
        sat=read_model.satisfaction_figures(year, sat_quarter, today),
        sat_quarter=sat_quarter,
        min_ratings=satisfaction.rules.MIN_PUBLIC_RATINGS,
        chart_json=json.dumps(chart, ensure_ascii=False).replace("<", "\\u003c"),
    )
