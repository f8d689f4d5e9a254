"""Item 9 and 11: timeouts, oversized numbers, CR/LF in `next`, an unwritable upload folder, orphan
files, the language switch, and files readable by their owner only."""

from __future__ import annotations

import os
import re
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from feedback import create_app
from feedback.extensions import db
from feedback.models import Attachment, Ticket, User
from feedback.services.intake import Upload
from tests.support import VALID_FORM, AlwaysLeader, csrf_token

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def silent_server():
    """A TCP server on localhost that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_healthz_answers_503_quickly_when_the_database_never_answers(app, silent_server):
    hung = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://u@127.0.0.1:{silent_server}/x",
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
    )
    options = hung.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert options["connect_timeout"] <= 5 and "statement_timeout" in options["options"]
    started = time.monotonic()
    response = hung.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.get_json()["status"] == "error"
    assert elapsed < 5, elapsed


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_statement_timeout_is_applied_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL setting")
    assert db.session.execute(db.text("SHOW statement_timeout")).scalar() == "30s"


def test_busy_connections_are_not_pinged_and_idle_dead_ones_are_replaced_on_postgresql(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL pool")
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from feedback.db import pool

    pings = []
    real_ping = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    backend = lambda: db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()  # noqa: E731
    db.session.remove()
    first = backend()
    db.session.remove()
    assert backend() == first and pings == []  # checked out again at once: no round trip before it
    db.session.remove()
    killer = create_engine(db.engine.url, poolclass=NullPool)
    with killer.connect() as other:
        other.execute(db.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    killer.dispose()
    monkeypatch.setattr(pool, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had sat idle
    replaced = backend()  # the dead connection fails its ping and another one answers
    assert pings and replaced != first
    db.session.remove()


HUGE = "9" * 40


def test_oversized_integers_are_400_or_404(app, make_user, signed_in, make_ticket, client):
    ticket = make_ticket()
    code = ticket.code
    staff = signed_in(make_user("coordinator", "VP"))
    admin = signed_in(make_user("admin", None))
    for c, path in [
        (client, f"/results?page={HUGE}"),
        (client, f"/open311/v2/requests.json?page={HUGE}"),
        (client, f"/open311/v2/requests.json?page_size={HUGE}"),
        (client, f"/statistics?year={HUGE}"),
        (staff, f"/staff/?after=2026-01-01.{HUGE}"),
        (staff, f"/staff/?after=2026-01-01.{2**31}"),
        (staff, f"/staff/?due_within={HUGE}"),
        (staff, f"/staff/reports?year={HUGE}"),
        (staff, f"/staff/tickets/{code}/attachments/{HUGE}"),
        (staff, f"/staff/tickets/{code}/attachments/{2**31}"),
        (admin, f"/staff/admin/users/{HUGE}"),
        (admin, f"/staff/admin/units/{2**40}"),
        (admin, f"/staff/admin/rules/{HUGE}"),
    ]:
        response = c.get(path)
        assert response.status_code in (200, 400, 404), (path, response.status_code)


@pytest.mark.parametrize(
    "target",
    [
        "/staff/\r\nSet-Cookie: x=1",
        "/staff/%0d%0aLocation:%20//evil.example",
        "/staff/\\evil",
        "//evil.example/staff",
        "/staff/\nx",
    ],
)
def test_next_with_cr_lf_or_backslash_is_ignored(app, make_user, client_from, target):
    officer = make_user("officer", "QLCN", email="next.test@test.vn")
    client = client_from()
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={"email": officer.email, "password": "secret-pass-1", "csrf_token": token},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith("/staff/") and "evil" not in location and "\n" not in location


def test_an_unwritable_upload_folder_gives_a_clear_error_and_keeps_the_values(app, client):
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    app.config["UPLOAD_FOLDER"] = str(folder / "khong-ghi-duoc")
    Path(app.config["UPLOAD_FOLDER"]).write_text("a file where the folder should be")
    data = {**VALID_FORM, "csrf_token": csrf_token(client, "/submit")}
    from io import BytesIO

    data["attachments"] = [(BytesIO(PDF), "giay-phep.pdf")]
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:300]
    assert "không lưu được tệp" in html
    for key in ("organization", "name", "title", "address"):
        assert VALID_FORM[key] in html, key
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 0


def test_orphan_files_are_removed_by_the_clean_up(app, make_ticket, runner):
    ticket = make_ticket(uploads=[Upload(filename="ho-so.pdf", file_type="pdf", data=PDF)])
    kept = ticket.attachments[0].stored_name
    folder = Path(app.config["UPLOAD_FOLDER"])
    orphan = folder / ("ab" * 20 + ".pdf")  # written by a worker killed before its commit
    orphan.write_bytes(PDF)
    young = folder / ("cd" * 20 + ".pdf")  # an upload whose transaction is still running
    young.write_bytes(PDF)
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    os.utime(folder / kept, (old, old))
    result = runner.invoke(args=["attachments", "clean"])
    assert result.exit_code == 0, result.output
    assert not orphan.exists() and young.exists() and (folder / kept).exists()
    assert "1 orphan files removed" in result.output
    assert db.session.execute(db.select(db.func.count(Attachment.id))).scalar_one() == 1


def test_the_scheduler_runs_the_clean_up(app):
    from feedback.jobs import build_scheduler

    scheduler = build_scheduler(app, AlwaysLeader(), reminder_seconds=60, outbox_seconds=30)
    assert "file-cleanup" in {job.id for job in scheduler.get_jobs()}


def test_the_language_switch_never_points_off_site(app, client):
    for path in ("/\\evil.example", "/\\\\evil.example", "//evil.example", "/%5Cevil.example"):
        # PATH_INFO as a server passes it for GET /%5Cevil.example, GET //evil.example ...
        response = client.get("/", environ_overrides={"PATH_INFO": path})
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        switch = html.split('id="language-switch"')[1].split("</form>")[0]
        target = re.search(r'name="next" value="([^"]*)"', switch).group(1)
        assert target.startswith("/") and not target.startswith("//"), target
        assert "\\" not in target and "%5c" not in target.lower() and "http" not in target, target
        assert "href" not in switch
    token = csrf_token(client, "/")
    for target in ("/\\evil.example", "//evil.example", "https://evil.example/", "/x\r\nSet-Cookie: a=b"):
        response = client.post("/lang", data={"lang": "en", "next": target, "csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"] in ("/", "http://localhost/")
    response = client.post("/lang", data={"lang": "en", "next": "/results", "csrf_token": token})
    assert response.headers["Location"].endswith("/results")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_no_get_writes_the_language_preference(app, make_user, signed_in):
    user = make_user("coordinator", "VP", email="ngon.ngu@test.vn")
    client = signed_in(user)
    assert client.get("/staff/?lang=en").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).locale in (None, "vi"), "a GET changed the account"
    assert client.post("/lang", data={"lang": "en", "next": "/staff/", "csrf_token": client.token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    # Without a CSRF token, a cross-site form cannot change it.
    assert client.post("/lang", data={"lang": "vi", "next": "/staff/"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_files_are_readable_by_their_owner_only(app, make_ticket, tmp_path):
    ticket = make_ticket(uploads=[Upload(filename="ho-so.pdf", file_type="pdf", data=PDF)])
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / ticket.attachments[0].stored_name).stat().st_mode) == 0o600
    # A fresh SQLite database, as `flask db upgrade` creates it in instance/.
    database = tmp_path / "moi" / "feedback.sqlite3"
    database.parent.mkdir()
    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", UPLOAD_FOLDER=str(tmp_path / "up"))
    with fresh.app_context():
        db.session.execute(db.text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        db.engine.dispose()
    for path in (database, Path(str(database) + "-wal"), Path(str(database) + "-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "up").stat().st_mode) == 0o700
