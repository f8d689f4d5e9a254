"""Anonymisation reaches every copy: a scan of every column of every table, and the upload folder."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from feedback.extensions import db
from feedback.models import Ticket, Unit
from feedback.services import data_requests, outbox, privacy, workflow
from feedback.services.intake import Upload
from feedback.timeutil import utcnow
from tests.privacy.privacy_support import publish_prefilled

PDF_TEXT = "Hợp đồng của Đặng Thu Thảo, 0987 111 222"
PDF = ("%PDF-1.4\n% " + PDF_TEXT + "\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").encode()
PERSONAL = dict(
    name="Đặng Thu Thảo",
    email="thao.dang@thudat.vn",
    phone="0987 111 222",
    address="Số 9 ngõ 15 phố Hàng Bài, phường Tràng Tiền, Hà Nội",
    tax_code="0100109106",
    organization="Công ty TNHH Thu Đạt",
)


def originals() -> list[str]:
    values = [
        PERSONAL["name"],
        "Dang Thu Thao",
        PERSONAL["email"],
        "thao.dang",
        PERSONAL["phone"],
        "0987111222",
        "987111222",
        "Hàng Bài",
        PERSONAL["tax_code"],
        "Thu Đạt",
        "Thu Dat",
    ]
    return [v.lower() for v in values]


def scan_database() -> list[tuple[str, str, str]]:
    """(table, column, value) for every text-like value in every table that holds an original value."""
    found = []
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    if value is None or isinstance(value, (int, float, bool, datetime)):
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                    lowered = text.lower()
                    for needle in originals():
                        if needle in lowered:
                            found.append((table.name, column, needle))
    return found


def scan_files(folder: Path) -> list[str]:
    hits = []
    for path in folder.rglob("*") if folder.exists() else []:
        if path.is_file():
            data = path.read_bytes().decode("utf-8", "ignore").lower()
            hits += [f"{path.name}: {n}" for n in originals() if n in data]
    return hits


def build_history(app, client, make_ticket, make_user, smtp_server):
    """A ticket whose personal data is copied everywhere: texts, replies, notes, mail, audit, search."""
    coordinator = make_user("coordinator", "VP")
    head = make_user("unit_head", "CCTDC")
    officer = make_user("officer", "CCTDC")
    now = utcnow() - timedelta(days=400)
    content = (
        f"Tôi là {PERSONAL['name']} ({PERSONAL['email']}, {PERSONAL['phone']}), ở {PERSONAL['address']}. "
        "Đề nghị hướng dẫn thủ tục kiểm định cân."
    )
    ticket = make_ticket(
        now=now,
        title=f"Kiến nghị của {PERSONAL['name']}",
        content=content,
        uploads=[Upload("hop-dong-thao.pdf", "pdf", PDF)],
        **PERSONAL,
    )
    unit = db.session.execute(db.select(Unit).where(Unit.code == "CCTDC")).scalar_one()
    workflow.route(ticket, coordinator, unit, now)
    workflow.request_info(ticket, coordinator, f"Đề nghị chị {PERSONAL['name']} gửi thêm giấy tờ.", now)
    db.session.commit()
    workflow.provide_info(
        ticket,
        None,
        f"Tôi là Thảo, gọi {PERSONAL['phone']} hoặc {PERSONAL['email']}.",
        now,
        uploads=[Upload("bo-sung.pdf", "pdf", PDF)],
    )
    workflow.assign(ticket, head, officer, now)
    workflow.note(ticket, officer, f"Đã gọi chị Thảo số {PERSONAL['phone']}.", now)
    workflow.answer(ticket, officer, f"Kính gửi bà {PERSONAL['name']}: Sở hướng dẫn thủ tục kiểm định.", now)
    workflow.approve(ticket, head, now)
    db.session.commit()
    publish_prefilled(ticket, coordinator, now)
    data_requests.submit(ticket, "access", f"Gửi cho {PERSONAL['name']} bản sao", now)
    db.session.commit()
    outbox.send_pending(now + timedelta(minutes=5))
    db.session.commit()
    return ticket


def test_retention_anonymisation_leaves_no_original_value(app, client, make_ticket, make_user, smtp_server, runner):
    ticket = build_history(app, client, make_ticket, make_user, smtp_server)
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert scan_database() and scan_files(folder)  # the scan sees the data before
    result = runner.invoke(args=["privacy", "anonymise", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert scan_database() == []
    assert scan_files(folder) == []
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.published_at is not None and ticket.anonymised_at is not None  # the result stays public


def test_deletion_request_leaves_no_original_value_once_answered(
    app, client, make_ticket, make_user, smtp_server, runner
):
    ticket = build_history(app, client, make_ticket, make_user, smtp_server)
    coordinator = make_user("coordinator", "VP", email="vp2@test.sokhcn.vn")
    item = data_requests.submit(ticket, "delete", "Xin xóa dữ liệu", utcnow())
    db.session.commit()
    files = data_requests.complete(item, coordinator, "Sở đã xóa dữ liệu cá nhân của Quý vị.", utcnow())
    db.session.commit()
    privacy.remove_files(files)
    outbox.send_pending(utcnow() + timedelta(minutes=1))
    db.session.commit()
    assert smtp_server.messages[-1][0] == [PERSONAL["email"]]
    assert "Sở đã xóa dữ liệu cá nhân" in smtp_server.bodies()[-1]
    # The sent answer's copy is scrubbed by the next sweep.
    assert runner.invoke(args=["privacy", "anonymise", "--older-than", "100000"]).exit_code == 0
    db.session.rollback()
    assert scan_database() == []
    assert scan_files(Path(app.config["UPLOAD_FOLDER"])) == []
