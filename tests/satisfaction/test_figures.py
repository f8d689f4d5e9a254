"""The satisfaction figures of a seeded quarter against an independent count kept by the test, as the
report page, its CSV and XLSX, the survey export, the public statistics and the dashboard show them."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from feedback.extensions import db
from feedback.models import Unit
from feedback.services import reports, satisfaction, workflow
from feedback.timeutil import local_today, utcnow
from tests.support import to_utc

LEVELS = ("satisfied", "acceptable", "dissatisfied")
COMMENT = "Ý kiến riêng của ông Nguyễn Văn An về cán bộ xử lý"


def moment(day: date, hour: int = 10) -> datetime:
    """A local office-hours moment of `day` as the naive UTC the services take."""
    return to_utc(datetime.combine(day, time(hour)))


def previous_quarter(today: date) -> reports.Period:
    q = reports.quarter_of(today)
    return reports.period_for(today.year - 1, 4) if q == 1 else reports.period_for(today.year, q - 1)


@pytest.fixture
def seeded(app, make_ticket, team):
    """A quarter of answers, ratings, reviews and returns in two units; returns the test's own record of it."""
    period = previous_quarter(local_today())
    d0 = period.start
    facts = {"ratings": [], "reviews": [], "returns": []}  # (unit, ...) kept by hand, never read back
    heads = {"CCTDC": team["head"], "QLCN": team["other_head"]}

    def answered(unit: str, title: str, answer_day: date | None = None):
        received = moment(d0 + timedelta(days=5), 9)
        answer_at = moment(answer_day or d0 + timedelta(days=9))
        ticket = make_ticket(now=received, title=title)
        workflow.route(ticket, team["coordinator"], unit, received)
        workflow.assign(ticket, heads[unit], heads[unit], received)
        workflow.answer(ticket, heads[unit], f"Trả lời về {title.lower()}.", answer_at)
        workflow.approve(ticket, heads[unit], answer_at, late_reason="Chờ kết quả kiểm định của đơn vị khác.")
        db.session.commit()
        return ticket

    def rate(ticket, unit: str, level: str, day: date, reasons=(), counted=True):
        satisfaction.rate(ticket, level, list(reasons), COMMENT, moment(day), expected_revision=None)
        db.session.commit()
        if counted:
            facts["ratings"].append((unit, level))

    cctdc = [answered("CCTDC", f"Kiểm định phương tiện đo số {i}") for i in range(6)]
    for ticket, level, offset in zip(
        cctdc,
        ("satisfied", "satisfied", "acceptable", "dissatisfied", "dissatisfied", "satisfied"),
        (10, 11, 12, 12, 13, 30),
        strict=True,
    ):
        rate(
            ticket,
            "CCTDC",
            level,
            d0 + timedelta(days=offset),
            reasons=("did_not_address",) if level == "dissatisfied" else (),
        )
    # The two dissatisfied ask for reconsideration; the director answers both, one changing the outcome.
    for ticket, changed in ((cctdc[3], True), (cctdc[4], False)):
        satisfaction.request_review(
            ticket, ["did_not_address"], "Đề nghị xem xét lại.", moment(d0 + timedelta(days=14))
        )
        # The head approved the first answer and was its assignee: the review went back unassigned, the
        # head hands it to the officer (allowed), who drafts; the director approves.
        assert ticket.assignee_id is None
        workflow.assign(ticket, team["head"], team["officer"], moment(d0 + timedelta(days=15)))
        workflow.answer(ticket, team["officer"], "Trả lời sau khi xem xét lại.", moment(d0 + timedelta(days=18)))
        workflow.approve(
            ticket, team["director"], moment(d0 + timedelta(days=20)), outcome_changed="1" if changed else ""
        )
        db.session.commit()
        facts["reviews"].append(("CCTDC", changed))
    rate(cctdc[3], "CCTDC", "satisfied", d0 + timedelta(days=45))  # the review's answer, rated in turn
    # A return before publication in each unit (the coordinator's quality gate).
    for unit, ticket in (("CCTDC", cctdc[5]), ("QLCN", None)):
        if ticket is None:
            ticket = answered("QLCN", "Chuyển giao công nghệ sản xuất phân bón")
            qlcn_returned = ticket
        satisfaction.return_answer(
            ticket, team["coordinator"], "Chưa trả lời đúng nội dung", moment(d0 + timedelta(days=35))
        )
        db.session.commit()
        facts["returns"].append(unit)
    workflow.answer(qlcn_returned, team["other_head"], "Trả lời đã bổ sung căn cứ.", moment(d0 + timedelta(days=36)))
    workflow.approve(qlcn_returned, team["other_head"], moment(d0 + timedelta(days=36)))
    db.session.commit()
    qlcn = [qlcn_returned] + [answered("QLCN", f"Đổi mới công nghệ số {i}") for i in range(2)]
    for ticket, level in zip(qlcn, ("acceptable", "dissatisfied", "satisfied"), strict=True):
        rate(ticket, "QLCN", level, d0 + timedelta(days=40))
    # Outside the quarter: a rating given the day after it ends.
    late = answered("CCTDC", "Kiểm định công tơ điện", answer_day=period.end - timedelta(days=3))
    rate(late, "CCTDC", "dissatisfied", period.end + timedelta(days=1), counted=False)
    return period, facts


