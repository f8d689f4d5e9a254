"""Staff sessions that end on the server: a per-user session version, an absolute lifetime, an idle
timeout, and session protection keyed on the address the configured proxies vouch for."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from hashlib import sha512
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from ..extensions import db, login_manager

AUTH_AT = "_auth_at"  # when the user signed in (epoch seconds)
SEEN_AT = "_seen_at"  # the last request of this session (epoch seconds)


def session_identifier() -> str:
    """Flask-Login's "strong" protection fingerprint, from request.remote_addr (which ProxyFix sets
    only for PROXY_COUNT trusted proxies) instead of a client-supplied X-Forwarded-For."""
    base = f"{request.remote_addr}|{request.headers.get('User-Agent')}"
    return sha512(base.encode("utf-8")).hexdigest()


def start(user) -> None:
    """Stamp a new session at sign-in (call after login_user)."""
    now = int(time.time())
    # Not a permanent session: the cookie goes when the browser closes, and Flask-Login's "strong"
    # protection, which it relaxes for permanent sessions, stays strong.
    session.permanent = False
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def renew(user) -> None:
    """Carry the current browser over to the user's new session version (after their own change)."""
    from flask_login import login_user

    login_user(user)
    start(user)


def end() -> None:
    """Forget everything of the signed-in user in this browser, keeping the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _fresh() -> bool:
    cfg = current_app.config
    now = time.time()
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return False  # e.g. a remember cookie without a session: never a way around the timeouts
    idle = cfg["SESSION_IDLE_TIMEOUT"]
    if now - auth_at > cfg["SESSION_ABSOLUTE_LIFETIME"] or now - seen_at > idle:
        return False
    if now - seen_at >= seen_step(idle):
        session[SEEN_AT] = int(now)
    return True


def seen_step(idle_timeout: float) -> int:
    """How old the session's last-seen time may grow before a request renews it: a sixtieth of the idle
    timeout, from 1 s to 30 s (30 s with the default half hour). A renewal rewrites the cookie (signed,
    sent back with the page), so renewing on every request would cost every page that; the time kept is
    never later than the last request, so a session never outlives its idle timeout, it may end up to
    that step sooner."""
    return int(max(1, min(30, idle_timeout // 60)))


@functools.cache  # built once per process: every signed-in request runs it
def _user_by_id():
    from ..models import User

    return db.select(User).where(User.id == db.bindparam("user_id"))


# A page that reads one row by a key of its request (the staff ticket page: the ticket of its code) can
# have that row read in the signed-in user's own statement, one round trip instead of two: endpoint ->
# (the key from the request or None, and the statement: the user as its first entity, bound parameters
# `user_id` and `key`). The page takes the row with `companion_row`; the user is checked as always.
_COMPANIONS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {}


def companion(endpoint: str, key: Callable[[], Any], statement: Callable[[], Any]) -> None:
    """Read `statement`'s row with the user on `endpoint` whenever `key()` gives a key (not None)."""
    _COMPANIONS[endpoint] = (key, statement)


def companion_row(key) -> tuple | None:
    """The row read with the signed-in user for this request's endpoint and `key`, without the user (None:
    none was read, or for another key). Taken once: a second call reads nothing."""
    if not has_request_context():
        return None
    found = g.pop("_user_companion", None)
    if found is None or found[0] != request.endpoint or found[1] != key:
        return None
    return tuple(found[2])[1:]


def _companion_for_request() -> tuple | None:
    if not has_request_context() or request.method != "GET":
        return None
    endpoint = request.endpoint
    if endpoint not in _COMPANIONS:
        return None
    key_of, statement = _COMPANIONS[endpoint]
    key = key_of()
    return None if key is None else (endpoint, key, statement())


def load_user(user_id: str):
    """The user of a session whose version is current and that is neither too old nor idle."""
    raw_id, _sep, version = str(user_id).partition(":")
    if not raw_id.isdigit() or not version.isdigit() or len(raw_id) > 18 or len(version) > 18:
        return None  # a session from before session versions, or garbage
    # One kept statement rather than Session.get, which builds its statement for each call (50 us of
    # every staff page). No autoflush: the user is read before anything of the request is written, and
    # a flush from a template's first look at `current_user` would write at an unexpected moment.
    with_page = _companion_for_request()
    if with_page is None:
        user = db.session.execute(
            _user_by_id(), {"user_id": int(raw_id)}, execution_options={"autoflush": False}
        ).scalar_one_or_none()
        row = None
    else:
        endpoint, key, statement = with_page
        row = (
            db.session.execute(statement, {"user_id": int(raw_id), "key": key}, execution_options={"autoflush": False})
            .unique()
            .first()
        )
        user = row[0] if row is not None else None
    if user is None or not user.active or (user.session_version or 1) != int(version):
        return None
    if not _fresh():
        end()
        return None
    if row is not None:
        g._user_companion = (endpoint, key, row)  # only for a user who passed every check above
    return user


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with their signing serializer built once per secret key: Flask
    builds a new one to read the cookie and another to write it, on every request (their construction was
    some 2 % of a staff page, 4 % of a page that writes the session, in a py-spy profile)."""

    _kept: tuple | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        serializer = super().get_signing_serializer(app)
        self._kept = (keys, serializer)
        return serializer


def register(app: Flask) -> None:
    """Install the loader, the session protection and the session cookies' signing."""
    app.session_interface = KeptSerializerSessionInterface()
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier
    login_manager.user_loader(load_user)
