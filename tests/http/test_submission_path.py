"""The submission path at scale: reference data cached per process and invalidated on admin changes,
no rate-limit row when limits are off (one when on), and nothing lost when mail fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedback import create_app
from feedback.extensions import db
from feedback.models import Category, DeadlineRule, OutboxMessage, RateEvent, Ticket
from feedback.services import admin as admin_service
from tests.support import csrf_token, local

CHANGED_AT = local(2026, 4, 6, 9)  # when the administrator's changes are stamped in the audit log


def submit(client, form, **extra) -> Ticket:
    data = {**form, **extra, "csrf_token": csrf_token(client, "/submit")}
    response = client.post("/submit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    token = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    db.session.commit()  # a new snapshot: see what the request committed
    return db.session.execute(db.select(Ticket).where(Ticket.tracking_token == token)).scalar_one()


def count(model) -> int:
    db.session.commit()  # a new snapshot: see what the request committed
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def other_app(app):
    """A second app on the same database: another web process, with its own reference cache."""
    second = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        RATELIMIT_ENABLED=False,
    )
    second.test_client_class = app.test_client_class  # one app context per request, as in production
    yield second
    with second.app_context():
        db.engine.dispose()


def test_no_rate_row_when_limits_are_off_and_one_when_on(app, client, valid_form):
    app.config["RATELIMIT_ENABLED"] = False
    submit(client, valid_form)
    assert count(Ticket) == 1 and count(RateEvent) == 0
    app.config["RATELIMIT_ENABLED"] = True
    submit(client, valid_form, title="Phản ánh thứ hai về lịch kiểm định cân")
    assert count(Ticket) == 2
    assert db.session.execute(db.select(RateEvent.scope)).scalars().all() == ["submit"]


def test_another_process_sees_an_admin_change_on_its_next_request(app, other_app, make_user, valid_form):
    """Process B serves the form and submissions from its cache; process A's admin changes reach B on
    B's next request through the version row (REFERENCE_CHECK_SECONDS = 0 under testing)."""
    admin = make_user("admin")
    b = other_app.test_client()
    assert "Tiêu chuẩn, đo lường, chất lượng" in b.get("/submit").get_data(as_text=True)
    before = submit(b, valid_form)
    assert before.deadline_basis["answer"]["amount"] == 20

    # A category renamed, the answer rule lengthened, a day off announced on the old due date.
    category = db.session.execute(db.select(Category).where(Category.code == "TDC")).scalar_one()
    admin_service.update_category(
        admin,
        category,
        name="Tiêu chuẩn, đo lường, chất lượng sản phẩm hàng hóa",
        name_en=category.name_en,
        default_unit=category.default_unit,
        sort_order=category.sort_order,
        active=True,
        now=CHANGED_AT,
    )
    db.session.commit()
    html = b.get("/submit").get_data(as_text=True)
    assert "Tiêu chuẩn, đo lường, chất lượng sản phẩm hàng hóa" in html

    rule = db.session.execute(
        db.select(DeadlineRule).where(
            DeadlineRule.purpose == "answer",
            DeadlineRule.kind.is_(None),
            DeadlineRule.category_id.is_(None),
            DeadlineRule.regime.is_(None),
        )
    ).scalar_one()
    admin_service.update_rule(
        admin, rule, amount=30, day_unit=rule.day_unit, legal_basis=rule.legal_basis, active=True, now=CHANGED_AT
    )
    db.session.commit()
    longer = submit(b, valid_form)
    assert longer.deadline_basis["answer"]["amount"] == 30 and longer.due_date > before.due_date

    admin_service.add_override(
        admin, day=longer.due_date, day_type="day_off", note="Nghỉ bù theo thông báo", now=CHANGED_AT
    )
    db.session.commit()
    moved = submit(b, valid_form)
    assert moved.received_on == longer.received_on and moved.due_date > longer.due_date


def test_staleness_is_bounded_by_the_check_interval(app, other_app, make_user, valid_form):
    """With a long check interval the other process keeps its copy; the changing process sees it at once."""
    other_app.config["REFERENCE_CHECK_SECONDS"] = 3600
    app.config["REFERENCE_CHECK_SECONDS"] = 3600
    admin = make_user("admin")
    a, b = app.test_client(), other_app.test_client()
    assert "Lĩnh vực mới về đổi mới sáng tạo" not in b.get("/submit").get_data(as_text=True)
    a.get("/submit")  # A's cache is warm too
    admin_service.create_category(
        admin,
        code="DMST",
        name="Lĩnh vực mới về đổi mới sáng tạo",
        name_en=None,
        default_unit=None,
        sort_order=5,
        now=CHANGED_AT,
    )
    db.session.commit()
    assert "Lĩnh vực mới về đổi mới sáng tạo" in a.get("/submit").get_data(as_text=True)
    assert "Lĩnh vực mới về đổi mới sáng tạo" not in b.get("/submit").get_data(as_text=True)
    other_app.config["REFERENCE_CHECK_SECONDS"] = 0
    assert "Lĩnh vực mới về đổi mới sáng tạo" in b.get("/submit").get_data(as_text=True)