def expected_counts(facts) -> dict[str, dict]:
    """The figures per unit, counted by hand from what the fixture did."""
    out: dict[str, dict] = {}
    for unit in ("CCTDC", "QLCN"):
        levels = Counter(level for u, level in facts["ratings"] if u == unit)
        total = sum(levels.values())
        out[unit] = {
            "ratings": total,
            **{lv: levels[lv] for lv in LEVELS},
            **{f"{lv}_share": round(100 * levels[lv] / total, 1) if total else None for lv in LEVELS},
            "reviews_requested": sum(1 for u, _c in facts["reviews"] if u == unit),
            "reviews_changed": sum(1 for u, c in facts["reviews"] if u == unit and c),
            "returns": facts["returns"].count(unit),
        }
    return out


def unit_id(code: str) -> int:
    return db.session.execute(db.select(Unit.id).where(Unit.code == code)).scalar_one()


def cells(html: str, table_id: str, row_key: str) -> dict[str, str]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-unit-id="{row_key}"', 1)[1].split("</tr>", 1)[0]
    return {k: v.strip() for k, v in re.findall(r'data-figure="([a-z_]+)">([^<]*)<', row)}


def test_figures_match_an_independent_count(app, seeded):
    period, facts = seeded
    expected = expected_counts(facts)
    assert expected["CCTDC"]["ratings"] == 7 and expected["QLCN"]["ratings"] == 3  # the seed did what it says
    got = satisfaction.figures(period.start, period.end)
    by_unit = {r.key: r for r in got.units}
    for code, want in expected.items():
        row = by_unit[unit_id(code)]
        for attr, value in want.items():
            assert getattr(row, attr) == value, (code, attr)
    assert got.total.ratings == 10 and got.total.returns == 2 and got.total.reviews_changed == 1


