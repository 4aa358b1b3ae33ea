"""Records (issue 16): file plans and their entries, files, their documents, the append-only history and archive
access log, and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("file_history", "archive_access")


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("numbering", sa.String(20), nullable=False),
        sa.Column("outline", sa.Text, nullable=False, server_default="[]"),
        sa.Column("revises_plan_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "year", "plan_version", name="uq_plans_version"),
    )
    op.create_table(
        "plan_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
    )
    op.create_index("ix_plan_entries_plan_id", "plan_entries", ["plan_id"])
    op.create_table(
        "files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("notation", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("retention_years", sa.Integer, nullable=False),
        sa.Column("rights", sa.String(30), nullable=False),
        sa.Column("language", sa.String(50), nullable=False),
        sa.Column("creator_subject", sa.String(100), nullable=False),
        sa.Column("creator_username", sa.String(100), nullable=False),
        sa.Column("creator_name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False, server_default=""),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("page_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("keywords", sa.Text, nullable=False, server_default=""),
        sa.Column("plan_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("plan_entry_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deposit_deadline", sa.Date, nullable=True),
        sa.Column("retained_years", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retain_approval", sa.Text, nullable=False, server_default=""),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deposited_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("return_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("due_notified", sa.Date, nullable=True),
        sa.Column("overdue_notified", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "year", "notation", name="uq_files_code"),
    )
    op.create_index("ix_files_agency", "files", ["agency_code", "year", "state"])
    op.create_table(
        "file_documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("files", sa.Text, nullable=False, server_default="[]"),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("file_id", "document_id", name="uq_file_documents"),
    )
    op.create_index("ix_file_documents_file", "file_documents", ["file_id", "ordinal"])
    op.create_table(
        "file_history",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_file_history_file_id", "file_history", ["file_id"])
    op.create_table(
        "archive_access",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_archive_access_file_id", "archive_access", ["file_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'records history and access log are append-only'; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION records_append_only()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    op.create_table(
        "outbox",
        sa.Column("seq", SEQ, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("trace_headers", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])


def downgrade() -> None:
    for table in ("outbox", "archive_access", "file_history", "file_documents", "files", "plan_entries", "plans"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS records_append_only()")
