"""Transactional outbox: events are written in the same transaction as the change they describe, then published
to NATS by a relay. A crash between commit and publish loses nothing; a re-publish is deduplicated by JetStream
(``Nats-Msg-Id`` = event id).

- A row holds the serialized event message (:func:`vanthu_core.events.encode`), its subject and the trace context
  of the command. Rows are numbered by the database (``seq``) as they are written: a transaction that waited for
  another's row lock writes after it, so publishing in ``seq`` order keeps the order in which changes to one thing
  were committed, whatever the replicas' clocks say.
- One relay at a time per row: on PostgreSQL a relay claims its batch with ``FOR UPDATE SKIP LOCKED`` and publishes
  only from the head of the queue (when another replica's relay holds earlier rows it waits for its turn), so two
  replicas never publish a row twice nor out of order. SQLite is the embedded mode: one process, one relay.
- Published rows are deleted after a retention (``VANTHU_OUTBOX_RETENTION_HOURS``), longer than JetStream's
  duplicate window; until then a consumer finds there the follow-up events it already made
  (:func:`add_event_once`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message
from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.aio import cancel_and_wait, wait_event
from vanthu_core.events import encode, meta_of, subject_of, trace_headers
from vanthu_core.timeutil import Clock, utc_now

if TYPE_CHECKING:
    from alembic.operations import Operations

    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.outbox")


class OutboxMetrics:
    """The relay's counters (OpenTelemetry; exported with the service's other telemetry, the service told apart by
    its resource's ``service.name``): rows published, and relay passes stopped by an error while rows stayed
    pending. Failures growing while nothing is published is the outbox not draining (the chart's alert)."""

    def __init__(self, meter: metrics.Meter | None = None) -> None:
        meter = meter or metrics.get_meter("vanthu.outbox")
        self.published = meter.create_counter("vanthu.outbox.published", unit="{event}",
                                              description="Outbox rows published to JetStream")
        self.failures = meter.create_counter("vanthu.outbox.failures", unit="{pass}",
                                             description="Relay passes stopped by an error (the rows stay pending)")


METRICS = OutboxMetrics()

__all__ = ["OutboxRelay", "add_event", "add_event_once", "add_events", "downgrade_from_sequence", "event_row",
           "has_event",
           "outbox_table", "trace_headers",
           "upgrade_to_sequence"]


def outbox_table(metadata: MetaData) -> Table:
    """The ``outbox`` table, declared in the service's own metadata (and its migrations)."""
    return Table(
        "outbox", metadata,
        #: Written order, assigned by the database (BIGSERIAL on PostgreSQL, the rowid on SQLite).
        Column("seq", BigInteger().with_variant(Integer(), "sqlite"), autoincrement=True),
        Column("event_id", String(36), nullable=False),
        Column("subject", String(200), nullable=False),
        #: The serialized event message.
        Column("payload", LargeBinary, nullable=False),
        #: W3C trace context of the command that wrote the event, so the trace continues over NATS.
        Column("trace_headers", Text, nullable=False, default="{}"),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
        PrimaryKeyConstraint("seq", name="pk_outbox"),
        UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )


def _row(message: Message, carrier: dict[str, str], now: datetime) -> dict[str, Any]:
    return {"event_id": meta_of(message).event_id, "subject": subject_of(message), "payload": encode(message),
            "trace_headers": json.dumps(carrier), "created_at": now, "published_at": None}


def event_row(event: Message) -> dict[str, Any]:
    """The outbox row of ``event`` as :func:`add_event` writes it (with the current trace context), for a caller
    that writes it in a statement of its own (an ``INSERT … SELECT`` guarded by its change, one round trip)."""
    return _row(event, trace_headers(), utc_now())


async def add_event(session: AsyncSession, table: Table, event: Message) -> None:
    """Record the event message in the caller's transaction, with the current trace context."""
    await add_events(session, table, [(event, trace_headers())])


async def add_events(session: AsyncSession, table: Table, events: list[tuple[Message, dict[str, str]]]) -> None:
    """Record several events, each with the trace context it belongs to, in one statement (in this order)."""
    if not events:
        return
    now = utc_now()
    await session.execute(table.insert(), [_row(e, carrier, now) for e, carrier in events])


async def add_event_once(session: AsyncSession, table: Table, event: Message) -> bool:
    """Record the event unless the outbox holds its id already (a consumer's follow-up to a redelivered event, whose
    id is derived from the source's); True when it was added. Safe against a concurrent insert of the same id."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(insert(table).values(_row(event, trace_headers(), utc_now()))
                                   .on_conflict_do_nothing(index_elements=["event_id"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def has_event(session: AsyncSession, table: Table, event_id: str) -> bool:
    """Whether the outbox holds the event (published or not, until the retention removes it)."""
    return (await session.execute(select(table.c.seq).where(table.c.event_id == event_id))).first() is not None


class OutboxRelay:
    """Publishes unpublished outbox rows in written order and prunes published ones; :meth:`kick` after a commit
    for low latency."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table, bus: EventBus | None, *,
                 interval_s: float = 2.0, batch: int = 200, retention: timedelta = timedelta(days=7),
                 prune_every: timedelta = timedelta(minutes=10), clock: Clock = utc_now,
                 turn: asyncio.Lock | None = None, measures: OutboxMetrics | None = None,
                 gather_s: float = 0.002, reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        #: SQLite: sessions of a read-only engine (deferred transactions, :func:`vanthu_core.db.create_engine`) for
        #: reading the pending rows, so that the read neither waits for the service's write under way nor holds the
        #: next one off; the write sessions when none is given.
        self.reads = reads or sessions
        #: How long a pass waits after a kick for the commits of the handlers running meanwhile, so that one pass
        #: (a read and a marking transaction) publishes all their rows: with a consumer handling several messages
        #: at once, a pass per commit cost the service two more transactions per commit (bench/interchange.py).
        self.gather_s = gather_s
        self.measures = measures or METRICS
        self.table = table
        self.bus = bus
        self.interval_s = interval_s
        self.batch = batch
        self.retention = retention
        self.prune_every = prune_every
        self.clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_prune: datetime | None = None
        self._postgres: bool | None = None
        #: SQLite: the service's own turn for write transactions, when it has one (interchange's store), so the
        #: relay's marking and pruning wait for it there instead of in SQLite's busy handler, which polls the lock
        #: with sleeps of up to 100 ms while every event of the service waits behind the relay.
        self.turn = turn

    def _writing(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self.turn if self.turn is not None else contextlib.nullcontext()

    def kick(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish a batch of what is pending; return how many rows this relay published."""
        if self.bus is None:
            return 0
        try:
            if self._postgres is None:
                async with self.sessions() as session:
                    self._postgres = session.get_bind().dialect.name == "postgresql"
            if self._postgres:
                return await self._publish_claimed()
            return await self._publish_in_order()
        except Exception:
            self.measures.failures.add(1)
            raise

    def _pending(self) -> Any:
        t = self.table
        return (select(t.c.seq, t.c.event_id, t.c.subject, t.c.payload, t.c.trace_headers)
                .where(t.c.published_at.is_(None)).order_by(t.c.seq).limit(self.batch))

    async def _publish_claimed(self) -> int:
        """PostgreSQL: claim the head of the queue (rows locked until published and marked, in one transaction)."""
        t = self.table
        published: list[int] = []
        failure: BaseException | None = None
        async with self.sessions() as session, session.begin():
            rows = list((await session.execute(self._pending().with_for_update(skip_locked=True))).all())
            if not rows:
                return 0
            head = (await session.execute(select(func.min(t.c.seq)).where(t.c.published_at.is_(None)))).scalar()
            if head is not None and head < rows[0].seq:
                return 0  # another relay holds earlier rows: they go out first, this batch after them
            failure = await self._send(rows, published)
            if published:
                await session.execute(update(t).where(t.c.seq.in_(published)).values(published_at=self.clock()))
        self.measures.published.add(len(published))
        if failure is not None:
            raise failure
        return len(published)

    async def _publish_in_order(self) -> int:
        """SQLite (one process, one relay): read, publish, mark; no lock is held while publishing."""
        t = self.table
        async with self.reads() as session:
            rows = list((await session.execute(self._pending())).all())
        published: list[int] = []
        failure = await self._send(rows, published)
        if published:
            async with self._writing(), self.sessions() as session, session.begin():
                await session.execute(update(t).where(t.c.seq.in_(published)).values(published_at=self.clock()))
            self.measures.published.add(len(published))
        if failure is not None:
            raise failure
        return len(published)

    async def _send(self, rows: list[Any], published: list[int]) -> BaseException | None:
        """Publish ``rows`` in order, appending each published row's ``seq``; the error that stopped it, if any."""
        assert self.bus is not None
        for row in rows:
            carrier = json.loads(row.trace_headers or "{}")
            token = otel_context.attach(propagate.extract(carrier))
            try:
                await self.bus.publish_payload(row.subject, row.event_id, row.payload, trace_context=carrier)
            except Exception as exc:  # the rows after it stay pending, in order
                return exc
            finally:
                otel_context.detach(token)
            published.append(row.seq)
        return None

    async def prune(self) -> int:
        """Delete rows published more than the retention ago; return how many."""
        t = self.table
        cutoff = self.clock() - self.retention
        removed = 0
        while True:
            async with self._writing(), self.sessions() as session, session.begin():
                seqs = list((await session.execute(select(t.c.seq).where(t.c.published_at < cutoff)
                                                   .order_by(t.c.seq).limit(1000))).scalars())
                if seqs:
                    await session.execute(delete(t).where(t.c.seq.in_(seqs)))
            removed += len(seqs)
            if len(seqs) < 1000:
                return removed

    async def _prune_when_due(self) -> None:
        now = self.clock()
        if self._last_prune is not None and now - self._last_prune < self.prune_every:
            return
        self._last_prune = now
        removed = await self.prune()
        if removed:
            log.info("published outbox rows pruned", extra={"removed": removed})

    async def _run(self) -> None:
        while True:
            try:
                while await self.publish_pending() == self.batch:
                    pass
                await self._prune_when_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the relay must outlive a NATS or database outage; rows stay pending
                log.warning("outbox relay could not publish; will retry", exc_info=True)
            await wait_event(self._wake, self.interval_s)
            if self._wake.is_set():
                await self._gather()
            self._wake.clear()

    async def _gather(self) -> None:
        """After a kick, before the pass: let the commits under way meanwhile land (:attr:`gather_s`)."""
        if self.gather_s > 0:
            await asyncio.sleep(self.gather_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        with contextlib.suppress(Exception):
            await self.publish_pending()


def upgrade_to_sequence(op: Operations) -> None:
    """Migration body shared by the services: the outbox's rows get ``seq`` (in their ``created_at`` order), its
    primary key; ``event_id`` stays unique. Frozen: a migration calls it, so it never changes."""
    import sqlalchemy as sa

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        op.add_column("outbox", sa.Column("seq", sa.BigInteger(), nullable=True))
        op.execute("UPDATE outbox SET seq = ordered.n FROM (SELECT event_id, row_number() OVER "
                   "(ORDER BY created_at, event_id) AS n FROM outbox) AS ordered WHERE outbox.event_id = "
                   "ordered.event_id")
        op.execute("CREATE SEQUENCE outbox_seq_seq OWNED BY outbox.seq")
        op.execute("SELECT setval('outbox_seq_seq', coalesce((SELECT max(seq) FROM outbox), 0) + 1, false)")
        op.execute("ALTER TABLE outbox ALTER COLUMN seq SET DEFAULT nextval('outbox_seq_seq')")
        op.alter_column("outbox", "seq", nullable=False)
        op.execute("ALTER TABLE outbox DROP CONSTRAINT outbox_pkey")
        op.create_primary_key("pk_outbox", "outbox", ["seq"])
        op.create_unique_constraint("uq_outbox_event_id", "outbox", ["event_id"])
        return
    op.create_table(
        "outbox_sequenced",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("trace_headers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )
    op.execute("INSERT INTO outbox_sequenced (event_id, subject, payload, trace_headers, created_at, published_at) "
               "SELECT event_id, subject, payload, trace_headers, created_at, published_at FROM outbox "
               "ORDER BY created_at, event_id")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_table("outbox")
    op.rename_table("outbox_sequenced", "outbox")
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])


def downgrade_from_sequence(op: Operations) -> None:
    """The reverse of :func:`upgrade_to_sequence`: ``event_id`` is the primary key again, ``seq`` goes."""
    import sqlalchemy as sa

    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("uq_outbox_event_id", "outbox", type_="unique")
        op.drop_constraint("pk_outbox", "outbox", type_="primary")
        op.drop_column("outbox", "seq")
        op.create_primary_key("outbox_pkey", "outbox", ["event_id"])
        return
    op.create_table(
        "outbox_by_id",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("trace_headers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("INSERT INTO outbox_by_id (event_id, subject, payload, trace_headers, created_at, published_at) "
               "SELECT event_id, subject, payload, trace_headers, created_at, published_at FROM outbox ORDER BY seq")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_table("outbox")
    op.rename_table("outbox_by_id", "outbox")
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
