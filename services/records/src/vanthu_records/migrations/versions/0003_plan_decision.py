"""The plan names the decision that issued it (quyết định ban hành danh mục hồ sơ, Decree 30/2020 Art. 28): its
number and notation and its date, printed on the plan's form.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("decision_number", sa.String(50), nullable=False, server_default=""))
    op.add_column("plans", sa.Column("decision_date", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("plans", "decision_date")
    op.drop_column("plans", "decision_number")
