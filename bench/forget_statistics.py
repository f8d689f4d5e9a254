"""Put a loaded benchmark database back in the state of a bulk load that nothing has analyzed or vacuumed.

    .venv/bin/python -m bench.forget_statistics postgresql://postgres@127.0.0.1:5432/feedback_nostats

For a copy of the loaded million (`CREATE DATABASE feedback_nostats TEMPLATE feedback_scale`), never the
database bench/scale.py measures: the loader's `VACUUM ANALYZE` is undone by deleting the planner's
statistics (per column and extended), clearing the visibility maps and marking every table and index as
never analyzed (`reltuples` -1 and 0, as `flask db upgrade` leaves them). That is the state of a
database migrated, then filled by COPY, INSERT or a restore, on a server with autovacuum off (as on the
benchmark machine). Then `bench.scale --url <that database>` measures it: the app's own start
(feedback/db/statistics.py) is what gathers the statistics again; `DB_ANALYZE_STALE=0` measures it
without. Needs a superuser (the catalogs are written) and the pg_visibility extension (contrib).
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text

from . import common

STEPS = (
    "CREATE EXTENSION IF NOT EXISTS pg_visibility",
    "DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)",
    "DELETE FROM pg_statistic_ext_data",
    "SELECT count(pg_truncate_visibility_map(oid)) FROM pg_class "
    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'",
    "UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 "
    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'",
    "UPDATE pg_class SET reltuples = 0, relpages = 1 WHERE relnamespace = 'public'::regnamespace AND relkind = 'i'",
)


def main(url: str) -> None:
    engine = create_engine(common.sqlalchemy_url(url))
    with engine.begin() as conn:
        for step in STEPS:
            conn.execute(text(step))
        left = conn.execute(text("SELECT count(*) FROM pg_stats WHERE schemaname = 'public'")).scalar_one()
    engine.dispose()
    print(f"{url}: planner statistics forgotten ({left} columns with statistics left)")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1].rsplit("/", 1)[-1] == "feedback_scale":
        raise SystemExit("usage: python -m bench.forget_statistics <URL of a copy, not feedback_scale itself>")
    main(sys.argv[1])
