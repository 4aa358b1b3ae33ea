"""An agency's units and their members on a real SQLite file and a real PostgreSQL server: one head per unit under
concurrency (the partial unique index backs the check), one event per change and none for what changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Conflict, NotFound
from vanthu_registry.domain.units import check_unit
from vanthu_registry.people import Person
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import outbox
from vanthu_registry.units_store import UnitStore

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
PEOPLE = [Person(subject=f"0000000{i}-0000-4000-8000-000000000000", username=f"nguoi{i}.ubnd",
                 name=f"Người thứ {i}", agency_code=UBND) for i in range(1, 9)]


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    units = UnitStore(session_factory(engine))
    await units.upsert(check_unit(agency_code=UBND, code="TH", name="Phòng Tổng hợp"), actor="seed")
    yield units
    await engine.dispose()


async def events(store: UnitStore) -> list[tuple[str, str, str]]:
    async with store.sessions() as session:
        rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
    assert {subject for subject, _ in rows} == {"vanthu.registry.unit.changed"}
    decoded = [ev.UnitChanged.FromString(payload) for _, payload in rows]
    return [(e.unit_code, e.change, e.position) for e in decoded]


async def test_eight_admins_naming_eight_heads_at_once_leave_one_head(store: UnitStore) -> None:
    results = await asyncio.gather(*(store.set_member(UBND, "TH", p, "head", actor="quantri.ubnd") for p in PEOPLE),
                                   return_exceptions=True)
    assert sum(isinstance(r, tuple) for r in results) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, tuple)), results
    assert [m.position for m in await store.members(UBND, "TH")] == ["head"]
    assert (await store.units(UBND))[0].head_username in {p.username for p in PEOPLE}


async def test_each_change_is_one_event_and_a_repeated_one_none(store: UnitStore) -> None:
    unit = check_unit(agency_code=UBND, code="TH", name="Phòng Tổng hợp")
    assert (await store.upsert(unit, actor="quantri.ubnd"))[1] is False  # the same again: no change
    await store.set_member(UBND, "TH", PEOPLE[0], "officer", actor="quantri.ubnd")
    await store.set_member(UBND, "TH", PEOPLE[0], "officer", actor="quantri.ubnd")
    await store.set_member(UBND, "TH", PEOPLE[0], "head", actor="quantri.ubnd")
    assert await store.remove_member(UBND, "TH", PEOPLE[0].subject, actor="quantri.ubnd")
    assert not await store.remove_member(UBND, "TH", PEOPLE[0].subject, actor="quantri.ubnd")
    assert await events(store) == [("TH", "unit_upserted", ""), ("TH", "member_set", "officer"),
                                   ("TH", "member_set", "head"), ("TH", "member_removed", "")]


async def test_another_agencys_unit_is_not_found(store: UnitStore) -> None:
    with pytest.raises(NotFound):
        await store.members(SNV, "TH")
    with pytest.raises(NotFound):
        await store.set_member(SNV, "TH", PEOPLE[0], "officer", actor="quantri.snv")
    with pytest.raises(NotFound):
        await store.remove_member(SNV, "TH", PEOPLE[0].subject, actor="quantri.snv")
    assert await store.units(SNV) == []
