"""PostgreSQL: a request that only read ends its transaction with COMMIT, so the statements psycopg has
prepared on the connection are kept for the next request; anything a request changed and did not commit
is still rolled back (feedback/db/pool.py)."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import event

from feedback.db.pool import read_only_pages
from feedback.extensions import db
from feedback.models import Unit
from tests.support import signed_in_client


@pytest.fixture
def pg_app(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")

    # Routes a view could be: changes made and then abandoned, each in its own way.
    @app.get("/_test/flushed-then-400")
    def flushed_then_400():
        db.session.add(Unit(code="TAM1", name="Phòng thử nghiệm tạm"))
        db.session.flush()  # written to the transaction, never committed
        abort(400)

    @app.get("/_test/added-not-flushed")
    def added_not_flushed():
        db.session.add(Unit(code="TAM2", name="Phòng chưa ghi"))
        return "ok"

    @app.get("/_test/renamed-not-flushed")
    def renamed_not_flushed():
        db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one().name = "Tên đổi không lưu"
        return "ok"

    # Pages run in autocommit like the queue (feedback/db/pool.py), that try to write or lock.
    @app.get("/_test/read-only-writes")
    def read_only_writes():
        db.session.execute(db.select(Unit.id).limit(1)).scalar()
        db.session.add(Unit(code="TAM3", name="Phòng ghi từ trang chỉ đọc"))
        db.session.flush()
        return "ok"

    @app.get("/_test/read-only-locks")
    def read_only_locks():
        db.session.execute(db.select(Unit).where(Unit.code == "CCTDC").with_for_update()).scalar_one()
        return "ok"

    read_only_pages(app, db, frozenset({"read_only_writes", "read_only_locks"}))
    return app


def prepared_ticket_statements() -> int:
    return db.session.execute(
        # The ticket page's statement reads the signed-in user first (staff/views._user_with_ticket_page_statement).
        db.text(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT signed_in.id%' AND statement LIKE '%tickets.code%'"
        )
    ).scalar_one()


def test_staff_pages_keep_their_prepared_statements(pg_app, make_user, make_ticket):
    code = make_ticket(title="Đề nghị hướng dẫn thủ tục công bố hợp quy phương tiện đo").code
    officer = make_user("coordinator", "VP", email="vanphong.thu@sokhcn.gov.vn")
    client = signed_in_client(pg_app, officer)
    db.session.remove()  # the test holds no connection: the pool has the requests' one(s)
    for _ in range(20):
        response = client.get(f"/staff/tickets/{code}")
        assert response.status_code == 200 and code in response.get_data(as_text=True)
    # Whichever pooled connection the test now gets served those requests and kept the ticket page's
    # statement prepared: reads ended with COMMIT (a ROLLBACK makes psycopg forget every one).
    assert prepared_ticket_statements() >= 1
    db.session.remove()


def test_a_page_statement_is_prepared_from_its_second_run(pg_app, make_user, make_ticket):
    """DB_PREPARE_THRESHOLD (1): psycopg prepares a statement on its second run, not its sixth, so the
    server reaches a plan it keeps after fewer requests per connection."""
    assert db.engine.dialect.name == "postgresql"
    code = make_ticket(title="Đề nghị hướng dẫn thủ tục công bố hợp quy phương tiện đo").code
    client = signed_in_client(pg_app, make_user("coordinator", "VP", email="vanphong.thu@sokhcn.gov.vn"))
    db.session.remove()
    for _ in range(2):
        assert client.get(f"/staff/tickets/{code}").status_code == 200
    assert prepared_ticket_statements() >= 1
    db.session.remove()


def test_changes_a_request_did_not_commit_are_still_rolled_back(pg_app, make_user):
    client = signed_in_client(pg_app, make_user("coordinator", "VP", email="vanphong.thu@sokhcn.gov.vn"))
    assert client.get("/_test/flushed-then-400").status_code == 400
    assert client.get("/_test/added-not-flushed").status_code == 200
    assert client.get("/_test/renamed-not-flushed").status_code == 200
    db.session.remove()
    codes = set(db.session.execute(db.select(Unit.code)).scalars())
    assert "TAM1" not in codes and "TAM2" not in codes and "CCTDC" in codes
    assert db.session.execute(db.select(Unit.name).where(Unit.code == "CCTDC")).scalar_one() != "Tên đổi không lưu"


@pytest.fixture
def transaction_states(pg_app):
    """psycopg's transaction status after each statement the app runs: IDLE in autocommit, INTRANS in a
    transaction (a BEGIN was sent before it, a COMMIT or ROLLBACK will follow)."""
    seen: list[str] = []

    def after(_conn, cursor, statement, *_args):
        seen.append(cursor.connection.info.transaction_status.name)

    event.listen(db.engine, "after_cursor_execute", after)
    yield seen
    event.remove(db.engine, "after_cursor_execute", after)


def test_the_queue_ticket_and_tracking_pages_send_no_begin_or_commit(
    pg_app, make_user, make_ticket, transaction_states
):
    ticket = make_ticket(title="Kiến nghị rút ngắn thời gian kiểm định phương tiện đo")
    code, token, version = ticket.code, ticket.tracking_token, ticket.version
    client = signed_in_client(pg_app, make_user("coordinator", "VP", email="vanphong.thu@sokhcn.gov.vn"))
    db.session.remove()
    pages = ["/staff/", "/staff/?state=new", f"/staff/?q={code}", f"/staff/tickets/{code}"]
    for path in pages:
        transaction_states.clear()
        assert client.get(path).status_code == 200, path
        assert transaction_states and set(transaction_states) == {"IDLE"}, (path, transaction_states)
    transaction_states.clear()
    assert pg_app.test_client().get(f"/track/{token}").status_code == 200
    assert transaction_states and set(transaction_states) == {"IDLE"}

    # An action is a transaction, as before: its statements run between a BEGIN and a COMMIT.
    transaction_states.clear()
    response = client.post(
        f"/staff/tickets/{code}/note",
        data={"csrf_token": client.token, "version": version, "body": "Đã gọi điện cho doanh nghiệp."},
    )
    assert response.status_code == 303
    assert "INTRANS" in transaction_states


def test_a_read_only_page_that_tries_to_write_or_lock_fails_and_changes_nothing(pg_app, make_user):
    pg_app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page a visitor would see
    client = signed_in_client(pg_app, make_user("coordinator", "VP", email="vanphong.thu@sokhcn.gov.vn"))
    assert client.get("/_test/read-only-writes").status_code == 500
    assert client.get("/_test/read-only-locks").status_code == 500
    db.session.remove()
    assert "TAM3" not in set(db.session.execute(db.select(Unit.code)).scalars())
    # The connection went back to the pool in its normal mode: the next action still writes in a transaction.
    assert client.get("/staff/").status_code == 200
