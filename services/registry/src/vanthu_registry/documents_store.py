"""Persistence of document types, registers (sổ đăng ký văn bản) and documents, with gapless numbering.

Which register numbers a document: the one active register of its agency that covers its type and kind
(legal-normative or not), see :mod:`vanthu_registry.domain.registers`; a register that would cover what another
covers is refused when it is created (Decree 30/2020 Art. 15, 22). The number and symbol of an outgoing document
is unique in its agency and year (a partial unique index; issuing refuses a taken one with Conflict first).

Numbering: a counter row per (register, year). Issuing or registering a document increments it with
``UPDATE … RETURNING`` inside the same transaction that writes the number onto the document, the
history line and the event. PostgreSQL locks the counter row until commit, so concurrent clerks and
service replicas queue on it; SQLite transactions start with ``BEGIN IMMEDIATE`` (see ``vanthu_core.db``),
so writers queue on the database lock. A transaction that fails rolls the increment back with everything
else: no gap. The unique index on (register, year, number) makes a duplicate impossible even if the rule
were ever broken.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import UtcDateTime
from vanthu_core.errors import Conflict, DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import new_meta
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, has_event
from vanthu_core.paging import decode_cursor, encode_cursor, page_size
from vanthu_core.text import fold
from vanthu_core.timeutil import Clock, utc_now, vietnam_time
from vanthu_registry.domain.doctypes import LETTER, STANDARD_TYPES, DocumentType
from vanthu_registry.domain.documents import (
    COPY_FORMS,
    Direction,
    DocumentFile,
    Draft,
    FileRole,
    Status,
    build_symbol,
    check_ready_to_submit,
    copy_symbol,
    diff,
    issued_number_symbol,
    main_file,
    transition,
)
from vanthu_registry.domain.registers import (
    Register,
    check_legal_normative,
    check_register_scope,
    covering,
    describe,
    kind_name,
    refuse_overlap,
)
from vanthu_registry.events import DocumentEvent, document_event, file_messages, recipient_messages
from vanthu_registry.store import Base, outbox

log = logging.getLogger("vanthu.registry")


class DocumentTypeRow(Base):
    __tablename__ = "document_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    abbreviation: Mapped[str] = mapped_column(String(20), default="")
    #: Empty for the Decree's catalogue.
    agency_code: Mapped[str] = mapped_column(String(35), default="")

    __table_args__ = (UniqueConstraint("agency_code", "code", name="uq_document_types_agency_code"),)

    def to_domain(self) -> DocumentType:
        return DocumentType(self.code, self.name, self.abbreviation, self.agency_code or None)


class RegisterRow(Base):
    __tablename__ = "registers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    #: The agency's abbreviation in symbols it issues from this register ("UBND" in 05/CT-UBND).
    agency_abbreviation: Mapped[str] = mapped_column(String(20), default="")
    #: When set, only these types are numbered here (a separate series, e.g. for decisions); when empty, every
    #: type of the register's kind that no other active register of the agency lists.
    type_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Outgoing: numbers legal-normative documents (VB QPPL, one type per register) rather than the others.
    legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming: a second arrival series the agency opened on purpose.
    separate_arrival_series: Mapped[bool] = mapped_column(Boolean, default=False)


class RegisterHistoryRow(Base):
    """What happened to a register (created, start set, entries imported): who, when, what."""

    __tablename__ = "register_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class RegisterCounterRow(Base):
    __tablename__ = "register_counters"

    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    #: The number this year's series started at here when the register went live mid-year (SetRegisterStart).
    start_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


#: The rows the unique number-and-symbol index covers: numbered outgoing documents not flagged as duplicates.
OUTGOING_SYMBOL_WHERE = "direction = 'outgoing' AND number IS NOT NULL AND duplicate_of = ''"
ARRIVAL_KEY_WHERE = "arrival_key <> ''"


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The agency that holds this record (tenancy).
    agency_code: Mapped[str] = mapped_column(String(35))
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    type_code: Mapped[str] = mapped_column(String(40))
    abstract: Mapped[str] = mapped_column(String(500))
    search_key: Mapped[str] = mapped_column(String(600), default="")
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    drafting_unit: Mapped[str] = mapped_column(String(200), default="")
    unit_abbreviation: Mapped[str] = mapped_column(String(20), default="")
    signer_name: Mapped[str] = mapped_column(String(50), default="")
    signer_title: Mapped[str] = mapped_column(String(100), default="")
    signer_competence: Mapped[str] = mapped_column(String(5), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    recipients: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    files: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    answers_document_id: Mapped[str] = mapped_column(String(36), default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Issuing agency: the holder for outgoing documents, the sender for incoming ones.
    issuing_agency_code: Mapped[str] = mapped_column(String(35), default="")
    issuing_agency_name: Mapped[str] = mapped_column(String(200), default="")
    #: "05/CT-UBND": set on issue (outgoing) or as received (incoming).
    number_symbol: Mapped[str] = mapped_column(String(42), default="")
    #: Ngày tháng văn bản: the promulgation date (outgoing, on issue) or the sender's date (incoming).
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    register_id: Mapped[str | None] = mapped_column(ForeignKey("registers.id"), nullable=True)
    register_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Số (outgoing) or số đến (incoming) in the register.
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    numbered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    duplicate_of: Mapped[str] = mapped_column(String(36), default="")
    #: Subject (``sub``) of the person who drafted an outgoing document: they submit it for signature.
    drafter_subject: Mapped[str] = mapped_column(String(100), default="")
    #: The competent person who signed the main file (username, for display) and when.
    signed_by: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Why the agency's seal failed on a numbered document (the clerk repeats the issue); empty otherwise.
    seal_error: Mapped[str] = mapped_column(String(1000), default="")
    #: Incoming only: "" (no file), "pending", "valid" or "invalid" (flagged), as the signing service found.
    signature_check: Mapped[str] = mapped_column(String(10), default="")
    signature_note: Mapped[str] = mapped_column(String(1000), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Văn bản quy phạm pháp luật: numbered in its type's legal-normative register, the year in its symbol.
    legal_normative: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming: when it arrived (tiếp nhận) — the register book's "Ngày đến"; numbered_at is when it was registered.
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: An entry of the register imported from the previous system's book (going live mid-year).
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Incoming from interchange: the delivery that brought it ("<package>/<recipient>"); unique in the agency, so the
    #: same delivery twice makes one arrival.
    arrival_key: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        UniqueConstraint("register_id", "register_year", "number", name="uq_documents_register_number"),
        Index("ix_documents_agency_direction", "agency_code", "direction", "id"),
        Index("ix_documents_sender", "agency_code", "issuing_agency_code", "number_symbol", "document_date"),
        # Số và ký hiệu is unique in the agency's year (Decree 30/2020 Art. 15); outgoing documents numbered twice
        # before this rule keep their number and are flagged with duplicate_of (migration 0005).
        Index("uq_documents_outgoing_symbol", "agency_code", "register_year", "number_symbol", unique=True,
              sqlite_where=text(OUTGOING_SYMBOL_WHERE), postgresql_where=text(OUTGOING_SYMBOL_WHERE)),
        Index("uq_documents_arrival_key", "agency_code", "arrival_key", unique=True,
              sqlite_where=text(ARRIVAL_KEY_WHERE), postgresql_where=text(ARRIVAL_KEY_WHERE)),
    )


class CopyRow(Base):
    """A copy (bản sao) numbered in a copy register: SY, SL and TrS share the register's yearly series."""

    __tablename__ = "copies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    register_id: Mapped[str] = mapped_column(ForeignKey("registers.id"))
    register_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(3))
    number_symbol: Mapped[str] = mapped_column(String(42))
    #: The document copied, when the agency holds it; empty for a copy of a paper original only.
    source_document_id: Mapped[str] = mapped_column(String(36), default="")
    object_id: Mapped[str] = mapped_column(String(36), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("register_id", "register_year", "number", name="uq_copies_register_number"),
                      Index("ix_copies_agency_created_at", "agency_code", "created_at"))


