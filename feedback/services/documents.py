"""Official documents: the outgoing register's numbers, PDF rendering, PAdES signing and verification.

- `allocate_number()` takes the next number of the outgoing register (sổ văn bản đi) for an issuing
  body and year with one UPDATE ... RETURNING on a counter row, as the tracking codes are drawn (the
  counter in intake's `insert_family`): race-free on PostgreSQL (row lock) and SQLite (write lock). A
  number is taken inside the transaction that stores the document, so a rolled-back issue leaves no gap and a
  committed one is never handed out again.
- `render_pdf()` renders an HTML/CSS template of templates/documents/ with WeasyPrint (A4, Liberation
  Serif embedded as subsets); nothing is fetched from outside while rendering.
- `sign_pdf()` signs as PAdES (pyHanko) with the PKCS#12 of LETTER_SIGNING_PKCS12.
- `verify_signed()` checks an externally signed file: the issued PDF unchanged as its first
  revision, every signature intact, valid and trusted (LETTER_TRUST_ROOTS), nothing changed after.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update

from ..db.dialect import insert_or_ignore
from ..extensions import db
from ..models import DocumentCounter
from . import ServiceError

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"


def run_sync(fn, *args, **kwargs):
    """Call a pyHanko function that runs its own event loop (asyncio.run) from any thread: in a thread
    that already runs a loop (an async server, a test harness) it is called in a helper thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


# ---------------------------------------------------------------- numbering


def allocate_number(issuer: str, year: int) -> int:
    """The next number of `issuer`'s register in `year` (1 for the year's first document)."""
    db.session.execute(insert_or_ignore(DocumentCounter, issuer=issuer, year=year, last=0))
    return db.session.execute(
        update(DocumentCounter)
        .where(DocumentCounter.issuer == issuer, DocumentCounter.year == year)
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- rendering


def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: documents are self-contained, nothing is fetched (no network, no files)."""
    raise ValueError(f"documents fetch nothing: {url}")


def render_pdf(template: str, **context) -> bytes:
    """Render templates/documents/<template> to PDF bytes."""
    from weasyprint import HTML

    with force_locale("vi"):  # an official document is in Vietnamese whatever the reader's language
        html = render_template(f"documents/{template}", **context)
    return HTML(string=html, url_fetcher=_no_fetch, base_url=None).write_pdf(
        pdf_identifier=False, uncompressed_pdf=False
    )


# ---------------------------------------------------------------- signing on the server


def signing_configured() -> bool:
    """Whether the department's certificate is set (LETTER_SIGNING_PKCS12): letters are signed on approval."""
    return bool(current_app.config.get("LETTER_SIGNING_PKCS12"))


@lru_cache(maxsize=4)
def _load_signer(path: str, password: str, mtime: float):
    from pyhanko.sign import signers

    data = Path(path).read_bytes()
    return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password.encode() or None)


def signer() -> SimpleSigner:
    """The pyHanko signer of LETTER_SIGNING_PKCS12 (cached while the file is unchanged).

    :raises ServiceError: 500 when the file cannot be read or the password is wrong.
    """
    path = current_app.config["LETTER_SIGNING_PKCS12"]
    try:
        return _load_signer(path, current_app.config.get("LETTER_SIGNING_PASSWORD", ""), Path(path).stat().st_mtime)
    except (OSError, ValueError) as exc:
        log.error("cannot load the signing certificate %s: %s", path, exc)
        raise ServiceError(
            _(
                "Không đọc được chứng thư số ký văn bản (LETTER_SIGNING_PKCS12); vui lòng báo "
                "quản trị hệ thống. Văn bản chưa được phát hành."
            ),
            500,
        ) from None


