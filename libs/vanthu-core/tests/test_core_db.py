"""The SQLite engine of every service: connections kept between transactions, pragmas on each."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from vanthu_core.db import SQLITE_POOL_SIZE, create_engine, session_factory

pytestmark = pytest.mark.integration


async def test_a_busy_sqlite_engine_keeps_its_connections_instead_of_opening_one_per_transaction(
        tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}")
    opened: list[Any] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(connection))
    at_once = 12  # more than SQLAlchemy's default pool of 5: a consumer's concurrency plus the relay
    all_in = asyncio.Event()
    inside = 0

    async def hold() -> None:
        nonlocal inside
        async with engine.connect() as connection:
            await connection.get_raw_connection()  # checked out (no transaction: SQLite has one writer at a time)
            inside += 1
            if inside == at_once:
                all_in.set()
            await all_in.wait()  # each holds its connection until all of them hold one

    try:
        for _ in range(3):
            all_in.clear()
            inside = 0
            await asyncio.gather(*(hold() for _ in range(at_once)))
        async with session_factory(engine).begin() as session:
            await session.execute(text("SELECT 1"))
        async with engine.connect() as connection:
            pragmas = [(await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                       for name in ("journal_mode", "synchronous", "foreign_keys")]
    finally:
        await engine.dispose()
    assert at_once <= SQLITE_POOL_SIZE
    assert len(opened) == at_once  # the first round opened them; the later rounds and the pragma check reused them
    assert pragmas == ["wal", 1, 1]  # WAL, synchronous=NORMAL, foreign keys on every connection


def test_an_in_memory_sqlite_engine_is_made_without_a_pool_size() -> None:
    """In-memory databases use one static connection (a pool size would be refused)."""
    engine = create_engine("sqlite+aiosqlite://")
    assert type(engine.pool).__name__ == "StaticPool"


async def test_a_read_only_sqlite_engine_reads_past_a_write_under_way_and_refuses_to_write(tmp_path: Path) -> None:
    """A write engine's transactions start with BEGIN IMMEDIATE (the one write lock), a read's too; the read-only
    engine's start deferred: a read sees what was committed, without waiting for the write in progress."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}"
    writes, reads = create_engine(url), create_engine(url, read_only=True)
    try:
        async with writes.begin() as connection:
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        async with writes.begin() as writing:
            await writing.execute(text("UPDATE t SET n = 2"))  # holds the write lock, not committed
            async with session_factory(reads)() as session:
                assert (await session.execute(text("SELECT n FROM t"))).scalar_one() == 1
        async with session_factory(reads)() as session:
            assert (await session.execute(text("SELECT n FROM t"))).scalar_one() == 2
            with pytest.raises(OperationalError, match="readonly"):
                await session.execute(text("UPDATE t SET n = 3"))
    finally:
        await writes.dispose()
        await reads.dispose()
