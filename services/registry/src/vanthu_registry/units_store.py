"""Persistence of an agency's units and their members (:mod:`vanthu_registry.domain.units`): one transaction per
command, each change announced on ``vanthu.registry.unit.changed`` through the outbox.

Every read and write names the agency: a unit of another agency is not found. One head per unit is backed by a
partial unique index (``uq_unit_members_head``), so two administrators naming two heads at once end with one head
and a conflict for the other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import UtcDateTime
from vanthu_core.errors import Conflict, InvalidArgument, NotFound
from vanthu_core.events import new_meta
from vanthu_core.outbox import add_event
from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.domain.units import HEAD, MAX_UNIT_DEPTH, POSITIONS, Member, Unit, check_unit_parent
from vanthu_registry.people import Person
from vanthu_registry.store import Base, outbox

HEAD_WHERE = "position = 'head'"


class UnitRow(Base):
    __tablename__ = "units"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UnitMemberRow(Base):
    __tablename__ = "unit_members"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_unit_members_subject", "agency_code", "subject"),
        Index("uq_unit_members_head", "agency_code", "unit_code", unique=True,
              sqlite_where=text(HEAD_WHERE), postgresql_where=text(HEAD_WHERE)),
    )

    def to_domain(self) -> Member:
        return Member(unit_code=self.unit_code, subject=self.subject, username=self.username, name=self.name,
                      position=self.position)


def _unit(row: UnitRow, head: UnitMemberRow | None) -> Unit:
    return Unit(agency_code=row.agency_code, code=row.code, name=row.name, kind=row.kind, parent_code=row.parent_code,
                active=row.active, head_subject=head.subject if head else "",
                head_username=head.username if head else "")


class UnitStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now) -> None:
        self.sessions = sessions
        self.clock = clock

    async def units(self, agency_code: str, include_inactive: bool = False) -> list[Unit]:
        query = select(UnitRow).where(UnitRow.agency_code == agency_code).order_by(UnitRow.code)
        if not include_inactive:
            query = query.where(UnitRow.active.is_(True))
        async with self.sessions() as session:
            rows = (await session.execute(query)).scalars().all()
            heads = {h.unit_code: h for h in (await session.execute(select(UnitMemberRow).where(
                UnitMemberRow.agency_code == agency_code, UnitMemberRow.position == HEAD))).scalars()}
        return [_unit(r, heads.get(r.code)) for r in rows]

    async def require(self, agency_code: str, code: str) -> None:
        """NotFound unless the agency has the unit."""
        async with self.sessions() as session:
            await self._get(session, agency_code, code)

    async def _get(self, session: AsyncSession, agency_code: str, code: str) -> UnitRow:
        row = await session.get(UnitRow, (agency_code, code))
        if row is None:
            raise NotFound(f"Cơ quan của đồng chí không có đơn vị {code}.")
        return row

    async def _event(self, session: AsyncSession, *, actor: str, agency_code: str, unit_code: str, change: str,
                     subject: str = "", position: str = "") -> None:
        await add_event(session, outbox, ev.UnitChanged(
            meta=new_meta(actor=actor, agency=agency_code, occurred_at=self.clock()), unit_code=unit_code,
            change=change, subject=subject, position=position))

    async def upsert(self, unit: Unit, *, actor: str) -> tuple[Unit, bool]:
        """Create or update ``unit`` in its agency; the parent must be a unit of the same agency, not below it."""
        async with self.sessions() as session, session.begin():
            if unit.parent_code:
                chain: list[str] = []
                code: str | None = unit.parent_code
                while code and code not in chain and len(chain) < MAX_UNIT_DEPTH:
                    parent = await session.get(UnitRow, (unit.agency_code, code))
                    if parent is None:
                        raise InvalidArgument("parent_code", f"cơ quan của đồng chí không có đơn vị {code}: đơn vị "
                                                             "cấp trên phải là đơn vị của cùng cơ quan.")
                    chain.append(code)
                    code = parent.parent_code
                check_unit_parent(unit.code, chain)
            row = await session.get(UnitRow, (unit.agency_code, unit.code))
            created = row is None
            if row is None:
                row = UnitRow(agency_code=unit.agency_code, code=unit.code)
                session.add(row)
            values = {"name": unit.name, "kind": unit.kind, "parent_code": unit.parent_code, "active": unit.active}
            changed = created or any(getattr(row, k) != v for k, v in values.items())
            if changed:
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_by, row.updated_at = actor, self.clock()
                await session.flush()
                await self._event(session, actor=actor, agency_code=unit.agency_code, unit_code=unit.code,
                                  change="unit_upserted")
            head = (await session.execute(select(UnitMemberRow).where(
                UnitMemberRow.agency_code == unit.agency_code, UnitMemberRow.unit_code == unit.code,
                UnitMemberRow.position == HEAD))).scalar_one_or_none()
            return _unit(row, head), created

    async def members(self, agency_code: str, unit_code: str = "") -> list[Member]:
        query = select(UnitMemberRow).where(UnitMemberRow.agency_code == agency_code)
        async with self.sessions() as session:
            if unit_code:
                await self._get(session, agency_code, unit_code)
                query = query.where(UnitMemberRow.unit_code == unit_code)
            rows = (await session.execute(query)).scalars().all()
        order = list(POSITIONS)
        return sorted((r.to_domain() for r in rows), key=lambda m: (m.unit_code, order.index(m.position)
                                                                     if m.position in order else 99, m.username))

    async def set_member(self, agency_code: str, unit_code: str, person: Person, position: str, *,
                         actor: str) -> tuple[Member, bool]:
        """Put ``person`` in the unit with ``position`` (or change it); a second head is a conflict."""
        try:
            async with self.sessions() as session, session.begin():
                await self._get(session, agency_code, unit_code)
                if position == HEAD:
                    head = (await session.execute(select(UnitMemberRow).where(
                        UnitMemberRow.agency_code == agency_code, UnitMemberRow.unit_code == unit_code,
                        UnitMemberRow.position == HEAD, UnitMemberRow.subject != person.subject))).scalar_one_or_none()
                    if head is not None:
                        raise Conflict(f"Đơn vị {unit_code} đã có trưởng đơn vị ({head.username}): hãy đổi chức vụ "
                                       "của người đó hoặc bỏ người đó khỏi đơn vị trước; mỗi đơn vị chỉ có một "
                                       "trưởng đơn vị.")
                row = await session.get(UnitMemberRow, (agency_code, unit_code, person.subject))
                created = row is None
                if row is None:
                    row = UnitMemberRow(agency_code=agency_code, unit_code=unit_code, subject=person.subject)
                    session.add(row)
                changed = created or (row.position, row.username, row.name) != (position, person.username,
                                                                                person.name)
                if changed:
                    row.username, row.name, row.position = person.username, person.name, position
                    row.updated_by, row.updated_at = actor, self.clock()
                    await session.flush()
                    await self._event(session, actor=actor, agency_code=agency_code, unit_code=unit_code,
                                      change="member_set", subject=person.subject, position=position)
                return row.to_domain(), created
        except IntegrityError:
            raise Conflict(f"Đơn vị {unit_code} vừa được người khác đặt trưởng đơn vị: hãy tải lại danh sách thành "
                           "viên.") from None

    async def remove_member(self, agency_code: str, unit_code: str, subject: str, *, actor: str) -> bool:
        async with self.sessions() as session, session.begin():
            await self._get(session, agency_code, unit_code)
            removed = (await session.execute(delete(UnitMemberRow).where(
                UnitMemberRow.agency_code == agency_code, UnitMemberRow.unit_code == unit_code,
                UnitMemberRow.subject == subject))).rowcount  # type: ignore[attr-defined]
            if removed:
                await self._event(session, actor=actor, agency_code=agency_code, unit_code=unit_code,
                                  change="member_removed", subject=subject)
            return bool(removed)
