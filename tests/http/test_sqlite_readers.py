"""On SQLite (the embedded default, in WAL mode), the read-only pages read beside a writer: while another
connection holds the write lock, the tracking, confirmation and staff ticket pages answer at once, and a
submission still waits for the lock and is saved once it is free. A read-only page that tried to write is
refused, as on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from feedback.extensions import db
from feedback.models import Ticket
from tests.support import csrf_token, post_submission, sign_in


@pytest.fixture
def sqlite_file(app) -> str:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    return db.engine.url.database


class WriteLock:
    """The database's write lock held by a connection of its own (as another worker's write would)."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=1)

    def __enter__(self) -> WriteLock:
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *_exc) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def in_thread(call):
    """Start `call` in a thread; (thread, box) where box["result"] is its answer once it has returned."""
    box: dict = {}

    def run():
        try:
            box["result"] = call()
        except Exception as exc:  # reported by the test, not lost in the thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_read_only_pages_answer_while_another_connection_writes(app, client, valid_form, sqlite_file, make_user):
    location = post_submission(client, {**valid_form, "title": "Hồ sơ chứng nhận hợp quy chậm trả kết quả"}).location
    db.session.commit()
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalar_one()
    coordinator = app.test_client()
    user = make_user("coordinator", email="dieu.phoi@sokhcn.gov.vn")
    assert sign_in(coordinator, user.email).status_code in (302, 303)
    pages = [
        (app.test_client(), location),
        (app.test_client(), f"/track/{ticket.tracking_token}"),
        (coordinator, f"/staff/tickets/{ticket.code}"),
    ]
    with WriteLock(sqlite_file):
        for page_client, url in pages:
            started = time.monotonic()
            thread, box = in_thread(lambda c=page_client, u=url: c.get(u))
            thread.join(timeout=10)
            assert not thread.is_alive(), f"{url} waited for the write lock"
            assert "error" not in box, box.get("error")
            assert box["result"].status_code == 200, url
            assert "Hồ sơ chứng nhận hợp quy chậm trả kết quả" in box["result"].get_data(as_text=True)
            assert time.monotonic() - started < 5


def test_a_submission_waits_for_the_lock_and_is_saved(app, client, valid_form, sqlite_file):
    form = {
        **valid_form,
        "title": "Đề nghị hướng dẫn thủ tục công bố hợp chuẩn",
        "csrf_token": csrf_token(client, "/submit"),
    }
    before = db.session.scalar(db.select(db.func.count()).select_from(Ticket))
    db.session.commit()
    with WriteLock(sqlite_file):
        thread, box = in_thread(lambda: client.post("/submit", data=form))
        thread.join(timeout=1.5)
        assert thread.is_alive(), "a write did not wait for the lock"
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert box["result"].status_code == 303
    db.session.commit()  # a new snapshot
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == before + 1


def test_a_read_only_page_that_writes_is_refused(app, sqlite_file):
    from flask import g

    from feedback.db import pool

    with app.test_request_context("/track/x"):
        g.setdefault(pool._READ_ONLY, "public.track_token")
        assert pool.in_read_only_page()
        with pytest.raises(pool.ReadOnlyPageWrote):
            db.session.execute(db.text("UPDATE tickets SET title = title WHERE id = 0"))
        db.session.rollback()
