"""The outbox relay against real PostgreSQL, SQLite and nats-server: one relay per row, written order, retention."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import MetaData, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.bus import EventBus
from vanthu_core.db import create_engine, session_factory
from vanthu_core.events import meta_of, new_meta
from vanthu_core.outbox import OutboxRelay, add_event, add_event_once, add_events, outbox_table
from vanthu_testing.nats import NatsServer

pytestmark = pytest.mark.integration
metadata = MetaData()
outbox = outbox_table(metadata)
H61 = "000.00.00.H61"


class CountingBus(EventBus):
    """The real bus, also noting which event ids it published (JetStream's deduplication would hide a repeat)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.published: list[str] = []

    async def publish_payload(self, subject: str, event_id: str, payload: bytes, **options: object) -> int:
        self.published.append(event_id)
        return await super().publish_payload(subject, event_id, payload, **options)  # type: ignore[arg-type]


@dataclass
class Db:
    sessions: async_sessionmaker[AsyncSession]
    buses: list[CountingBus] = field(default_factory=list)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Db]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield Db(session_factory(engine))
    await engine.dispose()


async def bus_of(nats_server: NatsServer, name: str) -> CountingBus:
    bus = CountingBus(nats_server.url, client_name=name, user="registry", password=nats_server.passwords["registry"])
    await bus.connect()
    return bus


def drafted(n: int) -> ev.DocumentDrafted:
    return ev.DocumentDrafted(meta=new_meta(actor="chuyenvien.ubnd", agency=H61),
                              document=ev.DocumentState(document_id=f"d-{n}", direction="outgoing", status="draft",
                                                        number=n))


async def write(db: Db, events: list[ev.DocumentDrafted]) -> None:
    async with db.sessions() as session, session.begin():
        for event in events:
            await add_event(session, outbox, event)


async def test_two_relays_on_one_postgresql_publish_each_row_once_and_in_order(postgres_url: str,
                                                                               nats_server: NatsServer) -> None:
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    events = [drafted(n) for n in range(300)]
    async with sessions() as session, session.begin():
        await add_events(session, outbox, [(e, {}) for e in events])
    buses = [await bus_of(nats_server, f"replica-{i}") for i in range(2)]
    relays = [OutboxRelay(sessions, outbox, bus, batch=25) for bus in buses]

    async def drain(relay: OutboxRelay) -> None:
        async def pending() -> int:
            async with sessions() as session:
                return int((await session.execute(select(func.count()).select_from(outbox)
                                                  .where(outbox.c.published_at.is_(None)))).scalar_one())
        deadline = asyncio.get_running_loop().time() + 60
        while await pending() and asyncio.get_running_loop().time() < deadline:
            await relay.publish_pending()

    try:
        await asyncio.gather(*(drain(relay) for relay in relays))
        stream = await buses[0].js.stream_info("VANTHU_EVENTS")
    finally:
        for bus in buses:
            await bus.close()
        await engine.dispose()
    published = buses[0].published + buses[1].published
    assert sorted(published) == sorted(meta_of(e).event_id for e in events)  # each row once, none lost
    assert stream.state.messages == 300
    order = {meta_of(e).event_id: n for n, e in enumerate(events)}
    for bus in buses:  # a relay never publishes a row before an earlier one
        assert [order[i] for i in bus.published] == sorted(order[i] for i in bus.published)


async def test_rows_go_out_in_written_order_whatever_the_writers_clocks_say(db: Db, nats_server: NatsServer) -> None:
    """Replica A's clock runs five minutes ahead of replica B's: what A wrote first still goes out first."""
    first, second = drafted(1), drafted(2)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=True):
        await write(db, [first])
    await write(db, [second])
    bus = await bus_of(nats_server, "relay")
    try:
        assert await OutboxRelay(db.sessions, outbox, bus).publish_pending() == 2
    finally:
        await bus.close()
    assert bus.published == [first.meta.event_id, second.meta.event_id]


