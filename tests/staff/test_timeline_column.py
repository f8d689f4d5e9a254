"""A ticket's timeline read in the ticket's own statement (db/timeline.py) gives exactly what reading
it on its own gives: the same entries, fields, types and order, the actors' names, only the public
entries where asked; and the pages that use it show the same timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from feedback.db.timeline import timeline_column, timeline_entries
from feedback.extensions import db
from feedback.models import Ticket, TicketEvent, User
from feedback.services import workflow
from feedback.timeutil import utcnow
from tests.support import signed_in_client, statements_reading

COLUMNS = tuple(column.name for column in TicketEvent.__table__.c)  # every column of the table, in its order


def read_alone(ticket_id: int, public_only: bool = False) -> list[tuple]:
    events, users = TicketEvent.__table__, User.__table__
    stmt = (
        db.select(*(events.c[c] for c in COLUMNS), users.c.name)
        .outerjoin(users, users.c.id == events.c.actor_id)
        .where(events.c.ticket_id == ticket_id)
        .order_by(events.c.id)
    )
    if public_only:
        stmt = stmt.where(events.c.public.is_(True))
    return [tuple(row) for row in db.session.execute(stmt)]


def read_with_ticket(ticket_id: int, public_only: bool = False) -> list[tuple]:
    stmt = db.select(Ticket.code, timeline_column(Ticket.__table__.c.id, public_only=public_only)).where(
        Ticket.id == ticket_id
    )
    return [tuple(entry) for entry in timeline_entries(db.session.execute(stmt).one().timeline)]


def test_the_same_entries_fields_and_order_as_read_alone(team, make_ticket):
    ticket = make_ticket(title="Kiến nghị về thời hạn cấp giấy chứng nhận hợp chuẩn")
    now = utcnow()
    workflow.route(ticket, team["coordinator"], "CCTDC", now, note="Đề nghị Chi cục xử lý theo quy định")
    workflow.note(ticket, team["coordinator"], 'Đã gọi điện cho doanh nghiệp; "hẹn" gửi bổ sung <hồ sơ> & mẫu', now)
    workflow.request_info(ticket, team["coordinator"], "Đề nghị doanh nghiệp bổ sung bản sao giấy phép", now)
    db.session.commit()
    alone = read_alone(ticket.id)
    assert len(alone) >= 4
    together = read_with_ticket(ticket.id)
    assert together == alone
    # The types are the column's own: a naive-UTC datetime, a bool, the details as a dict.
    for entry in timeline_entries(
        db.session.execute(db.select(timeline_column(Ticket.__table__.c.id)).where(Ticket.id == ticket.id)).scalar_one()
    ):
        assert isinstance(entry.at, datetime) and entry.at.tzinfo is None
        assert isinstance(entry.public, bool)
        assert entry.details is None or isinstance(entry.details, dict)
    names = {entry[-1] for entry in together if entry[3] is not None}
    assert names == {team["coordinator"].name}
    public = read_with_ticket(ticket.id, public_only=True)
    assert public == read_alone(ticket.id, public_only=True)
    assert public and len(public) < len(together) and all(entry[8] for entry in public)


def test_a_ticket_without_entries_has_an_empty_timeline(make_ticket):
    ticket = make_ticket(title="Đề xuất bổ sung danh mục dịch vụ công trực tuyến")
    db.session.execute(db.delete(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    db.session.commit()
    assert read_with_ticket(ticket.id) == [] == read_alone(ticket.id)


def test_many_entries_keep_their_order(team, make_ticket):
    ticket = make_ticket(title="Phản ánh về việc kiểm định taxi mét")
    start = utcnow() - timedelta(days=3)
    for k in range(30):
        workflow.note(ticket, team["coordinator"], f"Ghi chú số {k + 1}", start + timedelta(minutes=k))
    db.session.commit()
    together = read_with_ticket(ticket.id)
    assert together == read_alone(ticket.id)
    assert [e[0] for e in together] == sorted(e[0] for e in together)


def test_the_staff_ticket_page_shows_the_whole_timeline_in_one_statement(app, team, make_ticket):
    ticket = make_ticket(title="Kiến nghị về phí thẩm định công nghệ")
    workflow.route(ticket, team["coordinator"], "CCTDC", utcnow())
    workflow.note(ticket, team["coordinator"], "Nội bộ: chờ ý kiến phòng Quản lý công nghệ", utcnow())
    db.session.commit()
    client = signed_in_client(app, team["coordinator"])
    url = f"/staff/tickets/{ticket.code}"
    client.get(url)  # reference caches filled once
    seen, page = statements_reading(client, url, ("users", "tickets", "ticket_events"))
    # One statement for the whole page: the signed-in user, the ticket and its timeline.
    assert len(seen) == 1, seen
    assert "ticket_events" in seen[0] and "FROM users AS signed_in" in seen[0], seen
    assert page.count('<li class="internal"') + page.count('<li class="public"') == len(read_alone(ticket.id))
    assert "Nội bộ: chờ ý kiến phòng Quản lý công nghệ" in page and team["coordinator"].name in page
