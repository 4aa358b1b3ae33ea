"""Signing profiles, pending two-step signings, the signing journal and the event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_profiles",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("key_label", sa.String(64), nullable=False),
        sa.Column("certificate", sa.LargeBinary, nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "kind", "username", name="uq_signing_profiles_owner"),
    )
    op.create_table(
        "pending_signings",
        sa.Column("handle", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pending_signings_expires_at", "pending_signings", ["expires_at"])
    op.create_table(
        "signings",
        sa.Column("signing_id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("certificate_subject", sa.String(500), nullable=False),
        sa.Column("field_name", sa.String(64), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=False),
        sa.Column("output_sha256", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("number_symbol", sa.String(100), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_signings_agency_signed_at", "signings", ["agency_code", "signed_at"])
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("trace_headers", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("signings")
    op.drop_table("pending_signings")
    op.drop_table("signing_profiles")
