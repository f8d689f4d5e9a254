"""The long lists of the XLSX export, written as sheet XML: what openpyxl reads back."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from feedback.services import exports


def _workbook(rows: list[dict], keys: list[str]) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Chi tiết")
    ws.append(keys)
    styles = exports._styles(ws)
    small = io.BytesIO()
    wb.save(small)
    out = io.BytesIO()
    exports._assemble(small, out, {ws.path.lstrip("/"): (keys, rows)}, styles)
    return load_workbook(io.BytesIO(out.getvalue()))


def test_rows_read_back_as_typed_values():
    keys = ["code", "received_on", "unit", "title", "working_days", "rate", "answered_on"]
    rows = [
        {
            "code": "PAKN-2025-000123",
            "received_on": date(2025, 3, 14),
            "unit": "Phòng Quản lý công nghệ & Thị trường",
            "title": '=HYPERLINK("http://x") <b>đo lường</b>\x0b chất lượng',
            "working_days": 12,
            "rate": 87.5,
            "answered_on": None,
        },
        {
            "code": "PAKN-2025-000124",
            "received_on": date(2025, 12, 31),
            "unit": "Phòng Quản lý công nghệ & Thị trường",
            "title": "  Xin hỏi về thủ tục cấp giấy chứng nhận  ",
            "working_days": 0,
            "rate": 0.0,
            "answered_on": datetime(2026, 1, 2, 9, 30),
        },
    ]
    ws = _workbook(rows, keys)["Chi tiết"]
    assert ws.max_row == 3
    first, second = list(ws.iter_rows(min_row=2))
    assert first[0].value == "PAKN-2025-000123" and first[0].data_type == "s"
    assert first[1].is_date and first[1].value.date() == date(2025, 3, 14)
    assert first[1].number_format == "DD/MM/YYYY"
    assert first[2].value == "Phòng Quản lý công nghệ & Thị trường"
    assert first[3].value == '\'=HYPERLINK("http://x") <b>đo lường</b> chất lượng'  # text, never a formula
    assert first[3].data_type == "s"
    assert first[4].value == 12 and first[5].value == 87.5 and first[5].number_format == "0.0"
    assert first[6].value is None
    assert second[2].value == first[2].value  # a repeated label, made once
    assert second[3].value == "  Xin hỏi về thủ tục cấp giấy chứng nhận  "
    assert second[4].value == 0 and second[1].value.date() == date(2025, 12, 31)
    assert second[6].value == datetime(2026, 1, 2, 9, 30)


def test_no_rows_keeps_the_header():
    ws = _workbook([], ["code", "title"])["Chi tiết"]
    assert [c.value for c in ws[1]] == ["code", "title"] and ws.max_row == 1
