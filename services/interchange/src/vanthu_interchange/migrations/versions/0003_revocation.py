"""A delivery's revocation (thu hồi: 13 sent, 15 or 16 back, or cancelled before it was sent).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("revocation", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("revocation_reason", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("revocation_reason")
        batch.drop_column("revocation")
