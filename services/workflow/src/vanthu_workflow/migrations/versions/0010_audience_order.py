"""The order of a case's document audiences (issue 14): a case counts how many times its audience was published
again without a step (a delegation begun or ended), so each re-publication gets its own order number between the
steps around it (``vanthu_workflow.store.audience_seq``). Before, a re-publication reused the number of the case's
last step, and a redelivered one could undo a later one.

Existing cases start at 0. Their audiences published before carry the case's plain version, below every number
published from now on, so the first step or re-publication after the upgrade replaces them, as it should.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("audience_rev", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("cases", "audience_rev")
