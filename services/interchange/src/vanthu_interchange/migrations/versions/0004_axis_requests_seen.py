"""The provincial axis's accepted signed headers, kept for the skew window in the database (not in one replica's
memory): the same headers sent again to any replica are refused as a replay.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from vanthu_core.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "axis_requests_seen",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("system_id", sa.String(100), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_axis_requests_seen_expires", "axis_requests_seen", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_axis_requests_seen_expires", "axis_requests_seen")
    op.drop_table("axis_requests_seen")
