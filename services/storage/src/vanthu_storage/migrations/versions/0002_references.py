"""Object references (what keeps an object alive) and pending deletions; the ``attached`` flag goes.

Objects marked attached before this revision get the reference ``storage/legacy/attached`` so nothing is lost.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "object_references",
        sa.Column("object_id", sa.String(36), sa.ForeignKey("objects.object_id"), primary_key=True),
        sa.Column("holder", sa.String(200), primary_key=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "pending_deletions",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("object_id", sa.String(36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute("INSERT INTO object_references (object_id, holder, created_by, created_at) "
               "SELECT object_id, 'storage/legacy/attached', 'migration-0002', created_at FROM objects "
               "WHERE attached")
    op.drop_index("ix_objects_attached_created_at", table_name="objects")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("attached")
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_objects_created_at", "objects", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_objects_created_at", table_name="objects")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("released_at")
        batch.add_column(sa.Column("attached", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE objects SET attached = true WHERE object_id IN (SELECT object_id FROM object_references)")
    op.create_index("ix_objects_attached_created_at", "objects", ["attached", "created_at"])
    op.drop_table("pending_deletions")
    op.drop_table("object_references")
