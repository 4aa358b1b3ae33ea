"""The journal names the registry's document a signing was for (repeated issues reuse the seal), and finds a
signing by its stored result (to release its reference when a sealed version supersedes it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signings") as batch:
        batch.add_column(sa.Column("document_id", sa.String(36), nullable=False, server_default=""))
    op.create_index("ix_signings_agency_document", "signings", ["agency_code", "document_id"])
    op.create_index("ix_signings_agency_object", "signings", ["agency_code", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_signings_agency_object", table_name="signings")
    op.drop_index("ix_signings_agency_document", table_name="signings")
    with op.batch_alter_table("signings") as batch:
        batch.drop_column("document_id")
