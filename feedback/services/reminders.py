"""The reminder sweep: queue the reminders of the ladder that are due now, each exactly once.

`sweep(now)` does, at a moment inside office hours on a working day:
1. read the candidate tickets in batches (keyset on date and id, SPAN days a query, the ladder's columns only)
   from indexed range queries whose bounds are computed here from the calendar and the ladder's end,
   so the cost follows the number of tickets near a date, not the table size nor the backlog:
   - running states with a due date from the ladder's reach (`domain.reminders.overdue_window_start`)
     to the last date that gets a before-due reminder today (index ix_tickets_state_due),
   - `new` tickets past their routing target, within the reach (ix_tickets_state_route_due),
   - answered, unpublished tickets past their publication target, within the reach (ix_tickets_state_pub_due),
   - answered, unrated tickets due their rating reminder (within the same catch-up window);
2. ask the pure ladder (domain/reminders.py, memoised on the facts) which (kind, due date, step) keys
   each is due;
3. drop keys already in ReminderLog, then insert the rest with INSERT ... ON CONFLICT DO NOTHING
   RETURNING: only the keys this sweep inserted are sent. A concurrent sweep that inserts the same
   key waits on the unique index (PostgreSQL) or on the write lock (SQLite) and gets nothing back,
   so two sweeps at once queue each reminder once. The submitter's emails (progress update, rating
   request) are queued with their keys; the staff reminders stay pending (`queued_at` empty). Each
   batch is committed;
4. put every pending staff reminder in its recipients' digests (`services.recipients`): one email per
   recipient, listing the REMINDER_DIGEST_CAP most urgent tickets and counting the rest per kind with a
   link to the staff queue, rendered once; the digests and the `queued_at` marks are one transaction
   (with the last batch: a sweep of one batch is one transaction),
   under an advisory lock on PostgreSQL (SQLite's write lock serialises it), so a sweep that dies
   leaves its reminders pending and the next sweep sends them, never twice.
Outside office hours or on a day off it queues nothing; the next sweep in office hours finds the
same keys still unsent and sends them. The mail server plays no part: the outbox delivers later.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import Integer, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import outcomes
from ..domain import reminders as ladder_rules
from ..domain.deadlines import fmt, parse_office_hours
from ..domain.reminders import Due, Ladder
from ..domain.states import State
from ..extensions import db
from ..models import DeadlineRule, Rating, ReminderLog, Review, Ticket
from ..timeutil import to_local
from . import calendar, outbox, recipients

CHUNK = 500
DIGEST_LOCK = 0x72656D69  # pg_advisory_xact_lock key of the digest step ("remi")
SUBMITTER_KINDS = (ladder_rules.PROGRESS, ladder_rules.RATING_REQUEST)


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
        db.select(DeadlineRule)
        .where(
            DeadlineRule.purpose == "progress",
            DeadlineRule.active.is_(True),
            DeadlineRule.kind.is_(None),
            DeadlineRule.category_id.is_(None),
            DeadlineRule.regime.is_(None),
        )
        .order_by(DeadlineRule.id)
        .limit(1)
    ).scalar_one_or_none()
    if row is None or row.amount < 1:
        return int(current_app.config["PROGRESS_UPDATE_DAYS"]), "calendar_days"
    return int(row.amount), row.day_unit


def ladder() -> Ladder:
    """The ladder with the offsets from configuration and the progress period from its rule."""
    cfg = current_app.config
    days, unit = progress_rule()
    return ladder_rules.ladder_from(
        cfg["REMINDER_BEFORE_DAYS"],
        cfg["REMINDER_HEAD_OVERDUE_DAYS"],
        cfg["REMINDER_ESCALATE_DAYS"],
        days,
        unit,
        daily_rungs=cfg["REMINDER_DAILY_RUNGS"],
        final_days=cfg["REMINDER_FINAL_DAYS"],
        progress_max=cfg["REMINDER_PROGRESS_MAX"],
        catchup_days=cfg["REMINDER_CATCHUP_DAYS"],
    )


def office_closed_reason(now: datetime, cal) -> str | None:
    """Why no reminder may go out at `now` (naive UTC), or None during office hours on a working day."""
    local = to_local(now)
    if not cal.is_working_day(local.date()):
        return f"{fmt(local.date())} không phải ngày làm việc"
    start, end = parse_office_hours(current_app.config["OFFICE_HOURS"])
    if not (start <= local.time().replace(tzinfo=None) < end):
        return f"{local:%H:%M} ngoài giờ hành chính ({current_app.config['OFFICE_HOURS']})"
    return None


# ---------------------------------------------------------------- candidates

_FACTS = (
    Ticket.id,
    Ticket.state,
    Ticket.unit_id,
    Ticket.due_date,
    Ticket.route_due_date,
    Ticket.publish_due_date,
    Ticket.published_at.is_not(None).label("published"),
    db.and_(Ticket.email.is_not(None), Ticket.email != "").label("has_email"),
    Ticket.answered_on.is_not(None).label("answered"),
)


SPAN = 7  # calendar days read by one candidate query


def _spans(lo: date, hi: date, span: int = SPAN):
    """[lo, hi] cut into consecutive ranges of at most `span` days."""
    start = lo
    while start <= hi:
        end = min(hi, start + timedelta(days=span - 1))
        yield start, end
        start = end + timedelta(days=1)


def _batches(stmt, day_column, lo: date, hi: date, size: int, id_column=Ticket.id):
    """The rows of `stmt` with `day_column` in [lo, hi], in the order of (day, id), in batches of
    about `size`: each query reads a range of SPAN days with a keyset on (day, id), so a window of
    a few weeks takes a few queries (not one per day) and memory holds one batch, however many
    candidates there are."""
    stmt = stmt.add_columns(day_column.label("sweep_day"))
    batch: list = []
    for first, end in _spans(lo, hi):
        last_day, last = first, 0
        while True:
            after = db.or_(day_column > last_day, db.and_(day_column == last_day, id_column > last))
            rows = db.session.execute(
                stmt.where(day_column.between(first, end), after).order_by(day_column, id_column).limit(size)
            ).all()
            if not rows:
                break
            last_day, last = rows[-1].sweep_day, rows[-1].id
            batch.extend(rows)
            if len(batch) >= size:
                yield batch
                batch = []
            if len(rows) < size:
                break
    if batch:
        yield batch


def candidate_batches(today: date, cal, rules: Ladder, size: int):
    """Batches of (kind of query, rows of ticket facts) that may be due a reminder today."""
    lo = ladder_rules.overdue_window_start(today, cal, rules)
    hi = ladder_rules.before_window_end(today, cal, rules)
    running = Ticket.state.in_([str(s) for s in ladder_rules.DUE_STATES])
    in_window = Ticket.due_date.between(lo, hi)
    base = db.select(*_FACTS)
    yield from (("due", b) for b in _batches(base.where(running), Ticket.due_date, lo, hi, size))
    # New tickets whose due date is in the window were read above, with their routing facts.
    route = base.where(Ticket.state == State.NEW, db.or_(Ticket.due_date.is_(None), ~in_window))
    yield from (("due", b) for b in _batches(route, Ticket.route_due_date, lo, today - timedelta(days=1), size))
    publish = base.where(Ticket.state == State.ANSWERED, Ticket.published_at.is_(None))
    yield from (("due", b) for b in _batches(publish, Ticket.publish_due_date, lo, today - timedelta(days=1), size))
    yield from (("rating", b) for b in rating_batches(today, cal, size))


def rating_batches(today: date, cal, size: int):
    """Answered tickets whose answer in force is unrated and due its one rating reminder: from
    RATING_REMINDER_DAYS after the answer, caught up within REMINDER_CATCHUP_DAYS working days, while
    the answer can still be rated."""
    cfg = current_app.config
    delay, open_days = cfg["RATING_REMINDER_DAYS"], cfg["RATING_OPEN_DAYS"]
    if delay <= 0:
        return
    catchup = cal.add_working_days(today, -int(cfg["REMINDER_CATCHUP_DAYS"])) - timedelta(days=delay)
    lo, hi = max(today - timedelta(days=open_days), catchup), today - timedelta(days=delay)
    unrated = ~db.select(Rating.id).where(Rating.ticket_id == Ticket.id, Rating.round == Ticket.review_round).exists()
    base = [Ticket.state == State.ANSWERED, Ticket.email.is_not(None), Ticket.anonymised_at.is_(None), unrated]
    first = db.select(Ticket.id, Ticket.answered_on, Ticket.review_round).where(*base, Ticket.review_round == 0)
    reviewed = (
        db.select(Ticket.id, Review.answered_on, Ticket.review_round)
        .join(Review, (Review.ticket_id == Ticket.id) & (Review.round == Ticket.review_round))
        .where(*base, Ticket.review_round > 0)
    )
    yield from _batches(first, Ticket.answered_on, lo, hi, size)
    yield from _batches(reviewed, Review.answered_on, lo, hi, size)


def _dues(kind: str, rows, today: date, cal, rules: Ladder, memo: dict) -> dict[tuple, Due]:
    """The (ticket id, kind, due date, step) keys the rows are due today; the ladder is asked once per
    distinct set of facts (many tickets share a state and a due date)."""
    found: dict[tuple, Due] = {}
    cfg = current_app.config
    for r in rows:
        if kind == "rating":
            due = ladder_rules.rating_reminder_due(
                answered_on=r.answered_on,
                rated=False,
                round_=r.review_round,
                today=today,
                delay_days=cfg["RATING_REMINDER_DAYS"],
                open_days=cfg["RATING_OPEN_DAYS"],
            )
            if due is not None:
                found[(r.id, due.kind, due.due_date, due.step)] = due
            continue
        facts = (r.state, r.unit_id is not None, r.due_date, r.route_due_date, r.publish_due_date, bool(r.published))
        dues = memo.get(facts)
        if dues is None:
            dues = memo[facts] = ladder_rules.due_reminders(
                state=r.state,
                has_unit=facts[1],
                due_date=r.due_date,
                route_due_date=r.route_due_date,
                publish_due_date=r.publish_due_date,
                published=facts[5],
                today=today,
                cal=cal,
                ladder=rules,
            )
        for due in dues:
            if due.kind == ladder_rules.PROGRESS and (not r.has_email or r.answered):
                continue  # nobody to tell (a phone submission), or answered once and now reworked
            found[(r.id, due.kind, due.due_date, due.step)] = due
    return found


# ---------------------------------------------------------------- the log


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _id_in(column, ids: list[int]):
    """`column IN ids`: one array parameter on PostgreSQL (a short statement however many ids)."""
    if _postgres():
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def _already_logged(keys: list[tuple]) -> set[tuple]:
    """The keys among `keys` that ReminderLog already holds: the log rows of their tickets, read
    through the unique index's leading column."""
    wanted = set(keys)
    ids = sorted({k[0] for k in keys})
    done: set[tuple] = set()
    step = len(ids) if _postgres() else CHUNK
    for i in range(0, len(ids), step or 1):
        rows = db.session.execute(
            db.select(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step).where(
                _id_in(ReminderLog.ticket_id, ids[i : i + step])
            )
        )
        done.update(key for key in (tuple(r) for r in rows) if key in wanted)
    return done