class HistoryRow(Base):
    __tablename__ = "document_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


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


#: At most this many issues share one transaction.
MAX_ISSUE_BATCH = 64


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    note: str


@dataclass(frozen=True)
class DocumentFilter:
    direction: Direction | None = None
    type_code: str | None = None
    register_id: str | None = None
    status: Status | None = None
    date_from: date | None = None
    date_to: date | None = None
    issuing_agency_code: str | None = None
    text: str | None = None


#: Fields of a document a draft update may change, as stored.
EDITABLE = ("type_code", "abstract", "urgency", "drafting_unit", "unit_abbreviation", "signer_name", "signer_title",
            "signer_competence", "place", "recipients", "files", "answers_document_id", "due_date", "legal_normative")


def draft_columns(draft: Draft) -> dict[str, Any]:
    return {
        "type_code": draft.type_code, "abstract": draft.abstract, "urgency": draft.urgency.value,
        "drafting_unit": draft.drafting_unit, "unit_abbreviation": draft.unit_abbreviation,
        "signer_name": draft.signer.name, "signer_title": draft.signer.title,
        "signer_competence": draft.signer.competence.value, "place": draft.place,
        "recipients": [{"agency_code": r.agency_code, "name": r.name} for r in draft.recipients],
        "files": [file_entry(f) for f in draft.files],
        "answers_document_id": draft.answers_document_id, "due_date": draft.due_date,
        "legal_normative": draft.legal_normative,
    }


def file_entry(f: DocumentFile) -> dict[str, str]:
    """A file as the ``files`` column stores it."""
    return {"object_id": f.object_id, "sha256": f.sha256, "role": f.role.value, "file_name": f.file_name,
            "content_type": f.content_type}


def files_from(entries: list[dict[str, str]] | None) -> list[DocumentFile]:
    """The files of a ``files`` column (or of a document's view)."""
    return [DocumentFile(f["object_id"], f.get("sha256", ""), FileRole(f.get("role", "main")), f.get("file_name", ""),
                         f.get("content_type", "")) for f in entries or []]


def files_of(row: DocumentRow) -> list[DocumentFile]:
    return files_from(row.files)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _register(row: RegisterRow) -> Register:
    return Register(row.id, row.agency_code, Direction(row.direction), row.name, row.agency_abbreviation,
                    tuple(row.type_codes or ()), row.active, legal_normative=row.legal_normative,
                    separate_arrival_series=row.separate_arrival_series)


