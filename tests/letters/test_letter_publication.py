"""The public copy of the letter (personal data masked), the receipt slip, the register and its export."""

from __future__ import annotations

import io
from datetime import date

from feedback.extensions import db
from feedback.models import OutgoingDocument
from feedback.services import letters, publication, workflow
from feedback.timeutil import local_today
from tests.letters.letter_helpers import LETTER_FORM, external_sign, local, pdf_text


def publish(ticket, team, now):
    texts = publication.prefill(ticket)
    publication.publish(
        ticket, team["coordinator"], texts.title, texts.summary or "Nội dung đã che thông tin.", texts.answer, now
    )
    db.session.commit()


def test_the_published_result_links_a_public_copy_without_personal_data(app, team, to_approval, signing, client):
    body = (
        "Ông Nguyễn Văn An (điện thoại 0912 345 678) đại diện Công ty TNHH Cơ khí Chính xác Long An "
        "phản ánh thời gian kiểm định cân thương mại kéo dài.\n"
        "Chi cục Tiêu chuẩn Đo lường Chất lượng đã bố trí lịch kiểm định vào ngày 15/04/2026."
    )
    ticket = to_approval(consent_publish=False)
    workflow.approve(
        ticket, team["director"], local(2026, 4, 9, 15), letter=dict(LETTER_FORM, answer=body, signer="pgd@test.vn")
    )
    db.session.commit()
    assert client.get(f"/results/{ticket.code}/letter.pdf").status_code == 404  # not published yet
    publish(ticket, team, local(2026, 4, 10))

    page = client.get(f"/results/{ticket.code}").get_data(as_text=True)
    assert f'href="/results/{ticket.code}/letter.pdf"' in page
    response = client.get(f"/results/{ticket.code}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    assert "Số: 01/SKHCN-CCTDC" in text and "Tây Ninh, ngày 09 tháng 4 năm 2026" in text
    assert "bố trí lịch kiểm định vào ngày 15/04/2026" in text and "Bản công khai" in text
    for secret in ("Nguyễn Văn An", "0912 345 678", "0912345678", "Cơ khí Chính xác Long An", "an.nguyen@example.com"):
        assert secret not in text, secret
    assert b"/Sig" not in response.data  # the public copy is not the signed original
    doc = letters.current_letter(ticket)
    assert response.data != doc.signed_pdf

    feed = client.get("/results/feed.atom").get_data(as_text=True)
    assert f'href="http://localhost/results/{ticket.code}/letter.pdf"' in feed and 'rel="enclosure"' in feed
    data = client.get(f"/open311/v2/requests/{ticket.code}.json").get_json()
    assert data[0]["media_url"] == f"http://localhost/results/{ticket.code}/letter.pdf"


def test_unpublished_results_and_unsigned_letters_have_no_public_copy(app, team, to_approval, trust, client):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9, 15))
    db.session.commit()
    publish(ticket, team, local(2026, 4, 10))  # published while the letter still waits for its signature
    assert client.get(f"/results/{ticket.code}/letter.pdf").status_code == 404
    data = client.get(f"/open311/v2/requests/{ticket.code}.json").get_json()
    assert data[0]["media_url"] is None
    publication.unpublish(ticket, team["coordinator"], "Gỡ để chỉnh sửa nội dung.", local(2026, 4, 11))
    db.session.commit()
    assert client.get(f"/results/{ticket.code}/letter.pdf").status_code == 404


