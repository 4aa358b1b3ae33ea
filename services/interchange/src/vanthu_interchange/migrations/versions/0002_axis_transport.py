"""Deliveries sent through the national axis: the axis's id of the sent package (DocID) and the in-flight mark of an
attempt (sendEdoc is not idempotent: an attempt a crash interrupted is failed visibly, never sent again silently).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from vanthu_core.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("transport_id", sa.String(100), nullable=False, server_default=""))
    op.add_column("deliveries", sa.Column("in_flight_at", UtcDateTime, nullable=True))
    op.create_index("ix_deliveries_transport", "deliveries", ["transport_id"])
    op.create_index("ix_receipts_document", "receipts", ["kind", "edxml_document_id", "recipient_code"])


def downgrade() -> None:
    op.drop_index("ix_receipts_document", "receipts")
    op.drop_index("ix_deliveries_transport", "deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("in_flight_at")
        batch.drop_column("transport_id")
