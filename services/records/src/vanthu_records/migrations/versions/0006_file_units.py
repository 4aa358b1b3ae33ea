"""Files opened from a plan entry whose người lập hồ sơ was picked from the directory, before issue 14's fix, kept
that person's name as their unit (đơn vị). The records database holds no directory (the registry does: units and
their members), so each such file takes the unit another file of the same person's entries was given since (opened
after the fix, from the registry, or typed), the latest one; where there is none the unit cannot be recovered here
and reads "Không rõ" (unknown), never a person's name (issue 14 item 4).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: What a file's unit reads when it cannot be recovered.
UNKNOWN_UNIT = "Không rõ"


def _picked(outline: str) -> dict[str, tuple[str, str]]:
    """Entry id → (the person's subject, their name) of a plan's entries whose người lập hồ sơ was picked."""
    found: dict[str, tuple[str, str]] = {}
    for heading in json.loads(outline or "[]"):
        entries = list(heading.get("entries", []))
        for sub in heading.get("subheadings", []):
            entries += sub.get("entries", [])
        for entry in entries:
            subject = str(entry.get("creator_subject") or "").strip()
            if subject and entry.get("id"):
                found[str(entry["id"])] = (subject, str(entry.get("creator") or "").strip())
    return found


def upgrade() -> None:
    bind = op.get_bind()
    picked: dict[str, tuple[str, str]] = {}
    for (outline,) in bind.execute(sa.text("SELECT outline FROM plans")):
        picked.update(_picked(outline))
    if not picked:
        return
    wrong: list[tuple[str, str, str]] = []  # (file, agency, person)
    known: dict[tuple[str, str], str] = {}  # (agency, person) → the unit their latest good file was given
    for file_id, agency, entry_id, unit in bind.execute(
        sa.text(
            "SELECT id, agency_code, plan_entry_id, unit FROM files WHERE plan_entry_id <> '' ORDER BY created_at, id"
        )
    ):
        person = picked.get(entry_id)
        unit = (unit or "").strip()
        if person is None or not unit:
            continue
        subject, name = person
        if unit == name:
            wrong.append((file_id, agency, subject))
        elif unit != UNKNOWN_UNIT:
            known[(agency, subject)] = unit
    for file_id, agency, subject in wrong:
        bind.execute(
            sa.text("UPDATE files SET unit = :unit WHERE id = :id"),
            {"unit": known.get((agency, subject), UNKNOWN_UNIT), "id": file_id},
        )


def downgrade() -> None:
    """The names the files held were wrong: they are not put back."""
