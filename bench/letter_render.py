"""Benchmark: rendering and signing an answer letter against rendering an empty page, in the same run.

    .venv/bin/python -m bench.letter_render [--rounds 20]

Renders templates/documents/letter.html (a one-page công văn with its letterhead, five paragraphs,
nơi nhận and the signer block) with WeasyPrint, signs it as PAdES with pyHanko using a certificate
made here with `cryptography`, and, as the baseline, renders an empty A4 page through the same
pipeline. Prints the median and the 90th percentile of each, after a warm-up (fonts are loaded once
per process). No database, no network. The goal of issue 12 is a letter in under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("FEEDBACK_ENV", "testing")

from feedback import create_app
from feedback.domain import letters as rules
from feedback.services import documents
from tests.pki import P12_PASSWORD, make_pki

BODY = "\n".join(
    [
        "Ngày 02/11/2026, Sở Khoa học và Công nghệ nhận được phản ánh, kiến nghị của Công ty TNHH Cơ khí Chính xác "
        "Long An (mã số PAKN-2026-000042) về việc thời gian kiểm định cân thương mại kéo dài.",
        "Sau khi xem xét, Sở Khoa học và Công nghệ trả lời như sau: Chi cục Tiêu chuẩn Đo lường Chất lượng đã bố trí "
        "lịch kiểm định vào ngày 15/11/2026 tại trụ sở Công ty; kết quả kiểm định được trả trong ngày.",
        "Căn cứ pháp lý: Thông tư số 23/2013/TT-BKHCN ngày 26/9/2013 của Bộ Khoa học và Công nghệ quy định về đo "
        "lường đối với phương tiện đo nhóm 2.",
        "Kết luận: nội dung phản ánh của Công ty là có cơ sở; Chi cục đã khắc phục việc chậm bố trí lịch.",
        "Trường hợp chưa đồng ý với nội dung trả lời, Công ty có thể phản hồi qua trang theo dõi phản ánh, kiến nghị.",
    ]
)


def view(app) -> dict:
    with app.app_context():
        return {
            "province": "UBND TỈNH TÂY NINH",
            "issuer_name": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "number_symbol": rules.number_symbol(125, "SKHCN-CCTĐC"),
            "subject": "V/v trả lời phản ánh, kiến nghị của Công ty TNHH Cơ khí Chính xác Long An",
            "subject_under_number": True,
            "date_line": rules.date_line("Tây Ninh", date(2026, 12, 3)),
            "addressee": "Công ty TNHH Cơ khí Chính xác Long An",
            "paragraphs": rules.paragraphs(rules.ensure_closing(BODY)),
            "recipients": rules.recipient_lines("Như trên\nGiám đốc Sở (để báo cáo)\nLưu: VT, CCTĐC"),
            "signer": rules.signer_line("director", "Phạm Văn Giám"),
            "mark": "",
            "public": False,
        }


def timed(fn, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each round (on a shared, loaded machine the CPU time is
    what one free core would take; the wall time includes waiting for the CPU)."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    pki = make_pki(Path(tempfile.mkdtemp(prefix="bench-pki-")))
    app = create_app("testing", LETTER_SIGNING_PKCS12=str(pki.dept_p12), LETTER_SIGNING_PASSWORD=P12_PASSWORD)
    doc = view(app)
    with app.test_request_context():

        def empty() -> bytes:
            from weasyprint import HTML

            return HTML(
                string="<html><body style='font-family: \"Liberation Serif\"'></body></html>",
                url_fetcher=documents._no_fetch,
            ).write_pdf(pdf_identifier=False)

        def letter() -> bytes:
            return documents.render_pdf("letter.html", doc=doc)

        def letter_signed() -> bytes:
            return documents.sign_pdf(
                letter(), name="Phạm Văn Giám", reason="Ký ban hành văn bản số 125/SKHCN-CCTĐC", location="Tây Ninh"
            )

        for fn in (empty, letter, letter_signed):  # warm-up: fonts, templates, the signer's key
            fn()
        size = len(letter_signed())
        rows = [
            ("empty A4 page (WeasyPrint)", timed(empty, args.rounds)),
            ("letter: render", timed(letter, args.rounds)),
            ("letter: render + PAdES sign", timed(letter_signed, args.rounds)),
        ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.rounds} rounds, signed letter {size // 1024} KiB, load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':32} {'wall median':>12} {'wall p90':>9} {'CPU median':>11}   (ms)")
    for name, (wall, cpu) in rows:
        p90 = sorted(wall)[int(0.9 * (len(wall) - 1))]
        print(f"{name:32} {statistics.median(wall):12.1f} {p90:9.1f} {statistics.median(cpu):11.1f}")


if __name__ == "__main__":
    main()