def test_a_rolled_back_change_never_reaches_the_cache(app, client, make_user, valid_form):
    admin = make_user("admin")
    category = db.session.execute(db.select(Category).where(Category.code == "TDC")).scalar_one()
    original = category.name
    admin_service.update_category(
        admin,
        category,
        name="Tên chưa lưu",
        name_en=None,
        default_unit=category.default_unit,
        sort_order=category.sort_order,
        active=True,
        now=CHANGED_AT,
    )
    from feedback.services import reference

    assert reference.category_by_code("TDC").name == "Tên chưa lưu"  # the changing transaction sees it
    db.session.rollback()
    assert reference.category_by_code("TDC").name == original
    assert "Tên chưa lưu" not in client.get("/submit").get_data(as_text=True)


def test_submission_kept_with_its_acknowledgment_when_mail_fails(app, client, valid_form):
    """SMTP is unreachable: the ticket and its acknowledgment are stored; the sender retries later."""
    from feedback.services import outbox
    from feedback.timeutil import utcnow
    from tests.support import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    from feedback.extensions import mail

    mail.init_app(app)
    ticket = submit(client, valid_form)
    report = outbox.send_pending(utcnow())
    assert not report.sent
    db.session.commit()  # a new snapshot: see what the request committed
    message = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).scalar_one()
    assert message.kind == "acknowledgment" and message.status == "pending" and message.sent_at is None
    assert ticket.code in message.body_text and ticket.due_date.strftime("%d/%m/%Y") in message.body_text
    assert count(Ticket) == 1


def test_one_insert_writes_the_ticket_its_event_and_its_acknowledgment(app, client, valid_form):
    """The web form's rows are written without the ORM: every column the ORM would fill is filled."""
    import re

    from sqlalchemy import event

    from feedback.models import TicketEvent

    app.config["RATELIMIT_ENABLED"] = False
    data = {**valid_form, "csrf_token": csrf_token(client, "/submit")}
    writes: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.post("/submit", data=data).status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", note)
    inserts = [w for w in writes if "INSERT" in w.upper()]
    # PostgreSQL: one statement draws the code and writes the ticket, its event and its acknowledgment.
    # SQLite: the counter, then one INSERT each.
    assert len(inserts) == (1 if engine.dialect.name == "postgresql" else 4)
    db.session.commit()
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert re.fullmatch(r"PAKN-\d{4}-\d{6}", ticket.code) and ticket.version == 1 and ticket.privacy_kept == []
    staff_search = db.session.execute(db.select(Ticket.staff_search)).scalar_one()
    assert ticket.code.lower() in staff_search and "nguyen" in staff_search
    (entry,) = db.session.execute(db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).scalars()
    assert entry.action == "submit" and entry.actor_label == "submitter" and entry.details["channel"] == "web"
    (mail,) = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).scalars()
    assert mail.subject.startswith(f"[{ticket.code}]") and ticket.tracking_token in mail.body_html
    assert mail.status == "pending" and mail.attempts == 0 and mail.recipients == ticket.email


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def post_with_files(client, form, files):
    import io

    data = {**form, "csrf_token": csrf_token(client, "/submit")}
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/submit", data=data, content_type="multipart/form-data")


def counter_value(year: int) -> int | None:
    from feedback.models import TrackingCounter

    db.session.commit()  # a new snapshot
    return db.session.execute(db.select(TrackingCounter.last).where(TrackingCounter.year == year)).scalar()


def this_year() -> int:
    from feedback.timeutil import to_local, utcnow

    return to_local(utcnow()).year


def test_a_web_submission_is_one_statement_outside_a_transaction(app, client, valid_form):
    """PostgreSQL, rate limits off: the submission is one statement, run without BEGIN and COMMIT (the
    connection is IDLE after it, not INTRANS); with limits on, the limit's lock needs a transaction."""
    from sqlalchemy import event

    if db.engine.dialect.name != "postgresql":
        pytest.skip("autocommit for the one statement is PostgreSQL's (SQLite takes its write lock)")
    seen: list[tuple[str, str]] = []

    def after(_conn, cursor, statement, *_args):
        seen.append((statement.split(None, 1)[0].upper(), cursor.connection.info.transaction_status.name))

    app.config["RATELIMIT_ENABLED"] = False
    token = csrf_token(client, "/submit")
    db.session.remove()
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        response = client.post("/submit", data={**valid_form, "csrf_token": token})
        assert response.status_code == 303
        # (The SELECTs are the reference data's version check: every request under testing.)
        assert [s for s in seen if s[0] != "SELECT"] == [("WITH", "IDLE")], seen
        assert {state for _, state in seen} == {"IDLE"}, seen
        seen.clear()
        app.config["RATELIMIT_ENABLED"] = True
        response = client.post("/submit", data={**valid_form, "csrf_token": token, "title": "Phản ánh thứ hai"})
        assert response.status_code == 303
        assert seen and {state for _, state in seen} == {"INTRANS"}, seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    assert count(Ticket) == 2
    # Both were committed: another connection sees both, with consecutive codes.
    codes = sorted(db.session.execute(db.select(Ticket.code)).scalars())
    assert [int(c.rsplit("-", 1)[1]) for c in codes] == [1, 2]


