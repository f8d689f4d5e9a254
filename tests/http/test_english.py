"""English for every page and email (issue 6 item 6): the submitter's and staff's language, the
English deadline explanation, and a complete, compiled catalogue. Vietnamese stays the default."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template
from flask_babel import force_locale

from feedback.extensions import db
from feedback.models import OutboxMessage, Ticket, User
from feedback.services import outbox, workflow
from feedback.timeutil import local_today, utcnow
from tests.support import VALID_FORM, at, csrf_token

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# Letters that exist only in Vietnamese (with the tone marks on any vowel); English text never has them.
VIETNAMESE = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ]"
)

# A submission whose own data is plain ASCII, so any Vietnamese letter in an English email is ours.
ASCII_FORM = dict(
    VALID_FORM,
    organization="Long An Precision Engineering Co., Ltd",
    name="Nguyen Van An",
    address="Lot C5, Duc Hoa 1 Industrial Park, Tay Ninh",
    title="Long waiting time for verification of trade scales",
    content="We filed the verification request last month and still have no appointment.",
    regulation="Circular 23/2013/TT-BKHCN",
)


def vietnamese_letters(text: str) -> list[str]:
    """Vietnamese-only letters in `text`, leaving out the legal basis of the deadline rules: that is
    the title of a Vietnamese legal document entered by the administrator (data, like a name)."""
    from feedback.models import DeadlineRule

    for basis in db.session.execute(db.select(DeadlineRule.legal_basis)).scalars():
        if basis:
            text = text.replace(basis, "")
    return sorted(set(VIETNAMESE.findall(text)))


def submit(client, form: dict, lang: str | None = None):
    db.session.rollback()  # the test's open transaction would hide the new row (and may hold the lock)
    query = f"?lang={lang}" if lang else ""
    client.get(f"/submit{query}")  # the language is remembered in the session from here on
    payload = dict(form, csrf_token=csrf_token(client, "/submit"))
    response = client.post("/submit", data=payload, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.rollback()  # a new transaction, which sees the row the request committed
    return db.session.execute(db.select(Ticket).order_by(Ticket.id.desc())).scalars().first()


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


# ------------------------------------------------------------------ submitter emails


def test_submission_in_english_gets_its_acknowledgment_in_english(client, smtp_server):
    ticket = submit(client, ASCII_FORM, lang="en")
    assert ticket.locale == "en"
    report = outbox.send_pending(utcnow())
    assert len(report.sent) == 1
    [(rcpts, message)] = smtp_server.messages
    assert rcpts == ["an.nguyen@example.com"]
    assert message["Subject"] == f"[{ticket.code}] The Department of Science and Technology has received your feedback"
    text, page = plain(message), html(message)
    assert text.startswith("Dear Nguyen Van An,")
    assert "The Department of Science and Technology has received your complaint." in text
    assert f"Tracking code: {ticket.code}" in text
    assert f"Resolution deadline: {ticket.due_date:%d/%m/%Y}" in text
    from feedback.domain.legal import citation

    # the legal basis the English way (Circular ..., not Thông tư ...)
    assert ticket.due_explanation_en and citation(ticket.due_explanation_en, "en") in text
    assert '<html lang="en">' in page and "Track handling status" in page
    for body in (text, page, message["Subject"]):
        assert vietnamese_letters(body) == [], body


def test_submission_in_vietnamese_stays_vietnamese(client, smtp_server):
    ticket = submit(client, VALID_FORM)
    assert ticket.locale == "vi"
    outbox.send_pending(utcnow())
    [(_rcpts, message)] = smtp_server.messages
    assert message["Subject"] == f"[{ticket.code}] Sở KH&CN đã tiếp nhận phản ánh, kiến nghị của Quý vị"
    text = plain(message).replace("\r\n", "\n")
    assert text.startswith("Kính gửi Nguyễn Văn An,")
    assert "Sở Khoa học và Công nghệ đã tiếp nhận phản ánh của Quý vị." in text
    assert f"Thời hạn giải quyết: {ticket.due_date:%d/%m/%Y}" in text
    assert f"({ticket.due_explanation})" in text
    assert "Trân trọng,\nVăn phòng Sở Khoa học và Công nghệ" in text
    assert '<html lang="vi">' in html(message)


def test_english_then_back_to_vietnamese_in_the_same_session(client):
    first = submit(client, ASCII_FORM, lang="en")
    second = submit(
        client,
        dict(
            ASCII_FORM,
            title="Second request about trade scales",
            email="b@example.com",
            content="A different request about the calibration of fuel pumps.",
        ),
        lang="vi",
    )
    assert (first.locale, second.locale) == ("en", "vi")


def test_staff_registered_tickets_are_vietnamese(make_user, login_as, client):
    from feedback.services import intake

    clerk = make_user("coordinator", "VP")
    data = {k: v for k, v in ASCII_FORM.items() if k != "consent_publish"}
    with force_locale("en"):  # even when the clerk works in English
        ticket = intake.submit(intake.Submission(**data, channel="phone"), utcnow(), staff=clerk)
    assert ticket.locale == "vi"


def test_later_submitter_emails_follow_the_submission_language(client, make_user, smtp_server):
    ticket = submit(client, ASCII_FORM, lang="en")
    coordinator = make_user("coordinator", "VP")
    ticket = db.session.get(Ticket, ticket.id)
    workflow.request_info(ticket, coordinator, "Please attach the verification request form.", utcnow())
    db.session.commit()
    outbox.send_pending(utcnow())
    subjects = sorted(m["Subject"] for _r, m in smtp_server.messages)
    assert f"[{ticket.code}] Request for additional information" in subjects
    request = next(m for _r, m in smtp_server.messages if "additional information" in m["Subject"])
    assert "the Department of Science and Technology asks you to provide the following information" in plain(request)
    assert vietnamese_letters(plain(request)) == []


# ------------------------------------------------------------------ staff emails and the stored choice


def test_staff_email_follows_each_users_locale(make_ticket, make_user, smtp_server):
    coordinator = make_user("coordinator", "VP")
    head_en = make_user("unit_head", "CCTDC", email="head.en@test.vn", name="Head English")
    make_user("unit_head", "CCTDC", email="head.vi@test.vn", name="Head Vietnamese")  # keeps Vietnamese
    head_en.locale = "en"
    db.session.commit()
    ticket = make_ticket(**{k: v for k, v in ASCII_FORM.items() if k != "consent_publish"})
    workflow.route(ticket, coordinator, "CCTDC", utcnow())
    db.session.commit()
    rows = (
        db.session.execute(
            db.select(OutboxMessage).where(OutboxMessage.kind == "staff_routed").order_by(OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    by_recipient = {row.recipients: row for row in rows}
    assert set(by_recipient) == {"head.en@test.vn", "head.vi@test.vn"}
    english, vietnamese = by_recipient["head.en@test.vn"], by_recipient["head.vi@test.vn"]
    assert english.subject == f"[{ticket.code}] New feedback case routed to your unit"
    assert english.body_text.startswith("Dear colleague,")
    assert "Case code: " + ticket.code in english.body_text
    assert vietnamese_letters(english.body_text) == [] and vietnamese_letters(english.body_html) == []
    assert vietnamese.subject == f"[{ticket.code}] Hồ sơ phản ánh, kiến nghị mới chuyển đơn vị xử lý"
    assert vietnamese.body_text.startswith("Kính gửi Quý đồng chí,")
    outbox.send_pending(utcnow())
    delivered = {tuple(r): m["Subject"] for r, m in smtp_server.messages}
    assert delivered[("head.en@test.vn",)].endswith("New feedback case routed to your unit")


def test_switching_language_while_signed_in_is_stored_on_the_account(client, make_user, login_as):
    """By the language switch's POST (issue 11: no GET writes the preference)."""
    user = make_user("coordinator", "VP", email="switch@test.vn")
    login_as(user)
    db.session.rollback()  # end the test's own transaction (it holds the SQLite write lock)
    token = csrf_token(client, "/staff/")
    db.session.rollback()
    assert client.post("/lang", data={"lang": "en", "next": "/staff/", "csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    db.session.rollback()
    client.post("/lang", data={"lang": "vi", "next": "/staff/", "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "vi"


def test_anonymous_language_switch_touches_no_account(client, make_user):
    user = make_user("coordinator", "VP")
    client.get("/track?lang=en")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale in (None, "vi")


def test_unknown_addresses_get_vietnamese(make_user):
    user = make_user("officer", "CCTDC", email="Officer.EN@test.vn")
    user.locale = "en"
    db.session.commit()
    assert outbox.locales_of(["officer.en@test.vn", "unit-mailbox@test.vn"]) == {
        "officer.en@test.vn": "en",
        "unit-mailbox@test.vn": "vi",
    }


# ------------------------------------------------------------------ the written-deadline explanation


def test_tracking_page_shows_the_explanation_in_the_current_language(client, make_ticket):
    ticket = make_ticket()
    assert ticket.due_explanation_en and not vietnamese_letters(ticket.due_explanation_en)
    english = client.get(f"/track/{ticket.tracking_token}?lang=en").get_data(as_text=True)
    # legal citations are written the English way on English pages (Circular, Decree, ND-CP)
    from feedback.domain.legal import citation

    assert citation(ticket.due_explanation_en, "en") in english and ticket.due_explanation not in english
    assert "Circular 02/2017/TT-VPCP" in english
    vietnamese = client.get(f"/track/{ticket.tracking_token}?lang=vi").get_data(as_text=True)
    assert ticket.due_explanation in vietnamese and ticket.due_explanation_en not in vietnamese
    staff_page = client.get(f"/track/{ticket.tracking_token}?lang=en").get_data(as_text=True)
    assert 'id="due-date"' in staff_page


def test_old_rows_without_english_fall_back_to_vietnamese(client, make_ticket):
    ticket = make_ticket()
    ticket.due_explanation_en = ""
    db.session.commit()
    english = client.get(f"/track/{ticket.tracking_token}?lang=en").get_data(as_text=True)
    assert ticket.due_explanation in english


def test_confirmation_page_in_english_shows_the_english_explanation(client):
    client.get("/submit?lang=en")
    payload = dict(ASCII_FORM, csrf_token=csrf_token(client, "/submit"))
    page = client.post("/submit", data=payload, content_type="multipart/form-data", follow_redirects=True)
    db.session.expire_all()
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    from feedback.domain.legal import citation

    assert citation(ticket.due_explanation_en, "en") in page.get_data(as_text=True)


def test_workflow_keeps_both_explanations(make_ticket, make_user):
    coordinator = make_user("coordinator", "VP")
    director = make_user("director", "BGD")
    ticket = make_ticket()
    now = utcnow()
    from feedback.services import calendar

    cal = calendar.work_calendar()
    earlier = ticket.due_date - timedelta(days=1)
    while not cal.is_working_day(earlier):
        earlier -= timedelta(days=1)
    if earlier <= local_today(now):
        pytest.skip("the written deadline is too close to set an earlier one")
    workflow.route(ticket, coordinator, "CCTDC", now, due_date=earlier)
    db.session.commit()
    assert f"{earlier:%d/%m/%Y}" in ticket.due_explanation and f"{earlier:%d/%m/%Y}" in ticket.due_explanation_en
    later = cal.add_working_days(ticket.due_date, 5)
    workflow.extend(ticket, director, later, "Waiting for the laboratory results.", now)
    db.session.commit()
    assert f"{later:%d/%m/%Y}" in ticket.due_explanation and f"{later:%d/%m/%Y}" in ticket.due_explanation_en
    assert "Waiting for the laboratory results." in ticket.due_explanation_en
    assert vietnamese_letters(ticket.due_explanation_en) == []
    assert vietnamese_letters(ticket.due_explanation)  # the Vietnamese text is untouched


# ------------------------------------------------------------------ every email template, both languages


def email_templates() -> list[str]:
    folder = ROOT / "templates" / "email"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("_"))


TICKETLESS = {"report_reminder.txt"}  # the office's reminder of a periodic report names no ticket
from tests.support import template_context  # noqa: E402


@pytest.mark.parametrize("name", email_templates())
def test_every_email_template_renders_in_both_languages(app, make_ticket, make_user, name):
    from feedback.models import Unit

    staff = make_user("unit_head", "CCTDC", name="Tran Thi Binh")
    ticket = make_ticket(**{k: v for k, v in ASCII_FORM.items() if k != "consent_publish"})
    ticket.unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    ticket.answer, ticket.answered_on = "The verification is scheduled for next week.", ticket.received_on
    db.session.flush()
    assert ticket.unit.name_en, "the seeded unit needs an English name for this test"
    ctx = template_context(app, ticket, staff)
    with app.test_request_context():
        for consent in (True, False):
            ticket.consent_publish = consent
            with force_locale("en"):
                english = render_template(f"email/{name}", ticket=ticket, base_url="http://localhost", **ctx)
            with force_locale("vi"):
                vietnamese = render_template(f"email/{name}", ticket=ticket, base_url="http://localhost", **ctx)
            assert vietnamese_letters(english) == [], english
            assert vietnamese_letters(vietnamese), vietnamese  # the default language is untouched
            if name not in TICKETLESS and not name.startswith("calendar_plan"):  # e-mails about no ticket
                assert ticket.code in english and ticket.code in vietnamese


# ------------------------------------------------------------------ the catalogue


def translated(message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def test_catalogue_is_complete_and_current(tmp_path):
    catalogue = read_po(PO.open("rb"))
    # A message is its context and its id: labels whose Vietnamese words mean something else
    # elsewhere carry a context (domain/states.py, `NP_`).
    entries = {(m.context, m.id): m for m in catalogue if m.id}
    assert [m.id for m in entries.values() if not translated(m)] == []
    assert [m.id for m in entries.values() if m.fuzzy] == []
    # Every string in the code today is in the catalogue (run `make translations` after adding one).
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "ugettext",  # web/templating: the page-path strings rendered in Python (badges, queue rows)
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {(m.context, m.id) for m in read_po(pot.open("rb")) if m.id}
    assert sorted(extracted - set(entries), key=str) == []
    assert {key for key in extracted if key[0]}, "babel.cfg extracts the contexts of NP_ labels"
    local_pot = ROOT / "translations" / "messages.pot"  # written by `make translations` (not in git)
    if local_pot.exists():
        local = {(m.context, m.id) for m in read_po(local_pot.open("rb")) if m.id}
        assert sorted(local - set(entries), key=str) == []


def test_compiled_catalogue_matches_the_po_file():
    catalogue = read_po(PO.open("rb"))
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue:
        if not message.id or not translated(message):
            continue
        if isinstance(message.id, (tuple, list)):
            assert compiled.ngettext(message.id[0], message.id[1], 1) == message.string[0], message.id
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == message.string, message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id
    assert len([m for m in catalogue if m.id]) + 1 == len(compiled._catalog)  # + the header entry


def test_placeholders_are_kept():
    pattern = re.compile(r"%\((\w+)\)[sd]")
    for message in read_po(PO.open("rb")):
        if message.id and isinstance(message.id, str):
            assert set(pattern.findall(message.string)) == set(pattern.findall(message.id)), message.id


# ------------------------------------------------------------------ Open311


OPEN311_POST = {
    "service_code": "TDC",
    "description": "Please schedule the verification of our spring scales earlier for our company.",
    "first_name": "Do",
    "last_name": "Thi Mai",
    "email": "mai.do@example.com",
    "phone": "+84 912 000 111",
    "address_string": "No 3 Nguyen Hue Street, Ward 1, Tan An",
    "attribute[kind]": "recommendation",
    "attribute[consent_publish]": "true",
}


@pytest.mark.parametrize(("lang", "expected"), [("en", "en"), (None, "vi")])
def test_open311_post_records_the_request_language(client, app, lang, expected):
    app.config["OPEN311_API_KEYS"] = ["k-en"]
    query = f"?lang={lang}" if lang else ""
    response = client.post(f"/open311/v2/requests.json{query}", data={**OPEN311_POST, "api_key": "k-en"})
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.rollback()
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.locale == expected
    ack = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "acknowledgment")).scalar_one()
    if expected == "en":
        assert ack.subject.endswith("has received your feedback") and ack.body_text.startswith("Dear Do Thi Mai,")
    else:
        assert ack.subject.endswith("Sở KH&CN đã tiếp nhận phản ánh, kiến nghị của Quý vị")


# ------------------------------------------------------------------ reminder digests


def test_reminder_digest_in_each_recipients_language(make_ticket, make_user):
    from feedback.services import reminders

    english = make_user("coordinator", "VP", email="coord.en@test.vn", name="Coordinator English")
    make_user("coordinator", "VP", email="coord.vi@test.vn", name="Coordinator Vietnamese")
    english.locale = "en"
    db.session.commit()
    make_ticket(now=at("2027-03-01T09:00"), **{k: v for k, v in ASCII_FORM.items() if k != "consent_publish"})
    reminders.sweep(at("2027-03-04T08:00"))  # the routing target (2 working days) has passed
    db.session.commit()
    digests = {
        m.recipients: m
        for m in db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "reminder_digest")).scalars()
    }
    assert set(digests) >= {"coord.en@test.vn", "coord.vi@test.vn"}
    assert digests["coord.en@test.vn"].body_text.startswith("Dear Coordinator English,")
    assert vietnamese_letters(digests["coord.en@test.vn"].body_text) == []
    assert vietnamese_letters(digests["coord.en@test.vn"].subject) == []
    assert digests["coord.vi@test.vn"].body_text.startswith("Kính gửi Coordinator Vietnamese,")


