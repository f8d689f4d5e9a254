"""`flask privacy anonymise`: submitter data of old closed tickets replaced, published results kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from feedback.extensions import db
from feedback.models import Attachment, AuditLog, OutboxMessage, Ticket
from feedback.services.privacy import MARKER
from feedback.services.reports import build_report, period_for
from feedback.timeutil import utcnow

NOW = datetime(2026, 11, 20, 3, 0)


def add_attachment(app, ticket_id: int, name: str, public: bool = False) -> Path:
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"%PDF-1.4 test")
    db.session.add(
        Attachment(
            ticket_id=ticket_id,
            original_name=f"Hồ sơ Nguyễn Văn An {name}",
            stored_name=name,
            file_type="pdf",
            size=13,
            sha256="0" * 64,
            public=public,
        )
    )
    db.session.commit()
    return path


def test_anonymise_old_closed_tickets(app, client, runner, put_ticket):
    old_closed = NOW - timedelta(days=400)
    published = put_ticket(
        received_on=date(2025, 9, 1),
        due_date=date(2025, 9, 22),
        state="answered",
        answered_on=date(2025, 9, 15),
        answered_at=old_closed,
        closed_at=old_closed,
        on_time=True,
        answer="Trả lời gửi ông Nguyễn Văn An.",
        content="Tôi là Nguyễn Văn An, điện thoại 0912 345 678, email an@example.com, đề nghị...",
        published_at=old_closed + timedelta(days=1),
        public_title="Thời gian kiểm định cân",
        public_summary="Doanh nghiệp phản ánh thời gian kiểm định.",
        public_answer="Sở đã rút ngắn thời gian kiểm định.",
    )
    refused = put_ticket(
        received_on=date(2025, 9, 2), state="refused", closed_at=old_closed, refuse_reason_code="out_of_scope"
    )
    recent = put_ticket(
        received_on=date(2026, 10, 1),
        state="answered",
        answered_on=date(2026, 10, 10),
        closed_at=NOW - timedelta(days=40),
        on_time=True,
    )
    open_old = put_ticket(received_on=date(2025, 9, 3), state="in_progress", due_date=date(2025, 9, 23))
    ids = {
        name: t.id
        for name, t in (("published", published), ("refused", refused), ("recent", recent), ("open", open_old))
    }
    private_file = add_attachment(app, ids["published"], "a" * 40 + ".pdf")
    public_file = add_attachment(app, ids["published"], "b" * 40 + ".pdf", public=True)
    recent_file = add_attachment(app, ids["recent"], "c" * 40 + ".pdf")
    db.session.add(
        OutboxMessage(
            kind="answer",
            recipients="an1@example.com",
            subject="Trả lời",
            body_text="Kính gửi ông Nguyễn Văn An",
            ticket_id=ids["published"],
            status="sent",
        )
    )
    db.session.commit()
    code = db.session.get(Ticket, ids["published"]).code
    year_before = build_report(period_for(2025), date(2026, 11, 20), now=utcnow())
    figures_before = (
        year_before.total.received,
        year_before.total.answered_on_time,
        year_before.total.refused,
        year_before.total.published,
        year_before.total.open_overdue,
    )

    dry = runner.invoke(
        args=["privacy", "anonymise", "--older-than", "365", "--dry-run", "--now", NOW.isoformat() + "+00:00"]
    )
    assert dry.exit_code == 0 and "2 tickets would be anonymised" in dry.output
    assert db.session.get(Ticket, ids["published"]).anonymised_at is None

    result = runner.invoke(args=["privacy", "anonymise", "--older-than", "365", "--now", NOW.isoformat() + "+00:00"])
    assert result.exit_code == 0, result.output
    assert "anonymised 2 tickets, removed 1 attachment files" in result.output
    db.session.expire_all()

    t = db.session.get(Ticket, ids["published"])
    assert (t.name, t.address, t.organization) == (MARKER, MARKER, MARKER)
    assert (t.email, t.phone, t.tax_code) == (None, None, None)
    assert t.anonymised_at == NOW
    assert "Nguyễn Văn An" not in t.content and "0912 345 678" not in t.content and "an@example.com" not in t.content
    # The published result and the facts the statistics use stay.
    assert (t.public_title, t.public_answer, t.state, t.on_time, t.answered_on) == (
        "Thời gian kiểm định cân",
        "Sở đã rút ngắn thời gian kiểm định.",
        "answered",
        True,
        date(2025, 9, 15),
    )
    assert t.published_at is not None
    assert not private_file.exists() and public_file.exists() and recent_file.exists()
    assert [a.stored_name for a in t.attachments] == ["b" * 40 + ".pdf"]
    message = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.ticket_id == t.id)).scalar_one()
    assert message.recipients == MARKER and "Nguyễn Văn An" not in message.body_text
    assert db.session.get(Ticket, ids["refused"]).name == MARKER
    for untouched in ("recent", "open"):
        other = db.session.get(Ticket, ids[untouched])
        assert other.anonymised_at is None and other.name == "Nguyễn Văn An" and other.email
    [audit] = db.session.execute(db.select(AuditLog).where(AuditLog.action == "anonymise")).scalars().all()
    assert audit.details["count"] == 2 and code in audit.details["codes"]

    year_after = build_report(period_for(2025), date(2026, 11, 20), now=utcnow())
    assert (
        year_after.total.received,
        year_after.total.answered_on_time,
        year_after.total.refused,
        year_after.total.published,
        year_after.total.open_overdue,
    ) == figures_before

    # The public result page still shows the published answer.
    page = client.get(f"/results/{code}")
    assert page.status_code == 200
    assert "Sở đã rút ngắn thời gian kiểm định." in page.get_data(as_text=True)

    again = runner.invoke(args=["privacy", "anonymise", "--older-than", "365", "--now", NOW.isoformat() + "+00:00"])
    assert again.exit_code == 0 and "anonymised 0 tickets" in again.output


def test_anonymise_needs_days(runner):
    result = runner.invoke(args=["privacy", "anonymise"])
    assert result.exit_code != 0 and "--older-than" in result.output
    result = runner.invoke(args=["privacy", "anonymise", "--older-than", "-1"])
    assert result.exit_code != 0
