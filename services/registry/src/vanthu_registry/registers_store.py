"""Commands on a register's series: going live mid-year (Decree 30/2020 Art. 15, 22), closing a register.

Two ways, each one transaction with the register's history line and an event:

- :meth:`RegisterBooks.set_start`: this year's series continues at a given number (set once, before the first
  number here);
- :meth:`RegisterBooks.import_book`: the previous system's entries become documents of the register (outgoing:
  issued; incoming: registered), marked as imported, and the counter continues after the highest imported number.
  A dry run reports every line it would refuse and why, and writes nothing; an import with any refusal writes
  nothing either (all or nothing). No ``document.issued``/``registered`` events are published for imported entries
  (they were sent long ago): one ``vanthu.registry.register.imported`` event says what was imported.

Both lock the register's counter rows of the years concerned, so issuing waits for them and they see a stable series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.errors import FailedPrecondition, InvalidArgument, NotFound
from vanthu_core.events import new_meta
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event
from vanthu_core.text import fold
from vanthu_core.timeutil import vietnam_time
from vanthu_registry.audience import sync_audience
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, Status
from vanthu_registry.domain.register_book import BookContext, Entry, Refusal, check_line
from vanthu_registry.domain.registers import Register, covers, describe, kind_name
from vanthu_registry.register_import import BookFile
from vanthu_registry.registers import active_registers, lock_agency_registers, register_of
from vanthu_registry.store import outbox
from vanthu_registry.tables import DocumentRow, HistoryRow, RegisterCounterRow, RegisterHistoryRow, RegisterRow

#: The highest number a series may be set to continue at.
MAX_START = 999_999
#: ``progress(done, total)`` while lines are checked and written.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RegisterStart:
    register_id: str
    year: int
    next_number: int


@dataclass
class ImportReport:
    """What an import did or would do: lines read, entries written, refusals (line, column, why)."""

    register_id: str
    lines: int
    dry_run: bool
    imported: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    #: year → (lowest, highest) number imported (or that would be).
    years: dict[int, tuple[int, int]] = field(default_factory=dict)


class RegisterBooks:
    """Commands on a register's series; shares the document store's sessions and clock."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    async def register_by_id(self, register_id: str) -> Register:
        """Any agency's register (operator tools); NotFound when there is none."""
        async with self.documents.sessions() as session:
            row = await session.get(RegisterRow, register_id)
            if row is None:
                raise NotFound(f"Không tìm thấy sổ {register_id}.")
            return register_of(row)

    async def _locked_counter(self, session: AsyncSession, register_id: str, year: int) -> RegisterCounterRow:
        dialect = session.get_bind().dialect.name
        ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(ins(RegisterCounterRow).values(register_id=register_id, year=year, last_number=0)
                              .on_conflict_do_nothing(index_elements=["register_id", "year"]))
        return (await session.execute(select(RegisterCounterRow).where(
            RegisterCounterRow.register_id == register_id, RegisterCounterRow.year == year)
            .with_for_update().execution_options(populate_existing=True))).scalars().one()

    async def _own_register(self, session: AsyncSession, agency_code: str, register_id: str) -> Register:
        row = await session.get(RegisterRow, register_id)
        if row is None or row.agency_code != agency_code:
            raise NotFound(f"Cơ quan không có sổ {register_id}.")
        if not row.active:
            raise FailedPrecondition(f"Sổ '{row.name}' đã đóng: hãy chọn sổ đang dùng.")
        return register_of(row)

    async def set_start(self, *, agency_code: str, register_id: str, next_number: int, reason: str,
                        actor: str) -> RegisterStart:
        """This year's (Vietnam time) series of the register continues at ``next_number``.

        Set once a year and before the register's first number of the year (FailedPrecondition otherwise, saying
        what was set or numbered); InvalidArgument for a number outside 2–999999 or an empty reason. Recorded in the
        register's history (who, when, why) with a ``vanthu.registry.register.start_set`` event.
        """
        if not 2 <= next_number <= MAX_START:
            raise InvalidArgument("next_number", f"phải từ 2 đến {MAX_START}: số mà hệ thống cũ sẽ cấp tiếp (dãy số "
                                                 "vẫn bắt đầu từ 01).")
        if not reason.strip():
            raise InvalidArgument("reason", "hãy ghi dãy số lấy từ đâu (ví dụ số cuối cùng của hệ thống cũ).")
        now = self.documents.clock()
        year = vietnam_time(now).year
        async with self.documents.sessions() as session, session.begin():
            register = await self._own_register(session, agency_code, register_id)
            counter = await self._locked_counter(session, register_id, year)
            if counter.start_number is not None:
                raise FailedPrecondition(f"Dãy số năm {year} của sổ '{register.name}' đã được đặt bắt đầu từ "
                                         f"{counter.start_number:02d} (xem lịch sử của sổ); chỉ đặt được một lần.")
            if counter.last_number:
                raise FailedPrecondition(f"Sổ '{register.name}' đã cấp số đến {counter.last_number:02d} trong năm "
                                         f"{year}; số bắt đầu chỉ đặt được trước số đầu tiên (hãy nhập các mục cũ vào "
                                         "sổ thay vì đặt số bắt đầu).")
            counter.last_number, counter.start_number = next_number - 1, next_number
            session.add(RegisterHistoryRow(register_id=register_id, at=now, actor=actor, action="start_set",
                                           changes={"year": year, "next_number": [None, next_number]},
                                           note=reason.strip()))
            await add_event(session, outbox, ev.RegisterStartSet(
                meta=new_meta(actor=actor, agency=agency_code, occurred_at=now), register_id=register_id, year=year,
                next_number=next_number))
        return RegisterStart(register_id, year, next_number)

    async def close(self, *, agency_code: str, register_id: str, reason: str, actor: str) -> Register:
        """Close a register: it numbers nothing more; its numbers and documents stay. The types it listed fall back
        to the agency's register without types of their kind (Decree 30/2020 Art. 15: the head of the agency decides
        the series). FailedPrecondition for a register closed already; InvalidArgument for an empty reason.
        Recorded in the register's history with a ``vanthu.registry.register.closed`` event."""
        if not reason.strip():
            raise InvalidArgument("reason", "hãy ghi lý do đóng sổ (được lưu trong lịch sử của sổ).")
        now = self.documents.clock()
        async with self.documents.sessions() as session, session.begin():
            await lock_agency_registers(session, agency_code)
            row = await session.get(RegisterRow, register_id, with_for_update=True)
            if row is None or row.agency_code != agency_code:
                raise NotFound(f"Cơ quan không có sổ {register_id}.")
            if not row.active:
                raise FailedPrecondition(f"Sổ '{row.name}' đã đóng rồi.")
            row.active = False
            session.add(RegisterHistoryRow(register_id=register_id, at=now, actor=actor, action="closed",
                                           changes={"active": [True, False]}, note=reason.strip()))
            await add_event(session, outbox, ev.RegisterClosed(
                meta=new_meta(actor=actor, agency=agency_code, occurred_at=now), register_id=register_id))
            return register_of(row)

    async def import_book(self, *, agency_code: str, register_id: str, book: BookFile, file_name: str,
                          dry_run: bool, actor: str, progress: Progress | None = None) -> ImportReport:
        """Import the previous system's register book into ``register_id`` (see the module docstring).

        Each line is checked (:func:`vanthu_registry.domain.register_book.check_line`) and against the register:
        a number used twice in the file or held already in the register, a number and symbol held by another
        document of the agency that year, a number at or beyond where this year's own series begins (its start, or
        its first number issued here) are refused. Returns the report; nothing is written when ``dry_run`` or when
        any line is refused.
        """
        report = ImportReport(register_id=register_id, lines=len(book.lines), dry_run=dry_run)
        now = self.documents.clock()
        today = vietnam_time(now).date()
        tick = progress or (lambda done, total: None)
        total = len(book.lines) * (1 if dry_run else 2)
        types = await self.documents.types(agency_code)  # before the write transaction (SQLite: one writer)
        async with self.documents.sessions() as session, session.begin():
            register = await self._own_register(session, agency_code, register_id)
            if register.direction is Direction.COPY:
                raise FailedPrecondition("Sổ bản sao không có mẫu sổ để nhập (Phụ lục IV không có).")
            registers = await active_registers(session, agency_code, Direction.OUTGOING)
            context = BookContext(direction=register.direction, agency_abbreviation=register.agency_abbreviation,
                                  types=types, today=today, not_covered=self._coverage(register, registers))
            entries: list[Entry] = []
            for done, (line, cells) in enumerate(book.lines, start=1):
                checked = check_line(line, cells, context)
                if isinstance(checked, Entry):
                    entries.append(checked)
                else:
                    report.refusals.extend(checked)
                tick(done, total)
            entries = await self._against_register(session, register, entries, report, lock=not dry_run)
            for entry in entries:
                low, high = report.years.get(entry.year, (entry.number, entry.number))
                report.years[entry.year] = (min(low, entry.number), max(high, entry.number))
            report.refusals.sort(key=lambda r: r.line)
            if dry_run or report.refusals or not entries:
                return report
            agency_name = await self._agency_name(session, agency_code)
            for done, entry in enumerate(sorted(entries, key=lambda e: (e.year, e.number)), start=1):
                await self._write(session, register, entry, agency_name, file_name, actor, now)
                tick(len(book.lines) + done, total)
            for year, (_, high) in report.years.items():
                counter = await self._locked_counter(session, register_id, year)
                counter.last_number = max(counter.last_number, high)
            report.imported = len(entries)
            years = {str(y): [lo, hi] for y, (lo, hi) in sorted(report.years.items())}
            session.add(RegisterHistoryRow(register_id=register_id, at=now, actor=actor, action="imported",
                                           changes={"file": file_name, "entries": len(entries), "years": years},
                                           note=f"{len(entries)} dòng từ sổ của hệ thống cũ ({file_name})"))
            await add_event(session, outbox, ev.RegisterImported(
                meta=new_meta(actor=actor, agency=agency_code, occurred_at=now), register_id=register_id,
                file=file_name, entries=len(entries),
                years=[ev.ImportedYear(year=y, first_number=lo, last_number=hi)
                       for y, (lo, hi) in sorted(report.years.items())]))
        return report

    @staticmethod
    def _coverage(register: Register, registers: list[Register]) -> Callable[[str, bool], str | None]:
        def not_covered(type_code: str, legal_normative: bool) -> str | None:
            if register.direction is not Direction.OUTGOING or covers(register, registers, type_code,
                                                                      legal_normative):
                return None
            other = next((r for r in registers if covers(r, registers, type_code, legal_normative)), None)
            where = describe(other) if other else "chưa có sổ đang dùng nào cấp số loại này"
            return (f"sổ '{register.name}' không cấp số văn bản {kind_name(legal_normative)} loại {type_code}: "
                    f"{where}; hãy nhập các mục đó vào sổ ấy")
        return not_covered

    async def _against_register(self, session: AsyncSession, register: Register, entries: list[Entry],
                                report: ImportReport, *, lock: bool) -> list[Entry]:
        """Drop and report entries that clash with each other or with what the register holds; with ``lock``, the
        counters of the years concerned are held until the import commits (issuing waits)."""
        years = sorted({e.year for e in entries})
        held: dict[tuple[int, int], str] = {}
        own_first: dict[int, int] = {}
        symbols: dict[tuple[int, str], str] = {}
        for year in years:
            counter: RegisterCounterRow | None = await self._locked_counter(session, register.id, year) if lock \
                else await session.get(RegisterCounterRow, (register.id, year))
            rows = (await session.execute(select(DocumentRow.number, DocumentRow.id, DocumentRow.imported).where(
                DocumentRow.register_id == register.id, DocumentRow.register_year == year,
                DocumentRow.number.is_not(None)))).all()
            held.update({(year, n): i for n, i, _ in rows})
            own = [n for n, _, imported in rows if not imported]
            starts = [n for n in (counter.start_number if counter else None, min(own, default=None))
                      if n is not None]
            if starts:
                own_first[year] = min(starts)
            if register.direction is Direction.OUTGOING:
                wanted = [e.number_symbol for e in entries if e.year == year]
                symbols.update({(year, s): i for s, i in (await session.execute(select(
                    DocumentRow.number_symbol, DocumentRow.id).where(
                    DocumentRow.agency_code == register.agency_code, DocumentRow.register_year == year,
                    DocumentRow.direction == Direction.OUTGOING.value, DocumentRow.number.is_not(None),
                    DocumentRow.number_symbol.in_(wanted)))).all()})
        column = "number_symbol" if register.direction is Direction.OUTGOING else "arrival_number"
        kept: list[Entry] = []
        seen: dict[tuple[int, int], int] = {}
        seen_symbols: dict[tuple[int, str], int] = {}
        for entry in entries:
            key = (entry.year, entry.number)
            why = ""
            if key in seen:
                why = (f"số {entry.number:02d} năm {entry.year} xuất hiện hai lần trong tệp (dòng {seen[key]} và "
                       f"{entry.line})")
            elif key in held:
                why = f"số {entry.number:02d} năm {entry.year} đã có trong sổ này (văn bản {held[key]})"
            elif entry.year in own_first and entry.number >= own_first[entry.year]:
                why = (f"số {entry.number:02d} vượt dãy số được nhập: từ số {own_first[entry.year]:02d} trở đi, "
                       f"số năm {entry.year} do sổ này cấp (số bắt đầu của sổ hoặc số đầu tiên sổ tự cấp)")
            elif (entry.year, entry.number_symbol) in symbols:
                why = (f"{entry.number_symbol} đã được cấp cho văn bản {symbols[(entry.year, entry.number_symbol)]}"
                       " của cơ quan; số và ký hiệu không được trùng trong năm")
            elif register.direction is Direction.OUTGOING and (entry.year, entry.number_symbol) in seen_symbols:
                why = (f"{entry.number_symbol} xuất hiện hai lần trong tệp (dòng "
                       f"{seen_symbols[(entry.year, entry.number_symbol)]} và {entry.line})")
            seen.setdefault(key, entry.line)
            seen_symbols.setdefault((entry.year, entry.number_symbol), entry.line)
            if why:
                report.refusals.append(Refusal(entry.line, column, why))
            else:
                kept.append(entry)
        return kept

    @staticmethod
    async def _agency_name(session: AsyncSession, agency_code: str) -> str:
        from vanthu_registry.store import AgencyRow

        row = await session.get(AgencyRow, agency_code)
        return row.name if row else ""

    @staticmethod
    async def _write(session: AsyncSession, register: Register, entry: Entry, agency_name: str, file_name: str,
                     actor: str, now: datetime) -> None:
        outgoing = register.direction is Direction.OUTGOING
        row = DocumentRow(
            id=new_id(), agency_code=register.agency_code, direction=register.direction.value,
            status=(Status.ISSUED if outgoing else Status.REGISTERED).value, type_code=entry.type_code,
            abstract=entry.abstract, search_key=fold(entry.abstract)[:600], urgency="normal",
            drafting_unit=entry.drafting_unit, unit_abbreviation="", signer_name="",
            signer_title=entry.signer_title, signer_competence=entry.signer_competence, place="",
            recipients=[{"agency_code": "", "name": r} for r in entry.recipients], files=[],
            answers_document_id="", due_date=None,
            issuing_agency_code=register.agency_code if outgoing else "",
            issuing_agency_name=agency_name if outgoing else entry.author,
            number_symbol=entry.number_symbol, document_date=entry.document_date, register_id=register.id,
            register_year=entry.year, number=entry.number, numbered_at=entry.numbered_at, duplicate_of="",
            signature_check="", signature_note="", reason="", created_by=actor, created_at=now, updated_at=now,
            version=1, legal_normative=entry.legal_normative, arrived_at=entry.arrived_at, imported=True)
        session.add(row)
        await session.flush()
        await sync_audience(session, row)
        changes: dict[str, Any] = {"status": [None, row.status], "number": [None, entry.number],
                                   "number_symbol": [None, entry.number_symbol or None],
                                   "register_id": [None, register.id]}
        if entry.book:
            changes["book"] = entry.book
        session.add(HistoryRow(document_id=row.id, at=now, actor=actor, action="imported", changes=changes,
                               note=f"nhập từ sổ của hệ thống cũ: tệp {file_name}, dòng {entry.line}"))

