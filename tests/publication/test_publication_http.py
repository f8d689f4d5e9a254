"""Staff publish routes and the public results pages, feed, CSV and statistics over HTTP."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from feedback.extensions import db
from feedback.models import Ticket, TicketEvent
from tests.publication.publication_fixtures import (  # noqa: F401
    answered_ticket,
    coordinator,
    publish,
    release_before_requests,
    search_schema,
)
from tests.support import csrf_token

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def answered(answered_ticket):
    return answered_ticket(
        title="Thủ tục cấp giấy chứng nhận đăng ký chuyển giao công nghệ",
        content="Đề nghị hướng dẫn thủ tục đăng ký chuyển giao công nghệ, hồ sơ gồm những gì? Liên hệ 0912 345 678.",
        answer="Thủ tục đăng ký chuyển giao công nghệ thực hiện theo Nghị định 76/2018/NĐ-CP; hồ sơ nộp trực tuyến.",
        category="CGCN",
        unit_code="QLCN",
    )


@pytest.fixture
def signed_in_coordinator(client, coordinator, login_as):
    login_as(coordinator)
    return coordinator


def form_for(client, code):
    page = client.get(f"/staff/tickets/{code}/publish")
    html = page.get_data(as_text=True)
    values = {}
    for name in ("public_title",):
        values[name] = re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
    for name in ("public_summary", "public_answer"):
        values[name] = re.search(rf'name="{name}"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    import html as html_lib

    return page, {k: html_lib.unescape(v) for k, v in values.items()}


def test_publish_form_prefilled_redacted_with_preview(client, answered, signed_in_coordinator):
    page, values = form_for(client, answered.code)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="preview"' in html and 'id="result-answer"' in html
    assert "0912 345 678" not in html.split('id="preview"')[1]
    assert "***" in values["public_summary"]
    assert "Nguyễn Văn An" not in values["public_summary"]


def test_publish_then_public_search_without_diacritics(client, answered, signed_in_coordinator):
    _page, values = form_for(client, answered.code)
    token = csrf_token(client, f"/staff/tickets/{answered.code}/publish")
    response = client.post(f"/staff/tickets/{answered.code}/publish", data={**values, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/tickets/{answered.code}")
    for q in ("chuyen giao cong nghe", "chuyển giao công nghệ", "CHUYEN GIAO", "thu tuc"):
        html = client.get("/results", query_string={"q": q}).get_data(as_text=True)
        assert answered.code in html, q
    html = client.get("/results", query_string={"q": "kiem dinh can"}).get_data(as_text=True)
    assert answered.code not in html and 'id="no-results"' in html
    # The tracking code and regulation numbers are searchable too.
    for q in (answered.code.lower(), answered.code, "76/2018/NĐ-CP", "nghi dinh 76/2018"):
        assert answered.code in client.get("/results", query_string={"q": q}).get_data(as_text=True), q
    detail = client.get(f"/results/{answered.code}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "Nghị định 76/2018/NĐ-CP" in text and "Đúng hạn" in text and "Phòng Quản lý Công nghệ" in text


def test_publish_preview_shows_edited_text_without_publishing(client, answered, signed_in_coordinator):
    _page, values = form_for(client, answered.code)
    token = csrf_token(client, f"/staff/tickets/{answered.code}/publish")
    values["public_title"] = "Tiêu đề xem trước mới"
    response = client.post(
        f"/staff/tickets/{answered.code}/publish", data={**values, "action": "preview", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "Tiêu đề xem trước mới" in response.get_data(as_text=True).split('id="preview"')[1]
    db.session.expire_all()
    assert db.session.get(Ticket, answered.id).published_at is None


def test_publish_with_personal_data_is_400_and_changes_nothing(client, answered, signed_in_coordinator):
    _page, values = form_for(client, answered.code)
    token = csrf_token(client, f"/staff/tickets/{answered.code}/publish")
    values["public_answer"] += " Gọi ông An: 0912345678."
    response = client.post(f"/staff/tickets/{answered.code}/publish", data={**values, "csrf_token": token})
    assert response.status_code == 400
    assert 'id="public_answer-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, answered.id)
    assert ticket.published_at is None and ticket.public_answer is None
    assert client.get(f"/results/{answered.code}").status_code == 404


def test_publish_refusals(client, app, answered_ticket, make_ticket, make_user, login_as):
    answered = answered_ticket()
    new = make_ticket()
    officer = make_user("officer", "CCTDC")
    coordinator = make_user("coordinator", "VP")
    login_as(officer)
    assert client.get(f"/staff/tickets/{answered.code}/publish").status_code == 403
    token = csrf_token(client, "/track")
    data = {
        "public_title": "Tiêu đề công khai",
        "public_summary": "Tóm tắt đủ dài ở đây",
        "public_answer": "Trả lời đủ dài ở đây",
        "csrf_token": token,
    }
    assert client.post(f"/staff/tickets/{answered.code}/publish", data=data).status_code == 403
    client.post("/staff/logout", data={"csrf_token": token})
    login_as(coordinator)
    token = csrf_token(client, "/track")
    data["csrf_token"] = token
    assert client.get("/staff/tickets/PAKN-2000-999999/publish").status_code == 404
    assert client.get(f"/staff/tickets/{new.code}/publish").status_code == 409
    assert client.post(f"/staff/tickets/{new.code}/publish", data=data).status_code == 409
    assert (
        client.post(
            f"/staff/tickets/{answered.code}/unpublish", data={"reason": "chưa công khai", "csrf_token": token}
        ).status_code
        == 409
    )
    # Without a CSRF token nothing happens.
    assert (
        client.post(
            f"/staff/tickets/{answered.code}/publish", data={k: v for k, v in data.items() if k != "csrf_token"}
        ).status_code
        == 400
    )
    db.session.expire_all()
    assert db.session.get(Ticket, answered.id).published_at is None


def test_unpublish_route(client, answered, signed_in_coordinator, publish):
    publish(answered, signed_in_coordinator)
    assert client.get(f"/results/{answered.code}").status_code == 200
    token = csrf_token(client, f"/staff/tickets/{answered.code}/publish")
    assert (
        client.post(f"/staff/tickets/{answered.code}/unpublish", data={"reason": "", "csrf_token": token}).status_code
        == 400
    )
    response = client.post(
        f"/staff/tickets/{answered.code}/unpublish", data={"reason": "Nội dung cần rà soát lại", "csrf_token": token}
    )
    assert response.status_code == 303
    assert client.get(f"/results/{answered.code}").status_code == 404
    assert answered.code not in client.get("/results").get_data(as_text=True)
    assert answered.code not in client.get("/results", query_string={"q": "chuyen giao"}).get_data(as_text=True)
    events = (
        db.session.execute(db.select(TicketEvent.action).where(TicketEvent.ticket_id == answered.id)).scalars().all()
    )
    assert events[-2:] == ["publish", "unpublish"]


@pytest.fixture
def many_published(answered_ticket, coordinator, publish):
    """25 published tickets over two categories, published one hour apart (oldest first)."""
    tickets = []
    for i in range(25):
        category, unit = ("TDC", "CCTDC") if i % 2 else ("SHTT", "QLCN")
        ticket = answered_ticket(
            title=f"Kiến nghị số {i} về đăng ký nhãn hiệu"
            if category == "SHTT"
            else f"Phản ánh số {i} về kiểm định cân",
            content="Nội dung chi tiết của phản ánh, kiến nghị về thủ tục hành chính.",
            answer="Sở trả lời: thủ tục được thực hiện theo quy định hiện hành.",
            category=category,
            unit_code=unit,
            kind="recommendation" if category == "SHTT" else "complaint",
            on_time=i % 3 != 0,
        )
        publish(ticket, coordinator, now=datetime(2026, 11, 1, 3) + timedelta(hours=i))
        tickets.append(ticket)
    return tickets


def codes_in(html: str) -> list[str]:
    return re.findall(r'<span class="font-monospace">(PAKN-\d{4}-\d{6})</span>', html)


def test_results_newest_first_paginated_and_filtered(client, many_published):
    first = codes_in(client.get("/results").get_data(as_text=True))
    newest_first = [t.code for t in reversed(many_published)]
    assert first == newest_first[:20]
    page2 = client.get("/results?page=2").get_data(as_text=True)
    assert codes_in(page2) == newest_first[20:]
    assert 'rel="next"' not in page2 and 'rel="prev"' in page2
    shtt = codes_in(client.get("/results?category=SHTT").get_data(as_text=True))
    assert shtt and all(code in {t.code for t in many_published[0::2]} for code in shtt)
    assert len(codes_in(client.get("/results?unit=CCTDC").get_data(as_text=True))) == 12
    assert len(codes_in(client.get("/results?kind=recommendation").get_data(as_text=True))) == 13
    # year = year of publication (all published in November 2026).
    assert len(codes_in(client.get("/results?year=2026&page=2").get_data(as_text=True))) == 5
    assert codes_in(client.get("/results?year=2025").get_data(as_text=True)) == []
    # Search combined with a filter; rubbish parameters are ignored, not errors.
    assert len(codes_in(client.get("/results?q=nhan+hieu&kind=recommendation").get_data(as_text=True))) == 13
    assert client.get("/results?page=abc&year=xyz&kind=evil").status_code == 200
    assert client.get('/results?q="AND OR NOT*(').status_code == 200


def test_year_is_the_local_year_of_publication(client, answered_ticket, coordinator, publish):
    # 31/12/2025 17:30 UTC is 01/01/2026 00:30 in Hà Nội: published in 2026.
    late = publish(answered_ticket(), coordinator, now=datetime(2025, 12, 31, 17, 30))
    early = publish(answered_ticket(), coordinator, now=datetime(2025, 12, 31, 16, 30))
    assert codes_in(client.get("/results?year=2026").get_data(as_text=True)) == [late.code]
    assert codes_in(client.get("/results?year=2025").get_data(as_text=True)) == [early.code]


def test_atom_feed(client, many_published):
    response = client.get("/results/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 25
    assert entries[0].find(f"{ATOM}id").text.endswith(many_published[-1].code)
    for entry in entries:
        for tag in ("title", "id", "updated", "summary", "content", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    filtered = ET.fromstring(client.get("/results/feed.atom?q=kiem+dinh").data)
    assert len(filtered.findall(f"{ATOM}entry")) == 12


def test_csv_export(client, many_published):
    # buffered: the test client reads the streamed body inside the request, as a WSGI server does.
    response = client.get("/results/export.csv", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    from feedback.public.results import CSV_COLUMNS

    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == 25
    assert rows[0]["code"] == many_published[-1].code
    assert {r["on_time"] for r in rows} == {"true", "false"}
    assert "kiểm định cân" in " ".join(r["title"] for r in rows)


def test_statistics_page(client, answered_ticket, make_ticket, publish, coordinator):
    from feedback.timeutil import local_today

    today = local_today()
    answered_ticket(unit_code="CCTDC", on_time=True)
    answered_ticket(unit_code="CCTDC", on_time=False)
    overdue = make_ticket()
    overdue.state = "in_progress"
    overdue.unit_id = answered_ticket.__self__ if False else None
    from feedback.models import Unit

    overdue.unit_id = db.session.execute(db.select(Unit.id).where(Unit.code == "CCTDC")).scalar_one()
    overdue.due_date = today - timedelta(days=3)
    db.session.commit()
    response = client.get(f"/statistics?year={overdue.received_on.year}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
    row = re.search(r'<tr data-unit="CCTDC">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    # Year totals: received, on time, late, open overdue, on-time rate.
    assert cells[-5:] == ["3", "1", "1", "1", "50,0 %"]
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_csv_export_is_streamed(app, many_published):
    from feedback.public.results import results_csv

    with app.test_request_context("/results/export.csv"):
        response = results_csv()
        assert response.is_streamed
        chunks = list(response.response)
    assert chunks[0].startswith("\ufeffcode,kind,")
    assert sum(chunk.count("\r\n") for chunk in chunks) == 26


def test_statistics_are_cached_when_configured(app, client, answered_ticket):
    answered_ticket(unit_code="CCTDC", on_time=True)
    from feedback.timeutil import local_today

    year = local_today().year
    app.config["STATISTICS_CACHE_SECONDS"] = 300

    def cctdc_total():
        html = client.get(f"/statistics?year={year}").get_data(as_text=True)
        row = re.search(r'<tr data-unit="CCTDC">(.*?)</tr>', html, re.S).group(1)
        return re.findall(r"<td[^>]*>([^<]*)</td>", row)[-5]

    assert cctdc_total() == "1"
    answered_ticket(unit_code="CCTDC", on_time=True)
    assert cctdc_total() == "1"  # within the cache period
    app.config["STATISTICS_CACHE_SECONDS"] = 0
    assert cctdc_total() == "2"


def test_search_retry_on_the_gin_index_after_a_timeout(app, many_published, caplog):
    """A search cut off by the statement timeout is run again (PostgreSQL), with the settings restored."""
    from sqlalchemy import text

    from feedback.public.results import Filters, fetch_tickets, published_query

    if app.config["BACKEND"] != "postgresql":
        pytest.skip("the planner fallback is PostgreSQL's")
    app.config["SEARCH_PLAN_TIMEOUT_MS"] = 20
    slow = published_query(Filters(q="kiem dinh")).where(text("pg_sleep(0.05) IS NOT NULL")).limit(3)
    configured = db.session.execute(text("SHOW statement_timeout")).scalar()  # DB_STATEMENT_TIMEOUT_MS
    db.session.rollback()
    with app.test_request_context("/results?q=kiem+dinh"):
        with caplog.at_level("INFO"):
            rows = fetch_tickets(slow, True)
        assert "retried on the GIN index" in caplog.text
        assert [t.code for t in rows] == [t.code for t in reversed(many_published) if "kiểm định" in t.title][:3]
        assert db.session.execute(text("SHOW enable_indexscan")).scalar() == "on"
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == configured
        db.session.rollback()
