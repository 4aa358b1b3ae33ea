"""One object per agency, digest and uploader (issue 14 item 2): the same bytes uploaded by a second person of the
agency become their own object (its bytes shared with the first under the same key), instead of the first
uploader's object, which the second could neither attach (not their upload) nor delete.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_constraint("uq_objects_agency_sha256", type_="unique")
        batch.create_unique_constraint("uq_objects_agency_sha256_uploader", ["agency_code", "sha256", "uploaded_by"])


def downgrade() -> None:
    # refused by the database while two uploaders hold objects of the same bytes: nothing is deleted to make it fit
    with op.batch_alter_table("objects") as batch:
        batch.drop_constraint("uq_objects_agency_sha256_uploader", type_="unique")
        batch.create_unique_constraint("uq_objects_agency_sha256", ["agency_code", "sha256"])
