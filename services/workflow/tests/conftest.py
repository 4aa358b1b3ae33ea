"""The workflow as a real in-process gRPC server (SQLite or PostgreSQL, tokens from the real dev issuer) on a clock
the test moves, with the registry's directory faked: the demo agencies' units, heads and members (as the registry's
seed makes them) and incoming documents the test registers by hand.

``harness`` gives the API and helpers that take a document through its processing as people do it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from sqlalchemy import select

from vanthu.registry.v1 import documents_pb2
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu.workflow.v1 import workflow_pb2_grpc
from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_core.events import decode
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.ids import new_id
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.directory import DocumentInfo, MemberInfo, UnitInfo
from vanthu_workflow.result_files import PDF, check_result_file, not_own
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import outbox

UBND, SNV = "000.00.00.H61", "000.00.02.H61"


@dataclass
class Clock:
    """The service's clock under test (10:00 in Vietnam on a Wednesday, far from the real calendar)."""

    now: datetime = field(default_factory=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeDirectory:
    """The registry as the workflow reads it: tenancy by the token's ``agency`` claim, as the registry applies it."""

    issuer: DevIssuer
    documents: dict[str, DocumentInfo] = field(default_factory=dict)
    units_by_agency: dict[str, list[UnitInfo]] = field(default_factory=dict)
    members_by_agency: dict[str, list[MemberInfo]] = field(default_factory=dict)
    #: The registry's acts the workflow asked for, in order: (the status reached, by whom).
    acts: list[tuple[str, str]] = field(default_factory=list)
    refuse_sign: bool = False
    #: What each signing said of a delegation: (competence, on behalf of), and the signer's position.
    competences: list[tuple[str, str]] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    #: The (handle, signature value) of each signing: empty for a key the signing service holds.
    two_step: list[tuple[str, bytes]] = field(default_factory=list)
    #: What each two-step preparation said of a delegation: (competence, on behalf of, position).
    prepared: list[tuple[str, str, str]] = field(default_factory=list)
    #: The drafts the workflow put under its circuit (EnterCircuit).
    governed: set[str] = field(default_factory=set)
    #: The registry's refusal of EnterCircuit (document id → its words): a main file without its placeholders.
    unready: dict[str, str] = field(default_factory=dict)
    #: The drafts changed through the circuit (ReviseOutgoing): (document id, new abstract).
    revisions: list[tuple[str, str]] = field(default_factory=list)
    #: Who the registry does not show a document to (document id → usernames): its audience rule, as a fact.
    unseen: dict[str, set[str]] = field(default_factory=dict)

    def without_head(self, agency: str, code: str) -> None:
        """The unit ``code`` of ``agency`` as the seed leaves it: no head (trưởng đơn vị)."""
        self.units_by_agency[agency] = [replace(u, head_subject="") if u.code == code else u
                                        for u in self.units_by_agency[agency]]

    @staticmethod
    def agency(token: str) -> str:
        return str(jwt.decode(token, options={"verify_signature": False}).get("agency", ""))

    async def document(self, token: str, document_id: str) -> DocumentInfo:
        found = self.documents.get(document_id)
        claims = jwt.decode(token, options={"verify_signature": False})
        if found is None or found.agency_code != self.agency(token) \
                or claims.get("preferred_username") in self.unseen.get(document_id, set()):
            raise NotFound(f"registry: no document {document_id}")
        return found

    async def units(self, token: str) -> list[UnitInfo]:
        return list(self.units_by_agency.get(self.agency(token), []))

    async def members(self, token: str) -> list[MemberInfo]:
        return list(self.members_by_agency.get(self.agency(token), []))

    def _act(self, token: str, document_id: str, expected: str, to: str) -> None:
        found = self.documents.get(document_id)
        if found is None or found.agency_code != self.agency(token):
            raise NotFound(f"registry: no document {document_id}")
        if found.status != expected:
            raise FailedPrecondition(f"registry: the document is {found.status}")
        self.documents[document_id] = replace(found, status=to)
        self.acts.append((to, str(jwt.decode(token, options={"verify_signature": False})["preferred_username"])))

    async def enter_circuit(self, token: str, document_id: str) -> None:
        """The registry's EnterCircuit: the circuit now governs the draft (kept in ``governed``)."""
        found = self.documents.get(document_id)
        if found is None or found.agency_code != self.agency(token):
            raise NotFound(f"registry: no document {document_id}")
        if document_id in self.unready:
            raise FailedPrecondition(self.unready[document_id])
        self.governed.add(document_id)

    async def update_draft(self, token: str, document_id: str, document: documents_pb2.DocumentInput,
                           expected_version: int) -> documents_pb2.Document:
        """The registry's UpdateDraft through the circuit: a draft's new abstract (kept in ``revisions``)."""
        found = self.documents.get(document_id)
        if found is None or found.agency_code != self.agency(token):
            raise NotFound(f"registry: no document {document_id}")
        if found.status != "draft":
            raise FailedPrecondition(f"registry: the document is {found.status}")
        self.documents[document_id] = replace(found, abstract=document.abstract)
        self.revisions.append((document_id, document.abstract))
        return documents_pb2.Document(id=document_id, abstract=document.abstract, status="draft")

    async def submit(self, token: str, document_id: str) -> None:
        self._act(token, document_id, "draft", "submitted")

    async def sign(self, token: str, document_id: str, *, competence: str = "", on_behalf_of: str = "",
                   position: str = "", handle: str = "", signature_value: bytes = b"") -> None:
        self.competences.append((competence, on_behalf_of))
        self.positions.append(position)
        self.two_step.append((handle, signature_value))
        if self.refuse_sign:
            raise FailedPrecondition("registry: signing: no signing profile for this person")
        self._act(token, document_id, "submitted", "signed")

    async def prepare_sign(self, token: str, document_id: str, *, competence: str = "", on_behalf_of: str = "",
                           position: str = "") -> Any:
        """The registry's PrepareSignDocument: what it was asked for is kept (``prepared``), the authority lines
        signing would draw under a delegation answered."""
        found = self.documents.get(document_id)
        if found is None or found.agency_code != self.agency(token):
            raise NotFound(f"registry: no document {document_id}")
        self.prepared.append((competence, on_behalf_of, position))
        lines = [f"{competence} CHỦ TỊCH", position.upper()] if competence else []
        return documents_pb2.PrepareSignDocumentResponse(handle=new_id(), to_sign=b"attrs", authority=lines)

    async def return_unsigned(self, token: str, document_id: str, reason: str) -> None:
        self._act(token, document_id, "submitted", "draft")

    async def issue(self, token: str, document_id: str, register_id: str) -> None:
        self._act(token, document_id, "signed", "issued")

    async def people(self, token: str) -> list[MemberInfo]:
        """Every demo user of the token's agency (the identity provider's directory)."""
        import yaml

        users = yaml.safe_load(self.issuer.users_file.read_text(encoding="utf-8"))["users"]
        return [MemberInfo("", u["subject"], u["username"], u["name"], "",
                           email=u.get("email") or f"{u['username']}@vinhlong.gov.vn",
                           roles=tuple(u.get("roles", ())))
                for u in users if u["agency"] == self.agency(token)]


#: The heads of Văn phòng and Phòng Nội chính in the tests' directory: people with no account among the demo users. The
#: seed leaves both units without a head, and a unit without one cannot be given anything (issue 14): a test that needs
#: one so takes its head away (:meth:`FakeDirectory.without_head`).
HEAD_OF_VP, HEAD_OF_NC = "8f0c2d1e-0000-5000-8000-0000000000vp", "8f0c2d1e-0000-5000-8000-0000000000nc"


def demo_directory(issuer: DevIssuer) -> FakeDirectory:
    """The registry's seed units (``seed/units.yaml``) of the provincial People's Committee and the Home Affairs
    department, each unit with a head (:data:`HEAD_OF_VP`)."""
    def member(unit: str, username: str, position: str) -> MemberInfo:
        return MemberInfo(unit_code=unit, subject=issuer.subject(username), username=username,
                          name=username.split(".")[0].title(), position=position)

    return FakeDirectory(issuer, units_by_agency={
        UBND: [UnitInfo("VP", "Văn phòng", HEAD_OF_VP),
               UnitInfo("TH", "Phòng Tổng hợp", issuer.subject("truongphong.ubnd")),
               UnitInfo("NC", "Phòng Nội chính", HEAD_OF_NC)],
        SNV: [UnitInfo("TCBC", "Phòng Tổ chức biên chế", issuer.subject("truongphong.snv"))]},
        members_by_agency={
            UBND: [member("VP", "vanthu.ubnd", "staff"), member("VP", "luutru.ubnd", "staff"),
                   member("TH", "truongphong.ubnd", "head"), member("TH", "chuyenvien.ubnd", "officer")],
            SNV: [member("TCBC", "truongphong.snv", "head"), member("TCBC", "chuyenvien.snv", "officer")]})


@dataclass
class StoredObject:
    object_id: str
    agency_code: str
    uploaded_by: str
    file_name: str
    content_type: str = PDF
    size: int = 1024


@dataclass
class FakeResultFiles:
    """Storage as workflow sees it: the uploads by id (Stat: NotFound outside the caller's agency, as storage's
    tenancy answers), the references held, and a switch that makes AddReferences fail."""

    objects: dict[str, StoredObject] = field(default_factory=dict)
    #: object id → the holders referring to it
    references: dict[str, set[str]] = field(default_factory=dict)
    refuse_keep: bool = False

    async def check(self, token: str, agency_code: str, subject: str, object_ids: Any) -> None:
        for n, object_id in enumerate(object_ids):
            obj = self.objects.get(object_id)
            if obj is None or obj.agency_code != agency_code:
                raise not_own(f"result_file_ids[{n}]")
            check_result_file(obj, f"result_file_ids[{n}]", agency_code=agency_code, subject=subject)

    async def keep(self, agency_code: str, holder: str, object_ids: Any) -> None:
        from vanthu_core.errors import Unavailable

        if self.refuse_keep and object_ids:
            raise Unavailable("Kho lưu tệp: không kết nối được.")
        for object_id in object_ids:
            self.references.setdefault(object_id, set()).add(holder)

    async def let_go(self, agency_code: str, holder: str, object_ids: Any) -> None:
        for object_id in object_ids:
            self.references.get(object_id, set()).discard(holder)

    def held(self) -> dict[str, set[str]]:
        return {k: v for k, v in self.references.items() if v}


@dataclass
class Harness:
    api: workflow_pb2_grpc.WorkflowServiceStub
    issuer: DevIssuer
    directory: FakeDirectory
    server: WorkflowServer
    clock: Clock
    files: FakeResultFiles = field(default_factory=FakeResultFiles)

    def upload(self, user: str, file_name: str = "Báo cáo kết quả.pdf", *, agency: str = UBND,
               content_type: str = PDF, size: int = 1024) -> str:
        """A file ``user`` uploaded to storage (as the gateway's /files does), by its id."""
        object_id = new_id()
        self.files.objects[object_id] = StoredObject(object_id, agency, self.subject(user), file_name, content_type,
                                                     size)
        return object_id

    async def call(self, method: Any, request: Any, user: str) -> Any:
        return await method(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def refused(self, method: Any, request: Any, user: str) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.call(method, request, user)
        return caught.value

    def registered(self, agency: str = UBND, *, status: str = "registered", direction: str = "incoming",
                   abstract: str = "Về việc báo cáo tình hình triển khai chuyển đổi số năm 2031") -> str:
        """An incoming document of ``agency`` as the registry holds it (by default registered, vào sổ)."""
        document_id = new_id()
        self.directory.documents[document_id] = DocumentInfo(id=document_id, agency_code=agency, direction=direction,
                                                             status=status, abstract=abstract, number=42)
        return document_id

    def draft(self, agency: str = UBND, *, drafter: str = "chuyenvien.ubnd", type_code: str = "cong_van") -> str:
        """An outgoing draft of ``agency`` by ``drafter`` as the registry holds it."""
        document_id = new_id()
        self.directory.documents[document_id] = DocumentInfo(
            id=document_id, agency_code=agency, direction="outgoing", status="draft",
            abstract="V/v triển khai chuyển đổi số năm 2031", number=0, type_code=type_code, created_by=drafter)
        return document_id

    async def started(self, agency: str = UBND, drafter: str = "chuyenvien.ubnd", type_code: str = "cong_van",
                      ) -> pb.Case:
        reply = await self.call(self.api.StartOutgoing, pb.StartOutgoingRequest(
            document_id=self.draft(agency, drafter=drafter, type_code=type_code), comment="Kính gửi trưởng phòng"),
            drafter)
        return reply.case

    def subject(self, username: str) -> str:
        return self.issuer.subject(username)

    async def submitted(self, agency: str = UBND, clerk: str = "vanthu.ubnd") -> pb.Case:
        reply = await self.call(self.api.SubmitIncoming, pb.SubmitIncomingRequest(
            document_id=self.registered(agency), comment="Kính trình lãnh đạo"), clerk)
        return reply.case

    async def assigned(self, *, leader: str = "lanhdao.ubnd", days: int = 5, **parties: Any) -> pb.Case:
        """Submitted and assigned: Phòng Tổng hợp leads, Phòng Nội chính and Văn phòng cooperate."""
        case = await self.submitted()
        request = pb.AssignIncomingRequest(
            case_id=case.id, version=case.version, lead=parties.get("lead", pb.Party(kind="unit", id="TH")),
            cooperating=parties.get("cooperating", [pb.Party(kind="unit", id="NC"), pb.Party(kind="unit", id="VP")]),
            for_information=parties.get("for_information", []), deadline_days=days,
            instruction="Phòng Tổng hợp chủ trì, tham mưu văn bản trả lời")
        return (await self.call(self.api.AssignIncoming, request, leader)).case

    @staticmethod
    def task(case: pb.Case, kind: str, **match: str) -> pb.Task:
        found = [t for t in case.tasks if t.kind == kind and t.state in ("open", "in_progress")
                 and all(getattr(t, k) == v for k, v in match.items())]
        assert len(found) == 1, (kind, match, case.tasks)
        return found[0]

    async def events(self) -> list[Any]:
        """Every event the service wrote to its outbox, in order, decoded."""
        async with self.server.store.sessions() as session:
            rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
        return [decode(subject, payload) for subject, payload in rows]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"


@pytest.fixture
def workflow_settings(database_url: str) -> WorkflowSettings:
    """The service's settings under test (a module overrides this fixture for SMTP)."""
    return WorkflowSettings(grpc_port=0, database_url=database_url)


@pytest.fixture
async def harness(dev_issuer: DevIssuer, clock: Clock, workflow_settings: WorkflowSettings,
                  ) -> AsyncIterator[Harness]:
    directory = demo_directory(dev_issuer)
    files = FakeResultFiles()
    server = WorkflowServer(workflow_settings, dev_issuer.service_settings("workflow"), clock=clock,
                            directory=directory, sweeping=False, result_files=files)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Harness(workflow_pb2_grpc.WorkflowServiceStub(channel), dev_issuer, directory, server, clock, files)
    finally:
        await channel.close()
        await server.stop()
