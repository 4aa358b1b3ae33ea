"""Object metadata (SQLAlchemy 2, async): one transaction per command, events through the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, MetaData, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu_core.errors import NotFound
from vanthu_core.events import Event
from vanthu_core.outbox import add_event, outbox_table
from vanthu_storage.domain.retention import ObjectInfo

metadata = MetaData()
outbox = outbox_table(metadata)

STORED = "vanthu.storage.object.stored"
DELETED = "vanthu.storage.object.deleted"
LOCKED = "vanthu.storage.object.locked"


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
    attached: Mapped[bool] = mapped_column(Boolean, default=False)
    retain_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("agency_code", "sha256", name="uq_objects_agency_sha256"),
                      Index("ix_objects_attached_created_at", "attached", "created_at"))

    def to_domain(self) -> ObjectInfo:
        created = utc(self.created_at)
        assert created is not None
        return ObjectInfo(object_id=self.object_id, agency_code=self.agency_code, sha256=self.sha256, size=self.size,
                          content_type=self.content_type, file_name=self.file_name, uploaded_by=self.uploaded_by,
                          created_at=created, attached=self.attached, retain_until=utc(self.retain_until),
                          legal_hold=self.legal_hold)


def object_data(obj: ObjectInfo) -> dict[str, object]:
    return {"object_id": obj.object_id, "sha256": obj.sha256, "size": obj.size, "content_type": obj.content_type,
            "file_name": obj.file_name, "attached": obj.attached,
            "retain_until": obj.retain_until.isoformat() if obj.retain_until else None, "legal_hold": obj.legal_hold}


class ObjectStore:
    """The object catalogue of every agency."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get(self, object_id: str, agency_code: str | None) -> ObjectInfo:
        """One object; ``agency_code`` None means any agency (a service token). Another agency's: NotFound."""
        async with self.sessions() as session:
            row = await session.get(ObjectRow, object_id)
        if row is None or (agency_code is not None and row.agency_code != agency_code):
            raise NotFound("no such object")
        return row.to_domain()

    async def by_digest(self, agency_code: str, sha256: str) -> ObjectInfo | None:
        async with self.sessions() as session:
            row = (await session.execute(select(ObjectRow).where(
                ObjectRow.agency_code == agency_code, ObjectRow.sha256 == sha256))).scalar_one_or_none()
        return row.to_domain() if row is not None else None

    async def with_digest(self, sha256: str) -> list[ObjectInfo]:
        """Every agency's object with this digest."""
        async with self.sessions() as session:
            rows = (await session.execute(select(ObjectRow).where(ObjectRow.sha256 == sha256))).scalars().all()
        return [r.to_domain() for r in rows]

    async def add(self, obj: ObjectInfo, *, actor: str) -> tuple[ObjectInfo, bool]:
        """Insert ``obj`` with its ``stored`` event; return (the object, created) — an object of the same
        agency and digest inserted meanwhile wins (deduplication under concurrency)."""
        try:
            async with self.sessions() as session, session.begin():
                session.add(ObjectRow(object_id=obj.object_id, agency_code=obj.agency_code, sha256=obj.sha256,
                                      size=obj.size, content_type=obj.content_type, file_name=obj.file_name,
                                      uploaded_by=obj.uploaded_by, created_at=obj.created_at, attached=obj.attached,
                                      retain_until=obj.retain_until, legal_hold=obj.legal_hold))
                await session.flush()
                await add_event(session, outbox, Event(subject=STORED, actor=actor, agency=obj.agency_code,
                                                       data=object_data(obj)))
        except IntegrityError:
            existing = await self.by_digest(obj.agency_code, obj.sha256)
            if existing is None:
                raise
            return existing, False
        return obj, True

    async def update(self, object_id: str, agency_code: str | None, change: Callable[[ObjectInfo], ObjectInfo],
                     *, actor: str, subject: str | None = None,
                     effect: Callable[[ObjectInfo, ObjectInfo], Awaitable[None]] | None = None,
                     extra: dict[str, object] | None = None) -> ObjectInfo:
        """Apply ``change`` in one transaction; ``effect(old, new)`` runs before commit (a failure rolls back)."""
        async with self.sessions() as session, session.begin():
            row = await session.get(ObjectRow, object_id, with_for_update=True)
            if row is None or (agency_code is not None and row.agency_code != agency_code):
                raise NotFound("no such object")
            old = row.to_domain()
            new = change(old)
            row.attached, row.retain_until, row.legal_hold = new.attached, new.retain_until, new.legal_hold
            await session.flush()
            if subject is not None:
                await add_event(session, outbox, Event(subject=subject, actor=actor, agency=new.agency_code,
                                                       data={**object_data(new), **(extra or {})}))
            if effect is not None:
                await effect(old, new)
        return new

    async def delete(self, object_id: str, agency_code: str | None, check: Callable[[ObjectInfo], None],
                     effect: Callable[[ObjectInfo], Awaitable[None]], *, actor: str,
                     reason: str = "requested") -> ObjectInfo:
        """Delete the row and run ``effect`` (removing the bytes) before commit, with the ``deleted`` event."""
        async with self.sessions() as session, session.begin():
            row = await session.get(ObjectRow, object_id, with_for_update=True)
            if row is None or (agency_code is not None and row.agency_code != agency_code):
                raise NotFound("no such object")
            obj = row.to_domain()
            check(obj)
            await session.delete(row)
            await session.flush()
            await add_event(session, outbox, Event(subject=DELETED, actor=actor, agency=obj.agency_code,
                                                   data={**object_data(obj), "reason": reason}))
            await effect(obj)
        return obj

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

    async def unattached_before(self, cutoff: datetime, limit: int = 1000) -> list[ObjectInfo]:
        async with self.sessions() as session:
            rows = (await session.execute(select(ObjectRow).where(
                ObjectRow.attached.is_(False), ObjectRow.created_at <= cutoff, ObjectRow.legal_hold.is_(False))
                .order_by(ObjectRow.created_at).limit(limit))).scalars().all()
        return [r.to_domain() for r in rows]
