"""Sign-in (the check and its throttling are services/auth.py), sign-out by POST, password change."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db, login_manager
from ..models import User
from ..services import auth, throttle
from ..timeutil import utcnow
from ..web.errors import too_many
from . import bp, sessions

# Flask-Login's own prompt when a signed-out visitor opens a staff page (its default is English).
login_manager.login_message = _l("Vui lòng đăng nhập để truy cập khu vực cán bộ.")
login_manager.login_message_category = "info"


class LoginForm(FlaskForm):
    email = StringField(
        _l("Thư điện tử"), validators=[DataRequired(message=_l("Vui lòng nhập thư điện tử.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Mật khẩu"), validators=[DataRequired(message=_l("Vui lòng nhập mật khẩu.")), Length(max=200)]
    )


def safe_next(target: str | None) -> str:
    """Only same-site paths under /staff are followed after sign-in: never one holding CR/LF, a
    backslash or another control character, as typed or once percent-decoded."""
    from urllib.parse import unquote

    if target and all(
        t.startswith("/staff") and not t.startswith("//") and "\\" not in t and t.isprintable()
        for t in (target, unquote(target))
    ):
        return target
    return url_for("staff.queue") if "staff.queue" in current_app.view_functions else url_for("public.home")


def wrong_credentials(form: LoginForm):
    """The one answer to an unknown account, a wrong password and a deactivated account alike."""
    return render_template("auth/login.html", form=form, error=_("Thư điện tử hoặc mật khẩu không đúng.")), 401


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in. Failures slow down the same account from the same address (growing delays) and,
    past a limit, the address: 429 with Retry-After. A colleague elsewhere is never locked out."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    now = utcnow()
    attempt = auth.sign_in(form.email.data, form.password.data, request.remote_addr or "unknown", now)
    if attempt.throttled:
        db.session.rollback()
        message = _("Đăng nhập sai quá nhiều lần.") + " " + throttle.retry_message(attempt.verdict, now)
        return too_many(attempt.verdict.retry_after, render_template("auth/login.html", form=form, error=message))
    db.session.commit()
    if attempt.user is None:
        return wrong_credentials(form)
    user = attempt.user
    sessions.end()  # nothing of a previous session is carried into this one
    login_user(user)
    sessions.start(user)
    return redirect(safe_next(request.args.get("next")), code=303)


@bp.post("/logout")
def logout():
    """Sign out (POST only, with CSRF, so a link on another site cannot sign anyone out)."""
    if current_user.is_authenticated:
        # Every session of the user ends, not only this browser's: a copied cookie stops working.
        user = db.session.get(User, current_user.id)
        user.end_sessions()
        db.session.commit()
    logout_user()
    sessions.end()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("public.home"), code=303)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[DataRequired(message=_l("Vui lòng nhập mật khẩu hiện tại.")), Length(max=200)],
    )
    new_password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(message=_l("Vui lòng nhập mật khẩu mới."))],
        description=_l("Ít nhất 12 ký tự; nên dùng một cụm từ dài, dễ nhớ với Quý vị, khó đoán với người khác."),
    )
    confirm_password = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(message=_l("Vui lòng nhập lại mật khẩu mới."))]
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The signed-in user changes their password; every other session of theirs ends, this one goes on."""
    form = PasswordChangeForm()
    if request.method == "GET":
        return render_template("auth/password.html", form=form)
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        problem = auth.password_error(form.new_password.data, email=user.email, name=user.name)
        if not user.check_password(form.current_password.data):
            form.current_password.errors = [_("Mật khẩu hiện tại không đúng.")]
        elif problem:
            form.new_password.errors = [problem]
        elif form.new_password.data != form.confirm_password.data:
            form.confirm_password.errors = [_("Hai lần nhập mật khẩu mới không khớp.")]
        else:
            auth.set_password(user, form.new_password.data)
            db.session.commit()
            sessions.renew(user)
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của Quý vị đã kết thúc."), "success")
            return redirect(url_for("auth.change_password"), code=303)
    return render_template("auth/password.html", form=form), 400
