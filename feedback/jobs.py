"""The scheduler process (`flask scheduler`): reminder sweep and outbox sender on intervals.

It runs in its own foreground process, never inside web workers (nothing in create_app() starts it).
Several scheduler processes may run against one database (one per host); exactly one of them, the
leader, runs jobs:
- on PostgreSQL the leader holds a session-level advisory lock (pg_try_advisory_lock) on a
  dedicated connection; when the process dies the server drops the connection and the lock with
  it, and another scheduler's next attempt takes it;
- on SQLite the leader holds a lease row (SchedulerLease) that it renews; another scheduler takes
  the row over once it has expired (SCHEDULER_LEASE_SECONDS without renewal).
Each job asks for leadership before it runs, so a follower becomes the leader at its next tick.
The jobs themselves are also safe to run twice at once (reminders are logged once, outbox rows are
claimed), so the lock is about doing the work once, not about correctness alone.

SIGTERM and SIGINT stop the scheduler cleanly: no new job starts, running jobs finish, the lock or
lease is released so another scheduler can take over at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import NullPool

from .extensions import db
from .models import SchedulerLease
from .timeutil import utcnow

log = logging.getLogger("feedback.jobs")

LEASE_NAME = "scheduler"


def holder_name() -> str:
    """Who holds the lock: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leadership:
    """Decides whether this process is the one scheduler that runs jobs."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or holder_name()
        self.is_leader = False
        self.term = 0  # incremented each time this process becomes the leader
        self._lock = threading.Lock()

    def ensure(self) -> bool:
        """Become or stay the leader if possible; return whether this process is the leader."""
        with self._lock:
            was = self.is_leader
            try:
                self.is_leader = self._ensure()
            except Exception:
                log.exception("scheduler lock check failed")
                self.is_leader = False
            if self.is_leader != was:
                log.info(
                    "scheduler %s %s", self.holder, "is now the leader" if self.is_leader else "is no longer the leader"
                )
                if self.is_leader:
                    self.term += 1
            return self.is_leader

    def release(self) -> None:
        """Give up leadership so another scheduler can take over at once."""
        with self._lock:
            try:
                self._release()
            except Exception:
                log.exception("scheduler lock release failed")
            self.is_leader = False

    def _ensure(self) -> bool:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError


class AdvisoryLock(Leadership):
    """PostgreSQL: pg_try_advisory_lock held on a dedicated autocommit connection."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        super().__init__(app, holder)
        self.key = app.config["SCHEDULER_LOCK_KEY"]
        self.engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
        self.conn = None

    def _ensure(self) -> bool:
        if self.conn is not None:
            try:  # still connected means still holding the lock
                self.conn.execute(text("SELECT 1"))
                return True
            except Exception:
                self._drop()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        if got:
            conn.execute(
                text("SELECT set_config('application_name', :name, false)"),
                {"name": f"feedback-scheduler {self.holder}"[:63]},
            )
            self.conn = conn
            return True
        conn.close()
        return False

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                pass

    def _release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            finally:
                self._drop()
        self.engine.dispose()


