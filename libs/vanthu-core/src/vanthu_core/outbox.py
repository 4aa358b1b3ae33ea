"""Transactional outbox: events are written in the same transaction as the change they describe,
then published to NATS by a relay. A crash between commit and publish loses nothing; a re-publish is
deduplicated by JetStream (``Nats-Msg-Id`` = event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.events import Event

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.outbox")


def outbox_table(metadata: MetaData) -> Table:
    """The ``outbox`` table, declared in the service's own metadata (and its migrations)."""
    return Table(
        "outbox", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("subject", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        #: W3C trace context of the command that wrote the event, so the trace continues over NATS.
        Column("trace_headers", Text, nullable=False, default="{}"),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )


def trace_headers() -> dict[str, str]:
    """The current trace context as W3C headers (to record with an event made later, elsewhere)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


async def add_event(session: AsyncSession, table: Table, event: Event) -> None:
    """Record ``event`` in the caller's transaction, with the current trace context."""
    await add_events(session, table, [(event, trace_headers())])


async def add_events(session: AsyncSession, table: Table, events: list[tuple[Event, dict[str, str]]]) -> None:
    """Record several events, each with the trace context it belongs to, in one statement."""
    if not events:
        return
    now = datetime.now(UTC)
    await session.execute(table.insert(), [
        {"event_id": e.id, "subject": e.subject, "payload": e.to_bytes(), "trace_headers": json.dumps(carrier),
         "created_at": now, "published_at": None} for e, carrier in events])


class OutboxRelay:
    """Publishes unpublished outbox rows in order; :meth:`kick` after a commit for low latency."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table, bus: EventBus | None,
                 interval_s: float = 2.0, batch: int = 200) -> None:
        self.sessions = sessions
        self.table = table
        self.bus = bus
        self.interval_s = interval_s
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish what is pending; return how many were published."""
        if self.bus is None:
            return 0
        async with self.sessions() as session:
            rows: list[Any] = list((await session.execute(
                select(self.table.c.event_id, self.table.c.payload, self.table.c.trace_headers)
                .where(self.table.c.published_at.is_(None))
                .order_by(self.table.c.created_at, self.table.c.event_id).limit(self.batch))).all())
        published = 0
        for event_id, payload, trace_headers in rows:
            token = otel_context.attach(propagate.extract(json.loads(trace_headers or "{}")))
            try:
                await self.bus.publish(Event.from_bytes(payload))
            finally:
                otel_context.detach(token)
            async with self.sessions() as session, session.begin():
                await session.execute(update(self.table).where(self.table.c.event_id == event_id)
                                      .values(published_at=datetime.now(UTC)))
            published += 1
        return published

    async def _run(self) -> None:
        while True:
            try:
                while await self.publish_pending() == self.batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # the relay must outlive a NATS outage; rows stay pending
                log.warning("outbox relay could not publish; will retry", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.publish_pending()
