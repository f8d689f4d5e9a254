"""Benchmark: a calendar recheck at 1,000,000 tickets on PostgreSQL.

    .venv/bin/python -m bench.calendar_recheck [--url postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench9]
                                               [--tickets 1000000] [--day 2026-12-24]

Creates (or empties) the dedicated database, bulk-loads tickets received over two years (COPY) with
the dates and deadline bases intake writes: the last 75 days' tickets open (assigned or in progress),
one in ten older ones still open and overdue, the rest answered (a tenth of them not yet published).
Then, as an administrator would, it announces one extra day off (`--day`, default Thursday
24/12/2026) and runs the recheck: time, peak memory of the process, candidate tickets read, dates moved
and events written; then the same recheck again (nothing to do), and, as the bare comparison in the
same run, a COUNT of the tickets whose answer date is the announced day (the least any recheck must
read). Only the tickets whose dates meet the changed day are read; the time follows them, not the table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import time
from datetime import date, datetime, timedelta

os.environ.setdefault("FEEDBACK_ENV", "testing")

from sqlalchemy import text

from bench.common import ensure_database
from feedback import create_app
from feedback.domain.deadlines import CALENDAR_DAYS, WORKING_DAYS, Rule, due_date
from feedback.extensions import db
from feedback.models import Category, Unit, User

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 3, 0)  # 10:00 local
FIRST = TODAY - timedelta(days=730)
ANSWER = Rule(20, CALENDAR_DAYS, "Thông tư 02/2017/TT-VPCP")
PUBLISH = Rule(2, WORKING_DAYS, "Thông tư 02/2017/TT-VPCP")

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
    "answered_on",
    "answered_at",
    "on_time",
    "publish_due_date",
    "published_at",
    "deadline_basis",
    "regime",
    "created_at",
    "updated_at",
)


def load(count: int, units: list[int], categories: list[int], cal) -> None:
    """COPY `count` tickets received from FIRST to TODAY, with the dates intake and approval write."""
    raw = db.engine.raw_connection()
    span = (TODAY - FIRST).days
    dues: dict[date, date] = {}
    publishes: dict[date, date] = {}
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(1, count + 1):
                received_on = FIRST + timedelta(days=(i * 7919) % span)
                if received_on not in dues:
                    dues[received_on] = due_date(received_on, ANSWER, cal).due
                due = dues[received_on]
                received = datetime.combine(received_on, datetime.min.time()) + timedelta(hours=2)
                age = (TODAY - received_on).days
                answered_on = answered_at = on_time = publish_due = published_at = None
                if age <= 75 or i % 10 == 0:
                    state = "in_progress" if i % 2 else "assigned"
                else:
                    state = "answered"
                    answered_on = received_on + timedelta(days=5 + i % 25)
                    answered_at = datetime.combine(answered_on, datetime.min.time()) + timedelta(hours=3)
                    on_time = answered_on <= due
                    if answered_on not in publishes:
                        publishes[answered_on] = due_date(answered_on, PUBLISH, cal).due
                    publish_due = publishes[answered_on]
                    published_at = None if i % 10 == 1 else answered_at + timedelta(days=1)
                basis = {
                    "answer": {
                        "from": received_on.isoformat(),
                        "amount": 20,
                        "unit": CALENDAR_DAYS,
                        "basis": ANSWER.legal_basis,
                        "counted_from": "receipt",
                        "fixed": None,
                        "paused": 0,
                    }
                }
                if publish_due:
                    basis["publish"] = {
                        "from": answered_on.isoformat(),
                        "amount": 2,
                        "unit": WORKING_DAYS,
                        "basis": PUBLISH.legal_basis,
                        "counted_from": "answer",
                        "fixed": None,
                        "paused": 0,
                    }
                copy.write_row(
                    (
                        f"BENCH-{i:08d}",
                        secrets.token_hex(16),
                        1,
                        "complaint",
                        categories[i % len(categories)],
                        units[i % len(units)],
                        state,
                        "web",
                        "enterprise",
                        "Nguyễn Văn Bench",
                        f"dn{i}@example.com",
                        "Tây Ninh",
                        False,
                        f"Phản ánh số {i}",
                        "Nội dung",
                        received,
                        received_on,
                        due,
                        due,
                        "",
                        0,
                        0,
                        answered_on,
                        answered_at,
                        on_time,
                        publish_due,
                        published_at,
                        json.dumps(basis),
                        "default",
                        received,
                        received,
                    )
                )
        raw.commit()
    finally:
        raw.close()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench9")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--day", default="2026-12-24")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database a previous run loaded (announce another --day)."
    )
    args = parser.parse_args()
    day = date.fromisoformat(args.day)
    if not args.reuse:
        ensure_database(args.url, drop=True)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.url, CLOCK_NOW=NOW)
    with app.app_context():
        from feedback.data.seed import seed_organisation
        from feedback.db.search import ensure_search_schema
        from feedback.services import admin as svc
        from feedback.services import calendar, recheck

        loaded = 0.0
        if not args.reuse:
            db.create_all()
            ensure_search_schema(db.engine)
            seed_organisation()
            db.session.add(User(email="admin@bench.vn", name="Quản trị", role="admin", password_hash="x"))
            db.session.commit()
            units = [u.id for u in db.session.execute(db.select(Unit)).scalars()]
            categories = [c.id for c in db.session.execute(db.select(Category)).scalars()]
            started = time.perf_counter()
            # The dates as the previous version fixed them: statutory days only (no shipped calendar).
            load(args.tickets, units, categories, calendar.legacy_calendar())
            db.session.execute(text("ANALYZE tickets"))
            db.session.commit()
            loaded = time.perf_counter() - started
        admin = db.session.execute(db.select(User).where(User.email == "admin@bench.vn")).scalar_one()
        counts = dict(db.session.execute(text("SELECT state, count(*) FROM tickets GROUP BY state")).all())
        overdue = db.session.execute(
            text("SELECT count(*) FROM tickets WHERE state <> 'answered' AND due_date < :t"), {"t": TODAY}
        ).scalar_one()
        # The first recheck after the upgrade that ships the official calendar (2025-2026 announcements).
        started = time.perf_counter()
        upgrade = recheck.recheck(NOW, TODAY)
        db.session.commit()
        upgrade_s = time.perf_counter() - started

        started = time.perf_counter()
        bare = db.session.execute(text("SELECT count(*) FROM tickets WHERE due_date = :d"), {"d": day}).scalar_one()
        bare_s = time.perf_counter() - started
        db.session.commit()

        svc.add_override(admin, day=day, day_type="day_off", note="Thông báo 999/TB-UBND (benchmark)", now=NOW)
        db.session.commit()
        before = peak_mib()
        started = time.perf_counter()
        report = recheck.recheck(NOW, TODAY)
        db.session.commit()
        first_s = time.perf_counter() - started
        after = peak_mib()
        events = db.session.execute(
            text("SELECT count(*) FROM ticket_events WHERE action = 'deadline_moved' AND at = :now"), {"now": NOW}
        ).scalar_one() - len(upgrade.moved)
        mails = sum(1 for m in report.moved if m.purpose == "answer")
        started = time.perf_counter()
        again = recheck.recheck(NOW, TODAY)
        db.session.commit()
        second_s = time.perf_counter() - started

    print(f"tickets loaded: {args.tickets:,} in {loaded:.0f} s; by state: {counts}; open overdue: {overdue:,}")
    print(f"announced day off: {day.isoformat()}")
    print("| step | time | read | moved | events | e-mails |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| bare: count tickets due that day (index) | {bare_s * 1000:.1f} ms | {bare:,} | | | |")
    print(
        f"| first recheck after the upgrade (shipped calendar, {len(upgrade.changed_days)} changed days) | "
        f"{upgrade_s:.2f} s | {upgrade.candidates:,} | {len(upgrade.moved):,} | | |"
    )
    print(
        f"| recheck after the announcement | {first_s:.2f} s | {report.candidates:,} | {len(report.moved):,} "
        f"| {events:,} | {mails:,} |"
    )
    print(f"| same recheck again | {second_s * 1000:.1f} ms | {again.candidates:,} | {len(again.moved):,} | | |")
    print(f"peak memory of the process: {before:.0f} MiB before the recheck, {after:.0f} MiB after")


if __name__ == "__main__":
    main()
