"""Public submission, confirmation, acknowledgment email and tracking over HTTP."""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from pathlib import Path

import pytest

from feedback.extensions import db
from feedback.models import Attachment, OutboxMessage, Ticket, TicketEvent
from feedback.services import calendar, outbox
from feedback.timeutil import utcnow
from tests.support import csrf_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def post_form(client, data, files=()):
    payload = dict(data)
    payload["csrf_token"] = csrf_token(client, "/submit")
    if files:
        payload["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/submit", data=payload, content_type="multipart/form-data")


def counts():
    return tuple(
        db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()
        for model in (Ticket, Attachment, OutboxMessage, TicketEvent)
    )


def test_form_page_is_vietnamese_and_accessible(client):
    html = client.get("/submit").get_data(as_text=True)
    assert 'lang="vi"' in html
    for name in (
        "submitter_type",
        "organization",
        "tax_code",
        "name",
        "email",
        "phone",
        "address",
        "kind",
        "category",
        "title",
        "content",
        "regulation",
        "attachments",
        "consent_publish",
        "website",
    ):
        assert f'name="{name}"' in html, name
    assert '<label class="form-label" for="email">' in html
    assert "cdn." not in html and "https://" not in html.split("<body")[0]
    assert '="None"' not in html
    assert 'type="file"' in html and 'type="email"' in html


def test_valid_submission_with_pdf(client, valid_form, app):
    before = utcnow()
    r = post_form(client, valid_form, files=[("cong-van.pdf", PDF)])
    assert r.status_code == 303
    page = client.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    due = re.search(r'id="due-date">([^<]+)<', html).group(1)
    assert re.fullmatch(r"PAKN-\d{4}-\d{6}", code)
    ticket = db.session.execute(db.select(Ticket).where(Ticket.code == code)).scalar_one()
    expected = calendar.compute("answer", calendar.receipt_date(before)).due
    assert due == expected.strftime("%d/%m/%Y") == ticket.due_date.strftime("%d/%m/%Y")
    assert ticket.state == "new" and ticket.channel == "web"
    assert ticket.tax_code == "0101243150" and ticket.phone == "0912345678"
    assert ticket.consent_publish is True
    [attachment] = ticket.attachments
    assert attachment.file_type == "pdf" and attachment.original_name == "cong-van.pdf"
    assert attachment.stored_name != "cong-van.pdf"
    stored = app.config["UPLOAD_FOLDER"] + "/" + attachment.stored_name
    assert Path(stored).read_bytes() == PDF
    assert ticket.events[0].action == "submit" and ticket.events[0].public
    [message] = db.session.execute(db.select(OutboxMessage)).scalars().all()
    assert message.kind == "acknowledgment" and message.recipients == "an.nguyen@example.com"


def test_text_is_nfc_normalised(client, valid_form):
    import unicodedata

    valid_form["title"] = unicodedata.normalize("NFD", "Thủ tục chuyển giao công nghệ")
    assert post_form(client, valid_form).status_code == 303
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.title == unicodedata.normalize("NFC", "Thủ tục chuyển giao công nghệ")