def _pg_array(values) -> str:
    """A PostgreSQL array literal of integers, dates or kinds (no quoting needed): a few joins, where
    adapting a list of 13,000 Python values element by element takes a good part of a second."""
    return "{" + ",".join(map(str, values)) + "}"


_PG_INSERT = text(
    "INSERT INTO reminder_logs (ticket_id, kind, due_date, step, created_at) "
    "SELECT t, k, d, s, :now FROM unnest(CAST(:t AS integer[]), CAST(:k AS varchar[]), CAST(:d AS date[]), "
    "CAST(:s AS integer[])) AS u(t, k, d, s) ORDER BY t, k, d, s "
    "ON CONFLICT (ticket_id, kind, due_date, step) DO NOTHING RETURNING ticket_id, kind, due_date, step, id"
)


def _insert_new(keys: list[tuple], now: datetime) -> dict[tuple, int]:
    """Insert the keys (pending: `queued_at` empty), skipping any that exist, even uncommitted in a
    concurrent sweep; in a fixed order, so two concurrent sweeps wait on each other instead of
    deadlocking. Returns the keys this sweep inserted, with their log row ids. PostgreSQL: one
    INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING; SQLite: multi-row inserts."""
    keys = sorted(keys)
    ours: dict[tuple, int] = {}
    if not keys:
        return ours
    if _postgres():
        columns = list(zip(*keys, strict=True))
        result = db.session.execute(
            _PG_INSERT,
            {
                "now": now,
                "t": _pg_array(columns[0]),
                "k": _pg_array(columns[1]),
                "d": _pg_array(d.isoformat() for d in columns[2]),
                "s": _pg_array(columns[3]),
            },
        )
        for r in result:
            ours[(r.ticket_id, r.kind, r.due_date, r.step)] = r.id
        return ours
    rows = [{"ticket_id": t, "kind": k, "due_date": d, "step": s, "created_at": now} for t, k, d, s in keys]
    stmt = (
        sqlite_insert(ReminderLog)
        .on_conflict_do_nothing(index_elements=["ticket_id", "kind", "due_date", "step"])
        .returning(ReminderLog.ticket_id, ReminderLog.kind, ReminderLog.due_date, ReminderLog.step, ReminderLog.id)
    )
    for i in range(0, len(rows), CHUNK * 4):
        for r in db.session.execute(stmt, rows[i : i + CHUNK * 4]):
            ours[(r.ticket_id, r.kind, r.due_date, r.step)] = r.id
    return ours


