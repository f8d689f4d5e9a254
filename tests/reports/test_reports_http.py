"""Report pages and exports over HTTP, and the staff dashboard."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from feedback.extensions import db
from feedback.timeutil import local_today
from tests.support import execute_elsewhere


@pytest.fixture
def coordinator(staff):
    return staff("coordinator")


def test_quarter_report_page(client, seeded_year, independent, coordinator):
    r = client.get("/staff/reports?year=2025&quarter=2")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    cohort, statuses, _days, _pub, _as_of = independent(seeded_year, date(2025, 4, 1), date(2025, 6, 30), local_today())
    assert "Quý II năm 2025 (01/04/2025 – 30/06/2025)" in html
    assert f'data-figure="received">{len(cohort)}<' in html
    assert f'data-figure="answered_on_time">{statuses["answered_on_time"]}<' in html
    assert f'data-figure="open_overdue">{statuses["open_overdue"]}<' in html


def test_cutoff_and_custom_periods(client, seeded_year, independent, coordinator):
    html = client.get("/staff/reports?year=2025&quarter=1&cutoff=1").get_data(as_text=True)
    assert "15/12/2024 – 14/03/2025" in html
    cohort, *_ = independent(seeded_year, date(2024, 12, 15), date(2025, 3, 14))
    assert f'data-figure="received">{len(cohort)}<' in html
    html = client.get("/staff/reports?from=2025-02-01&to=28/02/2025").get_data(as_text=True)
    cohort, *_ = independent(seeded_year, date(2025, 2, 1), date(2025, 2, 28))
    assert "Từ 01/02/2025 đến 28/02/2025" in html and f'data-figure="received">{len(cohort)}<' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-02-30&to=2025-03-01", "from-error"),
        ("from=2025-03-01&to=2025-02-01", "to-error"),
        ("year=2025&quarter=7", "quarter-error"),
        ("year=abc", "year-error"),
    ],
)
def test_bad_period_is_400_beside_the_field(client, coordinator, query, field):
    r = client.get(f"/staff/reports?{query}")
    assert r.status_code == 400
    assert f'id="{field}"' in r.get_data(as_text=True)
    assert client.get(f"/staff/reports/export.xlsx?{query}").status_code == 400


def test_xlsx_export(client, seeded_year, independent, coordinator):
    r = client.get("/staff/reports/export.xlsx?year=2025")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "bao-cao-pakn-2025.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Tổng hợp", "Theo đơn vị", "Theo lĩnh vực", "Quá hạn", "Chi tiết", "Mức độ hài lòng"]
    cohort, statuses, _days, published, _as_of = independent(seeded_year, date(2025, 1, 1), date(2025, 12, 31))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["Tổng số tiếp nhận"] == len(cohort)
    assert summary["Đã trả lời đúng hạn"] == statuses["answered_on_time"]
    assert summary["Đã trả lời quá hạn"] == statuses["answered_late"]
    assert summary["Đang xử lý quá hạn"] == statuses["open_overdue"]
    assert summary["Không tiếp nhận"] == statuses["refused"]
    assert summary["Chuyển cơ quan khác"] == statuses["transferred"]
    assert summary["Đã công khai kết quả"] == published
    assert summary["Từ ngày"].date() == date(2025, 1, 1)  # a real date, not text
    units = wb["Theo đơn vị"]
    assert units.freeze_panes == "A2"
    assert units["A1"].value == "Đơn vị xử lý" and units["B1"].value == "Tiếp nhận"
    assert units.column_dimensions["A"].width == 48
    last = list(units.iter_rows(values_only=True))[-1]
    assert last[0] == "Tổng số" and last[1] == len(cohort)
    assert sum(row[1] for row in list(units.iter_rows(min_row=2, values_only=True))[:-1]) == len(cohort)
    detail = wb["Chi tiết"]
    assert detail.max_row == len(cohort) + 1
    assert detail["B2"].is_date and detail["B2"].number_format == "DD/MM/YYYY"
    assert wb["Quá hạn"].max_row == statuses["open_overdue"] + 1
    assert wb["Theo lĩnh vực"].freeze_panes == "A2"


def test_csv_export_has_bom_and_figures(client, seeded_year, independent, coordinator):
    r = client.get("/staff/reports/export.csv?year=2025&quarter=3")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Kỳ báo cáo", "Tính đến ngày", "Nhóm", "Mục", "Tiếp nhận"]
    cohort, statuses, *_ = independent(seeded_year, date(2025, 7, 1), date(2025, 9, 30))
    total = rows[1]
    assert total[2] == "Tổng số" and int(total[4]) == len(cohort)
    assert int(total[rows[0].index("Trả lời đúng hạn")]) == statuses["answered_on_time"]
    by_unit = [row for row in rows[1:] if row[2] == "Theo đơn vị xử lý"]
    assert sum(int(row[4]) for row in by_unit) == len(cohort)
    detail = client.get("/staff/reports/export.csv?year=2025&quarter=3&part=detail")
    assert detail.data.startswith(b"\xef\xbb\xbf")
    assert len(detail.data.decode("utf-8-sig").strip().splitlines()) == len(cohort) + 1


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("officer", "QLCN", 403),
        ("unit_head", "QLCN", 403),
        ("admin", None, 403),
        ("director", None, 200),
        ("coordinator", None, 200),
    ],
)
def test_report_roles(client, staff, role, unit, status):
    staff(role, unit)
    for path in ("/staff/reports", "/staff/reports/export.xlsx", "/staff/reports/export.csv"):
        assert client.get(path).status_code == status, path


def test_reports_need_sign_in(client):
    r = client.get("/staff/reports")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_cli_export(runner, seeded_year, independent, tmp_path):
    out = tmp_path / "q1.xlsx"
    result = runner.invoke(
        args=["reports", "export", "--year", "2025", "--quarter", "1", "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    cohort, *_ = independent(seeded_year, date(2025, 1, 1), date(2025, 3, 31))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["Tổng số tiếp nhận"] == len(cohort)
    out_csv = tmp_path / "y.csv"
    result = runner.invoke(args=["reports", "export", "--year", "2025", "--format", "csv", "--output", str(out_csv)])
    assert result.exit_code == 0, result.output
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = runner.invoke(
        args=["reports", "export", "--year", "2025", "--quarter", "5", "--format", "csv", "--output", str(out_csv)]
    )
    assert bad.exit_code != 0
    assert runner.invoke(args=["reports", "export", "--format", "csv", "--output", str(out_csv)]).exit_code != 0
    custom = runner.invoke(
        args=[
            "reports",
            "export",
            "--from",
            "2025-02-01",
            "--to",
            "2025-02-28",
            "--format",
            "csv",
            "--output",
            str(out_csv),
        ]
    )
    assert custom.exit_code == 0, custom.output
    cohort, *_ = independent(seeded_year, date(2025, 2, 1), date(2025, 2, 28))
    assert f"received {len(cohort)}," in custom.output
    assert out_csv.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[4:5] == [str(len(cohort))]


def test_dashboard_scope_and_figures(client, put_ticket, staff):
    today = local_today()
    put_ticket(
        unit="QLCN",
        state="in_progress",
        received_on=today - timedelta(days=30),
        due_date=today - timedelta(days=3),
        title="Quá hạn QLCN",
    )
    put_ticket(
        unit="QLCN", state="assigned", received_on=today - timedelta(days=2), due_date=today, title="Đến hạn QLCN"
    )
    put_ticket(
        unit="QLCN",
        state="answered",
        received_on=today - timedelta(days=10),
        due_date=today,
        answered_on=today,
        on_time=True,
    )
    put_ticket(
        unit="CCTDC",
        state="in_progress",
        received_on=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
        title="Quá hạn CCTDC",
    )
    put_ticket(
        unit="QLCN", state="needs_info", received_on=today - timedelta(days=5), due_date=today, title="Chờ bổ sung QLCN"
    )  # paused: neither due nor overdue
    staff("officer", "QLCN")
    r = client.get("/staff/dashboard")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Quá hạn QLCN" in html and "Đến hạn QLCN" in html
    assert "Quá hạn CCTDC" not in html  # another unit's ticket stays out of scope
    assert 'id="overdue-count">1<' in html and 'id="due-week-count">1<' in html
    assert "Chờ bổ sung QLCN" not in html
    assert re.search(r'data-state="in_progress">.*?>1</a>', html) and re.search(
        r'data-state="answered">.*?>1</a>', html
    )
    assert 'id="open-count"' in html and "3 đang mở" in html
    assert "vendor/chartjs/chart.umd" in html and "cdn" not in html.lower()
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_dashboard_for_all_scope(client, put_ticket, staff):
    today = local_today()
    put_ticket(
        unit="QLCN", state="in_progress", received_on=today - timedelta(days=30), due_date=today - timedelta(days=3)
    )
    put_ticket(
        unit="CCTDC", state="needs_info", received_on=today - timedelta(days=40), due_date=today - timedelta(days=10)
    )  # paused: not overdue
    staff("director")
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="overdue-count">1<' in html
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["months"]) == 12 and data["months"][-1] == today.strftime("%Y-%m")
    assert sum(data["received"]) == 2 and sum(data["answered"]) == 0


def test_dashboard_counts_are_kept_and_say_when_they_were_taken(app, client, put_ticket, staff):
    """The overdue and due-this-week counts are kept for QUEUE_COUNTS_SECONDS like the queue's: a write
    this process makes is counted at once, a write made elsewhere (here: a connection of its own, outside
    the app) only once the kept count is older than the setting; the page says when it counted."""
    today = local_today()
    late = put_ticket(
        unit="QLCN",
        state="in_progress",
        received_on=today - timedelta(days=30),
        due_date=today - timedelta(days=3),
        title="Quá hạn kiểm định cân QLCN",
    )
    staff("coordinator", "VP")
    app.config["QUEUE_COUNTS_SECONDS"] = 3600
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="overdue-count">1<' in html
    assert 'id="dashboard-counts-at"' in html and "3600 giây" in html
    put_ticket(
        unit="CCTDC",
        state="assigned",
        received_on=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
        title="Quá hạn đo lường CCTDC",
    )  # written by this process: the kept count is dropped
    assert 'id="overdue-count">2<' in client.get("/staff/dashboard").get_data(as_text=True)

    code = late.code
    db.session.commit()
    execute_elsewhere("UPDATE tickets SET state = 'answered', answered_on = due_date WHERE code = %s", code)
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="overdue-count">2<' in html  # kept: the other writer's change is not seen yet
    assert "Quá hạn kiểm định cân QLCN" not in html  # the list is always current
    app.config["QUEUE_COUNTS_SECONDS"] = 0
    assert 'id="overdue-count">1<' in client.get("/staff/dashboard").get_data(as_text=True)


def test_dashboard_lists_the_oldest_overdue_of_every_running_state_in_one_list(client, put_ticket, staff):
    """The overdue list merges the clock-running states, oldest due date first, and stops at 15 with the
    full count and a link to the queue; days late are those of the tickets shown."""
    from feedback.domain import outcomes as domain_outcomes
    from feedback.services.calendar import work_calendar

    today = local_today()
    states = ["new", "assigned", "in_progress", "pending_approval"]
    made = []
    for k in range(18):  # due 10 to 44 days ago, every other day, the states in turn
        due = today - timedelta(days=10 + 2 * k)
        ticket = put_ticket(
            state=states[k % 4], received_on=due - timedelta(days=20), due_date=due, title=f"Quá hạn số {k + 1:02d}"
        )
        made.append((due, ticket.code, ticket.title))
    put_ticket(state="needs_info", received_on=today - timedelta(days=90), due_date=today - timedelta(days=60))
    staff("coordinator", "VP")
    html = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="overdue-count">18<' in html
    table = re.search(r'<table class="table table-sm" id="overdue">.*?</table>', html, re.S).group(0)
    shown = re.findall(
        r"<tr><td[^>]*>.*?(PAKN-\d{4}-\d+).*?</td><td>([^<]+)</td>.*?<td class=\"text-end\">(\d+)</td></tr>",
        table,
        re.S,
    )
    oldest = sorted(made)[:15]  # by due date (each distinct here)
    assert [code for code, _title, _late in shown] == [code for _due, code, _title in oldest]
    cal = work_calendar()
    assert [int(late) for *_rest, late in shown] == [domain_outcomes.days_late(due, today, cal) for due, *_ in oldest]
    assert 'id="overdue-more"' in html and "/staff/?overdue=1" in html
