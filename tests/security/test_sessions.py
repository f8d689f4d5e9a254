"""Item 3: sessions end on the server (sign-out, password reset/change, deactivation, role change),
an absolute lifetime and an idle timeout, and session protection that ignores X-Forwarded-For."""

from __future__ import annotations

import time

import pytest

from feedback.extensions import db
from feedback.models import User
from tests.support import csrf_token, sign_in


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (a stolen or shared cookie)."""
    other = app.test_client()
    other.environ_base.update(client.environ_base)
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def can_open_queue(client) -> bool:
    return client.get("/staff/").status_code == 200


def test_logout_ends_every_session_of_the_user(app, make_user, signed_in):
    officer = make_user("officer", "QLCN", email="nguyen.van.a@test.vn")
    first = signed_in(officer)
    elsewhere = signed_in(officer)  # the same officer on a second computer
    stolen = copy_of(app, first)
    assert can_open_queue(stolen) and can_open_queue(elsewhere)
    assert first.post("/staff/logout", data={"csrf_token": first.token}).status_code == 303
    assert not can_open_queue(first)
    assert not can_open_queue(stolen), "a copied cookie kept working after sign-out"
    assert not can_open_queue(elsewhere)


@pytest.mark.parametrize("change", ["reset_password", "deactivate", "role", "unit"])
def test_account_changes_end_the_users_sessions(app, make_user, signed_in, change):
    admin = make_user("admin", None, email="quantri@test.vn")
    officer = make_user("officer", "QLCN", email="tran.thi.b@test.vn", name="Trần Thị B")
    victim = signed_in(officer)
    stolen = copy_of(app, victim)
    admin_client = signed_in(admin)
    assert can_open_queue(stolen)
    user_id = officer.id
    if change == "reset_password":
        response = admin_client.post(
            f"/staff/admin/users/{user_id}/password",
            data={"password": "song-huong-nuoc-xanh-7", "csrf_token": admin_client.token},
        )
    elif change == "deactivate":
        response = admin_client.post(
            f"/staff/admin/users/{user_id}/deactivate", data={"csrf_token": admin_client.token}
        )
    else:
        from feedback.models import Unit

        units = {u.code: u.id for u in db.session.execute(db.select(Unit)).scalars()}
        role, unit = ("unit_head", "QLCN") if change == "role" else ("officer", "CCTDC")
        response = admin_client.post(
            f"/staff/admin/users/{user_id}",
            data={"name": "Trần Thị B", "role": role, "unit": str(units[unit]), "csrf_token": admin_client.token},
        )
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert not can_open_queue(victim) and not can_open_queue(stolen)
    assert can_open_queue(admin_client), "the administrator's own session goes on"


def test_password_change_by_the_user_ends_the_other_sessions(app, make_user, signed_in):
    officer = make_user("officer", "QLCN", email="le.van.c@test.vn", name="Lê Văn C")
    here = signed_in(officer)
    stolen = copy_of(app, here)
    elsewhere = signed_in(officer)
    token = csrf_token(here, "/staff/password")
    response = here.post(
        "/staff/password",
        data={
            "current_password": "secret-pass-1",
            "new_password": "bien-dong-song-vo-bo-3",
            "confirm_password": "bien-dong-song-vo-bo-3",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert can_open_queue(here), "the browser that changed the password stays signed in"
    assert not can_open_queue(stolen) and not can_open_queue(elsewhere)
    db.session.expire_all()
    assert db.session.get(User, officer.id).check_password("bien-dong-song-vo-bo-3")


def test_password_change_refuses_a_wrong_current_password_and_a_weak_one(app, make_user, signed_in):
    officer = make_user("officer", "QLCN", email="pham.d@test.vn")
    client = signed_in(officer)
    for current, new, problem in [
        ("sai-mat-khau-cu", "bien-dong-song-vo-bo-3", "current_password"),
        ("secret-pass-1", "password1234", "new_password"),
        ("secret-pass-1", "ngan", "new_password"),
    ]:
        token = csrf_token(client, "/staff/password")
        response = client.post(
            "/staff/password",
            data={"current_password": current, "new_password": new, "confirm_password": new, "csrf_token": token},
        )
        assert response.status_code == 400 and f'id="{problem}-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, officer.id).check_password("secret-pass-1")
    assert can_open_queue(client)


def test_idle_timeout_and_absolute_lifetime(app, make_user, signed_in, monkeypatch):
    officer = make_user("officer", "QLCN", email="vo.e@test.vn")
    client = signed_in(officer)
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr("feedback.auth.sessions.time.time", lambda: clock["now"])
    idle, lifetime = app.config["SESSION_IDLE_TIMEOUT"], app.config["SESSION_ABSOLUTE_LIFETIME"]
    assert (idle, lifetime) == (30 * 60, 8 * 3600)
    # Active every 20 minutes: the idle timeout never strikes, until 8 hours after sign-in.
    while clock["now"] + 20 * 60 < start + lifetime - 60:
        clock["now"] += 20 * 60
        assert can_open_queue(client), (clock["now"] - start) / 3600
    clock["now"] = start + lifetime + 5
    assert not can_open_queue(client), "a session outlived its absolute lifetime"
    # Idle: 31 minutes without a request ends a fresh session.
    monkeypatch.undo()
    client = signed_in(officer)
    later = time.time() + idle + 60
    monkeypatch.setattr("feedback.auth.sessions.time.time", lambda: later)
    assert not can_open_queue(client), "an idle session kept working"


def test_a_remember_cookie_does_not_bypass_the_session_checks(app, make_user, signed_in):
    officer = make_user("officer", "QLCN", email="dang.f@test.vn")
    client = signed_in(officer)
    from flask_login import decode_cookie, encode_cookie  # noqa: F401

    fresh = app.test_client()
    fresh.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), encode_cookie(officer.get_id()))
    assert not can_open_queue(fresh)
    assert can_open_queue(client)


def test_session_protection_ignores_a_client_supplied_forwarded_for(app, make_user, client_from):
    assert app.config["PROXY_COUNT"] == 0
    officer = make_user("officer", "QLCN", email="ho.g@test.vn")
    client = client_from("203.0.113.7")
    assert sign_in(client, officer.email).status_code == 303
    assert can_open_queue(client)
    # The same browser, now sending an X-Forwarded-For of its choice: the session is the same one,
    # since no proxy is trusted; a forged header can neither break nor steer session protection.
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.9"
    assert can_open_queue(client)
    # A copy of the cookie used from another address, pretending to be the original one: refused.
    thief = copy_of(app, client)
    thief.environ_base["REMOTE_ADDR"] = "198.51.100.66"
    thief.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    assert not can_open_queue(thief)


def test_proxy_count_trusts_exactly_that_many_proxies():
    from flask import request

    from feedback import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", PROXY_COUNT=1)

    @app.get("/_addr")
    def addr():
        return request.remote_addr or ""

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the reverse proxy
    # The proxy appends the client's address; anything the client put before it is ignored.
    assert client.get("/_addr", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}).text == "203.0.113.7"
    plain = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")

    @plain.get("/_addr")
    def addr_plain():
        return request.remote_addr or ""

    direct = plain.test_client()
    direct.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert direct.get("/_addr", headers={"X-Forwarded-For": "6.6.6.6"}).text == "203.0.113.7"


def test_a_visitors_session_is_sent_again_only_when_it_changes(app, client):
    """The language switch holds even when an answer to a request sent before it arrives after it (the
    browser asks for /favicon.ico while the switch is posted): a request that changes nothing in a
    visitor's session does not send the cookie again, so it cannot put the old one back."""
    token = csrf_token(client, "/results")
    before = client.get_cookie("session").value  # the cookie the browser sends with the favicon request
    for path in ("/results", "/favicon.ico", "/submit", "/"):
        assert "session=" not in " ".join(client.get(path).headers.getlist("Set-Cookie")), path
    assert client.post("/lang", data={"lang": "en", "next": "/results", "csrf_token": token}).status_code == 303
    late = app.test_client()
    late.set_cookie("session", before)
    assert late.get("/favicon.ico").status_code == 404
    assert "session=" not in " ".join(late.get("/results").headers.getlist("Set-Cookie"))
    page = client.get("/results").get_data(as_text=True)
    assert '<html lang="en"' in page