def sign_pdf(data: bytes, *, name: str, reason: str, location: str) -> bytes:
    """Sign `data` as PAdES (B-B) with the configured certificate, as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKySo",
        name=name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = run_sync(signers.PdfSigner(meta, signer=signer()).sign_pdf, writer)
    return out.getvalue()


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class Verified:
    """What an accepted signed file says: who signed (certificate subject) and when."""

    signed_by: str
    signed_at: datetime | None  # naive UTC
    signatures: int


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, 400, "file")


@lru_cache(maxsize=8)
def _load_roots(paths: tuple[str, ...], stamps: tuple[float, ...]):
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder(list(paths)))


def trust_roots() -> list:
    """The CA certificates of LETTER_TRUST_ROOTS (PEM or DER files)."""
    paths = tuple(current_app.config.get("LETTER_TRUST_ROOTS") or ())
    if not paths:
        return []
    try:
        return _load_roots(paths, tuple(Path(p).stat().st_mtime for p in paths))
    except (OSError, ValueError) as exc:
        log.error("cannot load LETTER_TRUST_ROOTS %s: %s", paths, exc)
        raise ServiceError(
            _("Không đọc được chứng thư gốc tin cậy (LETTER_TRUST_ROOTS); vui lòng báo quản trị hệ thống."), 500
        ) from None


def _subject(cert) -> str:
    try:
        return cert.subject.human_friendly
    except Exception:
        return ""


def verify_signed(upload: bytes, issued: bytes) -> Verified:
    """Check that `upload` is `issued` signed, unchanged since, by a certificate we trust.

    :raises ServiceError: 400 (field `file`) with the reason in Vietnamese: not a PDF, another
        document (or the issued one re-saved), no signature, a signature that is broken or untrusted,
        or changes made after signing.
    """
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not upload.startswith(PDF_MAGIC):
        raise _refuse(_("Tệp tải lên không phải tệp PDF."))
    if upload == issued:
        raise _refuse(_("Tệp tải lên chưa được ký số: đây là đúng văn bản đã phát hành nhưng không có chữ ký."))
    if not upload.startswith(issued):
        # An incremental signature keeps the issued bytes as they are; anything else is another
        # document, or the issued one changed and saved again before signing.
        raise _refuse(
            _(
                "Tệp tải lên không phải văn bản đã phát hành (số, ngày hoặc nội dung khác), hoặc văn "
                "bản đã bị sửa, lưu lại trước khi ký. Vui lòng ký số đúng tệp PDF tải về từ hệ thống "
                "(chế độ ký gia tăng, không lưu đè)."
            )
        )
    roots = trust_roots()
    if not roots:
        raise ServiceError(
            _(
                "Chưa cấu hình chứng thư gốc tin cậy (LETTER_TRUST_ROOTS) nên không thể kiểm tra chữ "
                "ký số; vui lòng báo quản trị hệ thống."
            ),
            500,
        )
    try:
        reader = PdfFileReader(io.BytesIO(upload), strict=False)
        signatures = list(reader.embedded_regular_signatures)
        base_revisions = PdfFileReader(io.BytesIO(issued), strict=False).xrefs.total_revisions
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        log.info("unreadable signed upload: %s", exc)
        raise _refuse(_("Không đọc được tệp PDF tải lên (tệp hỏng).")) from None
    if not signatures:
        raise _refuse(_("Tệp tải lên chưa có chữ ký số."))
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    latest: datetime | None = None
    signed_by = ""
    for embedded in signatures:
        if embedded.signed_revision < base_revisions:
            raise _refuse(_("Chữ ký số không thuộc văn bản đã phát hành."))
        # What was signed must show the issued pages unchanged: a signing tool adds the signature
        # (and its field) but may not alter the pages in the revisions up to the signature.
        _start, _first, second, length = (int(x) for x in embedded.byte_range)
        if not _same_pages(issued, upload[: second + length]):
            raise _refuse(_("Nội dung văn bản đã bị thay đổi trước khi ký; hệ thống không chấp nhận tệp này."))
        try:
            status = run_sync(validate_pdf_signature, embedded, context)
        except Exception as exc:
            log.info("signature validation error: %s", exc)
            raise _refuse(_("Chữ ký số trong tệp không hợp lệ (không đọc được chữ ký).")) from None
        if not status.intact:
            raise _refuse(_("Chữ ký số không còn toàn vẹn: tệp đã bị sửa sau khi ký."))
        if not status.valid:
            raise _refuse(_("Chữ ký số không hợp lệ."))
        if not status.trusted:
            raise _refuse(
                _(
                    "Chứng thư số của người ký không được tin cậy (không thuộc tổ chức cung cấp dịch vụ "
                    "chứng thực đã cấu hình) hoặc đã hết hạn, bị thu hồi."
                )
            )
        if status.modification_level is not None and status.modification_level > ModificationLevel.FORM_FILLING:
            raise _refuse(_("Nội dung văn bản đã bị thay đổi sau khi ký; hệ thống không chấp nhận tệp này."))
        when = status.signer_reported_dt
        if status.timestamp_validity is not None:
            when = status.timestamp_validity.timestamp
        if when is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
            if latest is None or when >= latest:
                latest, signed_by = when, _subject(status.signing_cert)
        elif not signed_by:
            signed_by = _subject(status.signing_cert)
    return Verified(signed_by=signed_by, signed_at=latest, signatures=len(signatures))


def _page_prints(data: bytes) -> list[tuple]:
    """Per page: its size, the digest of its content streams and of the fonts it uses."""
    from pypdf import PdfReader

    prints = []
    for page in PdfReader(io.BytesIO(data), strict=False).pages:
        contents = page.get_contents()
        fonts = []
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources is not None else None
        for name, ref in sorted((font_dict.get_object() if font_dict is not None else {}).items()):
            font = ref.get_object()
            descriptor = None
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            elif "/FontDescriptor" in font:
                descriptor = font["/FontDescriptor"]
            program = b""
            if descriptor is not None:
                descriptor = descriptor.get_object()
                for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                    if key in descriptor:
                        program = descriptor[key].get_object().get_data()
            to_unicode = font["/ToUnicode"].get_object().get_data() if "/ToUnicode" in font else b""
            fonts.append((str(name), str(font.get("/BaseFont")), sha256(program), sha256(to_unicode)))
        prints.append(
            (
                tuple(round(float(v), 2) for v in page.mediabox),
                sha256(contents.get_data() if contents is not None else b""),
                tuple(fonts),
            )
        )
    return prints


def _same_pages(issued: bytes, signed_revision: bytes) -> bool:
    try:
        return _page_prints(issued) == _page_prints(signed_revision)
    except Exception as exc:
        log.info("page comparison failed: %s", exc)
        return False
