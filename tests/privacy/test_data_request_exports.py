"""Data-subject requests in the report's XLSX and CSV exports: counts by kind and by each request's clocks."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from openpyxl import load_workbook

from feedback.extensions import db
from feedback.services import data_requests

MONDAY = datetime(2026, 11, 16, 2, 0)  # Monday 16/11/2026, 09:00 local


def _requests(make_ticket, make_user):
    """Five requests received in November 2026 and one in January, handled at different times."""
    office = make_user("coordinator", "VP")
    first = make_ticket(now=MONDAY, name="Lê Thị Thu Hà", email="thuha.le@example.vn")
    second = make_ticket(now=MONDAY, name="Trần Quốc Bảo", email="quocbao.tran@example.vn")
    access = data_requests.submit(first, "access", "", MONDAY)
    data_requests.complete(access, office, "Bản sao dữ liệu đã gửi kèm.", datetime(2026, 11, 17, 3, 0))
    delete = data_requests.submit(second, "delete", "Xin xóa dữ liệu của tôi.", MONDAY)
    restrict = data_requests.submit(first, "restrict", "Tạm ngừng xử lý dữ liệu.", MONDAY)
    correct = data_requests.submit(second, "correct", "Số điện thoại đúng là 0912 345 678.", MONDAY)
    data_requests.extend(correct, office, "Cần xác minh người yêu cầu", datetime(2026, 11, 18, 3, 0))
    data_requests.complete(
        correct, office, "Không xác minh được người yêu cầu.", datetime(2026, 11, 19, 3, 0), refuse=True
    )
    early = make_ticket(now=datetime(2026, 1, 12, 2, 0))
    data_requests.submit(early, "object", "Tôi phản đối việc công khai.", datetime(2026, 1, 12, 2, 0))
    db.session.commit()
    return office, delete, restrict


def _figures(rows):
    return dict(rows)


def test_report_rows_follow_each_requests_clocks(app, make_ticket, make_user):
    office, delete, restrict = _requests(make_ticket, make_user)
    labels = data_requests.kind_labels()
    # As of 20/11/2026: the deletion (20 working days) and the restriction (10) are still in time.
    rows = _figures(data_requests.report_rows(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 20)))
    total = rows["Tổng số"]
    assert total["received"] == 4 and total["acknowledged_on_time"] == 4 and total["acknowledged_late"] == 0
    assert total["done_on_time"] == 2 and total["refused"] == 1 and total["extended"] == 1
    assert total["open_in_time"] == 2 and total["open_overdue"] == 0 and total["done_late"] == 0
    assert rows[labels["access"]]["done_on_time"] == 1 and rows[labels["object"]]["received"] == 0
    # Later, past the restriction's due date, it is overdue; the deletion completed after its due date is late.
    data_requests.complete(delete, office, "Đã xóa.", datetime.combine(delete.due_date + timedelta(days=2), time(3)))
    db.session.commit()
    after = _figures(data_requests.report_rows(date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 31)))
    assert after[labels["delete"]]["done_late"] == 1 and after[labels["delete"]]["done_on_time"] == 0
    assert after[labels["restrict"]]["open_overdue"] == 1 and restrict.due_date < date(2026, 12, 31)
    # The January objection belongs to its own period only.
    january = _figures(data_requests.report_rows(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31)))
    assert january["Tổng số"]["received"] == 1 and january[labels["object"]]["received"] == 1


def test_xlsx_and_csv_exports_hold_the_requests(client, make_ticket, make_user, login_as):
    office, _delete, _restrict = _requests(make_ticket, make_user)
    login_as(office)
    labels = data_requests.kind_labels()
    response = client.get("/staff/reports/export.xlsx?year=2026")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Tổng hợp"]  # under the summary, like the other breakdowns
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, row in enumerate(values) if row[0] == "Yêu cầu về dữ liệu cá nhân")
    header = values[start]
    assert "Giải quyết đúng hạn" in header and "Đang giải quyết quá hạn" in header
    block = values[start + 1 : start + 1 + len(labels) + 1]
    by_label = {row[0]: dict(zip(header, row, strict=False)) for row in block}
    assert by_label["Tổng số"]["Tiếp nhận"] == 5
    assert by_label[labels["access"]]["Giải quyết đúng hạn"] == 1
    assert by_label[labels["correct"]]["Trong đó: từ chối"] == 1 and by_label[labels["correct"]]["Đã gia hạn"] == 1
    assert by_label[labels["object"]]["Tiếp nhận"] == 1

    response = client.get("/staff/reports/export.csv?year=2026&part=privacy")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:4] == ["Kỳ báo cáo", "Tính đến ngày", "Nhóm", "Mục"]
    rows = {line[3]: dict(zip(lines[0], line, strict=False)) for line in lines[1:]}
    assert rows["Tổng số"]["Tiếp nhận"] == "5" and rows[labels["delete"]]["Tiếp nhận"] == "1"
    assert all(line[2] == "Yêu cầu về dữ liệu cá nhân" for line in lines[1:])
    # The reports page links the CSV.
    page = client.get("/staff/reports?year=2026").get_data(as_text=True)
    assert "part=privacy" in page
