"""The product app as production runs it, plus the benchmark's bare routes (only here, never in the product).

    gunicorn bench.app_bare:app   (from the repository root)

- GET /bench/bare: renders a small template (the yardstick of every ratio in bench/scale.py);
- POST /bench/bare-post: writes one row to the scratch table `bench_scratch` (created by bench/scale.py)
  and answers 303, as a submission does.
"""

from __future__ import annotations

from flask import redirect, render_template_string

from feedback import create_app
from feedback.extensions import csrf, db

BARE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul></body></html>"""

app = create_app()


def bare():
    return render_template_string(BARE, title="Sở Khoa học và Công nghệ", items=["Phản ánh", "Kiến nghị", "Đề xuất"])


def bare_post():
    db.session.execute(db.text("INSERT INTO bench_scratch (note) VALUES (:note)"), {"note": "một dòng"})
    db.session.commit()
    return redirect("/bench/bare", code=303)


app.add_url_rule("/bench/bare", "bench_bare", bare)
app.add_url_rule("/bench/bare-post", "bench_bare_post", csrf.exempt(bare_post), methods=["POST"])
