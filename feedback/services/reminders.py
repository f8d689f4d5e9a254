"""The reminder sweep: queue the reminders of the ladder that are due now, each exactly once.

`sweep(now)` (the caller commits) does, at a moment inside office hours on a working day:
1. select the candidate tickets with indexed range queries whose bounds are computed here from the
   calendar, so the cost follows the number of tickets near or past a date, not the table size:
   - running states with `due_date <= last date that gets a before-due reminder today`
     (index ix_tickets_state_due),
   - `new` tickets with `route_due_date < today` (ix_tickets_state_route_due),
   - answered, unpublished tickets with `publish_due_date < today` (ix_tickets_state_pub_due);
2. ask the pure ladder (domain/reminders.py) which (kind, due date, step) keys each is due;
3. drop keys already in ReminderLog, then insert the rest with INSERT ... ON CONFLICT DO NOTHING
   RETURNING: only the keys this sweep inserted are sent. A concurrent sweep that inserts the same
   key waits on the unique index (PostgreSQL) or on the write lock (SQLite) and gets nothing back,
   so two sweeps at once queue each reminder once;
4. group the staff reminders by recipient into one digest email each, and queue the submitter's
   progress updates, all as outbox rows in the same transaction.
Outside office hours or on a day off it queues nothing; the next sweep in office hours finds the
same keys still unsent and sends them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import reminders as ladder_rules
from ..domain.deadlines import fmt, parse_office_hours
from ..domain.reminders import Due, Ladder
from ..domain.states import Role, State
from ..extensions import db
from ..models import DeadlineRule, ReminderLog, Ticket, Unit, User
from ..timeutil import to_local
from . import calendar, outbox

CHUNK = 500


@dataclass(frozen=True)
class Queued:
    """One reminder queued for one recipient (a line of `flask reminders send`)."""

    recipient: str
    ticket_code: str
    kind: str
    step: int
    due_date: date
    outbox_id: int


@dataclass
class SweepReport:
    """What a sweep did: `skipped` says why nothing was looked at (outside office hours)."""

    now: datetime
    skipped: str | None = None
    candidates: int = 0
    new_keys: int = 0
    queued: list[Queued] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)


def progress_rule() -> tuple[int, str]:
    """The progress-update period: the administrator's active general "progress" rule, or the
    PROGRESS_UPDATE_DAYS setting (calendar days) when there is none."""
    row = db.session.execute(
        db.select(DeadlineRule).where(DeadlineRule.purpose == "progress", DeadlineRule.active.is_(True),
                                      DeadlineRule.kind.is_(None), DeadlineRule.category_id.is_(None),
                                      DeadlineRule.regime.is_(None))
        .order_by(DeadlineRule.id).limit(1)
    ).scalar_one_or_none()
    if row is None or row.amount < 1:
        return int(current_app.config["PROGRESS_UPDATE_DAYS"]), "calendar_days"
    return int(row.amount), row.day_unit


def ladder() -> Ladder:
    """The ladder with the offsets from configuration and the progress period from its rule."""
    cfg = current_app.config
    days, unit = progress_rule()
    return ladder_rules.ladder_from(cfg["REMINDER_BEFORE_DAYS"], cfg["REMINDER_HEAD_OVERDUE_DAYS"],
                                    cfg["REMINDER_ESCALATE_DAYS"], days, unit)


def office_closed_reason(now: datetime, cal) -> str | None:
    """Why no reminder may go out at `now` (naive UTC), or None during office hours on a working day."""
    local = to_local(now)
    if not cal.is_working_day(local.date()):
        return f"{fmt(local.date())} không phải ngày làm việc"
    start, end = parse_office_hours(current_app.config["OFFICE_HOURS"])
    if not (start <= local.time().replace(tzinfo=None) < end):
        return f"{local:%H:%M} ngoài giờ hành chính ({current_app.config['OFFICE_HOURS']})"
    return None


def candidates(today: date, cal, rules: Ladder) -> list[Ticket]:
    """Tickets that may be due a reminder today, by indexed range queries only."""
    hi = ladder_rules.before_window_end(today, cal, rules)
    due_q = db.select(Ticket).where(Ticket.state.in_([str(s) for s in ladder_rules.DUE_STATES]),
                                    Ticket.due_date <= hi)
    route_q = db.select(Ticket).where(Ticket.state == State.NEW, Ticket.route_due_date < today)
    publish_q = db.select(Ticket).where(Ticket.state == State.ANSWERED, Ticket.published_at.is_(None),
                                        Ticket.publish_due_date < today)
    found: dict[int, Ticket] = {}
    for stmt in (due_q, route_q, publish_q):
        for ticket in db.session.execute(stmt).scalars():
            found[ticket.id] = ticket
    return [found[k] for k in sorted(found)]


def rating_candidates(today: date) -> list[tuple[Ticket, Due]]:
    """Answered tickets whose answer in force is unrated and due its one rating reminder today."""
    from ..models import Rating, Review

    cfg = current_app.config
    delay, open_days = cfg["RATING_REMINDER_DAYS"], cfg["RATING_OPEN_DAYS"]
    if delay <= 0:
        return []
    lo, hi = today - timedelta(days=open_days), today - timedelta(days=delay)
    unrated = ~db.select(Rating.id).where(Rating.ticket_id == Ticket.id, Rating.round == Ticket.review_round).exists()
    base = [Ticket.state == State.ANSWERED, Ticket.email.is_not(None), Ticket.anonymised_at.is_(None), unrated]
    first = db.select(Ticket, Ticket.answered_on).where(
        *base, Ticket.review_round == 0, Ticket.answered_on >= lo, Ticket.answered_on <= hi)
    reviewed = db.select(Ticket, Review.answered_on).join(
        Review, (Review.ticket_id == Ticket.id) & (Review.round == Ticket.review_round)).where(
        *base, Ticket.review_round > 0, Review.answered_on >= lo, Review.answered_on <= hi)
    found = []
    for stmt in (first, reviewed):
        for ticket, answered_on in db.session.execute(stmt):
            due = ladder_rules.rating_reminder_due(answered_on=answered_on, rated=False, round_=ticket.review_round,
                                                   today=today, delay_days=delay, open_days=open_days)
            if due is not None:
                found.append((ticket, due))
    return found


def _already_logged(keys: list[tuple]) -> set[tuple]:
    """The keys among `keys` that ReminderLog already holds (uses the unique index)."""
    done: set[tuple] = set()
    columns = tuple_(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step)
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i:i + CHUNK]
        rows = db.session.execute(
            db.select(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step)
            .where(columns.in_(chunk))
        )
        done.update(tuple(r) for r in rows)
    return done


def _insert_new(keys: list[tuple], now: datetime) -> dict[tuple, int]:
    """Insert the keys, skipping any that exist (even uncommitted in a concurrent sweep).

    Returns the keys this sweep inserted, with their log row ids. One executemany: SQLAlchemy sends
    it as multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING statements ("insertmanyvalues").
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # A fixed order makes two concurrent sweeps wait on each other instead of deadlocking.
    rows = [{"ticket_id": t, "kind": k, "due_date": d, "step": s, "created_at": now} for t, k, d, s in sorted(keys)]
    stmt = (
        insert(ReminderLog)
        .on_conflict_do_nothing(index_elements=["ticket_id", "kind", "due_date", "step"])
        .returning(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step, ReminderLog.id)
    )
    ours: dict[tuple, int] = {}
    for i in range(0, len(rows), CHUNK * 4):
        for r in db.session.execute(stmt, rows[i:i + CHUNK * 4]):
            ours[(r.ticket_id, r.kind, r.due_date, r.step)] = r.id
    return ours


