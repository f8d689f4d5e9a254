"""Administration pages (admins only): users, units, categories, deadline rules, calendar, audit log.

Each view loads, checks, validates, calls one service of `services.admin` (which writes the audit
row), commits and redirects. The outbox page lives in `admin/outbox.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.deadlines import ANNOUNCED
from ..domain.states import (
    AUDIT_ACTION_LABELS,
    AUDIT_ENTITY_LABELS,
    DAY_TYPE_LABELS,
    DAY_UNIT_LABELS,
    KIND_LABELS,
    OPEN_STATES,
    PURPOSE_LABELS,
    REGIME_LABELS,
    ROLE_LABELS,
    Role,
    label,
    localized_name,
)
from ..extensions import db
from ..models import AuditLog, CalendarAnnouncement, CalendarOverride, Category, DeadlineRule, Ticket, Unit, User
from ..services import ServiceError, recheck
from ..services import admin as svc
from ..services import calendar as calendar_service
from ..services.calendar import work_calendar
from ..timeutil import local_today, utcnow
from ..web.access import roles_required
from ..web.forms import choices
from ..web.templating import current_locale
from . import bp
from .forms import (
    AnnouncementForm,
    CategoryCreateForm,
    CategoryForm,
    ConfirmForm,
    OverrideForm,
    PasswordResetForm,
    RuleCreateForm,
    RuleForm,
    UnitCreateForm,
    UnitForm,
    UserCreateForm,
    UserEditForm,
)

admin_only = roles_required(Role.ADMIN)


@bp.context_processor
def audit_labels() -> dict:
    return {
        "audit_entity_label": lambda key: lbl(AUDIT_ENTITY_LABELS, key),
        "audit_action_label": lambda key: lbl(AUDIT_ACTION_LABELS, key),
    }


def lbl(table: dict, key: str | None) -> str:
    return label(table, key, current_locale()) if key else ""


def get_or_404(model, ident: int):
    """:raises NotFound: when there is no such row."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def field_error(form, exc: ServiceError) -> None:
    """Show a service's refusal beside its field (or on top of the page)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def save(form, change, back: str):
    """Run a change for a valid form: commit, flash the message it returns and redirect (303) to `back`.

    On a refusal (ServiceError) roll back, show it beside its field and return None: the view then
    renders the form again with a 400.
    """
    try:
        message = change()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        field_error(form, exc)
        return None
    flash(message, "success")
    return redirect(back, code=303)


def keep_own_session(user: User) -> None:
    """An administrator who changed their own account keeps this session (their others end)."""
    if user.id == current_user.id:
        from ..auth.sessions import renew

        renew(user)


def saved_message(changes) -> str:
    """The confirmation of an edit: saved, or nothing to save."""
    return _("Đã lưu thay đổi.") if changes else _("Không có thay đổi nào.")


def unit_choices(include_blank: str | None = None, keep: int | None = None):
    units = db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars()
    locale = current_locale()
    pairs = [
        (str(u.id), f"{u.code} · {localized_name(u, locale)}" + ("" if u.active else _(" (ngừng hoạt động)")))
        for u in units
        if u.active or u.id == keep
    ]
    return choices(([("", include_blank)] if include_blank is not None else []) + pairs)


def edit_form(form_class, row):
    """An edit form: filled from `row` to show it, from the request when posted."""
    return form_class(obj=None if request.method == "POST" else row)


def typed(form, *names: str) -> dict:
    """The data of the named fields of a form, as keyword arguments of the service it feeds."""
    return {name: form[name].data for name in names}


def listed_values(form, default_order: int) -> dict:
    """What a unit or category form holds, as its service takes it: the code (create forms), the names,
    the display order (`default_order` when left empty), the email or the default unit, `active` (edit forms)."""
    values = typed(form, "name", "name_en", *(name for name in ("email", "active") if name in form))
    values["sort_order"] = default_order if form.sort_order.data is None else form.sort_order.data
    if "code" in form:
        values["code"] = form.code.data or ""
    if "default_unit" in form:
        values["default_unit"] = unit_from(form.default_unit.data)
    return values


def new_listed(form, create, title: str, back: str, added: str):
    """The page adding a unit or a category: `create` (its service) takes what the form holds; `added` is
    the confirmation, `%(code)s` in it standing for the new code."""

    def change() -> str:
        return added % {"code": create(current_user, **listed_values(form, 100), now=utcnow()).code}

    return form_page(form, title, back, change)


def edit_listed(row: Unit | Category, form, update, title: str, back: str, note: str):
    """The page editing a unit or a category: `update` (its service) takes what the form holds; `note` is
    shown when the page is opened."""

    def change() -> str:
        return saved_message(update(current_user, row, **listed_values(form, row.sort_order), now=utcnow()))

    return form_page(form, title, back, change, note=None if request.method == "POST" else note)


def unit_from(value: str | None) -> Unit | None:
    return db.session.get(Unit, int(value)) if value else None


def role_choices():
    return choices((r.value, lbl(ROLE_LABELS, r.value)) for r in Role)


def render_form(form, title: str, back: str, status: int = 200, template: str = "admin/form.html", **context):
    """A form page: the form's fields in their declared order, marked required as the form says."""
    fields = [f.name for f in form if f.type not in ("CSRFTokenField", "HiddenField")]
    required = {f.name for f in form if f.flags.required}
    return render_template(
        template, form=form, title=title, fields=fields, required=required, back=back, **context
    ), status


