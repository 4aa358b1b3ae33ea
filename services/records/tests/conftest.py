"""Records as a real in-process gRPC server (SQLite, or PostgreSQL where a test asks for it), tokens from the real dev
issuer, on a clock the test moves; the other services faked with their rules as records relies on them: the registry
shows a document only to its agency and, within it, not to those outside its audience; storage locks only its
agency's objects and never shortens a retention; signing augments signed PDFs only.

Deposit against the real storage service is in ``test_records_deposit_storage.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from sqlalchemy import select

from vanthu.records.v1 import records_pb2 as pb
from vanthu.records.v1 import records_pb2_grpc
from vanthu.registry.v1 import documents_pb2
from vanthu_core.errors import InvalidArgument, NotFound, PermissionDenied, Unavailable
from vanthu_core.events import decode
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.ids import new_id
from vanthu_records.platform import AgencyName, Augmented, CaseDocuments, Locked
from vanthu_records.server import RecordsServer
from vanthu_records.settings import RecordsSettings
from vanthu_records.store import outbox
from vanthu_testing.identity import DevIssuer

UBND, SNV = "000.00.00.H61", "000.00.02.H61"


@dataclass
class Clock:
    """10:00 in Vietnam on a Wednesday of 2031, far from the real calendar."""

    now: datetime = field(default_factory=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


@dataclass
class FakePlatform:
    documents: dict[str, documents_pb2.Document] = field(default_factory=dict)
    #: document id → usernames of the agency who may NOT open it (outside its audience).
    hidden: dict[str, set[str]] = field(default_factory=dict)
    cases: dict[str, tuple[str, str, CaseDocuments]] = field(default_factory=dict)
    objects: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    #: object id → the holders records keeps it for (storage's AddReference)
    references: dict[str, set[str]] = field(default_factory=dict)
    locks: dict[str, tuple[date | None, bool]] = field(default_factory=dict)
    signed: set[str] = field(default_factory=set)
    augmented: list[str] = field(default_factory=list)
    expires_at: str = "2036-06-11T00:00:00+00:00"
    #: (client id or username, agency) of each lock and augmentation, in order.
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: Objects whose augmentation fails as when the TSA is unreachable (UNAVAILABLE).
    tsa_away: set[str] = field(default_factory=set)
    #: The directory's people: (subject, name, agency) of each, as the registry's ListPeople lists them.
    directory: list[tuple[str, str, str]] = field(default_factory=list)
    #: subject → the name of the unit the person is a member of (the registry's units and their members).
    units: dict[str, str] = field(default_factory=dict)

    def _who(self, token: str) -> tuple[str, str]:
        c = claims(token)
        return str(c.get("agency", "")), str(c.get("preferred_username", ""))

    async def document(self, token: str, document_id: str) -> documents_pb2.Document:
        agency, user = self._who(token)
        doc = self.documents.get(document_id)
        if doc is None or doc.agency_code != agency or user in self.hidden.get(document_id, set()):
            raise NotFound(f"registry: document {document_id}: no document {document_id}")
        return doc

    async def agency(self, token: str, code: str) -> AgencyName:
        names = {UBND: "Ủy ban nhân dân tỉnh Vĩnh Long", SNV: "Sở Nội vụ tỉnh Vĩnh Long"}
        return AgencyName(names.get(code, code), "", "Vĩnh Long")

    async def people(self, token: str) -> dict[str, str]:
        """As the registry's ListPeople answers a person: the people of their own agency."""
        agency, _ = self._who(token)
        return {subject: name for subject, name, of in self.directory if of == agency}

    async def unit_of(self, token: str, subject: str) -> str:
        agency, _ = self._who(token)
        mine = {s for s, _, of in self.directory if of == agency}
        return self.units.get(subject, "") if subject in mine else ""

    async def case(self, token: str, case_id: str) -> CaseDocuments:
        agency, _ = self._who(token)
        found = self.cases.get(case_id)
        if found is None or found[0] != agency:
            raise NotFound(f"workflow: no case {case_id}")
        return found[2]

    def _acting(self, token: str, agency: str) -> str:
        """As storage and signing judge it: the records service's own token for the agency it names; a person's
        within their own agency. Each call's (client or user, agency) is kept in ``calls``."""
        c = claims(token)
        if c.get("azp") == "vanthu-records" and not c.get("agency"):
            if not agency:
                raise InvalidArgument("agency_code", "a service must name the agency it acts for")
            self.calls.append(("vanthu-records", agency))
            return agency
        own, user = self._who(token)
        if agency and agency != own:
            raise PermissionDenied("a person acts only for the agency of their token")
        self.calls.append((user, own))
        return own

    async def lock(self, token: str, object_id: str, retain_until: date | None, legal_hold: bool,
                   agency: str = "") -> Locked:
        agency = self._acting(token, agency)
        owner, data = self.objects[object_id]
        if owner != agency:
            raise NotFound(f"storage: no object {object_id}")
        old = self.locks.get(object_id, (None, False))
        until = max(d for d in (old[0], retain_until) if d) if (old[0] or retain_until) else None
        self.locks[object_id] = (until, old[1] or legal_hold)
        return Locked(object_id, hashlib.sha256(data).hexdigest(), len(data),
                      until.isoformat() + "T00:00:00Z" if until else "")

    async def augment_lta(self, token: str, object_id: str, file_name: str, agency: str = "") -> Augmented | None:
        agency = self._acting(token, agency)
        if self.objects[object_id][0] != agency:
            raise NotFound(f"storage: no object {object_id}")
        if object_id in self.tsa_away:
            raise Unavailable("signing: the timestamp authority did not answer; try again")
        if object_id not in self.signed:
            return None
        data = self.objects[object_id][1] + b"\n%LTA\n"
        new = self.store_object(agency, data, signed=True)
        self.augmented.append(object_id)
        return Augmented(new, hashlib.sha256(data).hexdigest(), len(data), "2031-06-11T03:00:00+00:00",
                         self.expires_at, 1)

    async def download(self, token: str, object_id: str) -> bytes:
        agency, _ = self._who(token)
        owner, data = self.objects[object_id]
        if owner != agency:
            raise NotFound(f"storage: no object {object_id}")
        return data

    async def keep(self, token: str, object_id: str, holder: str, agency: str) -> None:
        if claims(token).get("azp") != "vanthu-records" or not holder.startswith("records/"):
            raise PermissionDenied("storage: references are recorded by services under their own prefix")
        if self.objects[object_id][0] != self._acting(token, agency):
            raise NotFound(f"storage: no object {object_id}")
        self.references.setdefault(object_id, set()).add(holder)

    async def upload(self, token: str, data: bytes, file_name: str) -> tuple[str, str]:
        agency, _ = self._who(token)
        return self.store_object(agency, data), hashlib.sha256(data).hexdigest()

    def store_object(self, agency: str, data: bytes, *, signed: bool = False) -> str:
        object_id = new_id()
        self.objects[object_id] = (agency, data)
        if signed:
            self.signed.add(object_id)
        return object_id

    def add(self, agency: str = UBND, *, direction: str = "outgoing", status: str = "",
            abstract: str = "V/v triển khai chuyển đổi số năm 2031", number_symbol: str = "05/UBND-VP",
            document_date: str = "2031-06-01", signed: bool = True,
            attachments: tuple[tuple[str, str, bytes], ...] = ()) -> str:
        """A document of the registry with one main PDF (signed when ``signed``) and ``attachments`` (file name,
        media type, bytes) stored for the same agency."""
        data = b"%PDF-1.7\n" + new_id().encode()
        object_id = self.store_object(agency, data, signed=signed)
        document_id = new_id()
        self.documents[document_id] = documents_pb2.Document(
            id=document_id, agency_code=agency, direction=direction,
            status=status or ("issued" if direction == "outgoing" else "registered"), type_name="Công văn",
            abstract=abstract, number_symbol=number_symbol, document_date=document_date,
            issuing_agency_name="Ủy ban nhân dân tỉnh", signer=documents_pb2.Signer(name="Nguyễn Văn A",
                                                                                title="Chủ tịch"),
            signature_check="valid" if direction == "incoming" and signed else "",
            signed_by="lanhdao.ubnd" if direction == "outgoing" and signed else "",
            files=[documents_pb2.DocumentFile(object_id=object_id, sha256=hashlib.sha256(data).hexdigest(),
                                              role="main", file_name="van-ban.pdf",
                                              content_type="application/pdf")])
        for name, media_type, content in attachments:
            self.documents[document_id].files.append(documents_pb2.DocumentFile(
                object_id=self.store_object(agency, content), sha256=hashlib.sha256(content).hexdigest(),
                role="attachment", file_name=name, content_type=media_type))
        return document_id


