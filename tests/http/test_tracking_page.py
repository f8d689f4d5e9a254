"""The submitter's tracking page at scale: the ticket with its public timeline and which optional parts
exist in one statement, its category and unit from the reference cache; the parts that exist are still
read and shown."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import Ticket
from tests.support import post_submission, statements_reading

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TABLES = ("tickets", "ticket_events", "outgoing_documents", "ratings", "reviews", "attachments", "categories", "units")


def submitted(client, form, files=()) -> str:
    post_submission(client, form, files)
    db.session.commit()
    return db.session.execute(db.select(Ticket.tracking_token).order_by(Ticket.id.desc()).limit(1)).scalar_one()


def statements_of(client, url: str) -> tuple[list[str], str]:
    return statements_reading(client, url, TABLES)


def test_the_page_of_a_new_submission_is_one_statement(app, client, valid_form):
    token = submitted(client, valid_form)
    statements_of(app.test_client(), f"/track/{token}")  # the process's reference cache is filled once
    seen, page = statements_of(app.test_client(), f"/track/{token}")
    assert len(seen) == 1, seen
    assert seen[0].lstrip().startswith("SELECT tickets.id") and "FROM ticket_events" in seen[0]
    assert valid_form["title"] in page
    assert "Tiêu chuẩn, đo lường, chất lượng" in page  # the category, from the reference cache
    assert page.count("<li><div") == 1  # the timeline's one public entry
    assert 'id="receipt-link"' in page and 'id="letter-link"' not in page


def test_an_attachment_is_still_listed(app, client, valid_form):
    token = submitted(client, valid_form, files=[("cong-van-de-nghi.pdf", PDF)])
    statements_of(app.test_client(), f"/track/{token}")  # the reference cache, filled once
    seen, page = statements_of(app.test_client(), f"/track/{token}")
    assert "cong-van-de-nghi.pdf" in page
    assert len(seen) == 2, seen  # the attachments, which exist, are read


def test_an_unknown_link_is_a_404(client):
    assert client.get("/track/khong-co-ma-nay").status_code == 404
