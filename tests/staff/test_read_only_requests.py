"""PostgreSQL: a request that only read ends its transaction with COMMIT, so the statements psycopg has
prepared on the connection are kept for the next request; anything a request changed and did not commit
is still rolled back (feedback/db/pool.py)."""

from __future__ import annotations

import pytest
from flask import abort

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

    return app


def prepared_ticket_statements() -> int:
    return db.session.execute(
        db.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT tickets.id, tickets.code%'")
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
