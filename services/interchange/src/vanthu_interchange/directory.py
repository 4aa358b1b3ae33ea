"""The agency directory from the national axis (``getAgenciesList``), as a file the registry imports.

No VanThu service changes the directory on its own (the access table's rule for ``UpsertAgency``): the operator
runs ``vanthu-interchange directory --out axis-agencies.yaml`` and then ``vanthu-registry import-agencies
axis-agencies.yaml`` (``--dry-run`` first). The import updates or adds the axis's entries and keeps every entry the
province added that the axis does not list (local additions: internal units, agencies not yet on the axis).

The axis gives each entry's parent as a directory id (``pid``); the file names the parent by its code, and lists
parents before their children. An entry whose parent the axis does not list is written without a parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml

from vanthu_axis.model import Agency


def directory_rows(agencies: Sequence[Agency]) -> list[dict[str, Any]]:
    """Rows for ``vanthu-registry import-agencies`` (code, name, parent_code, email), parents first; an agency the
    axis lists twice is kept once (its first entry)."""
    by_id = {a.id: a for a in agencies if a.id}
    unique: dict[str, Agency] = {}
    for agency in agencies:
        unique.setdefault(agency.code.strip(), agency)

    def parent_code(agency: Agency) -> str:
        parent = by_id.get(agency.pid or "")
        return parent.code.strip() if parent is not None and parent.code.strip() != agency.code.strip() else ""

    def depth(agency: Agency) -> int:
        seen: set[str] = set()
        level, current = 0, agency
        while (parent := by_id.get(current.pid or "")) is not None and parent.id not in seen:
            seen.add(parent.id)
            level, current = level + 1, parent
        return level

    rows = []
    for agency in sorted(unique.values(), key=lambda a: (depth(a), a.code)):
        row: dict[str, Any] = {"code": agency.code.strip(), "name": agency.name.strip() or agency.code.strip()}
        if parent_code(agency):
            row["parent_code"] = parent_code(agency)
        if agency.mail:
            row["email"] = agency.mail.strip()
        rows.append(row)
    return rows


def directory_file(agencies: Sequence[Agency], today: date) -> str:
    """The YAML file: ``source`` says where and when it came from, then ``agencies``."""
    return yaml.safe_dump({"source": f"Trục liên thông văn bản quốc gia, {today:%d/%m/%Y}",
                           "agencies": directory_rows(agencies)}, allow_unicode=True, sort_keys=False)
