"""The product app as production runs it, plus the benchmark's bare routes (only here, never in the product).

    gunicorn bench.app_bare:app   (from the repository root)

- GET /bench/bare: renders a small template file, `bench/templates/bench/bare.html`, the way any Flask
  page renders one (`render_template`: compiled once per process, like the product's templates). This is
  the yardstick of every ratio in bench/scale.py. Until the tenth round it was `render_template_string`,
  which compiles its source on every request (about 0.7 ms of CPU): a slower yardstick that made every
  ratio look better than against a plain route.
- GET /bench/bare-string: the same page by `render_template_string` (compiled on every request), the
  yardstick of rounds one to nine, measured beside it so both ratios can be read.
- POST /bench/bare-post: writes one row to the scratch table `bench_scratch` (created by bench/scale.py)
  and answers 303, as a submission does.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, redirect, render_template, render_template_string

from feedback import create_app
from feedback.extensions import csrf, db

TITLE, ITEMS = "Sở Khoa học và Công nghệ", ["Phản ánh", "Kiến nghị", "Đề xuất"]


SOURCE = (Path(__file__).parent / "templates" / "bench" / "bare.html").read_text(encoding="utf-8")


def bare():
    return render_template("bench/bare.html", title=TITLE, items=ITEMS)


def bare_string():
    return render_template_string(SOURCE, title=TITLE, items=ITEMS)


def bare_post():
    db.session.execute(db.text("INSERT INTO bench_scratch (note) VALUES (:note)"), {"note": "một dòng"})
    db.session.commit()
    return redirect("/bench/bare", code=303)


def with_bare_routes(app: Flask, *, post: bool = True) -> Flask:
    """`app` with GET /bench/bare (and POST /bench/bare-post unless `post` is False)."""
    bp = Blueprint("bench", __name__, template_folder=str(Path(__file__).parent / "templates"))
    bp.add_url_rule("/bench/bare", "bare", bare)
    bp.add_url_rule("/bench/bare-string", "bare_string", bare_string)
    if post:
        bp.add_url_rule("/bench/bare-post", "bare_post", csrf.exempt(bare_post), methods=["POST"])
    app.register_blueprint(bp)
    return app


def __getattr__(name: str):
    """`app`, built when first asked for (gunicorn asks), so importing `with_bare_routes` builds no app."""
    if name != "app":
        raise AttributeError(name)
    built = globals()["app"] = with_bare_routes(create_app())
    return built
