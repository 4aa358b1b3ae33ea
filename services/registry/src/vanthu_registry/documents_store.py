"""Persistence of document types and documents (drafts, arrivals, their lifecycle, copies, history) of every agency.

Each method of :class:`DocumentStore` is one transaction, with the document's history line and its event (outbox).
The store owns the parts it delegates to: registers (:mod:`vanthu_registry.registers`: opening them and finding the
one that numbers a document, Decree 30/2020 Art. 15, 22) and gapless numbering with issuing in batches
(:mod:`vanthu_registry.numbering`); the rows are :mod:`vanthu_registry.tables`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.auth import Principal
from vanthu_core.errors import Conflict, DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import continuing, new_meta, trace_headers
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, add_events, has_event
from vanthu_core.paging import decode_cursor, encode_cursor, page_size
from vanthu_core.text import fold
from vanthu_core.timeutil import VIETNAM_TZ, Clock, utc_now, vietnam_time
from vanthu_registry.audience import Access, AccessLog, Viewer, sync_audience, viewer_of, visible
from vanthu_registry.domain.audience import audience_of, workflow_principals
from vanthu_registry.domain.doctypes import STANDARD_TYPES, DocumentType
from vanthu_registry.domain.documents import (
    COPY_FORMS,
    Direction,
    DocumentFile,
    Draft,
    FileRole,
    Status,
    check_circuit,
    check_ready_to_submit,
    copy_symbol,
    diff,
    main_file,
    status_name,
    transition,
)
from vanthu_registry.domain.registers import Register, check_legal_normative
from vanthu_registry.domain.revocation import (
    DATE_COLUMNS,
    KIND_NAMES,
    REVOKED_NOTE,
    SCRUBBED,
    SCRUBBED_KEYS,
    SCRUBBED_UPDATE,
    UPDATE_NAMES,
    Kind,
    Revocation,
    apply_update,
    check_not_frozen,
    check_update,
    kind_of,
    same_update,
)
from vanthu_registry.domain.revocation import answer as check_answer
from vanthu_registry.domain.revocation import record as record_revocation_state
from vanthu_registry.events import DocumentEvent, document_event, file_messages, recipient_messages
from vanthu_registry.exchange_catalogue import ExchangeCatalogue
from vanthu_registry.numbering import IssueQueue, next_number
from vanthu_registry.registers import RegisterCatalogue, arrival_register, document_register, register_for
from vanthu_registry.store import AgencyRow, outbox
from vanthu_registry.tables import (
    AccessLogRow,
    CopyRow,
    DocumentAudienceRow,
    DocumentRow,
    DocumentTypeRow,
    HistoryEntry,
    HistoryRow,
    document_view,
)
from vanthu_registry.units_store import UnitMemberRow, UnitRow

log = logging.getLogger("vanthu.registry")
#: ``signature_check`` of a paper arrival entered by hand: its scans carry no digital signature to verify.
UNSIGNED = "unsigned"
#: The action of a workflow step that only says again who the case gives the document to (vanthu_workflow's
#: ``AUDIENCE_ACTION``: a delegation covering the case created, revoked, begun or ended).
AUDIENCE_ONLY = "audience"
#: A ``signature_check`` as the history's note says it (the web's words for the same states).
SIGNATURE_CHECK_WORDS = {"valid": "hợp lệ", "invalid": "không hợp lệ", "pending": "đang kiểm tra",
                         UNSIGNED: "văn bản giấy (bản quét)", "": "chưa kiểm tra"}


#: ``DocumentFilter.date_field`` values: the document's own date (ngày văn bản), or the day it arrived (ngày đến).
DATE_FIELDS = ("document", "arrival")


@dataclass
class NewArrival:
    """One arrival of :meth:`DocumentStore.create_arrivals`: as :meth:`DocumentStore.create`'s arguments."""

    agency_code: str
    agency_name: str
    draft: Draft
    document_id: str
    arrival_key: str
    replaces_document_id: str = ""
    doc_type: DocumentType | None = None
    #: The W3C trace headers its events continue (the message that brought it); the call's own when None.
    trace: dict[str, str] | None = None


@dataclass(frozen=True)
class DocumentFilter:
    """What :meth:`DocumentStore.find` lists. ``date_from``/``date_to`` (inclusive) bound ``date_field``: the
    document's own date (``document``) or, for arrivals, the Vietnam calendar day it arrived (``arrival``: the
    incoming register book's "Ngày đến", Decree 30/2020 Appendix IV.VI — what a clerk means by a period of the book;
    documents that never arrived have none and are left out)."""

    direction: Direction | None = None
    type_code: str | None = None
    register_id: str | None = None
    status: Status | None = None
    date_from: date | None = None
    date_to: date | None = None
    issuing_agency_code: str | None = None
    text: str | None = None
    date_field: str = "document"
    #: Words of the issuing agency's name (tones optional): a sender typed by hand, which has no code to filter on.
    issuer_text: str | None = None
    #: Only these documents (a list of tasks showing its documents' metadata).
    ids: tuple[str, ...] = ()
    #: Thu hồi, cập nhật: only the documents whose revocation is in this state (``requested``: the clerk's to answer).
    revocation: str | None = None
    #: Văn bản trả lời: only the documents that answer this one (``answers_document_id``).
    answers_document_id: str | None = None
    #: Only the documents this person drafted (their subject).
    drafter_subject: str | None = None


def day_start(day: date) -> datetime:
    """The instant a Vietnam calendar day starts (00:00 +07:00): days bound instants stored in UTC."""
    return datetime.combine(day, time(), VIETNAM_TZ)


#: Fields of a document a draft update may change, as stored.
EDITABLE = ("type_code", "abstract", "urgency", "drafting_unit", "unit_abbreviation", "signer_name", "signer_title",
            "signer_competence", "signer_subject", "place", "recipients", "files", "answers_document_id", "due_date",
            "legal_normative")