def form_page(form, title: str, back: str, change: Callable[[], str], *, done: str | None = None, **context):
    """The skeleton of every admin form: GET shows it; a valid POST runs `change` (see `save`) and
    redirects to `done` (default `back`); an invalid or refused POST shows it again with a 400."""
    if request.method == "POST":
        if form.validate_on_submit():
            response = save(form, change, done or back)
            if response:
                return response
        return render_form(form, title, back, 400, **context)
    return render_form(form, title, back, **context)


# --- index and audit -----------------------------------------------------------------------------


@bp.get("/")
@admin_only
def index():
    """Links to every administration page and the latest changes."""
    recent = (
        db.session.execute(db.select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(15))
        .scalars()
        .all()
    )
    counts = {
        "users": db.session.execute(db.select(db.func.count(User.id)).where(User.active.is_(True))).scalar_one(),
        "units": db.session.execute(db.select(db.func.count(Unit.id)).where(Unit.active.is_(True))).scalar_one(),
        "categories": db.session.execute(
            db.select(db.func.count(Category.id)).where(Category.active.is_(True))
        ).scalar_one(),
        "rules": db.session.execute(
            db.select(db.func.count(DeadlineRule.id)).where(DeadlineRule.active.is_(True))
        ).scalar_one(),
        "overrides": db.session.execute(
            db.select(db.func.count(CalendarOverride.id)).where(CalendarOverride.day >= local_today())
        ).scalar_one(),
    }
    return render_template(
        "admin/index.html",
        recent=recent,
        counts=counts,
        missing_year=recheck.plan_missing(local_today(), current_app.config["CALENDAR_PLAN_ASK_FROM"]),
    )


@bp.get("/audit")
@admin_only
def audit_log():
    """Every administration change, newest first."""
    page = max(1, request.args.get("page", 1, type=int))
    per_page = 100
    stmt = db.select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    entity = request.args.get("entity", "")
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    rows = db.session.execute(stmt.offset((page - 1) * per_page).limit(per_page + 1)).scalars().all()
    return render_template(
        "admin/audit.html", rows=rows[:per_page], page=page, more=len(rows) > per_page, entity=entity
    )


# --- users ---------------------------------------------------------------------------------------


@bp.get("/users")
@admin_only
def users():
    rows = db.session.execute(db.select(User).order_by(User.active.desc(), User.role, User.email)).scalars().all()
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    form = UserCreateForm()
    form.role.choices = role_choices()
    form.unit.choices = unit_choices(_("— Không thuộc đơn vị —"))

    def change() -> str:
        values = typed(form, "email", "name", "role", "password")
        user = svc.create_user(current_user, **values, unit=unit_from(form.unit.data), now=utcnow())
        return _("Đã tạo tài khoản %(email)s.", email=user.email)

    return form_page(form, _("Thêm tài khoản"), url_for("admin.users"), change)


def assigned_count(user: User) -> int:
    """Open tickets assigned to a user."""
    return db.session.execute(
        db.select(db.func.count(Ticket.id)).where(
            Ticket.assignee_id == user.id, Ticket.state.in_([s.value for s in OPEN_STATES])
        )
    ).scalar_one()


def user_form(user: User, form: UserEditForm, shown: bool) -> UserEditForm:
    """The edit form of `user` with its choices; `shown` (not posted): with the user's unit."""
    if shown:
        form.unit.data = str(user.unit_id) if user.unit_id else ""
    form.role.choices = role_choices()
    form.unit.choices = unit_choices(_("— Không thuộc đơn vị —"), keep=user.unit_id)
    return form


