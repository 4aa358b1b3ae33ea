"""The directory's search words (``agency_words``): each agency's name words without tones and its code's tails,
so that a search of the national directory (about 111,000 agencies) reads the index for the typed words' prefixes
instead of scanning every name with ``LIKE '%word%'`` (issue 14). Filled here for the agencies already held.

The word column, and the new index of the folded names (``search_key``: names that start with the typed words),
compare bytewise on PostgreSQL (``COLLATE "C"``) as SQLite's do, so a prefix is a range of the index on both.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade() -> None:
    from vanthu_registry.domain.agencies import search_words

    words = op.create_table(
        "agency_words",
        sa.Column("word", sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"), nullable=False),
        # no foreign key and no primary key, only the two indexes: the words are derived, written by the store with
        # their agency (agencies are never deleted), and a large import drops the indexes and builds them after its
        # rows (a sort each, instead of checking a key and two indexes for each of 1.8 million words)
        sa.Column("code", sa.String(35), nullable=False),
    )
    op.create_index("ux_agency_words_word_code", "agency_words", ["word", "code"], unique=True)
    op.create_index("ix_agency_words_code_word", "agency_words", ["code", "word"])
    bind = op.get_bind()
    # names that start with the typed words: a range of this index, in name order
    key = sa.text('search_key COLLATE "C"') if bind.dialect.name == "postgresql" else "search_key"
    op.create_index("ix_agencies_search_key", "agencies", [key, "code"])
    agencies = bind.execute(sa.text("SELECT code, name, short_name FROM agencies")).all()
    rows = [{"word": w, "code": code} for code, name, short_name in agencies
            for w in sorted(search_words(code, name, short_name or ""))]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(words, rows[start:start + CHUNK])


def downgrade() -> None:
    op.drop_index("ix_agencies_search_key", table_name="agencies")
    op.drop_index("ix_agency_words_code_word", table_name="agency_words")
    op.drop_index("ux_agency_words_word_code", table_name="agency_words")
    op.drop_table("agency_words")