def draft_columns(draft: Draft) -> dict[str, Any]:
    return {
        "type_code": draft.type_code, "abstract": draft.abstract, "urgency": draft.urgency.value,
        "drafting_unit": draft.drafting_unit, "unit_abbreviation": draft.unit_abbreviation,
        "signer_name": draft.signer.name, "signer_title": draft.signer.title,
        "signer_competence": draft.signer.competence.value, "signer_subject": draft.signer.subject,
        "place": draft.place,
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


def current_ids(row: DocumentRow) -> set[str]:
    """The object ids of the document's files."""
    return {f.object_id for f in files_of(row)}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


async def _receivers(session: AsyncSession, agency_code: str, rows: list[DocumentRow]) -> list[str]:
    """For each arrival, the units and people the workflow gave it to for processing, by name ("Phòng Tổ chức cán bộ;
    Nguyễn Văn An"): the incoming book's "Đơn vị hoặc người nhận" (Decree 30/2020 Appendix IV.VI). Read from the
    ``unit:``/``user:`` principals of the document's workflow audience (the tasks given and not cancelled); "" for
    an arrival not given to anyone yet. A unit or person no longer in the directory is left out (never a code)."""
    wanted = {p for r in rows for p in r.workflow_audience or [] if p.startswith(("unit:", "user:"))}
    units = {c for p in wanted if p.startswith("unit:") for c in [p[5:]]}
    people = {s for p in wanted if p.startswith("user:") for s in [p[5:]]}
    names: dict[str, str] = {}
    if units:
        found = await session.execute(select(UnitRow.code, UnitRow.name).where(
            UnitRow.agency_code == agency_code, UnitRow.code.in_(sorted(units))))
        names |= {f"unit:{code}": name for code, name in found.all()}
    if people:
        members = await session.execute(select(UnitMemberRow.subject, UnitMemberRow.name, UnitMemberRow.username)
                                        .where(UnitMemberRow.agency_code == agency_code,
                                               UnitMemberRow.subject.in_(sorted(people))))
        names |= {f"user:{subject}": name or username for subject, name, username in members.all()}
    return ["; ".join(dict.fromkeys(names[p] for p in r.workflow_audience or [] if p in names)) for r in rows]


def _duplicate_note(row: DocumentRow) -> str:
    """A new arrival's history note: the arrival it seems to duplicate (Appendix VI III.1.h), if any."""
    return f"trùng với văn bản đến {row.duplicate_of}" if row.duplicate_of else ""


def _sender_name_note(named: str, row: DocumentRow) -> str:
    """A new arrival's history note when the name its package gave its sender (``named``) is not the agency
    directory's name for that code, which the arrival shows instead (``row.issuing_agency_name``)."""
    if not named or fold(named) == fold(row.issuing_agency_name):  # not for case, tones or blanks alone
        return ""
    return (f"Tên cơ quan gửi trong gói tin («{named}») khác tên trong danh bạ cơ quan của mã "
            f"{row.issuing_agency_code}; văn bản ghi theo danh bạ («{row.issuing_agency_name}»)")


def _arrival_note(row: DocumentRow, draft: Draft) -> str:
    """A new arrival's history note: :func:`_duplicate_note` and :func:`_sender_name_note`, joined."""
    return "; ".join(n for n in (_duplicate_note(row), _sender_name_note(draft.sender.agency_name, row)) if n)


def _arrived_fields(row: DocumentRow, draft: Draft, directory_name: str = "") -> dict[str, Any]:
    """The ``DocumentArrived`` event's own fields for a new arrival ``row`` of ``draft`` (``directory_name``: the
    directory's name for its sender's code, when it has one)."""
    return {"duplicate_of": row.duplicate_of or "", "files": file_messages(row.files), "paper": draft.paper,
            **_sender_fields(row, directory_name)}


def _sender_fields(row: DocumentRow, directory_name: str = "") -> dict[str, str]:
    """The ``DocumentArrived`` fields naming an arrival's sender and signer, for the signing service's report: the
    sender as the directory names its code when it does (``directory_name``), else as recorded. A clerk may file a
    letter under an agency's code and type another name ("Văn phòng …", or a wrong one): the signatures are compared
    with the agency the code names (a letter filed under Sở Nội vụ's code but typed "Ủy ban nhân dân tỉnh" passed
    the province's seal as Sở Nội vụ's)."""
    return {"issuing_agency_code": row.issuing_agency_code or "",
            "issuing_agency_name": directory_name or row.issuing_agency_name or "",
            "signer_name": row.signer_name or ""}


class DocumentStore:
    """Types and documents of every agency, and their registers; each method is one transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now, *,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        #: Sessions for the reads of one document and of the types (an arrival's path: GetDocument, CreateDocument's
        #: type by name): on SQLite a read-only engine's (:func:`vanthu_core.db.create_engine` ``read_only``: a
        #: deferred transaction, no write lock to wait for or to hold the next write off); the write sessions when
        #: none is given.
        self.reads = reads or sessions
        self.clock = clock
        #: The registers (:mod:`vanthu_registry.registers`); the register methods below delegate to it.
        self.register_catalogue = RegisterCatalogue(sessions, clock, self._type)
        #: Cấp số in batches (:mod:`vanthu_registry.numbering`): :meth:`number` delegates to it.
        self.issues = IssueQueue(sessions, clock, self._type)
        #: The exchange catalogue (danh mục gửi nhận, :mod:`vanthu_registry.exchange_catalogue`).
        self.exchange = ExchangeCatalogue(sessions, clock, document_type=self._type)
        #: Views of documents, written in batches (:class:`vanthu_registry.audience.AccessLog`).
        self.access_log = AccessLog(sessions, clock)

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
        """The Decree's types and ``agency_code``'s own, in the order they were added. Read with a Core statement
        (no ORM objects: an arrival named by type reads them all, issue 12's profile)."""
        t = DocumentTypeRow.__table__.c
        async with self.reads() as session:
            rows = await session.execute(select(t.code, t.name, t.abbreviation, t.agency_code).where(
                t.agency_code.in_(["", agency_code])).order_by(t.id))
            return [DocumentType(code, name, abbreviation, owner or None) for code, name, abbreviation, owner in rows]

    async def type_name(self, agency_code: str, code: str) -> str:
        """The name of the type ``code`` among the Decree's and ``agency_code``'s own; "" when there is none. One
        row read (GetDocument for a service names its type; reading every type was a fifth of the registry's CPU
        per letter in issue 12's bench)."""
        t = DocumentTypeRow.__table__.c
        async with self.reads() as session:
            return str((await session.execute(select(t.name).where(
                t.code == code, t.agency_code.in_(["", agency_code])).order_by(t.id.desc()).limit(1))).scalar() or "")

    async def add_type(self, doc_type: DocumentType) -> DocumentType:
        async with self.sessions() as session, session.begin():
            exists = (await session.execute(select(DocumentTypeRow.id).where(
                DocumentTypeRow.code == doc_type.code,
                DocumentTypeRow.agency_code.in_(["", doc_type.agency_code or ""])))).first()
            if exists:
                raise Conflict(f"Loại văn bản {doc_type.code} đã có: hãy chọn mã khác.")
            same = (await session.execute(select(DocumentTypeRow.name).where(
                DocumentTypeRow.abbreviation == doc_type.abbreviation,
                DocumentTypeRow.agency_code.in_(["", doc_type.agency_code or ""])))).scalars().first()
            if same is not None:  # two types with one abbreviation would give one number and symbol twice
                raise Conflict(f"Chữ viết tắt {doc_type.abbreviation} đã dùng cho {same}: hãy chọn chữ viết tắt khác "
                               "(ký hiệu phải phân biệt được các loại văn bản, Nghị định 30/2020 Điều 15).")
            session.add(DocumentTypeRow(code=doc_type.code, name=doc_type.name, abbreviation=doc_type.abbreviation,
                                        agency_code=doc_type.agency_code or ""))
        return doc_type

    async def _type(self, session: AsyncSession, agency_code: str, code: str) -> DocumentType:
        row = (await session.execute(select(DocumentTypeRow).where(
            DocumentTypeRow.code == code, DocumentTypeRow.agency_code.in_(["", agency_code])))).scalars().first()
        if row is None:
            raise InvalidArgument("type_code", f"{code!r} không phải loại văn bản của Nghị định 30/2020 hay loại cơ "
                                               "quan tự định nghĩa: hãy chọn trong danh mục loại văn bản.")
        return row.to_domain()

    # -- registers (vanthu_registry.registers) -------------------------------------------------
    async def create_register(self, *, agency_code: str, direction: Direction, name: str, agency_abbreviation: str,
                              type_codes: list[str], legal_normative: bool = False,
                              separate_arrival_series: bool = False, actor: str = "") -> Register:
        """Open a register that declares what it numbers: :meth:`.RegisterCatalogue.create_register`
        (InvalidArgument, Conflict; Decree 30/2020 Art. 15, 22, 25)."""
        return await self.register_catalogue.create_register(
            agency_code=agency_code, direction=direction, name=name, agency_abbreviation=agency_abbreviation,
            type_codes=type_codes, legal_normative=legal_normative,
            separate_arrival_series=separate_arrival_series, actor=actor)

    async def register_history(self, agency_code: str, register_id: str) -> list[HistoryEntry]:
        """What happened to a register, oldest first; NotFound for another agency's register."""
        return await self.register_catalogue.register_history(agency_code, register_id)

    async def registers(self, agency_code: str, direction: Direction | None = None) -> list[Register]:
        """The agency's registers, oldest first (of ``direction`` when given): :meth:`.RegisterCatalogue.registers`."""
        return await self.register_catalogue.registers(agency_code, direction)

    async def register(self, agency_code: str, register_id: str) -> Register:
        """One of the agency's registers; NotFound for another agency's register or none."""
        return await self.register_catalogue.register(agency_code, register_id)

    async def next_numbers(self, register_ids: list[str]) -> dict[str, int]:
        """Each register's next number this year, a hint: :meth:`.RegisterCatalogue.next_numbers`."""
        return await self.register_catalogue.next_numbers(register_ids)

    async def covering_register_id(self, agency_code: str, document_id: str) -> str:
        """The id of the register that numbers this outgoing document (IssueDocument with no register_id): NotFound
        for another agency's document, FailedPrecondition for an arrival or when no register (or two) covers it
        (:func:`vanthu_registry.registers.document_register`)."""
        async with self.sessions() as session:
            row = await self._load(session, agency_code, document_id, lock=False)
            return (await document_register(session, row)).id

    # -- documents -----------------------------------------------------------------------------
    async def create(self, *, agency_code: str, agency_name: str, draft: Draft, actor: str,
                     document_id: str | None = None, actor_subject: str = "", arrival_key: str = "",
                     replaces_document_id: str = "", doc_type: DocumentType | None = None,
                     principal: Principal | None = None) -> dict[str, Any]:
        """A draft (outgoing) or an arrival (incoming); ``document_id`` when the caller chose it (the references to its
        files are recorded under it before the document exists). A paper arrival (``draft.paper``, entered by hand,
        its files scans) is "unsigned": no digital signature to verify, so vào sổ asks for no confirmation (Decree
        30/2020 Art. 21.2: the paper's seal and signature are checked by eye), and its ``DocumentArrived`` says
        ``paper`` so the signing service does not verify it. An arrival with an ``arrival_key``
        the agency holds already is not created again: the existing one is returned (its id differs from
        ``document_id``). ``replaces_document_id``: an arrival of the agency this arrival replaces (thay thế); both show
        the link. The key is not looked up first: the insert meets the unique index on the agency and key
        (``uq_documents_arrival_key``), and only then is the existing arrival read (one round trip fewer for every new
        arrival; a repeat rolls its transaction back). ``doc_type``: the type of ``draft.type_code`` (of the agency's
        catalogue) when the caller read it already, so it is not read again (types are never deleted)."""
        try:
            return await self._create(agency_code=agency_code, agency_name=agency_name, draft=draft, actor=actor,
                                      document_id=document_id, actor_subject=actor_subject, arrival_key=arrival_key,
                                      replaces_document_id=replaces_document_id, doc_type=doc_type,
                                      principal=principal)
        except IntegrityError:
            existing = await self._arrival_by_key(agency_code, arrival_key) if arrival_key else None
            if existing is None:
                raise
            return existing  # the same delivery, created concurrently

    async def _arrival_by_key(self, agency_code: str, arrival_key: str) -> dict[str, Any] | None:
        async with self.sessions() as session:
            row = (await session.scalars(select(DocumentRow).where(DocumentRow.agency_code == agency_code,
                                                                   DocumentRow.arrival_key == arrival_key))).first()
            return document_view(row) if row is not None else None

    async def create_arrivals(self, arrivals: list[NewArrival], *, actor: str) -> list[dict[str, Any] | DomainError]:
        """Several arrivals (:meth:`create`'s, each with its ``arrival_key``) in one transaction: one result per
        arrival, in order, its view (the existing arrival for a key the agency holds already) or the
        :class:`DomainError` it alone met (nothing of it written, the others kept). Another error rolls back every
        one and raises.

        The common batch (new arrivals, each its own key, none replacing another) is written together: the keys held
        already and the possible duplicates (Appendix VI III.1.h: same issuing agency, number and date) read in one
        statement each, then every document, audience, history line and event in one statement per table
        (:meth:`_arrivals_together`). Any other batch, or one that meets a key inserted meanwhile (IntegrityError),
        is written arrival by arrival, each in a savepoint (:meth:`_arrivals_one_by_one`), with the same effect."""
        if self._together(arrivals):
            try:
                async with self.sessions() as session, session.begin():
                    return await self._arrivals_together(session, arrivals, actor=actor)
            except IntegrityError:
                pass  # a key recorded concurrently: the savepoints tell which
        return await self._arrivals_one_by_one(arrivals, actor=actor)

    @staticmethod
    def _together(arrivals: list[NewArrival]) -> bool:
        keys = {(a.agency_code, a.arrival_key) for a in arrivals}
        return bool(arrivals) and len(keys) == len(arrivals) and all(
            a.arrival_key and not a.replaces_document_id and not a.draft.answers_document_id
            and a.draft.direction is Direction.INCOMING for a in arrivals)

    async def _arrivals_together(self, session: AsyncSession, arrivals: list[NewArrival], *, actor: str
                                 ) -> list[dict[str, Any] | DomainError]:
        """:meth:`create_arrivals` of new arrivals with distinct keys, none replacing or answering another, in
        ``session``'s transaction, in a few statements (the same rows, history and events as :meth:`_create_in`
        writes one by one)."""
        now = self.clock()
        held = {(row.agency_code, row.arrival_key): row for row in (await session.scalars(select(DocumentRow).where(
            DocumentRow.agency_code.in_(sorted({a.agency_code for a in arrivals})),
            DocumentRow.arrival_key.in_([a.arrival_key for a in arrivals]))))}
        results: list[dict[str, Any] | DomainError | None] = [None] * len(arrivals)
        new: list[tuple[int, NewArrival, DocumentRow]] = []
        directory = await self._sender_names(session, [a.draft for a in arrivals])
        for index, arrival in enumerate(arrivals):
            kept = held.get((arrival.agency_code, arrival.arrival_key))
            if kept is not None:
                results[index] = document_view(kept)  # the same delivery, recorded before
                continue
            try:
                await self._check_type(session, arrival.agency_code, arrival.draft, arrival.doc_type)
            except DomainError as error:
                results[index] = error
                continue
            row, _ = self._new_row(now, agency_code=arrival.agency_code, agency_name=arrival.agency_name,
                                   draft=arrival.draft, actor=actor, document_id=arrival.document_id,
                                   actor_subject="", arrival_key=arrival.arrival_key, directory=directory)
            new.append((index, arrival, row))
        if not new:
            return [r for r in results if r is not None]
        # the duplicates of each (Appendix VI III.1.h), as _find_duplicate finds them one by one: the smallest id
        # among the arrivals held, and those of this batch before it, with the same agency, issuer, number and date
        numbered = [row for _, _, row in new if row.number_symbol]
        same: dict[tuple[Any, ...], list[str]] = {}
        if numbered:
            for found in (await session.execute(select(
                    DocumentRow.id, DocumentRow.agency_code, DocumentRow.issuing_agency_code,
                    DocumentRow.number_symbol, DocumentRow.document_date).where(
                    DocumentRow.agency_code.in_(sorted({row.agency_code for row in numbered})),
                    DocumentRow.direction == Direction.INCOMING.value,
                    DocumentRow.number_symbol.in_(sorted({row.number_symbol for row in numbered})),
                    DocumentRow.status.notin_([Status.REJECTED.value, Status.CANCELLED.value])))).all():
                same.setdefault(tuple(found[1:]), []).append(found[0])
        for _, _, row in new:
            if row.number_symbol:
                twins = same.setdefault((row.agency_code, row.issuing_agency_code, row.number_symbol,
                                         row.document_date), [])
                row.duplicate_of = min(twins) if twins else ""
                twins.append(row.id)
            row.audience = audience_of(direction=row.direction, status=row.status,
                                       drafter_subject=row.drafter_subject or "", workflow=[])
        session.add_all([row for _, _, row in new])
        await session.flush()  # one statement for the documents (their column defaults now set, as one by one)
        history: list[dict[str, Any]] = []
        audience: list[dict[str, str]] = []
        made: list[tuple[Message, dict[str, str]]] = []
        for _, arrival, row in new:
            audience += [{"document_id": row.id, "principal": p} for p in row.audience]
            history.append({"document_id": row.id, "at": now, "actor": actor, "action": "arrived",
                            "changes": self._created_changes(arrival.draft, row),
                            "note": _arrival_note(row, arrival.draft)})
            with continuing(arrival.trace):
                made.append((document_event(ev.DocumentArrived, row, actor, now, **_arrived_fields(row, arrival.draft)),
                             trace_headers()))
        if audience:
            await session.execute(insert(DocumentAudienceRow), audience)
        await session.execute(insert(HistoryRow), history)
        await add_events(session, outbox, made)
        for index, _, row in new:
            results[index] = document_view(row)
        return [r for r in results if r is not None]

    async def _arrivals_one_by_one(self, arrivals: list[NewArrival], *, actor: str
                                   ) -> list[dict[str, Any] | DomainError]:
        """:meth:`create_arrivals` arrival by arrival, each in a savepoint of its own."""
        results: list[dict[str, Any] | DomainError] = []
        async with self.sessions() as session, session.begin():
            for arrival in arrivals:
                try:
                    with continuing(arrival.trace):
                        async with session.begin_nested():
                            results.append(await self._create_in(
                                session, self.clock(), agency_code=arrival.agency_code,
                                agency_name=arrival.agency_name, draft=arrival.draft, actor=actor,
                                document_id=arrival.document_id, actor_subject="", arrival_key=arrival.arrival_key,
                                replaces_document_id=arrival.replaces_document_id, doc_type=arrival.doc_type))
                except DomainError as error:
                    results.append(error)
                except IntegrityError:
                    row = (await session.scalars(select(DocumentRow).where(
                        DocumentRow.agency_code == arrival.agency_code,
                        DocumentRow.arrival_key == arrival.arrival_key))).first() if arrival.arrival_key else None
                    if row is None:
                        raise
                    results.append(document_view(row))  # the same delivery, recorded before
        return results

    async def _create(self, *, agency_code: str, agency_name: str, draft: Draft, actor: str,
                      document_id: str | None, actor_subject: str, arrival_key: str,
                      replaces_document_id: str = "", doc_type: DocumentType | None = None,
                      principal: Principal | None = None) -> dict[str, Any]:
        async with self.sessions() as session, session.begin():
            return await self._create_in(session, self.clock(), agency_code=agency_code, agency_name=agency_name,
                                         draft=draft, actor=actor, document_id=document_id,
                                         actor_subject=actor_subject, arrival_key=arrival_key,
                                         replaces_document_id=replaces_document_id, doc_type=doc_type,
                                         principal=principal)

    async def _create_in(self, session: AsyncSession, now: datetime, *, agency_code: str, agency_name: str,
                         draft: Draft, actor: str, document_id: str | None, actor_subject: str, arrival_key: str,
                         replaces_document_id: str = "", doc_type: DocumentType | None = None,
                         principal: Principal | None = None) -> dict[str, Any]:
        """:meth:`create`'s insert in ``session``'s transaction."""
        replaced = None
        if replaces_document_id:
            if draft.direction is not Direction.INCOMING:
                raise InvalidArgument("replaces_document_id", "chỉ văn bản đến mới thay thế được văn bản đến "
                                                              "khác.")
            try:
                replaced = await self._load(session, agency_code, replaces_document_id, lock=True)
            except NotFound:
                raise InvalidArgument("replaces_document_id", "không phải văn bản đến của cơ quan này.") from None
            if replaced.direction != Direction.INCOMING.value:
                raise InvalidArgument("replaces_document_id", "không phải văn bản đến của cơ quan này.")
        await self._check_type(session, agency_code, draft, doc_type)
        directory = await self._sender_names(session, [draft])
        try:
            await self._check_answered(session, agency_code, draft.answers_document_id, principal)
        except InvalidArgument:
            if not arrival_key:
                raise
            # an electronic arrival answering a document of this agency that cannot be answered now (revoked
            # since): it arrives all the same, unlinked; interchange links only to this agency's own documents
            draft.answers_document_id = ""
        row, action = self._new_row(now, agency_code=agency_code, agency_name=agency_name, draft=draft, actor=actor,
                                    document_id=document_id, actor_subject=actor_subject, arrival_key=arrival_key,
                                    directory=directory if arrival_key else None)
        if row.direction == Direction.INCOMING.value:
            row.duplicate_of = await self._find_duplicate(session, row) or ""
        if replaced is not None:
            row.replaces_document_id = replaced.id
        session.add(row)
        await session.flush()
        await sync_audience(session, row)
        if replaced is not None:
            replaced.replaced_by_document_id, replaced.updated_at = row.id, now
            replaced.version += 1
            await self._record(session, replaced, actor, "replaced", {"replaced_by_document_id": [None, row.id]},
                               note=f"Văn bản đã được thay thế bằng văn bản đến {row.id}")
        await self._record(session, row, actor, action, self._created_changes(draft, row),
                           note=_arrival_note(row, draft) if action == "arrived" else "")
        if row.direction == Direction.INCOMING.value:
            await self._event(session, row, ev.DocumentArrived, actor, **_arrived_fields(
                row, draft, directory.get(row.issuing_agency_code, "")))
        else:
            await self._event(session, row, ev.DocumentDrafted, actor)
        return document_view(row)

    @staticmethod
    async def _sender_names(session: AsyncSession, drafts: list[Draft]) -> dict[str, str]:
        """The agency directory's names (by code) of the senders of the electronic arrivals among ``drafts``: one
        query, none when there is no such arrival (a paper arrival's scans carry no digital signature). An arrival
        interchange records (with its delivery key) is recorded under that name; one a clerk enters keeps the name
        typed, and its signatures are compared with the directory's (:func:`_sender_fields`)."""
        codes = sorted({d.sender.agency_code for d in drafts
                        if d.direction is Direction.INCOMING and not d.paper and d.sender.agency_code})
        if not codes:
            return {}
        return {code: name for code, name in (await session.execute(
            select(AgencyRow.code, AgencyRow.name).where(AgencyRow.code.in_(codes)))).all() if name}

    @staticmethod
    def _new_row(now: datetime, *, agency_code: str, agency_name: str, draft: Draft, actor: str,
                 document_id: str | None, actor_subject: str, arrival_key: str,
                 directory: dict[str, str] | None = None) -> tuple[DocumentRow, str]:
        """A new document's row (not added to a session; an arrival's ``duplicate_of`` not set) and its history
        action (``drafted`` or ``arrived``). ``directory``: the agency directory's names by code
        (:meth:`_sender_names`); an electronic arrival from a code it holds is recorded under that name, whatever
        name its package gave (a package names its sender as its sending system wrote it)."""
        row = DocumentRow(id=document_id or new_id(), agency_code=agency_code, direction=draft.direction.value,
                          created_by=actor, created_at=now, updated_at=now, version=1,
                          drafter_subject=actor_subject if draft.direction is Direction.OUTGOING else "",
                          **draft_columns(draft))
        row.search_key = fold(draft.abstract)[:600]
        if draft.direction is Direction.OUTGOING:
            row.status = Status.DRAFT.value
            row.issuing_agency_code, row.issuing_agency_name = agency_code, agency_name
            return row, "drafted"
        row.status = Status.ARRIVED.value
        s = draft.sender
        row.issuing_agency_code = s.agency_code
        row.issuing_agency_name = (directory or {}).get(s.agency_code) or s.agency_name
        row.number_symbol, row.document_date = s.number_symbol, s.document_date
        row.signature_check = UNSIGNED if draft.paper else "pending" if draft.files else ""
        row.arrived_at = now
        row.arrival_key = arrival_key
        row.exchange_form = draft.exchange_form
        return row, "arrived"

    async def _check_type(self, session: AsyncSession, agency_code: str, draft: Draft,
                          doc_type: DocumentType | None) -> None:
        """The draft's type is one of ``agency_code``'s catalogue and allows its ``legal_normative``
        (:func:`check_legal_normative`); ``doc_type`` the type the caller read already, when it did (else it is
        read)."""
        known = doc_type is not None and doc_type.code == draft.type_code and \
            doc_type.agency_code in (None, agency_code)
        check_legal_normative(doc_type if known and doc_type is not None else
                              await self._type(session, agency_code, draft.type_code), draft.legal_normative)

    @staticmethod
    def _created_changes(draft: Draft, row: DocumentRow) -> dict[str, list[Any]]:
        """A new document's history changes: each field given, ``[None, value]``."""
        created = {**draft_columns(draft), "exchange_form": row.exchange_form}
        return {k: [None, _jsonable(v)] for k, v in created.items() if v not in ("", [], None, False)}

    async def _check_answered(self, session: AsyncSession, agency_code: str, document_id: str,
                              principal: Principal | None = None) -> None:
        """The document a draft answers (văn bản trả lời văn bản số …) must be one this agency holds and, for a
        person's ``principal``, one they see (its audience): an arrival another agency holds, or one of this agency
        not given to them, is refused alike (InvalidArgument, saying nothing of whether it exists)."""
        if not document_id:
            return
        try:
            row, _ = await self._load_seen(session, agency_code, document_id, principal)
        except NotFound:
            raise InvalidArgument("answers_document_id", "không phải văn bản của cơ quan mà đồng chí được xem: hãy "
                                                         "soạn văn bản trả lời từ văn bản đến đồng chí đang xử "
                                                         "lý.") from None
        # an arrival its sender revoked (thu hồi accepted) or asks to revoke is answered by no one
        if row.status == Status.REVOKED.value:
            raise InvalidArgument("answers_document_id", "là văn bản đã bị thu hồi theo yêu cầu của cơ quan gửi: "
                                                         "không soạn văn bản trả lời văn bản đã thu hồi.")
        if row.revocation == Revocation.REQUESTED.value and kind_of(row.revocation_kind) is Kind.REVOKE:
            raise InvalidArgument("answers_document_id", "là văn bản mà cơ quan gửi đã yêu cầu thu hồi: không soạn "
                                                         "văn bản trả lời văn bản đang bị thu hồi; chờ văn thư trả "
                                                         "lời yêu cầu thu hồi.")

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
            raise NotFound(f"Không tìm thấy văn bản {document_id}.")
        return row

    async def _load_seen(self, session: AsyncSession, agency_code: str, document_id: str,
                         principal: Principal | None) -> tuple[DocumentRow, Viewer | None]:
        """The document, for a person only when its audience lists one of their principals (NotFound otherwise,
        as for another agency's: whether it exists is not said); ``principal`` None or a service: no audience
        check (the service's own rule applies)."""
        row = await self._load(session, agency_code, document_id, lock=False)
        if principal is None or principal.is_service:
            return row, None
        viewer = await viewer_of(session, principal, agency_code)
        if not viewer.sees(row):
            raise NotFound(f"Không tìm thấy văn bản {document_id}.")
        return row, viewer

    async def get(self, agency_code: str, document_id: str, principal: Principal | None = None) -> dict[str, Any]:
        """One document of the agency. With a person's ``principal``: only a document they see (NotFound
        otherwise), and the view goes to the access log (Decree 30/2020 Appendix VI, III.5.a)."""
        async with self.reads() as session:
            row, viewer = await self._load_seen(session, agency_code, document_id, principal)
            if viewer is not None:
                self.access_log.record(viewer, row)
            return document_view(row)

    async def get_many(self, items: list[tuple[str, str]]) -> list[tuple[dict[str, Any], str] | NotFound]:
        """:meth:`get` for a service (no audience check, no access log) of several ``(agency_code, document_id)``
        at once, each with its type's name (:meth:`type_name`), in two statements: one result per item, in order,
        ``(document, type name)`` or NotFound (missing, or another agency's)."""
        ids = sorted({document_id for _, document_id in items})
        t = DocumentTypeRow.__table__.c
        async with self.reads() as session:
            rows = {row.id: row for row in (await session.execute(
                select(DocumentRow).where(DocumentRow.id.in_(ids)))).scalars()} if ids else {}
            mine = {document_id: rows[document_id] for agency, document_id in items
                    if document_id in rows and rows[document_id].agency_code == agency}
            names: dict[tuple[str, str], tuple[int, str]] = {}  # (owner, code) → the latest type's (id, name)
            if mine:
                codes = sorted({row.type_code for row in mine.values()})
                owners = sorted({"", *(row.agency_code for row in mine.values())})
                for type_id, code, owner, name in await session.execute(select(t.id, t.code, t.agency_code, t.name)
                                                                         .where(t.code.in_(codes),
                                                                                t.agency_code.in_(owners))):
                    if (owner, code) not in names or names[(owner, code)][0] < type_id:
                        names[(owner, code)] = (type_id, name)
        results: list[tuple[dict[str, Any], str] | NotFound] = []
        for agency, document_id in items:
            row = mine.get(document_id)
            if row is None or row.agency_code != agency:  # another agency's document does not exist for you
                results.append(NotFound(f"Không tìm thấy văn bản {document_id}."))
                continue
            found = [names[key] for key in (("", row.type_code), (agency, row.type_code)) if key in names]
            results.append((document_view(row), max(found)[1] if found else ""))
        return results

    async def check_file_access(self, *, agency_code: str, principal: Principal, object_id: str,
                                document_ids: list[str], action: str) -> list[str]:
        """A file of these documents is handed out to a person (``action`` download or link): the ids of those they
        see, each with an access-log line written in this transaction; NotFound when they see none."""
        async with self.sessions() as session, session.begin():
            viewer = await viewer_of(session, principal, agency_code)
            rows = (await session.execute(select(DocumentRow).where(
                DocumentRow.id.in_(document_ids), DocumentRow.agency_code == agency_code))).scalars().all()
            seen = [r for r in rows if viewer.sees(r) and (object_id in current_ids(r) or object_id in {
                f["object_id"] for f in (r.pending_update or {}).get("files", [])})]  # an update waiting for the clerk
            if not seen:
                raise NotFound(f"Không tìm thấy tệp {object_id}.")
            now = self.clock()
            await session.execute(insert(AccessLogRow), [Access(
                document_id=r.id, agency_code=agency_code, at=now, subject=viewer.subject, username=viewer.username,
                action=action, object_id=object_id, client=viewer.client).row() for r in seen])
            return [r.id for r in seen]

    async def access_entries(self, agency_code: str, document_id: str, principal: Principal | None, size: int = 0,
                             token: str = "") -> tuple[list[AccessLogRow], str]:
        """The document's access log, newest written first (views are written in batches, a moment after they happen:
        each line's ``at`` says when); cursor pagination; NotFound unless the caller sees it."""
        await self.access_log.flush()
        limit = page_size(size)
        query = select(AccessLogRow).where(AccessLogRow.document_id == document_id).order_by(AccessLogRow.id.desc())
        if token:
            key = decode_cursor("access", token)
            if len(key) != 1 or not isinstance(key[0], int):
                raise InvalidArgument("page.page_token", "không do hệ thống cấp: hãy tải lại danh sách từ trang đầu.")
            query = query.where(AccessLogRow.id < key[0])
        async with self.sessions() as session:
            await self._load_seen(session, agency_code, document_id, principal)
            rows = list((await session.execute(query.limit(limit + 1))).scalars())
        return rows[:limit], encode_cursor("access", [rows[limit - 1].id]) if len(rows) > limit else ""

    async def update_draft(self, *, agency_code: str, document_id: str, draft: Draft, actor: str,
                           expected_version: int = 0, through_circuit: bool = False,
                           actor_subject: str = "", principal: Principal | None = None) -> dict[str, Any]:
        """Change a draft's content (``draft`` replaces every editable field and its files). A draft the workflow's
        circuit governs changes only through it (``through_circuit``: the workflow vouched, having checked the
        draft is back with its drafter), so what a head approved is what is signed (issue 13 review). Only its
        drafter (``actor_subject``) changes it, as only they submit it. FailedPrecondition (not a draft; in a
        circuit, directly), PermissionDenied (someone else's draft), Conflict (``expected_version`` is stale)."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            if row.status != Status.DRAFT.value:
                raise FailedPrecondition("Chỉ sửa được dự thảo; văn bản này đang ở trạng thái "
                                         f"{status_name(row.status)}.")
            check_circuit("update", row.in_circuit, through_circuit)
            if row.drafter_subject and row.drafter_subject != actor_subject:
                raise PermissionDenied("Chỉ người soạn dự thảo mới sửa được dự thảo này.")
            if expected_version and expected_version != row.version:
                raise Conflict(f"Dự thảo đã được người khác sửa (phiên bản {row.version}, đồng chí sửa phiên bản "
                               f"{expected_version}): tải lại rồi sửa lại.")
            if draft.answers_document_id != row.answers_document_id:  # a new link: to a document they see
                await self._check_answered(session, agency_code, draft.answers_document_id, principal)
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
            return document_view(row)

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
        return await self.issues.number(agency_code=agency_code, document_id=document_id, register_id=register_id,
                                        actor=actor)

    async def enter_circuit(self, *, agency_code: str, document_id: str, actor_subject: str) -> dict[str, Any]:
        """The workflow's circuit starts on the drafter's own outgoing draft: from now on it governs the document
        (:func:`~vanthu_registry.domain.documents.check_circuit`). Idempotent; FailedPrecondition for a document
        that is not a draft, PermissionDenied for someone else's draft."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            if row.direction != Direction.OUTGOING.value or Status(row.status) is not Status.DRAFT:
                raise FailedPrecondition(f"Văn bản đang ở trạng thái {status_name(Status(row.status))}: chỉ dự thảo "
                                         "văn bản đi mới đưa vào quy trình trình ký.")
            if row.drafter_subject and row.drafter_subject != actor_subject:
                raise PermissionDenied("Chỉ người soạn dự thảo mới đưa được văn bản vào quy trình.")
            if row.in_circuit:
                return document_view(row)
            row.in_circuit = True
            return document_view(row)

    async def submit(self, *, agency_code: str, document_id: str, actor: str, actor_subject: str,
                     through_circuit: bool = False) -> dict[str, Any]:
        """Trình ký: the drafter sends the draft (with its main file as a PDF) to the competent person; a draft the
        workflow's circuit governs only through it (``through_circuit``: the workflow vouched for the call, which
        also marks a draft whose circuit started before the registry kept the mark)."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("submit", Status(row.status))
            check_circuit("submit", row.in_circuit, through_circuit)
            if row.drafter_subject and row.drafter_subject != actor_subject:
                raise PermissionDenied("Chỉ người soạn dự thảo mới trình ký được văn bản này.")
            check_ready_to_submit(files_of(row))
            row.in_circuit = row.in_circuit or through_circuit
            await self._move(session, row, status, actor, "submitted", ev.DocumentSubmitted)
            return document_view(row)

    async def return_draft(self, *, agency_code: str, document_id: str, reason: str, actor: str,
                           through_circuit: bool = False) -> dict[str, Any]:
        """Trả lại dự thảo: the competent person sends a submitted draft back to its drafter, saying why (one the
        workflow's circuit governs: only through it)."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("return", Status(row.status))
            check_circuit("return", row.in_circuit, through_circuit)
            row.reason = reason
            await self._move(session, row, status, actor, "returned", ev.DocumentReturned, note=reason,
                             reason=reason)
            return document_view(row)

    async def record_signed(self, *, agency_code: str, document_id: str, signed: DocumentFile, signed_from: str,
                            actor: str, signer_name: str = "", competence: str = "",
                            on_behalf_of: str = "") -> tuple[dict[str, Any], str]:
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
                raise Conflict("Văn bản chính đã thay đổi trong lúc ký: hãy tải lại rồi ký số lại.")
            row.files = [file_entry(signed if f is main else f) for f in files]
            row.signed_by, row.signed_at = actor, self.clock()
            changes: dict[str, Any] = {"files.main": [main.object_id, signed.object_id]}
            if signer_name and not row.signer_name:
                row.signer_name = signer_name[:50]
                changes["signer_name"] = [None, row.signer_name]
            note = ""
            if competence:  # ủy quyền: the signature block shows the delegation's competence, the deputy's name
                changes["signer_competence"] = [row.signer_competence or None, competence]
                changes["on_behalf_of"] = on_behalf_of
                if signer_name and row.signer_name != signer_name[:50]:
                    changes["signer_name"] = [row.signer_name or None, signer_name[:50]]
                    row.signer_name = signer_name[:50]
                row.signer_competence = competence
                note = f"Ký {competence} theo ủy quyền của {on_behalf_of}"
            await self._move(session, row, status, actor, "signed", ev.DocumentSigned, changes=changes, note=note)
            return document_view(row), main.object_id

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
        replace the document's files, and one event says the document is issued; a file whose name changed (the
        sealed main file takes the số, ký hiệu) has its old and new names in the history. Returns the view and the
        replaced object ids."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("issue", Status(row.status))
            files = files_of(row)
            if {f.object_id for f in files} != set(sealed):
                raise Conflict("Tệp của văn bản đã thay đổi trong lúc đóng dấu: hãy tải lại rồi phát hành lại.")
            row.files = [file_entry(sealed[f.object_id]) for f in files]
            row.seal_error = ""
            changes = {f"files[{i}]": [f.object_id, sealed[f.object_id].object_id] for i, f in enumerate(files)}
            changes |= {f"files[{i}].file_name": [f.file_name, sealed[f.object_id].file_name]
                        for i, f in enumerate(files) if sealed[f.object_id].file_name != f.file_name}
            await self._move(session, row, status, actor, "issued", ev.DocumentIssued, changes=changes,
                             files=file_messages(row.files), recipients=recipient_messages(row.recipients),
                             document_date=row.document_date.isoformat() if row.document_date else "")
            return document_view(row), [f.object_id for f in files if sealed[f.object_id].object_id != f.object_id]

    async def _move(self, session: AsyncSession, row: DocumentRow, status: Status, actor: str, action: str,
                    event_type: type[DocumentEvent], *, note: str = "", changes: dict[str, Any] | None = None,
                    **event: Any) -> None:
        """Set ``status`` with its history line and event, in the caller's transaction."""
        all_changes = {"status": [row.status, status.value], **(changes or {})}
        row.status = status.value
        row.updated_at, row.version = self.clock(), row.version + 1
        await self._record(session, row, actor, action, all_changes, note=note)
        await self._event(session, row, event_type, actor, **event)
        if await sync_audience(session, row):
            await self._event(session, row, ev.DocumentAudienceChanged, actor, audience=list(row.audience))

    async def record_signature_check(self, *, agency_code: str, document_id: str, valid: bool, note: str,
                                     actor: str, event_id: str | None = None,
                                     signers: list[str] | None = None) -> dict[str, Any] | None:
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
            if row.signature_check == UNSIGNED:
                log.info("signature check not applied: a paper arrival has no digital signature",
                         extra={"document_id": document_id})
                return None
            result, note = ("valid" if valid else "invalid"), note[:1000]
            if (row.signature_check, row.signature_note) == (result, note):
                return None
            changes = {"signature_check": [row.signature_check, result]}
            row.signature_check, row.signature_note = result, note
            row.signature_signers = [s[:300] for s in (signers or [])][:50]
            row.updated_at = self.clock()
            await self._record(session, row, actor, "signature_valid" if valid else "signature_invalid",
                               changes, note=note)
            await self._event(session, row, ev.DocumentSignatureChecked, actor, event_id=event_id, valid=valid,
                              note=note)
            return document_view(row)

    async def record_workflow_step(self, *, agency_code: str, document_id: str, actor: str, at: datetime,
                                   step: str, from_state: str, to_state: str, comment: str,
                                   audience: list[str] | None = None, audience_seq: int = 0,
                                   on_behalf_of: str = "", event_id: str | None = None,
                                   competence: str = "") -> bool:
        """A step of the document's processing in the workflow service (trình, phân công, xử lý, hoàn thành…) as a
        line of its history: action ``workflow``, changes ``{"workflow": [from, to], "step": step}``, the comment as
        the note, at the time and by the person the step names.

        Applied only to a document of ``agency_code`` (an arrival's processing, or an outgoing draft's circuit:
        review, consultation, signature, issue); once: a redelivered step (the same document, time, person and step)
        adds nothing. True when a line was added.

        ``audience``: who the case gives the document to after the step (``None``: an older workflow said nothing),
        kept when ``audience_seq`` is at least the last one kept (a redelivered older step changes nothing); when the
        document's audience changes, ``vanthu.registry.document.audience_changed`` is published (``event_id``).
        ``on_behalf_of``: the person a deputy acted for (ủy quyền), kept in the line with the delegation's
        ``competence`` (KT., TUQ.). A ``step`` :data:`AUDIENCE_ONLY` (the workflow publishes a case's audience again
        when a delegation covering it is created, revoked, begins or ends) changes the audience alone: no line; True
        when the audience changed (an event to relay).
        """
        async with self.sessions() as session, session.begin():
            row = (await session.execute(select(DocumentRow).where(DocumentRow.id == document_id)
                                         .with_for_update())).scalars().first()
            if row is None or row.agency_code != agency_code:
                log.warning("workflow step not recorded: not a document of the agency the step names",
                            extra={"document_id": document_id, "event_agency": agency_code})
                return False
            moved = False
            if audience is not None and audience_seq >= (row.audience_seq or 0):
                row.workflow_audience, row.audience_seq = workflow_principals(audience), audience_seq
                moved = await sync_audience(session, row)
                if moved:
                    await self._event(session, row, ev.DocumentAudienceChanged, actor, event_id=event_id,
                                      audience=list(row.audience))
            if step == AUDIENCE_ONLY:  # who sees it changed (a delegation began or ended), not the processing
                return moved
            changes: dict[str, Any] = {"workflow": [from_state, to_state], "step": step}
            if on_behalf_of:
                changes["on_behalf_of"] = on_behalf_of
                if competence:
                    changes["competence"] = competence[:5]
            seen = (await session.execute(select(HistoryRow.changes).where(
                HistoryRow.document_id == document_id, HistoryRow.action == "workflow", HistoryRow.at == at,
                HistoryRow.actor == actor))).scalars().all()
            if changes in seen:
                return False
            session.add(HistoryRow(document_id=row.id, at=at, actor=actor, action="workflow", changes=changes,
                                   note=comment[:2000]))
            return True

    async def register_arrival(self, *, agency_code: str, document_id: str, register_id: str, actor: str,
                               confirm_duplicate: bool = False, confirm_signature_problem: bool = False,
                               reason: str = "") -> dict[str, Any]:
        """Vào sổ: the next arrival number (số đến) of the incoming register, in the same transaction as the
        history line and the event (Decree 30/2020 Art. 22). ``register_id`` empty: the agency's one incoming
        register for the document's type (:func:`vanthu_registry.registers.arrival_register`, its errors).

        Refused with FailedPrecondition while the arrival is flagged: a duplicate (unless ``confirm_duplicate``), or
        files whose signatures failed verification or are not verified yet (``signature_check`` invalid or
        pending, Art. 21.2: check authenticity and integrity) unless ``confirm_signature_problem`` with a
        ``reason`` (InvalidArgument when empty), which the history keeps.
        """
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            status = transition("register", Status(row.status))
            check_not_frozen(Direction(row.direction), Revocation(row.revocation), "vào sổ")
            if row.duplicate_of and not confirm_duplicate:
                raise FailedPrecondition(
                    f"Văn bản đến này trùng với văn bản {row.duplicate_of} (cùng cơ quan gửi, số và ngày): hãy trả "
                    "lại, hoặc vào sổ với xác nhận trùng nếu đúng là văn bản thứ hai.")
            confirmed = self._signature_problem(row, confirm_signature_problem, reason)
            register = await arrival_register(session, row.agency_code, register_id, row.type_code)
            now = self.clock()
            year = vietnam_time(now).year
            number = await next_number(session, register.id, year)
            changes = {"status": [row.status, status.value], "number": [None, number],
                       "register_id": [None, register.id]}
            notes = ["vào sổ dù đã được đánh dấu là văn bản trùng"] if row.duplicate_of else []
            if confirmed:
                changes["signature_problem_confirmed"] = [None, {"signature_check": row.signature_check,
                                                                 "reason": confirmed}]
                check = SIGNATURE_CHECK_WORDS.get(row.signature_check, row.signature_check)
                notes.append(f"vào sổ dù kết quả kiểm tra chữ ký số là {check}: {confirmed}")
            row.status, row.register_id, row.register_year, row.number = status.value, register.id, year, number
            row.numbered_at, row.updated_at, row.version = now, now, row.version + 1
            await self._record(session, row, actor, "registered", changes, note="; ".join(notes))
            await self._event(session, row, ev.DocumentRegistered, actor,
                              **({"signature_check": row.signature_check, "signature_problem_reason": confirmed}
                                 if confirmed else {}))
            return document_view(row)

    @staticmethod
    def _signature_problem(row: DocumentRow, confirm: bool, reason: str) -> str:
        """The clerk's reason for registering an arrival whose signature check is invalid or pending ("" when
        the check is fine); FailedPrecondition explaining the check when not confirmed."""
        if row.signature_check not in ("invalid", "pending"):
            return ""
        if not confirm:
            if row.signature_check == "invalid":
                raise FailedPrecondition(
                    f"Chữ ký số của văn bản đến này không hợp lệ ({row.signature_note or 'không có chi tiết'}): hãy "
                    "trả lại cơ quan gửi (Nghị định 30/2020 Điều 21.2), hoặc vào sổ với xác nhận và lý do nếu đã xác "
                    "minh văn bản là thật.")
            raise FailedPrecondition(
                "Chữ ký số của văn bản đến này chưa được kiểm tra xong: hãy chờ kết quả kiểm tra, hoặc vào sổ với "
                "xác nhận và lý do (ví dụ: việc khẩn, đã xác minh với cơ quan gửi).")
        reason = reason.strip()
        if not reason:
            raise InvalidArgument("reason", "hãy ghi lý do vào sổ văn bản đến có chữ ký số ở trạng thái "
                                            f"{row.signature_check} (lý do được lưu trong lịch sử).")
        return reason

    async def check_copy(self, *, agency_code: str, register_id: str, form: str, source_document_id: str) -> None:
        """What :meth:`number_copy` checks before it numbers, without numbering: the form, the agency's active copy
        register, the copied document held by the agency (InvalidArgument / NotFound)."""
        if form not in COPY_FORMS:
            raise InvalidArgument("form", f"phải là một trong {', '.join(COPY_FORMS)} (sao y, sao lục, trích sao).")
        async with self.sessions() as session:
            await register_for(session, agency_code, register_id, Direction.COPY)
            if source_document_id:
                await self._load(session, agency_code, source_document_id, lock=False)

    async def number_copy(self, *, agency_code: str, register_id: str, form: str, source_document_id: str,
                          object_id: str, sha256: str, actor: str, copy_id: str | None = None) -> dict[str, Any]:
        """The next number of the agency's copy register for a copy (``05/SY-UBND``), in one transaction with
        its row and event, so a failed numbering takes no number."""
        if form not in COPY_FORMS:
            raise InvalidArgument("form", f"phải là một trong {', '.join(COPY_FORMS)} (sao y, sao lục, trích sao).")
        async with self.sessions() as session, session.begin():
            register = await register_for(session, agency_code, register_id, Direction.COPY)
            if source_document_id:
                await self._load(session, agency_code, source_document_id, lock=False)
            now = self.clock()
            year = vietnam_time(now).year
            number = await next_number(session, register.id, year)
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
            check_not_frozen(Direction(row.direction), Revocation(row.revocation),
                             {"reject": "từ chối", "cancel": "hủy"}[action] + " văn bản")
            done, event_type = {"reject": ("rejected", ev.DocumentRejected),
                                "cancel": ("cancelled", ev.DocumentCancelled)}[action]
            changes = {"status": [row.status, status.value], "reason": [row.reason or None, reason]}
            row.status, row.reason = status.value, reason
            row.updated_at, row.version = self.clock(), row.version + 1
            await self._record(session, row, actor, done, changes)
            await self._event(session, row, event_type, actor, reason=reason)
            return document_view(row), previous

    # -- thu hồi, cập nhật (domain.revocation) --------------------------------------------------------------
    async def record_revocation(self, *, agency_code: str, document_id: str, state: str, reason: str, kind: str,
                                actor: str, update: dict[str, Any] | None = None,
                                update_sender: str = "") -> dict[str, Any]:
        """Interchange records a revocation on a document: an arrival's sender asked (requested), its own clerk asked
        the recipients (pending: frozen), or every recipient answered (settled). A requested update carries the
        update package's content (``update``: :func:`~vanthu_registry.domain.revocation.update_columns`, its files
        referred to by the caller; ``update_sender`` the package's sender, which must be the arrival's), kept until
        the clerk answers. The same request again changes nothing and publishes nothing; another request while one
        waits for the clerk (another kind, or an update with other content) is FailedPrecondition."""
        wanted_kind = kind_of(kind)
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            current = Revocation(row.revocation)
            check_update(Direction(row.direction), wanted_kind, state, update_sender, row.issuing_agency_code, update)
            after = record_revocation_state(Direction(row.direction), Status(row.status), current, state)
            if after is current:
                if current is Revocation.REQUESTED and (
                        row.revocation_kind != wanted_kind.value
                        or (update is not None and not same_update(row.pending_update, update))):
                    waiting = KIND_NAMES[kind_of(row.revocation_kind)]
                    raise FailedPrecondition(f"cơ quan gửi đã có yêu cầu {waiting} văn bản này đang chờ văn thư trả "
                                             f"lời; yêu cầu {KIND_NAMES[wanted_kind]} mới chưa được ghi nhận")
                return document_view(row)
            changes: dict[str, Any] = {"revocation": [current.value or None, after.value]}
            if after is not Revocation.SETTLED:
                changes["revocation_reason"] = [row.revocation_reason or None, reason]
                changes["revocation_kind"] = [row.revocation_kind or None, wanted_kind.value]
                row.revocation_reason, row.revocation_kind = reason, wanted_kind.value
            note = {Revocation.REQUESTED: f"Cơ quan gửi yêu cầu {KIND_NAMES[wanted_kind]}: {reason}",
                    Revocation.PENDING: f"Đã gửi yêu cầu thu hồi (trạng thái 13) đến các nơi nhận: {reason}",
                    Revocation.SETTLED: "Các nơi nhận đã trả lời yêu cầu thu hồi"}[after]
            if update is not None:
                proposed = apply_update(document_view(row), update)
                changes["update"] = [None, {k: after_value for k, (_, after_value) in proposed.items()}]
                row.pending_update = update
                note += ("; nội dung cập nhật chờ văn thư đồng ý: "
                         + (", ".join(UPDATE_NAMES[k] for k in proposed) or "không thay đổi gì so với văn bản đang có"))
            row.revocation = after.value
            row.updated_at, row.version = self.clock(), row.version + 1
            await self._record(session, row, actor, f"revocation_{after.value}", changes, note=note)
            await self._event(session, row, ev.DocumentRevocationRecorded, actor, state=after.value,
                              reason=row.revocation_reason, kind=row.revocation_kind)
            return document_view(row)

    async def accept_revocation(self, *, agency_code: str, document_id: str,
                                actor: str) -> tuple[dict[str, Any], list[str]]:
        """The clerk accepts the sender's request on an arrival: (the view, the files to release). A revocation
        removes the content (abstract, files, and both in the history lines) and keeps the trail; an update replaces
        the arrival's metadata and files by the update's, the previous values kept in the history line (new files
        are verified again: ``signature_check`` pending and a ``DocumentArrived`` event with them)."""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            check_answer(Direction(row.direction), Revocation(row.revocation))
            kind = kind_of(row.revocation_kind)
            now = self.clock()
            released: list[str] = []
            changes: dict[str, Any] = {"revocation": [row.revocation, Revocation.ACCEPTED.value]}
            applied: dict[str, Any] = {}
            if kind is Kind.REVOKE:
                released = [f.object_id for f in files_of(row)]
                changes.update({"status": [row.status, Status.REVOKED.value], "abstract": [SCRUBBED, REVOKED_NOTE],
                                "files": [f"{len(released)} tệp {SCRUBBED}", []]})
                row.status, row.abstract, row.files = Status.REVOKED.value, REVOKED_NOTE, []
                row.search_key = fold(REVOKED_NOTE)[:600]
                for line in (await session.execute(select(HistoryRow).where(
                        HistoryRow.document_id == row.id))).scalars():
                    if any(k in (line.changes or {}) for k in SCRUBBED_KEYS):
                        line.changes = {k: ([SCRUBBED, SCRUBBED] if k in SCRUBBED_KEYS else v)
                                        for k, v in line.changes.items()}
                if row.pending_update is not None:  # cannot be: one request waits at a time; released if it were
                    released += [f["object_id"] for f in row.pending_update["files"]]
                    row.pending_update = None
            elif row.pending_update is not None:
                applied = apply_update(document_view(row), row.pending_update)
                kept = {f["object_id"] for f in row.pending_update["files"]}
                released = [f.object_id for f in files_of(row) if f.object_id not in kept] if "files" in applied else [
                    f["object_id"] for f in row.pending_update["files"] if f["object_id"] not in current_ids(row)]
                for column, (_, value) in applied.items():
                    setattr(row, column, date.fromisoformat(value) if column in DATE_COLUMNS and value else value)
                row.search_key = fold(row.abstract)[:600]
                if "files" in applied:
                    row.signature_check, row.signature_note, row.signature_signers = "pending", "", []
                row.pending_update = None
                changes.update(applied)
            row.revocation = Revocation.ACCEPTED.value
            row.updated_at, row.version = now, row.version + 1
            note = (f"Văn thư đồng ý {KIND_NAMES[kind]} theo yêu cầu của cơ quan gửi "
                    f"({row.issuing_agency_name or row.issuing_agency_code}): {row.revocation_reason}")
            if kind is Kind.UPDATE:
                note += ("; đã cập nhật " + ", ".join(UPDATE_NAMES[k] for k in applied) + " (giá trị trước được giữ "
                         "trong lịch sử)" if applied else "; nội dung không thay đổi")
            await self._record(session, row, actor, "revocation_accepted", changes, note=note)
            await self._event(session, row, ev.DocumentRevocationAccepted, actor, kind=kind.value)
            if "files" in applied:  # the new files are verified as an arrival's are (vanthu_signing.arrivals)
                await self._event(session, row, ev.DocumentArrived, actor, duplicate_of=row.duplicate_of or "",
                                  files=file_messages(row.files), **_sender_fields(row))
            return document_view(row), released

    async def refuse_revocation(self, *, agency_code: str, document_id: str, reason: str,
                                actor: str) -> tuple[dict[str, Any], list[str]]:
        """The clerk refuses the sender's request on an arrival, with a reason; the arrival stays as it was. (The
        view, the files of a refused update to release.)"""
        async with self.sessions() as session, session.begin():
            row = await self._load(session, agency_code, document_id, lock=True)
            check_answer(Direction(row.direction), Revocation(row.revocation))
            kind = kind_of(row.revocation_kind)
            changes: dict[str, Any] = {"revocation": [row.revocation, Revocation.REFUSED.value],
                                       "revocation_reason": [row.revocation_reason or None, reason]}
            released: list[str] = []
            if row.pending_update is not None:
                current = {f.object_id for f in files_of(row)}
                released = [f["object_id"] for f in row.pending_update["files"] if f["object_id"] not in current]
                changes["update"] = [SCRUBBED_UPDATE, None]
                row.pending_update = None
            row.revocation, row.revocation_reason = Revocation.REFUSED.value, reason
            row.updated_at, row.version = self.clock(), row.version + 1
            await self._record(session, row, actor, "revocation_refused", changes,
                               note=f"Văn thư từ chối yêu cầu {KIND_NAMES[kind]}: {reason}")
            await self._event(session, row, ev.DocumentRevocationRefused, actor, kind=kind.value, reason=reason)
            return document_view(row), released

    async def history(self, agency_code: str, document_id: str,
                      principal: Principal | None = None) -> list[HistoryEntry]:
        """The document's history, oldest first; for a person only a document they see (NotFound otherwise)."""
        async with self.sessions() as session:
            await self._load_seen(session, agency_code, document_id, principal)
            rows = (await session.execute(select(HistoryRow).where(HistoryRow.document_id == document_id)
                                          .order_by(HistoryRow.id))).scalars()
            return [HistoryEntry(r.at, r.actor, r.action, r.changes, r.note) for r in rows]

    async def find(self, agency_code: str, filters: DocumentFilter, size: int = 0, token: str = "",
                   principal: Principal | None = None) -> tuple[list[dict[str, Any]], str]:
        """Newest first (ids are UUIDv7, ordered by creation time); cursor pagination. With a person's
        ``principal``, only the documents they see."""
        limit = page_size(size)
        query = select(DocumentRow).where(DocumentRow.agency_code == agency_code).order_by(DocumentRow.id.desc())
        if token:
            key = decode_cursor("document", token)
            if len(key) != 1 or not isinstance(key[0], str):
                raise InvalidArgument("page.page_token", "không do hệ thống cấp: hãy tải lại danh sách từ trang đầu.")
            query = query.where(DocumentRow.id < key[0])
        f = filters
        for column, value in ((DocumentRow.direction, f.direction), (DocumentRow.type_code, f.type_code),
                              (DocumentRow.register_id, f.register_id), (DocumentRow.status, f.status),
                              (DocumentRow.issuing_agency_code, f.issuing_agency_code),
                              (DocumentRow.revocation, f.revocation),
                              (DocumentRow.answers_document_id, f.answers_document_id),
                              (DocumentRow.drafter_subject, f.drafter_subject)):
            if value:
                query = query.where(column == value)
        if f.date_field == "arrival":
            if f.date_from or f.date_to:
                query = query.where(DocumentRow.arrived_at.is_not(None))
            if f.date_from:
                query = query.where(DocumentRow.arrived_at >= day_start(f.date_from))
            if f.date_to:
                query = query.where(DocumentRow.arrived_at < day_start(f.date_to + timedelta(days=1)))
        else:
            if f.date_from:
                query = query.where(DocumentRow.document_date >= f.date_from)
            if f.date_to:
                query = query.where(DocumentRow.document_date <= f.date_to)
        if f.text:
            for word in fold(f.text).split():
                query = query.where(DocumentRow.search_key.contains(word, autoescape=True))
        if f.ids:
            query = query.where(DocumentRow.id.in_(f.ids))
        if f.issuer_text:
            for word in fold(f.issuer_text).split():
                query = query.where(DocumentRow.sender_key.contains(word, autoescape=True))
        async with self.sessions() as session:
            if principal is not None and not principal.is_service:
                query = query.where(visible(await viewer_of(session, principal, agency_code)))
            rows = list((await session.execute(query.limit(limit + 1))).scalars())
        items = [document_view(r) for r in rows[:limit]]
        return items, encode_cursor("document", [rows[limit - 1].id]) if len(rows) > limit else ""

    async def register_entries(self, agency_code: str, register_id: str, date_from: date,
                               date_to: date) -> tuple[Register, list[dict[str, Any]]]:
        """The documents numbered in a register between two dates (Vietnam time, inclusive), in number order: an
        incoming book's by the day they arrived (its "Ngày đến" column, as the register screen lists them: a document
        that arrived late on the 31st and was registered on the 1st is in the 31st's book), an outgoing book's by the
        day they were numbered. FailedPrecondition for a copy register (Appendix IV has no template for it)."""
        register = await self.register(agency_code, register_id)
        if register.direction is Direction.COPY:
            raise FailedPrecondition("Chưa xuất được sổ bản sao (Phụ lục IV không có mẫu sổ bản sao): hãy xuất sổ "
                                     "văn bản đi hoặc sổ văn bản đến.")
        query = select(DocumentRow).where(DocumentRow.register_id == register_id, DocumentRow.number.is_not(None))
        if register.direction is Direction.INCOMING:
            query = query.where(DocumentRow.arrived_at >= day_start(date_from),
                                DocumentRow.arrived_at < day_start(date_to + timedelta(days=1)))
        else:
            query = query.where(and_(DocumentRow.register_year >= date_from.year,
                                     DocumentRow.register_year <= date_to.year))
        async with self.sessions() as session:
            rows = list((await session.execute(query.order_by(DocumentRow.register_year,
                                                              DocumentRow.number))).scalars())
            items = [document_view(r) for r in rows]
            if register.direction is Direction.INCOMING:
                for item, receivers in zip(items, await _receivers(session, agency_code, rows), strict=True):
                    item["receivers"] = receivers
        if register.direction is Direction.INCOMING:
            return register, items
        return register, [i for i in items if date_from <= vietnam_time(i["numbered_at"]).date() <= date_to]

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