class _Directory:
    """Who receives what: users loaded once per sweep with a few queries."""

    def __init__(self, tickets: list[Ticket]) -> None:
        unit_ids = {t.unit_id for t in tickets if t.unit_id}
        assignee_ids = {t.assignee_id for t in tickets if t.assignee_id}
        self.units = {u.id: u for u in db.session.execute(
            db.select(Unit).where(Unit.id.in_(unit_ids))).scalars()} if unit_ids else {}
        self.assignees = {u.id: u for u in db.session.execute(
            db.select(User).where(User.id.in_(assignee_ids), User.active.is_(True))).scalars()} if assignee_ids else {}
        self.heads: dict[int, list[User]] = defaultdict(list)
        if unit_ids:
            for u in db.session.execute(db.select(User).where(
                    User.role == Role.UNIT_HEAD, User.unit_id.in_(unit_ids), User.active.is_(True))
                    .order_by(User.id)).scalars():
                self.heads[u.unit_id].append(u)
        office = db.session.execute(db.select(User).where(
            User.role.in_([Role.COORDINATOR, Role.DIRECTOR]), User.active.is_(True)).order_by(User.id)).scalars().all()
        self.coordinators = [u for u in office if u.role == Role.COORDINATOR]
        self.directors = [u for u in office if u.role == Role.DIRECTOR]

    def unit_mailbox(self, ticket: Ticket) -> list[tuple[str, str, str | None]]:
        unit = self.units.get(ticket.unit_id)
        return [(unit.email, unit.name, None)] if unit is not None and unit.email else []

    @staticmethod
    def people(users: list[User]) -> list[tuple[str, str, str | None]]:
        return [(u.email, u.name, u.locale) for u in users if u.email]

    def recipients(self, ticket: Ticket, kind: str) -> list[tuple[str, str, str | None]]:
        """(email, name, locale) of who gets reminder `kind` about `ticket`, each address once."""
        unique: dict[str, tuple[str, str, str | None]] = {}
        for person in self._recipients(ticket, kind):
            unique.setdefault(person[0].lower(), person)
        return list(unique.values())

    def _recipients(self, ticket: Ticket, kind: str) -> list[tuple[str, str, str | None]]:
        if kind == ladder_rules.BEFORE_DUE:
            assignee = self.assignees.get(ticket.assignee_id)
            found = self.people([assignee]) if assignee else []
            found += self.unit_mailbox(ticket)
            if assignee is None:  # nobody assigned yet: the heads, who assign, are told
                found += self.people(self.heads.get(ticket.unit_id, []))
            return found or self.people(self.coordinators)
        if kind == ladder_rules.OVERDUE_HEAD:
            found = self.people(self.heads.get(ticket.unit_id, [])) or self.unit_mailbox(ticket)
            return found or self.people(self.coordinators)
        if kind == ladder_rules.ESCALATE:
            return self.people(self.coordinators + self.directors)
        if kind in (ladder_rules.ROUTE_OVERDUE, ladder_rules.PUBLISH_OVERDUE):
            return self.people(self.coordinators) or self.people(self.directors)
        raise ValueError(kind)


