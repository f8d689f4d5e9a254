"""The public statistics of a year are the report's figures of that year: per unit and in total, for the
current year (counted as of today) and a past one (counted as of 31/12, so a December ticket answered in
January is still open in that year's figures, as the report has it)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from feedback.extensions import db
from feedback.models import Unit
from feedback.services import results
from feedback.services.reports import build_report, period_for
from feedback.timeutil import local_today, utcnow


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=2)  # 09:00 local


@pytest.fixture
def realistic_mix(app, make_ticket):
    """Tickets of last year and this year in three units, in every outcome."""
    today = local_today()
    units = {u.code: u.id for u in db.session.execute(db.select(Unit)).scalars()}
    last_year = date(today.year - 1, 12, 1)
    # Received 40 days ago, or on 1 January when that was last year; every answer below is dated today
    # at the latest.
    this_year = max(today - timedelta(days=40), date(today.year, 1, 1))

    def ticket(
        received: date,
        unit: str,
        state: str,
        *,
        answered: date | None = None,
        late: bool = False,
        due_in: int = 20,
        paused: date | None = None,
        **fields,
    ):
        t = make_ticket(now=_at(received), **fields)
        t.unit_id = units[unit]
        t.state = state
        t.due_date = t.received_on + timedelta(days=due_in)
        if answered is not None:
            answered = min(answered, today)
            t.answered_on = answered
            t.answered_at = _at(answered)
            t.on_time = not late
            if late:
                t.due_date = answered - timedelta(days=1)
            t.closed_at = t.answered_at
        if state in ("refused", "transferred"):
            t.closed_at = _at(received + timedelta(days=2))
        if paused is not None:
            t.paused_on = paused
        db.session.commit()

    for base in (last_year, this_year):
        ticket(
            base,
            "CCTDC",
            "answered",
            answered=base + timedelta(days=7),
            title="Thời gian kiểm định cân thương mại kéo dài",
        )
        ticket(
            base,
            "CCTDC",
            "answered",
            answered=base + timedelta(days=25),
            late=True,
            title="Chậm cấp giấy chứng nhận hợp chuẩn",
        )
        ticket(
            base + timedelta(days=1),
            "QLCN",
            "in_progress",
            due_in=5,
            title="Hồ sơ chuyển giao công nghệ chưa được xử lý",
        )  # open, overdue
        ticket(
            base + timedelta(days=2),
            "QLCN",
            "needs_info",
            due_in=5,
            paused=base + timedelta(days=3),
            title="Đề nghị bổ sung hồ sơ sở hữu trí tuệ",
        )  # paused: not overdue
        ticket(base + timedelta(days=2), "QLCN", "refused", title="Nội dung không thuộc thẩm quyền của Sở")
        ticket(base + timedelta(days=3), "CCTDC", "transferred", title="Kiến nghị về thuế thu nhập doanh nghiệp")
        ticket(base + timedelta(days=4), "TTUD", "new", due_in=60, title="Đề xuất hỗ trợ đổi mới công nghệ")
    # Received in December, answered in January: open on 31/12 in last year's figures.
    ticket(
        date(today.year - 1, 12, 20),
        "TTUD",
        "answered",
        answered=min(date(today.year, 1, 6), today),
        title="Đề nghị hướng dẫn thủ tục công bố hợp quy",
    )
    return today


@pytest.mark.parametrize("years_ago", [0, 1])
def test_public_statistics_equal_the_report(app, client, realistic_mix, years_ago):
    today = realistic_mix
    year = today.year - years_ago
    report = build_report(period_for(year), today, now=utcnow())
    figures = results.yearly_figures(year, today)

    def from_report(row) -> dict:
        return {
            "received": row.received,
            "on_time": row.answered_on_time,
            "late": row.answered_late,
            "overdue": row.open_overdue,
        }

    by_unit = {r.key: from_report(r) for r in report.by["unit"] if r.received}
    public = {
        r["unit"].id if r["unit"] else None: {k: r["total"][k] for k in results.FIGURES}
        for r in figures["rows"]
        if r["total"]["received"]
    }
    assert public == by_unit
    assert {k: figures["total"][k] for k in results.FIGURES} == from_report(report.total)
    assert figures["as_of"] == report.as_of
    assert report.total.received >= 7  # the mix is really mixed
    # (one of this year's is overdue once its 5 days have passed: from 8 January on)
    assert report.total.open_overdue >= 1 or (years_ago == 0 and today < date(today.year, 1, 8))

    # The page shows the same totals.
    html = client.get(f"/statistics?year={year}").get_data(as_text=True)
    shown = {k: int(v) for k, v in re.findall(r'data-figure="(received|on_time|late|overdue)">(\d+)<', html)}
    assert shown == from_report(report.total)


def test_last_years_december_ticket_answered_in_january_is_open_in_last_year(app, realistic_mix):
    today = realistic_mix
    last = results.yearly_figures(today.year - 1, today)
    ttud = next(r for r in last["rows"] if r["unit"] and r["unit"].code == "TTUD")
    assert ttud["total"]["received"] == 2 and ttud["total"]["on_time"] == 0
