"""Document types, registers with yearly counters, documents and their history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_types",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("abbreviation", sa.String(20), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.UniqueConstraint("agency_code", "code", name="uq_document_types_agency_code"),
    )
    op.create_table(
        "registers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False, index=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency_abbreviation", sa.String(20), nullable=False),
        sa.Column("type_codes", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "register_counters",
        sa.Column("register_id", sa.String(36), sa.ForeignKey("registers.id"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("type_code", sa.String(40), nullable=False),
        sa.Column("abstract", sa.String(500), nullable=False),
        sa.Column("search_key", sa.String(600), nullable=False),
        sa.Column("urgency", sa.String(12), nullable=False),
        sa.Column("drafting_unit", sa.String(200), nullable=False),
        sa.Column("unit_abbreviation", sa.String(20), nullable=False),
        sa.Column("signer_name", sa.String(50), nullable=False),
        sa.Column("signer_title", sa.String(100), nullable=False),
        sa.Column("signer_competence", sa.String(5), nullable=False),
        sa.Column("place", sa.String(100), nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("answers_document_id", sa.String(36), nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("issuing_agency_code", sa.String(35), nullable=False),
        sa.Column("issuing_agency_name", sa.String(200), nullable=False),
        sa.Column("number_symbol", sa.String(42), nullable=False),
        sa.Column("document_date", sa.Date, nullable=True),
        sa.Column("register_id", sa.String(36), sa.ForeignKey("registers.id"), nullable=True),
        sa.Column("register_year", sa.Integer, nullable=True),
        sa.Column("number", sa.Integer, nullable=True),
        sa.Column("numbered_at", TS, nullable=True),
        sa.Column("duplicate_of", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("register_id", "register_year", "number", name="uq_documents_register_number"),
    )
    op.create_index("ix_documents_agency_direction", "documents", ["agency_code", "direction", "id"])
    op.create_index("ix_documents_sender", "documents",
                    ["agency_code", "issuing_agency_code", "number_symbol", "document_date"])
    op.create_table(
        "document_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("document_history", "documents", "register_counters", "registers", "document_types"):
        op.drop_table(table)