def describe(kind: str, due: Due) -> str:
    """One line of a digest, in Vietnamese."""
    when = fmt(due.due_date)
    if kind == ladder_rules.BEFORE_DUE:
        if due.days == 0:
            return _("Đến hạn giải quyết hôm nay (%(date)s).", date=when)
        return _("Còn %(n)s ngày làm việc đến hạn giải quyết %(date)s.", n=due.days, date=when)
    if kind == ladder_rules.OVERDUE_HEAD:
        return _("Đã quá hạn giải quyết %(n)s ngày làm việc (hạn %(date)s).", n=due.days, date=when)
    if kind == ladder_rules.ESCALATE:
        return _("Quá hạn %(n)s ngày làm việc (hạn %(date)s): đề nghị Văn phòng và Lãnh đạo Sở chỉ đạo xử lý.",
                 n=due.days, date=when)
    if kind == ladder_rules.ROUTE_OVERDUE:
        return _("Chưa chuyển đơn vị xử lý, quá thời hạn phân loại %(date)s được %(n)s ngày làm việc.",
                 n=due.days, date=when)
    if kind == ladder_rules.PUBLISH_OVERDUE:
        return _("Đã trả lời nhưng chưa công khai, quá thời hạn công khai %(date)s được %(n)s ngày làm việc.",
                 n=due.days, date=when)
    raise ValueError(kind)


