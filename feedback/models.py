"""Typed SQLAlchemy 2.0 models for the whole ticket lifecycle.

Timestamps are naive UTC (`utcnow`); calendar dates (`received_on`, `due_date`) are local dates in
the configured TIMEZONE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .domain.states import ALL_SCOPE_ROLES, CLOCK_RUNNING_STATES, CLOSED_STATES, OPEN_STATES, Channel, Role, State
from .extensions import db


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


class Listed:
    """The columns units and categories share: a code that never changes (tickets, reports and the CLI
    refer to it), the names in both languages, whether it is in use, and its place in lists."""

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=100)


class Unit(Listed, db.Model):
    """A unit of the department (or the director's office) that answers tickets."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # Abbreviation of the unit in the symbol of the documents it drafts ("VP" in 125/SKHCN-VP).
    doc_symbol: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Category(Listed, db.Model):
    """A field (lĩnh vực) of feedback with the unit that answers it by default."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    default_unit: Mapped[Unit | None] = relationship()


class User(UserMixin, db.Model):
    """A staff account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # How the user signs a letter (issue 12): position ("PHÓ GIÁM ĐỐC") and authority line ("KT. GIÁM ĐỐC").
    position: Mapped[str | None] = mapped_column(String(120))
    signing_authority: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session's user id ("id:version"): bumping it ends every session of the user on
    # the server (sign-out, password change or reset, deactivation, role change).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    unit: Mapped[Unit | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the user id and the session version."""
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Invalidate every session (and remember cookie) of this user."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str, method: str | None = None) -> None:
        """Store a salted hash of the password (scrypt by default)."""
        self.password_hash = generate_password_hash(password, method=method or "scrypt")

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def sees_all(self) -> bool:
        """Coordinator, director and admin see every ticket."""
        return self.role in ALL_SCOPE_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class DeadlineRule(db.Model):
    """A deadline rule: per purpose, optionally per kind and category (DESIGN §5)."""

    __tablename__ = "deadline_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # answer | transfer | route | publish | progress
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    # default | legal_document (feedback on legal normative documents, Công điện 89/CĐ-TTg); None: any
    regime: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    amount: Mapped[int] = mapped_column(Integer)
    day_unit: Mapped[str] = mapped_column(String(20))  # working_days | calendar_days
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    category: Mapped[Category | None] = relationship()


class CalendarAnnouncement(db.Model):
    """A document announcing a year's days off and swapped working days, entered by an administrator."""

    __tablename__ = "calendar_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    document_number: Mapped[str] = mapped_column(String(100))
    document_date: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    days: Mapped[list[CalendarOverride]] = relationship(back_populates="announcement", order_by="CalendarOverride.day")


class CalendarOverride(db.Model):
    """An announced change to the working calendar: an extra day off or a swapped working day."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    day_type: Mapped[str] = mapped_column(String(20))  # day_off | working_day
    note: Mapped[str] = mapped_column(String(300), default="")
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_announcements.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    announcement: Mapped[CalendarAnnouncement | None] = relationship(back_populates="days")


class CalendarState(db.Model):
    """The calendar the open tickets' dates were last checked against (one row), for `calendar recheck`.

    `days` is the snapshot of every day whose status differs from the plain week (ISO date -> "off" |
    "work"); a recheck compares the calendar in force with it to find the days that changed.
    """

    __tablename__ = "calendar_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    days: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None: never checked
    shipped_version: Mapped[str] = mapped_column(String(40), default="")
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    plan_reminder_on: Mapped[date | None] = mapped_column(Date)  # last weekly "enter next year's plan" email


class TrackingCounter(db.Model):
    """Last sequence number of tracking codes per year, incremented atomically."""

    __tablename__ = "tracking_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ReferenceVersion(db.Model):
    """One row counting changes to the reference data (categories, rules, calendar), bumped in the
    transaction of each change, so every web process knows when its cached copy is stale."""

    __tablename__ = "reference_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class PublicationVersion(db.Model):
    """One row counting changes to what the public lists show (a ticket published or unpublished, the
    public text of a published ticket, a public letter), bumped in the transaction of each change, so
    every web process knows when its cached public pages are stale (public/cache.py)."""

    __tablename__ = "publication_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


# The open states as a partial-index condition (the staff queue's default view).
_OPEN = text("state IN (" + ", ".join(f"'{s.value}'" for s in sorted(set(State) - CLOSED_STATES)) + ")")
_RUNNING = text("state IN (" + ", ".join(f"'{s.value}'" for s in sorted(CLOCK_RUNNING_STATES)) + ")")


# The tickets columns a period's report groups, classifies and lists by (services/reports.py), besides
# `received_on`: the covering index `ix_tickets_report` includes them, and the report cache's triggers
# (db/report_cache.py) watch them.
REPORT_COLUMNS = (
    "kind",
    "category_id",
    "unit_id",
    "channel",
    "state",
    "answered_on",
    "on_time",
    "due_date",
    "closed_at",
    "paused_on",
    "published_at",
    "refuse_reason_code",
    "transfer_agency",
    "code",
)


class Ticket(db.Model):
    """A feedback item (phản ánh, kiến nghị, đề xuất) from receipt to publication."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_state_due", "state", "due_date"),
        Index("ix_tickets_unit_state_due", "unit_id", "state", "due_date"),
        Index("ix_tickets_published", "published_at"),
        # The staff queue pages by (due_date, id): walking these in order stops after one page
        # instead of sorting every matching ticket (all tickets for the office, one unit's otherwise).
        Index("ix_tickets_due_id", "due_date", "id"),
        Index("ix_tickets_unit_due_id", "unit_id", "due_date", "id"),
        # The reminder sweep's range queries (services/reminders.py): unrouted new tickets past
        # their routing target, answered unpublished tickets past their publication target.
        Index("ix_tickets_state_route_due", "state", "route_due_date"),
        Index("ix_tickets_state_pub_due", "state", "published_at", "publish_due_date"),
        # Public statistics (services/results.py) count a year's tickets per unit and quarter with the
        # report's status CASE, which reads these columns alone: an index-only scan instead of reading
        # every row of the year.
        Index(
            "ix_tickets_received_status",
            "received_on",
            "unit_id",
            "state",
            "on_time",
            "due_date",
            "answered_on",
            "closed_at",
            "paused_on",
        ),
        # The staff queue (services/queue.py): each filter's first page is one range scan of one of these in
        # (due_date, id) order; the open ones are partial, so closed tickets are never walked past.
        Index("ix_tickets_open_due_id", "due_date", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_tickets_open_unit_due_id", "unit_id", "due_date", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index(
            "ix_tickets_open_assignee_due_id",
            "assignee_id",
            "due_date",
            "id",
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # The overdue filter: open with the clock running (needs_info pauses it), due before today.
        Index("ix_tickets_running_due_id", "due_date", "id", postgresql_where=_RUNNING, sqlite_where=_RUNNING),
        Index("ix_tickets_state_due_id", "state", "due_date", "id"),
        Index("ix_tickets_unit_state_due_id", "unit_id", "state", "due_date", "id"),
        # The report of a period (services/reports.py) reads every column it groups and classifies by
        # from this index alone on PostgreSQL: one index-only scan of the period for every breakdown.
        Index(
            "ix_tickets_report",
            "received_on",
            postgresql_include=list(REPORT_COLUMNS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    kind: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=State.NEW)
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB)
    incoming_number: Mapped[str | None] = mapped_column(String(50))  # số đến of a registered paper item
    # default | legal_document: which deadline rules apply (set by the coordinator when routing)
    regime: Mapped[str] = mapped_column(String(20), default="default", server_default="default")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Submitter (personal data: never public, removable by anonymisation).
    submitter_type: Mapped[str] = mapped_column(String(20))
    organization: Mapped[str | None] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(500))
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(
        String(5), default="vi", server_default="vi"
    )  # language of the submitter's emails
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Notice and consent (Law 91/2025/QH15): the notice version shown at submission, when the
    # submission (processing) was agreed to, and when consent to publication was given or withdrawn.
    notice_version: Mapped[str | None] = mapped_column(String(20))
    consent_processing_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_publish_at: Mapped[datetime | None] = mapped_column(DateTime)
    consent_publish_withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    processing_restricted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Spans the coordinator judged not personal for publication: [{text, kind, reason, by, by_id, at}].
    privacy_kept: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")

    # Content.
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    regulation: Mapped[str | None] = mapped_column(String(500))

    # Clock.
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date, index=True)  # legal date of receipt
    due_date: Mapped[date] = mapped_column(Date)
    original_due_date: Mapped[date] = mapped_column(Date)
    due_explanation: Mapped[str] = mapped_column(Text, default="")
    due_explanation_en: Mapped[str] = mapped_column(Text, default="", server_default="")  # English text, same facts
    # How each date was fixed, so a calendar recheck can derive it again under the same rule:
    # purpose -> {"from": ISO date, "amount", "unit", "basis", "fixed": ISO date | None, "paused": n}
    deadline_basis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    route_due_date: Mapped[date | None] = mapped_column(Date)
    transfer_due_date: Mapped[date | None] = mapped_column(Date)
    routed_at: Mapped[datetime | None] = mapped_column(DateTime)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime)
    paused_on: Mapped[date | None] = mapped_column(Date)
    paused_from_state: Mapped[str | None] = mapped_column(String(20))
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_extension_date: Mapped[date | None] = mapped_column(Date)
    pending_extension_reason: Mapped[str | None] = mapped_column(Text)
    pending_extension_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Outcome.
    draft_answer: Mapped[str | None] = mapped_column(Text)
    # The other parts of the draft answer letter: subject, addressee, recipients, signer (issue 12).
    letter_draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    late_reason: Mapped[str | None] = mapped_column(Text)
    refuse_reason_code: Mapped[str | None] = mapped_column(String(40))
    refuse_reason: Mapped[str | None] = mapped_column(Text)
    transfer_agency: Mapped[str | None] = mapped_column(String(300))
    transfer_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Publication (DESIGN §7).
    publish_due_date: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    public_title: Mapped[str | None] = mapped_column(String(300))
    public_summary: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str | None] = mapped_column(Text)  # accent-free text for search
    # Staff search (db/search.py): the eight searchable fields folded like `search.fold`, set on every
    # write that changes them (and by a trigger on PostgreSQL); trigram-indexed. Never loaded with a ticket.
    staff_search: Mapped[str | None] = deferred(mapped_column(Text))
    unpublished_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Closing the loop (issue 14): which answer is in force (0: the first; n: the n-th review's).
    review_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="save-update, merge"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="save-update, merge"
    )
    privacy_requests: Mapped[list[PrivacyRequest]] = relationship(order_by="PrivacyRequest.id", viewonly=True)

    # Optimistic concurrency: an UPDATE of a stale row raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Ticket {self.code} {self.state}>"