def test_the_receipt_slip_is_downloadable_from_confirmation_and_tracking(app, client, make_ticket):
    from feedback.services.intake import Upload

    ticket = make_ticket(
        now=local(2026, 12, 3, 9, 15), uploads=[Upload("bien-ban-kiem-dinh.pdf", "pdf", b"%PDF-1.4\n%test\n")]
    )
    confirmation = client.get(f"/submit/done/{ticket.tracking_token}").get_data(as_text=True)
    assert f"/submit/done/{ticket.tracking_token}/receipt.pdf" in confirmation
    tracking = client.get(f"/track/{ticket.tracking_token}").get_data(as_text=True)
    assert f"/track/{ticket.tracking_token}/receipt.pdf" in tracking
    for url in (f"/submit/done/{ticket.tracking_token}/receipt.pdf", f"/track/{ticket.tracking_token}/receipt.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    for expected in (
        "PHIẾU TIẾP NHẬN",
        ticket.code,
        "09 giờ 15 ngày 03/12/2026",
        "Khiếu nại" if False else "Phản ánh",
        "Tiêu chuẩn, đo lường, chất lượng",
        "Thời gian kiểm định cân thương mại kéo dài",
        "bien-ban-kiem-dinh.pdf",
        f"Thời hạn giải quyết: {ticket.due_date:%d/%m/%Y}",
        "20 ngày",
        "http://localhost/track",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ):
        assert expected in text, expected
    assert client.get("/track/not-a-token/receipt.pdf").status_code == 404


