"""public pages and submissions at scale (issue 16): reference version row, Open311 partial indexes

reference_versions: one row bumped by every change to units, categories, deadline rules and the
calendar, so each web process knows when its cached reference data is stale (services/reference.py).
ix_tickets_open311_received / ix_tickets_open311_open_received: (received_at, id) over the tickets
Open311 lists (published, or open) and over the open ones, so a requested_datetime range with or
without a status filter is one index range scan, newest first. ix_tickets_received_status replaces
ix_tickets_received_stats with the columns the report's status CASE reads, so the public statistics
(counted with it) stay an index-only scan.

Revision ID: i16_public
Revises: i16_report_summary
Create Date: 2026-12-02 01:25:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i16_public"
down_revision = "i16_report_summary"
branch_labels = None
depends_on = None

OPEN_STATES = "'assigned', 'in_progress', 'needs_info', 'new', 'pending_approval'"
LISTED = f"published_at IS NOT NULL OR state IN ({OPEN_STATES})"
OPEN = f"state IN ({OPEN_STATES})"


def upgrade():
    op.create_table(
        "reference_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_versions")),
    )
    op.execute("INSERT INTO reference_versions (id, version) VALUES (1, 0)")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_open311_received",
            ["received_at", "id"],
            unique=False,
            postgresql_where=sa.text(LISTED),
            sqlite_where=sa.text(LISTED),
        )
        batch_op.create_index(
            "ix_tickets_open311_open_received",
            ["received_at", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.drop_index("ix_tickets_received_stats")
        batch_op.create_index(
            "ix_tickets_received_status",
            ["received_on", "unit_id", "state", "on_time", "due_date", "answered_on", "closed_at", "paused_on"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_received_status")
        batch_op.create_index(
            "ix_tickets_received_stats", ["received_on", "unit_id", "state", "on_time", "due_date"], unique=False
        )
        batch_op.drop_index("ix_tickets_open311_open_received")
        batch_op.drop_index("ix_tickets_open311_received")
    op.drop_table("reference_versions")