class TicketEvent(db.Model):
    """One entry of a ticket's append-only timeline."""

    __tablename__ = "ticket_events"
    # Figures count some events per period (answers returned before publication).
    __table_args__ = (Index("ix_ticket_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")  # "submitter", "system", a name
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)  # text shown with the event
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


def once_per_round(name: str, dated: str) -> tuple[UniqueConstraint, Index]:
    """The table arguments of a row kept once per ticket and answer round (a rating, a review), with
    the index on the local date that puts it in a report period."""
    return UniqueConstraint("ticket_id", "round", name=f"uq_{name}_ticket_round"), Index(f"ix_{name}s_{dated}", dated)


class Rating(db.Model):
    """The submitter's rating of one answer of a ticket (personal data: public only as aggregates)."""

    __tablename__ = "ratings"
    __table_args__ = once_per_round("rating", "rated_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    round: Mapped[int] = mapped_column(Integer, default=0)  # the answer rated (Ticket.review_round then)
    level: Mapped[str] = mapped_column(String(20))  # satisfied | acceptable | dissatisfied
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # 1 + number of changes
    rated_on: Mapped[date] = mapped_column(Date)  # local date of the first rating: the period it counts in
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()


class Review(db.Model):
    """A reconsideration of an answer (xem xét lại): its own due date, its own answer and verdict."""

    __tablename__ = "reviews"
    __table_args__ = once_per_round("review", "requested_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    round: Mapped[int] = mapped_column(Integer)  # 1 for the first review
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    requested_on: Mapped[date] = mapped_column(Date)  # legal date of receipt of the request
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the submitter
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    due_explanation: Mapped[str] = mapped_column(Text, default="")
    due_explanation_en: Mapped[str] = mapped_column(Text, default="")
    original_due_date: Mapped[date] = mapped_column(Date)  # the ticket's due date before the review
    original_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    previous_answer: Mapped[str | None] = mapped_column(Text)
    previous_answered_on: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    late_reason: Mapped[str | None] = mapped_column(Text)
    # Marked by the approver of the review's answer: the review changed the outcome of the answer.
    outcome_changed: Mapped[bool | None] = mapped_column(Boolean)

    ticket: Mapped[Ticket] = relationship()


class Attachment(db.Model):
    """An uploaded file, stored under a random name outside any served folder."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    file_type: Mapped[str] = mapped_column(String(10))  # canonical type from content sniffing
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class OutboxMessage(db.Model):
    """An email waiting to be sent, written in the transaction of the change that causes it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Files sent with the message, by reference: [{"document_id": 7, "variant": "signed", "filename": "..."}].
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # pending | sending | sent | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    # Set by a writer that queues the message with a ticket not yet flushed (intake: one flush for all).
    ticket: Mapped[Ticket | None] = relationship()


class ReminderLog(db.Model):
    """A reminder that was queued: each (ticket, kind, due date, step) once (DESIGN §6).

    A staff reminder is logged first (`queued_at` empty) and put in its recipients' digests at the
    end of the sweep, which sets `queued_at` in the transaction that queues the digests: a sweep that
    dies in between leaves it pending, and the next sweep sends it (services/reminders.py).
    """

    __tablename__ = "reminder_logs"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "due_date", "step", name="uq_reminder_once"),
        Index("ix_reminder_logs_pending", "queued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date] = mapped_column(Date)
    step: Mapped[int] = mapped_column(Integer, default=0)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)


class DocumentCounter(db.Model):
    """Last number of the outgoing register (sổ văn bản đi) per issuing body and year."""

    __tablename__ = "document_counters"

    issuer: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingDocument(db.Model):
    """An entry of the outgoing register: a numbered document (answer letter, report) and its PDFs.

    The issued PDF is the record: it is stored once, with its SHA-256, and never regenerated. A
    signed PDF (signed here, or signed elsewhere and uploaded) must contain it unchanged. A number is
    never reused: a cancelled document keeps its row, with the reason.
    """

    __tablename__ = "outgoing_documents"
    __table_args__ = (
        UniqueConstraint("issuer", "year", "number", name="uq_outgoing_number"),
        Index("ix_outgoing_year_unit", "year", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(60))  # "SKHCN-VP", "BC-SKHCN"
    doc_type: Mapped[str] = mapped_column(String(20))  # letter | report
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str | None] = mapped_column(String(40))  # a report's period slug, e.g. 2026-q4
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(500))
    addressee: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_position: Mapped[str] = mapped_column(String(120))
    signer_authority: Mapped[str] = mapped_column(String(120), default="")
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # awaiting_signature | signed | cancelled
    status: Mapped[str] = mapped_column(String(20))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    signed_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)  # the signature's time
    signed_by: Mapped[str | None] = mapped_column(String(300))  # the signing certificate's subject
    signed_how: Mapped[str | None] = mapped_column(String(20))  # server | upload
    public_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    public_sha256: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    ticket: Mapped[Ticket | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class ReportReminder(db.Model):
    """A reminder to the office that a periodic report is due, queued once per report (issue 12)."""

    __tablename__ = "report_reminders"

    period: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. 2026-q4, 2026
    due_date: Mapped[date] = mapped_column(Date)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SchedulerLease(db.Model):
    """A named lease that lets one scheduler process run jobs (the SQLite stand-in for an advisory lock)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class RateEvent(db.Model):
    """A counted request (submission, failed login) for rate limits shared by all web workers."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PrivacyRequest(db.Model):
    """A data subject's request about their data (Law 91/2025/QH15, Nghị định 356/2025/NĐ-CP)."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_state_due", "state", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # access | correct | withdraw_publication | delete | restrict | object
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text, default="")
    # received | acknowledged | done | refused
    state: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)
    ack_due_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    original_due_date: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    answer: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ticket: Mapped[Ticket] = relationship()
    handled_by: Mapped[User | None] = relationship()


class AuditLog(db.Model):
    """Who changed what in the administration (users, units, categories, rules, calendar, outbox)."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class ReportSummary(db.Model):
    """How many tickets there are per unit, state, month of receipt, month of answer and on-time
    verdict: the dashboard's counts and monthly figures without reading the tickets. Kept exact by
    database triggers on `tickets` (feedback/db/summary.py: every insert, update and delete, whoever
    writes); `flask reports verify` recounts it from the tickets."""

    __tablename__ = "report_summary"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: not routed to a unit
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    received_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    answered_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, "" never answered
    on_time: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1 on time, 0 late, -1 not answered
    n: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class ReportVersion(db.Model):
    """A change counter per month of receipt: database triggers on `tickets` (feedback/db/report_cache.py)
    give it a new value whenever a ticket received in the month is written in a way a report reads (inserted,
    deleted, or one of the columns a report counts or lists by changed)."""

    __tablename__ = "report_versions"

    received_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    version: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)  # drawn at random on a change