class DocumentStore:
    """Types, registers and documents of every agency; each method is one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now) -> None:
        self.sessions = sessions
        self.clock = clock
        self._issue_queues: dict[str, list[_IssueJob]] = {}
        self._drainers: set[asyncio.Task[None]] = set()

    # -- document types ------------------------------------------------------------------------
    async def seed_types(self) -> None:
        async with self.sessions() as session, session.begin():
            known = set((await session.execute(
                select(DocumentTypeRow.code).where(DocumentTypeRow.agency_code == ""))).scalars())
            for t in STANDARD_TYPES:
                if t.code not in known:
                    session.add(DocumentTypeRow(code=t.code, name=t.name, abbreviation=t.abbreviation,
                                                agency_code=""))

    async def types(self, agency_code: str) -> list[DocumentType]:
        async with self.sessions() as session:
            rows = (await session.execute(select(DocumentTypeRow).where(
                DocumentTypeRow.agency_code.in_(["", agency_code])).order_by(DocumentTypeRow.id))).scalars()
            return [r.to_domain() for r in rows]

    async def add_type(self, doc_type: DocumentType) -> DocumentType:
        async with self.sessions() as session, session.begin():
            exists = (await session.execute(select(DocumentTypeRow.id).where(
                DocumentTypeRow.code == doc_type.code,
                DocumentTypeRow.agency_code.in_(["", doc_type.agency_code or ""])))).first()
            if exists:
                raise Conflict(f"the type {doc_type.code} exists already")
            same = (await session.execute(select(DocumentTypeRow.name).where(
                DocumentTypeRow.abbreviation == doc_type.abbreviation,
                DocumentTypeRow.agency_code.in_(["", doc_type.agency_code or ""])))).scalars().first()
            if same is not None:  # two types with one abbreviation would give one number and symbol twice
                raise Conflict(f"the abbreviation {doc_type.abbreviation} is the one of {same} already; choose "
                               "another (symbols must tell types apart, Decree 30/2020 Art. 15)")
            session.add(DocumentTypeRow(code=doc_type.code, name=doc_type.name, abbreviation=doc_type.abbreviation,
                                        agency_code=doc_type.agency_code or ""))
        return doc_type

    async def _type(self, session: AsyncSession, agency_code: str, code: str) -> DocumentType:
        row = (await session.execute(select(DocumentTypeRow).where(
            DocumentTypeRow.code == code, DocumentTypeRow.agency_code.in_(["", agency_code])))).scalars().first()
        if row is None:
            raise InvalidArgument("type_code", f"{code!r} is not a document type of Decree 30/2020 nor one this "
                                               "agency defined (see /api/v1/document-types)")
        return row.to_domain()

    # -- registers -----------------------------------------------------------------------------
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
            await self._lock_agency_registers(session, agency_code)
            names: dict[str, str] = {}
            for i, code in enumerate(type_codes):
                try:
                    doc_type = await self._type(session, agency_code, code)
                    check_legal_normative(doc_type, legal_normative, field=f"type_codes[{i}]")
                except InvalidArgument as error:
                    raise InvalidArgument(f"type_codes[{i}]", error.reason) from error
                names[code] = doc_type.name
            row = RegisterRow(id=new_id(), agency_code=agency_code, direction=direction.value, name=name,
                              agency_abbreviation=agency_abbreviation, type_codes=type_codes, active=True,
                              created_at=now, legal_normative=legal_normative,
                              separate_arrival_series=separate_arrival_series)
            existing = [_register(r) for r in (await session.execute(select(RegisterRow).where(
                RegisterRow.agency_code == agency_code, RegisterRow.active.is_(True)))).scalars()]
            refuse_overlap(_register(row), existing, names)
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
        return _register(row)

    @staticmethod
    async def _lock_agency_registers(session: AsyncSession, agency_code: str) -> None:
        """Serialise changes to one agency's registers: PostgreSQL takes a transaction advisory lock on the agency
        (there may be no row to lock yet); SQLite transactions hold the database lock already (BEGIN IMMEDIATE)."""
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"registers:{agency_code}"))))

    async def register_history(self, agency_code: str, register_id: str) -> list[HistoryEntry]:
        """What happened to a register, oldest first; NotFound for another agency's register."""
        await self.register(agency_code, register_id)
        async with self.sessions() as session:
            rows = (await session.execute(select(RegisterHistoryRow).where(
                RegisterHistoryRow.register_id == register_id).order_by(RegisterHistoryRow.id))).scalars()
            return [HistoryEntry(r.at, r.actor, r.action, r.changes, r.note) for r in rows]

    async def registers(self, agency_code: str, direction: Direction | None = None) -> list[Register]:
        query = select(RegisterRow).where(RegisterRow.agency_code == agency_code).order_by(RegisterRow.created_at)
        if direction:
            query = query.where(RegisterRow.direction == direction.value)
        async with self.sessions() as session:
            return [_register(r) for r in (await session.execute(query)).scalars()]

    async def register(self, agency_code: str, register_id: str) -> Register:
        async with self.sessions() as session:
            row = await session.get(RegisterRow, register_id)
            if row is None or row.agency_code != agency_code:
                raise NotFound(f"no register {register_id} in this agency")
            return _register(row)

    async def _next_number(self, session: AsyncSession, register_id: str, year: int) -> int:
        return await self._next_numbers(session, register_id, year, 1)

    async def _next_numbers(self, session: AsyncSession, register_id: str, year: int, count: int) -> int:
        """Take ``count`` consecutive numbers of the register's series for ``year``; return the first.

        The counter row stays locked until the transaction ends, so numbers are gapless and unique.
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

    # -- documents -----------------------------------------------------------------------------
    async def create(self, *, agency_code: str, agency_name: str, draft: Draft, actor: str,
                     document_id: str | None = None, actor_subject: str = "", arrival_key: str = "") -> dict[str, Any]:
        """A draft (outgoing) or an arrival (incoming); ``document_id`` when the caller chose it (the references
        to its files are recorded under it before the document exists). An arrival with an ``arrival_key`` the
        agency holds already is not created again: the existing one is returned (its id differs from
        ``document_id``)."""
        if arrival_key:
            existing = await self._arrival_by_key(agency_code, arrival_key)
            if existing is not None:
                return existing
        try:
            return await self._create(agency_code=agency_code, agency_name=agency_name, draft=draft, actor=actor,
                                      document_id=document_id, actor_subject=actor_subject, arrival_key=arrival_key)
        except IntegrityError:
            existing = await self._arrival_by_key(agency_code, arrival_key) if arrival_key else None
            if existing is None:
                raise
            return existing  # the same delivery, created concurrently

    async def _arrival_by_key(self, agency_code: str, arrival_key: str) -> dict[str, Any] | None:
        async with self.sessions() as session:
            row = (await session.scalars(select(DocumentRow).where(DocumentRow.agency_code == agency_code,
                                                                   DocumentRow.arrival_key == arrival_key))).first()
            return self._view(row) if row is not None else None

    async def _create(self, *, agency_code: str, agency_name: str, draft: Draft, actor: str,
                      document_id: str | None, actor_subject: str, arrival_key: str) -> dict[str, Any]:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            check_legal_normative(await self._type(session, agency_code, draft.type_code), draft.legal_normative)
            await self._check_answered(session, agency_code, draft.answers_document_id)
            row = DocumentRow(id=document_id or new_id(), agency_code=agency_code, direction=draft.direction.value,
                              created_by=actor, created_at=now, updated_at=now, version=1,
                              drafter_subject=actor_subject if draft.direction is Direction.OUTGOING else "",
                              **draft_columns(draft))
            row.search_key = fold(draft.abstract)[:600]
            if draft.direction is Direction.OUTGOING:
                row.status = Status.DRAFT.value
                row.issuing_agency_code, row.issuing_agency_name = agency_code, agency_name
                action = "drafted"
            else:
                row.status = Status.ARRIVED.value
                s = draft.sender
                row.issuing_agency_code, row.issuing_agency_name = s.agency_code, s.agency_name
                row.number_symbol, row.document_date = s.number_symbol, s.document_date
                row.duplicate_of = await self._find_duplicate(session, row) or ""
                row.signature_check = "pending" if draft.files else ""
                row.arrived_at = now
                row.arrival_key = arrival_key
                action = "arrived"
            session.add(row)
            await session.flush()
            await self._record(session, row, actor, action, {k: [None, _jsonable(v)] for k, v in
                                                             draft_columns(draft).items()
                                                             if v not in ("", [], None, False)},
                               note=f"duplicate of {row.duplicate_of}" if row.duplicate_of else "")
            if row.direction == Direction.INCOMING.value:
                await self._event(session, row, ev.DocumentArrived, actor, duplicate_of=row.duplicate_of or "",
                                  files=file_messages(row.files))
            else:
                await self._event(session, row, ev.DocumentDrafted, actor)
            return self._view(row)

    async def _check_answered(self, session: AsyncSession, agency_code: str, document_id: str) -> None:
        """The document a draft answers must be one this agency holds (InvalidArgument otherwise)."""
        if not document_id:
            return
        try:
            await self._load(session, agency_code, document_id, lock=False)
        except NotFound:
            raise InvalidArgument("answers_document_id", "is not a document of this agency") from None

    async def _find_duplicate(self, session: AsyncSession, row: DocumentRow) -> str | None:
        """An arrival already held with the same issuing agency, number-and-symbol and date (Appendix VI III.1.h)."""
        if not row.number_symbol:
            return None
        query = select(DocumentRow.id).where(
            DocumentRow.agency_code == row.agency_code, DocumentRow.direction == Direction.INCOMING.value,
            DocumentRow.issuing_agency_code == row.issuing_agency_code,
            DocumentRow.number_symbol == row.number_symbol, DocumentRow.document_date == row.document_date,
            DocumentRow.status.notin_([Status.REJECTED.value, Status.CANCELLED.value])).order_by(DocumentRow.id)
        return (await session.execute(query)).scalars().first()

    async def _load(self, session: AsyncSession, agency_code: str, document_id: str, *, lock: bool) -> DocumentRow:
        query = select(DocumentRow).where(DocumentRow.id == document_id)
        if lock:
            query = query.with_for_update()
        row = (await session.execute(query)).scalars().first()
        if row is None or row.agency_code != agency_code:  # another agency's document does not exist for you
            raise NotFound(f"no document {document_id}")
        return row

    async def get(self, agency_code: str, document_id: str) -> dict[str, Any]:
        async with self.sessions() as session:
            return self._view(await self._load(session, agency_code, document_id, lock=False))

    async def update_draft(self, *, agency_code: str, document_id: str, draft: Draft, actor: str,
                           expected_version: int = 0) -> dict[str, Any]:
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            if row.status != Status.DRAFT.value:
                raise FailedPrecondition(f"only drafts can be changed; this document is {row.status}")
            if expected_version and expected_version != row.version:
                raise Conflict(f"the draft changed meanwhile (version {row.version}, you edited {expected_version})")
            await self._check_answered(session, agency_code, draft.answers_document_id)
            check_legal_normative(await self._type(session, agency_code, draft.type_code), draft.legal_normative)
            before = {k: _jsonable(getattr(row, k)) for k in EDITABLE}
            after = {k: _jsonable(v) for k, v in draft_columns(draft).items()}
            changes = diff(before, after)
            if changes:
                for key, value in draft_columns(draft).items():
                    setattr(row, key, value)
                row.search_key = fold(draft.abstract)[:600]
                row.version += 1
                row.updated_at = self.clock()
                await self._record(session, row, actor, "updated", changes)
            return self._view(row)

    async def number(self, *, agency_code: str, document_id: str, register_id: str, actor: str) -> dict[str, Any]:
        """Cấp số: a signed document takes the register's next number and today's date (Vietnam time) and its
        symbol, and becomes ``numbered`` (the seal is applied next; :meth:`complete_issue` then issues it).
        Decree 30/2020 Art. 15.3: the system assigns the number and the date of an electronic document.

        ``register_id`` must be the register that covers the document's type and kind (InvalidArgument naming that
        one otherwise); empty, it is that register.

        Concurrent issues on the same register in this process are grouped into one transaction (one counter
        update, one commit): the counter row is held until commit, so one commit per number would cap the
        register at one disk flush per document. A batch that fails as a whole is retried one by one, so a
        bad request never fails another clerk's.
        """
        register_id = register_id or await self.covering_register_id(agency_code, document_id)
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
            for index, job in enumerate(jobs):
                try:
                    row = rows.get(job.document_id)
                    if row is None or row.agency_code != job.agency_code:
                        raise NotFound(f"no document {job.document_id}")
                    transition("number", Status(row.status))
                    register = await self._numbering_register(session, row, register_id)
                    if not register.agency_abbreviation:
                        raise FailedPrecondition(f"the register {register.name} has no agency abbreviation")
                    if row.type_code == LETTER and not row.unit_abbreviation:
                        raise FailedPrecondition(
                            "a letter (công văn) needs the drafting unit's abbreviation for its symbol "
                            "(e.g. 456/UBND-VX): set unit_abbreviation on the draft")
                    key = (job.agency_code, row.type_code)
                    if key not in types:
                        types[key] = await self._type(session, *key)
                    symbol = build_symbol(types[key], register.agency_abbreviation, row.unit_abbreviation)
                except DomainError as error:
                    outcomes[index] = error
                    continue
                row.status = Status.NUMBERED.value  # a second request for the same document in this batch is refused
                accepted.append((job, row, symbol))
            now = self.clock()
            local = vietnam_time(now)
            first = await self._next_numbers(session, register_id, local.year, len(accepted)) if accepted else 0
            symbols = [issued_number_symbol(first + offset, symbol, year=local.year,
                                            legal_normative=row.legal_normative)
                       for offset, (_, row, symbol) in enumerate(accepted)]
            await self._refuse_taken_symbols(session, register_id, local.year, symbols)
            views = []
            for offset, (job, row, _) in enumerate(accepted):
                number = first + offset
                changes = {"status": [Status.SIGNED.value, Status.NUMBERED.value], "number": [None, number],
                           "number_symbol": [None, symbols[offset]],
                           "document_date": [None, local.date().isoformat()], "register_id": [None, register_id]}
                row.register_id, row.register_year, row.number = register_id, local.year, number
                row.number_symbol, row.document_date = symbols[offset], local.date()
                row.numbered_at, row.updated_at, row.version = now, now, row.version + 1
                session.add(HistoryRow(document_id=row.id, at=now, actor=job.actor, action="numbered",
                                       changes=changes, note="số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)"))
                views.append((job, self._view(row)))
            await session.flush()
        for index, refusal in outcomes.items():
            _settle(jobs[index], error=refusal)
        for job, view in views:
            _settle(job, value=view)

    async def submit(self, *, agency_code: str, document_id: str, actor: str, actor_subject: str) -> dict[str, Any]:
        """Trình ký: the drafter sends the draft (with its main file as a PDF) to the competent person."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("submit", Status(row.status))
            if row.drafter_subject and row.drafter_subject != actor_subject:
                raise PermissionDenied("only the drafter of this document submits it for signature")
            check_ready_to_submit(files_of(row))
            await self._move(session, row, status, actor, "submitted", ev.DocumentSubmitted)
            return self._view(row)

    async def return_draft(self, *, agency_code: str, document_id: str, reason: str, actor: str) -> dict[str, Any]:
        """Trả lại dự thảo: the competent person sends a submitted draft back to its drafter, saying why."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("return", Status(row.status))
            row.reason = reason
            await self._move(session, row, status, actor, "returned", ev.DocumentReturned, note=reason,
                             reason=reason)
            return self._view(row)

    async def record_signed(self, *, agency_code: str, document_id: str, signed: DocumentFile, signed_from: str,
                            actor: str, signer_name: str = "") -> tuple[dict[str, Any], str]:
        """The competent person's signed PDF replaces the main file (``signed_from``, the object that was signed);
        the document becomes ``signed``; a document whose drafter named no signer takes ``signer_name`` (the
        register book's "Người ký"). Returns the view and the replaced object id. Conflict when the main file
        changed while it was being signed."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("sign", Status(row.status))
            files = files_of(row)
            main = main_file(files)
            if main is None or main.object_id != signed_from:
                raise Conflict("the document's main file changed while it was being signed; sign it again")
            row.files = [file_entry(signed if f is main else f) for f in files]
            row.signed_by, row.signed_at = actor, self.clock()
            changes: dict[str, Any] = {"files.main": [main.object_id, signed.object_id]}
            if signer_name and not row.signer_name:
                row.signer_name = signer_name[:50]
                changes["signer_name"] = [None, row.signer_name]
            await self._move(session, row, status, actor, "signed", ev.DocumentSigned, changes=changes)
            return self._view(row), main.object_id

    async def record_seal_failure(self, *, agency_code: str, document_id: str, reason: str, actor: str) -> None:
        """A numbered document whose seal failed stays numbered, saying why (history); the clerk repeats the issue."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            if row.status != Status.NUMBERED.value:
                return
            row.seal_error, row.updated_at = reason[:1000], self.clock()
            await self._record(session, row, actor, "seal_failed", {}, note=reason[:1000])

    async def complete_issue(self, *, agency_code: str, document_id: str, sealed: dict[str, DocumentFile],
                             actor: str) -> tuple[dict[str, Any], list[str]]:
        """Ban hành: the sealed main file and the signed attachments (``sealed``: replaced object id → new file)
        replace the document's files, and one event says the document is issued. Returns the view and the replaced
        object ids."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("issue", Status(row.status))
            files = files_of(row)
            if {f.object_id for f in files} != set(sealed):
                raise Conflict("the document's files changed while it was being sealed; issue it again")
            row.files = [file_entry(sealed[f.object_id]) for f in files]
            row.seal_error = ""
            changes = {f"files[{i}]": [f.object_id, sealed[f.object_id].object_id] for i, f in enumerate(files)}
            await self._move(session, row, status, actor, "issued", ev.DocumentIssued, changes=changes,
                             files=file_messages(row.files), recipients=recipient_messages(row.recipients),
                             document_date=row.document_date.isoformat() if row.document_date else "")
            return self._view(row), [f.object_id for f in files if sealed[f.object_id].object_id != f.object_id]

    async def _move(self, session: AsyncSession, row: DocumentRow, status: Status, actor: str, action: str,
                    event_type: type[DocumentEvent], *, note: str = "", changes: dict[str, Any] | None = None,
                    **event: Any) -> None:
        """Set ``status`` with its history line and event, in the caller's transaction."""
        all_changes = {"status": [row.status, status.value], **(changes or {})}
        row.status = status.value
        row.updated_at, row.version = self.clock(), row.version + 1
        await self._record(session, row, actor, action, all_changes, note=note)
        await self._event(session, row, event_type, actor, **event)

    async def record_signature_check(self, *, agency_code: str, document_id: str, valid: bool, note: str,
                                     actor: str, event_id: str | None = None) -> dict[str, Any] | None:
        """What the signing service found on an arrival's files; an arrival that fails is flagged (history, event).

        ``agency_code`` is the agency the verdict names: it applies only to an arrival (incoming document) of that
        agency; a verdict on another agency's document, an outgoing one or one that no longer exists changes
        nothing. Idempotent: the ``signature_checked`` event takes ``event_id`` (derived from the verdict's event),
        and a verdict whose event is in the outbox already, or that says what the document says already, changes
        nothing and publishes nothing. Returns the view when the verdict was recorded, None otherwise.
        """
        async with self.sessions() as session, session.begin():
            row = (await session.execute(select(DocumentRow).where(DocumentRow.id == document_id)
                                         .with_for_update())).scalars().first()
            if row is None:
                return None
            if row.agency_code != agency_code or row.direction != Direction.INCOMING.value:
                log.warning("signature check not applied: the document is not an arrival of the agency the verdict "
                            "names", extra={"document_id": document_id, "event_agency": agency_code})
                return None
            if event_id and await has_event(session, outbox, event_id):
                return None  # recorded already (a redelivery)
            result, note = ("valid" if valid else "invalid"), note[:1000]
            if (row.signature_check, row.signature_note) == (result, note):
                return None
            changes = {"signature_check": [row.signature_check, result]}
            row.signature_check, row.signature_note = result, note
            row.updated_at = self.clock()
            await self._record(session, row, actor, "signature_valid" if valid else "signature_invalid",
                               changes, note=note)
            await self._event(session, row, ev.DocumentSignatureChecked, actor, event_id=event_id, valid=valid,
                              note=note)
            return self._view(row)

    async def register_arrival(self, *, agency_code: str, document_id: str, register_id: str, actor: str,
                               confirm_duplicate: bool = False, confirm_signature_problem: bool = False,
                               reason: str = "") -> dict[str, Any]:
        """Vào sổ: the next arrival number (số đến) of the incoming register, in the same transaction as the
        history line and the event (Decree 30/2020 Art. 22).

        Refused with FailedPrecondition while the arrival is flagged: a duplicate (unless ``confirm_duplicate``), or
        files whose signatures failed verification or are not verified yet (``signature_check`` invalid or
        pending, Art. 21.2: check authenticity and integrity) unless ``confirm_signature_problem`` with a
        ``reason`` (InvalidArgument when empty), which the history keeps.
        """
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("register", Status(row.status))
            if row.duplicate_of and not confirm_duplicate:
                raise FailedPrecondition(
                    f"this arrival duplicates document {row.duplicate_of} (same sender, number and date): reject it, "
                    "or register it with confirm_duplicate if it really is a second document")
            confirmed = self._signature_problem(row, confirm_signature_problem, reason)
            register = await self._register_for(session, row.agency_code, register_id, Direction.INCOMING,
                                                    row.type_code)
            now = self.clock()
            year = vietnam_time(now).year
            number = await self._next_number(session, register.id, year)
            changes = {"status": [row.status, status.value], "number": [None, number],
                       "register_id": [None, register.id]}
            notes = ["registered although flagged as a duplicate"] if row.duplicate_of else []
            if confirmed:
                changes["signature_problem_confirmed"] = [None, {"signature_check": row.signature_check,
                                                                 "reason": confirmed}]
                notes.append(f"registered although the signature check is {row.signature_check}: {confirmed}")
            row.status, row.register_id, row.register_year, row.number = status.value, register.id, year, number
            row.numbered_at, row.updated_at, row.version = now, now, row.version + 1
            await self._record(session, row, actor, "registered", changes, note="; ".join(notes))
            await self._event(session, row, ev.DocumentRegistered, actor,
                              **({"signature_check": row.signature_check, "signature_problem_reason": confirmed}
                                 if confirmed else {}))
            return self._view(row)

    @staticmethod
    def _signature_problem(row: DocumentRow, confirm: bool, reason: str) -> str:
        """The clerk's reason for registering an arrival whose signature check is invalid or pending ("" when
        the check is fine); FailedPrecondition explaining the check when not confirmed."""
        if row.signature_check not in ("invalid", "pending"):
            return ""
        if not confirm:
            if row.signature_check == "invalid":
                raise FailedPrecondition(
                    f"the signatures of this arrival failed verification ({row.signature_note or 'no detail'}): "
                    "return it to the sender (reject, Decree 30/2020 Art. 21.2), or register it with "
                    "confirm_signature_problem and a reason if you have established it is genuine")
            raise FailedPrecondition(
                "the signatures of this arrival are not verified yet (signature_check pending): wait for the check, "
                "or register it with confirm_signature_problem and a reason (e.g. urgent, checked with the sender)")
        reason = reason.strip()
        if not reason:
            raise InvalidArgument("reason", f"say why you register an arrival whose signature check is "
                                            f"{row.signature_check} (kept in its history)")
        return reason

    async def check_copy(self, *, agency_code: str, register_id: str, form: str, source_document_id: str) -> None:
        """What :meth:`number_copy` checks before it numbers, without numbering: the form, the agency's active copy
        register, the copied document held by the agency (InvalidArgument / NotFound)."""
        if form not in COPY_FORMS:
            raise InvalidArgument("form", f"must be one of {', '.join(COPY_FORMS)} (sao y, sao lục, trích sao)")
        async with self.sessions() as session:
            await self._register_for(session, agency_code, register_id, Direction.COPY)
            if source_document_id:
                await self._load(session, agency_code, source_document_id, lock=False)

    async def number_copy(self, *, agency_code: str, register_id: str, form: str, source_document_id: str,
                          object_id: str, sha256: str, actor: str, copy_id: str | None = None) -> dict[str, Any]:
        """The next number of the agency's copy register for a copy (``05/SY-UBND``), in one transaction with
        its row and event, so a failed numbering takes no number."""
        if form not in COPY_FORMS:
            raise InvalidArgument("form", f"must be one of {', '.join(COPY_FORMS)} (sao y, sao lục, trích sao)")
        async with self.sessions() as session, session.begin():
            register = await self._register_for(session, agency_code, register_id, Direction.COPY)
            if source_document_id:
                await self._load(session, agency_code, source_document_id, lock=False)
            now = self.clock()
            year = vietnam_time(now).year
            number = await self._next_number(session, register.id, year)
            row = CopyRow(id=copy_id or new_id(), agency_code=agency_code, register_id=register.id, register_year=year,
                          number=number, form=form,
                          number_symbol=copy_symbol(number, form, register.agency_abbreviation),
                          source_document_id=source_document_id, object_id=object_id, sha256=sha256,
                          created_by=actor, created_at=now)
            session.add(row)
            view = {c.key: getattr(row, c.key) for c in CopyRow.__table__.columns}
            await add_event(session, outbox, ev.CopyNumbered(
                meta=new_meta(actor=actor, agency=agency_code, occurred_at=now), copy_id=row.id,
                register_id=row.register_id, register_year=year, number=number, form=form,
                number_symbol=row.number_symbol, source_document_id=source_document_id, object_id=object_id,
                sha256=sha256))
            return view

    async def reject(self, *, agency_code: str, document_id: str, reason: str, actor: str) -> dict[str, Any]:
        return (await self._close(agency_code, document_id, "reject", reason, actor))[0]

    async def cancel(self, *, agency_code: str, document_id: str, reason: str, actor: str) -> dict[str, Any]:
        return (await self._close(agency_code, document_id, "cancel", reason, actor))[0]

    async def cancel_from(self, *, agency_code: str, document_id: str, reason: str,
                          actor: str) -> tuple[dict[str, Any], Status]:
        """:meth:`cancel`, also returning the status the document had when it was cancelled (read under the lock)."""
        return await self._close(agency_code, document_id, "cancel", reason, actor)

    async def _close(self, agency_code: str, document_id: str, action: str, reason: str,
                     actor: str) -> tuple[dict[str, Any], Status]:
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            previous = Status(row.status)
            status = transition(action, previous)
            done, event_type = {"reject": ("rejected", ev.DocumentRejected),
                                "cancel": ("cancelled", ev.DocumentCancelled)}[action]
            changes = {"status": [row.status, status.value], "reason": [row.reason or None, reason]}
            row.status, row.reason = status.value, reason
            row.updated_at, row.version = self.clock(), row.version + 1
            await self._record(session, row, actor, done, changes)
            await self._event(session, row, event_type, actor, reason=reason)
            return self._view(row), previous

    async def _register_for(self, session: AsyncSession, agency_code: str, register_id: str, direction: Direction,
                            type_code: str = "") -> Register:
        """The agency's active register of ``direction`` that may number a document of ``type_code``."""
        reg = await session.get(RegisterRow, register_id) if register_id else None
        if reg is None or reg.agency_code != agency_code:
            raise InvalidArgument("register_id", "is not a register of this agency")
        register = _register(reg)
        if register.direction is not direction or not register.active:
            raise InvalidArgument("register_id", f"is not an active {direction.value} register")
        if register.type_codes and type_code not in register.type_codes:
            raise InvalidArgument("register_id", f"this register numbers only {', '.join(register.type_codes)}")
        return register

    async def _active_registers(self, session: AsyncSession, agency_code: str, direction: Direction) -> list[Register]:
        """The agency's active registers of ``direction``, read once per transaction (kept in ``session.info``)."""
        cache: dict[tuple[str, str], list[Register]] = session.info.setdefault("active_registers", {})
        key = (agency_code, direction.value)
        if key not in cache:
            cache[key] = [_register(r) for r in (await session.execute(select(RegisterRow).where(
                RegisterRow.agency_code == agency_code, RegisterRow.direction == direction.value,
                RegisterRow.active.is_(True)).order_by(RegisterRow.created_at))).scalars()]
        return cache[key]

    async def _covering_register(self, session: AsyncSession, agency_code: str, type_code: str,
                                 legal_normative: bool) -> Register:
        """The one active outgoing register of the agency that numbers this type and kind.

        FailedPrecondition when none does (open one) or, for registers made before the rule, when two do.
        """
        found = covering(await self._active_registers(session, agency_code, Direction.OUTGOING), type_code,
                         legal_normative)
        if len(found) == 1:
            return found[0]
        what = f"{kind_name(legal_normative)} documents of type {type_code}"
        if not found:
            raise FailedPrecondition(
                f"no active register of this agency numbers {what}: open one (CreateRegister, direction outgoing"
                + (f", legal_normative, type_codes [{type_code}])" if legal_normative else ")"))
        raise FailedPrecondition(f"{' and '.join(describe(r) for r in found)}: two registers number {what} (made "
                                 "before one register per type and kind was enforced); close one of them "
                                 "(CloseRegister)")

    async def covering_register_id(self, agency_code: str, document_id: str) -> str:
        """The id of the register that numbers this outgoing document (IssueDocument with no register_id)."""
        async with self.sessions() as session:
            row = await self._load(session, agency_code, document_id, lock=False)
            if row.direction != Direction.OUTGOING.value:
                raise FailedPrecondition("only outgoing documents are issued; arrivals are registered (vào sổ)")
            return (await self._covering_register(session, agency_code, row.type_code, row.legal_normative)).id

    async def _numbering_register(self, session: AsyncSession, row: DocumentRow, register_id: str) -> Register:
        """``register_id`` when it is the register that covers the document; InvalidArgument naming the one that
        does otherwise (Decree 30/2020 Art. 15: one series per document)."""
        registers = await self._active_registers(session, row.agency_code, Direction.OUTGOING)
        chosen = next((r for r in registers if r.id == register_id), None)
        if chosen is None:
            raise InvalidArgument("register_id", "is not an active outgoing register of this agency")
        right = await self._covering_register(session, row.agency_code, row.type_code, row.legal_normative)
        if right.id != chosen.id:
            raise InvalidArgument("register_id", f"'{chosen.name}' does not number {kind_name(row.legal_normative)} "
                                                 f"documents of type {row.type_code}: {describe(right)}; issue it "
                                                 "there, or leave register_id empty")
        return chosen

    async def _refuse_taken_symbols(self, session: AsyncSession, register_id: str, year: int,
                                    symbols: list[str]) -> None:
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
            raise Conflict(f"the number and symbol {taken[0]} was given to document {taken[1]} already this year; a "
                           "number and symbol is unique in the year (Decree 30/2020 Art. 15): check the register's "
                           "start and the entries imported into it")

    async def history(self, agency_code: str, document_id: str) -> list[HistoryEntry]:
        async with self.sessions() as session:
            await self._load(session, agency_code, document_id, lock=False)
            rows = (await session.execute(select(HistoryRow).where(HistoryRow.document_id == document_id)
                                          .order_by(HistoryRow.id))).scalars()
            return [HistoryEntry(r.at, r.actor, r.action, r.changes, r.note) for r in rows]

    async def find(self, agency_code: str, filters: DocumentFilter, size: int = 0,
                   token: str = "") -> tuple[list[dict[str, Any]], str]:
        """Newest first (ids are UUIDv7, ordered by creation time); cursor pagination."""
        limit = page_size(size)
        query = select(DocumentRow).where(DocumentRow.agency_code == agency_code).order_by(DocumentRow.id.desc())
        if token:
            key = decode_cursor("document", token)
            if len(key) != 1 or not isinstance(key[0], str):
                raise InvalidArgument("page.page_token", "is not a token this service issued")
            query = query.where(DocumentRow.id < key[0])
        f = filters
        for column, value in ((DocumentRow.direction, f.direction), (DocumentRow.type_code, f.type_code),
                              (DocumentRow.register_id, f.register_id), (DocumentRow.status, f.status),
                              (DocumentRow.issuing_agency_code, f.issuing_agency_code)):
            if value:
                query = query.where(column == value)
        if f.date_from:
            query = query.where(DocumentRow.document_date >= f.date_from)
        if f.date_to:
            query = query.where(DocumentRow.document_date <= f.date_to)
        if f.text:
            for word in fold(f.text).split():
                query = query.where(DocumentRow.search_key.contains(word, autoescape=True))
        async with self.sessions() as session:
            rows = list((await session.execute(query.limit(limit + 1))).scalars())
        items = [self._view(r) for r in rows[:limit]]
        return items, encode_cursor("document", [rows[limit - 1].id]) if len(rows) > limit else ""

    async def register_entries(self, agency_code: str, register_id: str, date_from: date,
                               date_to: date) -> tuple[Register, list[dict[str, Any]]]:
        """The documents numbered in a register between two dates (Vietnam time), in number order."""
        register = await self.register(agency_code, register_id)
        if register.direction is Direction.COPY:
            raise FailedPrecondition("copy registers are not exported as a book yet (Appendix IV has no copy "
                                     "book); export an outgoing or incoming register")
        async with self.sessions() as session:
            rows = (await session.execute(select(DocumentRow).where(
                DocumentRow.register_id == register_id, DocumentRow.number.is_not(None),
                and_(DocumentRow.register_year >= date_from.year, DocumentRow.register_year <= date_to.year))
                .order_by(DocumentRow.register_year, DocumentRow.number))).scalars()
            items = [self._view(r) for r in rows]
        inside = [i for i in items if date_from <= vietnam_time(i["numbered_at"]).date() <= date_to]
        return register, inside

    # -- helpers -------------------------------------------------------------------------------
    async def _record(self, session: AsyncSession, row: DocumentRow, actor: str, action: str,
                      changes: dict[str, Any], note: str = "") -> None:
        session.add(HistoryRow(document_id=row.id, at=self.clock(), actor=actor, action=action, changes=changes,
                               note=note))

    async def _event(self, session: AsyncSession, row: DocumentRow, event_type: type[DocumentEvent], actor: str, *,
                     event_id: str | None = None, **fields: Any) -> None:
        """The document's event ``event_type`` (its state now and ``fields``) into the outbox, in the transaction."""
        await add_event(session, outbox, document_event(event_type, row, actor, self.clock(), event_id=event_id,
                                                        **fields))

    @staticmethod
    def _view(row: DocumentRow) -> dict[str, Any]:
        return {c.key: getattr(row, c.key) for c in DocumentRow.__table__.columns if c.key != "search_key"}

