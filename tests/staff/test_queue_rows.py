"""The queue's rows, rendered in Python (web/templating.queue_rows): what a sender typed is escaped, each
badge shows when its condition holds and only then, in the page's language."""

from __future__ import annotations

import re
from datetime import timedelta

from feedback.timeutil import local_today, utcnow
from tests.support import signed_in_client


def row_of(page: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}".*?</tr>', page, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def test_what_a_sender_typed_is_escaped(app, make_user, make_ticket):
    ticket = make_ticket(
        title='<script>alert("PAKN")</script> Về "phí" & lệ phí',
        organization="Công ty TNHH <b>Ánh Dương</b> & Cộng sự",
        name="Trần <i>Văn</i> Ba",
    )
    page = signed_in_client(app, make_user("coordinator", "VP")).get("/staff/").get_data(as_text=True)
    row = row_of(page, ticket.code)
    assert "<script>" not in page and "<b>Ánh" not in page
    assert "&lt;script&gt;alert(&#34;PAKN&#34;)&lt;/script&gt; Về &#34;phí&#34; &amp; lệ phí" in row
    assert "Công ty TNHH &lt;b&gt;Ánh Dương&lt;/b&gt; &amp; Cộng sự · Cổng trực tuyến" in row
    assert f'<a href="/staff/tickets/{ticket.code}" class="font-monospace">{ticket.code}</a>' in row


def test_a_new_ticket_past_its_routing_target_and_a_pending_extension(app, make_user, make_ticket):
    # Fifteen days back: past both targets whatever the weekday and hour this runs at (a receipt after
    # hours on a Friday counts from the Monday).
    late = make_ticket(now=utcnow() - timedelta(days=15), title="Về thủ tục cấp giấy chứng nhận ISO")
    fresh = make_ticket(title="Về lệ phí kiểm định phương tiện đo")
    coordinator = signed_in_client(app, make_user("coordinator", "VP"))
    page = coordinator.get("/staff/").get_data(as_text=True)
    late_row, fresh_row = row_of(page, late.code), row_of(page, fresh.code)
    assert '<span class="badge text-bg-danger route-missed">Quá hạn chuyển đơn vị</span>' in late_row
    assert "route-missed" not in fresh_row
    assert late.transfer_due_date < local_today()  # five working days to send it to another agency
    assert '<span class="badge text-bg-danger transfer-missed">Quá hạn chuyển cơ quan khác</span>' in late_row
    assert "transfer-missed" not in fresh_row
    for row in (late_row, fresh_row):
        assert "<td>Chưa chuyển<div" in row and '<span class="badge text-bg-secondary">Mới tiếp nhận</span>' in row
        assert "Chờ duyệt gia hạn" not in row
    english = coordinator.get("/staff/?lang=en").get_data(as_text=True)
    assert "Routing target missed" in row_of(english, late.code)
    assert "<td>Not routed<div" in row_of(english, fresh.code)
