"""Benchmark: the public results page and its search over 1,000,000 published tickets on PostgreSQL.

Loads (once) 1,000,000 published tickets with COPY into a dedicated database, starts the real app
under gunicorn on 127.0.0.1, and times each public route against the bare route /healthz of the same
app in the same run. Prints a table (milliseconds per request, sequential, new connection each; `items`
is how many results, entries, requests or table rows the response held, so an empty answer shows).

    .venv/bin/python -m bench.results_search                 # load if needed, then measure
    .venv/bin/python -m bench.results_search --reload        # drop and load again
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_bench5 (default)

Only local traffic (127.0.0.1); every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import signal
import statistics
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from bench import common
from bench.common import free_port, get, rss_mib, sqlalchemy_url, wait_ready

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/feedback_bench5"

TOPICS = [
    "thủ tục cấp giấy chứng nhận đăng ký chuyển giao công nghệ",
    "kiểm định phương tiện đo nhóm 2",
    "thời gian kiểm định cân thương mại",
    "đăng ký nhãn hiệu và kiểu dáng công nghiệp",
    "công bố hợp chuẩn, hợp quy sản phẩm hàng hóa",
    "hồ sơ đề nghị xét tặng giải thưởng chất lượng quốc gia",
    "hỗ trợ doanh nghiệp khởi nghiệp đổi mới sáng tạo",
    "dịch vụ công trực tuyến mức độ 4",
    "thẩm định công nghệ dự án đầu tư",
    "cấp giấy phép tiến hành công việc bức xạ",
    "chứng nhận doanh nghiệp khoa học và công nghệ",
    "kinh phí hỗ trợ nâng cao năng suất chất lượng",
    "mã số mã vạch cho sản phẩm xuất khẩu",
    "đo lường chất lượng xăng dầu tại cửa hàng",
    "thông tin khoa học và công nghệ phục vụ doanh nghiệp",
    "đăng ký kết quả thực hiện nhiệm vụ khoa học",
]
PLACES_A = [
    "Phước",
    "Mỹ",
    "Tân",
    "Long",
    "Bình",
    "Hòa",
    "Thạnh",
    "An",
    "Vĩnh",
    "Đức",
    "Hưng",
    "Thuận",
    "Lợi",
    "Khánh",
    "Phú",
    "Quảng",
    "Cát",
    "Nhơn",
    "Hiệp",
    "Trung",
]
PLACES_B = [
    "Lộc",
    "Xuân",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Điền",
    "Hải",
    "Sơn",
    "Thủy",
    "Lâm",
    "Hạnh",
    "Châu",
    "Mậu",
    "Quý",
    "Nghĩa",
    "Kỳ",
    "Dương",
    "Định",
    "Yên",
]
DETAILS = [
    "Doanh nghiệp đã nộp hồ sơ nhưng chưa nhận được phản hồi.",
    "Đề nghị Sở hướng dẫn trình tự, thành phần hồ sơ và thời hạn giải quyết.",
    "Kiến nghị rút ngắn thời gian thẩm định và công khai lệ phí.",
    "Đề xuất bổ sung hướng dẫn trên cổng dịch vụ công của tỉnh.",
]
ANSWERS = [
    "Sở Khoa học và Công nghệ trả lời: thủ tục thực hiện theo quy định hiện hành; hồ sơ nộp trực tuyến.",
    "Chi cục đã bố trí lịch kiểm định và thông báo cho doanh nghiệp; thời hạn giải quyết 05 ngày làm việc.",
    "Sở ghi nhận kiến nghị và sẽ tổng hợp, đề xuất cơ quan có thẩm quyền sửa đổi quy định.",
    "Doanh nghiệp vui lòng liên hệ bộ phận một cửa của Sở để được hướng dẫn chi tiết.",
]


def ensure_database(url: str, reload: bool) -> None:
    """Create the dedicated database (drop it first with --reload)."""
    common.ensure_database(url, drop=reload)


def load(url: str, count: int, seed: int = 5) -> None:
    """Schema, organisation, then `count` published tickets by COPY, then the search index."""
    from sqlalchemy import inspect as sa_inspect

    from feedback import create_app
    from feedback.data.seed import seed_organisation
    from feedback.db.search import ensure_search_schema, search_text_for
    from feedback.extensions import db
    from feedback.models import Category, Ticket, Unit

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=sqlalchemy_url(url),
        SECRET_KEY="bench",
        BASE_URL="http://127.0.0.1",
        DB_STATEMENT_TIMEOUT_MS=0,
    )  # COPY and index builds take minutes
    with app.app_context():
        db.create_all()
        seed_organisation()
        db.session.commit()
        have = db.session.execute(db.select(db.func.count(Ticket.id))).scalar_one()
        if have >= count:
            print(f"database already holds {have:,} tickets: not loading", flush=True)
            for index in Ticket.__table__.indexes:  # indexes added to the models since the load
                t0 = time.perf_counter()
                if not sa_inspect(db.engine).has_index("tickets", index.name):
                    index.create(db.engine)
                    print(f"created index {index.name}: {time.perf_counter() - t0:.1f} s", flush=True)
            ensure_search_schema(db.engine)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE tickets")
            return
        categories = [(c.id, c.default_unit_id) for c in db.session.execute(db.select(Category)).scalars()]
        units = [u.id for u in db.session.execute(db.select(Unit)).scalars()]
        db.session.remove()
        columns = [
            "code",
            "tracking_token",
            "version",
            "kind",
            "category_id",
            "unit_id",
            "state",
            "channel",
            "submitter_type",
            "name",
            "email",
            "address",
            "consent_publish",
            "title",
            "content",
            "received_at",
            "received_on",
            "due_date",
            "original_due_date",
            "due_explanation",
            "paused_working_days",
            "extension_count",
            "answer",
            "answered_at",
            "answered_on",
            "on_time",
            "publish_due_date",
            "published_at",
            "public_title",
            "public_summary",
            "public_answer",
            "search_text",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        rng = random.Random(seed)
        start = datetime(2024, 12, 1, 2, 0)
        span = (datetime(2026, 11, 20) - start).total_seconds()
        kinds = ["complaint", "recommendation", "proposal"]
        t0 = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # Bulk-load practice: drop the secondary indexes and unique constraints, COPY, rebuild them.
            constraints = cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'tickets'::regclass AND contype = 'u'"
            ).fetchall()
            indexes = cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'tickets'::regclass)"
            ).fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE tickets DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            raw.commit()
            with cursor.copy(f"COPY tickets ({', '.join(columns)}) FROM STDIN") as copy:
                for i in range(1, count + 1):
                    received_at = start + timedelta(seconds=span * i / count)
                    received_on = received_at.date()
                    due = received_on + timedelta(days=20)
                    answered_on = received_on + timedelta(days=rng.randint(3, 26))
                    answered_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3)
                    published_at = answered_at + timedelta(hours=rng.randint(2, 40))
                    category_id, unit_id = categories[rng.randrange(len(categories))]
                    topic = TOPICS[rng.randrange(len(TOPICS))]
                    place = f"{PLACES_A[rng.randrange(20)]} {PLACES_B[rng.randrange(20)]}"
                    title = f"Về {topic} tại xã {place}"
                    summary = f"{DETAILS[rng.randrange(4)]} Nội dung liên quan đến {topic}."
                    answer = ANSWERS[rng.randrange(4)]
                    code = f"PAKN-{received_at.year}-{i:07d}"
                    copy.write_row(
                        (
                            code,
                            secrets.token_hex(16),
                            1,
                            kinds[i % 3],
                            category_id,
                            unit_id or units[0],
                            "answered",
                            "web",
                            "enterprise",
                            f"Người gửi {i}",
                            f"nguoi{i}@example.com",
                            f"Địa chỉ {i}",
                            True,
                            title,
                            summary,
                            received_at,
                            received_on,
                            due,
                            due,
                            "",
                            0,
                            0,
                            answer,
                            answered_at,
                            answered_on,
                            answered_on <= due,
                            answered_on + timedelta(days=2),
                            published_at,
                            title,
                            summary,
                            answer,
                            search_text_for(code, title, summary, answer),
                            answered_at,
                            received_at,
                            published_at,
                        )
                    )
                    if i % 100_000 == 0:
                        print(f"  copied {i:,} rows ({time.perf_counter() - t0:.0f} s)", flush=True)
            raw.commit()
            print(f"COPY of {count:,} tickets: {time.perf_counter() - t0:.1f} s", flush=True)
            t2 = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE tickets ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in indexes:
                cursor.execute(definition)
            raw.commit()
            print(f"B-tree indexes and unique constraints rebuilt: {time.perf_counter() - t2:.1f} s", flush=True)
        finally:
            raw.close()
        t1 = time.perf_counter()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        ensure_search_schema(db.engine)
        print(f"GIN index (unaccent extension + to_tsvector): {time.perf_counter() - t1:.1f} s", flush=True)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE tickets")
        db.engine.dispose()


def first_byte_and_total(
    port: int, path: str, parent: int | None = None
) -> tuple[int, float, int, float, float, float]:
    """(status, s to first byte, bytes, total s, worker RSS MiB before, max worker RSS MiB during) of a streamed GET."""
    before = peak = rss_mib(parent) if parent else 0.0
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - t0
        size = len(first)
        reads = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
            reads += 1
            if parent and reads % 20 == 0:
                peak = max(peak, rss_mib(parent))
        return response.status, ttfb, size, time.perf_counter() - t0, before, peak
    finally:
        conn.close()


def items_in(port: int, path: str) -> int:
    """How many results one response holds (result rows, feed entries, Open311 requests)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        body = conn.getresponse().read().decode("utf-8", "replace")
    finally:
        conn.close()
    for marker in ('result-item"', "<entry>", '"service_request_id"', 'id="result-answer"', "<tr data-unit="):
        if marker in body:
            return body.count(marker)
    return 0


