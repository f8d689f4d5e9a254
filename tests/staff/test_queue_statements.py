"""The queue's statements are kept per process by the values they hold (services/queue._statements): a
kept statement must be the one that would be built, for every user, unit and filter, and the store stays
bounded."""

from __future__ import annotations

import re

from feedback.extensions import db
from feedback.services import queue as queues
from feedback.services import workflow
from feedback.timeutil import utcnow


def codes(client, query: str = "") -> set[str]:
    return set(re.findall(r'<tr data-code="([^"]+)"', client.get("/staff/" + query).get_data(as_text=True)))


def test_each_user_unit_and_filter_gets_its_own_rows(team, make_ticket, staff_client):
    now = utcnow()
    weights = make_ticket(title="Kiểm định cân thương mại", kind="complaint")
    patent = make_ticket(title="Đăng ký sáng chế", kind="proposal")
    mine = make_ticket(title="Hiệu chuẩn phương tiện đo", kind="recommendation")
    other_mine = make_ticket(title="Thử nghiệm mẫu vật liệu", kind="complaint")
    workflow.route(weights, team["coordinator"], "CCTDC", now)
    workflow.route(patent, team["coordinator"], "QLCN", now)
    for ticket, officer in ((mine, team["officer"]), (other_mine, team["officer2"])):
        workflow.route(ticket, team["coordinator"], "CCTDC", now)
        workflow.assign(ticket, team["head"], officer, now)
    db.session.commit()
    office, head, other_head = (staff_client(team[k]) for k in ("coordinator", "head", "other_head"))
    officer, officer2 = staff_client(team["officer"]), staff_client(team["officer2"])
    for _ in range(2):  # the second round runs the statements the first one kept
        assert codes(office) == {weights.code, patent.code, mine.code, other_mine.code}
        assert codes(head) == {weights.code, mine.code, other_mine.code}
        assert codes(other_head) == {patent.code}
        assert codes(officer, "?assignee=me") == {mine.code}
        assert codes(officer2, "?assignee=me") == {other_mine.code}
        assert codes(office, "?kind=complaint") == {weights.code, other_mine.code}
        assert codes(office, "?kind=proposal") == {patent.code}
        assert codes(office, "?unit=QLCN") == {patent.code}
        assert codes(office, "?unit=CCTDC&state=in_progress") == {mine.code, other_mine.code}
        assert codes(office, "?state=new") == set()
        assert codes(office, f"?assignee={team['officer2'].email}") == {other_mine.code}
    # A code look-up within each scope, kept per scope.
    for _ in range(2):
        assert head.get(f"/staff/?q={patent.code}").headers.get("Content-Location") is None  # another unit's
        assert other_head.get(f"/staff/?q={patent.code}").headers["Content-Location"] == f"/staff/tickets/{patent.code}"
        assert office.get(f"/staff/?q={mine.code}").headers["Content-Location"] == f"/staff/tickets/{mine.code}"


def test_a_change_shows_on_the_next_page(team, make_ticket, staff_client):
    ticket = make_ticket(title="Đề nghị hướng dẫn công bố tiêu chuẩn cơ sở")
    db.session.commit()
    office = staff_client(team["coordinator"])
    assert codes(office, "?state=new") == {ticket.code}
    workflow.route(ticket, team["coordinator"], "CCTDC", utcnow())
    db.session.commit()
    assert codes(office, "?state=new") == set()
    assert codes(office, "?state=assigned") == {ticket.code}


def test_what_is_kept_is_bounded(team, make_ticket, staff_client, monkeypatch):
    monkeypatch.setattr(queues, "_statements", queues._Statements(size=4))
    make_ticket(title="Kiến nghị về lệ phí")
    db.session.commit()
    office = staff_client(team["coordinator"])
    for query in ("", "?state=new", "?state=all", "?kind=complaint", "?unit=CCTDC", "?category=TDC", "?overdue=1"):
        assert office.get("/staff/" + query).status_code == 200
        assert len(queues._statements.kept) <= 4


def test_a_first_page_writes_plain_values_into_its_sql_and_never_what_was_typed(team, make_ticket, staff_client):
    """The first page's statement has its values in its SQL (planned once per connection), but a filter
    value of any other form than a plain code or address stays a parameter: typed quotes, `%` or SQL
    never become SQL text, and the page answers as for any unknown value."""
    from sqlalchemy import event

    ticket = make_ticket(title="Kiểm định đồng hồ nước")
    workflow.route(ticket, team["coordinator"], "CCTDC", utcnow())
    db.session.commit()
    office = staff_client(team["coordinator"])
    sent: list[tuple[str, list]] = []  # (SQL, its parameters' values: a dict on PostgreSQL, a tuple on SQLite)

    def listen(_conn, _cursor, statement, parameters, *_args):
        if "FROM tickets" in statement and "LIMIT" in statement:
            sent.append((statement, list(parameters.values() if isinstance(parameters, dict) else parameters or ())))

    hostile = ["X'); DELETE FROM tickets; --", "a%(x)s@b.vn", "%s", "o'brien\\@x.vn", "CC TDC"]
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert codes(office, "?unit=CCTDC") == {ticket.code}
        plain = sent[-1]
        for value in hostile:
            for name in ("unit", "category", "assignee"):
                sent.clear()
                response = office.get("/staff/", query_string={name: value})
                assert response.status_code == 200
                assert not re.findall(r'<tr data-code="', response.get_data(as_text=True))
                statement, parameters = sent[-1]
                assert value not in statement and value.lower() not in statement
                assert value in parameters or value.lower() in parameters
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert "'CCTDC'" in plain[0] and "CCTDC" not in plain[1]  # a plain code: in the SQL
    assert db.session.get(type(ticket), ticket.id) is not None  # nothing typed ran
