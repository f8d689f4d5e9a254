"""Administration of the organisation: users, units, categories, deadline rules, calendar overrides.

Every change writes an AuditLog row (who, when, what changed). Nothing tickets can refer to is
deleted, only deactivated; calendar overrides, which no ticket refers to, can be removed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from ..domain.deadlines import DAY_UNITS
from ..domain.states import KIND_LABELS, UNIT_ROLES, Role
from ..extensions import db
from ..models import AuditLog, CalendarAnnouncement, CalendarOverride, Category, DeadlineRule, Unit, User
from ..timeutil import local_today, parse_day
from . import ServiceError

PURPOSES = ("answer", "transfer", "route", "publish", "progress", "review_request", "review")
DAY_TYPES = ("day_off", "working_day")


def _plain(value: Any) -> Any:
    """A JSON-safe form of a value for the audit details."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def audit(actor: User | None, entity: str, entity_id: Any, action: str, *, now: datetime, **details: Any) -> AuditLog:
    """Record who changed what at `now` (not committed)."""
    row = AuditLog(
        at=now,
        actor_id=actor.id if actor else None,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        details={k: _plain(v) if not isinstance(v, dict) else v for k, v in details.items()},
    )
    db.session.add(row)
    return row


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Set the attributes that differ; return {field: [old, new]} of what changed."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


# --- users ---------------------------------------------------------------------------------------


def _check_role_unit(role: str, unit: Unit | None) -> None:
    if role not in set(Role):
        raise ServiceError(_("Vai trò không hợp lệ."), 400, "role")
    if role in UNIT_ROLES and unit is None:
        raise ServiceError(_("Chuyên viên và lãnh đạo đơn vị phải thuộc một đơn vị."), 400, "unit")
    if unit is not None and not unit.active and role in UNIT_ROLES:
        raise ServiceError(_("Đơn vị đã ngừng hoạt động."), 400, "unit")


def _check_password(password: str, email: str = "", name: str = "") -> None:
    from .auth import check_password

    check_password(password, email=email, name=name)


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str,
    unit: Unit | None,
    password: str,
    position: str | None = None,
    signing_authority: str | None = None,
    now: datetime,
) -> User:
    """Add a staff account (`actor` None: from the command line, audited as such).

    :raises ServiceError: for a taken email, a bad role/unit or a short password.
    """
    email = email.strip().lower()
    if db.session.execute(db.select(User.id).where(User.email == email)).first():
        raise ServiceError(_("Đã có tài khoản với thư điện tử này."), 400, "email")
    _check_role_unit(role, unit)
    _check_password(password, email, name)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        unit=unit,
        active=True,
        position=(position or "").strip()[:120] or None,
        signing_authority=(signing_authority or "").strip()[:120] or None,
    )
    user.set_password(password, current_app.config.get("PASSWORD_HASH_METHOD"))
    db.session.add(user)
    db.session.flush()
    audit(
        actor,
        "user",
        user.id,
        "create",
        now=now,
        email=email,
        name=user.name,
        role=role,
        unit=unit.code if unit else None,
        **({} if actor else {"source": "cli"}),
    )
    return user


def update_user(actor: User, user: User, *, name: str, role: str, unit: Unit | None, now: datetime) -> dict:
    """Change a user's name, role and unit.

    :raises ServiceError: for a bad role/unit, or an administrator removing their own admin role.
    """
    _check_role_unit(role, unit)
    if user.id == actor.id and role != user.role:
        raise ServiceError(_("Bạn không thể tự thay đổi vai trò của mình."), 400, "role")
    changes = apply_changes(user, {"name": name.strip(), "role": role, "unit_id": unit.id if unit else None})
    if "unit_id" in changes:
        user.unit = unit
    if "role" in changes or "unit_id" in changes:
        user.end_sessions()  # what the open sessions were allowed to do has changed
    if changes:
        audit(actor, "user", user.id, "update", now=now, changes=changes)
    return changes


def set_user_active(actor: User, user: User, active: bool, *, now: datetime) -> bool:
    """Deactivate (the user can no longer sign in; their tickets stay as they are) or reactivate.

    :raises ServiceError: when administrators try to deactivate themselves.
    """
    if user.id == actor.id and not active:
        raise ServiceError(_("Bạn không thể tự khóa tài khoản của mình."), 409)
    if user.active == active:
        return False
    user.active = active
    user.end_sessions()
    audit(actor, "user", user.id, "activate" if active else "deactivate", now=now, email=user.email)
    return True


