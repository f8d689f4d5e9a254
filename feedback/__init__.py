"""The business feedback desk: application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, get_config

from .web import process


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands, logging."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    configure(app, config, overrides)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_security(app)
    register_commands(app)
    configure_logging(app)
    process.compile_templates(app)  # before the collector freezes what the started app holds
    process.tune_garbage_collector(app)
    if app.config["DB_ANALYZE_STALE"]:
        from .db import statistics

        statistics.start(app)  # planner statistics of a database filled without ANALYZE
    return app


def configure(app: Flask, config: str | type | None, overrides: dict) -> None:
    """Load the configuration class and check what production requires."""
    cls = config if isinstance(config, type) else get_config(config)
    app.config.from_object(cls)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set (environment variable SECRET_KEY) outside development")
    if app.config.get("ENV_NAME") == "production" and not app.config.get("BASE_URL"):
        # Every link in every e-mail (tracking links, sign-in) is built from it.
        raise RuntimeError("BASE_URL must be set in production (e.g. https://phananh.sokhcn.gov.vn)")
    database_options(app)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    try:
        from .services.intake import private_folder

        private_folder(Path(app.config["UPLOAD_FOLDER"]))
    except OSError:  # an unwritable volume: submissions with files get a clear error, not a crash
        logging.getLogger(__name__).exception("upload folder %s is not usable", app.config["UPLOAD_FOLDER"])
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that only matches what an INTEGER column can hold: a larger id is a 404, not a
    database error."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """URL converters (before any blueprint's rules are built)."""
    app.url_map.converters["int"] = BoundedIntConverter


def database_options(app: Flask) -> None:
    """PostgreSQL: a connect timeout and a statement timeout, so a database that accepts connections
    and never answers cannot hold every worker (settings DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT_MS), and
    when psycopg prepares a statement (DB_PREPARE_THRESHOLD)."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", app.config["DB_CONNECT_TIMEOUT"])
    # Prepared from its second run on (psycopg waits for five): the server then plans a page's statements
    # once per connection after a few custom plans, instead of on the first ten requests of each worker.
    connect_args.setdefault("prepare_threshold", app.config["DB_PREPARE_THRESHOLD"])
    if app.config["DB_STATEMENT_TIMEOUT_MS"]:
        connect_args.setdefault("options", f"-c statement_timeout={int(app.config['DB_STATEMENT_TIMEOUT_MS'])}")
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", app.config["DB_CONNECT_TIMEOUT"])
    if options.get("pool_pre_ping"):  # idle connections only (feedback/db/pool.py)
        options["pool_pre_ping"] = False
        app.extensions["ping_when_idle"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: the search objects made by raw DDL in the migration are not drift."""
    from .db.search import is_search_object

    return not is_search_object(name, type_)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    # Imported here, not at module level: the subpackage `feedback.db` takes the name `db` in this module.
    from .extensions import babel, bootstrap, csrf, db, login_manager, mail, migrate

    db.init_app(app)
    if app.extensions.pop("ping_when_idle", False):
        from .db.pool import ping_when_idle

        with app.app_context():
            for engine in db.engines.values():
                ping_when_idle(engine)
    from .db.pool import commit_read_only_requests, read_only_pages

    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        commit_read_only_requests(app, db)
    read_only_pages(app, db)  # autocommit on PostgreSQL, no write lock on SQLite; writes refused on both
    migrate.init_app(
        app,
        db,
        directory=str(BASE_DIR / "migrations"),
        compare_type=True,
        render_as_batch=True,
        include_object=include_in_migrations,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    mail.init_app(app)
    csrf.init_app(app)
    from .web.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    bootstrap.init_app(app)

    from . import models  # noqa: F401  (register the models with the metadata)
    from .db import queue_counts, report_cache, search, summary  # noqa: F401  (their triggers come with create_all)
    from .db.sqlite import configure_sqlite

    configure_sqlite(app)

    from .auth import sessions

    sessions.register(app)  # the user loader: session version, lifetime, idle timeout


def register_blueprints(app: Flask) -> None:
    """Public site, staff area, sign-in, administration and the open API."""
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .public import bp as public_bp
    from .staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/staff/admin")
    app.register_blueprint(api_bp, url_prefix="/open311/v2")


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from .web import templating

    templating.register(app)


def register_error_handlers(app: Flask) -> None:
    """Friendly pages (or JSON for the API) for HTTP errors."""
    from .web import errors

    errors.register(app)


def register_security(app: Flask) -> None:
    """Security headers on every response."""
    from .web import security

    security.register(app)


def register_commands(app: Flask) -> None:
    """The `flask` CLI commands."""
    from . import cli

    cli.register(app)


def configure_logging(app: Flask) -> None:
    """Log to stderr at INFO outside debug (gunicorn and systemd collect it)."""
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
