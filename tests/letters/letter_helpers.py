"""Helpers of the answer-letter tests: local moments, the letter form, PDF text."""

from __future__ import annotations

import io

from tests.pki import P12_PASSWORD, PKI, external_sign, make_pki  # noqa: F401  (re-exported)
from tests.support import PASSWORD, local  # noqa: F401  (re-exported)

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