def sweep(now: datetime) -> SweepReport:
    """Queue the reminders due at `now` (naive UTC) as outbox rows (flushes; the caller commits)."""
    report = SweepReport(now=now)
    cal = calendar.work_calendar()
    report.skipped = office_closed_reason(now, cal)
    if report.skipped:
        return report
    today = to_local(now).date()
    rules = ladder()
    tickets = candidates(today, cal, rules)
    report.candidates = len(tickets)

    due_by_key: dict[tuple, tuple[Ticket, Due]] = {}
    for ticket in tickets:
        for due in ladder_rules.due_reminders(
            state=ticket.state, has_unit=ticket.unit_id is not None, due_date=ticket.due_date,
            route_due_date=ticket.route_due_date, publish_due_date=ticket.publish_due_date,
            published=ticket.published_at is not None, today=today, cal=cal, ladder=rules,
        ):
            if due.kind == ladder_rules.PROGRESS and not ticket.email:
                continue  # nobody to tell (a phone submission without email)
            if due.kind == ladder_rules.PROGRESS and ticket.answered_on is not None:
                continue  # answered once, now reviewed or reworked: the submitter has had an answer
            due_by_key[(ticket.id, due.kind, due.due_date, due.step)] = (ticket, due)
    for ticket, due in rating_candidates(today):  # issue 14: the one reminder to rate the answer
        due_by_key[(ticket.id, due.kind, due.due_date, due.step)] = (ticket, due)
    if not due_by_key:
        return report

    logged = _already_logged(list(due_by_key))
    keys = [k for k in due_by_key if k not in logged]
    ours = _insert_new(keys, now) if keys else {}
    report.new_keys = len(ours)
    if not ours:
        return report

    directory = _Directory([due_by_key[k][0] for k in ours])
    digests: dict[str, dict] = {}
    progress: list[tuple[tuple, Ticket, Due]] = []
    for key in sorted(ours):
        ticket, due = due_by_key[key]
        if due.kind in (ladder_rules.PROGRESS, ladder_rules.RATING_REQUEST):
            progress.append((key, ticket, due))
            continue
        for email, name, locale in directory.recipients(ticket, due.kind):
            entry = digests.setdefault(email.lower(), {"name": name, "locale": locale or "vi", "items": []})
            entry["items"].append((ticket, due))

    for email in sorted(digests):
        entry = digests[email]
        items = sorted(entry["items"], key=lambda it: ladder_rules.sort_key(it[1].kind, it[1].due_date, it[0].code))
        with force_locale(entry["locale"]):
            lines = [{"ticket": t, "due": d, "text": describe(d.kind, d)} for t, d in items]
            subject = _("[Nhắc việc] %(n)s hồ sơ phản ánh, kiến nghị cần xử lý - %(date)s",
                        n=len({t.id for t, _d in items}), date=fmt(today))
        message = outbox.queue(
            "reminder_digest", email, subject, "reminder_digest", locale=entry["locale"], now=now,
            ticket=items[0][0] if len({t.id for t, _d in items}) == 1 else None,
            recipient_name=entry["name"], lines=lines, today=today,
        )
        report.messages.append(message.id)
        for ticket, due in items:
            report.queued.append(Queued(email, ticket.code, due.kind, due.step, due.due_date, message.id))

    links: list[dict] = []  # which email carried each progress update
    for key, ticket, due in progress:
        if due.kind == ladder_rules.RATING_REQUEST:
            message = outbox.queue(
                "rating_reminder", ticket.email,
                lambda t=ticket: _("[%(code)s] Mời Quý vị đánh giá câu trả lời", code=t.code),
                "rating_reminder", ticket=ticket, locale=ticket.locale or "vi", now=now, answered_on=due.due_date,
            )
            links.append({"id": ours[key], "outbox_id": message.id})
            report.messages.append(message.id)
            report.queued.append(Queued(ticket.email, ticket.code, due.kind, due.step, due.due_date, message.id))
            continue
        message = outbox.queue(
            "progress_update", ticket.email,
            lambda t=ticket: _("[%(code)s] Thông báo tiến độ giải quyết phản ánh, kiến nghị", code=t.code),
            "progress_update", ticket=ticket, locale=ticket.locale or "vi", now=now, due=due, today=today,
        )
        links.append({"id": ours[key], "outbox_id": message.id})
        report.messages.append(message.id)
        report.queued.append(Queued(ticket.email, ticket.code, due.kind, due.step, due.due_date, message.id))
    if links:
        db.session.execute(db.update(ReminderLog), links)  # bulk UPDATE by primary key
    db.session.flush()
    return report
