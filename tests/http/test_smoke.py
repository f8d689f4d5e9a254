def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    import pytest

    from config import ProductionConfig
    from feedback import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_postgresql_urls_use_psycopg_3():
    from config import database_url

    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_english_is_switchable_and_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    assert 'lang="en"' in client.get("/submit").get_data(as_text=True)
    assert 'lang="vi"' in client.get("/?lang=vi").get_data(as_text=True)


def test_units_list_prints_code_then_name(runner):
    result = runner.invoke(args=["units", "list"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0] == "VP\tVăn phòng Sở"
    assert any(line.startswith("CCTDC\tChi cục Tiêu chuẩn Đo lường Chất lượng") for line in lines)


def test_seed_is_idempotent(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "0 units" in first.output  # the fixture already seeded
    from feedback.extensions import db
    from feedback.models import Category, DeadlineRule, Unit

    assert db.session.execute(db.select(db.func.count(Unit.id))).scalar_one() == 5
    assert db.session.execute(db.select(db.func.count(Category.id))).scalar_one() == 8
    rule = db.session.execute(
        db.select(DeadlineRule).where(DeadlineRule.purpose == "answer", DeadlineRule.regime.is_(None))
    ).scalar_one()
    assert (rule.amount, rule.day_unit) == (20, "calendar_days") and "02/2017/TT-VPCP" in rule.legal_basis
