"""A notification about neither a document nor a case (a file plan submitted, approved or returned: issue 14's
records review) says where it leads in the web app (``/ho-so?nam=2027``). Existing notifications have none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("link", sa.String(300), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("notifications", "link")
