"""The garbage collector of a web process (feedback/web/process.py): tuned once, at the first app of a
process that asks for it; an app that asks for nothing (the test suite's) leaves Python's settings."""

from __future__ import annotations

import gc

import pytest

from feedback import create_app
from feedback.extensions import db
from feedback.web import process


@pytest.fixture
def untouched_collector(monkeypatch):
    """Python's settings before and after the test, whatever it does."""
    threshold = gc.get_threshold()
    monkeypatch.setattr(process, "_tuned", False)
    yield threshold
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_an_app_without_the_setting_leaves_the_collector_alone(app, untouched_collector):
    assert app.config["GC_GEN0_THRESHOLD"] == 0
    assert gc.get_threshold() == untouched_collector


def test_the_first_app_of_a_process_tunes_it_once(app, untouched_collector):
    frozen_before = gc.get_freeze_count()
    first = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], GC_GEN0_THRESHOLD=12000
    )
    try:
        young, middle, old = gc.get_threshold()
        assert young == 12000 and (middle, old) == untouched_collector[1:]
        assert gc.get_freeze_count() > frozen_before  # what the started app holds is set aside
        frozen = gc.get_freeze_count()
        second = create_app(
            "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], GC_GEN0_THRESHOLD=500
        )
        assert gc.get_threshold()[0] == 12000 and gc.get_freeze_count() <= frozen  # once per process
        with second.app_context():
            db.engine.dispose()
    finally:
        with first.app_context():
            db.engine.dispose()
    # A tuned process still serves pages.
    assert first.test_client().get("/").status_code == 200


def test_production_asks_for_it():
    from config import ProductionConfig

    assert ProductionConfig.GC_GEN0_THRESHOLD >= 1000


def test_a_web_process_compiles_every_template_when_it_starts(app, monkeypatch):
    """With TEMPLATES_COMPILED_AT_START, the app's templates are compiled by create_app: the first
    submission's acknowledgment and the first pages render without reading a template file."""
    from jinja2 import BaseLoader

    from feedback.services import outbox

    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    started = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], TEMPLATES_COMPILED_AT_START=True
    )
    try:
        names = started.jinja_env.list_templates()
        assert "email/acknowledgment.txt" in names and "public/submit.html" in names

        def no_file(self, environment, name):
            raise AssertionError(f"{name} was read at request time")

        monkeypatch.setattr(BaseLoader, "get_source", no_file)
        for loader in getattr(started.jinja_env.loader, "loaders", [started.jinja_env.loader]):
            monkeypatch.setattr(type(loader), "get_source", no_file)
        assert started.test_client().get("/submit").status_code == 200
        with started.test_request_context("/submit"):
            ticket = type(
                "T",
                (),
                {
                    "name": "Trần Văn Bình",
                    "kind": "complaint",
                    "code": "PAKN-2026-000042",
                    "title": "Về lịch kiểm định cân",
                    "received_on": None,
                    "due_date": None,
                    "tracking_token": "t",
                    "due_explanation": "",
                    "due_explanation_en": "",
                },
            )()
            _subject, text, html = outbox.render("[x]", "acknowledgment", locale="vi", ticket=ticket, deadline=None)
        assert "Trần Văn Bình" in text and html and "PAKN-2026-000042" in html
    finally:
        with started.app_context():
            db.engine.dispose()


def test_the_flask_command_and_the_test_suite_compile_nothing_ahead(app, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    cli = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], TEMPLATES_COMPILED_AT_START=True
    )
    try:
        assert process.compile_templates(cli) == 0 and len(cli.jinja_env.cache) == 0
    finally:
        with cli.app_context():
            db.engine.dispose()
    assert app.config["TEMPLATES_COMPILED_AT_START"] is False and process.compile_templates(app) == 0
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")
    from config import ProductionConfig

    assert ProductionConfig.TEMPLATES_COMPILED_AT_START is True
