"""report cache (issue 16): a period's counted report kept with change counters per month of receipt

`report_versions` holds a counter per month of receipt that triggers on `tickets` redraw whenever a
ticket of the month is written in a way a report reads; `report_cache` keeps a period's tally with the
counters it was counted at (feedback/db/report_cache.py). PostgreSQL only uses them.

Revision ID: i16b_report_cache
Revises: i16b_public_cache
"""

import sqlalchemy as sa
from alembic import op

revision = "i16b_report_cache"
down_revision = "i16b_public_cache"
branch_labels = None
depends_on = None


def upgrade():
    from feedback.db import report_cache

    op.create_table(
        "report_versions",
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("received_month", name=op.f("pk_report_versions")),
    )
    op.create_table(
        "report_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("versions", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_cache")),
    )
    with op.batch_alter_table("report_cache") as batch:
        batch.create_index("ix_report_cache_computed_at", ["computed_at"])
    report_cache.install(op.get_bind())


def downgrade():
    from feedback.db import report_cache

    for statement in report_cache.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("report_cache")
    op.drop_table("report_versions")
