"""Items 4-6: sign-in throttling that cannot lock a colleague out, the password policy, tracking that
cannot be guessed, Open311 POST limits, and limits that hold under parallel requests (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from feedback.extensions import db
from feedback.models import Ticket, User
from feedback.timeutil import utcnow
from tests.support import VALID_FORM, csrf_token, sign_in

# ------------------------------------------------------------------ sign-in


def test_failures_from_one_address_never_lock_the_account_elsewhere(app, make_user, client_from):
    make_user("coordinator", "VP", email="le.dieu.phoi@test.vn")
    attacker = client_from("203.0.113.66")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] * 3):
        assert sign_in(attacker, "le.dieu.phoi@test.vn", "doan-bua-mat-khau").status_code in (401, 429)
    office = client_from("192.0.2.10")
    assert sign_in(office, "le.dieu.phoi@test.vn").status_code == 303, "the colleague was locked out"
    refused = sign_in(attacker, "le.dieu.phoi@test.vn")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_delays_grow_with_each_further_failure(app, make_user, client_from, monkeypatch):
    make_user("officer", "QLCN", email="vo.thi.cv@test.vn")
    client = client_from("203.0.113.5")
    clock = {"now": utcnow()}
    monkeypatch.setattr("feedback.auth.views.utcnow", lambda: clock["now"])
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, "vo.thi.cv@test.vn", "sai-mat-khau-1").status_code == 401
    waits = []
    for _ in range(3):
        refused = sign_in(client, "vo.thi.cv@test.vn", "sai-mat-khau-1")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock["now"] += timedelta(seconds=waits[-1] + 1)
        assert sign_in(client, "vo.thi.cv@test.vn", "sai-mat-khau-1").status_code == 401
    assert waits[0] < waits[1] < waits[2], waits
    assert waits[-1] <= app.config["LOGIN_LOCK_SECONDS"]
    # Once the delay has passed, the right password works and clears the failures.
    clock["now"] += timedelta(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    assert sign_in(client, "vo.thi.cv@test.vn").status_code == 303


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("ngan-qua-1", False),  # 10 characters
        ("password1234", False),  # a common password
        ("123456789012", False),  # a run of digits
        ("qwertyuiop12", False),  # a keyboard run
        ("sokhcn123456", False),  # the site's name with digits
        ("Hoa-sen-no-tren-dam-2026", True),
    ],
)
def test_admin_pages_apply_the_password_policy(app, make_user, signed_in, password, accepted):
    admin = signed_in(make_user("admin", None, email="admin.pw@test.vn"))
    response = admin.post(
        "/staff/admin/users/new",
        data={
            "email": "moi@test.vn",
            "name": "Người Mới",
            "role": "coordinator",
            "unit": "",
            "password": password,
            "csrf_token": admin.token,
        },
    )
    created = db.session.execute(db.select(User).where(User.email == "moi@test.vn")).scalar_one_or_none()
    if accepted:
        assert response.status_code == 303 and created is not None
    else:
        assert response.status_code == 400 and created is None
        assert 'id="password-error"' in response.get_data(as_text=True)


def test_admin_reset_applies_the_password_policy(app, make_user, signed_in):
    admin = signed_in(make_user("admin", None, email="admin.reset@test.vn"))
    target = make_user("officer", "QLCN", email="can.bo@test.vn")
    response = admin.post(
        f"/staff/admin/users/{target.id}/password", data={"password": "iloveyou1234", "csrf_token": admin.token}
    )
    assert response.status_code == 400 and 'id="password-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).check_password("secret-pass-1")


# ------------------------------------------------------------------ tracking


def track(client, code, email):
    return client.post("/track", data={"code": code, "email": email, "csrf_token": csrf_token(client, "/track")})


def test_track_by_get_with_parameters_looks_nothing_up(client, make_ticket):
    ticket = make_ticket(email="ban.tra.cuu@example.com")
    response = client.get(f"/track?code={ticket.code}&email=ban.tra.cuu@example.com")
    assert response.status_code == 200 and "Location" not in response.headers
    assert ticket.tracking_token not in response.get_data(as_text=True)
    assert 'method="post"' in response.get_data(as_text=True)


def test_tracking_is_throttled_per_address(app, make_ticket, client_from):
    ticket = make_ticket(email="chu.hang@example.com")
    guesser = client_from("203.0.113.99")
    limit = app.config["TRACK_RATE_LIMIT"]
    statuses = [track(guesser, f"PAKN-2001-{i:06d}", "chu.hang@example.com").status_code for i in range(limit + 5)]
    assert statuses[:limit] == [404] * limit and set(statuses[limit:]) == {429}
    refused = track(guesser, ticket.code, "chu.hang@example.com")  # even the right pair, from here, for now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "thử lại sau" in refused.get_data(as_text=True)
    # The submitter, from their own address, is not affected.
    assert track(client_from("192.0.2.44"), ticket.code, "chu.hang@example.com").status_code == 303


def test_tracking_is_throttled_per_code_across_addresses(app, make_ticket, client_from):
    ticket = make_ticket(email="bi.mat@example.com")
    limit = app.config["TRACK_CODE_LIMIT"]
    for i in range(limit):
        assert track(client_from(f"198.51.100.{i + 1}"), ticket.code, f"doan{i}@example.com").status_code == 404
    # Guessing the e-mail of a known code from many addresses stops too.
    assert track(client_from("198.51.100.200"), ticket.code, "bi.mat@example.com").status_code == 429
    # Other codes are not affected; the secret link always works.
    assert client_from("198.51.100.201").get(f"/track/{ticket.tracking_token}").status_code == 200


# ------------------------------------------------------------------ Open311 POST

OPEN311 = {
    "service_code": "TDC",
    "description": "Đề nghị Chi cục bố trí lịch kiểm định cân đồng hồ lò xo sớm hơn cho doanh nghiệp.",
    "first_name": "Đỗ",
    "last_name": "Thị Mai",
    "email": "mai.do@example.com",
    "phone": "0912000111",
    "address_string": "Số 3 đường Nguyễn Huệ, phường 1, TP Tân An",
    "attribute[kind]": "recommendation",
    "attribute[organization]": "Công ty TNHH Cân Việt",
    "attribute[tax_code]": "0101243150",
}


def test_wrong_api_keys_are_throttled(app, client_from):
    app.config["OPEN311_API_KEYS"] = ["khoa-that-2026"]
    client = client_from("203.0.113.20")
    limit = app.config["OPEN311_BAD_KEY_LIMIT"]
    statuses = [
        client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": f"doan-{i}"}).status_code
        for i in range(limit + 3)
    ]
    assert statuses[:limit] == [403] * limit and set(statuses[limit:]) == {429}
    refused = client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": "khoa-that-2026"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()[0]["code"] == 429


def test_open311_post_shares_the_web_forms_address_limit(app, client_from):
    app.config.update(OPEN311_API_KEYS=["khoa-he-thong"], SUBMIT_RATE_LIMIT=3)
    web = client_from("203.0.113.30")
    for i in range(2):
        data = {**VALID_FORM, "title": f"Phản ánh qua web số {i}", "csrf_token": csrf_token(web, "/submit")}
        assert web.post("/submit", data=data).status_code == 303
    api = client_from("203.0.113.30")
    assert api.post("/open311/v2/requests.json", data={**OPEN311, "api_key": "khoa-he-thong"}).status_code == 201
    refused = api.post("/open311/v2/requests.json", data={**OPEN311, "api_key": "khoa-he-thong"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 3


def test_open311_post_has_a_per_key_limit(app, client_from):
    app.config.update(OPEN311_API_KEYS=["khoa-bi-lo"], OPEN311_KEY_RATE_LIMIT=2, SUBMIT_RATE_LIMIT=100)
    statuses = [
        client_from(f"198.51.100.{i + 10}")
        .post("/open311/v2/requests.json", data={**OPEN311, "api_key": "khoa-bi-lo"})
        .status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 429, 429]


# ------------------------------------------------------------------ race-free limits


def test_parallel_submissions_never_pass_the_limit(app):
    """24 submissions at once from one address against a limit of 5: exactly 5 tickets, 19 × 429."""
    app.config.update(SUBMIT_RATE_LIMIT=5, RATELIMIT_ENABLED=True)
    clients = []
    for i in range(24):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = "203.0.113.77"
        clients.append(
            (c, {**VALID_FORM, "title": f"Phản ánh đồng thời số {i + 1}", "csrf_token": csrf_token(c, "/submit")})
        )
    db.session.rollback()
    barrier = threading.Barrier(len(clients))
    results, errors = [], []

    def worker(c, data):
        try:
            barrier.wait()
            response = c.post("/submit", data=data)
            results.append((response.status_code, response.headers.get("Retry-After")))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(status for status, _ in results) == [303] * 5 + [429] * 19
    assert all(int(retry) > 0 for status, retry in results if status == 429)
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 5