def test_acknowledgment_reaches_a_real_smtp_server_with_a_working_link(client, valid_form, smtp_server, app):
    assert post_form(client, valid_form).status_code == 303
    report = outbox.send_pending(utcnow())
    assert len(report.sent) == 1
    [(rcpts, message)] = smtp_server.messages
    assert rcpts == ["an.nguyen@example.com"]
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert ticket.code in message["Subject"] and ticket.code in body
    assert ticket.due_date.strftime("%d/%m/%Y") in body
    link = re.search(r"http://localhost(/track/[A-Za-z0-9_\-]+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert ticket.code in page.get_data(as_text=True)
    assert "Mới tiếp nhận" in page.get_data(as_text=True)
    # A second pass sends nothing more.
    assert outbox.send_pending(utcnow()).sent == []
    assert len(smtp_server.messages) == 1


def test_mail_failure_never_loses_the_submission(client, valid_form, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    from feedback.extensions import mail

    mail.init_app(app)
    assert post_form(client, valid_form).status_code == 303
    report = outbox.send_pending(utcnow())
    assert report.retried and not report.sent
    message = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert message.status == "pending" and message.attempts == 1 and message.next_attempt_at > utcnow()
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 1


BAD_INPUTS = [
    ("name", {"name": ""}),
    ("name", {"name": "   "}),
    ("address", {"address": ""}),
    ("email", {"email": ""}),
    ("email", {"email": "khong-phai-email"}),
    ("email", {"email": "a@b"}),
    ("email", {"email": "an nguyen@example.com"}),
    ("phone", {"phone": "12345"}),
    ("phone", {"phone": "0123456789"}),
    ("phone", {"phone": "09123456789012"}),
    ("tax_code", {"tax_code": "0101243151"}),  # wrong check digit
    ("tax_code", {"tax_code": "12345"}),
    ("tax_code", {"tax_code": "0101243150-000"}),
    ("tax_code", {"tax_code": ""}),  # enterprises give their tax code
    ("organization", {"organization": ""}),
    ("submitter_type", {"submitter_type": "robot"}),
    ("kind", {"kind": "denunciation"}),
    ("kind", {"kind": ""}),
    ("category", {"category": "NOPE"}),
    ("category", {"category": ""}),
    ("title", {"title": ""}),
    ("title", {"title": "ab"}),
    ("title", {"title": "x" * 301}),
    ("content", {"content": ""}),
    ("content", {"content": "ngắn quá"}),
    ("content", {"content": "y" * 10001}),
    ("regulation", {"regulation": "z" * 501}),
    ("name", {"name": "N" * 201}),
    ("address", {"address": "A" * 501}),
    ("website", {"website": "http://spam.example"}),
]


@pytest.mark.parametrize(("field", "change"), BAD_INPUTS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_INPUTS)])
def test_bad_input_is_refused_with_a_field_error_and_stores_nothing(client, valid_form, field, change):
    before = counts()
    data = {**valid_form, **change}
    r = post_form(client, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    # The honeypot is invisible to people, so only the form-level message speaks for it.
    assert f'id="{field if field != "website" else "form"}-error"' in html, html[:3000]
    # Every value the user typed is kept (except the honeypot, which is not shown).
    if field != "title":
        assert valid_form["title"] in html
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "field_error"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "attachments"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "attachments"),
        ("empty.pdf", b"", "attachments"),
    ],
)
def test_attachments_are_checked_by_content(client, valid_form, name, content, field_error):
    before = counts()
    r = post_form(client, valid_form, files=[(name, content)])
    assert r.status_code == 400
    assert f'id="{field_error}-error"' in r.get_data(as_text=True)
    assert counts() == before