async def test_published_rows_are_pruned_after_the_retention(db: Db, nats_server: NatsServer) -> None:
    now = datetime(2031, 6, 15, 3, 0, tzinfo=UTC)
    clock = [now]
    await write(db, [drafted(n) for n in range(3)])
    bus = await bus_of(nats_server, "relay")
    relay = OutboxRelay(db.sessions, outbox, bus, retention=timedelta(days=7), clock=lambda: clock[0])
    try:
        assert await relay.publish_pending() == 3
    finally:
        await bus.close()
    await write(db, [drafted(9)])  # not published yet: never pruned
    async with db.sessions() as session, session.begin():  # one row published long before the others
        oldest = (await session.execute(select(func.min(outbox.c.seq)))).scalar_one()
        await session.execute(update(outbox).where(outbox.c.seq == oldest)
                              .values(published_at=now - timedelta(days=8)))
    clock[0] = now + timedelta(days=6, hours=23)
    assert await relay.prune() == 1
    clock[0] = now + timedelta(days=7, seconds=1)
    assert await relay.prune() == 2
    async with db.sessions() as session:
        left = (await session.execute(select(outbox.c.event_id, outbox.c.published_at))).all()
    assert len(left) == 1 and left[0].published_at is None


async def test_a_follow_up_event_is_recorded_once(db: Db) -> None:
    verdict = drafted(1)
    async with db.sessions() as session, session.begin():
        assert await add_event_once(session, outbox, verdict)
    async with db.sessions() as session, session.begin():
        assert not await add_event_once(session, outbox, verdict)
    async with db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 1


async def test_a_relay_given_the_services_write_turn_marks_its_rows_in_that_turn(tmp_path: Path,
                                                                                 nats_server: NatsServer) -> None:
    """SQLite: the relay publishes while another write transaction of its service holds the turn, and marks the rows
    published only once that one hands the turn on (not by polling SQLite's lock meanwhile)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    db = Db(session_factory(engine))
    await write(db, [drafted(n) for n in range(3)])
    bus = await bus_of(nats_server, "relay")
    asked = asyncio.Event()

    class Turn(asyncio.Lock):
        async def acquire(self) -> bool:
            asked.set()
            return await super().acquire()

    turn = Turn()
    relay = OutboxRelay(db.sessions, outbox, bus, turn=turn)
    try:
        await turn.acquire()  # the service is writing
        publishing = asyncio.create_task(relay.publish_pending())
        asked.clear()
        await asyncio.wait([asyncio.create_task(asked.wait()), publishing], return_when=asyncio.FIRST_COMPLETED)
        assert len(bus.published) == 3 and not publishing.done()  # sent; waiting for the turn to mark them
        async with db.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(outbox)
                                          .where(outbox.c.published_at.is_(None)))).scalar_one() == 3
        turn.release()
        assert await publishing == 3
        assert not turn.locked()
        async with db.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(outbox)
                                          .where(outbox.c.published_at.is_(None)))).scalar_one() == 0
    finally:
        await bus.close()
        await engine.dispose()


async def test_rows_committed_while_the_relay_gathers_after_a_kick_go_out_in_the_same_pass(
        tmp_path: Path, nats_server: NatsServer) -> None:
    """A kick does not start a pass at once: the commits of the handlers running meanwhile land first, and one pass
    (one read, one marking transaction) publishes all their rows, in written order."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    db = Db(session_factory(engine))
    bus = await bus_of(nats_server, "gather")
    passes: list[int] = []
    idle, done = asyncio.Event(), asyncio.Event()

    class Relay(OutboxRelay):
        async def _gather(self) -> None:
            for n in range(2, 6):  # four more handlers commit while it gathers
                await write(db, [drafted(n)])
                self.kick()
            await super()._gather()

        async def publish_pending(self) -> int:
            published = await super().publish_pending()
            if published:
                passes.append(published)
            idle.set()  # its start-up pass found nothing: it waits for a kick (or the hour's poll)
            if len(bus.published) == 5:
                done.set()
            return published

    relay = Relay(db.sessions, outbox, bus, interval_s=3600)
    relay.start()
    try:
        await idle.wait()
        await write(db, [drafted(1)])
        relay.kick()
        await done.wait()
        assert passes == [5]
        assert bus.published == [e.meta.event_id for e in await written(db)]
    finally:
        await relay.stop()
        await bus.close()
        await engine.dispose()


