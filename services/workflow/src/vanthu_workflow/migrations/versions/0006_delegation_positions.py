"""Ủy quyền (issue 13 item 7): the deputy's own position on a delegation (the second line of the signing authority,
"KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC"), and the competence a step taken under a delegation had (added columns: the
steps' append-only triggers stay).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delegations", sa.Column("deputy_position", sa.String(100), nullable=False, server_default=""))
    op.add_column("steps", sa.Column("competence", sa.String(5), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("steps", "competence")
    op.drop_column("delegations", "deputy_position")
