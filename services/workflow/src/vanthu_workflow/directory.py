"""What workflow reads from the registry: the incoming document, the agency's units (with their heads) and the people
in them; and the registry's acts the outgoing circuit performs (start governing the draft, submit for signature,
return, sign, issue).

Every call is made for a person and forwards that person's own token (:mod:`vanthu_core.service_token`: calls made
for a person forward their token), so the registry applies its own tenancy: another agency's document is not found
there, and the units are the caller's agency's. The access table lists these calls as the workflow methods'
``forwards``. The circuit's acts also carry the workflow's own token as a voucher
(:attr:`vanthu_core.policy.Access.vouched_by`): the registry performs them on a document the circuit governs only
when they come through the circuit. Tests give the servicer a :class:`Directory` of their own (a dictionary) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import grpc

from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2, registry_pb2_grpc
from vanthu_core.errors import DomainError, Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error, vouched_metadata
from vanthu_core.service_token import ServiceTokens

TIMEOUT_S = 30.0

def registry_refusal(error: grpc.aio.AioRpcError) -> DomainError:
    """The registry's refusal as the workflow's :class:`DomainError`: :func:`vanthu_core.grpc_client.domain_error`'s
    rule (a problem for the person in the registry's words alone; an outage with "Dịch vụ văn bản: " in front)."""
    return domain_error(error, "Dịch vụ văn bản: ")


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    agency_code: str
    direction: str
    status: str
    abstract: str
    number: int
    type_code: str = ""
    #: Who created it (username): an outgoing draft's drafter.
    created_by: str = ""
    #: The signer the document names (người ký): an outgoing draft's designated signer.
    signer_name: str = ""
    #: ... and their account, when the drafter chose them from the agency's people.
    signer_subject: str = ""
    #: An incoming document's issuing agency (mã định danh).
    issuing_agency_code: str = ""
    #: The drafting unit the document names (đơn vị soạn thảo: free text, a unit's code or name).
    drafting_unit: str = ""
    #: An outgoing document: the document it answers (văn bản trả lời văn bản số …), and who drafted it (subject).
    answers_document_id: str = ""
    drafter_subject: str = ""


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    head_subject: str


@dataclass(frozen=True)
class MemberInfo:
    unit_code: str
    subject: str
    username: str
    name: str
    position: str
    #: The person's e-mail address as the identity provider knows it (people only; "" unknown).
    email: str = ""
    #: The person's VanThu roles as the identity provider grants them (people only).
    roles: tuple[str, ...] = ()


class Directory(Protocol):
    """The registry as workflow sees it, for the person whose ``token`` is given."""

    async def document(self, token: str, document_id: str) -> DocumentInfo:
        """The document (NotFound when it is not one of the person's agency)."""
        ...

    async def units(self, token: str) -> list[UnitInfo]:
        """The active units of the person's agency."""
        ...

    async def members(self, token: str) -> list[MemberInfo]:
        """Every member of every unit of the person's agency."""
        ...

    async def people(self, token: str) -> list[MemberInfo]:
        """The people of the person's agency as the identity provider knows them (``unit_code`` and ``position``
        empty): leaders belong to no unit and may still be given a task."""
        ...


class RegistryDirectory:
    """:class:`Directory` over gRPC (``vanthu.registry.v1``); ``tokens``: the workflow's own client, which vouches for
    the circuit's acts (None: they are refused as Unavailable)."""

    def __init__(self, channel: grpc.aio.Channel, tokens: ServiceTokens | None = None) -> None:
        self.documents = documents_pb2_grpc.DocumentServiceStub(channel)
        self.registry = registry_pb2_grpc.RegistryServiceStub(channel)
        self.tokens = tokens

    async def _circuit(self, token: str) -> tuple[tuple[str, str], ...]:
        """The person's ``token`` with the workflow's voucher: the call comes through the circuit."""
        if self.tokens is None:
            raise Unavailable("Dịch vụ quy trình chưa có tài khoản dịch vụ để thực hiện bước của quy trình: báo quản "
                              "trị hệ thống.")
        return vouched_metadata(token, await self.tokens.token())

    async def enter_circuit(self, token: str, document_id: str) -> None:
        """The registry's EnterCircuit: the circuit now governs the drafter's draft (the drafter's token)."""
        try:
            await self.documents.EnterCircuit(documents_pb2.EnterCircuitRequest(id=document_id),
                                              metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error

    async def update_draft(self, token: str, document_id: str, document: documents_pb2.DocumentInput,
                           expected_version: int) -> documents_pb2.Document:
        """The registry's UpdateDraft with the drafter's token, through the circuit (it vouches): the draft as
        changed."""
        try:
            reply = await self.documents.UpdateDraft(
                documents_pb2.UpdateDraftRequest(id=document_id, document=document, expected_version=expected_version),
                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        return reply.document

    async def document(self, token: str, document_id: str) -> DocumentInfo:
        try:
            reply = await self.documents.GetDocument(documents_pb2.GetDocumentRequest(id=document_id),
                                                     metadata=bearer_metadata(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        d = reply.document
        return DocumentInfo(id=d.id, agency_code=d.agency_code, direction=d.direction, status=d.status,
                            abstract=d.abstract, number=d.number, type_code=d.type_code, created_by=d.created_by,
                            signer_name=d.signer.name, signer_subject=d.signer.subject,
                            drafting_unit=d.drafting_unit, issuing_agency_code=d.issuing_agency_code,
                            answers_document_id=d.answers_document_id, drafter_subject=d.drafter_subject)

    async def submit(self, token: str, document_id: str) -> None:
        try:
            await self.documents.SubmitDocument(documents_pb2.SubmitDocumentRequest(id=document_id),
                                                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error

    async def return_unsigned(self, token: str, document_id: str, reason: str) -> None:
        try:
            await self.documents.ReturnDocument(documents_pb2.ReturnDocumentRequest(id=document_id, reason=reason),
                                                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error

    async def sign(self, token: str, document_id: str, *, competence: str = "", on_behalf_of: str = "",
                   position: str = "", handle: str = "", signature_value: bytes = b"") -> None:
        """The registry's SignDocument with the signer's token: with the key the signing service holds, or (``handle``
        and ``signature_value``) completing a two-step signing made with the signer's own device."""
        try:
            await self.documents.SignDocument(documents_pb2.SignDocumentRequest(
                id=document_id, competence=competence, on_behalf_of=on_behalf_of, signer_position=position,
                handle=handle, signature_value=signature_value),
                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error

    async def prepare_sign(self, token: str, document_id: str, *, competence: str = "", on_behalf_of: str = "",
                           position: str = "") -> documents_pb2.PrepareSignDocumentResponse:
        """The registry's PrepareSignDocument with the signer's token: step 1 of a two-step signing, the signing
        authority drawn for the delegation (``competence``, ``on_behalf_of``, the signer's ``position``)."""
        try:
            reply: documents_pb2.PrepareSignDocumentResponse = await self.documents.PrepareSignDocument(
                documents_pb2.PrepareSignDocumentRequest(id=document_id, competence=competence,
                                                         on_behalf_of=on_behalf_of, signer_position=position),
                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        return reply

    async def issue(self, token: str, document_id: str, register_id: str) -> None:
        try:
            await self.documents.IssueDocument(
                documents_pb2.IssueDocumentRequest(id=document_id, register_id=register_id),
                metadata=await self._circuit(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error

    async def units(self, token: str) -> list[UnitInfo]:
        try:
            reply = await self.registry.ListUnits(registry_pb2.ListUnitsRequest(), metadata=bearer_metadata(token),
                                                  timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        return [UnitInfo(code=u.code, name=u.name, head_subject=u.head_subject) for u in reply.units]

    async def members(self, token: str) -> list[MemberInfo]:
        try:
            reply = await self.registry.ListUnitMembers(registry_pb2.ListUnitMembersRequest(),
                                                        metadata=bearer_metadata(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        return [MemberInfo(unit_code=m.unit_code, subject=m.subject, username=m.username, name=m.name,
                           position=m.position) for m in reply.members]

    async def people(self, token: str) -> list[MemberInfo]:
        try:
            reply = await self.registry.ListPeople(registry_pb2.ListPeopleRequest(), metadata=bearer_metadata(token),
                                                   timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise registry_refusal(error) from error
        return [MemberInfo(unit_code="", subject=p.subject, username=p.username, name=p.name, position="",
                           email=p.email, roles=tuple(p.roles)) for p in reply.people if p.enabled]
