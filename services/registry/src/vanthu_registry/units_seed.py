"""The demo units and their members (``seed/units.yaml``), loaded by ``vanthu-registry seed`` and the test fixtures.

Only what is missing is written: a unit the agency lacks, a person not yet in the unit. A second seed changes nothing,
and what an administrator changed since is left alone. Members are named by username and found in the people
directory (:mod:`vanthu_registry.people`); without one, or for a username it does not know, the membership is
skipped with a line saying why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from vanthu_core.errors import Conflict, DomainError
from vanthu_registry.domain.units import check_position, check_unit
from vanthu_registry.people import PeopleDirectory
from vanthu_registry.units_store import UnitStore

SEED_UNITS = Path(__file__).with_name("seed") / "units.yaml"


async def seed_units(store: UnitStore, directory: PeopleDirectory, path: Path = SEED_UNITS) -> list[str]:
    """Write the missing units and memberships of ``path``; return a line per thing done or skipped."""
    lines: list[str] = []
    for entry in yaml.safe_load(await asyncio.to_thread(path.read_text, encoding="utf-8")):
        agency = str(entry["agency_code"])
        have = {u.code for u in await store.units(agency, include_inactive=True)}
        try:
            people = {p.username: p for p in await directory.people(agency)}
        except DomainError as error:
            people = {}
            lines.append(f"members skipped: {agency}: {error.message}")
        for u in entry["units"]:
            unit = check_unit(agency_code=agency, code=str(u["code"]), name=u["name"], kind=u.get("kind", ""),
                              parent_code=u.get("parent_code"))
            if unit.code not in have:
                await store.upsert(unit, actor="seed")
                lines.append(f"unit created: {agency} {unit.code} {unit.name}")
            members = {m.subject for m in await store.members(agency, unit.code)}
            for username, position in (u.get("members") or {}).items():
                person = people.get(username)
                if person is None:
                    if people:
                        lines.append(f"member skipped: {agency} {unit.code}: no person {username} in the directory")
                    continue
                if person.subject in members:
                    continue
                try:
                    await store.set_member(agency, unit.code, person, check_position(position), actor="seed")
                except Conflict as error:
                    lines.append(f"member skipped: {agency} {unit.code} {username}: {error.message}")
                    continue
                lines.append(f"member added: {agency} {unit.code} {username} ({position})")
    return lines
