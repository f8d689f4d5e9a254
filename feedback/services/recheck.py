"""Recheck the tickets' dates when the calendar changes (`flask calendar recheck`, the scheduler, the
calendar page).

The calendar the dates were last checked against is a snapshot (`CalendarState.days`: every day whose
status differs from the plain week). A recheck compares the calendar in force with it; the days whose
status changed are the only ones that can move a date. Only the tickets whose answer, routing, transfer
or publication dates meet those days are read, in batches by id. Each date is derived again under the
rule that fixed it (`Ticket.deadline_basis`), and the later of the stored date and the derived one is
kept, moved off any day off: a date never moves earlier than what the submitter was told. Each move is
a timeline event naming the document, the submitter is e-mailed when the answer deadline moves, the
on-time verdict of answered tickets is recomputed (`domain.outcomes`), and reminders follow the new
dates by themselves (they are keyed by due date).

Safe to run twice (the second run finds no changed day) and from two processes at once: the run takes
a lock first (PostgreSQL advisory transaction lock; on SQLite the write lock of the first UPDATE), and
the snapshot is compared and replaced inside that transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, text

from ..domain import deadlines, outcomes
from ..domain.states import DUE_DATE_LABELS, OPEN_STATES, State
from ..extensions import db
from ..models import CalendarState, Ticket
from . import calendar, outbox, timeline

LOCK_KEY = 460_311_009
BATCH = 500
# Years whose days the snapshot keeps: wide enough for any open ticket.
FIRST_YEAR = 2020
YEARS_AHEAD = 3

# purpose -> (column, shown to the submitter)
DATES = {
    "answer": ("due_date", True),
    "route": ("route_due_date", False),
    "transfer": ("transfer_due_date", False),
    "publish": ("publish_due_date", False),
}


@dataclass
class Moved:
    code: str
    purpose: str
    old: date
    new: date


@dataclass
class RecheckReport:
    changed_days: list[date] = field(default_factory=list)
    candidates: int = 0
    moved: list[Moved] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # codes whose on-time verdict changed
    first_run: bool = False

    @property
    def tickets(self) -> int:
        return len({m.code for m in self.moved} | set(self.verdicts))


def _lock() -> CalendarState:
    """Take the recheck lock and return the state row (created if missing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    else:  # any write takes SQLite's database lock for the rest of the transaction
        db.session.execute(text("UPDATE calendar_states SET id = id WHERE id = 1"))
    state = db.session.get(CalendarState, 1, populate_existing=True)
    if state is None:
        state = CalendarState(id=1, days=None)
        db.session.add(state)
        db.session.flush()
    return state


def _years(today: date) -> tuple[int, int]:
    return FIRST_YEAR, today.year + YEARS_AHEAD


def changed_days(previous: dict[str, str], current: dict[str, str]) -> list[date]:
    """The days whose status differs between two snapshots."""
    keys = set(previous) | set(current)
    return sorted(date.fromisoformat(k) for k in keys if previous.get(k) != current.get(k))


def _why(day: date, cal: deadlines.WorkCalendar, locale: str) -> str:
    entry = cal.entry(day)
    if entry is not None and entry.document is not None:
        return entry.document.cite(locale)
    if entry is not None and entry.name(locale):
        return entry.name(locale)
    return _("điều chỉnh lịch làm việc") if locale == "vi" else "a calendar change"


def ensure_snapshot(today: date) -> None:
    """Record the calendar the dates were fixed under, if no check has run yet (before a calendar change:
    the change itself must show up as changed days)."""
    state = _lock()
    if state.days is None:
        first, last = _years(today)
        state.days = calendar.legacy_calendar().exceptions(first, last)
        db.session.flush()


def recheck(now: datetime, today: date) -> RecheckReport:
    """Derive again the dates of every ticket that the days changed since the last check meet (not committed)."""
    report = RecheckReport()
    state = _lock()
    cal = calendar.work_calendar()
    first, last = _years(today)
    current = cal.exceptions(first, last)
    if state.days is None:
        # Never checked: the dates were fixed under the calendar before the shipped official one.
        report.first_run = True
        previous = calendar.legacy_calendar().exceptions(first, last)
    else:
        previous = dict(state.days)
    days = changed_days(previous, current)
    report.changed_days = days
    state.days = current
    state.shipped_version = calendar.official_calendar()[2]
    state.checked_at = now
    if not days:
        db.session.flush()
        return report
    lo, hi = days[0], days[-1]
    open_states = list(OPEN_STATES)
    meets = or_(
        and_(Ticket.state.in_(open_states), Ticket.due_date >= lo),
        and_(Ticket.state == State.NEW, or_(Ticket.route_due_date >= lo, Ticket.transfer_due_date >= lo)),
        and_(Ticket.state == State.ANSWERED, Ticket.published_at.is_(None), Ticket.publish_due_date >= lo),
        # Answered late, where a day that became a day off may have moved the due date past the answer.
        and_(Ticket.state == State.ANSWERED, Ticket.due_date >= lo, Ticket.answered_on > Ticket.due_date),
    )
    changed = set(days)
    light = (
        Ticket.id,
        Ticket.state,
        Ticket.due_date,
        Ticket.route_due_date,
        Ticket.transfer_due_date,
        Ticket.publish_due_date,
        Ticket.published_at,
        Ticket.answered_on,
        Ticket.on_time,
        Ticket.deadline_basis,
    )
    # One pass over the candidates' date columns (index ranges, streamed: memory does not grow with them),
    # keeping only the ids whose dates move; those are then loaded, locked and changed in batches.
    moving = []
    stmt = db.select(*light).where(meets, Ticket.received_on <= hi).execution_options(yield_per=5000)
    for row in db.session.execute(stmt):
        report.candidates += 1
        if _moves(row, cal):
            moving.append(row.id)
    moving.sort()
    for start in range(0, len(moving), BATCH):
        ids = moving[start : start + BATCH]
        tickets = (
            db.session.execute(db.select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update())
            .scalars()
            .all()
        )
        for ticket in tickets:
            _recheck_ticket(ticket, cal, changed, now, report)
        db.session.flush()
    return report


def _purposes(state: str) -> list[str]:
    if state == State.ANSWERED:
        return ["answer", "publish"]
    return ["answer", "route", "transfer"] if state == State.NEW else ["answer"]


def _derived(purpose: str, stored: date, basis: dict, cal: deadlines.WorkCalendar) -> date:
    """The date `purpose` should have under `cal`: never earlier than `stored`, never on a day off."""
    entry = basis.get(purpose) or {"fixed": stored.isoformat(), "paused": 0}
    return cal.on_or_after(max(stored, calendar.rederive(entry, cal)))


def _moves(row, cal: deadlines.WorkCalendar) -> bool:
    """Whether a ticket (its date columns only) has a date or a verdict to change under `cal`."""
    basis = row.deadline_basis or {}
    due = row.due_date
    for purpose in _purposes(row.state):
        stored = getattr(row, DATES[purpose][0])
        if stored is None or (purpose == "publish" and row.published_at is not None):
            continue
        new = _derived(purpose, stored, basis, cal)
        if new != stored:
            return True
        if purpose == "answer":
            due = new
    return (
        row.state == State.ANSWERED
        and row.answered_on is not None
        and outcomes.answered_on_time(row.answered_on, due) != row.on_time
    )


def _recheck_ticket(
    ticket: Ticket, cal: deadlines.WorkCalendar, changed: set[date], now: datetime, report: RecheckReport
) -> None:
    basis = ticket.deadline_basis or {}
    touched = False
    for purpose in _purposes(ticket.state):
        column, public = DATES[purpose]
        stored = getattr(ticket, column)
        if stored is None:
            continue
        if purpose == "publish" and ticket.published_at is not None:
            continue
        entry = basis.get(purpose) or {"fixed": stored.isoformat(), "paused": 0}
        new = _derived(purpose, stored, basis, cal)
        if new == stored:
            continue
        setattr(ticket, column, new)
        touched = True
        report.moved.append(Moved(ticket.code, purpose, stored, new))
        # The days that made it move: the changed days from the start of the count to the new date.
        start = date.fromisoformat(entry["from"]) if entry.get("from") else stored
        causes = sorted(d for d in changed if start <= d <= new) or [stored]
        why_vi = "; ".join(sorted({_why(d, cal, "vi") for d in causes}))
        why_en = "; ".join(sorted({_why(d, cal, "en") for d in causes}))
        days_vi = ", ".join(deadlines.fmt(d) for d in causes)
        label_vi, label_en = DUE_DATE_LABELS[purpose].vi, DUE_DATE_LABELS[purpose].en
        vi = (
            f"{label_vi} chuyển từ {deadlines.fmt(stored)} sang {deadlines.fmt(new)} do lịch nghỉ thay đổi "
            f"(ngày {days_vi}; {why_vi})."
        )
        en = (
            f"{label_en} moved from {deadlines.fmt(stored)} to {deadlines.fmt(new)} because the holiday calendar "
            f"changed ({days_vi}; {why_en})."
        )
        open_ticket = ticket.state in OPEN_STATES
        _deadline_event(
            ticket,
            now,
            vi,
            en,
            public=public and open_ticket,
            purpose=purpose,
            old_date=stored.isoformat(),
            new_date=new.isoformat(),
            days=[d.isoformat() for d in causes],
        )
        if purpose == "answer":
            ticket.due_explanation = (ticket.due_explanation or "") + " " + vi
            if ticket.due_explanation_en:
                ticket.due_explanation_en += " " + en
            if open_ticket:
                outbox.to_submitter(
                    ticket,
                    "deadline_moved",
                    _l("Thông báo điều chỉnh thời hạn giải quyết"),
                    now,
                    flush=False,
                    old_due=stored,
                    new_due=new,
                    reason=vi if (ticket.locale or "vi") == "vi" else en,
                )
    if ticket.state == State.ANSWERED and ticket.answered_on is not None:
        verdict = outcomes.answered_on_time(ticket.answered_on, ticket.due_date)
        if ticket.on_time is None:  # a row from before the flag was kept: set it, nothing changed
            ticket.on_time = verdict
            touched = True
        elif verdict != ticket.on_time:
            ticket.on_time = verdict  # the late reason given at approval stays on file
            touched = True
            report.verdicts.append(ticket.code)
            _deadline_event(
                ticket,
                now,
                "Đánh giá lại: trả lời đúng hạn." if verdict else "Đánh giá lại: trả lời quá hạn.",
                "Re-assessed: answered on time." if verdict else "Re-assessed: answered late.",
                on_time=verdict,
            )
    if touched:
        ticket.updated_at = now


def _deadline_event(ticket: Ticket, now: datetime, vi: str, en: str, *, public: bool = False, **details) -> None:
    """The system's "deadline_moved" event (the ticket's state unchanged), in Vietnamese with its English text."""
    timeline.record_in_place(
        ticket, "deadline_moved", actor_label="system", public=public, now=now, message=vi, message_en=en, **details
    )


def plan_missing(today: date, ask_from: str = "10-01") -> int | None:
    """Next year, when from `ask_from` (MM-DD) on its holiday plan has not been entered; else None."""
    month, day = (int(x) for x in ask_from.split("-"))
    if (today.month, today.day) < (month, day):
        return None
    year = today.year + 1
    return year if calendar.year_statuses().get(year) != deadlines.ANNOUNCED else None


def ask_for_plan(now: datetime, today: date, ask_from: str = "10-01") -> list[str]:
    """Once a week from `ask_from`, e-mail the administrators that next year's plan is missing (not committed).

    Returns the addresses written to (empty when nothing was due).
    """
    from ..domain.states import Role
    from ..models import User

    year = plan_missing(today, ask_from)
    if year is None:
        return []
    state = _lock()
    if state.plan_reminder_on is not None and (today - state.plan_reminder_on).days < 7:
        return []
    admins = [
        u.email
        for u in db.session.execute(db.select(User).where(User.role == Role.ADMIN, User.active.is_(True))).scalars()
        if u.email
    ]
    if not admins:
        return []
    outbox.queue_by_locale(
        "calendar_plan",
        admins,
        lambda: str(_l("Cần nhập lịch nghỉ lễ, Tết năm %(year)d", year=year)),
        "calendar_plan",
        now=now,
        year=year,
    )
    state.plan_reminder_on = today
    db.session.flush()
    return admins