# What the submitter's reminder emails show of a ticket (`_Shapes.render`): read as columns, not as
# full ORM objects with their eighty columns.
_EMAIL_COLUMNS = (
    Ticket.id,
    Ticket.code,
    Ticket.locale,
    Ticket.kind,
    Ticket.state,
    Ticket.received_on,
    Ticket.due_date,
    Ticket.email,
    Ticket.name,
    Ticket.title,
    Ticket.tracking_token,
)


def _log_batch(due_by_key: dict[tuple, Due], now: datetime, today: date, report: SweepReport) -> None:
    """Log the batch's new keys and queue the submitter's emails among them (the caller commits)."""
    logged = _already_logged(list(due_by_key))
    ours = _insert_new([k for k in due_by_key if k not in logged], now)
    report.new_keys += len(ours)
    mine = sorted(k for k in ours if k[1] in SUBMITTER_KINDS)
    if not mine:
        return
    tickets = {
        t.id: t
        for t in db.session.execute(db.select(*_EMAIL_COLUMNS).where(_id_in(Ticket.id, sorted({k[0] for k in mine}))))
    }
    shapes = _Shapes()
    emails = [shapes.render(tickets[key[0]], due_by_key[key], today) for key in mine]
    ids = _add_messages(emails, now)
    links = [(ours[key], outbox_id) for key, outbox_id in zip(mine, ids, strict=True)]
    if _postgres():
        db.session.execute(_PG_LINK, {"now": now, "i": [i for i, _o in links], "o": [o for _i, o in links]})
    else:
        db.session.execute(
            db.update(ReminderLog).execution_options(synchronize_session=False),
            [{"id": i, "outbox_id": o, "queued_at": now} for i, o in links],
        )  # by primary key
    for key, outbox_id in zip(mine, ids, strict=True):
        ticket, due = tickets[key[0]], due_by_key[key]
        report.messages.append(outbox_id)
        report.queued.append(Queued(ticket.email, ticket.code, due.kind, due.step, due.due_date, outbox_id))


