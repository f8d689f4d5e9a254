"""drop the unused lockout columns of users (issue 10)

Sign-in throttling counts failures in `rate_events` (services/throttle.py, services/auth.py);
`users.failed_logins` and `users.locked_until` have not been read since and are dropped.

Revision ID: i10_drop_lockout_columns
Revises: i12_letters
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i10_drop_lockout_columns"
down_revision = "i12_letters"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
