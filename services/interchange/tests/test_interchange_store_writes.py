"""The store's write transactions on SQLite (the embedded mode) take turns inside the process
(:meth:`InterchangeStore._write`): many handlers writing at once each commit once, the same delivery key written by
several at once is written once, and a transaction that fails rolls back and hands the turn on."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import DeliveryRow, InterchangeStore, NewDelivery, PackageRow

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[InterchangeStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield InterchangeStore(session_factory(engine))
    await engine.dispose()


async def add(store: InterchangeStore, package_id: str, document_id: str) -> list[DeliveryRow]:
    return await store.add_package(
        package_id=package_id, kind="edoc", sender_code=UBND, edxml_document_id=f"{UBND},2031/06/15,{document_id}",
        body=b"<edXML/>" * 1000, sha256="0" * 64, document_id=document_id,
        deliveries=[NewDelivery(f"edoc/{document_id}/{SNV}", SNV, "Sở Nội vụ", "local", "sent")],
        events=lambda rows: [])


async def count(store: InterchangeStore, what: object) -> int:
    async with store.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(what))).scalar_one())  # type: ignore[arg-type]


async def test_many_writers_at_once_each_commit_and_a_key_is_written_once(store: InterchangeStore) -> None:
    assert store.write_turn is not None  # SQLite: the process's writes take turns
    distinct = [add(store, f"p-{i}", f"doc-{i}") for i in range(24)]
    same = [add(store, f"q-{i}", "doc-same") for i in range(8)]
    results = await asyncio.gather(*distinct, *same)
    assert all(len(rows) == 1 for rows in results[:24])
    assert sum(len(rows) for rows in results[24:]) == 1  # one handler wrote the key; the others found it taken
    assert await count(store, DeliveryRow) == 25
    assert await count(store, PackageRow) == 25  # the packages of the handlers that found the key taken: not kept
    assert not store.write_turn.locked()


async def test_a_failed_write_rolls_back_and_hands_the_turn_on(store: InterchangeStore) -> None:
    [sent] = await add(store, "p-1", "doc-1")
    with pytest.raises(FailedPrecondition):  # the sent delivery needs its status 13 package, not given
        await store.revoke(sender_code=UBND, document_id="doc-1", reason="Sai sót", staff="Văn thư", packages={},
                           events=lambda rows: [])
    assert store.write_turn is not None and not store.write_turn.locked()
    kept = await store.delivery(sent.id)
    assert kept is not None and (kept.state, kept.revocation) == ("sent", "")
    assert len(await add(store, "p-2", "doc-2")) == 1  # the next writer is not held up


async def test_the_transmitter_is_woken_by_a_commit_leaving_a_delivery_pending_only(store: InterchangeStore) -> None:
    woken: list[int] = []
    store.on_pending = lambda: woken.append(1)
    await add(store, "p-1", "doc-1")  # a local delivery, sent with its commit
    assert woken == []
    [axis] = await store.add_package(
        package_id="p-2", kind="edoc", sender_code=UBND, edxml_document_id=f"{UBND},2031/06/15,doc-2", body=b"x",
        sha256="0" * 64, document_id="doc-2",
        deliveries=[NewDelivery("edoc/doc-2/000.00.00.G09", "000.00.00.G09", "Bộ Nội vụ", "axis", "pending")],
        events=lambda rows: [])
    assert woken == [1]
    assert await store.add_package(  # the same key again: nothing written, nobody woken
        package_id="p-3", kind="edoc", sender_code=UBND, edxml_document_id=f"{UBND},2031/06/15,doc-2", body=b"x",
        sha256="0" * 64, document_id="doc-2",
        deliveries=[NewDelivery("edoc/doc-2/000.00.00.G09", "000.00.00.G09", "Bộ Nội vụ", "axis", "pending")],
        events=lambda rows: []) == []
    assert woken == [1]
    await store.record_attempt(axis.id, error="trục quốc gia không trả lời", max_attempts=1,
                               backoff=timedelta(seconds=1), events=lambda row: [])  # failed: nothing due
    assert woken == [1]
    assert await store.reopen(axis.id) is not None  # resend: pending, due now
    assert woken == [1, 1]
