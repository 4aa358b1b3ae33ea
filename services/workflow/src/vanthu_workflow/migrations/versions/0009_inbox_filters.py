"""The inbox's filters (issue 14: every list filterable): a case keeps its abstract folded (``search_key``, the
words "trích yếu có chứa" looks for, tones and case ignored) and, for an arrival, its issuing agency; its type was
kept already (``type_code``). Existing cases get their ``search_key`` from their abstract here. Their issuing agency
and an arrival's type are the registry's: this migration cannot ask it, so the arrivals submitted before it match
no type or issuer filter (they still match the words and the dates).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from vanthu_core.text import fold

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: As ``vanthu_workflow.store.SEARCH_KEY_CHARS``.
SEARCH_KEY_CHARS = 600


def upgrade() -> None:
    op.add_column("cases", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("issuing_agency_code", sa.String(35), nullable=False, server_default=""))
    connection = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.String), sa.column("abstract", sa.Text),
                     sa.column("search_key", sa.Text))
    rows = connection.execute(sa.select(cases.c.id, cases.c.abstract).where(cases.c.abstract != "")).all()
    keyed = [{"row_id": row_id, "key": fold(abstract)[:SEARCH_KEY_CHARS]} for row_id, abstract in rows]
    if keyed:
        connection.execute(cases.update().where(cases.c.id == sa.bindparam("row_id"))
                           .values(search_key=sa.bindparam("key")), keyed)


def downgrade() -> None:
    op.drop_column("cases", "issuing_agency_code")
    op.drop_column("cases", "search_key")