def measure(port: int, path: str, n: int) -> dict:
    for _ in range(2):  # warm caches and connections
        get(port, path)
    times, sizes, statuses = [], [], set()
    for _ in range(n):
        status, size, seconds = get(port, path)
        statuses.add(status)
        times.append(seconds * 1000)
        sizes.append(size)
    times.sort()
    return {
        "path": path,
        "n": n,
        "status": ",".join(map(str, sorted(statuses))),
        "p50": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "mean": statistics.fmean(times),
        "kb": statistics.fmean(sizes) / 1024,
        "items": items_in(port, path),
    }


def explain(url: str, q: str) -> str:
    """The PostgreSQL plan of the search query (to show the GIN index at work)."""
    import psycopg

    sql = (
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) SELECT id FROM tickets WHERE published_at IS NOT NULL "
        "AND to_tsvector('simple'::regconfig, search_text) @@ plainto_tsquery('simple'::regconfig, unaccent(%s)) "
        "ORDER BY published_at DESC, id DESC LIMIT 21"
    )
    with psycopg.connect(url) as conn:
        return "\n".join(row[0] for row in conn.execute(sql, (q,)).fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per route")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--skip-csv", action="store_true", help="leave out the full CSV export (about a minute)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    ensure_database(url, args.reload)
    load(url, args.count)

    import psycopg

    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM tickets WHERE published_at IS NOT NULL").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('tickets'))").fetchone()[0]
        sample = conn.execute(
            "SELECT code FROM tickets ORDER BY id DESC LIMIT 1 OFFSET %s", (min(123456, args.count // 2),)
        ).fetchone()[0]
    print(f"published tickets: {total:,}; tickets table with indexes and TOAST: {size}", flush=True)

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": sqlalchemy_url(url),
        "FEEDBACK_ENV": "production",
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_ready(port, time.monotonic() + 60)
        n = args.requests
        routes = [
            ("bare route", "/healthz"),
            ("results, page 1", "/results"),
            ("results, page 50 (OFFSET 980)", "/results?page=50"),
            ("results, page 1000 (OFFSET 19,980)", "/results?page=1000"),
            ("filter unit + year of publication 2025", "/results?unit=CCTDC&year=2025"),
            ("filter category + kind", "/results?category=TDC&kind=proposal"),
            ("search 'thu tuc' (very common)", "/results?q=" + quote("thu tuc")),
            ("search 'thủ tục' (with diacritics)", "/results?q=" + quote("thủ tục")),
            ("search 'buc xa' (1 topic in 16)", "/results?q=" + quote("buc xa")),
            ("search 'phuoc loc buc xa' (rare)", "/results?q=" + quote("phuoc loc buc xa")),
            ("search + filter + page 3", "/results?q=" + quote("kiem dinh") + "&category=TDC&page=3"),
            ("search by code", "/results?q=" + quote(sample)),
            ("detail page", f"/results/{sample}"),
            ("Atom feed (50 entries)", "/results/feed.atom"),
            ("Atom feed, search", "/results/feed.atom?q=" + quote("nhan hieu")),
            (
                "Open311 requests.json, a quarter",
                "/open311/v2/requests.json?start_date=2025-07-01T00:00:00%2B07:00&end_date=2025-09-30T23:59:59%2B07:00",
            ),
            (
                "Open311 a quarter, status=open",
                "/open311/v2/requests.json?start_date=2025-07-01T00:00:00%2B07:00&end_date=2025-09-30T23:59:59%2B07:00&status=open",
            ),
            (
                "Open311 a quarter, status=closed",
                "/open311/v2/requests.json?start_date=2025-07-01T00:00:00%2B07:00&end_date=2025-09-30T23:59:59%2B07:00&status=closed",
            ),
            ("Open311 requests.json, default", "/open311/v2/requests.json"),
            ("Open311 requests.json (1000 max)", "/open311/v2/requests.json?status=closed&page_size=1000"),
            ("Open311 requests.json page_size=50", "/open311/v2/requests.json?status=closed&page_size=50"),
            ("Open311 single request", f"/open311/v2/requests/{sample}.json"),
            ("statistics 2025, cached (5 min per worker)", "/statistics?year=2025"),
        ]
        rows = []
        # The statistics are cached per worker for 5 minutes: time one miss first (cold), alone.
        status, size, seconds = get(port, "/statistics?year=2025")
        rows.append(
            {
                "label": "statistics 2025, first request (counted)",
                "path": "/statistics?year=2025",
                "n": 1,
                "status": str(status),
                "p50": seconds * 1000,
                "p95": seconds * 1000,
                "mean": seconds * 1000,
                "kb": size / 1024,
                "items": items_in(port, "/statistics?year=2025"),
            }
        )
        for label, path in routes:
            result = measure(port, path, n if "statistics" not in path and "1000 max" not in label else max(5, n // 5))
            result["label"] = label
            rows.append(result)
            print(f"  {label:40s} p50 {result['p50']:8.1f} ms", flush=True)
        bare = next(r["p50"] for r in rows if r["path"] == "/healthz")
        if not args.skip_csv:
            status, ttfb, size, seconds, rss_before, rss_peak = first_byte_and_total(
                port, "/results/export.csv", server.pid
            )
        print()
        print(
            f"PostgreSQL, {total:,} published tickets, gunicorn {args.workers} sync workers, "
            f"{n} sequential requests per route (fewer for the heaviest), new connection each"
        )
        header = (
            f"| {'route':40s} | {'status':6s} | {'p50 ms':>8s} | {'p95 ms':>8s} | {'mean ms':>8s} | {'x bare':>7s} | "
            f"{'KiB':>7s} | {'items':>5s} |"
        )
        print(header)
        print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
        for r in rows:
            print(
                f"| {r['label']:40s} | {r['status']:6s} | {r['p50']:8.1f} | {r['p95']:8.1f} | {r['mean']:8.1f} | "
                f"{r['p50'] / bare:7.1f} | {r['kb']:7.1f} | {r['items']:5d} |"
            )
        if not args.skip_csv:
            print(
                f"\nCSV export of all published results: status {status}, first byte after {ttfb * 1000:.0f} ms, "
                f"{size / 1e6:.0f} MB in {seconds:.1f} s ({total / seconds:,.0f} rows/s); largest worker RSS "
                f"{rss_before:.0f} MiB before, {rss_peak:.0f} MiB at most during the download"
            )
        with open("/proc/loadavg") as f:
            print(f"load average at the end (2 cores; other work on the machine shares them): {f.read().split()[:3]}")
        print("\nPlan of the search query for 'phuoc loc buc xa':")
        print(explain(url, "phuoc loc buc xa"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