def reset_password(actor: User, user: User, password: str, *, now: datetime) -> None:
    """Set a new password chosen by the administrator (the password itself is never logged).

    :raises ServiceError: for a short password.
    """
    _check_password(password, user.email, user.name)
    from .auth import set_password

    set_password(user, password)  # also ends every session of the user
    audit(actor, "user", user.id, "reset_password", now=now, email=user.email)


# --- units and categories ------------------------------------------------------------------------


def _clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code or len(code) > 32 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ServiceError(_("Mã chỉ gồm chữ, số, gạch ngang hoặc gạch dưới (tối đa 32 ký tự)."), 400, "code")
    return code


def _new_code(model: type[Unit] | type[Category], code: str, taken: str) -> str:
    """The cleaned code of a new unit or category.

    :raises ServiceError: for a bad code, or with `taken` for one already used.
    """
    code = _clean_code(code)
    if db.session.execute(db.select(model.id).where(model.code == code)).first():
        raise ServiceError(taken, 400, "code")
    return code


def _names(name: str, name_en: str | None) -> dict[str, str | None]:
    """The names of a unit or category as stored: trimmed, no English name as None."""
    return {"name": name.strip(), "name_en": (name_en or "").strip() or None}


def _unit_email(email: str | None) -> str | None:
    return (email or "").strip().lower() or None


def _check_default_unit(unit: Unit | None, keep: int | None = None) -> None:
    """A category's default unit must be active (unless it is the one the category already has, `keep`)."""
    if unit is not None and not unit.active and unit.id != keep:
        raise ServiceError(_("Đơn vị đã ngừng hoạt động."), 400, "default_unit")


def create_unit(
    actor: User,
    *,
    code: str,
    name: str,
    name_en: str | None,
    email: str | None,
    sort_order: int,
    now: datetime,
) -> Unit:
    """Add a unit.

    :raises ServiceError: for a bad or taken code.
    """
    code = _new_code(Unit, code, _("Mã đơn vị đã tồn tại."))
    unit = Unit(code=code, **_names(name, name_en), email=_unit_email(email), sort_order=sort_order, active=True)
    db.session.add(unit)
    db.session.flush()
    audit(actor, "unit", unit.id, "create", now=now, code=code, name=unit.name)
    return unit


def update_unit(
    actor: User,
    unit: Unit,
    *,
    name: str,
    name_en: str | None,
    email: str | None,
    sort_order: int,
    active: bool,
    now: datetime,
) -> dict:
    """Change a unit (its code stays: tickets, reports and the CLI refer to it).

    :raises ServiceError: when deactivating the default unit of a category still in use.
    """
    if unit.active and not active:
        codes = list(
            db.session.execute(
                db.select(Category.code)
                .where(Category.default_unit_id == unit.id, Category.active.is_(True))
                .order_by(Category.code)
            ).scalars()
        )
        if codes:
            raise ServiceError(
                _(
                    "Đơn vị đang là đơn vị xử lý mặc định của lĩnh vực %(codes)s; hãy đổi đơn vị "
                    "mặc định của các lĩnh vực đó trước.",
                    codes=", ".join(codes),
                ),
                400,
                "active",
            )
    changes = apply_changes(
        unit, {**_names(name, name_en), "email": _unit_email(email), "sort_order": sort_order, "active": active}
    )
    if changes:
        audit(actor, "unit", unit.id, "update", now=now, code=unit.code, changes=changes)
    return changes


def create_category(
    actor: User,
    *,
    code: str,
    name: str,
    name_en: str | None,
    default_unit: Unit | None,
    sort_order: int,
    now: datetime,
) -> Category:
    """Add a category with its default unit.

    :raises ServiceError: for a bad or taken code, or an inactive default unit.
    """
    code = _new_code(Category, code, _("Mã lĩnh vực đã tồn tại."))
    _check_default_unit(default_unit)
    category = Category(
        code=code, **_names(name, name_en), default_unit=default_unit, sort_order=sort_order, active=True
    )
    db.session.add(category)
    db.session.flush()
    unit_code = default_unit.code if default_unit else None
    audit(actor, "category", category.id, "create", now=now, code=code, name=category.name, default_unit=unit_code)
    return category


