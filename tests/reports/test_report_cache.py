"""The kept report of a period (PostgreSQL's report cache) is always what a recount gives: after
workflow actions, a direct write and a deletion the page's figures equal those counted afresh."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from feedback.extensions import db
from feedback.models import ReportCache
from feedback.services import reports, workflow
from feedback.timeutil import utcnow


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0)


def figures(report) -> tuple:
    t = report.total
    by = {
        dim: [(r.key, r.received, r.answered_on_time, r.answered_late, r.open_overdue) for r in rows]
        for dim, rows in report.by.items()
    }
    lists = ([r["code"] for r in report.overdue], [r["code"] for r in report.refused_list])
    return (
        t.received,
        t.answered_on_time,
        t.answered_late,
        t.refused,
        t.transferred,
        t.open_overdue,
        t.open_in_time,
        t.published,
        t.day_counts,
        by,
        lists,
    )


def assert_cached_equals_recount(period, today) -> None:
    kept = reports.build_report(period, today, list_limit=20, now=utcnow())
    db.session.execute(text("DELETE FROM report_cache"))
    db.session.commit()
    fresh = reports.build_report(period, today, list_limit=20, now=utcnow())
    assert figures(kept) == figures(fresh)


def test_kept_report_follows_every_write(app, make_ticket, make_user, put_ticket):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("the report cache is used on PostgreSQL")
    coordinator = make_user("coordinator")
    head = make_user("unit_head", "CCTDC")
    officer = make_user("officer", "CCTDC")
    day, today = date(2026, 3, 2), date(2026, 7, 15)
    period = reports.period_for(2026, 1)
    t = make_ticket(now=at(day), organization="Công ty TNHH Cơ khí Minh Phát")
    workflow.route(t, coordinator, "CCTDC", at(day, 4))
    db.session.commit()
    first = reports.build_report(period, today, list_limit=20, now=utcnow())
    kept = lambda: db.session.execute(db.select(db.func.count()).select_from(ReportCache)).scalar_one()  # noqa: E731
    assert kept() == 2  # the period's tally and the ids of the page's lists
    exported = reports.build_report(period, today, list_limit=0, now=utcnow())  # the exports: the same tally, no lists
    assert kept() == 2 and exported.total.open_overdue == 1 and exported.overdue == []
    assert first.total.open_overdue == 1 and [r["code"] for r in first.overdue] == [t.code]
    assert figures(reports.build_report(period, today, list_limit=20, now=utcnow())) == figures(first)  # from the cache

    workflow.assign(t, head, officer, at(day, 5))
    workflow.answer(t, officer, "Chi cục trả lời về thủ tục công bố tiêu chuẩn cơ sở.", at(day + timedelta(days=9), 2))
    workflow.approve(t, head, at(day + timedelta(days=9), 3))
    db.session.commit()
    answered = reports.build_report(period, today, list_limit=20, now=utcnow())
    assert (answered.total.answered_on_time, answered.total.open_overdue, answered.overdue) == (1, 0, [])
    assert_cached_equals_recount(period, today)

    refused = make_ticket(now=at(day + timedelta(days=5)))
    workflow.refuse(
        refused, coordinator, "Không thuộc thẩm quyền của Sở.", at(day + timedelta(days=6)), reason_code="out_of_scope"
    )
    db.session.commit()
    assert reports.build_report(period, today, list_limit=20, now=utcnow()).total.refused == 1
    assert_cached_equals_recount(period, today)

    # A write that bypasses the workflow, then a deletion: the counters of the month still move.
    reports.build_report(period, today, list_limit=20, now=utcnow())
    db.session.execute(text("UPDATE tickets SET on_time = false WHERE id = :id"), {"id": t.id})
    db.session.commit()
    assert reports.build_report(period, today, list_limit=20, now=utcnow()).total.answered_late == 1
    gone = put_ticket(
        code="PAKN-2026-009001",
        unit="QLCN",
        state="in_progress",
        received_on=day,
        due_date=day + timedelta(days=20),
        title="Đề nghị hướng dẫn thủ tục cấp mã số mã vạch",
    )
    db.session.commit()
    assert reports.build_report(period, today, list_limit=20, now=utcnow()).total.received == 3
    db.session.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": gone.id})
    db.session.commit()
    assert reports.build_report(period, today, list_limit=20, now=utcnow()).total.received == 2
    assert_cached_equals_recount(period, today)

    # A change rolled back leaves no kept result behind that could pass for a later state.
    db.session.execute(text("UPDATE tickets SET unit_id = NULL WHERE id = :id"), {"id": t.id})
    assert reports.build_report(period, today, list_limit=20, now=utcnow()).by["unit"]
    db.session.rollback()
    assert_cached_equals_recount(period, today)
