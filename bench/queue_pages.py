"""Benchmark: the staff queue, its search, a tracking-code look-up and the ticket page, against a bare route.

Runs the app under gunicorn (2 workers) on 127.0.0.1 over an existing database (DATABASE_URL, e.g. the
million tickets of bench/scale.py after `flask db upgrade`), signs in a coordinator and an officer (their
passwords are set by this script: `--coordinator` and `--officer` name existing accounts), and times each
route sequentially (new connection each) and with 8 concurrent clients. Every figure is also given as a
ratio to GET /bench/bare, a small template rendered by the same app in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_scale \\
        .venv/bin/python -m bench.queue_pages --coordinator coord@bench.vn --officer officer2@bench.vn

Only local traffic; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "bench-queue-pass-1"

if os.environ.get("BENCH_QUEUE_APP"):  # imported by gunicorn: the product app plus the bare route
    from bench.app_bare import with_bare_routes
    from feedback import create_app

    app = with_bare_routes(create_app(), post=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, cookie: str = "", method: str = "GET", body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, response.getheader("Set-Cookie") or "", data.decode("utf-8", "replace"), elapsed


def sign_in(port: int, email: str) -> str:
    status, cookie, page, _ = request(port, "/staff/login")
    cookie = cookie.split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    status, new_cookie, _, _ = request(
        port, "/staff/login", cookie, "POST", urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    )
    assert status in (302, 303), f"sign-in of {email} failed ({status})"
    return (new_cookie or cookie).split(";")[0]


def prepare(emails: list[str]) -> dict:
    """Set the bench passwords; return a ticket code (open, in the officer's unit) and a search word."""
    from feedback import create_app
    from feedback.extensions import db
    from feedback.models import Ticket, User

    app = create_app()
    with app.app_context():
        users = {}
        for email in emails:
            user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
            user.set_password(PASSWORD, "pbkdf2:sha256:1000")
            users[email] = user.unit_id
        db.session.commit()
        unit = users[emails[1]]
        code = db.session.execute(
            db.select(Ticket.code)
            .where(Ticket.unit_id == unit, Ticket.state == "in_progress")
            .order_by(Ticket.id.desc())
            .limit(1)
        ).scalar_one()
        unit_code = db.session.execute(db.text("SELECT code FROM units WHERE id = :u"), {"u": unit}).scalar_one()
        db.engine.dispose()
    return {"code": code, "unit": unit_code}


def measure(port: int, cookie: str, path: str, runs: int, clients: int) -> dict:
    status, _, body, _ = request(port, path, cookie)
    seq = [request(port, path, cookie)[3] for _ in range(runs)]
    times: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(runs):
            elapsed = request(port, path, cookie)[3]
            with lock:
                times.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    return {
        "status": status,
        "rows": len(re.findall(r"<tr data-code=", body)),
        "median": statistics.median(seq),
        "p95": times[int(0.95 * (len(times) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--officer", required=True)
    parser.add_argument("--search", default="Minh Phát")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    facts = prepare([args.coordinator, args.officer])
    port = free_port()
    env = dict(os.environ, BENCH_QUEUE_APP="1")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(ROOT),
            "--timeout",
            "120",
            "bench.queue_pages:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                request(port, "/bench/bare")
                break
            except OSError:
                time.sleep(0.2)
        coordinator, officer = sign_in(port, args.coordinator), sign_in(port, args.officer)
        routes = [
            ("bare route (small template)", "", "/bench/bare"),
            ("queue, coordinator, open", coordinator, "/staff/"),
            ("queue, officer, own unit", officer, "/staff/"),
            ("queue, officer, assigned to me", officer, "/staff/?assignee=me"),
            ("queue, unit + state", coordinator, f"/staff/?unit={facts['unit']}&state=in_progress"),
            ("queue, overdue", coordinator, "/staff/?overdue=1"),
            ("queue, all states", coordinator, "/staff/?state=all"),
            (f'queue, search "{args.search}"', coordinator, "/staff/?q=" + quote(args.search)),
            ("queue, search, accent-free", coordinator, "/staff/?q=" + quote("minh phat")),
            ("tracking code look-up (the ticket page)", coordinator, "/staff/?q=" + facts["code"]),
            ("ticket page", coordinator, f"/staff/tickets/{facts['code']}"),
        ]
        results = [(label, measure(port, cookie, path, args.runs, 8)) for label, cookie, path in routes]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    bare_median = results[0][1]["median"]
    print("| route | status | rows | median ms | × bare | p95 ms, 8 clients |\n|---|---:|---:|---:|---:|---:|")
    for label, r in results:
        print(
            f"| {label} | {r['status']} | {r['rows']} | {r['median'] * 1000:.1f} | "
            f"{r['median'] / bare_median:.1f} | {r['p95'] * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
