"""Staff accounts' security: the password policy in the user's language, sign-in throttling, and
ending every session of a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from ..extensions import db
from ..models import RateEvent, User
from . import ServiceError, throttle


def password_error(password: str, *, email: str = "", name: str = "") -> str | None:
    """The reason a password is refused, in the user's language, or None."""
    problem = password_problem(password, known=(email, name))
    if problem is None:
        return None
    return {
        "short": _("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_LENGTH),
        "long": _("Mật khẩu không được dài quá %(n)d ký tự.", n=MAX_LENGTH),
        "common": _("Mật khẩu này nằm trong danh sách mật khẩu phổ biến; vui lòng chọn mật khẩu khác."),
        "weak": _(
            "Mật khẩu quá dễ đoán (ví dụ chuỗi lặp, dãy phím, từ thông dụng kèm số); "
            "vui lòng chọn cụm từ dài hơn, khó đoán hơn."
        ),
    }[problem]


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """:raises ServiceError: on the `password` field when the policy refuses it."""
    message = password_error(password, email=email, name=name)
    if message:
        raise ServiceError(message, 400, "password")


def set_password(user: User, password: str) -> None:
    """Store a new password (already checked) and end every session of the user."""
    user.set_password(password, current_app.config.get("PASSWORD_HASH_METHOD"))
    user.end_sessions()
    # Sign-in failures against the old password must not slow down the new one.
    db.session.execute(
        db.delete(RateEvent).where(RateEvent.scope == "login_pair", RateEvent.key.like(f"{user.email}|%"))
    )


# --- sign-in throttling --------------------------------------------------------------------------


def login_verdict(email: str, address: str, now: datetime) -> throttle.Verdict:
    """Whether a sign-in for (email, address) may be tried now: growing delays per pair, a limit per address."""
    cfg = current_app.config
    pair = throttle.backoff(
        "login_pair",
        f"{email}|{address}",
        cfg["LOGIN_MAX_FAILURES"],
        cfg["LOGIN_BASE_DELAY"],
        cfg["LOGIN_LOCK_SECONDS"],
        cfg["LOGIN_FAILURE_WINDOW"],
        now,
    )
    per_address = throttle.check("login_address", address, cfg["LOGIN_ADDRESS_LIMIT"], cfg["LOGIN_ADDRESS_WINDOW"], now)
    if pair.allowed and per_address.allowed:
        return throttle.ALLOWED
    return throttle.Verdict(False, max(pair.retry_after, per_address.retry_after))


# Checked when the email is unknown, so that a wrong email costs as much time as a wrong password
# and response times do not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the user when it succeeded, else why not."""

    user: User | None
    verdict: throttle.Verdict = throttle.ALLOWED

    @property
    def throttled(self) -> bool:
        return not self.verdict.allowed


def sign_in(email: str, password: str, address: str, now: datetime) -> SignIn:
    """Check a sign-in: throttled (nothing counted), wrong (an unknown account, a wrong password and a
    deactivated account alike; the failure is counted) or the user (their failures forgotten,
    `last_login_at` set). The caller commits, or rolls back when throttled."""
    email = email.strip().lower()
    verdict = login_verdict(email, address, now)
    if not verdict.allowed:
        return SignIn(None, verdict)
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    # A deactivated account answers exactly like a wrong password: nothing confirms the password.
    if user is None or not user.check_password(password) or not user.active:
        login_failed(email, address, now)
        return SignIn(None)
    user.last_login_at = now
    login_succeeded(email, address)
    return SignIn(user)


def login_failed(email: str, address: str, now: datetime) -> None:
    throttle.record("login_pair", f"{email}|{address}", now)
    throttle.record("login_address", address, now)


def login_succeeded(email: str, address: str) -> None:
    throttle.forget("login_pair", f"{email}|{address}")
