"""locale of submitters, English deadline explanation

tickets.locale: the language the submitter used (their emails follow it); existing rows get "vi".
tickets.due_explanation_en: the written-deadline explanation in English; empty for existing rows
(pages and emails then fall back to the Vietnamese text).

Revision ID: 2db2b67b54da
Revises: ea8bd8796d9f
Create Date: 2026-11-27 20:15:41.026365

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2db2b67b54da"
down_revision = "ea8bd8796d9f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=5), server_default="vi", nullable=False))
        batch_op.add_column(sa.Column("due_explanation_en", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("due_explanation_en")
        batch_op.drop_column("locale")
