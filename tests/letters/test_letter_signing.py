"""Signing both ways: on approval with the department's certificate, or elsewhere and uploaded; the
signed letter mailed to a real SMTP server and downloadable by the submitter and by staff in scope."""

from __future__ import annotations

import io

import pytest

from feedback.extensions import db
from feedback.models import OutboxMessage, OutgoingDocument
from feedback.services import ServiceError, letters, workflow
from feedback.services.outbox import send_pending
from tests.letters.letter_helpers import LETTER_FORM, external_sign, local, pdf_text


def validate(data: bytes, ca_pem) -> list:
    """pyHanko's verdict on every signature of `data` against the test CA."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca_pem))])
    from feedback.services.documents import run_sync

    return [run_sync(validate_pdf_signature, sig, context) for sig in reader.embedded_signatures]


def current(ticket) -> OutgoingDocument:
    db.session.expire_all()
    return letters.current_letter(ticket)


def test_with_a_certificate_the_letter_is_signed_on_approval_and_mailed(
    app, team, to_approval, signing, smtp_server, client
):
    ticket = to_approval()
    outcome = workflow.approve(ticket, team["director"], local(2026, 4, 9, 15))
    db.session.commit()
    doc = current(ticket)
    assert doc.status == "signed" and doc.signed_how == "server" and "ký số" in outcome.message
    assert doc.signed_pdf.startswith(doc.pdf)  # an incremental signature over the issued record
    [status] = validate(doc.signed_pdf, signing.ca_pem)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH TÂY NINH"
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(doc.signed_pdf)).embedded_signatures[0].sig_object
    assert str(sig["/Name"]) == "Phạm Văn Giám" and "01/SKHCN-CCTDC" in str(sig["/Reason"])

    report = send_pending(local(2026, 4, 9, 15, 1))
    assert report.sent and not report.failed
    [(rcpt, message)] = [(r, m) for r, m in smtp_server.messages if "Trả lời" in m["Subject"]]
    assert rcpt == ["an.nguyen@example.com"]
    assert "bố trí lịch kiểm định" in message.get_body(("plain",)).get_content()
    assert "01/SKHCN-CCTDC" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "cong-van-01-SKHCN-CCTDC-2026.pdf"
    received = attachment.get_content()
    assert received == doc.signed_pdf
    assert all(s.bottom_line for s in validate(received, signing.ca_pem))

    # The submitter downloads it from the secret tracking link; the tracking page links it.
    page = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert f"/track/{ticket.tracking_token}/letter.pdf" in page
    response = client.get(f"/track/{ticket.tracking_token}/letter.pdf")
    assert response.status_code == 200 and response.data == doc.signed_pdf
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_without_a_certificate_the_office_uploads_the_signed_letter(
    app, team, to_approval, trust, staff_client, client
):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9, 15))
    db.session.commit()
    doc = current(ticket)
    assert doc.status == "awaiting_signature"
    assert db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "answer")).first() is None
    # The submitter sees the answer, and that the letter waits for its signature; no download yet.
    page = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert 'id="letter-pending"' in page
    assert client.get(f"/track/{ticket.tracking_token}/letter.pdf").status_code == 404

    office = staff_client(team["coordinator"])
    downloaded = office.get(f"/staff/tickets/{ticket.code}/letter.pdf").data
    assert downloaded == doc.pdf
    signed = external_sign(downloaded, trust.office_p12)
    response = office.post(
        f"/staff/tickets/{ticket.code}/signed-letter",
        data={"csrf_token": office.token, "file": (io.BytesIO(signed), "da-ky.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True).split("action-error")[-1][:400]
    doc = current(ticket)
    assert doc.status == "signed" and doc.signed_how == "upload" and "Phạm Giám Đốc" in doc.signed_by
    assert doc.signed_at is not None and doc.signed_sha256
    mail = db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "answer")).scalar_one()
    assert mail.attachments == [
        {"document_id": doc.id, "variant": "signed", "filename": "cong-van-01-SKHCN-CCTDC-2026.pdf"}
    ]
    assert client.get(f"/track/{ticket.tracking_token}/letter.pdf").data == signed
    # Uploading again is refused: the letter no longer waits for a signature.
    again = office.post(
        f"/staff/tickets/{ticket.code}/signed-letter",
        data={"csrf_token": office.token, "file": (io.BytesIO(signed), "da-ky.pdf")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 409


def _forgeries(doc_pdf: bytes, other_pdf: bytes, pki) -> dict[str, bytes]:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = external_sign(doc_pdf, pki.office_p12)
    # A byte of the signed letter changed (inside the signed range): the digest no longer matches.
    marker = signed.index(b"/Producer") if b"/Producer" in signed else len(doc_pdf) // 2
    flipped = bytearray(signed)
    flipped[marker + 2] ^= 0x01

    def replace_page(data: bytes) -> bytes:  # a page's text replaced, as an incremental update
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (So 99 gia mao) Tj ET")
        page["/Contents"] = writer.add_object(stream)
        writer.update_container(page)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    return {
        "changed before signing": external_sign(replace_page(doc_pdf), pki.office_p12),
        "unsigned": doc_pdf,
        "another document": external_sign(other_pdf, pki.office_p12),
        "tampered bytes": bytes(flipped),
        "changed after signing": replace_page(signed),
        "untrusted CA": external_sign(doc_pdf, pki.foreign_p12),
        "expired certificate": external_sign(doc_pdf, pki.expired_p12),
        "not a PDF": b"PK\x03\x04 not a pdf",
        "empty": b"",
    }


@pytest.mark.parametrize(
    "case",
    [
        "unsigned",
        "another document",
        "changed before signing",
        "tampered bytes",
        "changed after signing",
        "untrusted CA",
        "expired certificate",
        "not a PDF",
        "empty",
    ],
)
def test_a_forged_or_foreign_upload_is_refused_and_changes_nothing(app, team, to_approval, trust, staff_client, case):
    first = to_approval()
    workflow.approve(first, team["head"], local(2026, 4, 9, 15))
    other = to_approval(title="Đề nghị hướng dẫn thủ tục công bố hợp chuẩn")
    workflow.approve(other, team["head"], local(2026, 4, 9, 16))
    db.session.commit()
    doc, other_doc = current(first), letters.current_letter(other)
    upload = _forgeries(doc.pdf, other_doc.pdf, trust)[case]
    office = staff_client(team["coordinator"])
    response = office.post(
        f"/staff/tickets/{first.code}/signed-letter",
        data={"csrf_token": office.token, "file": (io.BytesIO(upload), "da-ky.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="signed-letter-file-error"' in html
    doc = current(first)
    assert doc.status == "awaiting_signature" and doc.signed_pdf is None
    assert db.session.execute(db.select(OutboxMessage).where(OutboxMessage.kind == "answer")).first() is None


def test_the_verifier_names_the_reason_in_vietnamese(app, team, to_approval, trust):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9, 15))
    db.session.commit()
    doc = current(ticket)
    from feedback.services import documents

    reasons = {}
    for case, data in _forgeries(doc.pdf, doc.pdf, trust).items():
        if case in ("another document", "empty"):
            continue
        with pytest.raises(ServiceError) as exc:
            documents.verify_signed(data, doc.pdf)
        reasons[case] = exc.value.message
    assert "chưa được ký" in reasons["unsigned"]
    assert "toàn vẹn" in reasons["tampered bytes"] or "không phải văn bản" in reasons["tampered bytes"]
    assert "thay đổi" in reasons["changed after signing"] and "trước khi ký" in reasons["changed before signing"]
    assert "tin cậy" in reasons["untrusted CA"] and "tin cậy" in reasons["expired certificate"]
    assert "không phải tệp PDF" in reasons["not a PDF"]


def test_staff_downloads_are_scope_checked(app, team, to_approval, staff_client, make_user):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9, 15))
    db.session.commit()
    assert staff_client(team["head"]).get(f"/staff/tickets/{ticket.code}/letter.pdf").status_code == 200
    assert staff_client(team["other_head"]).get(f"/staff/tickets/{ticket.code}/letter.pdf").status_code == 404
    officer = staff_client(team["officer"])
    response = officer.post(
        f"/staff/tickets/{ticket.code}/signed-letter",
        data={"csrf_token": officer.token, "file": (io.BytesIO(b"%PDF-"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_the_letter_text_reads_back_from_the_signed_file(app, team, to_approval, signing):
    ticket = to_approval()
    workflow.approve(ticket, team["director"], local(2026, 4, 9, 15))
    db.session.commit()
    text = " ".join(pdf_text(current(ticket).signed_pdf).split())
    assert "Số: 01/SKHCN-CCTDC" in text and LETTER_FORM["subject"] in text and "Phạm Văn Giám" in text
