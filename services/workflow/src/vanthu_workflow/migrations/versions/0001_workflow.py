"""The workflow's cases (one per incoming document and agency), their tasks and append-only steps, and the outbox
(issue 13, items 1, 4, 8).

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


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False, server_default=""),
        sa.Column("arrival_number", sa.Integer, nullable=False, server_default="0"),
        sa.Column("leader", sa.String(100), nullable=False, server_default=""),
        sa.Column("lead", sa.Text, nullable=False, server_default=""),
        sa.Column("cooperating", sa.Text, nullable=False, server_default="[]"),
        sa.Column("for_information", sa.Text, nullable=False, server_default="[]"),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("instruction", sa.Text, nullable=False, server_default=""),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
        sa.Column("reply_document_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("requested_deadline", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_code", "document_id", name="uq_cases_document"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("assignee_kind", sa.String(10), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=False),
        sa.Column("unit_code", sa.String(20), nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_tasks_inbox", "tasks", ["agency_code", "assignee_kind", "assignee", "state", "deadline"])
    op.create_index("ix_tasks_case", "tasks", ["case_id"])
    op.create_table(
        "steps",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=False),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_subject", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_steps_case", "steps", ["case_id", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        # Append-only: the database itself refuses to change or delete a step.
        op.execute("CREATE FUNCTION workflow_steps_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'workflow steps are append-only'; END $$")
        op.execute("CREATE TRIGGER steps_append_only BEFORE UPDATE OR DELETE ON steps "
                   "FOR EACH ROW EXECUTE FUNCTION workflow_steps_append_only()")
    else:
        op.execute("CREATE TRIGGER steps_no_update BEFORE UPDATE ON steps "
                   "BEGIN SELECT RAISE(ABORT, 'workflow steps are append-only'); END")
        op.execute("CREATE TRIGGER steps_no_delete BEFORE DELETE ON steps "
                   "BEGIN SELECT RAISE(ABORT, 'workflow steps are append-only'); END")
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
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
    op.drop_table("outbox")
    op.drop_table("steps")
    op.drop_table("tasks")
    op.drop_table("cases")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS workflow_steps_append_only()")
