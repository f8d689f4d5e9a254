"""Report summary kept exact by triggers; covering index for a period's report

The report of a period reads every column it groups and classifies by from `ix_tickets_report`
(PostgreSQL: an index-only scan). `report_summary` counts tickets per unit, state, month received,
month answered and on-time verdict for the dashboard; triggers on `tickets` keep it exact
(feedback/db/summary.py) and it is filled here from the tickets already there.

Revision ID: i16_report_summary
Revises: i16_queue
"""

import sqlalchemy as sa
from alembic import op

revision = "i16_report_summary"
down_revision = "i16_queue"
branch_labels = None
depends_on = None

INCLUDED = [
    "kind",
    "category_id",
    "unit_id",
    "channel",
    "state",
    "answered_on",
    "on_time",
    "due_date",
    "closed_at",
    "paused_on",
    "published_at",
    "refuse_reason_code",
    "transfer_agency",
    "code",
]


def upgrade():
    from feedback.db import summary

    op.create_table(
        "report_summary",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("answered_month", sa.String(length=7), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "state", "received_month", "answered_month", "on_time"),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.create_index("ix_tickets_report", ["received_on"], postgresql_include=INCLUDED)
    connection = op.get_bind()
    summary.rebuild(connection)
    summary.install(connection)


def downgrade():
    from feedback.db import summary

    for statement in summary.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_report")
    op.drop_table("report_summary")
