"""personal data: consent, kept spans, privacy requests

Revision ID: i13_personal_data
Revises: 2db2b67b54da
Create Date: 2026-12-01 21:44:29.004858

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i13_personal_data"
down_revision = "i11_session_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("ack_due_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("original_due_date", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("extended_at", sa.DateTime(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], name=op.f("fk_privacy_requests_handled_by_id_users")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_privacy_requests_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_requests_state_due", ["state", "due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_requests_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_version", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("consent_processing_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_publish_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_publish_withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("processing_restricted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("privacy_kept", sa.JSON(), server_default="[]", nullable=False))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("privacy_kept")
        batch_op.drop_column("processing_restricted_at")
        batch_op.drop_column("consent_publish_withdrawn_at")
        batch_op.drop_column("consent_publish_at")
        batch_op.drop_column("consent_processing_at")
        batch_op.drop_column("notice_version")

    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_requests_ticket_id"))
        batch_op.drop_index("ix_privacy_requests_state_due")

    op.drop_table("privacy_requests")
