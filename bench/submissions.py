"""Benchmark: web submissions (POST /submit) against a bare POST that writes one row, in the same run.

Starts the real app under gunicorn (RATELIMIT_ENABLED off, mail kept in the outbox) with one extra
route, `POST /_bench/bare`, that inserts one row into a scratch table and answers 204. Each of the
`--clients` concurrent clients of `hey` reuses one session cookie and its CSRF token, fetched once from
the form, as a browser would. Rows are counted before and after: every 303 must be one new ticket with
its acknowledgment in the outbox (none lost).

    .venv/bin/python -m bench.submissions                       # 8 clients, 10 s each
    .venv/bin/python -m bench.submissions --clients 1 --seconds 5
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_hp_1m (default: feedback_bench_submit)

The database is created with the schema and the default organisation if it has no tables. Only local
traffic (127.0.0.1); every run is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.common import free_port, sqlalchemy_url, wait_ready
from tests.support import VALID_FORM

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/feedback_bench_submit"

FORM = {**VALID_FORM, "consent_processing": "y"}  # the form the tests submit

# The app with the bare route, as gunicorn loads it (written to a temporary module).
BARE_APP = """
from sqlalchemy import text
from wsgi import app
from feedback.extensions import csrf, db

with app.app_context():
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_posts (id serial PRIMARY KEY, at timestamp NOT NULL "
                          "DEFAULT now(), body text NOT NULL)"))

@app.post("/_bench/bare")
@csrf.exempt
def bench_bare():
    from flask import request
    db.session.execute(text("INSERT INTO bench_posts (body) VALUES (:b)"), {"b": request.form.get("title", "")})
    db.session.commit()
    return "", 204
"""


def prepare(url: str) -> None:
    """Create the database, its schema and the default organisation when missing."""
    import psycopg

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    from feedback import create_app
    from feedback.data.seed import seed_organisation
    from feedback.extensions import db

    app = create_app(
        "production", SQLALCHEMY_DATABASE_URI=sqlalchemy_url(url), SECRET_KEY="bench", BASE_URL="http://127.0.0.1"
    )
    with app.app_context():
        db.create_all()
        seed_organisation()
        db.session.commit()


def counts(url: str) -> tuple[int, int, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        bare = (
            conn.execute("SELECT count(*) FROM bench_posts").fetchone()[0]
            if conn.execute("SELECT to_regclass('bench_posts')").fetchone()[0]
            else 0
        )
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        acks = conn.execute("SELECT count(*) FROM outbox_messages WHERE kind = 'acknowledgment'").fetchone()[0]
    return bare, tickets, acks


def session_and_token(port: int) -> tuple[str, str]:
    """A session cookie and the CSRF token of its form, as one browser would hold them."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/submit", timeout=30) as response:
        cookie = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
        html = response.read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html)
    return cookie, match.group(1) or match.group(2)


def hey(url: str, body: str, cookie: str, clients: int, seconds: int) -> dict:
    """Run hey for `seconds` with `clients` workers; return requests/s, p50/p95 (ms) and status counts."""
    out = subprocess.run(
        [
            "hey",
            "-z",
            f"{seconds}s",
            "-c",
            str(clients),
            "-m",
            "POST",
            "-disable-redirects",
            "-T",
            "application/x-www-form-urlencoded",
            "-H",
            f"Cookie: {cookie}",
            "-d",
            body,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    ).stdout
    if "Requests/sec" not in out:
        raise SystemExit(f"hey measured nothing for {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: int) -> float:  # hey leaves out the percentiles a short run has no sample for
        found = re.search(rf"{p}%+ in ([\d.]+) secs", out) or re.search(r"Slowest:\s+([\d.]+) secs", out)
        return float(found.group(1)) * 1000

    p50, p95 = percentile(50), percentile(95)
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    if not statuses:
        raise SystemExit(f"hey got no response from {url}:\n{out}")
    return {"rps": rps, "p50": p50, "p95": p95, "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare(url)

    port = free_port()
    module_dir = tempfile.mkdtemp(prefix="bench-submit-")
    Path(module_dir, "bench_bare_app.py").write_text(BARE_APP)
    env = {
        **os.environ,
        "DATABASE_URL": sqlalchemy_url(url),
        "FEEDBACK_ENV": "production",
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SESSION_COOKIE_SECURE": "0",
        "MAIL_SUPPRESS_SEND": "1",
        "PYTHONPATH": f"{ROOT}:{module_dir}",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "bench_bare_app:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_ready(port, time.monotonic() + 60)
        cookie, token = session_and_token(port)
        body = urllib.parse.urlencode({**FORM, "csrf_token": token})
        check = urllib.request.Request(
            f"http://127.0.0.1:{port}/submit",
            data=body.encode(),
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(check, timeout=30):
                pass
        except urllib.error.HTTPError as exc:
            print(
                "the first submission was refused:",
                exc.code,
                re.findall(r"(?:invalid-feedback|form-error)[^>]*>([^<]+)", exc.read().decode())[:5],
            )
        before = counts(url)
        bare = hey(f"http://127.0.0.1:{port}/_bench/bare", body, cookie, args.clients, args.seconds)
        submit = hey(f"http://127.0.0.1:{port}/submit", body, cookie, args.clients, args.seconds)
        after = counts(url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    written_bare = after[0] - before[0]
    written_tickets, written_acks = after[1] - before[1], after[2] - before[2]
    ok_bare, ok_submit = bare["statuses"].get(204, 0), submit["statuses"].get(303, 0)
    print(
        f"PostgreSQL {urllib.parse.urlsplit(url).path.lstrip('/')} ({before[1]:,} tickets before), gunicorn "
        f"{args.workers} sync workers, {args.clients} concurrent clients, {args.seconds} s each, RATELIMIT_ENABLED off"
    )
    print("| route | req/s | p50 ms | p95 ms | statuses | rows written |")
    print("|---|---:|---:|---:|---|---:|")
    print(
        f"| bare POST (one INSERT) | {bare['rps']:.1f} | {bare['p50']:.1f} | {bare['p95']:.1f} | {bare['statuses']} "
        f"| {written_bare} |"
    )
    print(
        f"| POST /submit | {submit['rps']:.1f} | {submit['p50']:.1f} | {submit['p95']:.1f} | {submit['statuses']} "
        f"| {written_tickets} tickets, {written_acks} acknowledgments |"
    )
    print(
        f"submissions at {100 * submit['rps'] / bare['rps']:.0f} % of the bare POST's throughput; "
        f"lost: {ok_submit - written_tickets} tickets, {ok_submit - written_acks} acknowledgments, "
        f"{ok_bare - written_bare} bare rows"
    )


if __name__ == "__main__":
    main()