def user_page(user: User, password_form: PasswordResetForm) -> dict:
    """The title and the context of a user's page (its edit form, the password form, (de)activation)."""
    return dict(
        title=_("Tài khoản %(email)s", email=user.email),
        user=user,
        password_form=password_form,
        confirm=ConfirmForm(),
        assigned=assigned_count(user),
        template="admin/user_edit.html",
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    user = get_or_404(User, user_id)
    form = user_form(user, edit_form(UserEditForm, user), shown=request.method == "GET")

    def change() -> str:
        changes = svc.update_user(
            current_user, user, name=form.name.data, role=form.role.data, unit=unit_from(form.unit.data), now=utcnow()
        )
        keep_own_session(user)
        return saved_message(changes)

    done = url_for("admin.user_edit", user_id=user.id)
    return form_page(
        form, back=url_for("admin.users"), change=change, done=done, **user_page(user, PasswordResetForm())
    )


@bp.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int):
    user = get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():

        def change() -> str:
            svc.reset_password(current_user, user, form.password.data, now=utcnow())  # ends the user's sessions
            keep_own_session(user)
            return _("Đã đặt lại mật khẩu cho %(email)s.", email=user.email)

        done = save(form, change, url_for("admin.user_edit", user_id=user.id))
        if done:
            return done
    edit = user_form(user, UserEditForm(obj=user), shown=True)
    return render_form(edit, back=url_for("admin.users"), status=400, **user_page(user, form))


