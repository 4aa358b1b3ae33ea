"""The issuing agency's name folded (``documents.sender_key``): the lists' "cơ quan ban hành" filter finds a sender
typed by hand, with or without tones (issue 14). Existing rows are keyed from their name.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from vanthu_core.text import fold

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("sender_key", sa.String(200), nullable=False, server_default=""))
    bind = op.get_bind()
    documents = sa.table(
        "documents",
        sa.column("id", sa.String),
        sa.column("issuing_agency_name", sa.String),
        sa.column("sender_key", sa.String),
    )
    names = (
        bind.execute(sa.select(documents.c.issuing_agency_name).where(documents.c.issuing_agency_name != "").distinct())
        .scalars()
        .all()
    )
    for name in names:
        bind.execute(
            documents.update().where(documents.c.issuing_agency_name == name).values(sender_key=fold(name)[:200])
        )


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("sender_key")
