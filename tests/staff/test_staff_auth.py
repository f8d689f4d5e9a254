"""Sign-in, throttling, inactive accounts, sign-out by POST, and `flask users create`."""

from __future__ import annotations

import pytest

from feedback.extensions import db
from feedback.models import User
from tests.support import csrf_token, sign_in


def test_sign_in_and_out(app, make_user):
    make_user("officer", "QLCN", email="cv@test.vn")
    client = app.test_client()
    first = client.get("/staff/")
    assert first.status_code == 302 and "/staff/login" in first.headers["Location"]
    response = sign_in(client, "CV@test.vn ", "secret-pass-1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/logout").status_code == 405  # never by a plain link
    token = csrf_token(client, "/staff/")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/staff/").status_code == 302


def test_next_only_follows_staff_paths(app, make_user):
    make_user("coordinator", "VP", email="vp@test.vn")
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login?next=https://evil.example/x",
        data={"email": "vp@test.vn", "password": "secret-pass-1", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/staff/")


def test_wrong_password_and_throttling(app, make_user):
    make_user("officer", "QLCN", email="cv@test.vn")
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        response = sign_in(client, "cv@test.vn", "wrong-password")
        assert response.status_code == 401
        assert "không đúng" in response.get_data(as_text=True)
    # Slowed down from this address now, even with the right password, with a clear message.
    response = sign_in(client, "cv@test.vn", "secret-pass-1")
    assert response.status_code == 429 and "quá nhiều lần" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0 and "thử lại sau" in response.get_data(as_text=True)
    # Another account from the same address is not locked by one account's failures alone.
    make_user("officer", "QLCN", email="cv2@test.vn")
    assert sign_in(client, "cv2@test.vn", "secret-pass-1").status_code == 303


def test_throttling_per_address_across_accounts(app):
    client = app.test_client()
    limit = app.config["LOGIN_ADDRESS_LIMIT"]
    for i in range(limit):
        assert sign_in(client, f"nobody{i}@test.vn", "x").status_code == 401
    response = sign_in(client, "another@test.vn", "x")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_inactive_account_answers_like_a_wrong_password(app, make_user):
    make_user("officer", "QLCN", email="old@test.vn", active=False)
    right = sign_in(app.test_client(), "old@test.vn", "secret-pass-1")
    wrong = sign_in(app.test_client(), "old@test.vn", "not-the-password")
    assert right.status_code == wrong.status_code == 401

    def body(response):  # the CSRF token is the only part allowed to differ
        import re

        return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", response.get_data(as_text=True))

    assert body(right) == body(wrong) and "ngừng hoạt động" not in body(right)


def test_users_create_command(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Head@Test.vn",
            "--role",
            "unit_head",
            "--unit",
            "QLCN",
            "--name",
            "Nguyễn Văn Trưởng",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).where(User.email == "head@test.vn")).scalar_one()
    assert user.role == "unit_head" and user.unit.code == "QLCN" and user.name == "Nguyễn Văn Trưởng"
    assert user.check_password("mat-khau-dai") and not user.password_hash.startswith("mat")
    # Prompted (twice) when no password is given.
    result = runner.invoke(
        args=["users", "create", "vp@test.vn", "--role", "coordinator"], input="mat-khau-vp-1\nmat-khau-vp-1\n"
    )
    assert result.exit_code == 0, result.output
    assert (
        db.session.execute(db.select(User).where(User.email == "vp@test.vn"))
        .scalar_one()
        .check_password("mat-khau-vp-1")
    )


def test_users_create_is_audited_like_the_admin_page(app, runner):
    from feedback.models import AuditLog

    result = runner.invoke(
        args=[
            "users",
            "create",
            "ketoan@test.vn",
            "--role",
            "officer",
            "--unit",
            "QLCN",
            "--name",
            "Đỗ Thị Kế Toán",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).where(User.email == "ketoan@test.vn")).scalar_one()
    entry = db.session.execute(db.select(AuditLog).where(AuditLog.entity == "user")).scalar_one()
    assert entry.action == "create" and entry.entity_id == str(user.id) and entry.actor_id is None
    assert entry.details["source"] == "cli" and entry.details["unit"] == "QLCN"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["cv@test.vn", "--role", "officer"], "--unit"),
        (["cv@test.vn", "--role", "officer", "--unit", "NOPE", "--password", "mat-khau-dai"], "NOPE"),
        (["not-an-email", "--role", "admin", "--password", "mat-khau-dai"], "email"),
        (["cv@test.vn", "--role", "boss", "--password", "mat-khau-dai"], "boss"),
        (["cv@test.vn", "--role", "admin", "--password", "short"], "12"),
        (["cv@test.vn", "--role", "admin", "--password", "password1234"], "common"),
        (["cv@test.vn", "--role", "admin", "--password", "123456789012"], "guess"),
    ],
)
def test_users_create_refuses_bad_input(app, runner, args, problem):
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0 and problem in result.output
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0


def test_users_create_refuses_a_duplicate(app, runner, make_user):
    make_user("admin", None, email="dup@test.vn")
    result = runner.invoke(args=["users", "create", "dup@test.vn", "--role", "admin", "--password", "mat-khau-dai"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_a_deactivated_users_session_stops_working(app, make_user):
    user = make_user("officer", "QLCN", email="leaving@test.vn")
    client = app.test_client()
    assert sign_in(client, "leaving@test.vn", "secret-pass-1").status_code == 303
    assert client.get("/staff/").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/staff/").status_code == 302
