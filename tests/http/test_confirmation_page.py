"""The confirmation page a submitter lands on after sending (the submission's redirect): the ticket with
whether it has attachments in one statement of one row, only the columns the page shows; what was sent
is all there, the attachments too when there are some."""

from __future__ import annotations

from feedback.extensions import db
from feedback.models import Ticket
from tests.support import csrf_token, post_submission, statements_reading

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TABLES = ("tickets", "ticket_events", "attachments", "categories", "units", "outbox", "users")


def submit(client, form, files=()) -> str:
    """POST the public form; the confirmation page's address the answer redirects to."""
    location = post_submission(client, form, files).headers["Location"]
    db.session.commit()
    return location


def shown(page: str, element_id: str) -> str:
    """The text of the paragraph with `element_id` (HTML entities as Jinja escapes them, none expected)."""
    return page.split(f'id="{element_id}">', 1)[1].split("</p>", 1)[0].strip()


def statements_of(client, url: str) -> tuple[list[str], str]:
    return statements_reading(client, url, TABLES)


def test_the_confirmation_is_one_statement_and_shows_what_was_sent(app, client, valid_form):
    form = {
        **valid_form,
        "title": "Đề nghị rút ngắn thời gian cấp giấy chứng nhận hợp chuẩn",
        "content": "Công ty chúng tôi nộp hồ sơ ngày 02/11 nhưng chưa nhận được phản hồi về lịch đánh giá.",
        "regulation": "Thông tư 28/2012/TT-BKHCN",
        "email": "lan.nguyen@hoasen-tn.vn",
    }
    location = submit(client, form)
    statements_of(app.test_client(), location)  # the process's reference cache is filled once
    seen, page = statements_of(app.test_client(), location)
    assert len(seen) == 1, seen
    assert "FROM tickets" in seen[0] and "FROM attachments" in seen[0]  # the ticket and whether it has files
    assert "tickets.deadline_basis" not in seen[0] and "tickets.draft_answer" not in seen[0]  # only the shown columns
    assert form["title"] in page and form["content"] in page and "Thông tư 28/2012/TT-BKHCN" in page
    assert "lan.nguyen@hoasen-tn.vn" in page
    assert 'id="tracking-code"' in page and 'id="due-date"' in page
    assert 'id="sent-attachments-none"' in page
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalar_one()
    assert ticket.title == form["title"]
    assert shown(page, "due-explanation") == ticket.due_explanation and "hạn là" in ticket.due_explanation
    assert shown(page, "due-date") == ticket.due_date.strftime("%d/%m/%Y")


def test_attachments_are_still_listed(app, client, valid_form):
    location = submit(client, valid_form, files=[("bien-ban-kiem-tra.pdf", PDF)])
    statements_of(app.test_client(), location)
    seen, page = statements_of(app.test_client(), location)
    assert "bien-ban-kiem-tra.pdf" in page and 'id="sent-attachments"' in page
    assert len(seen) == 2, seen  # the attachments, which exist, are read


def test_the_english_page_reads_the_english_explanation(app, client, valid_form):
    location = submit(client, valid_form)
    english = app.test_client()
    english.post("/lang", data={"lang": "en", "csrf_token": csrf_token(english, "/"), "next": "/"})
    _seen, page = statements_of(english, location)
    ticket = db.session.execute(db.select(Ticket).order_by(Ticket.id.desc()).limit(1)).scalar_one()
    assert ticket.due_explanation_en and shown(page, "due-explanation") == ticket.due_explanation_en


def test_an_unknown_token_is_a_404(client):
    assert client.get("/submit/done/khong-co-ma-nay").status_code == 404
