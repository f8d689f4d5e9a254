"""Open311 request lists over a requested_datetime range: bounded, newest requested first, paged."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.extensions import db
from feedback.timeutil import utcnow


def _ids(client, query: str) -> list[str]:
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["service_request_id"] for r in response.get_json()]


def _w3c(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_range_lists_its_requests_newest_requested_first(client, make_ticket):
    now = utcnow()
    old = make_ticket(now=now - timedelta(days=40), title="Phản ánh về lịch kiểm định tháng trước")
    middle = make_ticket(now=now - timedelta(days=20), title="Kiến nghị rút ngắn thời gian thẩm định")
    new = make_ticket(now=now - timedelta(days=2), title="Đề xuất hướng dẫn trên cổng dịch vụ công")
    codes = {t.code for t in (old, middle, new)}
    db.session.commit()
    start, end = _w3c(now - timedelta(days=30)), _w3c(now - timedelta(days=10))
    assert _ids(client, f"start_date={start}&end_date={end}") == [middle.code]
    assert _ids(client, f"start_date={start}") == [new.code, middle.code]  # no end_date: up to now
    assert _ids(client, f"end_date={end}") == [middle.code, old.code]  # no start_date: everything before
    assert set(_ids(client, "")) == codes  # neither: the last 90 days
    assert _ids(client, f"start_date={start}&end_date={end}&status=open") == [middle.code]
    assert _ids(client, f"start_date={start}&end_date={end}&status=closed") == []


def test_a_range_ending_before_it_starts_is_refused(client):
    now = utcnow()
    response = client.get(f"/open311/v2/requests.json?start_date={_w3c(now)}&end_date={_w3c(now - timedelta(days=1))}")
    assert response.status_code == 400
    assert response.get_json() == [{"code": 400, "description": "end_date phải sau start_date."}]


def test_pages_are_linked_and_the_default_size_documented(client, make_ticket):
    now = utcnow()
    tickets = [make_ticket(now=now - timedelta(hours=3 * i), title=f"Phản ánh về thủ tục số {i}") for i in range(3)]
    first = client.get("/open311/v2/requests.json?page_size=2")
    assert [r["service_request_id"] for r in first.get_json()] == [tickets[0].code, tickets[1].code]
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"') and "page=2" in link and "page_size=2" in link
    second = client.get(link[1 : link.index(">")])
    assert [r["service_request_id"] for r in second.get_json()] == [tickets[2].code]
    assert "Link" not in second.headers  # the last page
    document = client.get("/open311/v2/openapi.json").get_json()
    page_size = next(p for p in document["paths"]["/requests.{fmt}"]["get"]["parameters"] if p["name"] == "page_size")
    assert "mặc định 100" in page_size["description"]