def test_refusal_reasons_are_translated_on_the_staff_page(client, make_user, login_as, make_ticket):
    coordinator = make_user("coordinator", "VP")
    ticket = make_ticket(**{k: v for k, v in ASCII_FORM.items() if k != "consent_publish"})
    workflow.refuse(
        ticket, coordinator, "Already answered under case PAKN-2026-000009.", utcnow(), reason_code="duplicate"
    )
    db.session.commit()
    code = ticket.code
    login_as(coordinator)
    db.session.rollback()
    english = client.get(f"/staff/tickets/{code}?lang=en").get_data(as_text=True)
    assert "Duplicate of feedback already received" in english
    assert "Trùng với phản ánh" not in english
    vietnamese = client.get(f"/staff/tickets/{code}?lang=vi").get_data(as_text=True)
    assert "Trùng với phản ánh, kiến nghị đã tiếp nhận" in vietnamese


def test_intake_takes_the_submitters_language_from_its_caller(app):
    from feedback.services import intake

    data = dict(
        submitter_type="citizen",
        name="Lê Thị Hồng",
        address="12 Trần Phú, Phường 1, TP. Tân An",
        kind="proposal",
        category="TDC",
        title="Đề nghị",
        content="Đề nghị bố trí lịch kiểm định sớm hơn.",
    )
    with app.test_request_context("/?lang=en"):
        # The service does not read the request: a submission that names no language is Vietnamese.
        assert intake.submitter_locale(intake.Submission(**data), None) == "vi"
        assert intake.submitter_locale(intake.Submission(**data, locale="en"), None) == "en"
        assert intake.submitter_locale(intake.Submission(**data, locale="fr"), None) == "vi"