def update_category(
    actor: User,
    category: Category,
    *,
    name: str,
    name_en: str | None,
    default_unit: Unit | None,
    sort_order: int,
    active: bool,
    now: datetime,
) -> dict:
    """Change a category (its code stays)."""
    _check_default_unit(default_unit, keep=category.default_unit_id)
    unit_id = default_unit.id if default_unit else None
    changes = apply_changes(
        category, {**_names(name, name_en), "default_unit_id": unit_id, "sort_order": sort_order, "active": active}
    )
    if "default_unit_id" in changes:
        category.default_unit = default_unit
    if changes:
        audit(actor, "category", category.id, "update", now=now, code=category.code, changes=changes)
    return changes


# --- deadline rules ------------------------------------------------------------------------------


def _check_rule(purpose: str, kind: str | None, amount: int, day_unit: str, legal_basis: str) -> None:
    if purpose not in PURPOSES:
        raise ServiceError(_("Loại thời hạn không hợp lệ."), 400, "purpose")
    if kind is not None and kind not in KIND_LABELS:
        raise ServiceError(_("Loại phản ánh không hợp lệ."), 400, "kind")
    if day_unit not in DAY_UNITS:
        raise ServiceError(_("Đơn vị tính không hợp lệ."), 400, "day_unit")
    if not 0 <= amount <= 365:
        raise ServiceError(_("Số ngày phải từ 0 đến 365."), 400, "amount")
    if not (legal_basis or "").strip():
        raise ServiceError(_("Vui lòng ghi căn cứ pháp lý."), 400, "legal_basis")


def _figures(amount: int, day_unit: str, legal_basis: str) -> dict[str, Any]:
    """What a rule says, as stored (the part an edit may change; its scope stays)."""
    return {"amount": amount, "day_unit": day_unit, "legal_basis": legal_basis.strip()}


def create_rule(
    actor: User,
    *,
    purpose: str,
    kind: str | None,
    category: Category | None,
    amount: int,
    day_unit: str,
    legal_basis: str,
    regime: str | None = None,
    now: datetime,
) -> DeadlineRule:
    """Add a deadline rule (the most specific active rule wins, see services.calendar.rule_for).

    :raises ServiceError: for bad values or a missing legal basis.
    """
    _check_rule(purpose, kind, amount, day_unit, legal_basis)
    from .calendar import REGIMES

    if regime is not None and regime not in REGIMES:
        raise ServiceError(_("Chế độ xử lý không hợp lệ."), 400, "regime")
    scope, figures = {"purpose": purpose, "kind": kind, "regime": regime}, _figures(amount, day_unit, legal_basis)
    rule = DeadlineRule(**scope, category=category, **figures, active=True)
    db.session.add(rule)
    db.session.flush()
    category_code = category.code if category else None
    audit(actor, "deadline_rule", rule.id, "create", now=now, **scope, category=category_code, **figures)
    return rule


def update_rule(
    actor: User,
    rule: DeadlineRule,
    *,
    amount: int,
    day_unit: str,
    legal_basis: str,
    active: bool,
    now: datetime,
) -> dict:
    """Change a rule's figure, unit, legal basis or activity (its scope stays: add a new rule instead)."""
    _check_rule(rule.purpose, rule.kind, amount, day_unit, legal_basis)
    changes = apply_changes(rule, {**_figures(amount, day_unit, legal_basis), "active": active})
    if changes:
        audit(actor, "deadline_rule", rule.id, "update", now=now, purpose=rule.purpose, changes=changes)
    return changes


# --- calendar ------------------------------------------------------------------------------------


