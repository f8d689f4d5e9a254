"""The working calendar and deadline rules as stored by administrators, fed to the pure domain."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from ..domain import deadlines
from ..domain.deadlines import Deadline, Rule, WorkCalendar
from ..extensions import db
from ..models import CalendarOverride, DeadlineRule
from ..timeutil import to_local

# Defaults when no rule row exists (DESIGN §5); the seeded rows carry the same figures.
DEFAULT_RULES = {
    "answer": Rule(20, deadlines.CALENDAR_DAYS, "Thông tư 02/2017/TT-VPCP"),
    "transfer": Rule(5, deadlines.WORKING_DAYS, "Nghị định 20/2008/NĐ-CP, Điều 9; Nghị định 92/2017/NĐ-CP"),
    "route": Rule(2, deadlines.WORKING_DAYS, "quy chế nội bộ của Sở"),
    "publish": Rule(2, deadlines.WORKING_DAYS, "Thông tư 02/2017/TT-VPCP"),
    "progress": Rule(7, deadlines.CALENDAR_DAYS, "Thông tư 02/2017/TT-VPCP"),
    # Closing the loop (issue 14): the last day a dissatisfied submitter may ask for reconsideration,
    # counted from the answer, and the review's own answer deadline, counted from the request.
    "review_request": Rule(15, deadlines.CALENDAR_DAYS, "quy chế tiếp nhận, xử lý phản ánh, kiến nghị của Sở"),
    "review": Rule(10, deadlines.WORKING_DAYS, "quy chế tiếp nhận, xử lý phản ánh, kiến nghị của Sở"),
}


def work_calendar() -> WorkCalendar:
    """The calendar with the administrators' overrides (extra days off, swapped working days)."""
    rows = db.session.execute(db.select(CalendarOverride)).scalars().all()
    return WorkCalendar(
        extra_days_off=[r.day for r in rows if r.day_type == "day_off"],
        extra_working_days=[r.day for r in rows if r.day_type == "working_day"],
        notes={r.day: r.note for r in rows if r.note},
    )


def rule_for(purpose: str, kind: str | None = None, category_id: int | None = None) -> Rule:
    """The most specific active rule for a purpose: kind and category, then kind, then any."""
    rows = db.session.execute(
        db.select(DeadlineRule).where(DeadlineRule.purpose == purpose, DeadlineRule.active.is_(True))
    ).scalars().all()

    def score(row: DeadlineRule) -> int | None:
        if row.kind not in (None, kind) or row.category_id not in (None, category_id):
            return None
        return (row.kind is not None) + 2 * (row.category_id is not None)

    ranked = sorted(((score(r), r.id, r) for r in rows if score(r) is not None), key=lambda t: (-t[0], t[1]))
    if not ranked:
        return DEFAULT_RULES[purpose]
    row = ranked[0][2]
    return Rule(row.amount, row.day_unit, row.legal_basis or "")


def office_hours():
    """Office hours from OFFICE_HOURS, or None when after-hours receipt is not moved."""
    if not current_app.config.get("AFTER_HOURS_NEXT_DAY", True):
        return None
    return deadlines.parse_office_hours(current_app.config["OFFICE_HOURS"])


def receipt_date(received_at_utc: datetime, cal: WorkCalendar | None = None) -> date:
    """The legal date of receipt of something received at a naive-UTC moment."""
    cal = cal or work_calendar()
    return deadlines.receipt_date(to_local(received_at_utc).replace(tzinfo=None), cal, office_hours())


def compute(purpose: str, start: date, kind: str | None = None, category_id: int | None = None,
            cal: WorkCalendar | None = None) -> Deadline:
    """The deadline for `purpose` counted from `start` with the rule in force."""
    return deadlines.due_date(start, rule_for(purpose, kind, category_id), cal or work_calendar())
