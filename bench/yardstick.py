"""Which of this benchmark's two yardsticks is the one issue 16 was measured against.

Issue 16 gives, for the product as it stood when the issue was filed, each route's median and its ratio
to "a bare Flask route that renders a small template (2.1–2.3 ms median on this machine, same run)". The
benchmark has two bare routes (bench/app_bare.py): a template file rendered by `render_template`
(`/bench/bare`, the yardstick since the tenth round) and the same page by `render_template_string`
(`/bench/bare-string`, compiled on every request). This puts a number on which one the issue's figures
agree with:

- it runs the product of an earlier checkout (`--old`: a `git worktree` of 1ccfc31, the last commit
  before the issue's work, or of 2f5fa1f, which adds only the benchmark; the product the issue measured)
  under gunicorn, on a database loaded through that checkout's own migrations by its own
  `bench/scale.py --load-only`, with this checkout's two bare routes added (nothing else of the old
  checkout's bench is used);
- it times, route by route and both bare routes in turn, the issue's routes that answer within seconds;
- for each it prints the median, its ratio to each yardstick, the ratio the issue reports, and the bare
  route that ratio implies (median / the issue's ratio), to set beside the two bare routes' medians.

A route whose median here is far from the issue's (Open311's default page: the issue's data was not this
benchmark's) says nothing about the yardstick; the table shows it all the same.

    git worktree add /work/old 1ccfc31 && ln -s "$PWD/.venv" /work/old/.venv
    cd /work/old && .venv/bin/python -m bench.scale --load-only \
        --url postgresql://postgres@127.0.0.1:5432/feedback_scale_old
    cd - && .venv/bin/python -m bench.yardstick --old /work/old \
        --url postgresql://postgres@127.0.0.1:5432/feedback_scale_old
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path
from urllib.parse import quote

from . import common, scale

ROOT = Path(__file__).resolve().parent.parent

# (label, path or a function of the data's facts giving it, signed in as coordinator, the ratio or
# (low, high) range). From the table; its "ticket page" row does not say which ticket page, so it
# is left out.
ROUTES = [
    ("results page 1", "/results", False, 4),
    ("results Atom feed", "/results/feed.atom", False, 3),
    ('results search "thủ tục"', "/results?q=" + quote("thủ tục"), False, 6),
    ("Open311 requests.json, default", "/open311/v2/requests.json", False, 22),
    ("queue, coordinator, first page", "/staff/", True, (150, 250)),
]

# A module for gunicorn: the old checkout's product (first on sys.path), this checkout's bare routes
# (bench/app_bare.py loaded from its file, so the old checkout's bench package is not involved).
WRAPPER = textwrap.dedent(
    """
    import importlib.util, sys
    sys.path.insert(0, {old!r})
    from feedback import create_app
    spec = importlib.util.spec_from_file_location("bench_bare_routes", {bare!r})
    bare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bare)
    app = bare.with_bare_routes(create_app(), post=False)
    """
)


def implied(median: float, ratio) -> str:
    if isinstance(ratio, tuple):
        return f"{median / ratio[1]:.2f}–{median / ratio[0]:.2f}"
    return f"{median / ratio:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="checkout of the product the issue measured")
    parser.add_argument("--url", required=True, help="its database, loaded by its own bench/scale.py --load-only")
    parser.add_argument("--who", default="vanphong@sokhcn.gov.vn", help="the coordinator signed in")
    parser.add_argument("--password", default="Bench-Scale-2026!")
    parser.add_argument("-n", type=int, default=60, help="rounds (each: every route and both bare routes)")
    args = parser.parse_args()
    old = args.old.resolve()
    if not (old / "feedback" / "__init__.py").is_file():
        sys.exit(f"{old}: not a checkout of the product")
    workdir = Path(tempfile.mkdtemp(prefix="yardstick-"))
    (workdir / "old_app.py").write_text(
        WRAPPER.format(old=str(old), bare=str(ROOT / "bench" / "app_bare.py")), encoding="utf-8"
    )
    env = {**scale.app_env(args.url), "PYTHONPATH": str(workdir)}
    with common.Gunicorn("old_app:app", env, cwd=workdir) as server:
        port = server.port
        cookie = scale.login(port, args.who, args.password)
        paths = [
            ("bare route (small template file)", "/bench/bare", False, None),
            ("bare route, template string", "/bench/bare-string", False, None),
            *ROUTES,
        ]
        times: dict[str, list[float]] = {label: [] for label, *_ in paths}
        for i in range(args.n + 3):
            for label, path, signed_in, _ratio in paths:
                status, seconds, _size = scale.fetch(port, path, cookie if signed_in else None, 60)
                if status != "200":
                    sys.exit(f"{path}: {status}")
                if i >= 3:  # the first rounds warm the workers up
                    times[label].append(seconds * 1000)
    medians = {label: statistics.median(values) for label, values in times.items()}
    file_ms, string_ms = medians[paths[0][0]], medians[paths[1][0]]
    print(f"old product: {old} ({args.n} rounds, each route and both bare routes in turn)")
    print("| route | median ms | × file | × string | the issue's × | bare it implies, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, _path, _signed_in, ratio in paths:
        m = medians[label]
        shown = "—" if ratio is None else (f"{ratio[0]}–{ratio[1]}" if isinstance(ratio, tuple) else str(ratio))
        print(
            f"| {label} | {m:.2f} | {m / file_ms:.1f} | {m / string_ms:.1f} | {shown} | "
            f"{'—' if ratio is None else implied(m, ratio)} |"
        )


if __name__ == "__main__":
    main()
