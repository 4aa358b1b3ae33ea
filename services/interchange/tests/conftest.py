"""The receiving side of interchange under test: a real :class:`InterchangeStore` on a temporary SQLite database
migrated with the service's own Alembic migrations, and in-memory doubles of the registry and storage with the
methods of :class:`vanthu_interchange.peers.Registry` / :class:`~vanthu_interchange.peers.Storage`.

The ``harness`` fixture takes packages in (``take``) and reads back every effect the receiver can have: receipts,
arrivals, stored files, the outbox (decoded events), and the status packages it wrote (parsed back with
:func:`vanthu_edxml.read_status`). Tests assert effects, not calls.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from sqlalchemy import func, select

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound
from vanthu_core.events import decode
from vanthu_core.ids import new_id
from vanthu_edxml import (
    Attachment,
    Business,
    Code,
    DocumentPackage,
    DocumentType,
    Limits,
    Organization,
    OtherInfo,
    PromulgationInfo,
    SignerInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    read_status,
    write_document,
)
from vanthu_interchange.answers import Answers
from vanthu_interchange.peers import StoredFile
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.routing import Router
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import (
    DeliveryRow,
    DeliveryStatusRow,
    InterchangeStore,
    NewDelivery,
    PackageRow,
    ReceiptRow,
    outbox,
)

NOW = datetime(2031, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam; no test depends on the calendar
_HERE = Path(__file__).resolve()
#: The official SDK samples (``../shared`` next to the checkout), or None when this checkout has no ``../shared``.
SAMPLES: Path | None = next((p / "shared" / "fixtures" / "edxml-sdk-samples" for p in _HERE.parents
                             if (p / "shared" / "fixtures" / "edxml-sdk-samples").is_dir()), None)


#: A sender and a recipient of the packages the tests build (both served here by default).
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
PDF = b"%PDF-1.7\n%%EOF\n"


def document(**changes: Any) -> DocumentPackage:
    """A valid document package (business type 0) from :data:`SENDER` to :data:`RECIPIENT`; ``changes`` replace
    fields of it."""
    package = DocumentPackage(
        sender=Organization(SENDER, "Văn phòng Chính phủ"),
        recipients=(Organization(RECIPIENT, "Văn phòng Ủy ban nhân dân tỉnh Nghệ An"),),
        document_id=f"{SENDER},2031/06/14,123/VPCP-TTĐT", code=Code("123", "VPCP-TTĐT"),
        promulgation=PromulgationInfo("Hà Nội", date(2031, 6, 14)),
        document_type=DocumentType("1", "0", "Công văn"), subject="V/v triển khai đường truyền số liệu chuyên dùng",
        content="V/v triển khai đường truyền số liệu chuyên dùng",
        signer=SignerInfo("KT. BỘ TRƯỞNG, CHỦ NHIỆM", "Phó Chủ nhiệm", "Nguyễn Văn Đức"),
        other_info=OtherInfo(priority=1, promulgation_amount=1),
        trace=TraceHeaderList((TraceHeader(SENDER, datetime(2031, 6, 14, 9, 30)),),
                              Business(business_type=0, reason="Văn bản điện tử mới", paper=False)),
        attachments=(Attachment.from_bytes("cid:1", "123-VPCP-TTĐT.pdf", PDF, "application/pdf", "Văn bản chính"),))
    return package.replace(**changes)


def package_bytes(**changes: Any) -> bytes:
    return write_document(document(**changes))


class FakeRegistry:
    """The registry's methods interchange calls, in memory: arrivals once per ``arrival_key``."""

    def __init__(self) -> None:
        self.agencies: dict[str, registry_pb2.Agency] = {}
        self.arrivals: dict[str, documents_pb2.Document] = {}  # by arrival key
        self.inputs: dict[str, documents_pb2.DocumentInput] = {}  # by document id
        self.refuse_with: str = ""  # when set, record_arrival refuses (InvalidArgument)
        self.refuse_requests_with: str = ""  # when set, record_revocation refuses (FailedPrecondition)
        self.revocations: list[tuple[str, str, str, str, str]] = []  # (agency, document, state, reason, kind)
        self.updates: dict[str, documents_pb2.DocumentInput] = {}  # the content of a requested update, by document
        self.refuse_keys: set[str] = set()  # arrival keys record_arrivals refuses (InvalidArgument), alone
        self.batch_calls: list[int] = []  # the size of each record_arrivals call
        self.read_calls: list[int] = []  # the size of each issued_documents call

    async def issued_document(self, agency_code: str, document_id: str) -> documents_pb2.Document:
        raise NotImplementedError("the receiving side never reads an issued document")

    async def issued_documents(self, items: list[tuple[str, str]]) -> list[documents_pb2.Document | DomainError]:
        """GetDocuments: :meth:`issued_document` for each, its error kept per item; ``read_calls`` counts the
        calls."""
        self.read_calls.append(len(items))
        results: list[documents_pb2.Document | DomainError] = []
        for agency_code, document_id in items:
            try:
                results.append(await self.issued_document(agency_code, document_id))
            except DomainError as error:
                results.append(error)
        return results

    async def agency(self, code: str) -> registry_pb2.Agency | None:
        return self.agencies.get(code)

    async def record_arrival(self, agency_code: str, arrival_key: str,
                             document: documents_pb2.DocumentInput) -> documents_pb2.Document:
        if arrival_key in self.arrivals:
            return self.arrivals[arrival_key]
        if self.refuse_with:
            raise InvalidArgument("document", self.refuse_with)
        made = documents_pb2.Document(
            id=new_id(), agency_code=agency_code, direction=document.direction, status="arrived",
            abstract=document.abstract, urgency=document.urgency, type_name=document.type_name,
            signer=document.signer, files=document.files, due_date=document.due_date,
            issuing_agency_code=document.sender.agency_code, issuing_agency_name=document.sender.agency_name,
            number_symbol=document.sender.number_symbol, document_date=document.sender.document_date)
        self.arrivals[arrival_key] = made
        self.inputs[made.id] = document
        return made

    async def record_arrivals(self, arrivals: list[tuple[str, str, documents_pb2.DocumentInput]], *,
                              traces: list[dict[str, str]] | None = None) -> list[documents_pb2.Document | DomainError]:
        """RecordArrivals: :meth:`record_arrival` for each, its error kept per arrival; ``refuse_keys`` refuses the
        arrivals of those keys alone; ``calls`` counts the calls."""
        self.batch_calls.append(len(arrivals))
        results: list[documents_pb2.Document | DomainError] = []
        for agency_code, arrival_key, document in arrivals:
            try:
                if arrival_key in self.refuse_keys:
                    raise InvalidArgument("document.abstract", "không hợp lệ")
                results.append(await self.record_arrival(agency_code, arrival_key, document))
            except DomainError as error:
                results.append(error)
        return results

    async def record_revocation(self, agency_code: str, document_id: str, state: str, reason: str = "",
                                kind: str = "", *, update: documents_pb2.DocumentInput | None = None,
                                actor: str = "") -> documents_pb2.Document:
        if self.refuse_requests_with:
            raise FailedPrecondition(self.refuse_requests_with)
        self.revocations.append((agency_code, document_id, state, reason, kind))
        if update is not None:
            self.updates[document_id] = update
        return documents_pb2.Document(id=document_id, agency_code=agency_code, revocation=state,
                                      revocation_reason=reason, revocation_kind=kind)


