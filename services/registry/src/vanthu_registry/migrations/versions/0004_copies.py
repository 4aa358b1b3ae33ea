"""Copies (bản sao: SY, SL, TrS) numbered in copy registers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("register_id", sa.String(36), sa.ForeignKey("registers.id"), nullable=False),
        sa.Column("register_year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("form", sa.String(3), nullable=False),
        sa.Column("number_symbol", sa.String(42), nullable=False),
        sa.Column("source_document_id", sa.String(36), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("register_id", "register_year", "number", name="uq_copies_register_number"),
    )
    op.create_index("ix_copies_agency_created_at", "copies", ["agency_code", "created_at"])


def downgrade() -> None:
    op.drop_table("copies")
