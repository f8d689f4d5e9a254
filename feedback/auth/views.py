"""Sign-in with throttling of failed attempts per account and per client address; sign-out by POST."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.validators import DataRequired, Length

from ..extensions import db, login_manager
from ..models import RateEvent, User
from ..timeutil import utcnow
from . import bp


# Flask-Login's own prompt when a signed-out visitor opens a staff page (its default is English).
login_manager.login_message = _l("Vui lòng đăng nhập để truy cập khu vực cán bộ.")
login_manager.login_message_category = "info"

# Checked when the email is unknown, so that a wrong email costs as much time as a wrong password
# and response times do not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class LoginForm(FlaskForm):
    email = StringField(_l("Thư điện tử"), validators=[DataRequired(message=_l("Vui lòng nhập thư điện tử.")),
                                                      Length(max=254)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(message=_l("Vui lòng nhập mật khẩu.")),
                                                        Length(max=200)])


def failures(scope: str, key: str, since) -> int:
    """Failed sign-ins counted for an account or an address since `since`."""
    return db.session.execute(
        db.select(db.func.count(RateEvent.id)).where(RateEvent.scope == scope, RateEvent.key == key,
                                                     RateEvent.at >= since)
    ).scalar_one()


def safe_next(target: str | None) -> str:
    """Only same-site paths under /staff are followed after sign-in."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("staff.queue") if "staff.queue" in current_app.view_functions else url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; after too many failures for the account or the address, refuse for a while (429)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    cfg = current_app.config
    now = utcnow()
    since = now - timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
    email = form.email.data.strip().lower()
    address = request.remote_addr or "unknown"
    if (failures("login_account", email, since) >= cfg["LOGIN_MAX_FAILURES"]
            or failures("login_address", address, since) >= cfg["LOGIN_MAX_FAILURES"] * 4):
        minutes = cfg["LOGIN_LOCK_SECONDS"] // 60
        return render_template("auth/login.html", form=form, error=_(
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.", minutes=minutes)), 429
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, form.password.data)
    if user is None or not user.check_password(form.password.data):
        db.session.add(RateEvent(scope="login_account", key=email, at=now))
        db.session.add(RateEvent(scope="login_address", key=address, at=now))
        db.session.commit()
        return render_template("auth/login.html", form=form,
                               error=_("Thư điện tử hoặc mật khẩu không đúng.")), 401
    if not user.active:
        return render_template("auth/login.html", form=form,
                               error=_("Tài khoản đã ngừng hoạt động. Vui lòng liên hệ quản trị hệ thống.")), 403
    user.last_login_at = now
    db.session.execute(db.delete(RateEvent).where(RateEvent.scope == "login_account", RateEvent.key == email))
    db.session.commit()
    login_user(user)
    return redirect(safe_next(request.args.get("next")), code=303)


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF, so a link on another site cannot sign anyone out)."""
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("public.home"), code=303)