_PG_LINK = text(
    "UPDATE reminder_logs SET outbox_id = u.o, queued_at = :now "
    "FROM unnest(CAST(:i AS integer[]), CAST(:o AS integer[])) AS u(i, o) WHERE reminder_logs.id = u.i"
)
_PG_MESSAGES = text(
    "INSERT INTO outbox_messages (kind, recipients, subject, body_text, body_html, ticket_id, status, attempts, "
    "created_at, next_attempt_at) SELECT k, r, s, bt, bh, t, 'pending', 0, :now, :now FROM json_to_recordset("
    "CAST(:rows AS json)) AS u(n integer, k varchar, r text, s varchar, bt text, bh text, t integer) ORDER BY n "
    "RETURNING id"
)


def _add_messages(emails: list[dict], now: datetime) -> list[int]:
    """Add rendered emails (dicts of outbox.add's arguments) as outbox rows; their ids, in order.
    PostgreSQL: one INSERT ... SELECT FROM json_to_recordset (the bodies go as one JSON document,
    encoded by the json module's C code instead of being quoted one array element at a time);
    elsewhere through `outbox.add`."""
    if not emails:
        return []
    if not _postgres():
        messages = [outbox.add(**e, now=now, flush=False) for e in emails]
        db.session.flush()
        return [m.id for m in messages]
    rows = [
        {
            "n": n,
            "k": e["kind"],
            "r": ",".join(e["recipients"]),
            "s": e["subject"],
            "bt": e["body_text"],
            "bh": e["body_html"],
            "t": e["ticket_id"],
        }
        for n, e in enumerate(emails)
    ]
    ids = db.session.execute(_PG_MESSAGES, {"now": now, "rows": json.dumps(rows)}).scalars().all()
    return sorted(ids)  # ids of a sequence, inserted in the order of n


