"""Assigned work (giao việc, issue 13 item 3): a case of kind "job" is a piece of work given by a leader or a head,
not tied to a document. It reuses the case's columns (abstract: the title, instruction: the description, drafter and
drafter_name: the giver, unit_code: the unit the job stays within, document_id: the job's own id, so that the
per-agency uniqueness of a document's case holds) and adds its place in a tree of sub-jobs and the result's files.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("parent_id", sa.String(36), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("depth", sa.Integer, nullable=False, server_default="0"))
    op.add_column("cases", sa.Column("result_files", sa.Text, nullable=False, server_default="[]"))
    # A giver's jobs and a job's sub-jobs, newest first.
    op.create_index("ix_cases_jobs_giver", "cases", ["agency_code", "kind", "drafter", "created_at"])
    op.create_index("ix_cases_parent", "cases", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_parent", "cases")
    op.drop_index("ix_cases_jobs_giver", "cases")
    for column in ("result_files", "depth", "parent_id"):
        op.drop_column("cases", column)
