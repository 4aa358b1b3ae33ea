"""Ủy quyền and who sees the document (issue 14): a delegation remembers whether the document audiences last
published for the cases it covers count its deputy in. Existing delegations start at false, so the first sweep
publishes again the open cases of those in force: their deputies join the audiences the registry keeps.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "delegations", sa.Column("audience_published", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("delegations", "audience_published")
