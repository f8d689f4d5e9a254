"""The answer letter issued on approval: number, date, layout of Nghị định 30/2020, the record kept."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

import pytest

from feedback.domain.states import State
from feedback.extensions import db
from feedback.models import OutboxMessage, OutgoingDocument, TicketEvent
from feedback.services import ServiceError, letters, workflow
from tests.letters.letter_helpers import LETTER_FORM, local, pdf_text


def issued(ticket) -> OutgoingDocument:
    db.session.expire_all()
    doc = letters.current_letter(ticket)
    assert doc is not None
    return doc


def test_approval_issues_a_numbered_letter_in_the_prescribed_form(app, team, to_approval):
    ticket = to_approval(received=local(2026, 4, 6))
    # The director edits the draft while approving (Thursday 09/04/2026).
    edited = dict(
        LETTER_FORM,
        signer="pgd@test.vn",
        answer=LETTER_FORM["answer"] + "\nKết luận: Công ty thực hiện kiểm định theo lịch đã bố trí.",
    )
    outcome = workflow.approve(ticket, team["director"], local(2026, 4, 9, 15), letter=edited)
    db.session.commit()
    assert ticket.state == State.ANSWERED and ticket.on_time is True
    doc = issued(ticket)
    assert (doc.number, doc.symbol, doc.year, doc.issued_on) == (1, "SKHCN-CCTDC", 2026, date(2026, 4, 9))
    assert "01/SKHCN-CCTDC" in outcome.message and doc.status == "awaiting_signature"
    assert doc.pdf_sha256 == hashlib.sha256(doc.pdf).hexdigest() and doc.pdf_size == len(doc.pdf)

    text = pdf_text(doc.pdf)
    import os

    if os.environ.get("LETTER_SAMPLE"):  # keep a sample to look at (pdftoppm -png)
        Path(os.environ["LETTER_SAMPLE"]).write_bytes(doc.pdf)
    flat = " ".join(text.split())
    for expected in (
        "UBND TỈNH TÂY NINH",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 01/SKHCN-CCTDC",
        "Tây Ninh, ngày 09 tháng 4 năm 2026",
        "V/v trả lời kiến nghị về thời gian kiểm định cân thương mại",
        "Kính gửi: Công ty TNHH Cơ khí Chính xác Long An",
        "bố trí lịch kiểm định vào ngày 15/04/2026",
        "Thông tư số 23/2013/TT-BKHCN",
        "Kết luận: Công ty thực hiện kiểm định theo lịch đã bố trí./.",
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT, CCTĐC.",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Phạm Văn Giám",
    ):
        assert expected in flat, expected
    # The issuing body sits beside the national title on the first line; nơi nhận beside the signer.
    first = next(line for line in text.splitlines() if line.strip())
    assert "UBND TỈNH TÂY NINH" in first and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert any("Nơi nhận:" in line and "KT. GIÁM ĐỐC" in line for line in text.splitlines())

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(doc.pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                if "/DescendantFonts" in font
                else font["/FontDescriptor"].get_object()
            )
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]  # embedded
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts and all("Liberation-Serif" in f or "LiberationSerif" in f for f in fonts), fonts

    # Every version of the draft is on the internal timeline: the officer's, then the director's edit.
    events = (
        db.session.execute(db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))
        .scalars()
        .all()
    )
    versions = [e for e in events if e.action in ("answer", "edit_draft")]
    assert [e.action for e in versions] == ["answer", "edit_draft"]
    assert all(not e.public for e in versions)
    assert versions[0].details["letter"]["signer"] == "pgd@test.vn"
    assert (
        "Kết luận" in versions[1].details["letter"]["body"] and "Kết luận" not in versions[0].details["letter"]["body"]
    )
    assert any(e.action == "letter_issued" and e.details["number"] == "01/SKHCN-CCTDC" for e in events)
    # Without a certificate nothing is mailed yet: the letter waits for its signature.
    assert db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "answer")).first() is None


def test_numbers_follow_the_register_and_restart_each_year(app, team, to_approval):
    numbers = []
    for received, approved in (
        (local(2026, 11, 2), local(2026, 11, 9)),
        (local(2026, 11, 3), local(2026, 11, 10)),
        (local(2026, 12, 21), local(2027, 1, 5)),
    ):
        ticket = to_approval(received=received)
        workflow.approve(ticket, team["head"], approved)
        db.session.commit()
        doc = issued(ticket)
        numbers.append((doc.year, doc.number, letters.display_number(doc)))
    assert numbers == [(2026, 1, "01/SKHCN-CCTDC"), (2026, 2, "02/SKHCN-CCTDC"), (2027, 1, "01/SKHCN-CCTDC")]


def test_the_issued_record_is_never_regenerated(app, team, to_approval, staff_client):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9))
    db.session.commit()
    doc = issued(ticket)
    stored, digest = doc.pdf, doc.pdf_sha256
    # The settings change (a new province name); the letter already issued stays what it was.
    app.config["DOCUMENT_PROVINCE"] = "UBND TỈNH KHÁC"
    client = staff_client(team["coordinator"])
    response = client.get(f"/staff/tickets/{ticket.code}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == stored and hashlib.sha256(response.data).hexdigest() == digest


def test_a_signer_outside_the_approvers_is_refused(app, team, to_approval):
    ticket = to_approval()
    before = ticket.version
    with pytest.raises(ServiceError) as exc:
        workflow.approve(
            ticket, team["director"], local(2026, 4, 9), letter=dict(LETTER_FORM, signer="truong.qlcn@test.vn")
        )  # another unit's head
    db.session.rollback()
    assert exc.value.field == "signer"
    db.session.expire_all()
    assert ticket.state == State.PENDING_APPROVAL and ticket.version == before
    assert db.session.execute(db.select(OutgoingDocument)).first() is None
