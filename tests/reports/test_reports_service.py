"""Report figures against an independent count over the fixture's own data (DESIGN §8)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date

import pytest

from feedback.domain.deadlines import WorkCalendar
from feedback.extensions import db
from feedback.models import Unit
from feedback.services import ServiceError
from feedback.services.reports import build_report, custom_period, period_for
from feedback.timeutil import utcnow

TODAY = date(2026, 11, 27)


PERIODS = [
    (2025, None, False, date(2025, 1, 1), date(2025, 12, 31)),
    (2025, 1, False, date(2025, 1, 1), date(2025, 3, 31)),
    (2025, 1, True, date(2024, 12, 15), date(2025, 3, 14)),
    (2025, 3, True, date(2025, 6, 15), date(2025, 9, 14)),
    (2025, 4, False, date(2025, 10, 1), date(2025, 12, 31)),
    (2025, None, True, date(2024, 12, 15), date(2025, 12, 14)),
]


@pytest.mark.parametrize(("year", "quarter", "cutoff", "start", "end"), PERIODS)
def test_report_agrees_with_independent_count(seeded_year, independent, year, quarter, cutoff, start, end):
    period = period_for(year, quarter, cutoff)
    assert (period.start, period.end) == (start, end)
    report = build_report(period, TODAY, cal=WorkCalendar(), now=utcnow())
    cohort, statuses, days, published, as_of = independent(seeded_year, start, end, TODAY)
    expected_status = independent.status
    assert report.as_of == as_of
    t = report.total
    assert len(cohort) > 5
    assert t.received == len(cohort)
    assert t.answered_on_time == statuses["answered_on_time"]
    assert t.answered_late == statuses["answered_late"]
    assert t.refused == statuses["refused"]
    assert t.transferred == statuses["transferred"]
    assert t.open_overdue == statuses["open_overdue"]
    assert t.open_in_time == statuses["open_in_time"] + statuses["open_paused"]
    assert t.open_paused == statuses["open_paused"]
    assert t.published == published
    assert t.closed_later == sum(
        1
        for f in cohort
        if expected_status(f, as_of).startswith("open") and f.get("state") in ("answered", "refused", "transferred")
    )
    assert t.median_days == float(statistics.median(days))
    assert t.mean_days == round(statistics.fmean(days), 1)
    # Every breakdown adds up to the total and agrees group by group.
    for dim, field in (("kind", "kind"), ("category", "category"), ("unit", "unit"), ("channel", "channel")):
        assert sum(r.received for r in report.by[dim]) == t.received
        assert sum(r.open_overdue for r in report.by[dim]) == t.open_overdue
        expected = Counter(f[field] for f in cohort)
        assert sum(expected.values()) == t.received
    units = {u.id: u.code for u in db.session.execute(db.select(Unit)).scalars()}
    for row in report.by["unit"]:
        code = units.get(row.key)
        group = [f for f in cohort if f["unit"] == code]
        assert row.received == len(group), row.label
        assert row.answered_on_time == sum(expected_status(f, as_of) == "answered_on_time" for f in group)
        assert row.answered_late == sum(expected_status(f, as_of) == "answered_late" for f in group)
    assert {r.key for r in report.by["kind"]} == {"complaint", "recommendation", "proposal"}
    # Reasons and the overdue list.
    assert sum(n for _c, n in report.refused_reasons) == statuses["refused"]
    assert sum(n for _a, n in report.transferred_agencies) == statuses["transferred"]
    assert len(report.overdue) == statuses["open_overdue"]
    assert all(o["due_date"] < as_of and o["days_late"] > 0 for o in report.overdue)


def test_period_inside_today_counts_as_of_today(seeded_year, independent):
    today = date(2025, 6, 30)
    report = build_report(period_for(2025), today, cal=WorkCalendar(), now=utcnow())
    cohort, statuses, _days, _pub, as_of = independent(seeded_year, date(2025, 1, 1), date(2025, 12, 31), today)
    assert as_of == today
    assert report.total.received == len(cohort)  # received later in the year are counted, not yet classified
    assert report.total.open_overdue == statuses["open_overdue"]
    assert report.total.answered_on_time == statuses["answered_on_time"]


def test_answered_after_period_end_counts_as_open_then(put_ticket):
    # Received 20/03/2025, due 09/04, answered 02/04: open within deadline as of 31/03, on time for the year.
    put_ticket(
        received_on=date(2025, 3, 20),
        due_date=date(2025, 4, 9),
        state="answered",
        answered_on=date(2025, 4, 2),
        on_time=True,
    )
    q1 = build_report(period_for(2025, 1), TODAY, cal=WorkCalendar(), now=utcnow())
    assert (q1.total.open_in_time, q1.total.answered_on_time) == (1, 0)
    assert q1.total.closed_later == 1  # shown so a reader can reconcile with today's states
    year = build_report(period_for(2025), TODAY, cal=WorkCalendar(), now=utcnow())
    assert (year.total.open_in_time, year.total.answered_on_time, year.total.closed_later) == (0, 1, 0)
    assert year.total.days == [9]  # 21/03-02/04 working days, the day of receipt not counted


def test_custom_period_and_bad_input():
    p = custom_period(date(2025, 2, 1), date(2025, 2, 28))
    assert p.label.startswith("Từ 01/02/2025")
    with pytest.raises(ServiceError):
        custom_period(date(2025, 3, 1), date(2025, 2, 1))
    with pytest.raises(ServiceError):
        period_for(2025, 5)


def test_pause_after_the_period_end_does_not_count_as_paused(put_ticket):
    put_ticket(received_on=date(2025, 3, 3), due_date=date(2025, 3, 24), state="needs_info", paused_on=date(2025, 4, 2))
    put_ticket(
        received_on=date(2025, 3, 4), due_date=date(2025, 3, 24), state="needs_info", paused_on=date(2025, 3, 20)
    )
    q1 = build_report(period_for(2025, 1), TODAY, cal=WorkCalendar(), now=utcnow())
    assert (q1.total.open_overdue, q1.total.open_paused) == (1, 1)
