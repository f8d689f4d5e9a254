"""Two versions of the app side by side, their requests alternated: for a change smaller than the noise.

On a shared machine the same route varies by ±40 % from one run to the next, more than most changes move
it, so two runs one after the other say little. Here both versions run at once (each under gunicorn with 2
sync workers, the production configuration, on the kept scale database), signed in as the same user,
and each request to A is followed by the same request to B (the order swapped every round), so whatever
slows the machine slows both:

    .venv/bin/python -m bench.ab --a ../old-checkout --b . /staff/ /staff/tickets/PAKN-2026-000042
    .venv/bin/python -m bench.ab --env-a DB_PREPARE_THRESHOLD=5 --env-b DB_PREPARE_THRESHOLD=1 /staff/

`--a`/`--b`: the checkouts (default: this one for both); `--env-a`/`--env-b`: settings for one side
(NAME=VALUE, repeatable). Prints each path's median for A and B and their ratio; the bare route first.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
from pathlib import Path

from . import common, scale, scale_data

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="paths to time (signed in), after the bare route")
    parser.add_argument("--a", type=Path, default=ROOT, help="checkout A (default: this one)")
    parser.add_argument("--b", type=Path, default=ROOT, help="checkout B (default: this one)")
    parser.add_argument("--env-a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--url", default=scale.DEFAULT_URL["postgresql"], help="the kept scale database")
    parser.add_argument("--who", default="vanphong@sokhcn.gov.vn", help="the staff account signed in")
    parser.add_argument("-n", type=int, default=150, help="requests per path and side (default 150)")
    args = parser.parse_args()
    sides = {"A": (args.a.resolve(), args.env_a), "B": (args.b.resolve(), args.env_b)}
    with contextlib.ExitStack() as stack:
        ports = {
            name: stack.enter_context(
                common.Gunicorn(
                    "bench.app_bare:app",
                    {**scale.app_env(args.url), "PYTHONPATH": str(root), **dict(s.split("=", 1) for s in settings)},
                    cwd=root,
                )
            ).port
            for name, (root, settings) in sides.items()
        }
        cookies = {name: scale.login(port, args.who, scale_data.PASSWORD) for name, port in ports.items()}
        order = list(ports)
        print(f"{'path':52s} {'A ms':>7s} {'B ms':>7s}  B/A")
        for path in ["/bench/bare", *args.paths]:
            times: dict[str, list[float]] = {name: [] for name in ports}
            statuses: set[str] = set()
            for i in range(args.n + 10):
                for name in order if i % 2 == 0 else order[::-1]:
                    cookie = None if path == "/bench/bare" else cookies[name]
                    status, seconds, _size = scale.fetch(ports[name], path, cookie, 60)
                    statuses.add(status)
                    if i >= 10:  # the first rounds warm both up
                        times[name].append(seconds * 1000)
            a, b = statistics.median(times["A"]), statistics.median(times["B"])
            print(f"{path[:52]:52s} {a:7.2f} {b:7.2f}  {b / a:.3f}  ({', '.join(sorted(statuses))})")


if __name__ == "__main__":
    main()
