"""Configuration classes, driven by the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list."""
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def database_url(value: str | None) -> str | None:
    """Use the psycopg 3 driver for plain postgresql:// (and Heroku-style postgres://) URLs."""
    if value and value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


class Config:
    """Settings shared by every environment; each can be overridden by an environment variable."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{BASE_DIR / 'instance' / 'feedback.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions and cookies.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    # A staff session ends this long after sign-in, or after this long without a request (seconds).
    SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 8 * 3600)
    SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_LIFETIME
    REMEMBER_COOKIE_DURATION = SESSION_ABSOLUTE_LIFETIME

    # Mail.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Sở Khoa học và Công nghệ <phananh@sokhcn.gov.vn>")
    MAIL_SUPPRESS_SEND = env_bool("MAIL_SUPPRESS_SEND", False)
    OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 60)
    OUTBOX_BATCH = env_int("OUTBOX_BATCH", 50)
    # A "sending" claim older than this (wall clock) belongs to a sender that died; it is taken over.
    OUTBOX_CLAIM_SECONDS = env_int("OUTBOX_CLAIM_SECONDS", 600)
    # Connect/read timeout for the SMTP server, so a silent server cannot hold a claim forever.
    OUTBOX_SMTP_TIMEOUT = env_int("OUTBOX_SMTP_TIMEOUT", 30)

    BASE_URL = os.environ.get("BASE_URL", "http://localhost:5000")
    # PostgreSQL: seconds to wait for a connection; longest a statement may run (0: no limit).
    DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 3)
    DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30000)
    # psycopg prepares a statement on a connection after it has run this many times (psycopg's default: 5).
    DB_PREPARE_THRESHOLD = env_int("DB_PREPARE_THRESHOLD", 1)
    # When the app starts, ANALYZE the tables PostgreSQL has no fresh statistics of (a bulk load or a
    # restore, with autovacuum off or not yet run): feedback/db/statistics.py. The scheduler does the same
    # every SCHEDULER_STATISTICS_MINUTES, and a web process every DB_ANALYZE_CHECK_SECONDS.
    DB_ANALYZE_STALE = env_bool("DB_ANALYZE_STALE", True)
    DB_ANALYZE_CHECK_SECONDS = env_int("DB_ANALYZE_CHECK_SECONDS", 60)  # a web process checks again (0: never)
    # The garbage collector of a web process (feedback/web/process.py): a full collection every 700
    # allocations, Python's default, costs a staff page about 0.3 ms; at GC_GEN0_THRESHOLD, and with the
    # objects of the started app set aside (gc.freeze), under 0.1 ms. 0 keeps Python's settings.
    GC_GEN0_THRESHOLD = env_int("GC_GEN0_THRESHOLD", 10000)
    # A web process compiles every template when it starts (about 1.3 s), so that no visitor's request
    # pays for a template's first use (the first submission of a worker cost 85-130 ms more than the next,
    # most of it compiling its e-mail templates). Never under the `flask` command (a CLI command starts
    # fast; `flask run` is the development server).
    TEMPLATES_COMPILED_AT_START = env_bool("TEMPLATES_COMPILED_AT_START", True)
    # The staff queue's totals per state for the whole department (every counter summed) are kept this
    # many seconds per process, and the page says so (0: summed for every page).
    QUEUE_TOTALS_SECONDS = env_int("QUEUE_TOTALS_SECONDS", 5)
    # /healthz answers 503 when the database has not answered within this many seconds.
    HEALTHZ_TIMEOUT = env_int("HEALTHZ_TIMEOUT", 4)
    # Attachment files without a row (a worker killed between writing and committing) older than this
    # are removed by `flask attachments clean` and the scheduler, every ORPHAN_SWEEP_SECONDS.
    ORPHAN_MIN_AGE_SECONDS = env_int("ORPHAN_MIN_AGE_SECONDS", 3600)
    ORPHAN_SWEEP_SECONDS = env_int("ORPHAN_SWEEP_SECONDS", 3600)
    # Personal data (issue 13): the department's contact for personal data shown in the notice and
    # policy, the notice version recorded on each ticket, and the retention shown to submitters.
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "dulieucanhan@sokhcn.gov.vn")
    PRIVACY_CONTACT_PHONE = os.environ.get("PRIVACY_CONTACT_PHONE", "")
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-01")
    PRIVACY_RETENTION_YEARS = env_int("PRIVACY_RETENTION_YEARS", 5)
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(BASE_DIR / "instance" / "uploads")
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    MAX_ATTACHMENT_SIZE = env_int("MAX_ATTACHMENT_SIZE", 10 * 1024 * 1024)
    MAX_ATTACHMENTS = env_int("MAX_ATTACHMENTS", 5)
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")
    OFFICE_HOURS = os.environ.get("OFFICE_HOURS", "07:30-17:00")
    # The office's contact, shown in the footer of every page and on the home page (issue 15).
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "Sở Khoa học và Công nghệ tỉnh Tây Ninh")
    OFFICE_NAME_EN = os.environ.get("OFFICE_NAME_EN", "Tay Ninh Department of Science and Technology")
    OFFICE_HOTLINE = os.environ.get("OFFICE_HOTLINE", "0272 3826 000")
    OFFICE_ADDRESS = os.environ.get("OFFICE_ADDRESS", "Số 1 Nguyễn Huệ, phường Tân An, tỉnh Tây Ninh")
    # The office's public mailbox, shown in the footer; also where report reminders go (unset: to the
    # coordinators' accounts).
    OFFICE_EMAIL = os.environ.get("OFFICE_EMAIL", "")
    # A submission after office hours counts as received on the next working day.
    AFTER_HOURS_NEXT_DAY = env_bool("AFTER_HOURS_NEXT_DAY", True)
    # Whether a request for information pauses the resolution clock.
    PAUSE_ON_REQUEST_INFO = env_bool("PAUSE_ON_REQUEST_INFO", True)
    MAX_EXTENSIONS = env_int("MAX_EXTENSIONS", 1)
    TRACKING_PREFIX = os.environ.get("TRACKING_PREFIX", "PAKN")

    # Closing the loop (issue 14): an answer can be rated for RATING_OPEN_DAYS calendar days after it
    # is sent, a rating changed for RATING_CHANGE_DAYS days after it is first given; one reminder goes
    # RATING_REMINDER_DAYS days after the answer to a submitter who has not rated (0: none); the
    # submitter may ask for REVIEW_MAX reconsiderations (the period and the review's deadline are the
    # deadline rules "review_request" and "review").
    RATING_OPEN_DAYS = env_int("RATING_OPEN_DAYS", 60)
    RATING_CHANGE_DAYS = env_int("RATING_CHANGE_DAYS", 7)
    RATING_REMINDER_DAYS = env_int("RATING_REMINDER_DAYS", 5)
    REVIEW_MAX = env_int("REVIEW_MAX", 1)

    OPEN311_API_KEYS = env_list("OPEN311_API_KEYS")
    OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "sokhcn.gov.vn")

    # Public statistics are cached per process for this long; a results search the planner gets wrong
    # is cut off after this many milliseconds and retried on the full-text index (PostgreSQL).
    STATISTICS_CACHE_SECONDS = env_int("STATISTICS_CACHE_SECONDS", 300)
    SEARCH_PLAN_TIMEOUT_MS = env_int("SEARCH_PLAN_TIMEOUT_MS", 300)
    # Units, categories, deadline rules and the calendar are cached per process; another process's
    # change is seen within REFERENCE_CHECK_SECONDS (the version row is read at most that often, and at
    # most once per request). The process that makes a change sees it at once.
    REFERENCE_CACHE = env_bool("REFERENCE_CACHE", True)
    REFERENCE_CHECK_SECONDS = env_int("REFERENCE_CHECK_SECONDS", 2)
    # The results page, its Atom feed and the home page's latest results are cached per process as
    # rendered (PUBLIC_PAGE_CACHE_SIZE pages at most); a publication by another process is seen within
    # PUBLIC_PAGE_CHECK_SECONDS (the publication version row is read at most that often, and at most once
    # per request). The process that publishes or unpublishes sees it at once.
    PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)
    PUBLIC_PAGE_CHECK_SECONDS = env_int("PUBLIC_PAGE_CHECK_SECONDS", 2)
    PUBLIC_PAGE_CACHE_SIZE = env_int("PUBLIC_PAGE_CACHE_SIZE", 128)

    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    # Submissions per client address per window.
    SUBMIT_RATE_LIMIT = env_int("SUBMIT_RATE_LIMIT", 5)
    SUBMIT_RATE_WINDOW = env_int("SUBMIT_RATE_WINDOW", 600)
    # Sign-in: failures are counted per (account, address). After LOGIN_MAX_FAILURES of them the next
    # try from that address waits LOGIN_BASE_DELAY seconds, then twice as long after each further
    # failure, at most LOGIN_LOCK_SECONDS; other addresses are not slowed. An address is also refused
    # after LOGIN_ADDRESS_LIMIT failures (any accounts) within LOGIN_ADDRESS_WINDOW seconds.
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_BASE_DELAY = env_int("LOGIN_BASE_DELAY", 30)
    LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 900)
    LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 24 * 3600)
    LOGIN_ADDRESS_LIMIT = env_int("LOGIN_ADDRESS_LIMIT", 30)
    LOGIN_ADDRESS_WINDOW = env_int("LOGIN_ADDRESS_WINDOW", 900)
    # Tracking by code and e-mail: lookups per address, failed lookups per code (per window).
    TRACK_RATE_LIMIT = env_int("TRACK_RATE_LIMIT", 10)
    TRACK_RATE_WINDOW = env_int("TRACK_RATE_WINDOW", 600)
    TRACK_CODE_LIMIT = env_int("TRACK_CODE_LIMIT", 5)
    TRACK_CODE_WINDOW = env_int("TRACK_CODE_WINDOW", 3600)
    # Open311 POST: per API key (besides the per-address submission limit); wrong keys per address.
    OPEN311_KEY_RATE_LIMIT = env_int("OPEN311_KEY_RATE_LIMIT", 120)
    OPEN311_KEY_RATE_WINDOW = env_int("OPEN311_KEY_RATE_WINDOW", 3600)
    OPEN311_BAD_KEY_LIMIT = env_int("OPEN311_BAD_KEY_LIMIT", 5)
    OPEN311_BAD_KEY_WINDOW = env_int("OPEN311_BAD_KEY_WINDOW", 900)
    HSTS_SECONDS = env_int("HSTS_SECONDS", 0)
    # Trust X-Forwarded-For from this many proxies (gunicorn behind nginx: 1); 0 trusts no header.
    PROXY_COUNT = env_int("PROXY_COUNT", 0)

    # Reminder ladder (DESIGN §6): working days before / after the due date.
    REMINDER_BEFORE_DAYS = [int(x) for x in env_list("REMINDER_BEFORE_DAYS", "3,1,0")]
    REMINDER_HEAD_OVERDUE_DAYS = env_int("REMINDER_HEAD_OVERDUE_DAYS", 1)
    REMINDER_ESCALATE_DAYS = env_int("REMINDER_ESCALATE_DAYS", 5)
    # Where the ladder ends (README "Reminders"): each overdue kind is repeated on this many working
    # days in a row, then the one last escalation at REMINDER_FINAL_DAYS working days overdue; the
    # submitter gets at most REMINDER_PROGRESS_MAX progress updates; a missed rung is still sent within
    # REMINDER_CATCHUP_DAYS working days.
    REMINDER_DAILY_RUNGS = env_int("REMINDER_DAILY_RUNGS", 10)
    REMINDER_FINAL_DAYS = env_int("REMINDER_FINAL_DAYS", 20)
    REMINDER_PROGRESS_MAX = env_int("REMINDER_PROGRESS_MAX", 4)
    REMINDER_CATCHUP_DAYS = env_int("REMINDER_CATCHUP_DAYS", 5)
    # A digest lists this many tickets; the rest are counted per kind with a link to the queue.
    REMINDER_DIGEST_CAP = env_int("REMINDER_DIGEST_CAP", 200)
    # Candidate tickets read, logged and committed per batch of the sweep.
    REMINDER_BATCH = env_int("REMINDER_BATCH", 2000)
    # Default progress-update period (calendar days) when no "progress" deadline rule is active.
    PROGRESS_UPDATE_DAYS = env_int("PROGRESS_UPDATE_DAYS", 7)
    # A registered item received more than this many working days before it is entered gets a warning.
    RECEIPT_WARNING_WORKING_DAYS = env_int("RECEIPT_WARNING_WORKING_DAYS", 5)
    # How often the scheduler rechecks open tickets' dates against the calendar in force (minutes).
    SCHEDULER_CALENDAR_MINUTES = env_int("SCHEDULER_CALENDAR_MINUTES", 60)
    SCHEDULER_STATISTICS_MINUTES = env_int("SCHEDULER_STATISTICS_MINUTES", 60)
    # From this month and day on, until next year's holiday plan is entered, administrators are asked for it.
    CALENDAR_PLAN_ASK_FROM = os.environ.get("CALENDAR_PLAN_ASK_FROM", "10-01")
    SCHEDULER_REMINDER_MINUTES = env_int("SCHEDULER_REMINDER_MINUTES", 15)
    SCHEDULER_OUTBOX_SECONDS = env_int("SCHEDULER_OUTBOX_SECONDS", 30)
    SCHEDULER_LEASE_SECONDS = env_int("SCHEDULER_LEASE_SECONDS", 120)
    # Key of the PostgreSQL advisory lock that elects the one scheduler that runs jobs.
    SCHEDULER_LOCK_KEY = env_int("SCHEDULER_LOCK_KEY", 460_311_004)

    # Official documents (issue 12): the letterhead, the outgoing register and signing.
    DOCUMENT_PROVINCE = os.environ.get("DOCUMENT_PROVINCE", "UBND TỈNH TÂY NINH")
    DOCUMENT_ISSUER_NAME = os.environ.get("DOCUMENT_ISSUER_NAME", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    DOCUMENT_ISSUER = os.environ.get("DOCUMENT_ISSUER", "SKHCN")  # abbreviation in every symbol
    DOCUMENT_PLACE = os.environ.get("DOCUMENT_PLACE", "Tây Ninh")
    DOCUMENT_HEAD_TITLE = os.environ.get("DOCUMENT_HEAD_TITLE", "GIÁM ĐỐC")
    # Abbreviation per drafting unit code ("CCTDC=CCTĐC,QLCN=QLCN"); a unit's own doc_symbol wins,
    # then this, then the unit code.
    DOCUMENT_UNIT_SYMBOLS = dict(item.split("=", 1) for item in env_list("DOCUMENT_UNIT_SYMBOLS") if "=" in item)
    REPORT_ADDRESSEE = os.environ.get("REPORT_ADDRESSEE", "Ủy ban nhân dân tỉnh Tây Ninh")
    REPORT_REMINDER_DAYS = env_int("REPORT_REMINDER_DAYS", 5)
    # PAdES signing on approval with the department's certificate (PKCS#12); unset: signed elsewhere, uploaded.
    LETTER_SIGNING_PKCS12 = os.environ.get("LETTER_SIGNING_PKCS12", "")
    LETTER_SIGNING_PASSWORD = os.environ.get("LETTER_SIGNING_PASSWORD", "")
    # CA certificates (PEM or DER paths) that uploaded and server signatures must chain to.
    LETTER_TRUST_ROOTS = env_list("LETTER_TRUST_ROOTS")
    MAX_SIGNED_UPLOAD = env_int("MAX_SIGNED_UPLOAD", 15 * 1024 * 1024)

    LANGUAGES = ["vi", "en"]
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    BOOTSTRAP_SERVE_LOCAL = True


class DevelopmentConfig(Config):
    """The embedded demo: SQLite in instance/, mail kept in the outbox unless a server is set."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 1025)


class TestingConfig(Config):
    """Tests: database from TEST_DATABASE_URL or SQLite in a temporary file set by the fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    WTF_CSRF_ENABLED = True
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 8025
    BASE_URL = "http://localhost"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    GC_GEN0_THRESHOLD = 0  # the suite builds hundreds of apps in one process: nothing is frozen
    TEMPLATES_COMPILED_AT_START = False  # nor compiled ahead for each of them
    STATISTICS_CACHE_SECONDS = 0
    DB_ANALYZE_STALE = False  # the suite's databases are small; tests/deploy/test_stale_statistics.py turns it on
    REFERENCE_CHECK_SECONDS = 0  # every request checks the version: a change by another app is seen at once
    PUBLIC_PAGE_CHECK_SECONDS = 0  # the same for the publication version


class ProductionConfig(Config):
    """Production: PostgreSQL, secure cookies, SECRET_KEY required."""

    ENV_NAME = "production"
    BASE_URL = os.environ.get("BASE_URL")  # required: links in e-mails
    # Browsers keep to HTTPS for a year once they have seen the site over it.
    HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    """Pick the configuration class from FEEDBACK_ENV (default: development)."""
    name = name or os.environ.get("FEEDBACK_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"FEEDBACK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
