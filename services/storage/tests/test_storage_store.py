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
from vanthu_storage import events
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
        return list((await session.execute(select(outbox.c.subject).order_by(outbox.c.seq))).scalars())


async def test_objects_round_trip_in_utc_with_large_sizes(catalogue: ObjectStore) -> None:
    obj = make("o1", retain_until=NOW + timedelta(days=10))
    stored, created = await catalogue.add(obj, key=key_of(obj), actor="u1")
    assert created and await catalogue.get("o1", H61) == obj == stored
    assert await catalogue.get("o1", None) == obj
    assert await catalogue.by_digest(H61, "a" * 64) == obj
    with pytest.raises(NotFound):
        await catalogue.get("o1", "000.00.02.H61")
    assert await catalogue.by_digest("000.00.02.H61", "a" * 64) is None
    assert await subjects(catalogue) == ["vanthu.storage.object.stored"]


async def test_concurrent_uploads_of_the_same_bytes_keep_one_object(catalogue: ObjectStore) -> None:
    results = await asyncio.gather(*(catalogue.add(make(f"o{n}"), key=key_of(make("o")), actor="u1")
                                     for n in range(8)))
    winners = {obj.object_id for obj, _ in results}
    assert len(winners) == 1 and sum(created for _, created in results) == 1
    assert await subjects(catalogue) == ["vanthu.storage.object.stored"]


def key_of(obj: ObjectInfo) -> str:
    return f"{obj.agency_code}/{obj.sha256}"


async def test_each_uploader_of_the_same_bytes_has_their_own_object_and_the_last_one_takes_the_bytes(
        catalogue: ObjectStore) -> None:
    """Issue 14 item 2: one object per agency, digest and uploader; the bytes' deletion is requested only when the
    last object sharing them goes."""
    first, _ = await catalogue.add(make("o1"), key=key_of(make("o1")), actor="u1")
    theirs, created = await catalogue.add(make("o2", uploaded_by="u2", file_name="Báo cáo.pdf"),
                                          key=key_of(make("o2")), actor="u2")
    assert created and theirs.object_id == "o2"
    again, created = await catalogue.add(make("o3", uploaded_by="u2"), key=key_of(make("o3")), actor="u2")
    assert not created and again.object_id == "o2"
    assert (await catalogue.by_digest(H61, "a" * 64, "u2")).object_id == "o2"  # type: ignore[union-attr]
    assert (await catalogue.by_digest(H61, "a" * 64)).object_id == "o1"  # type: ignore[union-attr]
    assert (await catalogue.by_digest(H61, "a" * 64, prefer="u2")).object_id == "o2"  # type: ignore[union-attr]
    await catalogue.delete("o1", H61, lambda o: None, key=lambda o: key_of(o), actor="u1")
    assert await catalogue.pending_deletions() == []
    await catalogue.delete("o2", H61, lambda o: None, key=lambda o: key_of(o), actor="u2")
    assert await catalogue.pending_deletions() == [key_of(first)]


async def test_the_row_goes_first_and_a_failed_byte_removal_is_finished_later(catalogue: ObjectStore) -> None:
    await catalogue.add(make("o1"), key=key_of(make("o1")), actor="u1")
    removed: list[str] = []

    async def storage_down(key: str) -> None:
        raise OSError("disk gone")

    async def storage_up(key: str) -> None:
        removed.append(key)

    await catalogue.delete("o1", H61, lambda o: None, key=key_of, actor="u1")
    with pytest.raises(NotFound):  # committed: the row is gone before any byte is touched
        await catalogue.get("o1", H61)
    with pytest.raises(OSError):
        await catalogue.finish_deletion(key_of(make("o1")), storage_down)
    assert await catalogue.pending_deletions() == [key_of(make("o1"))]  # kept for the next sweep
    assert await catalogue.finish_deletion(key_of(make("o1")), storage_up)
    assert removed == [key_of(make("o1"))] and await catalogue.pending_deletions() == []
    assert await subjects(catalogue) == ["vanthu.storage.object.stored", "vanthu.storage.object.deleted"]