class ReportCache(db.Model):
    """A period's report figures as counted from the tickets, kept with the change counters of the
    period's months they were counted at (`ReportVersion`): used while every counter is unchanged, so
    the figures are always those of a recount (feedback/db/report_cache.py)."""

    __tablename__ = "report_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # period, as-of day, calendar, list size
    versions: Mapped[str] = mapped_column(Text, nullable=False)  # JSON {month: counter}
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON: the tally rows and the listed ids
    computed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)


class QueueCount(db.Model):
    """How many tickets there are per unit, state, kind, category and assignee: the staff queue's counts
    per state under its scope and filters without reading the tickets. Kept exact by database triggers on
    `tickets` (feedback/db/queue_counts.py: every insert, update and delete, whoever writes)."""

    __tablename__ = "queue_counts"

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: not routed to a unit
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignee_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0: nobody assigned
    n: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


ROLES = tuple(r.value for r in Role)


# Open311 lists published results and open tickets, newest requested first (api/views.py). The states
# are rendered as literals, so the query's condition is the partial indexes' predicate word for word and
# PostgreSQL uses them for a requested_datetime range whatever the parameters.
_OPEN_STATE_VALUES = sorted(s.value for s in OPEN_STATES)
OPEN311_OPEN = Ticket.state.in_(bindparam("open311_open", _OPEN_STATE_VALUES, expanding=True, literal_execute=True))
OPEN311_LISTED = or_(Ticket.published_at.is_not(None), OPEN311_OPEN)
Index(
    "ix_tickets_open311_received",
    Ticket.received_at,
    Ticket.id,
    postgresql_where=OPEN311_LISTED,
    sqlite_where=OPEN311_LISTED,
)
Index(
    "ix_tickets_open311_open_received",
    Ticket.received_at,
    Ticket.id,
    postgresql_where=OPEN311_OPEN,
    sqlite_where=OPEN311_OPEN,
)
