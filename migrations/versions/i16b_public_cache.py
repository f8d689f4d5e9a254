"""public pages cached per process (issue 16): the publication version row

publication_versions: one row bumped in the transaction of every change to what the public lists
show (a ticket published or unpublished, the public columns of a published ticket, the public copy
of an answer letter), so each web process knows when its cached results pages and feeds are stale
(feedback/public/cache.py).

Revision ID: i16b_public_cache
Revises: i16_reminders
Create Date: 2026-12-02 08:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i16b_public_cache"
down_revision = "i16_reminders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "publication_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication_versions")),
    )
    op.execute("INSERT INTO publication_versions (id, version) VALUES (1, 0)")


def downgrade():
    op.drop_table("publication_versions")
