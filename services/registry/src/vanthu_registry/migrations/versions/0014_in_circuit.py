"""An outgoing document the workflow's circuit governs is signed and issued only through it (issue 13 review).

Documents already in a running circuit are found by the workflow lines of their history: an outgoing document not
issued, cancelled or numbered yet that has one is marked.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("in_circuit", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text(
        "UPDATE documents SET in_circuit = :yes WHERE direction = 'outgoing' "
        "AND status IN ('draft', 'submitted', 'signed', 'numbered') AND EXISTS (SELECT 1 FROM document_history h "
        "WHERE h.document_id = documents.id AND h.action = 'workflow')").bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("in_circuit")
