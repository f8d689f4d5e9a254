"""Attachment files on disk: removing files that lost their row (a worker killed between writing the
file and committing), and the rate-event table's old rows. Every job is also a CLI command."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import Attachment
from . import throttle

BATCH = 500


@dataclass
class CleanReport:
    removed: list[str] = field(default_factory=list)
    kept: int = 0
    rate_events: int = 0


def clean_orphans(now: datetime, min_age_seconds: int | None = None) -> CleanReport:
    """Remove files of UPLOAD_FOLDER that no attachment row names and that are older than
    `min_age_seconds` (an upload still being committed is younger); prune rate events older than a day."""
    cfg = current_app.config
    min_age = cfg["ORPHAN_MIN_AGE_SECONDS"] if min_age_seconds is None else min_age_seconds
    folder = Path(cfg["UPLOAD_FOLDER"])
    report = CleanReport()
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)  # timestamps are naive UTC
    cutoff = aware.timestamp() - min_age
    if folder.is_dir():
        candidates = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        for start in range(0, len(candidates), BATCH):
            chunk = candidates[start : start + BATCH]
            known = set(
                db.session.execute(
                    db.select(Attachment.stored_name).where(Attachment.stored_name.in_([p.name for p in chunk]))
                ).scalars()
            )
            for path in chunk:
                if path.name in known:
                    report.kept += 1
                elif path.stat().st_mtime <= cutoff:
                    path.unlink(missing_ok=True)
                    report.removed.append(path.name)
    # No limit looks back further than a day (sign-in failures: LOGIN_FAILURE_WINDOW).
    keep = max(86400, cfg["LOGIN_FAILURE_WINDOW"], cfg["TRACK_CODE_WINDOW"], cfg["OPEN311_KEY_RATE_WINDOW"])
    naive = aware.astimezone(UTC).replace(tzinfo=None)
    report.rate_events = throttle.prune(naive - timedelta(seconds=keep))
    return report