class _Shapes:
    """The submitter's reminder emails, each template rendered once per shape and filled in.

    A progress update differs from another of the same language, state and due date only by the
    ticket's own strings (name, code, title, tracking link), and a rating reminder of the same
    language, kind and dates likewise: the template is rendered once with markers in their place and
    each email is the rendering with the ticket's strings put back (HTML-escaped in the HTML part),
    byte for byte what `outbox.queue` renders (tests/reminders/test_reminders_end.py holds them equal).
    """

    FIELDS = ("name", "code", "title", "tracking_token")
    MARK = {f: f"\x1a{f}\x1a" for f in (*FIELDS, "subject")}

    def __init__(self) -> None:
        self.rendered: dict[tuple, tuple[str, str]] = {}
        self.subjects: dict[tuple[str, str], str] = {}  # (locale, kind) -> the translated "%(code)s" subject

    def _subject(self, locale: str, kind: str) -> str:
        """The subject's translation in `locale`, with `%(code)s` left in (gettext's own formatting is
        the same `%` with the code: looked up once per language, not once per email)."""
        if (locale, kind) not in self.subjects:
            with force_locale(locale):
                if kind == "rating_reminder":
                    subject = _("[%(code)s] Mời Quý vị đánh giá câu trả lời")
                else:
                    subject = _("[%(code)s] Thông báo tiến độ giải quyết phản ánh, kiến nghị")
            self.subjects[(locale, kind)] = str(subject)
        return self.subjects[(locale, kind)]

    def render(self, ticket: Any, due: Due, today: date) -> dict:
        locale = ticket.locale if ticket.locale in ("vi", "en") else "vi"
        shape: tuple[Any, ...]
        facts: dict[str, Any]
        ctx: dict[str, Any]
        if due.kind == ladder_rules.RATING_REQUEST:
            kind, template = "rating_reminder", "rating_reminder"
            shape = (template, locale, ticket.kind, ticket.received_on, due.due_date)
            facts = {"kind": ticket.kind, "received_on": ticket.received_on}
            ctx = {"answered_on": due.due_date}
        else:
            kind, template = "progress_update", "progress_update"
            shape = (template, locale, ticket.state, ticket.due_date, due.due_date, due.step, due.days, today)
            facts = {"state": ticket.state, "due_date": ticket.due_date}
            ctx = {"due": due, "today": today}
        subject = self._subject(locale, kind) % {"code": ticket.code}
        if shape not in self.rendered:
            with force_locale(locale):
                marked = SimpleNamespace(**{f: self.MARK[f] for f in self.FIELDS}, **facts)
                self.rendered[shape] = (
                    render_template(
                        f"email/{template}.txt",
                        ticket=marked,
                        email_subject=self.MARK["subject"],
                        base_url=current_app.config["BASE_URL"].rstrip("/"),
                        **ctx,
                    ),
                    render_template(
                        f"email/{template}.html",
                        ticket=marked,
                        email_subject=self.MARK["subject"],
                        base_url=current_app.config["BASE_URL"].rstrip("/"),
                        **ctx,
                    ),
                )
        text_part, html_part = self.rendered[shape]
        values = {**{f: str(getattr(ticket, f) or "") for f in self.FIELDS}, "subject": str(subject)}
        for field_name, value in values.items():
            text_part = text_part.replace(self.MARK[field_name], value)
            html_part = html_part.replace(self.MARK[field_name], str(escape(value)))
        assert ticket.email is not None  # only tickets with an e-mail are reminded (`has_email`)
        return {
            "kind": kind,
            "recipients": [ticket.email.strip().lower()],
            "subject": str(subject),
            "body_text": text_part,
            "body_html": html_part,
            "ticket_id": ticket.id,
        }