@bp.post("/users/<int:user_id>/<any(deactivate, activate):action>")
@admin_only
def user_active(user_id: int, action: str):
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changed = svc.set_user_active(current_user, user, action == "activate", now=utcnow())
    except ServiceError as exc:
        abort(exc.status, description=exc.message)
    db.session.commit()
    if changed:
        flash(
            _("Đã mở lại tài khoản %(email)s.", email=user.email)
            if action == "activate"
            else _(
                "Đã khóa tài khoản %(email)s; người này không đăng nhập được nữa, các hồ sơ vẫn giữ nguyên.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


# --- units ---------------------------------------------------------------------------------------


@bp.get("/units")
@admin_only
def units():
    rows = db.session.execute(db.select(Unit).order_by(Unit.sort_order, Unit.code)).scalars().all()
    staff = dict(
        db.session.execute(
            db.select(User.unit_id, db.func.count(User.id)).where(User.active.is_(True)).group_by(User.unit_id)
        ).all()
    )
    tickets = dict(
        db.session.execute(db.select(Ticket.unit_id, db.func.count(Ticket.id)).group_by(Ticket.unit_id)).all()
    )
    return render_template("admin/units.html", rows=rows, staff=staff, tickets=tickets)


@bp.route("/units/new", methods=["GET", "POST"])
@admin_only
def unit_new():
    title, added = _("Thêm đơn vị"), _("Đã thêm đơn vị %(code)s.")
    return new_listed(UnitCreateForm(), svc.create_unit, title, url_for("admin.units"), added)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def unit_edit(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    note = _("Đơn vị đã có hồ sơ hoặc cán bộ không thể xóa, chỉ có thể ngừng hoạt động. Mã đơn vị không đổi được.")
    title = _("Đơn vị %(code)s", code=unit.code)
    return edit_listed(unit, edit_form(UnitForm, unit), svc.update_unit, title, url_for("admin.units"), note)


# --- categories ----------------------------------------------------------------------------------


@bp.get("/categories")
@admin_only
def categories():
    rows = db.session.execute(db.select(Category).order_by(Category.sort_order, Category.code)).scalars().all()
    return render_template("admin/categories.html", rows=rows)


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_only
def category_new():
    form = CategoryCreateForm()
    form.default_unit.choices = unit_choices(_("— Chưa chọn —"))
    title, added = _("Thêm lĩnh vực"), _("Đã thêm lĩnh vực %(code)s.")
    return new_listed(form, svc.create_category, title, url_for("admin.categories"), added)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_only
def category_edit(category_id: int):
    category = get_or_404(Category, category_id)
    form = edit_form(CategoryForm, category)
    if request.method == "GET":
        form.default_unit.data = str(category.default_unit_id) if category.default_unit_id else ""
    form.default_unit.choices = unit_choices(_("— Chưa chọn —"), keep=category.default_unit_id)
    note = _(
        "Lĩnh vực không xóa được, chỉ ngừng sử dụng: lĩnh vực ngừng "
        "sử dụng không còn xuất hiện trên biểu mẫu gửi phản ánh."
    )
    title = _("Lĩnh vực %(code)s", code=category.code)
    return edit_listed(category, form, svc.update_category, title, url_for("admin.categories"), note)


# --- deadline rules ------------------------------------------------------------------------------


def rule_form_choices(form: RuleCreateForm | RuleForm) -> None:
    form.day_unit.choices = choices((k, lbl(DAY_UNIT_LABELS, k)) for k in DAY_UNIT_LABELS)
    if not isinstance(form, RuleCreateForm):
        return
    form.purpose.choices = choices((k, lbl(PURPOSE_LABELS, k)) for k in svc.PURPOSES)
    form.regime.choices = choices([("", _("— Mọi chế độ —"))] + [(k, lbl(REGIME_LABELS, k)) for k in REGIME_LABELS])
    form.kind.choices = choices([("", _("— Mọi loại —"))] + [(k, lbl(KIND_LABELS, k)) for k in KIND_LABELS])
    cats = db.session.execute(db.select(Category).order_by(Category.sort_order, Category.code)).scalars()
    form.category.choices = choices(
        [("", _("— Mọi lĩnh vực —"))] + [(str(c.id), f"{c.code} · {localized_name(c, current_locale())}") for c in cats]
    )


@bp.get("/rules")
@admin_only
def rules():
    rows = (
        db.session.execute(
            db.select(DeadlineRule).order_by(
                DeadlineRule.purpose, DeadlineRule.kind, DeadlineRule.category_id, DeadlineRule.id
            )
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/rules.html",
        rows=rows,
        purpose_label=lambda k: lbl(PURPOSE_LABELS, k),
        unit_label=lambda k: lbl(DAY_UNIT_LABELS, k),
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@admin_only
def rule_new():
    form = RuleCreateForm()
    rule_form_choices(form)
    note = _(
        "Quy định cụ thể nhất đang áp dụng được dùng: riêng cho chế độ xử lý, rồi theo lĩnh vực, rồi theo "
        "loại, rồi chung. Thời hạn đã ghi trên hồ sơ không thay đổi khi sửa quy định."
    )

    def change() -> str:
        category = db.session.get(Category, int(form.category.data)) if form.category.data else None
        svc.create_rule(
            current_user,
            **typed(form, "purpose", "amount", "day_unit", "legal_basis"),
            kind=form.kind.data or None,
            category=category,
            regime=form.regime.data or None,
            now=utcnow(),
        )
        return _("Đã thêm quy định thời hạn.")

    return form_page(form, _("Thêm quy định thời hạn"), url_for("admin.rules"), change, note=note)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@admin_only
def rule_edit(rule_id: int):
    rule = get_or_404(DeadlineRule, rule_id)
    form = edit_form(RuleForm, rule)
    rule_form_choices(form)
    scope = (
        lbl(PURPOSE_LABELS, rule.purpose)
        + (f" · {lbl(KIND_LABELS, rule.kind)}" if rule.kind else "")
        + (f" · {localized_name(rule.category, current_locale())}" if rule.category else "")
    )
    title = _("Quy định thời hạn: %(scope)s", scope=scope)
    note = _("Thời hạn đã ghi trên hồ sơ không thay đổi; quy định mới áp dụng cho hồ sơ tiếp nhận sau khi lưu.")

    def change() -> str:
        values = typed(form, "amount", "day_unit", "legal_basis", "active")
        return saved_message(svc.update_rule(current_user, rule, **values, now=utcnow()))

    return form_page(form, title, url_for("admin.rules"), change, note=note)


# --- calendar ------------------------------------------------------------------------------------


def month_preview(first: date, months: int):
    """For each month from `first`: working days, weekdays off (with the reason), working weekend days."""
    cal = work_calendar()
    locale = current_locale()
    out = []
    start = first.replace(day=1)
    for _i in range(months):
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        working = cal.working_days_in(start, end)
        working_set = set(working)
        days_off, weekend_work = [], []
        d = start
        while d <= end:
            if d.weekday() < 5 and d not in working_set:
                days_off.append((d, cal.holiday_name(d, locale) or _("Ngày nghỉ")))
            if d.weekday() >= 5 and d in working_set:
                weekend_work.append(d)
            d += timedelta(days=1)
        out.append(dict(first=start, last=end, working=len(working), days_off=days_off, weekend_work=weekend_work))
        start = end + timedelta(days=1)
    return out


def recheck_and_flash() -> None:
    """After a calendar change is committed: derive the open tickets' dates again and say what moved."""
    report = recheck.recheck(utcnow(), local_today())
    db.session.commit()
    if report.moved or report.verdicts:
        flash(
            _(
                "Đã tính lại thời hạn: %(n)d ngày thay đổi trên %(t)d hồ sơ (xem nhật ký từng hồ sơ).",
                n=len(report.moved),
                t=report.tickets,
            ),
            "info",
        )
    else:
        flash(_("Không hồ sơ nào có thời hạn bị ảnh hưởng."), "info")


def calendar_forms(override_posted: bool) -> tuple[OverrideForm, AnnouncementForm]:
    """The two forms of the calendar page (the override form reads the request only when it is the one posted)."""
    form = OverrideForm() if override_posted else OverrideForm(formdata=None)
    form.day_type.choices = choices((k, lbl(DAY_TYPE_LABELS, k)) for k in DAY_TYPE_LABELS)
    return form, AnnouncementForm(prefix="ann")


def calendar_post(posted, change: Callable[[], str], form: OverrideForm, announcement: AnnouncementForm):
    """One of the calendar page's forms posted: valid and accepted, the change is committed (see `save`), the
    open tickets' dates rechecked and the page reloaded; otherwise the page again with a 400."""
    if posted.validate_on_submit():
        done = save(posted, change, url_for("admin.calendar"))
        if done:
            recheck_and_flash()
            return done
    return calendar_page(form, announcement, 400)


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar():
    """Announced overrides, a form to add one, and a preview of the working days of the coming months."""
    form, announcement = calendar_forms(override_posted=True)
    if request.method == "GET":
        return calendar_page(form, announcement, 200)

    def change() -> str:
        row = svc.add_override(
            current_user, day=form.day.data, day_type=form.day_type.data, note=form.note.data or "", now=utcnow()
        )
        return _("Đã thêm điều chỉnh lịch ngày %(d)s.", d=row.day.strftime("%d/%m/%Y"))

    return calendar_post(form, change, form, announcement)


@bp.post("/calendar/announcements")
@admin_only
def calendar_announce():
    """Enter a document announcing a year's days off and swapped working days."""
    form, announcement = calendar_forms(override_posted=False)

    def change() -> str:
        row = svc.add_announcement(
            current_user,
            **typed(announcement, "year", "document_number", "document_date"),
            issuer=announcement.issuer.data or "",
            days_off=svc.parse_days(announcement.days_off.data or "", "days_off"),
            working_days=svc.parse_days(announcement.working_days.data or "", "working_days"),
            summary=announcement.summary.data or "",
            now=utcnow(),
        )
        return _("Đã nhập thông báo %(n)s: năm %(y)d được ghi là đã công bố.", n=row.document_number, y=row.year)

    return calendar_post(announcement, change, form, announcement)


def calendar_page(form, announcement, status: int):
    today = local_today()
    months = min(max(request.args.get("months", 3, type=int), 1), 12)
    rows = (
        db.session.execute(
            db.select(CalendarOverride)
            .where(CalendarOverride.day >= date(today.year - 1, 1, 1))
            .order_by(CalendarOverride.day)
        )
        .scalars()
        .all()
    )
    statuses = calendar_service.year_statuses()
    years = [(y, statuses.get(y) == ANNOUNCED) for y in range(today.year - 1, today.year + 3)]
    announcements = (
        db.session.execute(
            db.select(CalendarAnnouncement).order_by(CalendarAnnouncement.year.desc(), CalendarAnnouncement.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/calendar.html",
        form=form,
        rows=rows,
        preview=month_preview(today, months),
        months=months,
        confirm=ConfirmForm(),
        today=today,
        announcement=announcement,
        announcements=announcements,
        years=years,
        missing_year=recheck.plan_missing(today, current_app.config["CALENDAR_PLAN_ASK_FROM"]),
        type_label=lambda k: lbl(DAY_TYPE_LABELS, k),
    ), status


@bp.post("/calendar/<int:override_id>/delete")
@admin_only
def calendar_delete(override_id: int):
    row = get_or_404(CalendarOverride, override_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    day = row.day
    svc.remove_override(current_user, row, now=utcnow())
    db.session.commit()
    flash(_("Đã xóa điều chỉnh lịch ngày %(d)s.", d=day.strftime("%d/%m/%Y")), "success")
    recheck_and_flash()
    return redirect(url_for("admin.calendar"), code=303)


from . import outbox  # noqa: E402,F401  (failed mail and resend: feedback/admin/outbox.py)
