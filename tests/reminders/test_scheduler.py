"""`flask scheduler`: one leader among several processes, takeover, kill and restart, clean SIGTERM.

The subprocess tests run the real command against the test database (SQLite file or PostgreSQL)
with `--now` fixed inside office hours and short intervals.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from feedback.extensions import db
from feedback.jobs import AdvisoryLock, LeaseLock, leadership_for
from feedback.models import OutboxMessage, SchedulerLease
from tests.reminders.reminder_helpers import at, reminder_keys

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


class Scheduler:
    """A `flask scheduler` subprocess whose log lines are collected as they come."""

    def __init__(self, app, *args: str, **env: str) -> None:
        environment = {
            **os.environ,
            "FEEDBACK_ENV": "production",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "scheduler-test",
            "BASE_URL": "https://phananh.sokhcn.gov.vn",  # production refuses to start without it
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(app.config["MAIL_PORT"]),
            "OUTBOX_SMTP_TIMEOUT": "5",
            "SCHEDULER_LEASE_SECONDS": "2",
            "OUTBOX_CLAIM_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [FLASK, "--app", "wsgi", "scheduler", *args],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30) -> None:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(regex.search(line) for line in list(self.lines)):
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)
                break
            time.sleep(0.02)
        raise AssertionError(f"{pattern!r} not seen in:\n{self.log()}")

    def saw(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in list(self.lines))

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no clean-up at all
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def schedulers(app):
    started: list[Scheduler] = []

    def start(*args: str, **env: str) -> Scheduler:
        db.session.rollback()  # hold no transaction (and no SQLite write lock) while they run
        s = Scheduler(app, *args, **env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def late_tickets(routed_ticket, staff, n: int) -> list[str]:
    """n tickets 5 working days late on 18/02/2027 (overdue head, escalation and progress each)."""
    codes = [
        routed_ticket("2027-01-22T09:00", assignee=staff["officer"], email=f"dn{i}@example.com").code for i in range(n)
    ]
    db.session.commit()
    return codes


def wait_until(predicate, timeout: float = 180, interval: float = 0.2, context=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not reached in time\n{context()}")


def reminder_rows_unsent() -> tuple[int, int]:
    total = db.session.execute(
        db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind.in_(["reminder_digest", "progress_update"]))
    ).scalar_one()
    unsent = db.session.execute(
        db.select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind.in_(["reminder_digest", "progress_update"]), OutboxMessage.status != "sent"
        )
    ).scalar_one()
    db.session.rollback()
    return total, unsent


def delivered_reminders(smtp) -> Counter:
    """(recipient, ticket code) pairs found in delivered reminder emails, with how often."""
    found = Counter()
    for rcpt, msg in list(smtp.messages):
        if "Nhắc việc" not in msg["Subject"] and "tiến độ" not in msg["Subject"]:
            continue
        body = msg.get_body(("plain",)).get_content()
        for code in set(re.findall(r"PAKN-\d{4}-\d{6}", body)):  # a code appears in text and link
            for r in rcpt:
                found[(r, code)] += 1
    return found


def expected_pairs(codes) -> Counter:
    pairs = Counter()
    for i, code in enumerate(codes):
        for recipient in ("head.qlcn@sokhcn.vn", "vanphong@sokhcn.vn", "giamdoc@sokhcn.vn", f"dn{i}@example.com"):
            pairs[(recipient, code)] += 1
    return pairs


def test_scheduler_killed_mid_sweep_and_restarted_finishes_without_duplicates(
    app, staff, routed_ticket, smtp_down, schedulers
):
    codes = late_tickets(routed_ticket, staff, 150)
    first = schedulers("--now", "2027-02-18T09:00", "--reminder-seconds", "600", "--outbox-seconds", "0.5")
    first.wait_for("reminder sweep started")
    time.sleep(0.05)
    first.kill()
    killed_mid_sweep = not first.saw("reminder sweep finished")
    if killed_mid_sweep:  # its transaction died with it
        assert reminder_keys() == []

    smtp_down.start()  # the restarted scheduler finds a working SMTP server
    second = schedulers("--now", "2027-02-18T11:00", "--reminder-seconds", "600", "--outbox-seconds", "0.5")
    wait_until(
        lambda: (lambda total, unsent: total > 0 and unsent == 0)(*reminder_rows_unsent()),
        context=lambda: f"{reminder_rows_unsent()}\n{first.log()}\n---\n{second.log()}",
    )
    assert second.terminate() == 0
    assert second.saw("stopped")

    keys = reminder_keys()
    assert len(keys) == len(set(keys)) == 3 * len(codes)
    assert delivered_reminders(smtp_down) == expected_pairs(codes)
    assert killed_mid_sweep, "the sweep finished before the kill: raise the ticket count to test a mid-sweep kill"


def test_only_one_of_two_schedulers_runs_jobs_and_the_other_takes_over(app, staff, routed_ticket, smtp, schedulers):
    codes = late_tickets(routed_ticket, staff, 3)
    # Two hosts; B runs (when it runs) as if it were the next day, so its work after the takeover is
    # told apart from A's: 19/02 brings new unit-head and escalation steps (6 working days late).
    a = schedulers("--now", "2027-02-18T09:00", "--reminder-seconds", "1", "--outbox-seconds", "0.5")
    a.wait_for("is now the leader")
    b = schedulers("--now", "2027-02-19T09:00", "--reminder-seconds", "1", "--outbox-seconds", "0.5")
    b.wait_for("scheduler .* started")
    wait_until(lambda: (lambda total, unsent: total > 0 and unsent == 0)(*reminder_rows_unsent()))
    time.sleep(2)  # several ticks of both
    assert a.saw("reminder sweep started") and not b.saw("reminder sweep started")
    assert not b.saw("is now the leader")
    assert delivered_reminders(smtp) == expected_pairs(codes)  # A's day: each reminder once

    a.kill()  # the leader dies without releasing anything
    b.wait_for("is now the leader", timeout=20)
    b.wait_for("reminder sweep finished: 3 candidates, 9 reminders")
    wait_until(lambda: (lambda total, unsent: total > 0 and unsent == 0)(*reminder_rows_unsent()))
    time.sleep(1.5)  # more sweeps by B: nothing new
    assert b.terminate() == 0

    pairs = expected_pairs(codes)
    for code in codes:  # 19/02: head and escalation again (new steps), no second progress email
        for recipient in ("head.qlcn@sokhcn.vn", "vanphong@sokhcn.vn", "giamdoc@sokhcn.vn"):
            pairs[(recipient, code)] += 1
    assert delivered_reminders(smtp) == pairs
    keys = reminder_keys()
    assert len(keys) == len(set(keys)) == 3 * 3 + 2 * 3


def test_sigterm_stops_cleanly_and_releases_the_lock(app, schedulers):
    s = schedulers("--reminder-seconds", "600", "--outbox-seconds", "1")
    s.wait_for("is now the leader")
    assert s.terminate() == 0
    assert s.saw("SIGTERM received") and s.saw("stopped")
    other = leadership_for(app, holder="other")
    try:
        assert other.ensure()  # free at once, no waiting for a lease to expire
    finally:
        other.release()


@pytest.mark.parametrize("kind", ["lease", "advisory"])
def test_lock_takeover_when_the_leader_dies(app, kind):
    if kind == "advisory" and app.config["BACKEND"] != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    app.config["SCHEDULER_LEASE_SECONDS"] = 1
    cls = LeaseLock if kind == "lease" else AdvisoryLock
    db.session.rollback()
    first, second = cls(app, holder="host-a:1"), cls(app, holder="host-b:2")
    try:
        assert first.ensure() and first.ensure()  # takes it, keeps it
        assert not second.ensure()
        if kind == "lease":
            time.sleep(1.2)  # host-a stops renewing (it died)
            assert second.ensure()
            assert not first.ensure()  # host-a comes back: no longer the leader
            lease = db.session.get(SchedulerLease, "scheduler")
            assert lease.holder == "host-b:2"
            db.session.rollback()
        else:
            first._drop()  # host-a's connection dies, and its lock with it
            assert second.ensure()
            assert not first.ensure()
    finally:
        first.release()
        second.release()


def test_web_workers_never_start_the_scheduler(tmp_path):
    code = (
        "import sys\nfrom wsgi import app\napp.test_client().get('/healthz')\n"
        "import threading\nprint(any('apscheduler' in m for m in sys.modules), "
        "','.join(sorted(t.name for t in threading.enumerate())))"
    )
    env = {**os.environ, "FEEDBACK_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # No scheduler, and no thread but the main one and the planner statistics' check (feedback/db/statistics.py).
    assert out.stdout.split() == ["False", "MainThread,planner-statistics"]


def test_jobs_run_for_a_given_moment(app, staff, routed_ticket, smtp):
    """The job functions the scheduler calls, run directly (also what a cron line would do)."""
    from feedback.jobs import run_outbox, run_reminders

    late_tickets(routed_ticket, staff, 1)
    db.session.rollback()
    assert run_reminders(app, at("2027-02-18T22:00")).skipped  # night: nothing
    report = run_reminders(app, at("2027-02-18T09:00"))
    assert len(report.queued) == 4
    assert len(run_outbox(app, at("2027-02-18T09:00")).sent) == len(report.messages) + 1  # + the acknowledgment