def test_a_remember_cookie_beside_a_visitors_session_opens_nothing(app, make_user, client):
    officer = make_user("officer", "QLCN", email="le.h@test.vn")
    from flask_login import encode_cookie

    csrf_token(client, "/results")  # a visitor's session: a CSRF token, no user
    client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), encode_cookie(officer.get_id()))
    assert not can_open_queue(client)


def test_a_sessions_last_seen_time_is_renewed_once_a_step_not_on_every_page(app, make_user, signed_in, monkeypatch):
    """Renewing the last-seen time rewrites the session cookie: within a step (30 s with the default idle
    timeout of half an hour) a page sends no new cookie; after it, the cookie is renewed, and the idle
    timeout counts from that renewal, never from a later time than the last request."""
    from feedback.auth.sessions import seen_step

    assert (seen_step(30 * 60), seen_step(8 * 3600), seen_step(30)) == (30, 30, 1)
    officer = make_user("officer", "QLCN", email="phan.h@test.vn")
    client = signed_in(officer)
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr("feedback.auth.sessions.time.time", lambda: clock["now"])

    def page_at(seconds: float):
        clock["now"] = start + seconds
        response = client.get("/staff/")
        return response.status_code, [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]

    client.get("/staff/")  # the first page after sign-in may store what the pages need (its CSRF token)
    assert page_at(5) == (200, []) and page_at(20) == (200, [])
    status, cookies = page_at(45)
    assert status == 200 and len(cookies) == 1  # renewed
    assert page_at(50) == (200, [])
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    assert page_at(45 + idle - 10)[0] == 200  # counted from the renewal at 45 s: still fresh, renewed again
    clock["now"] = start + 45 + idle - 10 + idle + 1
    assert not can_open_queue(client), "an idle session kept working"


def test_session_cookies_follow_a_change_of_the_secret_key(app, make_user, signed_in):
    """The session's signing is kept per secret key: a new SECRET_KEY with the old one among
    SECRET_KEY_FALLBACKS still reads the cookie (a key rotation), and without it the cookie is refused."""
    client = signed_in(make_user("officer", "QLCN", email="luu.k@test.vn"))
    assert can_open_queue(client)
    old = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="khoa-moi-sau-khi-xoay-vong", SECRET_KEY_FALLBACKS=[old])
    assert can_open_queue(client)
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert not can_open_queue(client)
