"""Packages, deliveries and their statuses, receipts, and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

from vanthu_core.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sender_code", sa.String(35), nullable=False),
        sa.Column("edxml_document_id", sa.String(300), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("package_id", sa.String(36), sa.ForeignKey("packages.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("edxml_document_id", sa.String(300), nullable=False),
        sa.Column("sender_code", sa.String(35), nullable=False),
        sa.Column("recipient_code", sa.String(35), nullable=False),
        sa.Column("recipient_name", sa.String(300), nullable=False),
        sa.Column("route", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("status_code", sa.String(2), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("key", name="uq_deliveries_key"),
    )
    op.create_index("ix_deliveries_document", "deliveries", ["sender_code", "document_id"])
    op.create_index("ix_deliveries_answer", "deliveries", ["kind", "edxml_document_id", "recipient_code"])
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "delivery_statuses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(36), sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("package_id", sa.String(100), nullable=False),
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("staff", sa.String(300), nullable=False),
        sa.Column("at", UtcDateTime, nullable=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("delivery_id", "package_id", name="uq_delivery_statuses_package"),
    )
    op.create_index("ix_delivery_statuses_delivery_id", "delivery_statuses", ["delivery_id"])
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("transport_id", sa.String(100), nullable=False),
        sa.Column("package_id", sa.String(36), sa.ForeignKey("packages.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("recipient_code", sa.String(35), nullable=False),
        sa.Column("sender_code", sa.String(35), nullable=False),
        sa.Column("edxml_document_id", sa.String(300), nullable=False),
        sa.Column("response_for", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("transport_id", "recipient_code", name="uq_receipts_transport"),
    )
    op.create_index("ix_receipts_arrival", "receipts", ["recipient_code", "document_id"])
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("trace_headers", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])


def downgrade() -> None:
    for table in ("outbox", "receipts", "delivery_statuses", "deliveries", "packages"):
        op.drop_table(table)