# ---------------------------------------------------------------- digests


def describe(kind: str, due: Due, *, final: bool = False) -> str:
    """One line of a digest, in the current language."""
    when = fmt(due.due_date)
    if kind == ladder_rules.BEFORE_DUE:
        if due.days == 0:
            return _("Đến hạn giải quyết hôm nay (%(date)s).", date=when)
        return _("Còn %(n)s ngày làm việc đến hạn giải quyết %(date)s.", n=due.days, date=when)
    if kind == ladder_rules.OVERDUE_HEAD:
        line = _("Đã quá hạn giải quyết %(n)s ngày làm việc (hạn %(date)s).", n=due.days, date=when)
    elif kind == ladder_rules.ESCALATE:
        line = _(
            "Quá hạn %(n)s ngày làm việc (hạn %(date)s): đề nghị Văn phòng và Lãnh đạo Sở chỉ đạo xử lý.",
            n=due.days,
            date=when,
        )
    elif kind == ladder_rules.ROUTE_OVERDUE:
        line = _(
            "Chưa chuyển đơn vị xử lý, quá thời hạn phân loại %(date)s được %(n)s ngày làm việc.", n=due.days, date=when
        )
    elif kind == ladder_rules.PUBLISH_OVERDUE:
        line = _(
            "Đã trả lời nhưng chưa công khai, quá thời hạn công khai %(date)s được %(n)s ngày làm việc.",
            n=due.days,
            date=when,
        )
    else:
        raise ValueError(kind)
    if final:
        return _("Lần nhắc cuối: %(line)s Hệ thống sẽ không nhắc thêm về mốc thời hạn này.", line=line)
    return line


def describe_more(kind: str, n: int) -> str:
    """The line counting the tickets of `kind` beyond the digest's cap."""
    if kind == ladder_rules.BEFORE_DUE:
        return _("%(n)s hồ sơ khác sắp đến hạn giải quyết", n=n)
    if kind in (ladder_rules.OVERDUE_HEAD, ladder_rules.ESCALATE):
        return _("%(n)s hồ sơ khác đã quá hạn giải quyết", n=n)
    if kind == ladder_rules.ROUTE_OVERDUE:
        return _("%(n)s hồ sơ khác chưa được chuyển đơn vị xử lý", n=n)
    return _("%(n)s hồ sơ khác đã trả lời nhưng chưa công khai", n=n)


def queue_link(kind: str, rules: Ladder) -> str:
    """The staff queue filtered to the tickets of `kind` (a path under BASE_URL)."""
    query: dict[str, int | str]
    if kind == ladder_rules.BEFORE_DUE:
        query = {"due_within": max(rules.before_days or (0,))}
    elif kind == ladder_rules.ROUTE_OVERDUE:
        query = {"state": State.NEW.value}
    elif kind == ladder_rules.PUBLISH_OVERDUE:
        query = {"state": State.ANSWERED.value}
    else:
        query = {"overdue": 1}
    return "/staff/?" + urlencode(query)


