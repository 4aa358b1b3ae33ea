"""Ủy quyền (issue 13 item 7): delegations of a leader's own tasks or a unit's tasks to a deputy for a period, and
the delegation a step was taken under (added columns: the steps' append-only triggers stay).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("delegator", sa.String(100), nullable=False),
        sa.Column("delegator_username", sa.String(100), nullable=False),
        sa.Column("delegator_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("unit_code", sa.String(20), nullable=False, server_default=""),
        sa.Column("deputy", sa.String(100), nullable=False),
        sa.Column("deputy_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=False),
        sa.Column("competence", sa.String(5), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=False, server_default=""),
    )
    op.create_index("ix_delegations_deputy", "delegations", ["agency_code", "deputy", "valid_to"])
    op.create_index("ix_delegations_delegator", "delegations", ["agency_code", "delegator"])
    op.add_column("steps", sa.Column("on_behalf_of", sa.String(100), nullable=False, server_default=""))
    op.add_column("steps", sa.Column("delegation_id", sa.String(36), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_table("delegations")
