"""Who inside the agency sees a document (audience) and the access log (issue 13 item 7).

Existing documents get the audience of :mod:`vanthu_registry.domain.audience`; an arrival already registered (it may
have been assigned before the registry knew assignments) keeps everyone of the agency (``"*"`` as its workflow
principals, sequence 0) until its case's next step says who it is given to.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import json

import sqlalchemy as sa
from alembic import op

from vanthu_registry.domain.audience import audience_of

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: Arrivals in these statuses may have been assigned already.
_PROCESSED = ("registered", "revoked")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("audience", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("workflow_audience", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("audience_seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "document_audience",
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("principal", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "principal", name="pk_document_audience"),
    )
    op.create_index("ix_document_audience_principal", "document_audience", ["principal", "document_id"])
    op.create_table(
        "document_access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("agency_code", sa.String(35), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("username", sa.String(100), nullable=False, server_default=""),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("object_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("client", sa.String(100), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_document_access_log"),
    )
    op.create_index("ix_document_access_log_document", "document_access_log", ["document_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION registry_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$")
        op.execute("CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON document_access_log "
                   "FOR EACH ROW EXECUTE FUNCTION registry_access_log_append_only()")
    else:
        op.execute("CREATE TRIGGER access_log_no_update BEFORE UPDATE ON document_access_log "
                   "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END")
        op.execute("CREATE TRIGGER access_log_no_delete BEFORE DELETE ON document_access_log "
                   "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END")
    bind = op.get_bind()
    documents = sa.table("documents", sa.column("id", sa.String), sa.column("direction", sa.String),
                         sa.column("status", sa.String), sa.column("drafter_subject", sa.String),
                         sa.column("audience", sa.JSON), sa.column("workflow_audience", sa.JSON))
    rows = bind.execute(sa.select(documents.c.id, documents.c.direction, documents.c.status,
                                  documents.c.drafter_subject)).all()
    principals = []
    for doc_id, direction, status, drafter in rows:
        workflow = ["*"] if direction == "incoming" and status in _PROCESSED else []
        audience = audience_of(direction=direction, status=status, drafter_subject=drafter or "", workflow=workflow)
        bind.execute(documents.update().where(documents.c.id == doc_id).values(
            audience=json.loads(json.dumps(audience)), workflow_audience=workflow))
        principals += [{"document_id": doc_id, "principal": p} for p in audience]
    if principals:
        op.bulk_insert(sa.table("document_audience", sa.column("document_id", sa.String),
                                sa.column("principal", sa.String)), principals)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_log_append_only ON document_access_log")
        op.execute("DROP FUNCTION registry_access_log_append_only()")
    op.drop_table("document_access_log")
    op.drop_table("document_audience")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("audience_seq")
        batch.drop_column("workflow_audience")
        batch.drop_column("audience")