def test_report_page_csv_xlsx_and_survey_export(app, seeded, team, staff_client):
    from openpyxl import load_workbook

    period, facts = seeded
    expected = expected_counts(facts)
    client = staff_client(team["director"])
    args = f"year={period.year}&quarter={period.quarter}"
    html = client.get(f"/staff/reports?{args}").get_data(as_text=True)
    for code, want in expected.items():
        shown = cells(html, "satisfaction", str(unit_id(code)))
        for attr, value in want.items():
            if attr in LEVELS:
                continue
            # Vietnamese pages write decimals with a comma ("57,1").
            assert shown[attr] == (
                "—" if value is None else (f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value))
            ), attr
        assert shown["satisfied"] == str(want["satisfied"])

    text = client.get(f"/staff/reports/export.csv?{args}&part=satisfaction").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = dict(zip(rows[0], range(len(rows[0])), strict=True))
    assert rows[1][2] == "Tổng số" and int(rows[1][names["Số đánh giá"]]) == 10
    for code, label in (("CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng"), ("QLCN", "Phòng Quản lý Công nghệ")):
        line = next(r for r in rows if r[2] == "Theo đơn vị xử lý" and r[3] == label)
        assert int(line[names["Số đánh giá"]]) == expected[code]["ratings"]
        assert float(line[names["Tỷ lệ hài lòng (%)"]]) == expected[code]["satisfied_share"]
        assert int(line[names["Trả lại trước khi công khai"]]) == expected[code]["returns"]

    workbook = load_workbook(io.BytesIO(client.get(f"/staff/reports/export.xlsx?{args}").get_data()))
    sheet = workbook["Mức độ hài lòng"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Chi cục Tiêu chuẩn Đo lường Chất lượng"][1] == expected["CCTDC"]["ratings"]
    assert values["Tổng số"][1] == 10

    # The survey data for the national portal: one row per rating of the period, no personal field.
    response = client.get(f"/staff/reports/satisfaction.csv?{args}")
    assert response.status_code == 200
    survey = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(survey) == 10 and list(survey[0]) == list(satisfaction.EXPORT_COLUMNS)
    assert Counter(r["level"] for r in survey) == Counter(level for _u, level in facts["ratings"])
    assert sum(1 for r in survey if r["review_requested"] == "1") == 2
    assert sum(1 for r in survey if r["review_outcome_changed"] == "1") == 1
    doc = json.loads(client.get(f"/staff/reports/satisfaction.json?{args}").get_data())
    assert doc["count"] == 10 and doc["columns"] == list(satisfaction.EXPORT_COLUMNS)
    dumped = response.get_data(as_text=True) + json.dumps(doc, ensure_ascii=False)
    for personal in (
        "Nguyễn Văn An",
        "an.nguyen@example.com",
        "0912",
        "0101243150",
        "Đức Hòa",
        COMMENT,
        "Công ty TNHH",
    ):
        assert personal not in dumped
    # Units see only their figures; the export is for the office.
    assert staff_client(team["officer"]).get(f"/staff/reports/satisfaction.csv?{args}").status_code == 403


def test_public_statistics_show_aggregates_only(app, client, seeded):
    period, facts = seeded
    expected = expected_counts(facts)
    html = client.get(f"/statistics?year={period.year}&quarter={period.quarter}").get_data(as_text=True)
    cctdc = cells(html, "satisfaction-table", str(unit_id("CCTDC")))
    assert cctdc["ratings"] == "7"
    assert cctdc["satisfied_share"] == f"{expected['CCTDC']['satisfied_share']} %"
    assert cctdc["reviews_changed"] == "1"
    qlcn = cells(html, "satisfaction-table", str(unit_id("QLCN")))
    assert qlcn["ratings"] == "3" and qlcn["not_enough"] == "chưa đủ đánh giá" and "satisfied_share" not in qlcn
    for personal in (COMMENT, "Nguyễn Văn An", "an.nguyen@example.com"):
        assert personal not in html
        assert personal not in client.get("/results").get_data(as_text=True)


def test_dashboard_chart_data_is_this_quarters_figures(app, answered, team, staff_client):
    counted = []
    for level in ("satisfied", "dissatisfied", "satisfied"):
        ticket = answered()
        satisfaction.rate(ticket, level, [], None, utcnow())
        db.session.commit()
        counted.append(level)
    html = staff_client(team["coordinator"]).get("/staff/dashboard").get_data(as_text=True)
    row = cells(html, "satisfaction", str(unit_id("CCTDC")))
    assert row["ratings"] == "3"
    assert row["satisfied_share"] == str(round(100 * counted.count("satisfied") / 3, 1))
    data = json.loads(re.search(r'id="dashboard-data">(.*?)</script>', html, re.S).group(1))
    index = data["satisfaction"]["units"].index("Chi cục Tiêu chuẩn Đo lường Chất lượng")
    assert data["satisfaction"]["dissatisfied"][index] == round(100 / 3, 1)
    # A unit's staff see their unit only.
    other = staff_client(team["other_head"]).get("/staff/dashboard").get_data(as_text=True)
    assert cells(other, "satisfaction", "total")["ratings"] == "0"


def test_cli_writes_the_survey_export(app, seeded, tmp_path):
    period, facts = seeded
    out = tmp_path / "khao-sat.json"
    result = app.test_cli_runner().invoke(
        args=[
            "reports",
            "satisfaction",
            "--year",
            str(period.year),
            "--quarter",
            str(period.quarter),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["count"] == len(facts["ratings"]) == 10
    assert "10 ratings" in result.output and "returns 2" in result.output
    out_csv = tmp_path / "khao-sat.csv"
    result = app.test_cli_runner().invoke(
        args=["reports", "satisfaction", "--year", str(period.year), "--format", "csv", "--output", str(out_csv)]
    )
    assert result.exit_code == 0 and out_csv.read_text(encoding="utf-8-sig").splitlines()[0].startswith("ticket_code,")
