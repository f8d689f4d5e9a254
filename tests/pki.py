"""A test PKI made with `cryptography`: a trusted CA, the department's signing certificate, an office
holder, an expired one and a foreign CA's holder; and an "external signing tool" (pyHanko with a
PKCS#12, as a USB token or a remote signing service signs a downloaded file)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

P12_PASSWORD = "mat-khau-chung-thu"


@dataclass
class PKI:
    ca_pem: Path
    dept_p12: Path  # signed by the trusted CA: the department's certificate
    office_p12: Path  # another holder under the trusted CA: the office's USB token
    foreign_p12: Path  # under a CA nobody configured
    expired_p12: Path  # under the trusted CA, expired


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở Khoa học và Công nghệ tỉnh Tây Ninh"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _cert(subject, issuer, key, issuer_key, *, ca: bool, not_before, not_after):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _p12(path: Path, name: str, key, cert, chain) -> Path:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, chain, BestAvailableEncryption(P12_PASSWORD.encode())
        )
    )
    return path


def make_pki(root: Path) -> PKI:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(
        _name("CA thử nghiệm chữ ký số chuyên dùng"),
        _name("CA thử nghiệm chữ ký số chuyên dùng"),
        ca_key,
        ca_key,
        ca=True,
        not_before=now - timedelta(days=30),
        not_after=now + timedelta(days=3650),
    )
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
    foreign_ca = _cert(
        _name("CA lạ"),
        _name("CA lạ"),
        foreign_key,
        foreign_key,
        ca=True,
        not_before=now - timedelta(days=30),
        not_after=now + timedelta(days=3650),
    )
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

    signer = signers.SimpleSigner.load_pkcs12_data(p12.read_bytes(), other_certs=[], passphrase=P12_PASSWORD.encode())
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        name=name,
        reason="Ký ban hành",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    from feedback.services.documents import run_sync  # pyHanko runs its own event loop

    return run_sync(
        signers.PdfSigner(meta, signer=signer).sign_pdf, IncrementalPdfFileWriter(io.BytesIO(pdf))
    ).getvalue()
