"""An agency's internal units (đơn vị: phòng, ban) and the people in them (issue 13, item 0).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("agency_code", sa.String(35), primary_key=True),
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_code", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unit_members",
        sa.Column("agency_code", sa.String(35), primary_key=True),
        sa.Column("unit_code", sa.String(20), primary_key=True),
        sa.Column("subject", sa.String(100), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("position", sa.String(20), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_unit_members_subject", "unit_members", ["agency_code", "subject"])
    op.create_index("uq_unit_members_head", "unit_members", ["agency_code", "unit_code"], unique=True,
                    sqlite_where=sa.text("position = 'head'"), postgresql_where=sa.text("position = 'head'"))


def downgrade() -> None:
    op.drop_index("uq_unit_members_head", table_name="unit_members")
    op.drop_index("ix_unit_members_subject", table_name="unit_members")
    op.drop_table("unit_members")
    op.drop_table("units")
