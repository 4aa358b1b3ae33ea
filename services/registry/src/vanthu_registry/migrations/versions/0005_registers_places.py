"""Each agency's place (địa danh); registers that say what they number; arrivals; going live mid-year.

- agencies.place: the địa danh of the agency's date line (Decree 30/2020, Appendix I, Part I, II.4).
- registers.legal_normative (outgoing: numbers VB QPPL) and registers.separate_arrival_series (incoming: a second
  arrival series opened on purpose); register_history (who created a register, set its start, imported entries).
- documents.legal_normative; the number and symbol of an outgoing document is unique in its agency and year
  (partial unique index uq_documents_outgoing_symbol). Documents numbered twice before this rule keep their number:
  each later one is flagged with duplicate_of (the first holder) and a history line, and stays outside the index.
  An agency that already had several active incoming registers keeps them; the later ones are recorded as
  separate arrival series (register history).
- documents.arrived_at: when an arrival was received (the register book's "Ngày đến"), set from created_at for
  arrivals already held.
- Going live mid-year: register_counters.start_number (the number a year's series started at here) and
  documents.imported (entries imported from the previous system's register book).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
OUTGOING_SYMBOL_WHERE = "direction = 'outgoing' AND number IS NOT NULL AND duplicate_of = ''"
ACTOR = "migration 0005"


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("place", sa.String(100), nullable=False, server_default=""))
    with op.batch_alter_table("registers") as batch:
        batch.add_column(sa.Column("legal_normative", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("separate_arrival_series", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("legal_normative", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("arrived_at", TS, nullable=True))
        batch.add_column(sa.Column("imported", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("register_counters") as batch:
        batch.add_column(sa.Column("start_number", sa.Integer, nullable=True))
    op.execute("UPDATE documents SET arrived_at = created_at WHERE direction = 'incoming'")
    op.create_table(
        "register_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("register_id", sa.String(36), sa.ForeignKey("registers.id"), nullable=False, index=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    now = datetime.now(UTC)
    _flag_duplicate_symbols(now)
    _record_second_arrival_series(now)
    op.create_index("uq_documents_outgoing_symbol", "documents", ["agency_code", "register_year", "number_symbol"],
                    unique=True, sqlite_where=sa.text(OUTGOING_SYMBOL_WHERE),
                    postgresql_where=sa.text(OUTGOING_SYMBOL_WHERE))


def _flag_duplicate_symbols(now: datetime) -> None:
    """Outgoing documents that got a number and symbol another one of the agency holds in the same year (two
    registers numbering the same type): the first keeps it; the later ones are flagged, never renumbered."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, agency_code, register_year, number_symbol FROM documents "
        "WHERE direction = 'outgoing' AND number IS NOT NULL ORDER BY numbered_at, id")).all()
    first: dict[tuple[str, int, str], str] = {}
    history = sa.table("document_history", sa.column("document_id", sa.String), sa.column("at", TS),
                       sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("changes", sa.JSON),
                       sa.column("note", sa.Text))
    for document_id, agency, year, symbol in rows:
        key = (agency, year, symbol)
        if key not in first:
            first[key] = document_id
            continue
        bind.execute(sa.text("UPDATE documents SET duplicate_of = :first WHERE id = :id"),
                     {"first": first[key], "id": document_id})
        bind.execute(history.insert().values(
            document_id=document_id, at=now, actor=ACTOR, action="flagged", changes={"duplicate_of": [None, first[key]]},
            note=f"{symbol} was issued twice in {year} (two registers numbered the same type); document "
                 f"{first[key]} holds it first. A number and symbol is unique in the year (Decree 30/2020 Art. 15)"))


def _record_second_arrival_series(now: datetime) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, agency_code, name FROM registers WHERE direction = 'incoming' AND active = :yes "
        "ORDER BY created_at, id"), {"yes": True}).all()
    history = sa.table("register_history", sa.column("register_id", sa.String), sa.column("at", TS),
                       sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("changes", sa.JSON),
                       sa.column("note", sa.Text))
    seen: dict[str, str] = {}
    for register_id, agency, name in rows:
        if agency not in seen:
            seen[agency] = name
            continue
        bind.execute(sa.text("UPDATE registers SET separate_arrival_series = :yes WHERE id = :id"),
                     {"yes": True, "id": register_id})
        bind.execute(history.insert().values(
            register_id=register_id, at=now, actor=ACTOR, action="flagged",
            changes={"separate_arrival_series": [False, True]},
            note=f"opened before one arrival series per agency was enforced; kept as a separate arrival series "
                 f"beside '{seen[agency]}'"))


def downgrade() -> None:
    op.drop_index("uq_documents_outgoing_symbol", table_name="documents")
    op.drop_table("register_history")
    with op.batch_alter_table("register_counters") as batch:
        batch.drop_column("start_number")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("imported")
        batch.drop_column("arrived_at")
        batch.drop_column("legal_normative")
    with op.batch_alter_table("registers") as batch:
        batch.drop_column("separate_arrival_series")
        batch.drop_column("legal_normative")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("place")