class LeaseLock(Leadership):
    """A lease row renewed by its holder and taken over by another scheduler once expired."""

    def __init__(self, app: Flask, holder: str | None = None) -> None:
        super().__init__(app, holder)
        self.seconds = app.config["SCHEDULER_LEASE_SECONDS"]

    def _ensure(self) -> bool:
        with self.app.app_context():
            now = utcnow()
            expires = now + timedelta(seconds=self.seconds)
            # Renew our lease, or take over an expired one, in one conditional UPDATE.
            result = db.session.execute(
                db.update(SchedulerLease)
                .where(SchedulerLease.name == LEASE_NAME)
                .where((SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
                .returning(SchedulerLease.name)
            ).first()
            if result is None:  # no row yet (or someone else's live lease): try to create it
                insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
                # RETURNING rather than rowcount: what drivers report for ON CONFLICT varies.
                result = db.session.execute(
                    insert(SchedulerLease)
                    .values(name=LEASE_NAME, holder=self.holder, expires_at=expires)
                    .on_conflict_do_nothing(index_elements=["name"])
                    .returning(SchedulerLease.name)
                ).first()
            db.session.commit()
            return result is not None

    def _release(self) -> None:
        with self.app.app_context():
            db.session.execute(
                db.delete(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder)
            )
            db.session.commit()


def leadership_for(app: Flask, holder: str | None = None) -> Leadership:
    """The advisory lock on PostgreSQL, the lease row elsewhere."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return AdvisoryLock(app, holder)
    return LeaseLock(app, holder)


def committed(app: Flask, *steps: Callable[[], Any]) -> list[Any]:
    """Run a job's steps in an application context, each committed after it; on an error the open
    transaction is rolled back and the error raised. The steps' results, in order."""
    with app.app_context():
        results = []
        try:
            for step in steps:
                results.append(step())
                db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return results


def run_reminders(app: Flask, now: datetime):
    """Job: one reminder sweep at `now`, committed, then the reminders of the periodic reports due soon."""
    from .services.reminders import sweep

    log.info("reminder sweep started at %s", now.isoformat(timespec="seconds"))
    # The periodic reports to the People's Committee (issue 12) are reminded after the sweep is committed.
    report, reports_due = committed(app, lambda: sweep(now), lambda: remind_reports(now))
    if reports_due:
        log.info("report reminders queued: outbox %s", reports_due)
    if report.skipped:
        log.info("reminder sweep: nothing queued (%s)", report.skipped)
    else:
        log.info(
            "reminder sweep finished: %s candidates, %s reminders, %s emails queued",
            report.candidates,
            len(report.queued),
            len(report.messages),
        )
    return report


def run_calendar(app: Flask, now: datetime):
    """Job: recheck the tickets' dates against the calendar in force, and ask for next year's plan."""
    from .services.recheck import ask_for_plan, recheck
    from .timeutil import local_today

    def check():
        report = recheck(now, local_today(now))
        ask_for_plan(now, local_today(now), app.config["CALENDAR_PLAN_ASK_FROM"])
        return report

    (report,) = committed(app, check)
    if report.changed_days:
        log.info(
            "calendar recheck: %s changed days, %s dates moved on %s tickets",
            len(report.changed_days),
            len(report.moved),
            report.tickets,
        )
    return report


def remind_reports(now: datetime) -> list[int]:
    """Queue the office's reminders of the periodic reports due soon (once per report); outbox ids."""
    from .services import calendar, register

    return register.remind_reports(now, calendar.work_calendar())


def run_outbox(app: Flask, now: datetime):
    """Job: one outbox pass at `now` (the sender commits each message itself)."""
    from .services.outbox import send_pending

    with app.app_context():
        report = send_pending(now)
    if report.sent or report.retried or report.failed or report.lost_claims:
        log.info(
            "outbox: sent %s, retry later %s, failed %s, released %s",
            len(report.sent),
            len(report.retried),
            len(report.failed),
            len(report.released),
        )
    return report


def run_file_cleanup(app: Flask, now: datetime):
    """Job: remove attachment files left without their row, prune old rate events."""
    from .services.files import clean_orphans

    (report,) = committed(app, lambda: clean_orphans(now))
    if report.removed:
        log.info("file clean-up: %s orphan attachment files removed", len(report.removed))
    return report


def run_statistics(app: Flask, now: datetime):
    """Job: ANALYZE the tables whose planner statistics are missing or, with autovacuum off, out of date."""
    from .db import statistics

    return statistics.refresh_app(app)


class Every:
    """A job's own interval, checked at each tick: due when `seconds` have passed since its last run,
    and at once when this process has (again) become the leader, so a scheduler taking over from a
    dead one does not wait a whole interval to catch up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: float | None = None
        self.term = -1

    def due(self, leader: Leadership) -> bool:
        return self.last is None or leader.term != self.term or time.monotonic() - self.last >= self.seconds - 0.05

    def mark(self, leader: Leadership) -> None:
        self.last, self.term = time.monotonic(), leader.term


def guarded(leader: Leadership, name: str, job: Callable[[], object], every: Every) -> Callable[[], None]:
    """Wrap a job so it runs only on the leader, at its interval, and never kills the scheduler."""

    def run() -> None:
        if not leader.ensure():
            log.debug("%s skipped: another scheduler is the leader", name)
            return
        if not every.due(leader):
            return
        every.mark(leader)
        try:
            job()
        except Exception:
            log.exception("%s failed", name)

    return run


def build_scheduler(
    app: Flask,
    leader: Leadership,
    *,
    reminder_seconds: float,
    outbox_seconds: float,
    clock: Callable[[], datetime] = utcnow,
):
    """A BlockingScheduler with the two jobs and a lock heartbeat, not yet started.

    The jobs tick often (every few seconds at most) and run when their own interval has passed or
    leadership was just gained; the jobs never call the scheduler's API from their threads (a job
    that did could deadlock with a shutdown, which holds the scheduler's locks while it waits).
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC",
    )
    first = datetime.now(UTC)  # run at once, then on the interval
    # Renew the lease (or re-check the lock) between jobs, so a long job does not let it expire
    # and a follower notices a dead leader quickly.
    heartbeat = max(1.0, min(app.config["SCHEDULER_LEASE_SECONDS"] / 3, outbox_seconds))
    scheduler.add_job(leader.ensure, "interval", seconds=heartbeat, id="heartbeat", next_run_time=first)
    jobs = (  # name in the log, job id, job, interval in seconds
        ("reminder sweep", "reminders", run_reminders, reminder_seconds),
        ("outbox sender", "outbox", run_outbox, outbox_seconds),
        ("calendar recheck", "calendar", run_calendar, app.config["SCHEDULER_CALENDAR_MINUTES"] * 60),
        ("file clean-up", "file-cleanup", run_file_cleanup, app.config["ORPHAN_SWEEP_SECONDS"]),
        ("planner statistics", "statistics", run_statistics, app.config["SCHEDULER_STATISTICS_MINUTES"] * 60),
    )
    for name, job_id, job, seconds in jobs:
        scheduler.add_job(
            guarded(leader, name, partial(lambda job: job(app, clock()), job), Every(seconds)),
            "interval",
            seconds=min(seconds, heartbeat),
            id=job_id,
            next_run_time=first,
        )
    return scheduler


def run_scheduler(
    app: Flask,
    *,
    reminder_seconds: float | None = None,
    outbox_seconds: float | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT."""
    reminder_seconds = reminder_seconds or app.config["SCHEDULER_REMINDER_MINUTES"] * 60
    outbox_seconds = outbox_seconds or app.config["SCHEDULER_OUTBOX_SECONDS"]
    leader = leadership_for(app)
    scheduler = build_scheduler(
        app, leader, reminder_seconds=reminder_seconds, outbox_seconds=outbox_seconds, clock=clock
    )

    stop_requested = threading.Event()

    def stop(signum, _frame) -> None:
        # A signal handler runs on the main thread between two bytecodes, possibly while the main
        # loop holds the scheduler's locks: it only hands the shutdown to another thread.
        log.info("scheduler %s: %s received, finishing running jobs", leader.holder, signal.Signals(signum).name)
        stop_requested.set()

    def stopper() -> None:
        stop_requested.wait()
        for _ in range(200):  # a signal right at start-up: let start() get going first
            if scheduler.running:
                break
            time.sleep(0.05)
        if scheduler.running:
            scheduler.shutdown(wait=True)  # waits for running jobs, then ends scheduler.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=stopper, name="scheduler-stopper", daemon=True).start()
    log.info(
        "scheduler %s started: reminders every %ss, outbox every %ss, %s",
        leader.holder,
        reminder_seconds,
        outbox_seconds,
        type(leader).__name__,
    )
    try:
        scheduler.start()
    finally:
        leader.release()
        log.info("scheduler %s stopped", leader.holder)