async def written(db: Db) -> list[ev.DocumentDrafted]:
    async with db.sessions() as session:
        payloads = (await session.execute(select(outbox.c.payload).order_by(outbox.c.seq))).scalars().all()
    return [ev.DocumentDrafted.FromString(p) for p in payloads]


class FailingBus(EventBus):
    """NATS refusing every publish (an outage): nothing leaves, the rows stay pending."""

    def __init__(self) -> None:
        super().__init__("nats://127.0.0.1:9", client_name="failing")

    async def publish_payload(self, subject: str, event_id: str, payload: bytes, **options: object) -> int:
        raise ConnectionError("nats: no servers available for connection")


async def test_the_relay_counts_what_it_published_and_the_passes_that_failed(tmp_path: Path,
                                                                              nats_server: NatsServer) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from vanthu_core.outbox import OutboxMetrics

    reader = InMemoryMetricReader()
    measures = OutboxMetrics(MeterProvider(metric_readers=[reader]).get_meter("test"))

    def counted() -> dict[str, int]:
        data = reader.get_metrics_data()
        assert data is not None
        return {m.name: sum(p.value for p in m.data.data_points) for rm in data.resource_metrics
                for sm in rm.scope_metrics for m in sm.metrics}

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    db = Db(session_factory(engine))
    await write(db, [drafted(1), drafted(2)])
    with pytest.raises(ConnectionError):
        await OutboxRelay(db.sessions, outbox, FailingBus(), measures=measures).publish_pending()
    assert counted() == {"vanthu.outbox.failures": 1}   # the outbox is not draining
    bus = await bus_of(nats_server, "metrics")
    assert await OutboxRelay(db.sessions, outbox, bus, measures=measures).publish_pending() == 2
    assert counted() == {"vanthu.outbox.failures": 1, "vanthu.outbox.published": 2}
    await bus.close()
    await engine.dispose()


class SwallowingBus(EventBus):
    """A publish that drops the cancellation meeting its completion, as nats-py's ``asyncio.wait_for`` does on
    Python 3.11: the row is published, the relay goes on."""

    def __init__(self) -> None:
        super().__init__("nats://127.0.0.1:9", client_name="swallowing")
        self.started = asyncio.Event()
        self.published: list[str] = []

    async def publish_payload(self, subject: str, event_id: str, payload: bytes, **options: object) -> int:
        self.started.set()
        with contextlib.suppress(asyncio.CancelledError):  # the answer came as the cancellation did: it wins
            await asyncio.sleep(3600)
        self.published.append(event_id)
        return len(self.published)


async def test_a_relay_whose_cancellation_the_bus_swallowed_stops(tmp_path: Path) -> None:
    """CI hung 300 s in a workflow test's ``OutboxRelay.stop``: the relay's one cancellation was lost in a publish,
    the relay went on waiting for its next pass and ``stop`` waited for the relay. It stops, having published."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    db = Db(session_factory(engine))
    await write(db, [drafted(1)])
    bus = SwallowingBus()
    relay = OutboxRelay(db.sessions, outbox, bus, interval_s=3600)
    relay.start()
    await asyncio.wait_for(bus.started.wait(), 10)
    stopping = asyncio.create_task(relay.stop())
    await asyncio.wait({stopping}, timeout=10)  # not wait_for: its cancelling stop() would stop the relay itself
    assert stopping.done(), "stop() still waiting for the relay"
    assert len(bus.published) == 1
    async with db.sessions() as session:
        assert (await session.execute(select(func.count()).where(outbox.c.published_at.is_(None)))).scalar() == 0
    await engine.dispose()