def test_too_many_and_too_large_attachments(client, valid_form, app):
    app.config.update(MAX_ATTACHMENTS=2, MAX_ATTACHMENT_SIZE=1024)
    before = counts()
    r = post_form(client, valid_form, files=[("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF)])
    assert r.status_code == 400 and "Tối đa 2 tệp" in r.get_data(as_text=True)
    r = post_form(client, valid_form, files=[("big.pdf", PDF + b"0" * 2048)])
    assert r.status_code == 400 and "vượt quá" in r.get_data(as_text=True)
    assert counts() == before


def test_request_over_the_size_limit_is_a_clear_413(client, valid_form, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    r = post_form(client, valid_form, files=[("big.pdf", PDF + b"0" * 4096)])
    assert r.status_code == 413
    assert "quá lớn" in r.get_data(as_text=True)


def test_citizen_without_tax_code_and_organisation_is_accepted(client, valid_form):
    data = {**valid_form, "submitter_type": "citizen", "organization": "", "tax_code": "", "phone": ""}
    assert post_form(client, data).status_code == 303


def test_branch_tax_code_and_international_phone(client, valid_form):
    data = {**valid_form, "tax_code": "0101243150 - 001", "phone": "+84 912 345 678"}
    assert post_form(client, data).status_code == 303
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.tax_code == "0101243150-001" and ticket.phone == "0912345678"


def test_missing_csrf_token_is_refused(client, valid_form):
    r = client.post("/submit", data=valid_form)
    assert r.status_code == 400
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 0


def test_submissions_are_rate_limited_per_address(client, valid_form, app):
    app.config.update(SUBMIT_RATE_LIMIT=2, RATELIMIT_ENABLED=True)
    assert post_form(client, valid_form).status_code == 303
    assert post_form(client, valid_form).status_code == 303
    r = post_form(client, valid_form)
    assert r.status_code == 429 and "quá nhiều" in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0 and "thử lại sau" in r.get_data(as_text=True)
    assert valid_form["title"] in r.get_data(as_text=True)  # the values are kept
    assert db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one() == 2
    other = app.test_client()
    other_data = {**valid_form, "csrf_token": csrf_token(other, "/submit")}
    r = other.post("/submit", data=other_data, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 303
    app.config["RATELIMIT_ENABLED"] = False
    assert post_form(client, valid_form).status_code == 303


def test_tracking_by_code_and_email(client, make_ticket):
    ticket = make_ticket(email="chu.doanh.nghiep@example.com")
    token = csrf_token(client)
    r = client.post(
        "/track", data={"code": ticket.code.lower(), "email": "Chu.Doanh.Nghiep@example.com", "csrf_token": token}
    )
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert ticket.code in html and "Mới tiếp nhận" in html
    assert ticket.due_date.strftime("%d/%m/%Y") in html
    # A GET with query parameters only shows the form: the e-mail never travels in a URL.
    r = client.get(f"/track?code={ticket.code}&email=chu.doanh.nghiep@example.com")
    assert r.status_code == 200 and "chu.doanh.nghiep@example.com" not in r.get_data(as_text=True)
    assert "Location" not in r.headers


def test_tracking_does_not_say_which_part_is_wrong(client, make_ticket):
    ticket = make_ticket(email="chu.doanh.nghiep@example.com")
    token = csrf_token(client)
    wrong_email = client.post("/track", data={"code": ticket.code, "email": "x@example.com", "csrf_token": token})
    wrong_code = client.post(
        "/track", data={"code": "PAKN-2000-000001", "email": "chu.doanh.nghiep@example.com", "csrf_token": token}
    )
    assert wrong_email.status_code == wrong_code.status_code == 404
    msg = re.compile(r'id="track-error">([^<]+)<')
    assert msg.search(wrong_email.get_data(as_text=True)).group(1) == msg.search(
        wrong_code.get_data(as_text=True)
    ).group(1)


def test_unknown_token_is_404(client):
    assert client.get("/track/not-a-token").status_code == 404


def test_codes_are_distinct_under_concurrent_submissions(app, valid_form):
    """Eight threads submit at once through the real view; every ticket is stored with its own code."""
    app.config["RATELIMIT_ENABLED"] = False
    results, errors = [], []
    barrier = threading.Barrier(8)

    def worker(i):
        try:
            c = app.test_client()
            data = {**valid_form, "title": f"Phản ánh đồng thời số {i}", "csrf_token": csrf_token(c, "/submit")}
            barrier.wait()
            r = c.post("/submit", data=data)
            results.append(r.status_code)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [303] * 8
    db.session.expire_all()
    codes = db.session.execute(db.select(Ticket.code)).scalars().all()
    assert len(codes) == 8 and len(set(codes)) == 8
    year = datetime.now().year
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 9)) or all(str(year) in c for c in codes)


def test_each_acknowledgment_names_its_own_ticket_under_concurrent_submissions(app, valid_form):
    """The acknowledgment is written before the tracking code is drawn; each one still carries the code
    its ticket got, in the subject and both bodies, even when submissions draw codes at the same time."""
    app.config["RATELIMIT_ENABLED"] = False
    results = []
    barrier = threading.Barrier(6)

    def worker(i):
        c = app.test_client()
        data = {
            **valid_form,
            "title": f"Kiến nghị về lệ phí thẩm định công nghệ số {i}",
            "email": f"doanhnghiep{i}@minhphat.vn",
            "csrf_token": csrf_token(c, "/submit"),
        }
        barrier.wait()
        results.append(c.post("/submit", data=data).status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [303] * 6
    db.session.expire_all()
    rows = db.session.execute(
        db.select(
            Ticket.code,
            Ticket.email,
            Ticket.title,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.recipients,
        )
        .join(OutboxMessage, OutboxMessage.ticket_id == Ticket.id)
        .where(OutboxMessage.kind == "acknowledgment")
    ).all()
    assert len(rows) == 6 and len({r.code for r in rows}) == 6
    for r in rows:
        assert r.subject.startswith(f"[{r.code}] ")
        assert f"{r.code}" in r.body_text and f"<strong>{r.code}</strong>" in r.body_html
        assert r.recipients == r.email and r.title in r.body_text
        assert not re.search(r"CODE[0-9a-f]{16}", r.subject + r.body_text + r.body_html)
