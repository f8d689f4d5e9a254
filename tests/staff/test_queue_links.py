"""The queue page's links (state tabs, first page) keep every filter: `QueueFilters.link` builds them
without a URL build per link and must give exactly what `url_for` gives, whatever was typed."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict

from feedback.services.queue import QueueFilters

TYPED = [
    {},
    {"q": "Minh Phát"},
    {"q": "Công ty TNHH A&B / chi nhánh #2 + 100% vốn?", "unit": "CCTDC", "overdue": "1"},
    {"state": "in_progress", "kind": "complaint", "category": "TDC", "assignee": "hoa.nt@sokhcn.gov.vn"},
    {"due_within": "3", "assignee": "none", "q": "0312345678-001"},
    {"q": "'quote' (paren) *star* ;semi: @at $dollar !bang ,comma = equals"},
]


@pytest.mark.parametrize("typed", TYPED)
def test_a_link_is_what_url_for_builds(app, typed):
    with app.test_request_context("/staff/"):
        f = QueueFilters(MultiDict(typed))
        path = url_for("staff.queue")
        for state in ("", "new", "in_progress", "all"):
            assert f.link(path, state=state) == url_for("staff.queue", **f.query_args(state=state))
        assert f.link(path) == url_for("staff.queue", **f.query_args())


def test_a_tab_keeps_the_search_and_the_filters_on_the_page(app, client, make_user, login_as):
    login_as(make_user("coordinator", "VP"))
    page = client.get("/staff/?q=Minh+Ph%C3%A1t&unit=CCTDC&overdue=1").get_data(as_text=True)
    assert 'href="/staff/?state=new&amp;unit=CCTDC&amp;overdue=1&amp;q=Minh+Ph%C3%A1t"' in page
    assert 'href="/staff/?state=all&amp;unit=CCTDC&amp;overdue=1&amp;q=Minh+Ph%C3%A1t"' in page
