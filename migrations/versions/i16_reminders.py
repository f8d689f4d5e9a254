"""reminders: a staff reminder is logged, then put in the day's digest (issue 16)

reminder_logs.queued_at: when the message carrying the reminder was queued; empty while the
reminder is logged but not yet in a digest (the sweep commits per batch and writes the digests at
its end; a sweep that dies in between leaves them pending for the next one). Existing rows were
queued when they were logged.

Revision ID: i16_reminders
Revises: i16_public
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i16_reminders"
down_revision = "i16_public"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminder_logs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE reminder_logs SET queued_at = created_at")
    with op.batch_alter_table("reminder_logs", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_logs_pending", ["queued_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("reminder_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_logs_pending")
        batch_op.drop_column("queued_at")
