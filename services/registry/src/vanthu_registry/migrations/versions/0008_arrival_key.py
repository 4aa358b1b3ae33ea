"""Arrivals brought by interchange carry the key of their delivery, unique in the agency (one arrival per delivery).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
WHERE = "arrival_key <> ''"


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("arrival_key", sa.String(200), nullable=False, server_default=""))
    op.create_index("uq_documents_arrival_key", "documents", ["agency_code", "arrival_key"], unique=True,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index("uq_documents_arrival_key", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("arrival_key")
