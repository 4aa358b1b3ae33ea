"""Personal signing profiles belong to the person's subject (``sub``), not to their username (issue 11, item 3).

A profile one person has signed with (one subject in the journal for its agency and username, personal or
personal-remote) is bound to that subject; a profile nobody signed with, or two subjects did (an account recreated
under the same name), stays unbound (``subject`` NULL): the service refuses it until the operator binds it with
``vanthu-signing profile set --subject``. The agency's profile (its seal) has the subject "". Usernames stay, for
display.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_profiles") as batch:
        batch.add_column(sa.Column("subject", sa.String(100), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE signing_profiles SET subject = '' WHERE kind = 'agency'"))
    personal = connection.execute(sa.text(
        "SELECT profile_id, agency_code, username FROM signing_profiles WHERE kind = 'personal'")).all()
    for profile_id, agency_code, username in personal:
        subjects = connection.execute(sa.text(
            "SELECT DISTINCT subject FROM signings WHERE agency_code = :agency AND username = :username "
            "AND kind IN ('personal', 'personal-remote') AND subject <> ''"),
            {"agency": agency_code, "username": username}).scalars().all()
        if len(subjects) == 1:
            connection.execute(sa.text("UPDATE signing_profiles SET subject = :subject WHERE profile_id = :id"),
                               {"subject": subjects[0], "id": profile_id})
    with op.batch_alter_table("signing_profiles") as batch:
        batch.drop_constraint("uq_signing_profiles_owner", type_="unique")
        batch.create_unique_constraint("uq_signing_profiles_owner", ["agency_code", "kind", "subject"])


def downgrade() -> None:
    with op.batch_alter_table("signing_profiles") as batch:
        batch.drop_constraint("uq_signing_profiles_owner", type_="unique")
        batch.create_unique_constraint("uq_signing_profiles_owner", ["agency_code", "kind", "username"])
        batch.drop_column("subject")
