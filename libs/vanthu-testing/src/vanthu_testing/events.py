"""Reading what a service wrote to its outbox: the decoded event messages, in written order."""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.events import decode, meta_of
from vanthu_core.subjects import subject_of


async def outbox_events(sessions: async_sessionmaker[AsyncSession], table: Table,
                        subject: str | None = None) -> list[Message]:
    """The events in the outbox ``table`` (only those of ``subject`` when given), in the order they were written."""
    query = select(table.c.subject, table.c.payload).order_by(table.c.seq)
    if subject is not None:
        query = query.where(table.c.subject == subject)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [decode(s, p) for s, p in rows]


def describe(events: list[Message]) -> list[tuple[str, str]]:
    """(subject, agency) of each event: for assertions that say what was published for whom."""
    return [(subject_of(e), meta_of(e).agency_code) for e in events]