@dataclass
class _Digest:
    """One recipient's digest being assembled: the most urgent `cap` lines, counts of all the rest."""

    person: recipients.Person
    cap: int
    top: list = field(default_factory=list)  # (sort key, line facts)
    counts: dict = field(default_factory=dict)
    tickets: set = field(default_factory=set)
    items: list = field(default_factory=list)  # (code, kind, step, due date) for the report

    def add(self, sort_key: tuple, line: dict) -> None:
        self.counts[line["kind"]] = self.counts.get(line["kind"], 0) + 1
        self.tickets.add(line["ticket_id"])
        self.items.append((line["code"], line["kind"], line["step"], line["due_date"]))
        self.top.append((sort_key, line))
        if len(self.top) > 4 * self.cap:
            self.top = heapq.nsmallest(self.cap, self.top, key=lambda it: it[0])


_PENDING = (
    ReminderLog.id,
    ReminderLog.ticket_id,
    ReminderLog.kind,
    ReminderLog.due_date,
    ReminderLog.step,
    Ticket.code,
    Ticket.title,
    Ticket.state,
    Ticket.unit_id,
    Ticket.assignee_id,
)


def _pending_pages(now: datetime, size: int):
    """The pending reminders (`queued_at` empty) with their tickets' digest facts, in pages of `size` in
    the order of id, each page marked queued at `now` as it is read (the caller's transaction).
    PostgreSQL: one UPDATE ... FROM tickets ... RETURNING a page, so reading and marking are one
    statement; SQLite: the page is read, then marked by id."""
    if _postgres():
        page = (
            db.select(ReminderLog.id)
            .where(ReminderLog.queued_at.is_(None))
            .order_by(ReminderLog.queued_at, ReminderLog.id)
            .limit(size)
            .scalar_subquery()
        )
        mark = (
            db.update(ReminderLog)
            .where(ReminderLog.id.in_(page), Ticket.id == ReminderLog.ticket_id)
            .values(queued_at=now)
            .returning(*_PENDING)
            .execution_options(synchronize_session=False)
        )
        while marked := sorted(db.session.execute(mark).all(), key=lambda r: r.id):
            yield marked
        return
    last = 0
    while True:
        rows = db.session.execute(
            db.select(*_PENDING)
            .join(Ticket, Ticket.id == ReminderLog.ticket_id)
            .where(ReminderLog.queued_at.is_(None), ReminderLog.id > last)
            .order_by(ReminderLog.queued_at, ReminderLog.id)
            .limit(size)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        for i in range(0, len(rows), CHUNK):
            db.session.execute(
                db.update(ReminderLog)
                .where(ReminderLog.id.in_([r.id for r in rows[i : i + CHUNK]]))
                .values(queued_at=now)
                .execution_options(synchronize_session=False)
            )
        yield rows


def _lock_digests() -> None:
    """Serialise the digest step between concurrent sweeps (SQLite's BEGIN IMMEDIATE already does)."""
    if _postgres():
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DIGEST_LOCK})


