"""The archive access log names the event a logged read came from (storage's ``vanthu.storage.object.read``), once
per file and document: a redelivered event logs nothing again.

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
    op.add_column("archive_access", sa.Column("event_id", sa.String(36), nullable=True))
    op.create_index("uq_archive_access_event", "archive_access", ["event_id", "file_id", "document_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_archive_access_event", "archive_access")
    op.drop_column("archive_access", "event_id")
