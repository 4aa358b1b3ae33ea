"""An index of the objects in the files' version chains (storage object id → file and document), so that a read of
an archived object (storage's ``vanthu.storage.object.read``) is found by key instead of by searching the chains'
JSON of every deposited file (issue 16 item 3). Filled from the chains already written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "chain_objects",
        sa.Column("object_id", sa.String(36), primary_key=True),
        sa.Column("file_id", sa.String(36), primary_key=True),
        sa.Column("document_id", sa.String(36), primary_key=True),
        sa.Column("agency_code", sa.String(35), nullable=False),
    )
    rows = op.get_bind().execute(sa.text(
        "SELECT d.file_id, d.document_id, d.agency_code, d.files FROM file_documents d "
        "JOIN files f ON f.id = d.file_id WHERE f.state = 'deposited'"))
    found = []
    for file_id, document_id, agency_code, files in rows:
        ids = {v["object_id"] for f in json.loads(files or "[]") for v in f.get("versions", [])}
        found += [{"object_id": i, "file_id": file_id, "document_id": document_id, "agency_code": agency_code}
                  for i in sorted(ids)]
    if found:
        op.bulk_insert(table, found)


def downgrade() -> None:
    op.drop_table("chain_objects")
