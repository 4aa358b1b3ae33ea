"""Import an agency directory from YAML or CSV (all rows checked first; one transaction; all or nothing)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from vanthu_core.errors import InvalidArgument
from vanthu_registry.domain.agencies import Checked, check_agency

FIELDS = ("code", "name", "short_name", "parent_code", "level", "valid_from", "valid_to", "address", "email", "phone",
          "source", "place")


def read_rows(path: Path) -> tuple[list[dict[str, Any]], str]:
    """Rows of a ``.yaml``/``.yml`` (``agencies:`` list, optional ``source:``) or ``.csv`` (header row)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict) or not isinstance(data.get("agencies"), list):
            raise InvalidArgument("file", "danh bạ YAML cần danh sách 'agencies:' ở cấp ngoài cùng.")
        return data["agencies"], str(data.get("source", ""))
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"code", "name"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidArgument("file", f"dòng tiêu đề CSV thiếu cột {', '.join(sorted(missing))}.")
        return list(reader), ""
    raise InvalidArgument("file", "phải là tệp .yaml, .yml hoặc .csv.")


def check_rows(rows: list[dict[str, Any]], default_source: str) -> list[Checked]:
    """Check every row; the first bad one raises :class:`InvalidArgument` naming its row number and field."""
    checked: list[Checked] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - set(FIELDS)
        if unknown:
            raise InvalidArgument(f"row {number}", f"có cột không nhận ra: {', '.join(sorted(unknown))}.")
        values = {k: ("" if v is None else str(v)) for k, v in row.items()}
        try:
            level = int(values["level"]) if values.get("level") else None
        except ValueError as exc:
            raise InvalidArgument(f"row {number}.level", "phải là số nguyên từ 1 đến 4.") from exc
        try:
            item = check_agency(code=values.get("code", ""), name=values.get("name", ""),
                                short_name=values.get("short_name", ""), parent_code=values.get("parent_code") or None,
                                level=level, valid_from=values.get("valid_from") or None,
                                valid_to=values.get("valid_to") or None, address=values.get("address", ""),
                                email=values.get("email", ""), phone=values.get("phone", ""),
                                source=values.get("source") or default_source, place=values.get("place", ""))
        except InvalidArgument as error:
            raise InvalidArgument(f"row {number}.{error.field}", error.reason) from error
        if item.agency.code in seen:
            raise InvalidArgument(f"row {number}.code", f"{item.agency.code} xuất hiện hai lần trong tệp.")
        seen.add(item.agency.code)
        checked.append(item)
    return checked


async def import_directory(database_url: str, rows: list[dict[str, Any]], source: str = "import",
                           progress: Callable[[int, int], None] | None = None) -> list[bool]:
    """What ``import-agencies`` writes for rows already read: every row checked, then one transaction as the operator
    (no administrator's limits, the tree's rules still apply; bulk statements and one event,
    :meth:`~vanthu_registry.store.AgencyStore.import_directory`); the schema is brought up to date first. Returns
    the ``created`` flags in the rows' order. The test suites load their directories this way, as the operator
    does."""
    from vanthu_core.db import create_engine, migrate, session_factory
    from vanthu_registry.server import MIGRATIONS
    from vanthu_registry.store import AgencyStore

    checked = check_rows(rows, source)
    await migrate(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    try:
        return await AgencyStore(session_factory(engine)).import_directory(checked, actor="import", source=source,
                                                                           progress=progress)
    finally:
        await engine.dispose()
