"""Revocation, update and replacement of exchanged documents (thu hồi, cập nhật, thay thế: issue 12 item 4).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (("revocation", 10), ("revocation_reason", 500), ("revocation_kind", 10), ("replaces_document_id", 36),
           ("replaced_by_document_id", 36))


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