def test_the_register_lists_filters_and_exports_with_print_setup(app, team, to_approval, trust, staff_client):
    first = to_approval()
    workflow.approve(first, team["head"], local(2026, 4, 9, 15))
    second = to_approval(category="SHTT")  # another unit's category, re-routed below to QLCN
    db.session.commit()
    db.session.commit()
    doc = letters.current_letter(first)
    office = staff_client(team["coordinator"])
    page = office.get("/staff/register?year=2026").get_data(as_text=True)
    assert "01/SKHCN-CCTDC" in page and first.code in page and LETTER_FORM["subject"] in page
    assert "Phạm Văn Giám" in page or "Đặng Minh Trưởng" in page
    assert office.get("/staff/register?year=2025").get_data(as_text=True).count("SKHCN-") == 0
    assert "01/SKHCN-CCTDC" not in office.get("/staff/register?year=2026&unit=QLCN").get_data(as_text=True)

    # Cancelling keeps the number with its reason; the letter is issued again under the next number.
    response = office.post(
        f"/staff/register/{doc.id}/cancel", data={"csrf_token": office.token, "reason": "Sai tên đơn vị nhận"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    rows = db.session.execute(db.select(OutgoingDocument).order_by(OutgoingDocument.number)).scalars().all()
    # The register is numbered per year of issue: the letter issued again today takes the next number of
    # today's year (02 in 2026, after the cancelled 01; 01 of a later year).
    issued = local_today().year
    again = 2 if issued == 2026 else 1
    rows.sort(key=lambda r: r.status != "cancelled")
    assert [(r.number, r.status) for r in rows] == [(1, "cancelled"), (again, "awaiting_signature")]
    assert rows[0].cancel_reason == "Sai tên đơn vị nhận" and letters.current_letter(first).number == again
    refused = office.post(
        f"/staff/register/{rows[0].id}/cancel", data={"csrf_token": office.token, "reason": "Hủy lại lần nữa"}
    )
    assert refused.status_code == 409

    response = office.get("/staff/register/export.xlsx?year=2026")
    assert response.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1][0] == "01/SKHCN-CCTDC" and values[1][1].date() == date(2026, 4, 9)
    assert values[1][8] == "Đã hủy" and values[1][9] == "Sai tên đơn vị nhận"
    if issued == 2026:
        assert values[2][0] == "02/SKHCN-CCTDC" and values[2][8] == "Chờ ký số"
    else:  # the new issue is in its own year's register
        current = load_workbook(io.BytesIO(office.get(f"/staff/register/export.xlsx?year={issued}").data)).active
        row = [c.value for c in next(current.iter_rows(min_row=2, max_row=2))]
        assert row[0] == "01/SKHCN-CCTDC" and row[8] == "Chờ ký số" and len(values) == 2
    assert int(ws.page_setup.paperSize) == 9 and int(ws.page_setup.fitToWidth) == 1  # 9: A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True and ws.print_title_rows == "$1:$1"
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in ws.oddHeader.left.text and "2026" in ws.oddHeader.right.text

    # Unit heads see their own unit's documents only; officers not at all.
    mine = staff_client(team["head"]).get(f"/staff/register?year={issued}").get_data(as_text=True)
    assert f"{again:02d}/SKHCN-CCTDC" in mine
    other = staff_client(team["other_head"]).get(f"/staff/register?year={issued}").get_data(as_text=True)
    assert "SKHCN-CCTDC" not in other
    assert staff_client(team["officer"]).get("/staff/register").status_code == 403
    assert staff_client(team["other_head"]).get(f"/staff/register/{rows[1].id}.pdf").status_code == 404
    assert second.code  # the second ticket's letter is not issued: it is still pending approval


def test_an_uploaded_signature_for_a_cancelled_number_is_refused(app, team, to_approval, trust, staff_client):
    ticket = to_approval()
    workflow.approve(ticket, team["head"], local(2026, 4, 9, 15))
    db.session.commit()
    old = letters.current_letter(ticket)
    old_pdf = old.pdf
    letters.cancel(old, team["coordinator"], "Ghi sai trích yếu", local(2026, 4, 9, 16))
    db.session.commit()
    office = staff_client(team["coordinator"])
    response = office.post(
        f"/staff/tickets/{ticket.code}/signed-letter",
        data={"csrf_token": office.token, "file": (io.BytesIO(external_sign(old_pdf, trust.office_p12)), "cu.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # signed, trusted, but the cancelled number's document
    assert letters.current_letter(ticket).status == "awaiting_signature"


def test_the_public_letter_names_no_third_party_of_the_independent_corpus(app, team, to_approval, signing, client):
    """An answer letter that repeats complaints naming other people, their addresses and disguised
    contacts (sentences of tests/privacy/data/heldout2_complaints.txt): the public PDF, as pdftotext
    reads it, holds none of them, while the letter's public text is still there."""
    import importlib.util
    import re
    from pathlib import Path

    from feedback.domain.redaction import strip_accents

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("redaction_quality", root / "bench" / "redaction_quality.py")
    quality = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quality)
    rows = [
        r
        for r in quality.load(root / "tests" / "privacy" / "data" / "heldout2_complaints.txt")
        if r["spans"] and {s["kind"] for s in r["spans"]} & {"address", "email", "phone", "id"}
    ][:12]
    needles = set()
    for row in rows:
        for span in row["spans"]:
            value = row["text"][span["start"] : span["end"]]
            if len(value) >= 5:
                needles.add(value)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 8:
                needles.add(digits)
    assert len(needles) >= 20
    body = (
        "Sở Khoa học và Công nghệ đã nhận được các nội dung sau:\n"
        + "\n".join(r["text"] for r in rows)
        + "\nChi cục Tiêu chuẩn Đo lường Chất lượng đã bố trí lịch kiểm định vào ngày 15/04/2026."
    )
    ticket = to_approval(consent_publish=False)
    workflow.approve(
        ticket, team["director"], local(2026, 4, 9, 15), letter=dict(LETTER_FORM, answer=body, signer="pgd@test.vn")
    )
    db.session.commit()
    publish(ticket, team, local(2026, 4, 10))
    response = client.get(f"/results/{ticket.code}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    assert "bố trí lịch kiểm định vào ngày 15/04/2026" in text and "Bản công khai" in text
    # The signed original (not public) does hold them: the check below can find a leak.
    original = " ".join(pdf_text(letters.current_letter(ticket).signed_pdf).split())
    assert sum(n in original for n in needles) >= len(needles) // 2
    squeezed, folded = re.sub(r"\D", "", text), strip_accents(text).lower()
    leaks = [
        n for n in sorted(needles) if n in text or strip_accents(n).lower() in folded or (n.isdigit() and n in squeezed)
    ]
    assert not leaks, leaks
