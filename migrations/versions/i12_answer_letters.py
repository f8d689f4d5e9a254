"""answer letters and the outgoing register (issue 12)

outgoing_documents: the register (sổ văn bản đi), with the issued, signed and public PDFs and their
SHA-256; document_counters: its numbers per issuing body and year; report_reminders: the office's
reminder of each periodic report, once. tickets.letter_draft: the draft letter's parts besides the
body; outbox_messages.attachments: documents attached by reference; units.doc_symbol,
users.position, users.signing_authority: how documents name the drafting unit and the signer.

Revision ID: i12_letters
Revises: 2db2b67b54da
Create Date: 2026-12-01 21:43:22.889998

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i12_letters"
down_revision = "i14_satisfaction"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_counters",
        sa.Column("issuer", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "outgoing_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=60), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=40), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("addressee", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=True),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_position", sa.String(length=120), nullable=False),
        sa.Column("signer_authority", sa.String(length=120), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("signed_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("signed_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by", sa.String(length=300), nullable=True),
        sa.Column("signed_how", sa.String(length=20), nullable=True),
        sa.Column("public_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("public_sha256", sa.String(length=64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name=op.f("fk_outgoing_documents_cancelled_by_id_users")
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_outgoing_documents_issued_by_id_users")),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"], name=op.f("fk_outgoing_documents_signer_id_users")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_outgoing_documents_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_outgoing_documents_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_documents")),
        sa.UniqueConstraint("issuer", "year", "number", name="uq_outgoing_number"),
    )
    with op.batch_alter_table("outgoing_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_documents_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_outgoing_year_unit", ["year", "unit_id"], unique=False)

    op.create_table(
        "report_reminders",
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox_messages.id"], name=op.f("fk_report_reminders_outbox_id_outbox_messages")
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_report_reminders")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_draft", sa.JSON(), nullable=True))

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doc_symbol", sa.String(length=20), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("signing_authority", sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("signing_authority")
        batch_op.drop_column("position")

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("doc_symbol")

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("letter_draft")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachments")

    op.drop_table("report_reminders")
    with op.batch_alter_table("outgoing_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_year_unit")
        batch_op.drop_index(batch_op.f("ix_outgoing_documents_ticket_id"))

    op.drop_table("outgoing_documents")
    op.drop_table("document_counters")
