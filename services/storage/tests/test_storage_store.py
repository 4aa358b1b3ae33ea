"""The object catalogue on a real SQLite file and a real PostgreSQL server."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_storage.domain.retention import ObjectInfo, check_deletable
from vanthu_storage.server import MIGRATIONS
from vanthu_storage.store import ObjectStore, outbox

pytestmark = pytest.mark.integration

H61 = "000.00.00.H61"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["sqlite", "postgresql"])
async def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield ObjectStore(session_factory(engine))
    await engine.dispose()


def make(object_id: str, sha: str = "a", agency: str = H61, **changes: object) -> ObjectInfo:
    obj = ObjectInfo(object_id=object_id, agency_code=agency, sha256=sha * 64, size=5 * 1024 ** 3,
                     content_type="application/pdf", file_name="Tờ trình.pdf", uploaded_by="u1",
                     created_at=NOW - timedelta(days=1))
    return replace(obj, **changes)  # type: ignore[arg-type]


async def subjects(store: ObjectStore) -> list[str]:
    async with store.sessions() as session:
        return list((await session.execute(select(outbox.c.subject).order_by(outbox.c.created_at))).scalars())


async def test_objects_round_trip_in_utc_with_large_sizes(catalogue: ObjectStore) -> None:
    obj = make("o1", retain_until=NOW + timedelta(days=10))
    stored, created = await catalogue.add(obj, actor="u1")
    assert created and await catalogue.get("o1", H61) == obj == stored
    assert await catalogue.get("o1", None) == obj
    assert await catalogue.by_digest(H61, "a" * 64) == obj
    with pytest.raises(NotFound):
        await catalogue.get("o1", "000.00.02.H61")
    assert await catalogue.by_digest("000.00.02.H61", "a" * 64) is None
    assert await subjects(catalogue) == ["vanthu.storage.object.stored"]


async def test_concurrent_uploads_of_the_same_bytes_keep_one_object(catalogue: ObjectStore) -> None:
    results = await asyncio.gather(*(catalogue.add(make(f"o{n}"), actor="u1") for n in range(8)))
    winners = {obj.object_id for obj, _ in results}
    assert len(winners) == 1 and sum(created for _, created in results) == 1
    assert await subjects(catalogue) == ["vanthu.storage.object.stored"]


async def test_a_failed_effect_rolls_the_change_back(catalogue: ObjectStore) -> None:
    await catalogue.add(make("o1"), actor="u1")

    async def storage_down(obj: ObjectInfo) -> None:
        raise OSError("disk gone")

    with pytest.raises(OSError):
        await catalogue.delete("o1", H61, lambda o: None, storage_down, actor="u1")
    assert (await catalogue.get("o1", H61)).object_id == "o1"
    held = await catalogue.update("o1", H61, lambda o: replace(o, legal_hold=True), actor="u1",
                                  subject="vanthu.storage.object.locked")
    assert held.legal_hold
    with pytest.raises(FailedPrecondition):
        await catalogue.delete("o1", H61, lambda o: check_deletable(o, NOW), storage_down, actor="u1")
    assert await subjects(catalogue) == ["vanthu.storage.object.stored", "vanthu.storage.object.locked"]


async def test_sweep_candidates_are_old_unattached_and_not_held(catalogue: ObjectStore) -> None:
    await catalogue.add(make("old", "1"), actor="u1")
    await catalogue.add(make("young", "2", created_at=NOW), actor="u1")
    await catalogue.add(make("attached", "3", attached=True), actor="u1")
    await catalogue.add(make("held", "4", legal_hold=True), actor="u1")
    found = await catalogue.unattached_before(NOW - timedelta(hours=1))
    assert [o.object_id for o in found] == ["old"]
    assert [o.object_id async for o in catalogue.all(batch=2)] == ["attached", "held", "old", "young"]
