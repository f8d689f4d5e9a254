"""The working calendar and deadline rules as stored, fed to the pure domain.

The calendar is layered (see `feedback/domain/deadlines.py`): the statutory days of the `holidays`
package, then the official calendar shipped in `feedback/data/official_calendar.json`, then the
administrators' overrides and announcements. Rules are rows (`DeadlineRule`), chosen by regime,
category and kind (see `rule_for`). The calendar in force and the active rules are read once per
process and kept until an administrator changes them (`services/reference.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from ..domain import deadlines
from ..domain.deadlines import ANNOUNCED, DayEntry, Deadline, Document, Rule, WorkCalendar
from ..extensions import db
from ..models import CalendarAnnouncement, CalendarOverride, DeadlineRule
from ..timeutil import to_local
from . import reference

OFFICIAL_CALENDAR = deadlines.OFFICIAL_CALENDAR

DEFAULT_REGIME = "default"
LEGAL_DOCUMENT_REGIME = "legal_document"
REGIMES = (DEFAULT_REGIME, LEGAL_DOCUMENT_REGIME)

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
    # Data-subject requests (issue 13, services/data_requests.py): acknowledgment, completion per
    # kind, and the one extension. Administrators may edit them as rule rows.
    **{
        purpose: Rule(amount, deadlines.WORKING_DAYS, "Luật 91/2025/QH15; Nghị định 356/2025/NĐ-CP")
        for purpose, amount in (
            ("pd_ack", 2),
            ("pd_access", 10),
            ("pd_correct", 10),
            ("pd_withdraw", 2),
            ("pd_delete", 20),
            ("pd_restrict", 10),
            ("pd_object", 10),
            ("pd_extend", 10),
        )
    },
}
# Feedback on legal normative documents (Công điện 89/CĐ-TTg of 16/06/2025).
REGIME_DEFAULT_RULES = {
    (LEGAL_DOCUMENT_REGIME, "answer"): Rule(15, deadlines.CALENDAR_DAYS, "Công điện 89/CĐ-TTg ngày 16/06/2025"),
    (LEGAL_DOCUMENT_REGIME, "transfer"): Rule(2, deadlines.WORKING_DAYS, "Công điện 89/CĐ-TTg ngày 16/06/2025"),
}


# --- the official calendar -----------------------------------------------------------------------


def official_calendar() -> tuple[tuple[DayEntry, ...], dict[int, str], str]:
    """The shipped calendar: (entries, year -> announced/estimated, version)."""
    return deadlines.load_official(str(current_app.config.get("OFFICIAL_CALENDAR_FILE") or OFFICIAL_CALENDAR))


def _override_entry(row: CalendarOverride) -> DayEntry:
    doc = None
    ann = row.announcement
    if ann is not None:
        doc = Document(ann.document_number, ann.document_date, ann.issuer or "", "", "Văn bản", "Document")
    working = row.day_type == "working_day"
    return DayEntry(row.day, working, "working" if working else "extra", row.note or "", "", doc, "override")


def year_statuses() -> dict[int, str]:
    """Year -> announced, from the shipped calendar and the announcements administrators entered."""
    years = dict(official_calendar()[1])
    for (year,) in db.session.execute(db.select(CalendarAnnouncement.year).distinct()):
        years[int(year)] = ANNOUNCED
    return years


def work_calendar() -> WorkCalendar:
    """The calendar in force: statutory days, the shipped official calendar, the administrators' overrides
    (cached per process; shared, so callers never change it)."""

    def load() -> WorkCalendar:
        rows = db.session.execute(db.select(CalendarOverride)).scalars().all()
        entries, _years, _version = official_calendar()
        return WorkCalendar(official=entries, overrides=[_override_entry(r) for r in rows], year_status=year_statuses())

    return reference.cached("work_calendar", load)


def legacy_calendar() -> WorkCalendar:
    """The calendar before the shipped official calendar existed (statutory days plus overrides): what the
    dates of tickets without a recheck snapshot were computed with."""
    rows = db.session.execute(db.select(CalendarOverride)).scalars().all()
    return WorkCalendar(overrides=[_override_entry(r) for r in rows])


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """An active deadline rule row as `rule_for` ranks it."""

    id: int
    regime: str | None
    kind: str | None
    category_id: int | None
    amount: int
    day_unit: str
    legal_basis: str | None


def active_rules() -> dict[str, tuple[RuleRow, ...]]:
    """Purpose -> the active rule rows (one query for every purpose, cached per process)."""

    def load() -> dict[str, tuple[RuleRow, ...]]:
        by_purpose: dict[str, list[RuleRow]] = {}
        for r in db.session.execute(db.select(DeadlineRule).where(DeadlineRule.active.is_(True))).scalars():
            by_purpose.setdefault(r.purpose, []).append(
                RuleRow(r.id, r.regime, r.kind, r.category_id, r.amount, r.day_unit, r.legal_basis)
            )
        return {purpose: tuple(rows) for purpose, rows in by_purpose.items()}

    return reference.cached("rules", load)


def rule_for(
    purpose: str, kind: str | None = None, category_id: int | None = None, regime: str | None = DEFAULT_REGIME
) -> Rule:
    """The rule in force for a purpose, by one order of precedence (README, "Rules by regime").

    Among the active rules of the purpose whose regime, category and kind are unset or equal to the
    ticket's, the most specific wins: a rule for the regime outranks any without one, then a rule for
    the category outranks one without, then a rule for the kind; ties go to the older rule. Without a
    matching row: the regime's default (Công điện 89 for legal documents), then the general default.
    """
    regime = regime or DEFAULT_REGIME
    rows = active_rules().get(purpose, ())

    def score(row: RuleRow) -> int | None:
        if row.kind not in (None, kind) or row.category_id not in (None, category_id):
            return None
        if row.regime not in (None, regime):
            return None
        return 4 * (row.regime is not None) + 2 * (row.category_id is not None) + (row.kind is not None)

    scored = ((score(r), r) for r in rows)
    ranked = sorted(((s, r.id, r) for s, r in scored if s is not None), key=lambda t: (-t[0], t[1]))
    if regime != DEFAULT_REGIME and (not ranked or ranked[0][0] < 4) and (regime, purpose) in REGIME_DEFAULT_RULES:
        return REGIME_DEFAULT_RULES[(regime, purpose)]
    if not ranked:
        return DEFAULT_RULES[purpose]
    row = ranked[0][2]
    return Rule(row.amount, row.day_unit, row.legal_basis or "")


def office_hours():
    """Office hours from OFFICE_HOURS, or None when after-hours receipt is not moved."""
    if not current_app.config.get("AFTER_HOURS_NEXT_DAY", True):
        return None
    return deadlines.parse_office_hours(current_app.config["OFFICE_HOURS"])


def receipt(received_at_utc: datetime, cal: WorkCalendar | None = None) -> tuple[date, tuple[str, str] | None]:
    """The legal date of receipt of something received at a naive-UTC moment, and why it moved (vi, en)."""
    cal = cal or work_calendar()
    return deadlines.receipt(to_local(received_at_utc).replace(tzinfo=None), cal, office_hours())


def receipt_date(received_at_utc: datetime, cal: WorkCalendar | None = None) -> date:
    """The legal date of receipt of something received at a naive-UTC moment."""
    return receipt(received_at_utc, cal)[0]


def compute(
    purpose: str,
    start: date,
    kind: str | None = None,
    category_id: int | None = None,
    cal: WorkCalendar | None = None,
    *,
    regime: str | None = DEFAULT_REGIME,
    counted_from: str = "receipt",
) -> Deadline:
    """The deadline for `purpose` counted from `start` with the rule in force."""
    return deadlines.due_date(
        start, rule_for(purpose, kind, category_id, regime), cal or work_calendar(), counted_from=counted_from
    )


# --- how a date was fixed, to derive it again --------------------------------------------------------


def basis_of(deadline: Deadline, *, paused: int = 0) -> dict[str, Any]:
    """The facts that fixed a rule-derived date (stored in `Ticket.deadline_basis[purpose]`)."""
    return {
        "from": deadline.received_on.isoformat(),
        "amount": deadline.rule.amount,
        "unit": deadline.rule.unit,
        "basis": deadline.rule.legal_basis,
        "counted_from": deadline.counted_from,
        "fixed": None,
        "paused": paused,
    }


def fixed_basis(day: date, reason: str) -> dict[str, Any]:
    """A date people chose (an extension, an earlier date set when routing): derived again as itself."""
    return {"fixed": day.isoformat(), "reason": reason, "paused": 0}


def rederive(entry: dict[str, Any], cal: WorkCalendar) -> date:
    """The date `entry` gives under `cal`: the rule counted again, or the chosen date moved off days off,
    then moved by the working days paused since."""
    if entry.get("fixed"):
        day = cal.on_or_after(date.fromisoformat(entry["fixed"]))
    else:
        rule = Rule(int(entry["amount"]), entry["unit"], entry.get("basis", ""))
        day = deadlines.due_day(date.fromisoformat(entry["from"]), rule, cal)
    paused = int(entry.get("paused") or 0)
    return cal.add_working_days(day, paused) if paused else day


def set_basis(ticket, purpose: str, entry: dict[str, Any]) -> None:
    """Record how `purpose`'s date of `ticket` was fixed (a new dict, so the JSON column is saved)."""
    basis = dict(ticket.deadline_basis or {})
    basis[purpose] = entry
    ticket.deadline_basis = basis


def add_paused(ticket, purpose: str, days: int) -> None:
    """Working days the clock of `purpose` waited for the submitter, on top of its basis."""
    basis = dict(ticket.deadline_basis or {})
    if purpose in basis:
        entry = dict(basis[purpose])
        entry["paused"] = int(entry.get("paused") or 0) + days
        basis[purpose] = entry
        ticket.deadline_basis = basis
