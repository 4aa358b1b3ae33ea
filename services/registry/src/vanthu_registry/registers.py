"""Registers (sổ đăng ký văn bản): opening them, reading them, and finding the one that numbers a document.

Which register numbers a document: the one active register of its agency that covers its type and kind
(legal-normative or not), see :mod:`vanthu_registry.domain.registers`; a register that would cover what another
covers is refused when it is created (Decree 30/2020 Art. 15, 22). The numbers themselves are taken in
:mod:`vanthu_registry.numbering`; a register's series commands (going live mid-year, importing the previous
system's book, closing) are :class:`vanthu_registry.registers_store.RegisterBooks`.

:class:`RegisterCatalogue` holds the commands and reads that are a transaction of their own; the functions taking a
session work inside the caller's transaction (issuing, registering an arrival, numbering a copy, importing a book).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.errors import FailedPrecondition, InvalidArgument, NotFound
from vanthu_core.ids import new_id
from vanthu_core.timeutil import Clock, vietnam_time
from vanthu_registry.domain.doctypes import DocumentType
from vanthu_registry.domain.documents import Direction, direction_name
from vanthu_registry.domain.registers import (
    Register,
    check_legal_normative,
    check_register_scope,
    covering,
    describe,
    kind_name,
    refuse_overlap,
)
from vanthu_registry.tables import DocumentRow, HistoryEntry, RegisterCounterRow, RegisterHistoryRow, RegisterRow

#: ``(session, agency_code, type_code)`` → the document type of Decree 30/2020 or of the agency with that code;
#: InvalidArgument (field ``type_code``) when there is none.
TypeLookup = Callable[[AsyncSession, str, str], Awaitable[DocumentType]]


def register_of(row: RegisterRow) -> Register:
    """The register a row holds."""
    return Register(row.id, row.agency_code, Direction(row.direction), row.name, row.agency_abbreviation,
                    tuple(row.type_codes or ()), row.active, legal_normative=row.legal_normative,
                    separate_arrival_series=row.separate_arrival_series)


async def lock_agency_registers(session: AsyncSession, agency_code: str) -> None:
    """Serialise changes to one agency's registers: PostgreSQL takes a transaction advisory lock on the agency
    (there may be no row to lock yet); SQLite transactions hold the database lock already (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"registers:{agency_code}"))))


async def register_for(session: AsyncSession, agency_code: str, register_id: str, direction: Direction,
                       type_code: str = "") -> Register:
    """The agency's active register of ``direction`` that may number a document of ``type_code``.

    InvalidArgument (field ``register_id``) for another agency's or no register, one of another direction or closed,
    or one that lists types and not this one.
    """
    reg = await session.get(RegisterRow, register_id) if register_id else None
    if reg is None or reg.agency_code != agency_code:
        raise InvalidArgument("register_id", "không phải sổ đăng ký văn bản của cơ quan này.")
    register = register_of(reg)
    if register.direction is not direction or not register.active:
        raise InvalidArgument("register_id", f"không phải sổ {direction_name(direction)} đang dùng.")
    if not register.lists(type_code):
        raise InvalidArgument("register_id", f"sổ này chỉ cấp số cho {', '.join(register.type_codes)}.")
    return register


