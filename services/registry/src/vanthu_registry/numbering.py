"""Gapless numbering of a register's yearly series (Decree 30/2020 Art. 15, 22), and issuing in batches.

Numbering: a counter row per (register, year). Issuing or registering a document increments it with
``UPDATE … RETURNING`` inside the same transaction that writes the number onto the document, the
history line and the event. PostgreSQL locks the counter row until commit, so concurrent clerks and
service replicas queue on it; SQLite transactions start with ``BEGIN IMMEDIATE`` (see ``vanthu_core.db``),
so writers queue on the database lock. A transaction that fails rolls the increment back with everything
else: no gap. The unique index on (register, year, number) makes a duplicate impossible even if the rule
were ever broken. The number and symbol of an outgoing document is unique in its agency and year (a partial unique
index, see :mod:`vanthu_registry.tables`; issuing refuses a taken one with Conflict first).

Issuing (cấp số): because the counter row is held until commit, one commit per number would cap a register at one
disk flush per document. :class:`IssueQueue` groups the concurrent issues of one register in this process into one
transaction (one counter update, one commit); a request refused by the rules fails alone and takes no number, and a
batch that fails as a whole is retried one request at a time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu_core.errors import Conflict, DomainError, FailedPrecondition, NotFound
from vanthu_core.timeutil import Clock, vietnam_time
from vanthu_registry.domain.doctypes import LETTER, DocumentType
from vanthu_registry.domain.documents import Direction, Status, build_symbol, issued_number_symbol, transition
from vanthu_registry.domain.exchange import ExchangeForm
from vanthu_registry.exchange_catalogue import form_of
from vanthu_registry.registers import TypeLookup, numbering_register
from vanthu_registry.tables import DocumentRow, HistoryRow, RegisterCounterRow, RegisterRow, document_view

#: At most this many issues share one transaction.
MAX_ISSUE_BATCH = 64


async def next_number(session: AsyncSession, register_id: str, year: int) -> int:
    """The next number of the register's series for ``year`` (see :func:`next_numbers`)."""
    return await next_numbers(session, register_id, year, 1)


async def next_numbers(session: AsyncSession, register_id: str, year: int, count: int) -> int:
    """Take ``count`` consecutive numbers of the register's series for ``year``; return the first.

    The counter row stays locked until the transaction ends, so numbers are gapless and unique. RuntimeError on a
    database other than PostgreSQL and SQLite.
    """
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else None
    if ins is None:
        raise RuntimeError(f"unsupported database {dialect}")
    await session.execute(ins(RegisterCounterRow).values(register_id=register_id, year=year, last_number=0)
                          .on_conflict_do_nothing(index_elements=["register_id", "year"]))
    result = await session.execute(
        update(RegisterCounterRow)
        .where(RegisterCounterRow.register_id == register_id, RegisterCounterRow.year == year)
        .values(last_number=RegisterCounterRow.last_number + count)
        .returning(RegisterCounterRow.last_number))
    return int(result.scalar_one()) - count + 1


async def _refuse_taken_symbols(session: AsyncSession, register_id: str, year: int, symbols: list[str]) -> None:
    """Conflict when a number and symbol about to be issued is held by another outgoing document of the agency
    this year (e.g. entries imported from a previous system): Decree 30/2020 Art. 15 makes it unique."""
    register = await session.get(RegisterRow, register_id)
    if not symbols or register is None:
        return
    taken = (await session.execute(select(DocumentRow.number_symbol, DocumentRow.id).where(
        DocumentRow.agency_code == register.agency_code, DocumentRow.direction == Direction.OUTGOING.value,
        DocumentRow.register_year == year, DocumentRow.number_symbol.in_(symbols),
        DocumentRow.number.is_not(None)))).first()
    if taken is not None:
        raise Conflict(f"Số, ký hiệu {taken[0]} đã được cấp cho văn bản {taken[1]} trong năm nay; số và ký hiệu là "
                       "duy nhất trong năm (Nghị định 30/2020 Điều 15): hãy kiểm tra số bắt đầu của sổ và các mục đã "
                       "nhập vào sổ.")


@dataclass(frozen=True)
class _IssueJob:
    agency_code: str
    document_id: str
    actor: str
    result: asyncio.Future[dict[str, Any]]


def _settle(job: _IssueJob, *, value: dict[str, Any] | None = None, error: BaseException | None = None) -> None:
    if job.result.done():
        return
    if error is not None:
        job.result.set_exception(error)
    else:
        job.result.set_result(value or {})


