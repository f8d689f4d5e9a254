"""staff queue counters kept exact by triggers (issue 16)

`queue_counts` counts tickets per unit, state, kind, category and assignee, so that the queue's counts
per state under its scope and filters are a sum over a few hundred rows (feedback/db/queue_counts.py).
Triggers on `tickets` keep it exact; it is filled here from the tickets already there.

Revision ID: i16b_queue_counts
Revises: i16b_report_cache
"""

import sqlalchemy as sa
from alembic import op

revision = "i16b_queue_counts"
down_revision = "i16b_report_cache"
branch_labels = None
depends_on = None


def upgrade():
    from feedback.db import queue_counts

    op.create_table(
        "queue_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "state", "kind", "category_id", "assignee_id"),
    )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute("SET LOCAL statement_timeout = 0")
    queue_counts.rebuild(connection)
    queue_counts.install(connection)


def downgrade():
    from feedback.db import queue_counts

    for statement in queue_counts.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("queue_counts")
