"""Attachment type sniffing from content (feedback.domain.files)."""

import io
import random
import struct
import zipfile

import pytest

from feedback.domain.files import EXTENSIONS, HEAD_BYTES, MIMETYPES, sniff

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/>'
    "</Types>"
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def make_zip(entries: dict[str, bytes | str], *, stored_first: bool = False) -> bytes:
    """Return a zip archive holding the given entries, in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries.items()):
            compression = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compression)
    return buffer.getvalue()


def make_ooxml(part: str, content_type: str, extra: dict[str, bytes | str] | None = None) -> bytes:
    """Return a minimal OOXML package whose main part is ``part``."""
    return make_zip(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(part=part, content_type=content_type),
            "_rels/.rels": "<Relationships/>",
            part: "<document/>",
            **(extra or {}),
        }
    )


def make_odf(mimetype: str) -> bytes:
    """Return a minimal OpenDocument package with the given mimetype entry (stored first, as ODF wants)."""
    return make_zip(
        {"mimetype": mimetype, "content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<manifest/>"},
        stored_first=True,
    )


def ole_entry(name: str, object_type: int) -> bytes:
    """Return one 128-byte OLE directory entry."""
    encoded = (name + "\0").encode("utf-16-le")
    return encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), object_type, 1) + b"\0" * 60


def make_ole(*streams: str, sector_size: int = 512, data_sectors: int = 0) -> bytes:
    """Return a skeletal OLE compound file: header, some data sectors, then the directory."""
    shift = sector_size.bit_length() - 1
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHH", 0x3E, 3, shift)
    header = header.ljust(512, b"\0").ljust(sector_size, b"\0")
    data = b"\x42" * (sector_size * data_sectors)
    directory = ole_entry("Root Entry", 5) + b"".join(ole_entry(name, 2) for name in streams)
    directory = directory.ljust(-(-len(directory) // sector_size) * sector_size, b"\0")
    return header + data + directory


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF87 = b"GIF87a\x01\x00\x01\x00\x80\x00\x00"
GIF89 = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (b"\xff\xd8\xff\xe1\x00\x16Exif\x00\x00", "jpeg"),  # camera photo, EXIF first
        (GIF87, "gif"),
        (GIF89, "gif"),
        (WEBP, "webp"),
        (make_ooxml("word/document.xml", WORD_MAIN), "docx"),
        (make_ooxml("xl/workbook.xml", EXCEL_MAIN), "xlsx"),
        (make_ooxml("ppt/presentation.xml", POWERPOINT_MAIN), "pptx"),
        (make_odf("application/vnd.oasis.opendocument.text"), "odt"),
        (make_odf("application/vnd.oasis.opendocument.spreadsheet"), "ods"),
        (make_ole("WordDocument", "1Table", "\x05SummaryInformation"), "doc"),
        (make_ole("Workbook", "\x05DocumentSummaryInformation"), "xls"),
        (make_ole("Book"), "xls"),
        (make_ole("Current User", "PowerPoint Document"), "ppt"),
        (make_ole("WordDocument", sector_size=4096), "doc"),  # version 4 files, 4 KiB sectors
        (make_ole("WordDocument", data_sectors=40), "doc"),  # directory far from the header
        (make_ole("WordDocument", "ObjectPool", "Workbook"), "doc"),  # an embedded sheet
    ],
)
def test_allowed_types(data: bytes, expected: str) -> None:
    assert sniff(data[:HEAD_BYTES], data) == expected
    assert expected in EXTENSIONS
    assert expected in MIMETYPES


def test_real_xlsx_from_openpyxl() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Báo cáo phản ánh, kiến nghị"
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert sniff(data[:HEAD_BYTES], data) == "xlsx"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 56
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 48 + b"This program cannot be run"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PD",
        MZ,
        MZ + PDF,  # an executable that carries a PDF inside
        ELF,
        b"#!/bin/sh\nrm -rf /\n",
        b"<?php system($_GET['c']); ?>",
        b"<html><body>%PDF-1.4 looks like a pdf</body></html>",
        b"<!DOCTYPE html><html><head><title>hoso.pdf</title></head></html>",
        b" %PDF-1.4\n",  # the signature must start the file
        b"\xef\xbb\xbf%PDF-1.4\n",  # nor follow a byte-order mark
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"Ho ten: Nguyen Van An\nDien thoai: 0912345678\n",
        "Phản ánh về thủ tục".encode(),
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF but audio
        b"BM\x36\x00\x00\x00",  # BMP: not on the list
        b"\x1f\x8b\x08\x00",  # gzip
        b"Rar!\x1a\x07\x00",
        b"7z\xbc\xaf\x27\x1c",
        b"PK\x05\x06" + b"\0" * 18,  # an empty zip
        make_zip({"readme.txt": "xin chào", "setup.exe": b"MZ"}),
        make_zip({"word/document.xml": "<document/>"}),  # Office folders but no [Content_Types].xml
        make_ooxml("word/document.xml", "application/xml"),  # content types without a main part
        make_ooxml("docProps/app.xml", WORD_MAIN),  # main content type but no word/ folder
        make_ooxml("word/document.xml", WORD_MACRO_MAIN),  # a .docm
        make_ooxml("word/document.xml", WORD_MAIN, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        make_odf("application/vnd.oasis.opendocument.presentation"),  # odp: not on the list
        make_odf("application/epub+zip"),  # an e-book uses the same layout
        make_ole("SummaryInformation", "Property", "_StringData"),  # an OLE file but not Office (MSI-like)
        make_ole(),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # an OLE signature and nothing else
    ],
)
def test_refused(data: bytes) -> None:
    assert sniff(data[:HEAD_BYTES], data) is None


def test_a_directory_entry_must_be_a_stream() -> None:
    """A storage (type 1) named like a Word stream does not make a Word file."""
    data = make_ole() + ole_entry("WordDocument", 1).ljust(512, b"\0")
    assert sniff(data, data) is None


def test_truncated_zip_is_refused() -> None:
    docx = make_ooxml("word/document.xml", WORD_MAIN, {"word/media/image1.png": PNG * 2000})
    assert sniff(docx, docx) == "docx"
    truncated = docx[: len(docx) // 2]
    assert sniff(truncated, truncated) is None


def test_head_alone_is_the_whole_for_small_containers() -> None:
    docx = make_ooxml("word/document.xml", WORD_MAIN)
    assert sniff(docx) == "docx"
    doc = make_ole("WordDocument")
    assert sniff(doc) == "doc"


def test_ole_beyond_the_head_is_reported_as_ole_without_the_whole() -> None:
    doc = make_ole("WordDocument", data_sectors=40)
    head = doc[:HEAD_BYTES]
    assert sniff(head) == "ole"
    assert sniff(head, doc) == "doc"
    assert MIMETYPES["ole"] == "application/x-ole-storage"


def test_docx_head_only_is_refused_when_the_central_directory_is_missing() -> None:
    # Incompressible, so the archive (and its central directory at the end) outgrows the head.
    photo = random.Random(2026).randbytes(3 * HEAD_BYTES)
    docx = make_ooxml("word/document.xml", WORD_MAIN, {"word/media/image1.png": photo})
    assert len(docx) > HEAD_BYTES
    assert sniff(docx[:HEAD_BYTES]) is None
    assert sniff(docx[:HEAD_BYTES], docx) == "docx"


def test_maps_cover_the_same_types() -> None:
    assert set(EXTENSIONS) == set(MIMETYPES)
    assert all(extension.startswith(".") for extension in EXTENSIONS.values())
    assert EXTENSIONS["jpeg"] == ".jpg"
    assert MIMETYPES["pdf"] == "application/pdf"