@dataclass
class Harness:
    api: records_pb2_grpc.RecordsServiceStub
    issuer: DevIssuer
    platform: FakePlatform
    server: RecordsServer
    clock: Clock
    port: int = 0

    async def call(self, method: Any, request: Any, user: str) -> Any:
        return await method(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def refused(self, method: Any, request: Any, user: str) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.call(method, request, user)
        return caught.value

    async def approved_plan(self, *, drafter: str = "vanthu.ubnd", leader: str = "lanhdao.ubnd",
                            year: int = 2031, decision: tuple[str, str] = ("", "")) -> pb.Plan:
        plan = await self.draft_plan(drafter=drafter, year=year)
        return (await self.call(self.api.ApprovePlan, pb.ApprovePlanRequest(
            plan_id=plan.id, version=plan.version, decision_number=decision[0], decision_date=decision[1]),
            leader)).plan

    async def draft_plan(self, *, drafter: str = "vanthu.ubnd", year: int = 2031) -> pb.Plan:
        plan = (await self.call(self.api.CreatePlan, pb.CreatePlanRequest(
            year=year, title="Danh mục hồ sơ của Ủy ban nhân dân tỉnh"), drafter)).plan
        plan = (await self.call(self.api.UpdatePlan, pb.UpdatePlanRequest(
            plan_id=plan.id, version=plan.version, title=plan.title, headings=[
                pb.PlanHeading(title="Tổ chức, cán bộ", abbreviation="TCCB", entries=[
                    pb.PlanEntry(title="Hồ sơ tuyển dụng công chức năm 2031", retention_years=0,
                                 creator="Phòng Tổ chức"),
                    pb.PlanEntry(title="Hồ sơ thi đua khen thưởng", retention_years=20)]),
                pb.PlanHeading(title="Văn phòng", abbreviation="VP", subheadings=[
                    pb.PlanSubheading(title="Hành chính", entries=[
                        pb.PlanEntry(title="Tập lưu công văn đi", retention_years=10)])])]), drafter)).plan
        return plan

    async def opened(self, user: str = "chuyenvien.ubnd", *, entry: int = 0) -> pb.RecordFile:
        plan = await self.approved_plan()
        return (await self.call(self.api.OpenFile, pb.OpenFileRequest(
            plan_entry_id=plan.headings[0].entries[entry].id, start_date="2031-01-05"), user)).file

    async def closed(self, user: str = "chuyenvien.ubnd", n: int = 2, entry: int = 0,
                     signed: bool = True, attachments: tuple[tuple[str, str, bytes], ...] = ()) -> pb.RecordFile:
        """A closed file of ``n`` documents (the first outgoing, with ``attachments``; the others incoming)."""
        file = await self.opened(user, entry=entry)
        ids = [self.platform.add(direction="outgoing", signed=signed, attachments=attachments),
               *[self.platform.add(direction="incoming", signed=signed) for _ in range(n - 1)]]
        file = (await self.call(self.api.AddDocuments, pb.AddDocumentsRequest(
            file_id=file.id, version=file.version, document_ids=ids), user)).file
        return (await self.call(self.api.CloseFile, pb.CloseFileRequest(
            file_id=file.id, version=file.version, page_amounts={i: 2 for i in ids}), user)).file

    async def events(self) -> list[Any]:
        async with self.server.store.sessions() as session:
            rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
        return [decode(subject, payload) for subject, payload in rows]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'records.db'}"


@pytest.fixture
async def harness(dev_issuer: DevIssuer, clock: Clock, database_url: str) -> AsyncIterator[Harness]:
    platform = FakePlatform(directory=[(u.subject, u.name, u.agency) for u in dev_issuer.app.state.users.values()])
    server = RecordsServer(RecordsSettings(grpc_port=0, database_url=database_url),
                           dev_issuer.service_settings("records"), clock=clock, platform=platform, sweeping=False)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length",
                                                                        80 << 20)])
    try:
        yield Harness(records_pb2_grpc.RecordsServiceStub(channel), dev_issuer, platform, server, clock, port)
    finally:
        await channel.close()
        await server.stop()