async def arrival_register(session: AsyncSession, agency_code: str, register_id: str, type_code: str) -> Register:
    """The incoming register an arrival is numbered in when it is entered (vào sổ, Decree 30/2020 Art. 22): the one
    ``register_id`` names (as :func:`register_for`) or, with ``register_id`` empty, the agency's one active incoming
    register that may number ``type_code`` (an agency keeps one arrival series, Art. 22.1, unless it opened a second
    on purpose).

    InvalidArgument (field ``register_id``) as :func:`register_for`, or when several incoming registers may number it
    (the clerk chooses); FailedPrecondition when none may (the administrator opens one).
    """
    if register_id:
        return await register_for(session, agency_code, register_id, Direction.INCOMING, type_code)
    found = [r for r in await active_registers(session, agency_code, Direction.INCOMING) if r.lists(type_code)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise FailedPrecondition("Cơ quan chưa có sổ văn bản đến đang dùng cho loại văn bản này: quản trị hãy mở sổ "
                                 "văn bản đến.")
    raise InvalidArgument("register_id", f"cơ quan có {len(found)} sổ văn bản đến đang dùng cho loại văn bản này ("
                          + "; ".join(f"'{r.name}', mã {r.id}" for r in found) + "): hãy chọn sổ để vào sổ.")


async def active_registers(session: AsyncSession, agency_code: str, direction: Direction) -> list[Register]:
    """The agency's active registers of ``direction``, read once per transaction (kept in ``session.info``)."""
    cache: dict[tuple[str, str], list[Register]] = session.info.setdefault("active_registers", {})
    key = (agency_code, direction.value)
    if key not in cache:
        cache[key] = [register_of(r) for r in (await session.execute(select(RegisterRow).where(
            RegisterRow.agency_code == agency_code, RegisterRow.direction == direction.value,
            RegisterRow.active.is_(True)).order_by(RegisterRow.created_at))).scalars()]
    return cache[key]


async def covering_register(session: AsyncSession, agency_code: str, type_code: str,
                            legal_normative: bool) -> Register:
    """The one active outgoing register of the agency that numbers this type and kind (Decree 30/2020 Art. 15).

    FailedPrecondition when none does (open one) or, for registers made before the rule, when two do.
    """
    found = covering(await active_registers(session, agency_code, Direction.OUTGOING), type_code, legal_normative)
    if len(found) == 1:
        return found[0]
    what = f"văn bản {kind_name(legal_normative)} loại {type_code}"
    if not found:
        raise FailedPrecondition(
            f"Cơ quan chưa có sổ đang dùng nào cấp số {what}: quản trị hãy mở sổ văn bản đi"
            + (f" cho văn bản quy phạm pháp luật loại {type_code}." if legal_normative else " cho loại văn bản này."))
    raise FailedPrecondition(f"{' và '.join(describe(r) for r in found)}: hai sổ cùng cấp số {what} (tạo trước khi áp "
                             "dụng quy tắc mỗi loại một sổ); hãy đóng một sổ.")


async def document_register(session: AsyncSession, row: DocumentRow) -> Register:
    """The register that numbers this outgoing document (IssueDocument with no register_id): FailedPrecondition
    for an incoming one (arrivals go into an incoming register: :func:`arrival_register`) and as
    :func:`covering_register`."""
    if row.direction != Direction.OUTGOING.value:
        raise FailedPrecondition("chỉ văn bản đi mới được phát hành; văn bản đến thì vào sổ.")
    return await covering_register(session, row.agency_code, row.type_code, row.legal_normative)


async def numbering_register(session: AsyncSession, row: DocumentRow, register_id: str) -> Register:
    """``register_id`` when it is the register that covers the document; InvalidArgument naming the one that
    does otherwise (Decree 30/2020 Art. 15: one series per document)."""
    registers = await active_registers(session, row.agency_code, Direction.OUTGOING)
    chosen = next((r for r in registers if r.id == register_id), None)
    if chosen is None:
        raise InvalidArgument("register_id", "không phải sổ văn bản đi đang dùng của cơ quan này.")
    right = await covering_register(session, row.agency_code, row.type_code, row.legal_normative)
    if right.id != chosen.id:
        raise InvalidArgument("register_id", f"sổ '{chosen.name}' không cấp số văn bản "
                                             f"{kind_name(row.legal_normative)} loại {row.type_code}: "
                                             f"{describe(right)}; hãy cấp số ở sổ đó, hoặc để trống để hệ thống tự "
                                             "chọn.")
    return chosen


class RegisterCatalogue:
    """The registers of every agency: open one, list them, read one and its history; each method is one
    transaction. ``document_type`` finds the types a register lists (the document store's type catalogue)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, document_type: TypeLookup) -> None:
        self.sessions = sessions
        self.clock = clock
        self.document_type = document_type

    async def create_register(self, *, agency_code: str, direction: Direction, name: str, agency_abbreviation: str,
                              type_codes: list[str], legal_normative: bool = False,
                              separate_arrival_series: bool = False, actor: str = "") -> Register:
        """Open a register that declares what it numbers (see :mod:`vanthu_registry.domain.registers`).

        Raises InvalidArgument for a scope that cannot be (a legal-normative register lists exactly one type that
        can be VB QPPL; copy registers list no types), Conflict naming the active register of the agency that
        numbers the same type and kind already — or its arrival or copy register (Decree 30/2020 Art. 15, 22, 25).
        A second arrival series (``separate_arrival_series``) is recorded in the register's history.
        """
        check_register_scope(direction, type_codes, legal_normative=legal_normative,
                             separate_arrival_series=separate_arrival_series)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            await lock_agency_registers(session, agency_code)
            names: dict[str, str] = {}
            for i, code in enumerate(type_codes):
                try:
                    doc_type = await self.document_type(session, agency_code, code)
                    check_legal_normative(doc_type, legal_normative, field=f"type_codes[{i}]")
                except InvalidArgument as error:
                    raise InvalidArgument(f"type_codes[{i}]", error.reason) from error
                names[code] = doc_type.name
            row = RegisterRow(id=new_id(), agency_code=agency_code, direction=direction.value, name=name,
                              agency_abbreviation=agency_abbreviation, type_codes=type_codes, active=True,
                              created_at=now, legal_normative=legal_normative,
                              separate_arrival_series=separate_arrival_series)
            existing = [register_of(r) for r in (await session.execute(select(RegisterRow).where(
                RegisterRow.agency_code == agency_code, RegisterRow.active.is_(True)))).scalars()]
            refuse_overlap(register_of(row), existing, names)
            session.add(row)
            await session.flush()
            changes: dict[str, Any] = {"direction": direction.value, "name": name, "type_codes": type_codes,
                                       "legal_normative": legal_normative}
            note = ""
            if separate_arrival_series:
                changes["separate_arrival_series"] = True
                note = "a second arrival series (số đến), opened on purpose beside " + ", ".join(
                    f"'{r.name}'" for r in existing if r.direction is Direction.INCOMING) if any(
                    r.direction is Direction.INCOMING for r in existing) else "a separate arrival series"
            session.add(RegisterHistoryRow(register_id=row.id, at=now, actor=actor or "system", action="created",
                                           changes=changes, note=note))
        return register_of(row)

    async def register_history(self, agency_code: str, register_id: str) -> list[HistoryEntry]:
        """What happened to a register, oldest first; NotFound for another agency's register."""
        await self.register(agency_code, register_id)
        async with self.sessions() as session:
            rows = (await session.execute(select(RegisterHistoryRow).where(
                RegisterHistoryRow.register_id == register_id).order_by(RegisterHistoryRow.id))).scalars()
            return [HistoryEntry(r.at, r.actor, r.action, r.changes, r.note) for r in rows]

    async def registers(self, agency_code: str, direction: Direction | None = None) -> list[Register]:
        """The agency's registers (closed ones too), oldest first; of ``direction`` only when it is given."""
        query = select(RegisterRow).where(RegisterRow.agency_code == agency_code).order_by(RegisterRow.created_at)
        if direction:
            query = query.where(RegisterRow.direction == direction.value)
        async with self.sessions() as session:
            return [register_of(r) for r in (await session.execute(query)).scalars()]

    async def next_numbers(self, register_ids: list[str]) -> dict[str, int]:
        """The number each register's series of this year (Vietnam time, by the clock) gives next: {register id: n}.

        A hint for the screens only (the clerk sees which number phát hành will give): the number is taken under the
        counter's lock when a document is numbered (:func:`vanthu_registry.numbering.next_numbers`), so another
        issue meanwhile moves it on. A register that numbered nothing this year gives 1, or the number it was set to
        start at (SetRegisterStart keeps the counter one below it).
        """
        year = vietnam_time(self.clock()).year
        async with self.sessions() as session:
            taken = {register_id: last for register_id, last in (await session.execute(
                select(RegisterCounterRow.register_id, RegisterCounterRow.last_number).where(
                    RegisterCounterRow.year == year, RegisterCounterRow.register_id.in_(register_ids))))}
        return {i: taken.get(i, 0) + 1 for i in register_ids}

    async def register(self, agency_code: str, register_id: str) -> Register:
        """One of the agency's registers; NotFound for another agency's register or none."""
        async with self.sessions() as session:
            row = await session.get(RegisterRow, register_id)
            if row is None or row.agency_code != agency_code:
                raise NotFound(f"Cơ quan không có sổ {register_id}.")
            return register_of(row)
