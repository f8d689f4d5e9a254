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
