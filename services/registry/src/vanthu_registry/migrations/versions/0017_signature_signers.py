"""Who signed an arrival's files and when (``documents.signature_signers``), as signing's verification found them:
the arrival list and the document page name the signer (issue 14). Arrivals verified before keep an empty list
(their note still says the verdict).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("signature_signers", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("signature_signers")
