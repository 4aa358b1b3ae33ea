"""Each agency's place (địa danh); registers that say what they number; arrivals; going live mid-year.

- agencies.place: the địa danh of the agency's date line (Decree 30/2020, Appendix I, Part I, II.4).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("place", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("place")
