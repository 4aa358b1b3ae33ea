"""Persistence of records (SQLAlchemy 2, async): plans, files, their documents, the append-only history and access
log, and the outbox; one transaction per command.

Concurrency: a command names the ``version`` of the plan or file as the caller read it; the row is read ``FOR
UPDATE`` (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers) and a stale version is refused with
:class:`~vanthu_core.errors.Aborted`, so of two people acting on the same file at once exactly one wins.

Tenancy: every read and write names the agency; another agency's plan or file is not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu.records.v1 import events_pb2 as ev
from vanthu_core.db import UtcDateTime
from vanthu_core.errors import Aborted, Conflict, FailedPrecondition, InvalidArgument, NotFound
from vanthu_core.events import new_meta
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, outbox_table
from vanthu_core.timeutil import Clock, utc_now, vietnam_time
from vanthu_records.domain import plan as plans
from vanthu_records.domain.files import (
    FileAction,
    FileState,
    deposit_deadline,
    document_code,
    file_code,
    next_state,
)

metadata = MetaData()
outbox = outbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class PlanRow(Base):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("agency_code", "year", "plan_version", name="uq_plans_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    year: Mapped[int] = mapped_column(Integer)
    plan_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    numbering: Mapped[str] = mapped_column(String(20))
    #: The outline as JSON: [{title, abbreviation, entries: [...], subheadings: [{title, entries}]}].
    outline: Mapped[str] = mapped_column(Text, default="[]")
    revises_plan_id: Mapped[str] = mapped_column(String(36), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: The issuing decision's number and notation and date (quyết định ban hành; migration 0003).
    decision_number: Mapped[str] = mapped_column(String(50), default="")
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Trình duyệt: who submitted it last (subject, username) and when; a leader's reason when returned (migration
    #: 0005).
    submitted_by_subject: Mapped[str] = mapped_column(String(100), default="")
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlanEntryRow(Base):
    """Where each entry of a plan is (for opening a file from it): a projection of the plan's outline."""

    __tablename__ = "plan_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(36), index=True)
    agency_code: Mapped[str] = mapped_column(String(35))


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_agency", "agency_code", "year", "state"),
                      UniqueConstraint("agency_code", "year", "notation", name="uq_files_code"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    year: Mapped[int] = mapped_column(Integer)
    notation: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    retention_years: Mapped[int] = mapped_column(Integer)
    rights: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(50))
    creator_subject: Mapped[str] = mapped_column(String(100))
    creator_username: Mapped[str] = mapped_column(String(100))
    creator_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    page_total: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    plan_id: Mapped[str] = mapped_column(String(36), default="")
    plan_entry_id: Mapped[str] = mapped_column(String(36), default="")
    state: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deposit_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    retained_years: Mapped[int] = mapped_column(Integer, default=0)
    retain_approval: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deposited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deposited_by: Mapped[str] = mapped_column(String(100), default="")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    #: The deadline the last "due" / "overdue" reminder was sent for (each is sent once per deadline).
    due_notified: Mapped[date | None] = mapped_column(Date, nullable=True)
    overdue_notified: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FileDocumentRow(Base):
    __tablename__ = "file_documents"
    __table_args__ = (UniqueConstraint("file_id", "document_id", name="uq_file_documents"),
                      Index("ix_file_documents_file", "file_id", "ordinal"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(36))
    agency_code: Mapped[str] = mapped_column(String(35))
    document_id: Mapped[str] = mapped_column(String(36))
    ordinal: Mapped[int] = mapped_column(Integer)
    #: The document's metadata (:class:`DocumentMeta` without files) as JSON.
    meta: Mapped[str] = mapped_column(Text)
    #: Its files and their version chains (:class:`RecordedFile` list) as JSON.
    files: Mapped[str] = mapped_column(Text, default="[]")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryRow(Base):
    """Append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "file_history"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                     autoincrement=True)
    file_id: Mapped[str] = mapped_column(String(36), index=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")


class AccessRow(Base):
    """Every access to an archived file (append-only)."""

    __tablename__ = "archive_access"
    #: A logged download is logged once (migration 0002; NULL event ids, the other actions, never collide).
    __table_args__ = (Index("uq_archive_access_event", "event_id", "file_id", "document_id", unique=True),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                     autoincrement=True)
    file_id: Mapped[str] = mapped_column(String(36), index=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    document_id: Mapped[str] = mapped_column(String(36), default="")
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The storage event a logged download came from (unique with the file and document: logged once).
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class ChainObjectRow(Base):
    """Which file document's version chains hold an object (storage object id → file and document): the index a
    read of an archived object is looked up by (issue 16 item 3), kept with the chains' JSON in the same
    transaction. Written when a file's chains are written (deposit, re-timestamping), so it holds the objects of
    deposited files; whether the file is deposited *now* is read from the file."""

    __tablename__ = "chain_objects"

    object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))


# -- values ------------------------------------------------------------------------------------------------------

@dataclass
class Actor:
    subject: str
    username: str
    name: str = ""


@dataclass
class ObjectVersion:
    object_id: str
    sha256: str
    size: int
    kind: str  # original | deposited | augmented
    created_at: str
    retain_until: str = ""
    legal_hold: bool = False
    timestamp_expires_at: str = ""


@dataclass
class RecordedFile:
    role: str
    file_name: str
    content_type: str
    versions: list[ObjectVersion] = field(default_factory=list)

    @property
    def newest(self) -> ObjectVersion:
        return self.versions[-1]

    @staticmethod
    def of(raw: dict[str, Any]) -> RecordedFile:
        return RecordedFile(role=raw["role"], file_name=raw["file_name"], content_type=raw["content_type"],
                            versions=[ObjectVersion(**v) for v in raw["versions"]])


@dataclass
class DocumentMeta:
    """A document's metadata in a file (Circular 02/2019; Decree 30 Appendix VI II.I–II), read from the registry."""

    document_id: str
    direction: str
    type_name: str = ""
    code_number: str = ""
    code_notation: str = ""
    issued_date: str = ""
    organ_name: str = ""
    subject: str = ""
    language: str = "Tiếng Việt"
    page_amount: int = 0
    description: str = ""
    signer: str = ""
    keywords: str = ""
    mode: str = "Công khai"
    confidence_level: str = "goc_dien_tu"
    #: SignerInfo: Position (chức vụ) beside the name (``signer``).
    signer_position: str = ""
    #: The stored PDF carries a digital signature (archived unchanged, augmented to B-LTA on deposit).
    signed: bool = False


@dataclass
class FileDocumentView:
    meta: DocumentMeta
    ordinal: int
    document_code: str
    files: list[RecordedFile]
    added_by: str
    added_at: datetime


@dataclass
class FileView:
    row: FileRow
    documents: list[FileDocumentView] = field(default_factory=list)

    @property
    def code(self) -> str:
        return file_code(self.row.agency_code, self.row.year, self.row.notation)


@dataclass
class PlanView:
    row: PlanRow
    headings: list[plans.Heading]


def _outline_json(headings: list[plans.Heading]) -> str:
    return json.dumps([asdict(h) for h in headings], ensure_ascii=False)


def _outline(text: str) -> list[plans.Heading]:
    out = []
    for h in json.loads(text):
        out.append(plans.Heading(
            title=h["title"], abbreviation=h["abbreviation"], numeral=h.get("numeral", ""),
            entries=[plans.Entry(**e) for e in h["entries"]],
            subheadings=[plans.Subheading(title=s["title"], number=s.get("number", 0),
                                          entries=[plans.Entry(**e) for e in s["entries"]])
                         for s in h["subheadings"]]))
    return out


def _check_version(row: PlanRow | FileRow, version: int, what: str) -> None:
    if row.version != version:
        raise Aborted(f"{what} đã được người khác thay đổi (đồng chí mở phiên bản {version}, nay là {row.version}): "
                      "hãy tải lại rồi làm lại.")


class RecordsStore:
    """Commands and queries of records; ``clock`` gives the time of every change."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now) -> None:
        self.sessions = sessions
        self.clock = clock

    # -- plans ---------------------------------------------------------------------------------------------------
    async def create_plan(self, agency: str, year: int, title: str, actor: Actor, revise_plan_id: str = "",
                          ) -> PlanView:
        now = self.clock()
        async with self.sessions.begin() as session:
            outline: list[plans.Heading] = []
            numbering = plans.Numbering.CONTINUOUS.value
            if revise_plan_id:
                base = await self._plan(session, agency, revise_plan_id)
                if base.state != plans.PlanState.APPROVED:
                    raise FailedPrecondition("Danh mục được sửa phải là danh mục đã duyệt; danh mục này đang ở trạng "
                                             f"thái {plans.state_name(base.state)}.")
                if base.year != year:
                    raise FailedPrecondition(f"Danh mục được sửa là của năm {base.year}, không phải năm {year}.")
                outline, numbering = _outline(base.outline), base.numbering
                title = title or base.title
            drafts = (await session.execute(select(PlanRow.id).where(
                PlanRow.agency_code == agency, PlanRow.year == year,
                PlanRow.state.in_(plans.PENDING)))).first()
            if drafts is not None:
                raise Conflict(f"Đã có dự thảo danh mục hồ sơ năm {year} ({drafts[0]}): hãy sửa dự thảo đó.")
            latest = (await session.execute(select(func.max(PlanRow.plan_version)).where(
                PlanRow.agency_code == agency, PlanRow.year == year))).scalar() or 0
            if latest and not revise_plan_id:
                raise Conflict(f"Đã có danh mục hồ sơ năm {year}: hãy tạo phiên bản sửa đổi của danh mục đã duyệt.")
            row = PlanRow(id=new_id(), agency_code=agency, year=year, plan_version=latest + 1,
                          state=plans.PlanState.DRAFT.value, title=title, numbering=numbering,
                          outline=_outline_json(outline), revises_plan_id=revise_plan_id, created_by=actor.username,
                          version=1, created_at=now, updated_at=now)
            session.add(row)
            await self._project_entries(session, row, outline)
        return PlanView(row, outline)

    async def update_plan(self, agency: str, plan_id: str, version: int, title: str, numbering: str,
                          headings: list[plans.Heading]) -> PlanView:
        async with self.sessions.begin() as session:
            row = await self._plan(session, agency, plan_id, lock=True)
            _check_version(row, version, "Danh mục hồ sơ")
            plans.check_editable(row.state)
            taken = {e.id for h in _outline(row.outline) for e in h.all_entries()}
            for heading in headings:
                for entry in heading.all_entries():
                    if entry.id and entry.id not in taken:
                        raise NotFound(f"Mục {entry.id} không thuộc danh mục này.")
                    entry.id = entry.id or new_id()
            plans.number_outline(headings, plans.Numbering(numbering))
            row.title, row.numbering, row.outline = title, numbering, _outline_json(headings)
            row.version += 1
            row.updated_at = self.clock()
            await self._project_entries(session, row, headings)
        return PlanView(row, headings)

    async def submit_plan(self, agency: str, plan_id: str, version: int, actor: Actor) -> PlanView:
        """Trình duyệt: a draft with entries waits for the leaders, who are told (``PlanSubmitted``)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._plan(session, agency, plan_id, lock=True)
            _check_version(row, version, "Danh mục hồ sơ")
            outline = _outline(row.outline)
            plans.check_submittable(row.state, outline)
            row.state = plans.PlanState.SUBMITTED.value
            row.submitted_by_subject, row.submitted_by, row.submitted_at = actor.subject, actor.username, now
            row.return_reason = ""
            row.version += 1
            row.updated_at = now
            await add_event(session, outbox, ev.PlanSubmitted(
                meta=new_meta(actor=actor.username, agency=agency, occurred_at=now), plan_id=row.id, year=row.year,
                title=row.title, plan_version=row.plan_version, submitter_subject=actor.subject,
                submitter_name=actor.name or actor.username))
        return PlanView(row, outline)

    async def return_plan(self, agency: str, plan_id: str, version: int, actor: Actor, reason: str) -> PlanView:
        """Trả lại: a submitted plan is a draft again, with the leader's reason; its submitter is told."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._plan(session, agency, plan_id, lock=True)
            _check_version(row, version, "Danh mục hồ sơ")
            plans.check_returnable(row.state)
            row.state = plans.PlanState.DRAFT.value
            row.return_reason = reason
            row.version += 1
            row.updated_at = now
            await add_event(session, outbox, ev.PlanReturned(
                meta=new_meta(actor=actor.username, agency=agency, occurred_at=now), plan_id=row.id, year=row.year,
                title=row.title, plan_version=row.plan_version, submitter_subject=row.submitted_by_subject,
                returner_name=actor.name or actor.username, reason=reason))
        return PlanView(row, _outline(row.outline))

    async def approve_plan(self, agency: str, plan_id: str, version: int, actor: Actor,
                           decision: tuple[str, date] | None = None) -> PlanView:
        """Approve a draft plan (the approved one of its year superseded); ``decision``: the issuing decision's
        number and date, checked against the plan's year (:func:`plans.check_decision`)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._plan(session, agency, plan_id, lock=True)
            _check_version(row, version, "Danh mục hồ sơ")
            outline = _outline(row.outline)
            plans.check_approvable(row.state, outline)
            if decision is not None:
                plans.check_decision(decision[1], row.year, vietnam_time(now).date())
                row.decision_number, row.decision_date = decision
            for older in (await session.execute(select(PlanRow).where(
                    PlanRow.agency_code == agency, PlanRow.year == row.year,
                    PlanRow.state == plans.PlanState.APPROVED))).scalars():
                older.state = plans.PlanState.SUPERSEDED.value
                older.version += 1
                older.updated_at = now
            row.state = plans.PlanState.APPROVED.value
            row.approved_by, row.approved_at = actor.username, now
            row.return_reason = ""
            row.version += 1
            row.updated_at = now
            await add_event(session, outbox, ev.PlanApproved(
                meta=new_meta(actor=actor.username, agency=agency, occurred_at=now), plan_id=row.id, year=row.year,
                title=row.title, plan_version=row.plan_version, submitter_subject=row.submitted_by_subject,
                approver_name=actor.name or actor.username))
        return PlanView(row, outline)

    async def get_plan(self, agency: str, plan_id: str) -> PlanView:
        async with self.sessions() as session:
            row = await self._plan(session, agency, plan_id)
        return PlanView(row, _outline(row.outline))

    async def list_plans(self, agency: str, year: int = 0) -> list[PlanRow]:
        query = select(PlanRow).where(PlanRow.agency_code == agency)
        if year:
            query = query.where(PlanRow.year == year)
        async with self.sessions() as session:
            return list((await session.execute(
                query.order_by(PlanRow.year.desc(), PlanRow.plan_version.desc()))).scalars())

    async def plan_entry(self, agency: str, entry_id: str) -> tuple[PlanRow, plans.Entry]:
        """The entry of an approved plan of ``agency``; NotFound or FailedPrecondition otherwise."""
        async with self.sessions() as session:
            where = await session.get(PlanEntryRow, entry_id)
            if where is None or where.agency_code != agency:
                raise NotFound(f"Không tìm thấy mục {entry_id} trong danh mục hồ sơ.")
            row = await self._plan(session, agency, where.plan_id)
        if row.state != plans.PlanState.APPROVED:
            raise FailedPrecondition(f"Danh mục chứa mục {entry_id} đang ở trạng thái {plans.state_name(row.state)}: "
                                     "chỉ mở được hồ sơ từ danh mục đã duyệt.")
        entry = next(e for h in _outline(row.outline) for e in h.all_entries() if e.id == entry_id)
        return row, entry

    async def _project_entries(self, session: AsyncSession, row: PlanRow, outline: list[plans.Heading]) -> None:
        for old in (await session.execute(select(PlanEntryRow).where(PlanEntryRow.plan_id == row.id))).scalars():
            await session.delete(old)
        await session.flush()
        ids: set[str] = set()
        for heading in outline:
            for entry in heading.all_entries():
                if not entry.id or entry.id in ids or await session.get(PlanEntryRow, entry.id) is not None:
                    entry.id = new_id()  # a revision copies the outline: its entries are its own
                ids.add(entry.id)
                session.add(PlanEntryRow(id=entry.id, plan_id=row.id, agency_code=row.agency_code))
        row.outline = _outline_json(outline)

    @staticmethod
    async def _plan(session: AsyncSession, agency: str, plan_id: str, *, lock: bool = False) -> PlanRow:
        query = select(PlanRow).where(PlanRow.id == plan_id, PlanRow.agency_code == agency)
        row = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"Không tìm thấy danh mục hồ sơ {plan_id}.")
        return row

    # -- files ---------------------------------------------------------------------------------------------------
    async def check_notation_free(self, agency: str, year: int, notation: str) -> None:
        """Raise Conflict when ``agency`` already has a file numbered ``notation`` in ``year`` (one số và ký hiệu
        hồ sơ per agency and year: Decree 30/2020 App. V). :meth:`open_file` checks it again inside its write."""
        async with self.sessions() as session:
            await self._refuse_taken(session, agency, year, notation)

    @staticmethod
    async def _refuse_taken(session: Any, agency: str, year: int, notation: str) -> None:
        taken = (await session.execute(select(FileRow.id).where(
            FileRow.agency_code == agency, FileRow.year == year, FileRow.notation == notation))).first()
        if taken is not None:
            raise Conflict(f"Số và ký hiệu hồ sơ {notation} năm {year} đã có ({taken[0]}): hãy chọn số khác.")

    async def open_file(self, values: dict[str, Any], actor: Actor, *, state: FileState = FileState.OPEN,
                        action: FileAction = FileAction.OPEN, comment: str = "") -> FileView:
        now = self.clock()
        row = FileRow(id=new_id(), state=state.value, version=1, created_at=now, updated_at=now,
                      creator_subject=actor.subject, creator_username=actor.username, creator_name=actor.name,
                      **values)
        async with self.sessions.begin() as session:
            await self._refuse_taken(session, row.agency_code, row.year, row.notation)
            session.add(row)
            self._history(session, row, action, "", row.state, actor, comment)
        return FileView(row)

    async def get_file(self, agency: str, file_id: str) -> FileView:
        async with self.sessions() as session:
            row = await self._file(session, agency, file_id)
            return FileView(row, await self._documents(session, row))

    async def list_files(self, agency: str, *, year: int = 0, state: str = "", creator: str = "",
                         limit: int = 50, after: str = "") -> list[FileRow]:
        query = select(FileRow).where(FileRow.agency_code == agency)
        if year:
            query = query.where(FileRow.year == year)
        if state:
            query = query.where(FileRow.state == state)
        if creator:
            query = query.where(FileRow.creator_subject == creator)
        if after:
            query = query.where(FileRow.id < after)
        async with self.sessions() as session:
            return list((await session.execute(query.order_by(FileRow.id.desc()).limit(limit))).scalars())

    async def document_counts(self, file_ids: list[str]) -> dict[str, int]:
        """How many documents each of ``file_ids`` holds (one query; a file without documents is absent)."""
        if not file_ids:
            return {}
        query = (select(FileDocumentRow.file_id, func.count()).where(FileDocumentRow.file_id.in_(file_ids))
                 .group_by(FileDocumentRow.file_id))
        async with self.sessions() as session:
            return {file_id: count for file_id, count in (await session.execute(query)).all()}

    async def add_documents(self, agency: str, file_id: str, version: int, documents: list[tuple[DocumentMeta,
                            list[RecordedFile]]], actor: Actor) -> tuple[FileView, list[str]]:
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._file(session, agency, file_id, lock=True)
            _check_version(row, version, "Hồ sơ")
            to = next_state(row.state, FileAction.ADD)
            present = set((await session.execute(select(FileDocumentRow.document_id).where(
                FileDocumentRow.file_id == file_id))).scalars())
            ordinal = (await session.execute(select(func.max(FileDocumentRow.ordinal)).where(
                FileDocumentRow.file_id == file_id))).scalar() or 0
            already, added = [], []
            for meta, files in documents:
                if meta.document_id in present:
                    already.append(meta.document_id)
                    continue
                ordinal += 1
                document_code(file_code(agency, row.year, row.notation), ordinal)  # checks the ordinal's range
                present.add(meta.document_id)
                added.append(meta.document_id)
                session.add(FileDocumentRow(
                    id=new_id(), file_id=file_id, agency_code=agency, document_id=meta.document_id, ordinal=ordinal,
                    meta=json.dumps(asdict(meta), ensure_ascii=False),
                    files=json.dumps([asdict(f) for f in files], ensure_ascii=False), added_by=actor.username,
                    added_at=now))
            if added:
                self._history(session, row, FileAction.ADD, row.state, to, actor, ", ".join(added))
                row.state = to.value
                self._touch(row)
            await session.flush()
            return FileView(row, await self._documents(session, row)), already

    async def remove_document(self, agency: str, file_id: str, version: int, document_id: str,
                              actor: Actor) -> FileView:
        async with self.sessions.begin() as session:
            row = await self._file(session, agency, file_id, lock=True)
            _check_version(row, version, "Hồ sơ")
            to = next_state(row.state, FileAction.REMOVE)
            docs = list((await session.execute(select(FileDocumentRow).where(
                FileDocumentRow.file_id == file_id).order_by(FileDocumentRow.ordinal))).scalars())
            gone = next((d for d in docs if d.document_id == document_id), None)
            if gone is None:
                raise NotFound(f"Văn bản {document_id} không có trong hồ sơ này.")
            await session.delete(gone)
            await session.flush()
            for d in docs:
                if d.ordinal > gone.ordinal:
                    d.ordinal -= 1
            self._history(session, row, FileAction.REMOVE, row.state, to, actor, document_id)
            row.state = to.value
            self._touch(row)
            await session.flush()
            return FileView(row, await self._documents(session, row))

    async def close_file(self, agency: str, file_id: str, version: int, changes: dict[str, Any],
                         page_amounts: dict[str, int], actor: Actor,
                         check: Callable[[FileView], None] = lambda _: None) -> FileView:
        """Close the file: page counts given, changes applied, dates spanning the documents, totals; ``check``
        judges the closed file and its documents (the archive lib's rules) before anything is committed."""
        now = self.clock()
        async with self.sessions.begin() as session:
            row = await self._file(session, agency, file_id, lock=True)
            _check_version(row, version, "Hồ sơ")
            to = next_state(row.state, FileAction.CLOSE)
            docs = list((await session.execute(select(FileDocumentRow).where(
                FileDocumentRow.file_id == file_id).order_by(FileDocumentRow.ordinal))).scalars())
            if not docs:
                raise FailedPrecondition("Hồ sơ chưa có văn bản nào: hãy thêm văn bản trước khi kết thúc hồ sơ.")
            unknown = set(page_amounts) - {d.document_id for d in docs}
            if unknown:
                raise NotFound(f"Số trang: văn bản {sorted(unknown)[0]} không có trong hồ sơ này.")
            missing, pages, dates = [], 0, []
            for d in docs:
                meta = json.loads(d.meta)
                if d.document_id in page_amounts:
                    meta["page_amount"] = page_amounts[d.document_id]
                    d.meta = json.dumps(meta, ensure_ascii=False)
                if meta["page_amount"] <= 0:
                    missing.append(d.document_id)
                pages += meta["page_amount"]
                if meta["issued_date"]:
                    dates.append(meta["issued_date"])
            if missing:
                raise InvalidArgument(f"page_amounts[{missing[0]}]", "phải nhập số trang của từng văn bản để kết "
                                                                     f"thúc hồ sơ; còn {len(missing)} văn bản chưa có "
                                                                     "số trang.")
            for name, value in changes.items():
                setattr(row, name, value)
            # Thời gian tài liệu: the file spans its documents' dates (Circular 02/2019 StartDate/EndDate), so an
            # earlier document moves the start back; the end defaults to the latest document's date.
            if dates:
                row.start_date = min(row.start_date, date.fromisoformat(min(dates)))
            if row.end_date is None:
                row.end_date = max(date.fromisoformat(max(dates)), row.start_date) if dates else \
                    max(vietnam_time(now).date(), row.start_date)
            if row.end_date < row.start_date or (dates and row.end_date < date.fromisoformat(max(dates))):
                raise InvalidArgument("end_date", f"trước ngày bắt đầu {row.start_date.isoformat()} hoặc ngày của văn "
                                                  "bản mới nhất; hồ sơ phải bao trùm các văn bản của nó.")
            row.page_total = pages
            row.closed_at = now
            row.deposit_deadline = deposit_deadline(vietnam_time(now).date())
            await session.flush()
            check(FileView(row, await self._documents(session, row)))
            self._history(session, row, FileAction.CLOSE, row.state, to, actor, "")
            row.state = to.value
            self._touch(row)
            await session.flush()
            return FileView(row, await self._documents(session, row))

    async def act(self, agency: str, file_id: str, version: int, action: FileAction, actor: Actor, *,
                  comment: str = "", check: Callable[[FileRow], None] = lambda _: None,
                  change: Callable[[FileRow], None] = lambda _: None,
                  files: dict[str, list[RecordedFile]] | None = None) -> FileView:
        """One step of the state machine on a file: the version checked, ``check`` (raises to refuse), the new
        state, ``change`` applied to the row, ``files`` (document id → new file chains) written, a history line."""
        async with self.sessions.begin() as session:
            row = await self._file(session, agency, file_id, lock=True)
            _check_version(row, version, "Hồ sơ")
            to = next_state(row.state, action)
            check(row)
            change(row)
            if files:
                for doc in (await session.execute(select(FileDocumentRow).where(
                        FileDocumentRow.file_id == file_id))).scalars():
                    if doc.document_id in files:
                        doc.files = json.dumps([asdict(f) for f in files[doc.document_id]], ensure_ascii=False)
                        await self._index_chains(session, doc, files[doc.document_id])
            self._history(session, row, action, row.state, to, actor, comment)
            row.state = to.value
            self._touch(row)
            await session.flush()
            return FileView(row, await self._documents(session, row))

    @staticmethod
    async def _index_chains(session: AsyncSession, doc: FileDocumentRow, files: list[RecordedFile]) -> None:
        """Index every object of ``doc``'s chains (:class:`ChainObjectRow`), those indexed already left as they are."""
        known = set((await session.execute(select(ChainObjectRow.object_id).where(
            ChainObjectRow.file_id == doc.file_id, ChainObjectRow.document_id == doc.document_id))).scalars())
        for object_id in sorted({v.object_id for f in files for v in f.versions} - known):
            session.add(ChainObjectRow(object_id=object_id, file_id=doc.file_id, document_id=doc.document_id,
                                       agency_code=doc.agency_code))

    async def history(self, agency: str, file_id: str) -> list[HistoryRow]:
        async with self.sessions() as session:
            await self._file(session, agency, file_id)
            return list((await session.execute(select(HistoryRow).where(
                HistoryRow.file_id == file_id).order_by(HistoryRow.seq))).scalars())

    async def log_access(self, agency: str, file_id: str, action: str, actor: Actor, document_id: str = "") -> None:
        async with self.sessions.begin() as session:
            session.add(AccessRow(file_id=file_id, agency_code=agency, document_id=document_id, action=action,
                                  actor=actor.username, at=self.clock()))

    async def log_object_read(self, agency: str, object_id: str, reader: str, at: datetime, event_id: str) -> int:
        """A read of ``object_id`` (storage's event ``event_id``) as a ``download`` line of each deposited file of
        ``agency`` whose documents' version chains hold the object; once per event (a redelivery adds nothing).
        How many lines it added."""
        async with self.sessions.begin() as session:
            rows = (await session.execute(select(ChainObjectRow.file_id, ChainObjectRow.document_id).join(
                FileRow, FileRow.id == ChainObjectRow.file_id).where(
                ChainObjectRow.object_id == object_id, ChainObjectRow.agency_code == agency,
                FileRow.agency_code == agency, FileRow.state == FileState.DEPOSITED))).all()
            if not rows:
                return 0
            seen = set((await session.execute(select(AccessRow.file_id, AccessRow.document_id).where(
                AccessRow.event_id == event_id))).all())
            added = 0
            for file_id, document_id in rows:
                if (file_id, document_id) not in seen:
                    session.add(AccessRow(file_id=file_id, agency_code=agency, document_id=document_id,
                                          action="download", actor=reader[:100], at=at, event_id=event_id))
                    added += 1
            return added

    async def access_log(self, agency: str, file_id: str) -> list[AccessRow]:
        async with self.sessions() as session:
            await self._file(session, agency, file_id)
            return list((await session.execute(select(AccessRow).where(
                AccessRow.file_id == file_id).order_by(AccessRow.seq))).scalars())

    async def deposited_files_of(self, agency: str, document_id: str) -> list[str]:
        """The file codes of ``agency``'s deposited files holding ``document_id`` (empty: none), in file order."""
        async with self.sessions() as session:
            rows = (await session.execute(select(FileRow).join(
                FileDocumentRow, FileDocumentRow.file_id == FileRow.id).where(
                FileDocumentRow.document_id == document_id, FileDocumentRow.agency_code == agency,
                FileRow.agency_code == agency, FileRow.state == FileState.DEPOSITED).order_by(FileRow.id))).scalars()
            return [FileView(r).code for r in rows]

    async def archived(self) -> list[FileView]:
        """Every deposited file of every agency, with its documents (the re-timestamp job)."""
        async with self.sessions() as session:
            rows = (await session.execute(select(FileRow).where(
                FileRow.state == FileState.DEPOSITED).order_by(FileRow.id))).scalars()
            return [FileView(r, await self._documents(session, r)) for r in rows]

    async def pending_deposit(self) -> list[FileRow]:
        """Files closed, returned or retained, with a deadline (the reminders' candidates)."""
        async with self.sessions() as session:
            return list((await session.execute(select(FileRow).where(
                FileRow.state.in_([FileState.CLOSED, FileState.RETURNED, FileState.RETAINED]),
                FileRow.deposit_deadline.is_not(None)))).scalars())

    async def remind(self, file_id: str, kind: str, deadline: date, event: Any) -> bool:
        """Record the ``kind`` reminder ("due" or "overdue") of the file for ``deadline`` with its event, once."""
        async with self.sessions.begin() as session:
            row = await session.get(FileRow, file_id, with_for_update=True)
            if row is None or row.deposit_deadline != deadline:
                return False
            column = "due_notified" if kind == "due" else "overdue_notified"
            if getattr(row, column) == deadline:
                return False
            setattr(row, column, deadline)
            await add_event(session, outbox, event)
            return True

    # -- helpers ------------------------------------------------------------------------------------------------
    def _touch(self, row: FileRow) -> None:
        row.version += 1
        row.updated_at = self.clock()

    def _history(self, session: AsyncSession, row: FileRow, action: FileAction, from_state: str, to_state: str,
                 actor: Actor, comment: str) -> None:
        session.add(HistoryRow(file_id=row.id, agency_code=row.agency_code, action=action.value,
                               from_state=from_state, to_state=str(to_state), actor=actor.username,
                               actor_name=actor.name, at=self.clock(), comment=comment))

    @staticmethod
    async def _file(session: AsyncSession, agency: str, file_id: str, *, lock: bool = False) -> FileRow:
        query = select(FileRow).where(FileRow.id == file_id, FileRow.agency_code == agency)
        row = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ {file_id}.")
        return row

    @staticmethod
    async def _documents(session: AsyncSession, row: FileRow) -> list[FileDocumentView]:
        code = file_code(row.agency_code, row.year, row.notation)
        docs = (await session.execute(select(FileDocumentRow).where(
            FileDocumentRow.file_id == row.id).order_by(FileDocumentRow.ordinal))).scalars()
        return [FileDocumentView(meta=DocumentMeta(**json.loads(d.meta)), ordinal=d.ordinal,
                                 document_code=document_code(code, d.ordinal),
                                 files=[RecordedFile.of(f) for f in json.loads(d.files)], added_by=d.added_by,
                                 added_at=d.added_at) for d in docs]