def test_a_statement_that_fails_leaves_no_ticket_no_number_and_no_file(app, client, valid_form):
    """The database refuses the acknowledgment's row (as it would a full disk): the visitor gets an
    error page, and nothing of the submission remains: no ticket, no event, no stored file, and the
    tracking number is not used up (the next submission takes it)."""
    from feedback.models import Attachment, TicketEvent

    app.config.update(RATELIMIT_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        create = [
            "CREATE FUNCTION test_refuse_mail() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$",
            "CREATE TRIGGER test_refuse_mail BEFORE INSERT ON outbox_messages "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_mail()",
        ]
        drop = ["DROP TRIGGER test_refuse_mail ON outbox_messages", "DROP FUNCTION test_refuse_mail()"]
    else:
        create = [
            "CREATE TRIGGER test_refuse_mail BEFORE INSERT ON outbox_messages "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        ]
        drop = ["DROP TRIGGER test_refuse_mail"]
    uploads = Path(app.config["UPLOAD_FOLDER"])
    files_before = set(uploads.iterdir()) if uploads.exists() else set()
    year = this_year()
    first = submit(client, valid_form)  # the year's first number
    for sql in create:
        db.session.execute(db.text(sql))
    db.session.commit()
    try:
        response = post_with_files(
            client, {**valid_form, "title": "Kiến nghị bị từ chối ghi"}, [("bien-ban-kiem-dinh.pdf", PDF)]
        )
        assert response.status_code == 500
    finally:
        for sql in drop:
            db.session.execute(db.text(sql))
        db.session.commit()
    assert count(Ticket) == 1 and count(TicketEvent) == 1 and count(Attachment) == 0
    assert counter_value(year) == 1
    assert set(uploads.iterdir()) == files_before  # the stored file was removed again
    second = submit(client, {**valid_form, "title": "Kiến nghị gửi lại sau sự cố"})
    assert int(first.code.rsplit("-", 1)[1]) + 1 == int(second.code.rsplit("-", 1)[1])


def test_files_are_written_by_the_same_statement_as_their_ticket(app, client, valid_form):
    from feedback.models import Attachment

    app.config["RATELIMIT_ENABLED"] = False
    response = post_with_files(
        client,
        valid_form,
        [("bien-ban-kiem-dinh.pdf", PDF), ("cong-van-de-nghi.pdf", PDF + b"%% 2\n")],
    )
    assert response.status_code == 303
    db.session.commit()
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    names = sorted(
        db.session.execute(db.select(Attachment.original_name).where(Attachment.ticket_id == ticket.id)).scalars()
    )
    assert names == ["bien-ban-kiem-dinh.pdf", "cong-van-de-nghi.pdf"]
    stored = db.session.execute(db.select(Attachment.stored_name, Attachment.size)).all()
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert sorted(size for _, size in stored) == sorted([len(PDF), len(PDF) + 5])
    assert all((folder / name).read_bytes()[:8] == PDF[:8] for name, _ in stored)


def test_a_code_outgrows_six_digits_without_losing_one(app, client, valid_form):
    """The 1,000,000th submission of a year: its code has seven digits, written the same way in the
    ticket, its search text and its acknowledgment, on both databases."""
    from feedback.models import TrackingCounter

    app.config["RATELIMIT_ENABLED"] = False
    year = this_year()
    db.session.add(TrackingCounter(year=year, last=999_998))
    db.session.commit()
    last_six = submit(client, valid_form)
    seven = submit(client, {**valid_form, "title": "Phản ánh thứ một triệu trong năm"})
    assert last_six.code == f"PAKN-{year}-999999"
    assert seven.code == f"PAKN-{year}-1000000"
    assert seven.staff_search.startswith(f"pakn-{year}-1000000 ") and "mot trieu" in seven.staff_search
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.ticket_id == seven.id)).scalar_one()
    assert mail.subject.startswith(f"[{seven.code}]") and f"{seven.code}\n" in mail.body_text
    assert not re.search(r"code[0-9a-f]{16}", mail.subject + mail.body_text + (mail.body_html or ""))
    signed = client.get(f"/track/{seven.tracking_token}").get_data(as_text=True)
    assert seven.code in signed
