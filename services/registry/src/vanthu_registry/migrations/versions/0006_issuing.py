"""Issuing as one act: who drafted and who signed an outgoing document, and why its seal failed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("drafter_subject", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("signed_by", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seal_error", sa.String(1000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for column in ("seal_error", "signed_at", "signed_by", "drafter_subject"):
            batch.drop_column(column)
