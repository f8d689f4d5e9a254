"""The XLSX export's tuple rows and its streamed HTTP response."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from openpyxl import load_workbook

from feedback.domain.deadlines import WorkCalendar
from feedback.services import exports
from feedback.services import reports as svc
from feedback.timeutil import utcnow

TODAY = date(2026, 11, 27)


@pytest.fixture
def coordinator(staff):
    return staff("coordinator")


def test_tuples_hold_the_columns_of_the_detailed_list():
    assert tuple(key for key, _h, _w in exports.DETAIL_COLUMNS) == svc.DETAIL_FIELDS


def test_tuple_rows_give_the_same_cells_as_dict_rows(seeded_year):
    report = svc.build_report(svc.period_for(2025, 1), TODAY, cal=WorkCalendar(), now=utcnow())
    as_dicts = exports.to_xlsx(report, svc.iter_detail_rows(report, cal=WorkCalendar()))
    tuples = list(svc.iter_detail_tuples(report, cal=WorkCalendar()))
    assert len(tuples) > 5 and all(type(t) is tuple for t in tuples)
    as_tuples = exports.to_xlsx(report, tuples)

    def cells(data: bytes) -> dict[str, list[tuple]]:
        wb = load_workbook(io.BytesIO(data))
        return {name: [tuple(c.value for c in row) for row in wb[name].iter_rows()] for name in wb.sheetnames}

    before, after = cells(as_dicts), cells(as_tuples)
    assert before == after
    assert len(after["Chi tiết"]) == len(tuples) + 1


def test_first_bytes_go_out_before_the_rows_are_read(seeded_year):
    report = svc.build_report(svc.period_for(2025), TODAY, cal=WorkCalendar(), now=utcnow())
    read: list[tuple] = []

    def rows():
        for t in svc.iter_detail_tuples(report, cal=WorkCalendar()):
            read.append(t)
            yield t

    chunks = exports.iter_xlsx(report, rows(), overdue=[])
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and not read  # a zip's first entries, before any row
    data = first + b"".join(chunks)
    assert read and len(list(load_workbook(io.BytesIO(data))["Chi tiết"].iter_rows(min_row=2))) == len(read)


def test_http_xlsx_is_streamed_and_has_the_reports_figures(client, seeded_year, independent, coordinator):
    r = client.get("/staff/reports/export.xlsx?year=2025&quarter=1")
    assert r.status_code == 200 and r.is_streamed
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r.headers["Content-Disposition"] and "bao-cao-pakn-" in r.headers["Content-Disposition"]
    assert "Content-Length" not in r.headers  # sent as it is written
    data = r.get_data()
    wb = load_workbook(io.BytesIO(data))
    cohort, statuses, _days, _published, _as_of = independent(seeded_year, date(2025, 1, 1), date(2025, 3, 31))
    summary = {row[0]: row[1] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["Tổng số tiếp nhận"] == len(cohort)
    assert summary["Đã trả lời đúng hạn"] == statuses["answered_on_time"]
    assert summary["Đang xử lý quá hạn"] == statuses["open_overdue"]
    details = list(wb["Chi tiết"].iter_rows(min_row=2, values_only=True))
    assert len(details) == len(cohort) and all(row[0].startswith("PAKN-2025-") for row in details)
    overdue = list(wb["Quá hạn"].iter_rows(min_row=2, values_only=True))
    assert len(overdue) == statuses["open_overdue"]
    last = list(wb["Theo đơn vị"].iter_rows(values_only=True))[-1]
    assert last[0] == "Tổng số" and last[1] == len(cohort)


def test_a_failure_mid_stream_is_logged(client, seeded_year, coordinator, monkeypatch, caplog):
    def broken(report, **kwargs):
        yield from ()
        raise RuntimeError("mất kết nối cơ sở dữ liệu")

    monkeypatch.setattr(svc, "iter_detail_tuples", broken)
    r = client.get("/staff/reports/export.xlsx?year=2025")
    assert r.status_code == 200  # the headers were sent before the rows were read
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
        r.get_data()
    assert "truncated" in caplog.text


def test_detailed_list_gives_local_times_across_midnight(app, make_ticket):
    """Received at 17:30 UTC and published at 18:00 UTC: 00:30 and the next day in Viet Nam (the
    database makes these on PostgreSQL, Python elsewhere; both give the same)."""
    from datetime import datetime

    from feedback.extensions import db

    ticket = make_ticket(now=datetime(2025, 3, 13, 17, 30))
    ticket.published_at = datetime(2025, 3, 20, 18, 0)
    db.session.commit()
    report = svc.build_report(svc.period_for(2025, 1), TODAY, cal=WorkCalendar(), now=utcnow())
    [row] = list(svc.iter_detail_rows(report, cal=WorkCalendar()))
    assert row["received_at"] == "14/03/2025 00:30" and row["received_on"] == date(2025, 3, 14)
    assert row["published_on"] == date(2025, 3, 21)
