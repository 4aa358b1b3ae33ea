"""Each task says who gave it (người giao: the subject and name of the person whose step created it, or the head who
handed it on), so that Công việc shows it without loading the case. Tasks given before have none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("given_by", sa.String(100), nullable=False, server_default=""))
    op.add_column("tasks", sa.Column("given_by_name", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("tasks", "given_by_name")
    op.drop_column("tasks", "given_by")