async def test_a_held_or_referenced_object_is_not_deleted(catalogue: ObjectStore) -> None:
    await catalogue.add(make("o1"), key=key_of(make("o1")), actor="u1")
    await catalogue.add_reference("o1", H61, "registry/document/d-1", actor="registry")
    with pytest.raises(FailedPrecondition, match="registry/document/d-1"):
        await catalogue.delete("o1", H61, lambda o: check_deletable(o, NOW), key=key_of, actor="u1")
    await catalogue.release_reference("o1", H61, "registry/document/d-1", now=NOW)
    held = await catalogue.update("o1", H61, lambda o: replace(o, legal_hold=True),
                                  event=lambda new: events.locked(new, "u1"))
    assert held.legal_hold
    with pytest.raises(FailedPrecondition, match="phong tỏa"):
        await catalogue.delete("o1", H61, lambda o: check_deletable(o, NOW), key=key_of, actor="u1")
    assert await catalogue.pending_deletions() == []
    assert await subjects(catalogue) == ["vanthu.storage.object.stored", "vanthu.storage.object.locked"]


async def test_an_upload_of_the_same_bytes_cancels_a_pending_deletion(catalogue: ObjectStore) -> None:
    await catalogue.add(make("o1"), key=key_of(make("o1")), actor="u1")
    await catalogue.delete("o1", H61, lambda o: None, key=key_of, actor="u1")
    await catalogue.add(make("o2"), key=key_of(make("o2")), actor="u2")  # same agency and digest: same key

    async def must_not_run(key: str) -> None:
        raise AssertionError("the re-uploaded bytes were removed")

    assert not await catalogue.finish_deletion(key_of(make("o1")), must_not_run)
    assert (await catalogue.get("o2", H61)).object_id == "o2"


async def test_references_are_idempotent_per_holder_and_scoped_to_the_agency(catalogue: ObjectStore) -> None:
    await catalogue.add(make("o1"), key=key_of(make("o1")), actor="u1")
    for _ in range(2):
        obj = await catalogue.add_reference("o1", H61, "registry/document/d-1", actor="registry")
    obj = await catalogue.add_reference("o1", H61, "signing/result/s-1", actor="signing")
    assert obj.references == ("registry/document/d-1", "signing/result/s-1") and obj.released_at is None
    with pytest.raises(NotFound):
        await catalogue.add_reference("o1", "000.00.02.H61", "registry/document/d-2", actor="registry")
    later = NOW + timedelta(minutes=5)
    assert (await catalogue.release_reference("o1", H61, "signing/result/s-1", now=later)).released_at is None
    last = await catalogue.release_reference("o1", H61, "registry/document/d-1", now=later)
    assert last is not None and last.references == () and last.released_at == later
    again = await catalogue.release_reference("o1", H61, "registry/document/d-1", now=later + timedelta(hours=1))
    assert again is not None and again.released_at == later  # releasing what is not there changes nothing
    assert await catalogue.release_reference("gone", H61, "registry/document/d-1") is None


async def test_sweep_candidates_are_unreferenced_old_and_not_held(catalogue: ObjectStore) -> None:
    for obj in (make("old", "1"), make("young", "2", created_at=NOW), make("referenced", "3"),
                make("held", "4", legal_hold=True), make("released-now", "5"), make("released-long-ago", "6")):
        await catalogue.add(obj, key=key_of(obj), actor="u1")
    await catalogue.add_reference("referenced", H61, "registry/document/d-1", actor="registry")
    for object_id, when in (("released-now", NOW), ("released-long-ago", NOW - timedelta(hours=3))):
        await catalogue.add_reference(object_id, H61, "registry/document/d-2", actor="registry")
        await catalogue.release_reference(object_id, H61, "registry/document/d-2", now=when)
    found = await catalogue.unreferenced_before(NOW - timedelta(hours=1))
    assert sorted(o.object_id for o in found) == ["old", "released-long-ago"]
    assert [o.object_id async for o in catalogue.all(batch=2)] == [
        "held", "old", "referenced", "released-long-ago", "released-now", "young"]
