"""The outgoing circuit (issue 13, item 2): a case is of kind "incoming" or "outgoing"; an outgoing case keeps the
circuit it started with (its steps and the definition's version, JSON), its drafter, drafting unit and type.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("kind", sa.String(10), nullable=False, server_default="incoming"))
    op.add_column("cases", sa.Column("circuit", sa.Text, nullable=False, server_default=""))
    op.add_column("cases", sa.Column("definition_version", sa.Integer, nullable=False, server_default="0"))
    op.add_column("cases", sa.Column("drafter", sa.String(100), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("drafter_name", sa.String(200), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("unit_code", sa.String(20), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("type_code", sa.String(50), nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("type_code", "unit_code", "drafter_name", "drafter", "definition_version", "circuit", "kind"):
        op.drop_column("cases", column)
