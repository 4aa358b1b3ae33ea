"""Who sees a document, kept in the database, and the access log (issue 13 item 7).

:func:`sync_audience` recomputes a document's audience (:mod:`vanthu_registry.domain.audience`) in the caller's
transaction and mirrors it into ``document_audience`` rows, which :func:`visible` filters lists on. :class:`Viewer`
is the person asking, with their principals (their units read from the directory in the same session).
:class:`AccessLog` writes the log of views in batches: a view costs no round trip of its own; the lines of the views
served meanwhile are written in one transaction a moment later (at most :attr:`AccessLog.delay_s`, and at
shutdown). A crash loses at most the lines of that moment; downloads are logged in their own transaction
(:meth:`vanthu_registry.documents_store.DocumentStore.check_file_access`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.auth import Principal
from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.domain.audience import audience_of, principals_of
from vanthu_registry.tables import AccessLogRow, DocumentAudienceRow, DocumentRow
from vanthu_registry.units_store import UnitMemberRow

log = logging.getLogger("vanthu.registry")


async def sync_audience(session: AsyncSession, row: DocumentRow) -> bool:
    """Recompute ``row``'s audience from its direction, status, drafter and workflow principals; True when it
    changed (its ``document_audience`` rows follow, in the caller's transaction; ``row`` must be flushed)."""
    wanted = audience_of(direction=row.direction, status=row.status, drafter_subject=row.drafter_subject or "",
                         workflow=row.workflow_audience or [])
    current = list(row.audience or [])
    if wanted == current:
        return False
    gone, new = set(current) - set(wanted), set(wanted) - set(current)
    if gone:
        await session.execute(delete(DocumentAudienceRow).where(DocumentAudienceRow.document_id == row.id,
                                                                DocumentAudienceRow.principal.in_(sorted(gone))))
    if new:
        await session.execute(insert(DocumentAudienceRow), [{"document_id": row.id, "principal": p}
                                                            for p in sorted(new)])
    row.audience = wanted
    return True


@dataclass(frozen=True)
class Viewer:
    """A person reading documents: who (subject, username), from which client, with which principals."""

    subject: str
    username: str
    client: str
    principals: frozenset[str]

    def sees(self, row: DocumentRow) -> bool:
        return any(p in self.principals for p in row.audience or [])


async def viewer_of(session: AsyncSession, principal: Principal, agency_code: str) -> Viewer:
    """The person's principals: their roles, their units in ``agency_code`` (the directory), themselves."""
    units = (await session.execute(select(UnitMemberRow.unit_code).where(
        UnitMemberRow.agency_code == agency_code, UnitMemberRow.subject == principal.subject))).scalars().all()
    return Viewer(subject=principal.subject, username=principal.username, client=principal.client_id,
                  principals=principals_of(subject=principal.subject, roles=principal.roles, units=units))


def visible(viewer: Viewer) -> ColumnElement[bool]:
    """The documents ``viewer`` sees (a WHERE clause on ``documents``)."""
    return exists().where(DocumentAudienceRow.document_id == DocumentRow.id,
                          DocumentAudienceRow.principal.in_(sorted(viewer.principals)))


@dataclass(frozen=True)
class Access:
    """One line of the access log, before it is written."""

    document_id: str
    agency_code: str
    at: datetime
    subject: str
    username: str
    action: str
    object_id: str = ""
    client: str = ""

    def row(self) -> dict[str, object]:
        return {"document_id": self.document_id, "agency_code": self.agency_code, "at": self.at,
                "subject": self.subject[:100], "username": self.username[:100], "action": self.action,
                "object_id": self.object_id[:36], "client": self.client[:100]}


class AccessLog:
    """Views logged in batches (see the module's docstring): :meth:`record` returns at once; :meth:`flush` writes
    what is pending (the server calls it at shutdown, tests before reading)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now,
                 delay_s: float = 0.05) -> None:
        self.sessions = sessions
        self.clock = clock
        self.delay_s = delay_s
        self._pending: list[Access] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def record(self, viewer: Viewer, row: DocumentRow, action: str = "view") -> None:
        self._pending.append(Access(document_id=row.id, agency_code=row.agency_code, at=self.clock(),
                                    subject=viewer.subject, username=viewer.username, action=action,
                                    client=viewer.client))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(self.delay_s)
        try:
            await self.flush()
        except Exception:  # logged; the lines stay pending for the next flush
            log.exception("the access log could not be written; retried with the next view")

    async def flush(self) -> None:
        """Write every pending line in one transaction."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                async with self.sessions() as session, session.begin():
                    await session.execute(insert(AccessLogRow), [a.row() for a in batch])
            except BaseException:
                self._pending[:0] = batch
                raise

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.flush()