def _queue_digests(now: datetime, today: date, cal, rules: Ladder, size: int, report: SweepReport) -> None:
    """Put every pending staff reminder in its recipients' digests and mark it queued (the caller commits)."""
    _lock_digests()
    cap = max(1, int(current_app.config["REMINDER_DIGEST_CAP"]))
    directory = recipients.Directory()
    digests: dict[str, _Digest] = {}
    told: dict[tuple, list[recipients.Person]] = {}
    rungs: dict[tuple, tuple] = {}  # (kind, due date, step) -> (who is told, final, days)
    for rows in _pending_pages(now, size):
        directory.load((r.unit_id for r in rows), (r.assignee_id for r in rows))
        for _id, ticket_id, kind, due_date, step, code, title, state, unit_id, assignee_id in rows:
            if kind not in ladder_rules.DIGEST_KINDS:
                continue
            rung = rungs.get((kind, due_date, step))
            if rung is None:
                final = rules.is_final(kind, step)
                what = "final_escalation" if final and kind != ladder_rules.ESCALATE else kind
                rung = rungs[(kind, due_date, step)] = (what, final, _days_of(kind, due_date, today, cal))
            line = {
                "ticket_id": ticket_id,
                "code": code,
                "title": title,
                "state": state,
                "unit_id": unit_id,
                "kind": kind,
                "step": step,
                "due_date": due_date,
                "final": rung[1],
                "days": rung[2],
            }
            key = ladder_rules.sort_key(kind, due_date, code)
            audience = (rung[0], unit_id, assignee_id)
            if audience not in told:  # many reminders share a kind, a unit and an assignee
                told[audience] = directory.told(rung[0], unit_id=unit_id, assignee_id=assignee_id)
            for person in told[audience]:
                email = person.email.lower()
                if email not in digests:
                    digests[email] = _Digest(person, cap)
                digests[email].add(key, line)

    messages = []
    for email in sorted(digests):
        digest = digests[email]
        top = [line for _k, line in heapq.nsmallest(cap, digest.top, key=lambda it: it[0])]
        listed: dict[str, int] = {}
        for line in top:
            listed[line["kind"]] = listed.get(line["kind"], 0) + 1
        locale = digest.person.locale or "vi"
        with force_locale(locale):
            lines = [
                {
                    "ticket": SimpleNamespace(
                        code=line["code"],
                        title=line["title"],
                        state=line["state"],
                        unit=directory.units.get(line["unit_id"]),
                    ),
                    "text": describe(
                        line["kind"],
                        Due(line["kind"], line["due_date"], line["step"], line["days"]),
                        final=line["final"],
                    ),
                }
                for line in top
            ]
            more = [
                {
                    "text": describe_more(kind, digest.counts[kind] - listed.get(kind, 0)),
                    "link": queue_link(kind, rules),
                }
                for kind in ladder_rules.DIGEST_KINDS
                if digest.counts.get(kind, 0) > listed.get(kind, 0)
            ]
            subject = _(
                "[Nhắc việc] %(n)s hồ sơ phản ánh, kiến nghị cần xử lý - %(date)s",
                n=len(digest.tickets),
                date=fmt(today),
            )
        single = db.session.get(Ticket, next(iter(digest.tickets))) if len(digest.tickets) == 1 else None
        message = outbox.queue(
            "reminder_digest",
            digest.person.email,
            subject,
            "reminder_digest",
            locale=locale,
            now=now,
            ticket=single,
            recipient_name=digest.person.name,
            lines=lines,
            more=more,
            today=today,
            flush=False,
        )
        messages.append((digest, message))
    db.session.flush()
    for digest, message in messages:
        report.messages.append(message.id)
        for code, kind, step, due_date in digest.items:
            report.queued.append(Queued(digest.person.email.lower(), code, kind, step, due_date, message.id))


def _days_of(kind: str, due_date: date, today: date, cal) -> int:
    """The day count a digest line reports: working days left, or late (outcomes' definitions)."""
    if kind == ladder_rules.BEFORE_DUE:
        return outcomes.days_left(due_date, today, cal)
    if kind in (ladder_rules.OVERDUE_HEAD, ladder_rules.ESCALATE):
        return outcomes.days_late(due_date, today, cal)
    return cal.working_days_between(due_date, today)


# ---------------------------------------------------------------- the sweep


def sweep(now: datetime, *, batch: int | None = None) -> SweepReport:
    """Queue the reminders due at `now` (naive UTC) as outbox rows, committing each batch and the digests."""
    report = SweepReport(now=now)
    cal = calendar.work_calendar()
    report.skipped = office_closed_reason(now, cal)
    if report.skipped:
        return report
    today = to_local(now).date()
    rules = ladder()
    size = max(1, int(batch or current_app.config["REMINDER_BATCH"]))
    memo: dict[tuple, list[Due]] = {}
    written = False
    try:
        for kind, rows in candidate_batches(today, cal, rules, size):
            if written:  # the previous batch is committed once the next one is read: the last one
                db.session.commit()  # goes with the digests, so a one-batch sweep is one transaction
                written = False
            if kind == "due":
                report.candidates += len(rows)
            due_by_key = _dues(kind, rows, today, cal, rules, memo)
            if due_by_key:
                _log_batch(due_by_key, now, today, report)
                written = True
        _queue_digests(now, today, cal, rules, size, report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report
