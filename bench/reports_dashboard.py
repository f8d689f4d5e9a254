"""Benchmark: the staff dashboard, the reports page and the report exports against a bare route.

Runs gunicorn (sync workers) on this checkout over an existing PostgreSQL database (`BENCH_DATABASE_URL`,
e.g. a copy of a 1,000,000-ticket data set migrated to head), signs in as a coordinator and an
officer (created if missing), and times each route sequentially against a bare Flask route that
renders a small template, in the same run. The exports are timed once each, with the peak resident
memory (VmHWM) of the gunicorn workers read from /proc.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_1m \
        .venv/bin/python -m bench.reports_dashboard --year 2025 --requests 15
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "bench-pass-2026"


def bench_app():
    """The application with one more route, /bench/bare: a small template file, no database."""
    from bench.app_bare import with_bare_routes
    from feedback import create_app

    return with_bare_routes(create_app(), post=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, int, float]:
        start = time.perf_counter()
        with self.opener.open(self.base + path, timeout=600) as r:
            size = 0
            while chunk := r.read(1 << 16):
                size += len(chunk)
            return r.status, size, time.perf_counter() - start

    def sign_in(self, email: str) -> None:
        with self.opener.open(self.base + "/staff/login", timeout=60) as r:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.read().decode()).group(1)
        data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(self.base + "/staff/login", data=data, timeout=60) as r:
            assert "/staff/login" not in r.url, "sign-in failed"


def workers_hwm_mib(master: int) -> float:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    peak = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peak = max(peak, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
    return peak / 1024


def flask_cli(env: dict, *args: str) -> None:
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--quarter", type=int, default=2)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unit", default="CCTDC", help="the officer's unit code")
    parser.add_argument("--no-exports", action="store_true", help="time the pages only")
    args = parser.parse_args()
    url = os.environ["BENCH_DATABASE_URL"]
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    env = {
        **os.environ,
        "DATABASE_URL": sa_url,
        "FEEDBACK_ENV": "production",
        "SECRET_KEY": "bench",
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": "http://127.0.0.1",
    }
    flask_cli(env, "users", "create", "coordinator@bench.local", "--role", "coordinator", "--password", PASSWORD)
    flask_cli(
        env, "users", "create", "officer@bench.local", "--role", "officer", "--unit", args.unit, "--password", PASSWORD
    )

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
            "--pythonpath",
            str(ROOT),
            "bench.reports_dashboard:bench_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        for _i in range(120):
            try:
                Client(port).get("/bench/bare")
                break
            except OSError:
                time.sleep(0.5)
        coordinator, officer = Client(port), Client(port)
        coordinator.sign_in("coordinator@bench.local")
        officer.sign_in("officer@bench.local")
        y, q = args.year, args.quarter
        timed = [
            ("bare route (small template)", coordinator, "/bench/bare"),
            ("dashboard, coordinator", coordinator, "/staff/dashboard"),
            ("dashboard, officer", officer, "/staff/dashboard"),
            (f"reports page, quarter {q}/{y}", coordinator, f"/staff/reports?year={y}&quarter={q}"),
            (f"reports page, year {y}", coordinator, f"/staff/reports?year={y}"),
            (f"report CSV, year {y}", coordinator, f"/staff/reports/export.csv?year={y}"),
        ]
        rows = []
        for name, client, path in timed:
            for _i in range(2):
                client.get(path)
            times, size, status = [], 0, 0
            for _i in range(args.requests):
                status, size, seconds = client.get(path)
                times.append(seconds * 1000)
            rows.append((name, status, statistics.median(times), size))
        bare = rows[0][2]
        print(f"| route (sequential, n={args.requests}) | status | median ms | × bare | KiB |")
        print("|---|---:|---:|---:|---:|")
        for name, status, median, size in rows:
            print(f"| {name} | {status} | {median:.1f} | {median / bare:.1f} | {size / 1024:.1f} |")
        for name, path in (
            ()
            if args.no_exports
            else (
                (f"detailed CSV, year {y} (streamed)", f"/staff/reports/export.csv?year={y}&part=detail"),
                (f"XLSX, year {y}", f"/staff/reports/export.xlsx?year={y}"),
            )
        ):
            status, size, seconds = coordinator.get(path)
            print(
                f"| {name} | {status} | {seconds * 1000:.0f} | | {size / 1024:.0f} | "
                f"workers' peak RSS so far {workers_hwm_mib(server.pid):.0f} MiB"
            )
    finally:
        os.killpg(server.pid, 15)
        server.wait()


if __name__ == "__main__":
    main()
