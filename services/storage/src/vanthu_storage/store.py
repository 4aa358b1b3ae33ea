"""Object metadata (SQLAlchemy 2, async): one transaction per command, events through the outbox.

Besides the objects: their references (what refers to each object) and pending deletions (bytes whose row is gone:
a deletion commits the row's removal first and removes the bytes after, see :meth:`ObjectStore.delete`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    case,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_core.outbox import add_event, add_events, outbox_table, trace_headers
from vanthu_storage import events
from vanthu_storage.domain.retention import ObjectInfo

metadata = MetaData()
outbox = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive date-times: they are UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ObjectRow(Base):
    __tablename__ = "objects"

    object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retain_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the last reference was released; the sweep's grace period runs from here too.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    #: One object per agency, digest and uploader: the same bytes uploaded by a second person of the agency are their
    #: own object (their file name, their ownership), its bytes shared with the first under the same key (issue 14).
    __table_args__ = (UniqueConstraint("agency_code", "sha256", "uploaded_by",
                                       name="uq_objects_agency_sha256_uploader"),
                      Index("ix_objects_created_at", "created_at"))

    def to_domain(self, references: tuple[str, ...] = ()) -> ObjectInfo:
        created = utc(self.created_at)
        assert created is not None
        return ObjectInfo(object_id=self.object_id, agency_code=self.agency_code, sha256=self.sha256, size=self.size,
                          content_type=self.content_type, file_name=self.file_name, uploaded_by=self.uploaded_by,
                          created_at=created, retain_until=utc(self.retain_until), legal_hold=self.legal_hold,
                          references=references, released_at=utc(self.released_at))


class ReferenceRow(Base):
    """Something that refers to an object (``holder``: ``registry/document/<id>``, ``signing/result/<id>``...)."""

    __tablename__ = "object_references"

    object_id: Mapped[str] = mapped_column(ForeignKey("objects.object_id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PendingDeletionRow(Base):
    """Bytes whose catalogue row was deleted (committed) and that are still to be removed from the backend.

    An upload of the same bytes in the same agency cancels it (deleting this row in its own transaction), so the
    bytes of a re-uploaded object are never removed.
    """

    __tablename__ = "pending_deletions"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(36))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def _references(session: AsyncSession, object_id: str) -> tuple[str, ...]:
    rows = await session.execute(select(ReferenceRow.holder).where(ReferenceRow.object_id == object_id)
                                 .order_by(ReferenceRow.holder))
    return tuple(rows.scalars())


class ObjectStore:
    """The object catalogue of every agency."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        #: Sessions for the lookups of one object (by id, by digest): on SQLite a read-only engine's
        #: (:func:`vanthu_core.db.create_engine` ``read_only``: a deferred transaction, no write lock to wait for or
        #: to hold the next write off); the write sessions when none is given.
        self.reads = reads or sessions

    async def get(self, object_id: str, agency_code: str | None) -> ObjectInfo:
        """One object; ``agency_code`` None means any agency (a service token). Another agency's: NotFound."""
        async with self.reads() as session:
            row = await session.get(ObjectRow, object_id)
            if row is None or (agency_code is not None and row.agency_code != agency_code):
                raise NotFound("Không tìm thấy tệp.")
            return row.to_domain(await _references(session, object_id))

    async def get_many(self, items: list[tuple[str, str]]) -> list[ObjectInfo | NotFound]:
        """:meth:`get` for several ``(object_id, agency_code)`` at once, in two statements (the rows, their
        references): one result per item, in order, the object or NotFound (missing, or another agency's)."""
        ids = sorted({object_id for object_id, _ in items})
        async with self.reads() as session:
            rows = {row.object_id: row for row in (await session.execute(
                select(ObjectRow).where(ObjectRow.object_id.in_(ids)))).scalars()} if ids else {}
            holders: dict[str, list[str]] = {}
            if rows:
                for object_id, holder in await session.execute(
                        select(ReferenceRow.object_id, ReferenceRow.holder)
                        .where(ReferenceRow.object_id.in_(list(rows))).order_by(ReferenceRow.holder)):
                    holders.setdefault(object_id, []).append(holder)
            return [rows[object_id].to_domain(tuple(holders.get(object_id, ())))
                    if object_id in rows and rows[object_id].agency_code == agency_code
                    else NotFound("Không tìm thấy tệp.") for object_id, agency_code in items]

    async def by_digest(self, agency_code: str, sha256: str, uploaded_by: str | None = None, *,
                        prefer: str = "") -> ObjectInfo | None:
        """The agency's object with this digest: ``uploaded_by``'s own (None: any uploader's, ``prefer``'s first,
        else the earliest)."""
        query = select(ObjectRow).where(ObjectRow.agency_code == agency_code, ObjectRow.sha256 == sha256)
        if uploaded_by is not None:
            query = query.where(ObjectRow.uploaded_by == uploaded_by)
        order = [case((ObjectRow.uploaded_by == prefer, 0), else_=1)] if prefer else []
        async with self.reads() as session:
            row = (await session.execute(query.order_by(*order, ObjectRow.created_at, ObjectRow.object_id)
                                         .limit(1))).scalars().first()
            return row.to_domain(await _references(session, row.object_id)) if row is not None else None

    async def digest_holders(self, sha256: str, agencies: tuple[str, ...]) -> dict[str, ObjectInfo]:
        """The objects with this digest of ``agencies`` (agency → object, without their references), in one
        read."""
        async with self.reads() as session:
            rows = (await session.execute(select(ObjectRow).where(
                ObjectRow.sha256 == sha256, ObjectRow.agency_code.in_(agencies)))).scalars().all()
        return {r.agency_code: r.to_domain() for r in rows}

    async def digest_holders_of(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], ObjectInfo]:
        """The objects of several ``(agency, digest)`` pairs (pair → object, without their references; a pair with
        none is absent), in one read."""
        if not pairs:
            return {}
        async with self.reads() as session:
            rows = (await session.execute(select(ObjectRow).where(
                ObjectRow.sha256.in_(sorted({d for _, d in pairs})),
                ObjectRow.agency_code.in_(sorted({a for a, _ in pairs}))))).scalars().all()
        return {(r.agency_code, r.sha256): r.to_domain() for r in rows if (r.agency_code, r.sha256) in pairs}

    async def with_digest(self, sha256: str) -> list[ObjectInfo]:
        """Every agency's object with this digest."""
        async with self.sessions() as session:
            rows = (await session.execute(select(ObjectRow).where(ObjectRow.sha256 == sha256))).scalars().all()
        return [r.to_domain() for r in rows]

    async def add(self, obj: ObjectInfo, *, key: str, actor: str) -> tuple[ObjectInfo, bool]:
        """Insert ``obj`` (stored under ``key``) with its ``stored`` event and cancel a pending deletion of ``key``;
        return (the object, created) — an object of the same agency, digest and uploader inserted meanwhile wins
        (deduplication under concurrency)."""
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(delete(PendingDeletionRow).where(PendingDeletionRow.key == key))
                session.add(ObjectRow(object_id=obj.object_id, agency_code=obj.agency_code, sha256=obj.sha256,
                                      size=obj.size, content_type=obj.content_type, file_name=obj.file_name,
                                      uploaded_by=obj.uploaded_by, created_at=obj.created_at,
                                      retain_until=obj.retain_until, legal_hold=obj.legal_hold))
                await session.flush()
                await add_event(session, outbox, events.stored(obj, actor))
        except IntegrityError:
            existing = await self.by_digest(obj.agency_code, obj.sha256, obj.uploaded_by)
            if existing is None:
                raise
            return existing, False
        return obj, True

    async def add_many(self, objects: list[tuple[ObjectInfo, str]], *, actor: str,
                       traces: list[dict[str, str] | None] | None = None) -> list[tuple[ObjectInfo, bool]]:
        """Insert several objects (``(object, key)`` each) as :meth:`add` inserts one, in one transaction: their rows,
        their ``stored`` events (each continuing its ``traces`` entry, if any, else the current trace) and the
        cancelled pending deletions of their keys. One result per object, in order:
        (the object, created); an object of the same agency and digest that is there already, or earlier in the
        list, is returned instead (created False). When a concurrent insert conflicts (PostgreSQL), each is added
        on its own (:meth:`add`)."""
        if not objects:
            return []
        digests = sorted({o.sha256 for o, _ in objects})
        agencies = sorted({o.agency_code for o, _ in objects})
        results: list[tuple[ObjectInfo, bool]] = []
        try:
            async with self.sessions() as session, session.begin():
                found = await session.execute(select(ObjectRow).where(ObjectRow.sha256.in_(digests),
                                                                      ObjectRow.agency_code.in_(agencies)))
                held = {(r.agency_code, r.sha256): r.to_domain() for r in found.scalars()}
                rows: list[dict[str, object]] = []
                keys: list[str] = []
                for obj, key in objects:
                    there = held.get((obj.agency_code, obj.sha256))
                    if there is not None:
                        results.append((there, False))
                        continue
                    held[(obj.agency_code, obj.sha256)] = obj
                    results.append((obj, True))
                    keys.append(key)
                    rows.append({"object_id": obj.object_id, "agency_code": obj.agency_code, "sha256": obj.sha256,
                                 "size": obj.size, "content_type": obj.content_type, "file_name": obj.file_name,
                                 "uploaded_by": obj.uploaded_by, "created_at": obj.created_at,
                                 "retain_until": obj.retain_until, "legal_hold": obj.legal_hold})
                if rows:
                    await session.execute(delete(PendingDeletionRow).where(PendingDeletionRow.key.in_(keys)))
                    await session.execute(insert(ObjectRow), rows)
                    carriers = traces or [None] * len(objects)
                    await add_events(session, outbox, [(events.stored(o, actor), carrier or trace_headers())
                                                       for (o, created), carrier in zip(results, carriers, strict=True)
                                                       if created])
        except IntegrityError:
            return [await self.add(obj, key=key, actor=actor) for obj, key in objects]
        return results

    async def _locked(self, session: AsyncSession, object_id: str, agency_code: str | None) -> ObjectRow:
        row = await session.get(ObjectRow, object_id, with_for_update=True)
        if row is None or (agency_code is not None and row.agency_code != agency_code):
            raise NotFound("Không tìm thấy tệp.")
        return row

    async def update(self, object_id: str, agency_code: str | None, change: Callable[[ObjectInfo], ObjectInfo],
                     *, event: Callable[[ObjectInfo], Message] | None = None,
                     effect: Callable[[ObjectInfo, ObjectInfo], Awaitable[None]] | None = None) -> ObjectInfo:
        """Apply ``change`` (retention, legal hold) in one transaction with ``event(new)``, if any;
        ``effect(old, new)`` runs before commit (a failure rolls back)."""
        async with self.sessions() as session, session.begin():
            row = await self._locked(session, object_id, agency_code)
            old = row.to_domain(await _references(session, object_id))
            new = change(old)
            row.retain_until, row.legal_hold = new.retain_until, new.legal_hold
            await session.flush()
            if event is not None:
                await add_event(session, outbox, event(new))
            if effect is not None:
                await effect(old, new)
        return new

    async def record(self, event: Message) -> None:
        """One event alone through the outbox (a read of a locked object), committed before the call returns."""
        async with self.sessions() as session, session.begin():
            await add_event(session, outbox, event)

    async def add_reference(self, object_id: str, agency_code: str, holder: str, *, actor: str,
                            now: datetime | None = None) -> ObjectInfo:
        """Record that ``holder`` refers to the object (idempotent); NotFound for another agency's object."""
        async with self.sessions() as session, session.begin():
            row = await self._locked(session, object_id, agency_code)
            present = (await session.execute(select(ReferenceRow.holder).where(
                ReferenceRow.object_id == object_id, ReferenceRow.holder == holder))).first()
            if present is None:
                session.add(ReferenceRow(object_id=object_id, holder=holder, created_by=actor[:100],
                                         created_at=now or datetime.now(UTC)))
                row.released_at = None
                await session.flush()
            return row.to_domain(await _references(session, object_id))

    async def add_references(self, items: list[tuple[str, str, str]], *, actor: str,
                             now: datetime | None = None) -> list[ObjectInfo | NotFound]:
        """Record several references, ``(object_id, agency_code, holder)`` each (holders checked by the caller), as
        :meth:`add_reference` records one, in one transaction. One result per item, in order: the object with its
        references once the whole batch is recorded, or NotFound for an object that is not the named agency's
        (that item alone: the others are recorded)."""
        if not items:
            return []
        ids = sorted({object_id for object_id, _, _ in items})
        moment = now or datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            rows = {r.object_id: r for r in (await session.execute(
                select(ObjectRow).where(ObjectRow.object_id.in_(ids)).with_for_update())).scalars()}
            present: dict[str, set[str]] = {object_id: set() for object_id in rows}
            for object_id, holder in (await session.execute(select(ReferenceRow.object_id, ReferenceRow.holder).where(
                    ReferenceRow.object_id.in_(list(rows))))).all():
                present[object_id].add(holder)
            found: list[ObjectRow | NotFound] = []
            added: list[dict[str, object]] = []
            for object_id, agency_code, holder in items:
                row = rows.get(object_id)
                if row is None or row.agency_code != agency_code:
                    found.append(NotFound("Không tìm thấy tệp."))
                    continue
                if holder not in present[object_id]:
                    present[object_id].add(holder)
                    added.append({"object_id": object_id, "holder": holder, "created_by": actor[:100],
                                  "created_at": moment})
                    row.released_at = None
                found.append(row)
            if added:
                await session.execute(insert(ReferenceRow), added)
            await session.flush()
        return [r if isinstance(r, NotFound) else r.to_domain(tuple(sorted(present[r.object_id]))) for r in found]

    async def release_reference(self, object_id: str, agency_code: str, holder: str, *,
                                now: datetime | None = None) -> ObjectInfo | None:
        """End ``holder``'s reference (idempotent); when none remains, the sweep's grace period starts now.

        Returns None when the object no longer exists (nothing to release)."""
        async with self.sessions() as session, session.begin():
            try:
                row = await self._locked(session, object_id, agency_code)
            except NotFound:
                return None
            result = await session.execute(delete(ReferenceRow).where(
                ReferenceRow.object_id == object_id, ReferenceRow.holder == holder))
            remaining = await _references(session, object_id)
            if result.rowcount and not remaining:  # type: ignore[attr-defined]
                row.released_at = now or datetime.now(UTC)
            return row.to_domain(remaining)

    async def delete(self, object_id: str, agency_code: str | None, check: Callable[[ObjectInfo], None], *,
                     key: Callable[[ObjectInfo], str], actor: str, reason: str = "requested") -> ObjectInfo:
        """Delete the row (``check`` may refuse; the object's references are read under the row lock) and record
        the bytes as a pending deletion, with the ``deleted`` event, in one transaction. The caller then removes
        the bytes with :meth:`finish_deletion`: the row goes first, so a failure never leaves a row without bytes.
        """
        async with self.sessions() as session, session.begin():
            row = await self._locked(session, object_id, agency_code)
            obj = row.to_domain(await _references(session, object_id))
            check(obj)
            await session.delete(row)
            # the bytes are shared by every object of the agency with this digest (each uploader's own): they go
            # with the last of them only
            sharing = (await session.execute(select(ObjectRow.object_id).where(
                ObjectRow.agency_code == obj.agency_code, ObjectRow.sha256 == obj.sha256,
                ObjectRow.object_id != obj.object_id).limit(1))).first()
            if sharing is None:
                await session.merge(PendingDeletionRow(key=key(obj), object_id=obj.object_id,
                                                       requested_at=datetime.now(UTC)))
            await session.flush()
            await add_event(session, outbox, events.deleted(obj, actor, reason))
        return obj

    async def finish_deletion(self, key: str, remove: Callable[[str], Awaitable[None]]) -> bool:
        """Remove the bytes of a pending deletion (``remove(key)``) unless an upload of the same bytes cancelled it
        meanwhile; True when removed. The pending row stays locked while the bytes go, so such an upload waits,
        then finds the bytes missing and stores them again (:meth:`Objects.upload`)."""
        async with self.sessions() as session, session.begin():
            pending = await session.get(PendingDeletionRow, key, with_for_update=True)
            if pending is None:
                return False
            await remove(key)
            await session.delete(pending)
        return True

    async def pending_deletions(self, limit: int = 1000) -> list[str]:
        """Keys whose bytes are still to be removed (left by a crash between the commit and the removal)."""
        async with self.sessions() as session:
            return list((await session.execute(select(PendingDeletionRow.key).order_by(
                PendingDeletionRow.requested_at).limit(limit))).scalars())

    async def all(self, batch: int = 500) -> AsyncIterator[ObjectInfo]:
        """Every object, in pages (for scrubbing)."""
        last = ""
        while True:
            async with self.sessions() as session:
                rows = (await session.execute(select(ObjectRow).where(ObjectRow.object_id > last)
                                              .order_by(ObjectRow.object_id).limit(batch))).scalars().all()
            for row in rows:
                yield row.to_domain()
            if len(rows) < batch:
                return
            last = rows[-1].object_id

    async def unreferenced_before(self, cutoff: datetime, limit: int = 1000) -> list[ObjectInfo]:
        """Sweep candidates: nothing refers to them, uploaded and last released before ``cutoff``, not on hold."""
        if cutoff.tzinfo is None:
            raise InvalidArgument("now", "phải có múi giờ.")
        referenced = select(ReferenceRow.object_id).where(ReferenceRow.object_id == ObjectRow.object_id)
        async with self.sessions() as session:
            rows = (await session.execute(select(ObjectRow).where(
                ~referenced.exists(), ObjectRow.created_at <= cutoff, ObjectRow.legal_hold.is_(False),
                (ObjectRow.released_at.is_(None)) | (ObjectRow.released_at <= cutoff))
                .order_by(ObjectRow.created_at).limit(limit))).scalars().all()
        return [r.to_domain() for r in rows]
