"""The report over tickets worked through the real intake and workflow services (not set by hand)."""

from __future__ import annotations

from datetime import date, datetime

from feedback.extensions import db
from feedback.services import workflow
from feedback.services.reports import build_report, period_for
from feedback.timeutil import utcnow


def at(day: date, hour: int = 3) -> datetime:
    """A naive-UTC moment on a local day (03:00 UTC is 10:00 in Hà Nội, within office hours)."""
    return datetime(day.year, day.month, day.day, hour, 0)


def test_quarter_of_worked_tickets(make_ticket, make_user):
    coordinator = make_user("coordinator")
    head = make_user("unit_head", "CCTDC")
    officer = make_user("officer", "CCTDC")

    def answered(received: date, approved: date, late_reason: str | None = None):
        t = make_ticket(now=at(received))
        workflow.route(t, coordinator, "CCTDC", at(received, 4))
        workflow.assign(t, head, officer, at(received, 5))
        workflow.answer(t, officer, "Trả lời của Chi cục.", at(approved, 2))
        workflow.approve(t, head, at(approved, 3), late_reason=late_reason)
        db.session.commit()
        return t

    on_time = answered(date(2025, 4, 7), date(2025, 4, 21))  # due 28/04: on time
    late = answered(date(2025, 4, 8), date(2025, 5, 14), "Chờ ý kiến của Bộ")  # due 28/04: late
    after_quarter = answered(date(2025, 6, 25), date(2025, 7, 8))  # open on 30/06, answered since
    refused = make_ticket(now=at(date(2025, 5, 5)))
    workflow.refuse(
        refused, coordinator, "Không thuộc thẩm quyền của Sở.", at(date(2025, 5, 6)), reason_code="out_of_scope"
    )
    transferred = make_ticket(now=at(date(2025, 5, 12)))
    workflow.transfer(
        transferred, coordinator, "Sở Công Thương", "Thuộc thẩm quyền Sở Công Thương.", at(date(2025, 5, 13))
    )
    overdue = make_ticket(now=at(date(2025, 5, 20)))  # due 09/06, still open
    workflow.route(overdue, coordinator, "CCTDC", at(date(2025, 5, 21)))
    paused = make_ticket(now=at(date(2025, 5, 26)))
    workflow.route(paused, coordinator, "CCTDC", at(date(2025, 5, 26), 4))
    workflow.request_info(paused, coordinator, "Đề nghị bổ sung hồ sơ.", at(date(2025, 5, 27)))
    before = make_ticket(now=at(date(2025, 3, 28)))  # received in Q1: not counted
    db.session.commit()
    assert (on_time.on_time, late.on_time) == (True, False)

    report = build_report(period_for(2025, 2), date(2026, 11, 27), now=utcnow())
    t = report.total
    assert report.as_of == date(2025, 6, 30)
    assert t.received == 7
    assert (t.answered_on_time, t.answered_late, t.refused, t.transferred) == (1, 1, 1, 1)
    assert (t.open_overdue, t.open_in_time, t.open_paused, t.closed_later) == (1, 2, 1, 1)
    # 07/04/2025 is Giỗ Tổ Hùng Vương, so both count from receipt on 08/04: 9 working days to 21/04, and
    # 24 to 14/05 (30/04, 01/05 and the swapped 02/05 are days off).
    assert on_time.received_on == date(2025, 4, 8)
    assert sorted(t.days) == [9, 24] and t.median_days == 16.5 and t.mean_days == 16.5
    assert report.refused_reasons == [("Không thuộc phạm vi, thẩm quyền giải quyết của Sở", 1)]
    assert report.transferred_agencies == [("Sở Công Thương", 1)]
    assert [o["code"] for o in report.overdue] == [overdue.code]
    channels = {r.key: r.received for r in report.by["channel"]}
    assert channels["web"] == 7
    cctdc = next(r for r in report.by["unit"] if r.label.startswith("Chi cục"))
    assert (cctdc.received, cctdc.answered_on_time, cctdc.answered_late, cctdc.open_overdue) == (5, 1, 1, 1)

    year = build_report(period_for(2025), date(2026, 11, 27), now=utcnow())
    assert year.total.received == 8 and year.total.answered_on_time == 2 and year.total.closed_later == 0
    assert after_quarter.code not in [o["code"] for o in year.overdue]
    assert before.code in [o["code"] for o in year.overdue]
