"""The deployment files agree with the application: every setting is in the environment template, nginx
accepts what the app accepts, and both units run the app from the same environment file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TEST_ONLY = {"TEST_DATABASE_URL"}


def settings_read_by_config() -> set[str]:
    """Names config.py reads from the environment (os.environ.get("X"), env_int("X", ...), ...)."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / "config.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("get", "env_bool", "env_int", "env_list") and re.fullmatch(
                r"[A-Z][A-Z0-9_]+", str(node.args[0].value)
            ):
                names.add(node.args[0].value)
    return names - TEST_ONLY


def test_the_environment_template_lists_every_setting():
    template = (DEPLOY / "feedback.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", template, re.M))
    read = settings_read_by_config()
    assert len(read) > 80  # the parser found config.py's settings
    assert sorted(read - listed) == []
    assert sorted(listed - read) == []  # nothing the app does not read


def test_the_template_sets_what_production_requires():
    values = dict(
        re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (DEPLOY / "feedback.env.example").read_text(encoding="utf-8"), re.M)
    )
    assert values["FEEDBACK_ENV"] == "production" and values["PROXY_COUNT"] == "1"
    assert values["DATABASE_URL"].startswith("postgresql://") and values["BASE_URL"].startswith("https://")
    assert {"SECRET_KEY", "UPLOAD_FOLDER", "MAIL_SERVER"} <= values.keys()


def test_nginx_takes_the_largest_request_the_app_takes():
    site = (DEPLOY / "nginx-feedback.conf").read_text(encoding="utf-8")
    [size] = re.findall(r"^\s*client_max_body_size (\d+)m;", site, re.M)
    assert int(size) * 1024 * 1024 == config.Config.MAX_CONTENT_LENGTH
    assert "return 301 https://$host$request_uri;" in site
    # One proxy that sets (not appends) the headers PROXY_COUNT=1 trusts.
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host"):
        assert f"proxy_set_header {header};" in site
    assert "$proxy_add_x_forwarded_for" not in site
    assert "add_header Content-Security-Policy" not in site and "Strict-Transport-Security" not in site
    [upstream] = re.findall(r"^\s*server (127\.0\.0\.1:\d+);", site, re.M)
    web = (DEPLOY / "feedback-web.service").read_text(encoding="utf-8")
    assert f"--bind {upstream}" in web
    assert re.search(r"^\s*alias /srv/feedback/static/;", site, re.M) and (ROOT / "static").is_dir()


def test_both_units_run_the_app_with_one_environment_file():
    web = (DEPLOY / "feedback-web.service").read_text(encoding="utf-8")
    scheduler = (DEPLOY / "feedback-scheduler.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S+/gunicorn .*wsgi:app$", web.replace("\\\n", " "), re.M)
    assert re.search(r"^ExecStart=\S+/flask --app wsgi scheduler$", scheduler, re.M)
    for unit in (web, scheduler):
        assert "EnvironmentFile=/etc/feedback/feedback.env" in unit
        assert "User=feedback" in unit and "NoNewPrivileges=true" in unit and "ProtectSystem=strict" in unit
        assert re.search(r"^Restart=(always|on-failure)$", unit, re.M)
    assert "/etc/feedback/feedback.env" in (DEPLOY / "backup.sh").read_text(encoding="utf-8")
