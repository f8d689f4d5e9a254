"""Benchmark: the reminder sweep's time against table size and due count, on PostgreSQL.

    .venv/bin/python -m bench.reminders_sweep [--url postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench]
                                              [--sizes 100000,1000000] [--due 0,1000,10000]

Creates (or empties) the dedicated database, bulk-loads open tickets with COPY whose due dates are
far in the future, then for each table size and each due count moves that many tickets' due dates
into the reminder window (from 7 days overdue to 2 days ahead), runs one sweep (which queues the
reminders and digests) and a repeat sweep (which finds them all logged and queues nothing), and
prints a table. The sweep's candidate queries are range scans on (state, due_date), so the time
follows the due count, not the number of rows.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from datetime import date, datetime, timedelta

os.environ.setdefault("FEEDBACK_ENV", "testing")

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from feedback import create_app  # noqa: E402
from feedback.extensions import db  # noqa: E402
from feedback.models import Category, Unit, User  # noqa: E402

NOW_LOCAL = "2027-03-10T09:00"  # a Wednesday, in office hours
TODAY = date(2027, 3, 10)
FAR = TODAY + timedelta(days=60)

COLUMNS = ("code", "tracking_token", "version", "kind", "category_id", "unit_id", "state", "channel",
           "submitter_type", "name", "email", "address", "consent_publish", "title", "content",
           "received_at", "received_on", "due_date", "original_due_date", "due_explanation",
           "paused_working_days", "extension_count", "created_at", "updated_at")


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def copy_tickets(start: int, count: int, units: list[int], category: int) -> None:
    """COPY `count` open tickets (ids start+1...) due far in the future."""
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        received = datetime(2027, 2, 1, 2, 0)
        with cur.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(start + 1, start + count + 1):
                copy.write_row((
                    f"BENCH-{i:08d}", secrets.token_hex(16), 1, "complaint", category, units[i % len(units)],
                    "in_progress" if i % 2 else "assigned", "web", "enterprise", "Nguyễn Văn Bench",
                    f"dn{i}@example.com", "Tây Ninh", False, f"Phản ánh số {i}", "Nội dung", received,
                    received.date(), FAR, FAR, "", 0, 0, received, received,
                ))
        raw.commit()
    finally:
        raw.close()


def make_due(count: int) -> None:
    """Move `count` tickets into the window: due from 7 days ago to 2 days ahead."""
    db.session.execute(text(
        "UPDATE tickets SET due_date = CAST(:today AS date) - 7 + (id % 10) WHERE id <= :n"
    ), {"today": TODAY, "n": count})
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


def timed_sweep(now):
    from feedback.services.reminders import sweep

    t = time.perf_counter()
    report = sweep(now)
    db.session.commit()
    return time.perf_counter() - t, report


def plan(now) -> str:
    from feedback.domain import reminders as rules
    from feedback.services.calendar import work_calendar
    from feedback.services.reminders import ladder

    hi = rules.before_window_end(TODAY, work_calendar(), ladder())
    rows = db.session.execute(text(
        "EXPLAIN SELECT * FROM tickets WHERE state IN ('new','assigned','in_progress','pending_approval') "
        "AND due_date <= :hi"), {"hi": hi}).scalars().all()
    db.session.rollback()
    return " / ".join(r.strip() for r in rows[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--due", default="0,1000,10000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    dues = [int(x) for x in args.due.split(",")]

    ensure_database(args.url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.url)
    with app.app_context():
        from feedback.data.seed import seed_organisation
        from feedback.timeutil import parse_now

        db.drop_all()
        db.create_all()
        seed_organisation()
        units = db.session.execute(db.select(Unit).order_by(Unit.id)).scalars().all()
        for u in units:
            db.session.add(User(email=f"head.{u.code.lower()}@sokhcn.vn", name=f"Trưởng {u.code}", role="unit_head",
                                unit=u, password_hash="x"))
        db.session.add(User(email="vanphong@sokhcn.vn", name="Văn phòng", role="coordinator", password_hash="x"))
        db.session.add(User(email="giamdoc@sokhcn.vn", name="Giám đốc", role="director", password_hash="x"))
        db.session.commit()
        unit_ids = [u.id for u in units if u.code != "BGD"]
        category = db.session.execute(db.select(Category.id).order_by(Category.id)).scalars().first()
        now = parse_now(NOW_LOCAL)

        results = []
        loaded = 0
        for size in sizes:
            t = time.perf_counter()
            copy_tickets(loaded, size - loaded, unit_ids, category)
            loaded = size
            analyze()
            print(f"loaded {size:,} open tickets in {time.perf_counter() - t:.1f} s; plan: {plan(now)}", flush=True)
            for due in dues:
                make_due(due)
                analyze()
                first, report = timed_sweep(now)
                repeat, again = timed_sweep(now + timedelta(minutes=15))
                results.append((size, due, report.candidates, len(report.queued), len(report.messages), first,
                                repeat, len(again.queued)))
                reset(due)
                print(f"  {size:>9,} rows, {due:>6,} due: sweep {first:.3f} s, repeat {repeat:.3f} s", flush=True)

        print()
        print("| open tickets | due | candidates | reminders queued | emails queued | sweep (s) | repeat sweep (s) |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size, due, cands, queued, emails, first, repeat, again in results:
            print(f"| {size:,} | {due:,} | {cands:,} | {queued:,} | {emails:,} | {first:.3f} | {repeat:.3f} |")
            assert again == 0, "a repeat sweep queued something twice"


if __name__ == "__main__":
    main()
