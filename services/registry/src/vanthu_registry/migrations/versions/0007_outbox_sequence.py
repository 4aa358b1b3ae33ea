"""The outbox's rows are numbered in written order (``seq``, the primary key; ``event_id`` stays unique), so the relay
publishes in commit order of conflicting changes whatever the replicas' clocks say.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op

from vanthu_core.outbox import downgrade_from_sequence, upgrade_to_sequence

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_sequence(op)


def downgrade() -> None:
    downgrade_from_sequence(op)
