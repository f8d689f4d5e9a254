"""Benchmark: the reminder sweep's time, peak memory and output, on PostgreSQL.

    .venv/bin/python -m bench.reminders_sweep [--url postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench]
                                              [--sizes 100000] [--due 0,1000,10000]
    .venv/bin/python -m bench.reminders_sweep --present 1000000 [--url .../feedback_bench_1m] [--days 2] [--reuse]
    .venv/bin/python -m bench.reminders_sweep --clone feedback_scale --now 2027-03-10T09:00 [--url .../feedback_hm_1m]

Scenario "due": creates (or empties) the database, bulk-loads open tickets with COPY whose due dates
are far in the future, then for each table size and each due count moves that many tickets' due
dates into the reminder window (from 7 days overdue to 2 days ahead) and runs one sweep (which
queues the reminders and digests) and a repeat sweep (which finds them all logged and queues nothing).

Scenario "present" (--present N): loads N tickets received over three years up to the present with
the mix of a province's desk (78 % answered, a third of them never published; 13 % open and overdue,
some for years; 6 % open within their deadline; 1 % waiting for the submitter; 2 % refused or
transferred; an e-mail on every ticket, no rating), then sweeps at the present, again 15 minutes
later, and on each of the next working days for --days days (the ladder moving on).

Scenario "clone" (--clone DB): copies an existing database (createdb -T, only while nobody is
connected to it) and sweeps it at --now.

Each sweep runs in its own process; the table gives its time, its peak memory (ru_maxrss) and
the resident memory before the sweep (the application loaded), and what it queued.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

os.environ.setdefault("FEEDBACK_ENV", "testing")

import psycopg
from sqlalchemy import text

from bench.common import ensure_database
from feedback import create_app
from feedback.extensions import db
from feedback.models import Category, Unit, User

NOW_LOCAL = "2027-03-10T09:00"  # a Wednesday, in office hours
TODAY = date(2027, 3, 10)
FAR = TODAY + timedelta(days=60)

COLUMNS = (
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
    "created_at",
    "updated_at",
)
PRESENT_COLUMNS = (
    *COLUMNS,
    "assignee_id",
    "route_due_date",
    "answered_on",
    "publish_due_date",
    "published_at",
    "on_time",
    "closed_at",
    "paused_on",
    "paused_from_state",
)


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def clone_database(url: str, source: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (source,)).fetchone()[0]
        if busy:
            raise SystemExit(f"{source} has {busy} connections: not cloned")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


def copy_rows(columns, rows, chunk: int = 50000) -> None:
    """COPY the rows in chunks of `chunk` (each COPY within the statement timeout)."""
    raw = db.engine.raw_connection()
    rows = iter(rows)
    try:
        cur = raw.cursor()
        while True:
            written = 0
            with cur.copy(f"COPY tickets ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
                    if written == chunk:
                        break
            raw.commit()
            if written < chunk:
                break
    finally:
        raw.close()


def copy_tickets(start: int, count: int, units: list[int], category: int) -> None:
    """COPY `count` open tickets (ids start+1...) due far in the future."""
    received = datetime(2027, 2, 1, 2, 0)
    copy_rows(
        COLUMNS,
        (
            (
                f"BENCH-{i:08d}",
                secrets.token_hex(16),
                1,
                "complaint",
                category,
                units[i % len(units)],
                "in_progress" if i % 2 else "assigned",
                "web",
                "enterprise",
                "Nguyễn Văn Bench",
                f"dn{i}@example.com",
                "Tây Ninh",
                False,
                f"Phản ánh số {i}",
                "Nội dung",
                received,
                received.date(),
                FAR,
                FAR,
                "",
                0,
                0,
                received,
                received,
            )
            for i in range(start + 1, start + count + 1)
        ),
    )


def present_rows(n: int, units: list[int], officers: dict[int, list[int]], category: int):
    """N tickets received over three years up to TODAY, ids in order of receipt (see the module)."""
    start = TODAY - timedelta(days=3 * 365)
    span = (TODAY - start).days
    for i in range(1, n + 1):
        band = i % 100
        unit = units[i % len(units)]
        assignee = officers[unit][i % len(officers[unit])]
        received_on = start + timedelta(days=span * i // n)
        answered_on = publish_due = published_at = on_time = closed_at = paused_on = paused_from = route_due = None
        if band < 93:  # the past: answered, refused or transferred, or stuck open and overdue
            due = received_on + timedelta(days=28)
            if band < 78:
                state = "answered"
                answered_on = received_on + timedelta(days=14 + i % 20)
                if answered_on >= TODAY:
                    answered_on = TODAY - timedelta(days=1)
                on_time = answered_on <= due
                publish_due = answered_on + timedelta(days=3)
                closed_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3)
                if i % 3:
                    published_at = closed_at + timedelta(days=2)
            elif band < 80:
                state, closed_at = (
                    ("refused" if band == 78 else "transferred"),
                    datetime.combine(received_on, datetime.min.time()) + timedelta(days=2),
                )
            elif band < 81:
                state, unit, assignee = "new", None, None
                route_due = received_on + timedelta(days=3)
            else:
                state = ("assigned", "in_progress", "in_progress", "pending_approval")[i % 4]
                if state == "assigned":
                    assignee = None
        else:  # recent: received in the last 30 days, within the deadline
            received_on = TODAY - timedelta(days=1 + i % 30)
            due = received_on + timedelta(days=30)
            state = ("assigned", "in_progress", "in_progress", "pending_approval")[i % 4]
            if band == 99:
                state, paused_on, paused_from = "needs_info", TODAY - timedelta(days=3), "in_progress"
            if state == "assigned":
                assignee = None
        received = datetime.combine(received_on, datetime.min.time()) + timedelta(hours=2)
        yield (
            f"PAKN-{received_on.year}-{i:07d}",
            secrets.token_hex(16),
            1,
            "complaint",
            category,
            unit,
            state,
            "web",
            "enterprise",
            "Công ty TNHH Minh Phát",
            f"dn{i}@example.com",
            "Tây Ninh",
            False,
            f"Phản ánh về thủ tục số {i}",
            "Nội dung phản ánh",
            received,
            received_on,
            due,
            due,
            "",
            0,
            0,
            received,
            received,
            assignee,
            route_due,
            answered_on,
            publish_due,
            published_at,
            on_time,
            closed_at,
            paused_on,
            paused_from,
        )


def make_due(count: int) -> None:
    """Move `count` tickets into the window: due from 7 days ago to 2 days ahead."""
    db.session.execute(
        text("UPDATE tickets SET due_date = CAST(:today AS date) - 7 + (id % 10) WHERE id <= :n"),
        {"today": TODAY, "n": count},
    )
    db.session.commit()


def reset(count: int) -> None:
    db.session.execute(text("DELETE FROM reminder_logs"))
    db.session.execute(text("DELETE FROM outbox_messages"))
    db.session.execute(text("UPDATE tickets SET due_date = :far WHERE id <= :n"), {"far": FAR, "n": count})
    db.session.commit()


def analyze() -> None:
    raw = db.engine.raw_connection()
    try:
        raw.rollback()
        raw.driver_connection.autocommit = True
        raw.driver_connection.execute("VACUUM ANALYZE tickets")
        raw.driver_connection.autocommit = False
    finally:
        raw.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_sweep(url: str, now_local: str) -> None:
    """In a process of its own: one sweep at `now_local`; prints one JSON line."""
    from feedback.services.reminders import sweep
    from feedback.timeutil import parse_now

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from feedback.services.calendar import work_calendar

        today = date.fromisoformat(now_local[:10])
        cal = work_calendar()  # the calendar loaded, as in a scheduler that has run before: its years
        cal.add_working_days(today, -60)  # around today filled in (the holidays package imported)
        cal.add_working_days(today, 60)
        before = rss_mb()
        t = time.perf_counter()
        report = sweep(parse_now(now_local))
        db.session.commit()
        elapsed = time.perf_counter() - t
        print(
            json.dumps(
                {
                    "now": now_local,
                    "seconds": elapsed,
                    "rss_before_mb": before,
                    "peak_mb": rss_mb(),
                    "candidates": report.candidates,
                    "reminders": len(report.queued),
                    "emails": len(report.messages),
                    "skipped": report.skipped,
                }
            )
        )


def timed_sweep(url: str, now_local: str) -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-m", "bench.reminders_sweep", "--url", url, "--child-sweep", now_local],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def setup_staff() -> tuple[list[int], dict[int, list[int]], int]:
    from feedback.data.seed import seed_organisation

    db.drop_all()
    db.create_all()
    seed_organisation()
    units = db.session.execute(db.select(Unit).order_by(Unit.id)).scalars().all()
    for u in units:
        db.session.add(
            User(
                email=f"head.{u.code.lower()}@sokhcn.vn",
                name=f"Trưởng {u.code}",
                role="unit_head",
                unit=u,
                password_hash="x",
            )
        )
        for k in range(3):
            db.session.add(
                User(
                    email=f"cv{k}.{u.code.lower()}@sokhcn.vn",
                    name=f"Chuyên viên {k} {u.code}",
                    role="officer",
                    unit=u,
                    password_hash="x",
                )
            )
    db.session.add(User(email="vanphong@sokhcn.vn", name="Văn phòng", role="coordinator", password_hash="x"))
    db.session.add(User(email="giamdoc@sokhcn.vn", name="Giám đốc", role="director", password_hash="x"))
    db.session.commit()
    unit_ids = [u.id for u in units if u.code != "BGD"]
    officers: dict[int, list[int]] = {}
    for uid, user_id in db.session.execute(db.select(User.unit_id, User.id).where(User.role == "officer")):
        officers.setdefault(uid, []).append(user_id)
    category = db.session.execute(db.select(Category.id).order_by(Category.id)).scalars().first()
    return unit_ids, officers, category


def next_working_days(start: str, days: int) -> list[str]:
    from feedback.services.calendar import work_calendar

    cal = work_calendar()
    d = date.fromisoformat(start[:10])
    found = []
    for _ in range(days):
        d = cal.next_working_day(d)
        found.append(f"{d.isoformat()}T08:00")
    return found


def print_table(title: str, rows: list[tuple[str, dict]]) -> None:
    print()
    print(title)
    print("| run | candidates | reminders queued | emails queued | sweep (s) | peak memory (MB) | before sweep (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in rows:
        print(
            f"| {label} | {r['candidates']:,} | {r['reminders']:,} | {r['emails']:,} | {r['seconds']:.2f} | "
            f"{r['peak_mb']:.0f} | {r['rss_before_mb']:.0f} |"
        )


def scenario_due(url: str, sizes: list[int], dues: list[int]) -> None:
    ensure_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, DB_STATEMENT_TIMEOUT_MS=0)  # COPY of 50,000 rows
    rows = []
    with app.app_context():
        unit_ids, _officers, category = setup_staff()
        loaded = 0
        for size in sizes:
            t = time.perf_counter()
            copy_tickets(loaded, size - loaded, unit_ids, category)
            loaded = size
            analyze()
            print(f"loaded {size:,} open tickets in {time.perf_counter() - t:.1f} s", flush=True)
            for due in dues:
                make_due(due)
                analyze()
                db.session.remove()
                first = timed_sweep(url, NOW_LOCAL)
                repeat = timed_sweep(url, "2027-03-10T09:15")
                assert repeat["reminders"] == 0, "a repeat sweep queued something twice"
                rows += [(f"{size:,} open, {due:,} due", first), (f"{size:,} open, {due:,} due, repeat", repeat)]
                print(
                    f"  {size:>9,} rows, {due:>6,} due: sweep {first['seconds']:.3f} s "
                    f"({first['peak_mb']:.0f} MB), repeat {repeat['seconds']:.3f} s",
                    flush=True,
                )
                reset(due)
    print_table("Sweeps with a given number of tickets due", rows)


def scenario_present(url: str, n: int, days: int, now_local: str, clone: str | None, reuse: bool) -> None:
    if clone:
        clone_database(url, clone)
    elif not reuse:
        ensure_database(url)
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, DB_STATEMENT_TIMEOUT_MS=0)
        with app.app_context():
            unit_ids, officers, category = setup_staff()
            t = time.perf_counter()
            copy_rows(PRESENT_COLUMNS, present_rows(n, unit_ids, officers, category))
            analyze()
            counts = dict(db.session.execute(text("SELECT state, count(*) FROM tickets GROUP BY state")).all())
            overdue = db.session.execute(
                text(
                    "SELECT count(*) FROM tickets WHERE state IN ('new','assigned','in_progress','pending_approval') "
                    "AND due_date < :t"
                ),
                {"t": date.fromisoformat(now_local[:10])},
            ).scalar_one()
            unpublished = db.session.execute(
                text("SELECT count(*) FROM tickets WHERE state = 'answered' AND published_at IS NULL")
            ).scalar_one()
            db.session.remove()
            print(
                f"loaded {n:,} tickets in {time.perf_counter() - t:.1f} s: {counts}; open overdue {overdue:,}, "
                f"answered unpublished {unpublished:,}",
                flush=True,
            )
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        total = db.session.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        moments = [now_local, now_local[:11] + "09:15", *next_working_days(now_local, days)]
        db.session.remove()
    rows = []
    for moment in moments:
        r = timed_sweep(url, moment)
        rows.append((moment, r))
        print(f"  {moment}: {r}", flush=True)
    print_table(f"Sweeps at the present of {total:,} tickets and the next working days", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--due", default="0,1000,10000")
    parser.add_argument("--present", type=int, default=0, help="load this many tickets and sweep at the present")
    parser.add_argument("--clone", default=None, help="copy this database and sweep it at --now")
    parser.add_argument("--days", type=int, default=3, help="next working days swept after the present")
    parser.add_argument("--now", default=NOW_LOCAL)
    parser.add_argument("--reuse", action="store_true", help="sweep the data a previous --present run loaded")
    parser.add_argument("--child-sweep", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_sweep:
        child_sweep(args.url, args.child_sweep)
        return
    base = "postgresql+psycopg://postgres@127.0.0.1:5432/"
    if args.present or args.clone or args.reuse:
        scenario_present(
            args.url or base + "feedback_bench_1m", args.present, args.days, args.now, args.clone, args.reuse
        )
    else:
        scenario_due(
            args.url or base + "feedback_bench",
            [int(x) for x in args.sizes.split(",")],
            [int(x) for x in args.due.split(",")],
        )


if __name__ == "__main__":
    main()
