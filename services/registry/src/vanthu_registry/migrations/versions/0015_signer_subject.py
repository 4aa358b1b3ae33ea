"""A draft's signer chosen from the agency's people keeps their account (subject): a deputy signs under that
person's delegation, not under whoever's name matches (issue 13 review).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("signer_subject", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("signer_subject")