class FakeStorage:
    """Storage's methods, in memory: one object per agency and content (storage dedupes)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[str, str, bytes]] = {}  # object id -> (agency, file name, bytes)
        self.copies: list[tuple[str, str, str]] = []  # (source agency, agency, sha256) of each copy made
        self.copy_calls: list[int] = []  # the size of each copy_many call
        self.refuse_copies: set[str] = set()  # digests whose copies storage refuses (InvalidArgument), alone
        self.read_calls: list[int] = []  # the size of each read_many call

    async def read(self, agency_code: str, object_id: str) -> bytes:
        if object_id not in self.objects or self.objects[object_id][0] != agency_code:
            raise NotFound("Kho lưu tệp: Không tìm thấy tệp.")
        return self.objects[object_id][2]

    async def read_many(self, items: list[tuple[str, str]]) -> list[bytes | DomainError]:
        """ReadObjects: :meth:`read` for each, its error kept per item; ``read_calls`` counts the calls."""
        self.read_calls.append(len(items))
        results: list[bytes | DomainError] = []
        for agency_code, object_id in items:
            try:
                results.append(await self.read(agency_code, object_id))
            except DomainError as error:
                results.append(error)
        return results

    @staticmethod
    def kept_name(file_name: str) -> str:
        """The name as storage keeps it: without bidirectional controls (storage's ``check_file_name`` drops
        them)."""
        return "".join(c for c in file_name if c not in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066"
                       "\u2067\u2068\u2069")

    async def store(self, agency_code: str, file_name: str, content: bytes, content_type: str = "") -> StoredFile:
        file_name = self.kept_name(file_name)
        sha = hashlib.sha256(content).hexdigest()
        object_id = f"{agency_code}:{sha}"
        self.objects.setdefault(object_id, (agency_code, file_name, content))
        return StoredFile(object_id, sha, content_type or "application/octet-stream", file_name)

    async def copy(self, source_agency: str, sha256: str, agency_code: str, file_name: str) -> StoredFile | None:
        """CopyObject: the recipient's copy of the source agency's object with that digest; None when it has none."""
        if sha256 in self.refuse_copies:
            raise InvalidArgument("file_name", "storage refuses this copy")
        source = self.objects.get(f"{source_agency}:{sha256}")
        if source is None:
            return None
        self.copies.append((source_agency, agency_code, sha256))
        file_name = self.kept_name(file_name)
        object_id = f"{agency_code}:{sha256}"
        self.objects.setdefault(object_id, (agency_code, file_name, source[2]))
        return StoredFile(object_id, sha256, "application/pdf", file_name)


    async def copy_many(self, items: list[tuple[str, str, str, str]], *,
                        traces: list[dict[str, str]] | None = None) -> list[StoredFile | DomainError | None]:
        """CopyObjects: :meth:`copy` for each, its refusal kept per item; ``copy_calls`` counts the calls."""
        self.copy_calls.append(len(items))
        results: list[StoredFile | DomainError | None] = []
        for item in items:
            try:
                results.append(await self.copy(*item))
            except DomainError as error:
                results.append(error)
        return results


@dataclass
class Answer:
    """A status package the receiver wrote: its delivery and the package parsed back."""

    delivery: DeliveryRow
    package: StatusPackage


@dataclass
class Harness:
    store: InterchangeStore
    registry: FakeRegistry
    storage: FakeStorage
    receiver: Receiver
    served: tuple[str, ...]
    commits: list[int] = field(default_factory=list)

    async def put(self, body: bytes, *, sender_code: str = "", edxml_document_id: str = "",
                  package_id: str | None = None) -> str:
        """Keep ``body`` as a package received from outside (the axis, a peer); its id."""
        package_id = package_id or new_id()
        await self.store.store_received(package_id=package_id, kind="edoc", sender_code=sender_code,
                                        edxml_document_id=edxml_document_id, body=body,
                                        sha256=hashlib.sha256(body).hexdigest())
        return package_id

    async def take(self, body: bytes, recipient_code: str, *, sender_code: str = "", edxml_document_id: str = "",
                   transport_id: str | None = None) -> ReceiptRow:
        package_id = await self.put(body, sender_code=sender_code, edxml_document_id=edxml_document_id)
        return await self.receiver.take_in(transport_id or package_id, package_id, recipient_code)

    async def seed_delivery(self, *, sender_code: str, recipient_code: str, edxml_document_id: str,
                            document_id: str = "") -> DeliveryRow:
        """The sender-side ``edoc`` delivery a status package answers (as :class:`Sender` writes it)."""
        document_id = document_id or new_id()
        rows = await self.store.add_package(
            package_id=new_id(), kind="edoc", sender_code=sender_code, edxml_document_id=edxml_document_id,
            body=b"<edXML/>", sha256="0" * 64, document_id=document_id,
            deliveries=[NewDelivery(f"edoc/{document_id}/{recipient_code}", recipient_code, "", "local", "sent")],
            events=lambda rows: [])
        return rows[0]

    async def returned_with_no_effect(self, receipt: ReceiptRow, *fragments: str) -> StatusPackage:
        """Assert ``receipt`` was returned with a reason containing ``fragments`` and nothing else happened: no
        arrival, no stored file, one 02 (its Description the reason), one ``returned`` event; the 02."""
        assert receipt.outcome == "returned", (receipt.outcome, receipt.reason)
        for fragment in fragments:
            assert fragment in receipt.reason, receipt.reason
        assert self.registry.arrivals == {}
        assert self.storage.objects == {}
        answers = await self.answers()
        assert [a.package.status_code for a in answers] == [StatusCode.REJECTION.value], answers
        assert answers[0].package.description == receipt.reason
        received = [e for e in await self.events() if e.DESCRIPTOR.name == "PackageReceived"]
        assert [(e.outcome, e.reason) for e in received] == [("returned", receipt.reason)]  # type: ignore[attr-defined]
        return answers[0].package

    # -- effects ---------------------------------------------------------------------------------------------------
    async def _all(self, model: Any) -> list[Any]:
        async with self.store.sessions() as session:
            return list((await session.scalars(select(model))).all())

    async def receipts(self) -> list[ReceiptRow]:
        return await self._all(ReceiptRow)

    async def statuses(self) -> list[DeliveryStatusRow]:
        return await self._all(DeliveryStatusRow)

    async def events(self) -> list[Message]:
        async with self.store.sessions() as session:
            rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
        return [decode(subject, payload) for subject, payload in rows]

    async def answer_count(self) -> int:
        async with self.store.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(DeliveryRow).where(
                DeliveryRow.kind == "status")) or 0)

    async def answers(self, since: int = 0) -> list[Answer]:
        """The status packages written here (kind ``status``), oldest first (from the ``since``-th), each parsed
        back."""
        async with self.store.sessions() as session:
            rows = (await session.execute(
                select(DeliveryRow, PackageRow.body).join(PackageRow, PackageRow.id == DeliveryRow.package_id)
                .where(DeliveryRow.kind == "status").order_by(DeliveryRow.created_at, DeliveryRow.id)
                .offset(since))).all()
        return [Answer(delivery, read_status(body)) for delivery, body in rows]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated with the service's migrations; each test gets a copy."""
    import asyncio

    path = tmp_path_factory.mktemp("interchange-template") / "interchange.db"
    asyncio.run(migrate(MIGRATIONS, f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def served() -> tuple[str, ...]:
    """The Router patterns of the agencies served here (a test overrides it with ``parametrize`` or its own)."""
    return ("000.00.*.H41", "000.00.00.H14", "000.00.00.G17", "000.00.15.H51", "28.22.H17", "000.00.00.G22",
            "002.00.20.H13")


@pytest.fixture
def limits() -> Limits:
    return Limits()


@pytest.fixture
async def harness(tmp_path: Path, migrated_template: Path, served: tuple[str, ...],
                  limits: Limits) -> AsyncIterator[Harness]:
    path = tmp_path / "interchange.db"
    shutil.copyfile(migrated_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    store = InterchangeStore(session_factory(engine), clock=lambda: NOW)
    registry, storage = FakeRegistry(), FakeStorage()
    for code, name in (("000.00.00.H41", "Văn phòng Ủy ban nhân dân tỉnh Nghệ An"),
                       ("000.00.00.G22", "Văn phòng Chính phủ")):
        registry.agencies[code] = registry_pb2.Agency(code=code, name=name)
    router = Router(served)
    commits: list[int] = []
    answers = Answers(store, registry, router, on_commit=lambda: commits.append(1), clock=lambda: NOW)  # type: ignore[arg-type]
    receiver = Receiver(store, registry, storage, router, answers, limits,  # type: ignore[arg-type]
                        on_commit=lambda: commits.append(1), clock=lambda: NOW)
    try:
        yield Harness(store, registry, storage, receiver, served, commits)
    finally:
        await engine.dispose()


@pytest.fixture
def samples() -> Iterator[Path]:
    if SAMPLES is None:
        pytest.skip("the official edXML SDK samples (../shared/fixtures/edxml-sdk-samples) are not in this checkout")
    yield SAMPLES


@pytest.fixture
def make_document() -> Any:
    """:func:`document`: a valid document package from SENDER to RECIPIENT, with fields replaced."""
    return document


@pytest.fixture
def make_body() -> Any:
    """:func:`package_bytes`: the bytes of :func:`document` written with the canonical writer."""
    return package_bytes
