"""The outcome of verifying an incoming document's signatures (flagged when they fail).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("signature_check", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("signature_note", sa.String(1000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("signature_note")
        batch.drop_column("signature_check")
