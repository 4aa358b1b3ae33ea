"""The exchange catalogue (danh mục gửi nhận): per agency and type, electronic only or with the paper original; each
document records its form.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_forms",
        sa.Column("agency_code", sa.String(35), primary_key=True),
        sa.Column("type_code", sa.String(40), primary_key=True),
        sa.Column("form", sa.String(25), nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("exchange_form", sa.String(25), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("exchange_form")
    op.drop_table("exchange_forms")
