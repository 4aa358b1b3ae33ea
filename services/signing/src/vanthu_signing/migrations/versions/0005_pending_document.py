"""A pending two-step signing is bound to the registry's document it was prepared for (issue 13 review item 3).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_signings") as batch:
        batch.add_column(sa.Column("document_id", sa.String(36), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("pending_signings") as batch:
        batch.drop_column("document_id")
