"""Content sniffing for uploaded attachments: the type comes from the bytes, never the name (DESIGN §3).

Pure: no Flask, no database, no clock.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile

__all__ = ["EXTENSIONS", "HEAD_BYTES", "MIMETYPES", "download_name", "sniff"]

# How many leading bytes callers should pass as ``head``: enough for every signature below, and
# for the directory of a small OLE file when ``whole`` is not given.
HEAD_BYTES = 8192

EXTENSIONS: dict[str, str] = {
    "pdf": ".pdf",
    "png": ".png",
    "jpeg": ".jpg",
    "gif": ".gif",
    "webp": ".webp",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "pptx": ".pptx",
    "doc": ".doc",
    "xls": ".xls",
    "ppt": ".ppt",
    # An OLE compound file whose kind could not be told from the bytes given (see ``sniff``).
    "ole": ".bin",
    "odt": ".odt",
    "ods": ".ods",
}

MIMETYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "ole": "application/x-ole-storage",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_GIFS = (b"GIF87a", b"GIF89a")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Main-part content types in [Content_Types].xml, and the folder that part lives in. Macro-enabled
# variants (docm, xlsm, pptm) have other content types and so are refused, as are templates.
_OOXML: tuple[tuple[bytes, str, str], ...] = (
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/", "docx"),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/", "xlsx"),
    (b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/", "pptx"),
)
_ODF: dict[bytes, str] = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# Small parts only are read out of an archive: a zip bomb must not be inflated to decide its type.
_PART_LIMIT = 256 * 1024

# OLE directory entries: 128 bytes each, the name in UTF-16LE with its terminating NUL, the name's
# byte length at offset 64 and the object type at 66 (2 = stream). The stream that holds the
# document tells the application.
_OLE_STREAMS: dict[bytes, str] = {
    "WordDocument".encode("utf-16-le"): "doc",
    "Workbook".encode("utf-16-le"): "xls",
    "Book".encode("utf-16-le"): "xls",  # Excel 5/95
    "PowerPoint Document".encode("utf-16-le"): "ppt",
}
_OLE_ENTRY = 128
_OLE_STREAM = 2


def _sniff_zip(data: bytes) -> str | None:
    """Return "docx", "xlsx", "pptx", "odt" or "ods" for an Office zip, None for any other zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # VBA can ride along in any OOXML package; a public desk does not need macros.
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    return _ODF.get(part.read(_PART_LIMIT).strip())
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as part:
                    content_types = part.read(_PART_LIMIT)
                for content_type, folder, kind in _OOXML:
                    if content_type in content_types and any(name.startswith(folder) for name in names):
                        return kind
    # A truncated, encrypted or otherwise unreadable archive is not a document we can accept.
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        struct.error,
    ):
        return None
    return None


def _sniff_ole(data: bytes) -> str | None:
    """Return "doc", "xls" or "ppt" after the first Office stream in an OLE directory, else None."""
    # Directory sectors start at multiples of the sector size (512 or 4096) after the 512-byte
    # header, so every entry sits at a multiple of 128 from offset 512: scanning those offsets
    # finds the entries without walking the sector allocation table.
    for offset in range(512, len(data) - _OLE_ENTRY + 1, _OLE_ENTRY):
        entry = data[offset : offset + _OLE_ENTRY]
        if entry[66] != _OLE_STREAM:
            continue
        (name_length,) = struct.unpack_from("<H", entry, 64)
        if not 2 <= name_length <= 64:
            continue
        kind = _OLE_STREAMS.get(entry[: name_length - 2])
        if kind is not None:
            return kind
    return None


def sniff(head: bytes, whole: bytes | None = None) -> str | None:
    """Return the canonical type of an allowed attachment from its bytes, or None if it is not allowed.

    ``head`` is the start of the file (``HEAD_BYTES`` is enough); ``whole`` is the complete file,
    needed to look inside zip (Office, OpenDocument) and OLE (Word 97-2003...) containers. Without
    ``whole``, ``head`` is taken to be the whole file for those; an OLE file whose directory lies
    beyond ``head`` is then reported as "ole" rather than guessed.
    """
    if head.startswith(_PDF):
        return "pdf"
    if head.startswith(_PNG):
        return "png"
    if head.startswith(_JPEG):
        return "jpeg"
    if head.startswith(_GIFS):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(_ZIP):
        return _sniff_zip(whole if whole is not None else head)
    if head.startswith(_OLE):
        kind = _sniff_ole(whole if whole is not None else head)
        if kind is None and whole is None:
            return "ole"
        return kind
    # Executables, HTML, scripts, plain text, archives and anything else.
    return None


# What a file name on any system may not hold: path separators, Windows' reserved characters,
# quotes, and every control or format character (categories C*: CR, LF, NUL, bidi overrides).
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|;%]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
_NAME_LIMIT = 120


def download_name(original: str | None, file_type: str | None) -> str:
    """A safe file name to offer for a download of `file_type`: the sender's name without path
    separators, control characters or its own extension, ending in the extension of the type its
    bytes were found to be ("ho-so.hta" holding a PDF becomes "ho-so.pdf")."""
    extension = EXTENSIONS.get(file_type or "", ".bin")
    text = unicodedata.normalize("NFC", str(original or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]  # only the last part of a path
    text = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in text)
    text = _UNSAFE_NAME.sub("_", text)
    stem = text.rsplit(".", 1)[0] if "." in text else text
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")[:_NAME_LIMIT].strip(" ._-")
    if not stem or _WINDOWS_RESERVED.match(stem.split(".")[0]):
        stem = "tep-dinh-kem" + (f"-{stem}" if stem else "")
    return stem + extension