def add_override(actor: User, *, day: date, day_type: str, note: str, now: datetime) -> CalendarOverride:
    """Announce an extra day off or a swapped working day.

    :raises ServiceError: for a bad type or a day that already has an override.
    """
    if day_type not in DAY_TYPES:
        raise ServiceError(_("Loại ngày không hợp lệ."), 400, "day_type")
    _snapshot_before_change(now)
    if db.session.execute(db.select(CalendarOverride.id).where(CalendarOverride.day == day)).first():
        raise ServiceError(_("Ngày này đã có điều chỉnh; hãy xóa điều chỉnh cũ trước."), 400, "day")
    row = CalendarOverride(day=day, day_type=day_type, note=(note or "").strip(), created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit(actor, "calendar_override", row.id, "create", now=now, day=day, day_type=day_type, note=row.note)
    return row


def _snapshot_before_change(now: datetime) -> None:
    from .recheck import ensure_snapshot

    ensure_snapshot(local_today(now))


def parse_days(text: str, field: str) -> list[date]:
    """Dates typed one per line (or separated by commas): dd/mm/yyyy, yyyy-mm-dd, or a range a-b.

    :raises ServiceError: 400 naming the first piece that is not a date or a range that runs backwards.
    """
    from datetime import timedelta

    def one(piece: str) -> date:
        day = parse_day(piece)
        if day is not None:
            return day
        raise ServiceError(_("«%(text)s» không phải là ngày (dd/mm/yyyy).", text=piece.strip()), 400, field)

    days: list[date] = []
    for piece in (text or "").replace(",", "\n").replace(";", "\n").splitlines():
        piece = piece.strip()
        if not piece:
            continue
        parts = list(piece.replace("–", "-").split(" - ")) if " - " in piece else None
        if parts is None and piece.count("-") == 1 and "/" in piece:
            parts = piece.split("-")
        if parts and len(parts) == 2:
            first, last = one(parts[0]), one(parts[1])
            if last < first or (last - first).days > 31:
                raise ServiceError(_("Khoảng ngày «%(text)s» không hợp lệ.", text=piece), 400, field)
            days += [first + timedelta(days=i) for i in range((last - first).days + 1)]
        else:
            days.append(one(piece))
    return sorted(set(days))


def add_announcement(
    actor: User,
    *,
    year: int,
    document_number: str,
    document_date: date,
    issuer: str,
    days_off: list[date],
    working_days: list[date],
    summary: str,
    now: datetime,
) -> CalendarAnnouncement:
    """Enter a document announcing days off and swapped working days; the year becomes announced.

    :raises ServiceError: for days outside the year, a working day that is not a weekend day, a day
        listed twice, or a day that already has an override.
    """
    if not days_off and not working_days:
        raise ServiceError(_("Vui lòng nhập ít nhất một ngày nghỉ hoặc ngày làm việc bù."), 400, "days_off")
    for field, days in (("days_off", days_off), ("working_days", working_days)):
        for d in days:
            if d.year != year:
                raise ServiceError(_("Ngày %(d)s không thuộc năm %(y)d.", d=d.strftime("%d/%m/%Y"), y=year), 400, field)
    both = set(days_off) & set(working_days)
    if both:
        raise ServiceError(
            _("Ngày %(d)s vừa là ngày nghỉ vừa là ngày làm việc.", d=min(both).strftime("%d/%m/%Y")),
            400,
            "working_days",
        )
    for d in working_days:
        if d.weekday() < 5:
            raise ServiceError(
                _(
                    "Ngày %(d)s không phải thứ Bảy hoặc Chủ nhật; ngày thường vốn là ngày làm việc.",
                    d=d.strftime("%d/%m/%Y"),
                ),
                400,
                "working_days",
            )
    taken = set(
        db.session.execute(
            db.select(CalendarOverride.day).where(CalendarOverride.day.in_([*days_off, *working_days]))
        ).scalars()
    )
    if taken:
        raise ServiceError(
            _("Ngày %(d)s đã có điều chỉnh; hãy xóa điều chỉnh cũ trước.", d=min(taken).strftime("%d/%m/%Y")),
            400,
            "days_off",
        )
    _snapshot_before_change(now)
    number = (document_number or "").strip()
    row = CalendarAnnouncement(
        year=year,
        document_number=number,
        document_date=document_date,
        issuer=(issuer or "").strip(),
        summary=(summary or "").strip(),
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    label = row.summary or number
    for d in days_off:
        db.session.add(
            CalendarOverride(day=d, day_type="day_off", note=label, announcement=row, created_by_id=actor.id)
        )
    for d in working_days:
        db.session.add(
            CalendarOverride(day=d, day_type="working_day", note=label, announcement=row, created_by_id=actor.id)
        )
    db.session.flush()
    audit(
        actor,
        "calendar_announcement",
        row.id,
        "create",
        now=now,
        year=year,
        document_number=number,
        document_date=document_date,
        issuer=row.issuer,
        days_off=[d.isoformat() for d in days_off],
        working_days=[d.isoformat() for d in working_days],
    )
    return row


def remove_override(actor: User, row: CalendarOverride, *, now: datetime) -> None:
    """Withdraw an override (a recheck then keeps every date already told: none moves earlier)."""
    _snapshot_before_change(now)
    audit(actor, "calendar_override", row.id, "delete", now=now, day=row.day, day_type=row.day_type, note=row.note)
    db.session.delete(row)
    db.session.flush()
