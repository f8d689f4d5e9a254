"""The public pages as a portal visitor reads them (issue 15): home, footer, tracking, statistics, 429,
numbers in each language; and the staff queue's presentation."""

from __future__ import annotations

import re
from datetime import timedelta

from feedback.extensions import db
from feedback.models import OutboxMessage, Ticket
from feedback.services import publication, workflow
from feedback.timeutil import local_today, utcnow
from tests.factories import advance
from tests.support import VALID_FORM, csrf_token


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id (up to its tag's first closing tag)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def answered(make_ticket, make_user, *, late: bool = False) -> Ticket:
    coordinator = make_user("coordinator", "VP")
    head = make_user("unit_head", "CCTDC")
    officer = make_user("officer", "CCTDC")
    now = utcnow()
    ticket = advance(
        make_ticket(),
        {"coordinator": coordinator, "head": head, "officer": officer},
        "pending_approval",
        now,
        answer="Chi cục đã bố trí lịch kiểm định vào tuần tới.",
    )
    if late:
        ticket.due_date = local_today() - timedelta(days=2)
        workflow.approve(ticket, head, now, late_reason="Chờ ý kiến của Tổng cục.")
    else:
        workflow.approve(ticket, head, now)
    db.session.commit()
    return ticket


def test_home_has_tracking_box_figures_latest_results_and_contact(client, make_ticket, make_user):
    ticket = answered(make_ticket, make_user)
    coordinator = make_user("coordinator", "VP")
    publication.publish(
        ticket,
        coordinator,
        "Thời gian kiểm định cân thương mại",
        "Doanh nghiệp phản ánh việc chậm kiểm định cân.",
        "Chi cục đã bố trí lịch kiểm định.",
        utcnow(),
    )
    make_ticket(title="Đề nghị hỗ trợ đăng ký nhãn hiệu tập thể")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    box = re.search(r'<section[^>]*id="track-box".*?</section>', html, re.S).group(0)
    assert 'action="/track"' in box and 'name="code"' in box and 'name="email"' in box and 'method="post"' in box
    # the same counting as the public statistics: 2 received, 1 answered on time of 1 answered
    assert re.search(r'data-figure="received">2<', html)
    assert re.search(r'data-figure="on_time">1<', html)
    assert re.search(r'data-figure="on_time_share">100,0 %<', html)
    stats = client.get("/statistics").get_data(as_text=True)
    assert re.search(r'data-figure="received">2<', stats) and re.search(r'data-figure="on_time_share">100,0 %<', stats)
    assert "Thời gian kiểm định cân thương mại" in text_of(html, "latest-results")
    assert f'href="/results/{ticket.code}"' in html


def test_footer_of_every_page_has_the_contact_and_the_true_deadline_rule(app, client):
    app.config.update(OFFICE_HOTLINE="0272 3826 999", OFFICE_EMAIL="vanphong@sokhcn.tayninh.gov.vn")
    for path, status in [
        ("/", 200),
        ("/submit", 200),
        ("/track", 200),
        ("/results", 200),
        ("/statistics", 200),
        ("/staff/login", 200),
        ("/khong-co-trang-nay", 404),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        html = response.get_data(as_text=True)
        contact = text_of(html, "office-contact")
        assert "0272 3826 999" in contact and "vanphong@sokhcn.tayninh.gov.vn" in contact, path
        assert "07:30–17:00" in contact, path
        rule = text_of(html, "deadline-rule")
        assert "20 ngày kể từ ngày tiếp nhận" in rule and "ngày làm việc kể từ" not in rule, path
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "20 calendar days from receipt" in text_of(english, "deadline-rule")
    assert "Circular 02/2017/TT-VPCP" in text_of(english, "deadline-rule")


def test_footer_follows_the_rule_an_administrator_changed(client):
    from feedback.models import DeadlineRule

    rule = db.session.execute(
        db.select(DeadlineRule).where(DeadlineRule.purpose == "answer", DeadlineRule.regime.is_(None))
    ).scalar_one()
    rule.amount, rule.day_unit = 15, "working_days"
    db.session.commit()
    assert "15 ngày làm việc kể từ ngày tiếp nhận" in text_of(client.get("/").get_data(as_text=True), "deadline-rule")


def test_tracking_page_shows_what_was_sent_and_the_paused_clock(client, make_ticket, make_user):
    ticket = make_ticket()
    coordinator = make_user("coordinator", "VP")
    workflow.request_info(ticket, coordinator, "Đề nghị Quý vị gửi bản sao giấy chứng nhận.", utcnow())
    db.session.commit()
    html = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert VALID_FORM["content"] in text_of(html, "sent-content")
    assert "Không có tệp đính kèm" in html
    paused = text_of(html, "clock-paused")
    assert f"tạm dừng từ ngày {local_today().strftime('%d/%m/%Y')}" in paused
    assert "đến nay 0 ngày làm việc" in paused
    english = client.get(f"/track/{ticket.tracking_token}?lang=en").get_data(as_text=True)
    assert "paused since" in text_of(english, "clock-paused")


def test_refused_ticket_shows_no_running_deadline(client, make_ticket, make_user):
    ticket = make_ticket()
    workflow.refuse(
        ticket,
        make_user("coordinator", "VP"),
        "Nội dung không thuộc phạm vi của Sở.",
        utcnow(),
        reason_code="out_of_scope",
    )
    db.session.commit()
    html = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert 'id="due-date"' not in html
    assert "Không áp dụng" in text_of(html, "no-deadline")


def test_published_ticket_links_its_result(client, make_ticket, make_user):
    ticket = answered(make_ticket, make_user)
    publication.publish(
        ticket,
        make_user("coordinator", "VP"),
        "Kiểm định cân thương mại",
        "Chậm kiểm định cân.",
        "Chi cục đã bố trí lịch kiểm định.",
        utcnow(),
    )
    db.session.commit()
    html = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert f'href="/results/{ticket.code}"' in html.split('id="published-link"', 1)[1][:200]


def test_statistics_numbers_in_each_language(client, make_ticket, make_user):
    answered(make_ticket, make_user, late=True)
    html = client.get("/statistics").get_data(as_text=True)
    total = re.search(r'<tr[^>]*data-unit="total">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", total) == ["1", "0", "1", "0", "0,0 %"]
    assert "Tổng số" in total
    assert re.search(r'data-quarter="\d">', html)
    assert "TN" not in re.sub(r"<[^>]+>", " ", html).split()  # no abbreviations as headings
    english = client.get("/statistics?lang=en").get_data(as_text=True)
    assert re.search(r'data-figure="on_time_share">0\.0%<', english)


def test_number_filters_follow_the_language(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("vi"):
        assert render_template_string("{{ 0.938|percent }} {{ 12345.6|number(1) }}") == "93,8 % 12.345,6"
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string("{{ 0.938|percent }} {{ 12345.6|number(1) }}") == "93.8% 12,345.6"


def test_too_many_submissions_say_when_to_try_again(app, client, valid_form):
    app.config.update(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT=1, SUBMIT_RATE_WINDOW=600)
    first = client.post(
        "/submit", data={**valid_form, "csrf_token": csrf_token(client, "/submit")}, content_type="multipart/form-data"
    )
    assert first.status_code == 303
    second = client.post(
        "/submit", data={**valid_form, "csrf_token": csrf_token(client, "/submit")}, content_type="multipart/form-data"
    )
    assert second.status_code == 429
    assert 590 <= int(second.headers["Retry-After"]) <= 601
    assert "Vui lòng thử lại sau 10 phút" in second.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 1


def test_refused_form_lists_every_error_as_a_link_to_its_field(client):
    html = client.post(
        "/submit",
        data={"csrf_token": csrf_token(client, "/submit"), "submitter_type": "enterprise"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', html, re.S).group(0)
    links = re.findall(r'href="#([\w-]+)"', summary)
    assert {"organization", "tax_code", "name", "email", "address", "kind", "category", "title", "content"} <= set(
        links
    )
    for field_id in links:
        assert f'id="{field_id}"' in html
    assert "website" not in links  # the honeypot stays invisible


def test_every_email_html_has_a_title(client, make_ticket):
    make_ticket()
    message = db.session.execute(db.select(OutboxMessage)).scalars().first()
    assert re.search(r"<title>[^<]+</title>", message.body_html)
    from markupsafe import escape

    assert f"<title>{escape(message.subject)}</title>" in message.body_html


def test_queue_presentation(client, make_user, make_ticket, login_as):
    coordinator = make_user("coordinator", "VP", email="vp@test.vn")
    make_user("officer", "CCTDC", name="Huỳnh Chuyên Viên")
    ticket = make_ticket()
    db.session.rollback()
    login_as(coordinator)
    html = client.get("/staff/").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="assignee"', html)
    assignee = re.search(r'<select[^>]*id="assignee".*?</select>', html, re.S).group(0)
    assert 'value="me"' in assignee and 'value="none"' in assignee and "Huỳnh Chuyên Viên" in assignee
    row = re.search(rf'<tr data-code="{ticket.code}".*?</tr>', html, re.S).group(0)
    assert 'class="code-cell"' in row
    assert ticket.received_on.strftime("%d/%m/%Y") in row
    assert "Ngày tiếp nhận" in html
    page = client.get(f"/staff/tickets/{ticket.code}").get_data(as_text=True)
    assert "Phiên bản" not in page and 'name="version"' in page
    refuse = re.search(r'<form[^>]*id="form-refuse".*?</form>', page, re.S).group(0)
    assert "<details" in refuse and "Xác nhận không tiếp nhận" in refuse


def test_reports_show_decimals_the_vietnamese_way_and_xlsx_keeps_numbers(client, make_ticket, make_user, login_as):
    import io

    from openpyxl import load_workbook

    answered(make_ticket, make_user)
    answered(make_ticket, make_user, late=True)
    answered(make_ticket, make_user)
    coordinator = make_user("coordinator", "VP", email="bao.cao@test.vn")
    db.session.rollback()
    login_as(coordinator)
    year = local_today().year
    html = client.get(f"/staff/reports?year={year}").get_data(as_text=True)
    rate = re.search(r'data-figure="on_time_rate">([^<]*)<', html).group(1)
    assert rate == "66,7 %"
    english = client.get(f"/staff/reports?year={year}&lang=en").get_data(as_text=True)
    assert re.search(r'data-figure="on_time_rate">([^<]*)<', english).group(1) == "66.7%"
    client.get("/staff/?lang=vi")
    workbook = load_workbook(io.BytesIO(client.get(f"/staff/reports/export.xlsx?year={year}").data))
    values = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    [rate_cell] = [v for k, v in values.items() if str(k).startswith("Tỷ lệ trả lời đúng hạn")]
    assert isinstance(rate_cell, float) and abs(rate_cell - 66.7) < 0.05
