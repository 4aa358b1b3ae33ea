"""A file plan is submitted to the leaders for approval (trình duyệt) before it is approved or returned (issue 14's
records review): who submitted it and when, and the reason of a return.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("submitted_by_subject", sa.String(100), nullable=False, server_default=""))
    op.add_column("plans", sa.Column("submitted_by", sa.String(100), nullable=False, server_default=""))
    op.add_column("plans", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("plans", sa.Column("return_reason", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("return_reason", "submitted_at", "submitted_by", "submitted_by_subject"):
        op.drop_column("plans", column)