class IssueQueue:
    """Cấp số for the document store: per register, the issues waiting for the next transaction (see the module
    docstring). ``document_type`` finds a document's type for its symbol (the document store's type catalogue)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, document_type: TypeLookup) -> None:
        self.sessions = sessions
        self.clock = clock
        self.document_type = document_type
        self._issue_queues: dict[str, list[_IssueJob]] = {}
        self._drainers: set[asyncio.Task[None]] = set()

    async def number(self, *, agency_code: str, document_id: str, register_id: str, actor: str) -> dict[str, Any]:
        """Number a signed document in ``register_id`` (which must be the register that covers it) with the next
        concurrent issues of that register; the document's view once its transaction committed.

        NotFound for another agency's or no document, FailedPrecondition for a document that is not signed, a
        register with no agency abbreviation or a letter with no unit abbreviation, InvalidArgument for a register
        that does not cover the document, Conflict for a number and symbol taken this year.
        """
        job = _IssueJob(agency_code, document_id, actor, asyncio.get_running_loop().create_future())
        queue = self._issue_queues.setdefault(register_id, [])
        queue.append(job)
        if len(queue) == 1:
            task = asyncio.create_task(self._drain_issues(register_id))
            self._drainers.add(task)
            task.add_done_callback(self._drainers.discard)
        return await asyncio.shield(job.result)  # a caller that goes away must not cancel the batch's outcome

    async def _drain_issues(self, register_id: str) -> None:
        queue = self._issue_queues[register_id]
        try:
            while queue:
                for _ in range(3):  # let callers woken by the last batch come back and join this one
                    await asyncio.sleep(0)
                batch = queue[:MAX_ISSUE_BATCH]
                try:
                    await self._issue_batch(register_id, batch)
                except Exception:
                    for job in batch:
                        if not job.result.done():
                            try:
                                await self._issue_batch(register_id, [job])
                            except Exception as error:
                                job.result.set_exception(error)
                del queue[:len(batch)]
        finally:
            if not queue:
                self._issue_queues.pop(register_id, None)

    async def _issue_batch(self, register_id: str, jobs: list[_IssueJob]) -> None:
        """Issue ``jobs`` in one transaction; a job refused by the rules fails alone and takes no number."""
        outcomes: dict[int, Exception] = {}
        accepted: list[tuple[_IssueJob, DocumentRow, str]] = []
        async with self.sessions() as session, session.begin():
            ids = sorted({job.document_id for job in jobs})  # locked in a fixed order: no deadlock between replicas
            rows = {r.id: r for r in (await session.execute(
                select(DocumentRow).where(DocumentRow.id.in_(ids)).order_by(DocumentRow.id).with_for_update()))
                .scalars()}
            types: dict[tuple[str, str], DocumentType] = {}
            #: The exchange catalogue's form of each (agency, type): the document keeps it (danh mục gửi nhận).
            forms: dict[tuple[str, str], ExchangeForm] = {}
            for index, job in enumerate(jobs):
                try:
                    row = rows.get(job.document_id)
                    if row is None or row.agency_code != job.agency_code:
                        raise NotFound(f"Không tìm thấy văn bản {job.document_id}.")
                    transition("number", Status(row.status))
                    register = await numbering_register(session, row, register_id)
                    if not register.agency_abbreviation:
                        raise FailedPrecondition(f"Sổ {register.name} chưa có tên viết tắt của cơ quan: quản trị hãy "
                                                 "bổ sung trong phần sổ đăng ký văn bản.")
                    if row.type_code == LETTER and not row.unit_abbreviation:
                        raise FailedPrecondition(
                            "công văn cần chữ viết tắt của đơn vị soạn thảo trong ký hiệu (ví dụ 456/UBND-VX): hãy "
                            "điền tên viết tắt của đơn vị vào dự thảo.")
                    key = (job.agency_code, row.type_code)
                    if key not in types:
                        types[key] = await self.document_type(session, *key)
                    symbol = build_symbol(types[key], register.agency_abbreviation, row.unit_abbreviation)
                    if key not in forms:
                        forms[key] = await form_of(session, *key)
                except DomainError as error:
                    outcomes[index] = error
                    continue
                row.status = Status.NUMBERED.value  # a second request for the same document in this batch is refused
                accepted.append((job, row, symbol))
            now = self.clock()
            local = vietnam_time(now)
            first = await next_numbers(session, register_id, local.year, len(accepted)) if accepted else 0
            symbols = [issued_number_symbol(first + offset, symbol, year=local.year,
                                            legal_normative=row.legal_normative)
                       for offset, (_, row, symbol) in enumerate(accepted)]
            await _refuse_taken_symbols(session, register_id, local.year, symbols)
            views = []
            for offset, (job, row, _) in enumerate(accepted):
                number = first + offset
                changes = {"status": [Status.SIGNED.value, Status.NUMBERED.value], "number": [None, number],
                           "number_symbol": [None, symbols[offset]],
                           "document_date": [None, local.date().isoformat()], "register_id": [None, register_id]}
                form = forms[(job.agency_code, row.type_code)].value
                if row.exchange_form != form:
                    changes["exchange_form"] = [row.exchange_form or None, form]
                row.exchange_form = form
                row.register_id, row.register_year, row.number = register_id, local.year, number
                row.number_symbol, row.document_date = symbols[offset], local.date()
                row.numbered_at, row.updated_at, row.version = now, now, row.version + 1
                session.add(HistoryRow(document_id=row.id, at=now, actor=job.actor, action="numbered",
                                       changes=changes, note="số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)"))
                views.append((job, document_view(row)))
            await session.flush()
        for index, refusal in outcomes.items():
            _settle(jobs[index], error=refusal)
        for job, view in views:
            _settle(job, value=view)
