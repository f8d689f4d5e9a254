"""Where a ticket stands, as its badge on the queue and the ticket page (feedback/web/templating.py):
the exact markup, in both languages, for every standing."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from feedback.domain.outcomes import Standing
from feedback.web.templating import standing_badge

PAUSED = SimpleNamespace(paused_on=date(2026, 11, 5))

CASES = [
    ("vi", Standing("overdue", 3), None, False, "danger", "overdue", "Quá hạn 3 ngày LV"),
    ("vi", Standing("overdue", 3), None, True, "danger", "overdue", "Quá hạn 3 ngày làm việc"),
    ("vi", Standing("in_time", 12), None, False, "info", "in_time", "Còn 12 ngày LV"),
    ("vi", Standing("in_time", 12), None, True, "info", "in_time", "Còn 12 ngày làm việc"),
    ("vi", Standing("due_today", 0), None, False, "warning", "due_today", "Đến hạn hôm nay"),
    ("vi", Standing("paused"), PAUSED, False, "secondary", "paused", "Tạm dừng từ 05/11/2026"),
    ("vi", Standing("paused"), None, False, "secondary", "paused", "Tạm dừng"),
    ("vi", Standing("answered_on_time"), None, False, "success", "answered_on_time", "Trả lời đúng hạn"),
    ("vi", Standing("answered_late", 2), None, False, "danger", "answered_late", "Trả lời quá hạn 2 ngày LV"),
    ("en", Standing("in_time", 1), None, False, "info", "in_time", "1 working days left"),
    ("en", Standing("paused"), PAUSED, True, "secondary", "paused", "Paused since 05/11/2026"),
    ("en", Standing("answered_late", 4), None, False, "danger", "answered_late", "Answered 4 working days late"),
    ("en", Standing("due_today", 0), None, True, "warning", "due_today", "Due today"),
]


@pytest.mark.parametrize(("locale", "standing", "ticket", "long", "css", "status", "text"), CASES)
def test_the_badge_of_each_standing(app, locale, standing, ticket, long, css, status, text):
    with app.test_request_context("/staff/"), force_locale(locale):
        html = str(standing_badge(standing, ticket, long=long))
    assert html == f'<span class="badge text-bg-{css} standing" data-standing="{status}">{text}</span>'


def test_a_closed_ticket_has_a_dash(app):
    with app.test_request_context("/staff/"):
        assert (
            str(standing_badge(Standing("closed")))
            == '<span class="text-muted standing" data-standing="closed">—</span>'
        )


def test_the_queue_and_the_ticket_page_show_it(app, client, make_user, login_as, make_ticket):
    ticket = make_ticket(title="Đề nghị hướng dẫn hồ sơ công bố hợp chuẩn")
    login_as(make_user("coordinator", "VP"))
    queue = client.get("/staff/").get_data(as_text=True)
    page = client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    assert 'class="badge text-bg-info standing" data-standing="in_time">Còn ' in queue
    assert 'data-standing="in_time">Còn ' in page and "ngày làm việc</span>" in page
