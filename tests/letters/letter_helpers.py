"""Helpers of the answer-letter tests: a test PKI (a CA, the department's signing certificate, a
foreign CA and its signer), signed-in staff clients, and tickets brought to approval.

The PKI is made with `cryptography` once per session; an "external signing tool" is pyHanko used
with another PKCS#12, as a USB token or a remote signing service would sign the downloaded file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path


PASSWORD = "secret-pass-1"
P12_PASSWORD = "mat-khau-chung-thu"


@dataclass
class PKI:
    ca_pem: Path
    dept_p12: Path  # signed by the trusted CA: the department's certificate
    office_p12: Path  # another holder under the trusted CA: the office's USB token
    foreign_p12: Path  # under a CA nobody configured
    expired_p12: Path  # under the trusted CA, expired


def _name(common: str):
    from cryptography.x509.oid import NameOID
    from cryptography import x509

    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở Khoa học và Công nghệ tỉnh Tây Ninh"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject, issuer, key, issuer_key, *, ca: bool, not_before, not_after):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                      key_encipherment=False, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                      encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                                      key_encipherment=False, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                      encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _p12(path: Path, name: str, key, cert, chain) -> Path:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    path.write_bytes(pkcs12.serialize_key_and_certificates(name.encode(), key, cert, chain,
                                                           BestAvailableEncryption(P12_PASSWORD.encode())))
    return path


def make_pki(root: Path) -> PKI:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(_name("CA thử nghiệm chữ ký số chuyên dùng"), _name("CA thử nghiệm chữ ký số chuyên dùng"), ca_key,
               ca_key, ca=True, not_before=now - timedelta(days=30), not_after=now + timedelta(days=3650))
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def holder(common: str, issuer_cert, issuer_key, filename: str, *, expired: bool = False) -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        if expired:
            start, end = now - timedelta(days=400), now - timedelta(days=35)
        else:
            start, end = now - timedelta(days=1), now + timedelta(days=730)
        cert = _cert(_name(common), issuer_cert.subject, key, issuer_key, ca=False, not_before=start, not_after=end)
        return _p12(root / filename, common, key, cert, [issuer_cert])

    foreign_key = ec.generate_private_key(ec.SECP256R1())
    foreign_ca = _cert(_name("CA lạ"), _name("CA lạ"), foreign_key, foreign_key, ca=True,
                       not_before=now - timedelta(days=30), not_after=now + timedelta(days=3650))
    return PKI(
        ca_pem=root / "ca.pem",
        dept_p12=holder("SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH TÂY NINH", ca, ca_key, "dept.p12"),
        office_p12=holder("Phạm Giám Đốc", ca, ca_key, "office.p12"),
        foreign_p12=holder("Kẻ Giả Mạo", foreign_ca, foreign_key, "foreign.p12"),
        expired_p12=holder("Chứng thư hết hạn", ca, ca_key, "expired.p12", expired=True),
    )


def external_sign(pdf: bytes, p12: Path, *, name: str = "Phạm Giám Đốc") -> bytes:
    """Sign `pdf` as the office's own signing tool would (an incremental PAdES signature)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12_data(p12.read_bytes(), other_certs=[],
                                                   passphrase=P12_PASSWORD.encode())
    meta = signers.PdfSignatureMetadata(field_name="Signature1", name=name, reason="Ký ban hành",
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    return signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


def local(y, m, d, hour=10, minute=0) -> datetime:
    """A naive-UTC moment for a local (UTC+7) wall time."""
    return datetime(y, m, d, hour - 7, minute)


LETTER_FORM = {
    "subject": "V/v trả lời kiến nghị về thời gian kiểm định cân thương mại",
    "addressee": "Công ty TNHH Cơ khí Chính xác Long An",
    "answer": "Ngày 06/04/2026, Sở Khoa học và Công nghệ nhận được phản ánh của Công ty về việc thời gian kiểm định "
              "cân thương mại kéo dài.\n"
              "Về nội dung này, Chi cục Tiêu chuẩn Đo lường Chất lượng đã bố trí lịch kiểm định vào ngày "
              "15/04/2026 tại trụ sở Công ty.\n"
              "Căn cứ pháp lý: Thông tư số 23/2013/TT-BKHCN ngày 26/9/2013 của Bộ Khoa học và Công nghệ.\n"
              "Trường hợp chưa đồng ý với nội dung trả lời, Công ty có thể phản hồi qua trang theo dõi phản ánh.",
    "recipients": "Như trên\nGiám đốc Sở (để báo cáo)\nLưu: VT, CCTĐC",
}


def pdf_text(data: bytes) -> str:
    """The text of a PDF as pdftotext reads it (layout kept), falling back to pypdf."""
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
