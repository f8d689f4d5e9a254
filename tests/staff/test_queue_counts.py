"""The queue's counters (`queue_counts`, kept by triggers) and a text search's capped count (issue 16)."""

from __future__ import annotations

import re

from feedback.db import queue_counts
from feedback.extensions import db
from feedback.services import queue as queues
from feedback.services import workflow
from feedback.timeutil import utcnow
from tests.support import execute_elsewhere

from .test_queue_scale import recount, shown_counts


def no_differences() -> bool:
    return queue_counts.differences(db.session.connection()) == []


def test_counters_stay_exact_through_each_workflow_action(team, make_ticket, staff_client):
    coord, head, officer = team["coordinator"], team["head"], team["officer"]
    client = staff_client(coord)
    ticket = make_ticket(title="Đề nghị hướng dẫn thủ tục đăng ký nhãn hiệu", organization="Công ty TNHH Minh Phát")
    db.session.commit()
    assert no_differences() and shown_counts(client.get("/staff/").get_data(as_text=True)) == recount()
    now = utcnow()
    for action in (
        lambda: workflow.route(ticket, coord, "CCTDC", now),
        lambda: workflow.assign(ticket, head, officer, now),
        lambda: workflow.refuse(make_ticket(title="Trùng nội dung"), coord, "Trùng với hồ sơ đã giải quyết.", now),
    ):
        action()
        db.session.commit()
        assert no_differences()
        html = client.get("/staff/").get_data(as_text=True)
        assert shown_counts(html) == recount()  # this process's own change is counted at once
        # Every sum of the counters is kept a few seconds per process, user and filters, and the page
        # says so: the department's totals, a unit's counts, a filtered page's.
        assert "chậm tới 5 giây" in html
        unit_page = staff_client(head).get("/staff/").get_data(as_text=True)
        assert shown_counts(unit_page) == recount("CCTDC") and "chậm tới 5 giây" in unit_page
        filtered = client.get("/staff/?unit=CCTDC").get_data(as_text=True)
        assert shown_counts(filtered) == recount("CCTDC") and "chậm tới 5 giây" in filtered
    assigned = shown_counts(staff_client(officer).get("/staff/?assignee=me").get_data(as_text=True))
    assert assigned["in_progress"] == 1 and sum(assigned.values()) == 1


def test_the_departments_totals_are_kept_a_few_seconds_and_say_so(app, team, make_ticket, staff_client):
    """Another process's change (here: a connection of its own, outside the app) shows in the office's
    totals once the kept sum is older than QUEUE_TOTALS_SECONDS; this process's own changes at once."""
    client = staff_client(team["coordinator"])
    first = make_ticket(title="Đề nghị hướng dẫn đăng ký mã số mã vạch", organization="Công ty TNHH Hòa Bình")
    db.session.commit()
    app.config["QUEUE_TOTALS_SECONDS"] = 3600
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_counts(html)["new"] == 1 and "chậm tới 3600 giây" in html
    code = first.code
    db.session.commit()
    execute_elsewhere("UPDATE tickets SET state = 'refused' WHERE code = %s", code)
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_counts(html)["new"] == 1  # kept: the other writer's change is not counted yet
    assert f'data-code="{code}"' not in html  # the list itself is current (no longer open)
    app.config["QUEUE_TOTALS_SECONDS"] = 0
    html = client.get("/staff/").get_data(as_text=True)
    assert shown_counts(html).get("new", 0) == 0 and shown_counts(html)["refused"] == 1
    assert "chậm tới" not in html
    make_ticket(title="Kiến nghị về lệ phí đo lường")  # this process writes: a kept sum is dropped
    app.config["QUEUE_TOTALS_SECONDS"] = 3600
    client.get("/staff/")
    make_ticket(title="Kiến nghị về thủ tục công bố hợp quy")
    assert shown_counts(client.get("/staff/").get_data(as_text=True))["new"] == 2


def test_a_units_and_a_filtered_pages_counts_are_kept_a_few_seconds_too(app, team, make_ticket, staff_client):
    """A unit head's page and a coordinator's page filtered by unit: another process's change shows in
    their counts once the kept sum is older than QUEUE_TOTALS_SECONDS (every page says so); this
    process's own change at once; with 0, every page sums its counters."""
    coord = team["coordinator"]
    head_client, coord_client = staff_client(team["head"]), staff_client(coord)

    def route_to(ticket, unit_code):
        workflow.route(ticket, coord, unit_code, utcnow())
        return ticket

    first = route_to(make_ticket(title="Kiến nghị kiểm định cân điện tử", organization="Công ty CP Cân Việt"), "CCTDC")
    route_to(make_ticket(title="Phản ánh phí hiệu chuẩn", organization="HTX Dịch vụ Tân Phú"), "CCTDC")
    db.session.commit()
    app.config["QUEUE_TOTALS_SECONDS"] = 3600
    pages = {"head": (head_client, "/staff/"), "filtered": (coord_client, "/staff/?unit=CCTDC")}
    before = {name: shown_counts(c.get(path).get_data(as_text=True)) for name, (c, path) in pages.items()}
    assert before["head"] == before["filtered"] == recount("CCTDC") and before["head"]["assigned"] == 2
    execute_elsewhere("UPDATE tickets SET state = 'refused' WHERE code = %s", first.code)
    for name, (c, path) in pages.items():
        html = c.get(path).get_data(as_text=True)
        assert shown_counts(html) == before[name] and "chậm tới 3600 giây" in html  # kept
        assert f'data-code="{first.code}"' not in html  # the list itself is current
    app.config["QUEUE_TOTALS_SECONDS"] = 0
    for c, path in pages.values():
        html = c.get(path).get_data(as_text=True)
        assert shown_counts(html) == recount("CCTDC") and shown_counts(html)["assigned"] == 1
        assert "chậm tới" not in html
    app.config["QUEUE_TOTALS_SECONDS"] = 3600
    head_client.get("/staff/")
    route_to(make_ticket(title="Đề nghị hướng dẫn ghi nhãn hàng hóa"), "CCTDC")  # this process writes
    db.session.commit()
    assert shown_counts(head_client.get("/staff/").get_data(as_text=True))["assigned"] == 2


def test_a_search_beyond_the_cap_says_more_than_instead_of_counting(monkeypatch, team, make_ticket, staff_client):
    monkeypatch.setattr(queues, "SEARCH_COUNT_CAP", 2)
    for i in range(3):
        make_ticket(title=f"Kiến nghị số {i}", organization="Công ty CP Thủy sản Hậu Giang")
    make_ticket(title="Phản ánh khác", organization="HTX Nông nghiệp Đức Huệ")
    db.session.commit()
    client = staff_client(team["coordinator"])
    html = client.get("/staff/?q=hau giang").get_data(as_text=True)
    assert 'id="counts-capped"' in html and "hơn 2" in html
    assert len(re.findall(r"<tr data-code=", html)) == 3  # the list itself is complete
    html = client.get("/staff/?q=duc hue").get_data(as_text=True)
    assert 'id="counts-capped"' not in html and shown_counts(html)["new"] == 1
