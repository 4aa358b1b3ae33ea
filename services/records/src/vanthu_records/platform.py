"""What records asks the other services, behind one small interface (:class:`Platform`): the registry's documents,
the workflow's cases, storage's locks and bytes, signing's PAdES B-LTA augmentation.

Every call carries the caller's own token, so the callee's rules decide: the registry shows only documents the caller
may open (per-document visibility), storage locks only objects of the caller's agency (archivist, clerk or admin),
signing augments only the caller's agency's PDFs. Tests give a fake with the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import grpc

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.signing.v1 import signing_pb2
from vanthu.storage.v1 import storage_pb2
from vanthu.workflow.v1 import workflow_pb2
from vanthu_core.grpc_client import bearer_metadata, domain_error

CALL_TIMEOUT_S = 30.0
#: Augmenting a large signed PDF fetches validation data and a timestamp: a longer deadline.
AUGMENT_TIMEOUT_S = 120.0
TRANSFER_TIMEOUT_S = 120.0
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Locked:
    """An object as storage answered a lock: its digest, size and retention."""

    object_id: str
    sha256: str
    size: int
    retain_until: str


@dataclass(frozen=True)
class Augmented:
    """signing's AugmentLta answer: the new (B-LTA) object and its last timestamp."""

    object_id: str
    sha256: str
    size: int
    timestamp_time: str
    timestamp_expires_at: str
    signatures: int


@dataclass(frozen=True)
class AgencyName:
    """How the forms name an agency: its name, its managing body's, its place (địa danh)."""

    name: str
    parent_name: str = ""
    place: str = ""


@dataclass(frozen=True)
class CaseDocuments:
    state: str
    document_ids: tuple[str, ...]


class Platform(Protocol):
    async def document(self, token: str, document_id: str) -> documents_pb2.Document: ...

    async def agency(self, token: str, code: str) -> AgencyName: ...

    async def people(self, token: str) -> dict[str, str]: ...

    async def unit_of(self, token: str, subject: str) -> str: ...

    async def case(self, token: str, case_id: str) -> CaseDocuments: ...

    async def lock(self, token: str, object_id: str, retain_until: date | None, legal_hold: bool,
                   agency: str = "") -> Locked: ...

    async def augment_lta(self, token: str, object_id: str, file_name: str, agency: str = "") -> Augmented | None: ...

    async def download(self, token: str, object_id: str) -> bytes: ...

    async def upload(self, token: str, data: bytes, file_name: str) -> tuple[str, str]: ...

    async def keep(self, token: str, object_id: str, holder: str, agency: str) -> None: ...


class GrpcPlatform:
    """The real services over their channels (stubs given)."""

    def __init__(self, documents: Any, workflow: Any, storage: Any, signing: Any, registry: Any = None) -> None:
        self.documents = documents
        self.registry = registry
        self.workflow = workflow
        self.storage = storage
        self.signing = signing

    async def document(self, token: str, document_id: str) -> documents_pb2.Document:
        try:
            reply = await self.documents.GetDocument(documents_pb2.GetDocumentRequest(id=document_id),
                                                     metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Dịch vụ văn bản, văn bản {document_id}: ") from error
        return reply.document

    async def agency(self, token: str, code: str) -> AgencyName:
        """The directory's entry of ``code`` and its parent's name (the province's address book: anyone reads it)."""
        try:
            found = (await self.registry.GetAgency(registry_pb2.GetAgencyRequest(code=code),
                                                   metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)).agency
            parent = ""
            if found.parent_code:
                parent = (await self.registry.GetAgency(registry_pb2.GetAgencyRequest(code=found.parent_code),
                                                        metadata=bearer_metadata(token),
                                                        timeout=CALL_TIMEOUT_S)).agency.name
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Dịch vụ văn bản, cơ quan {code}: ") from error
        return AgencyName(found.name, parent, found.place)

    async def people(self, token: str) -> dict[str, str]:
        """The enabled people of the caller's agency (the registry's ``ListPeople`` with the caller's token: a person
        lists their own agency's), subject → name."""
        try:
            reply = await self.registry.ListPeople(registry_pb2.ListPeopleRequest(), metadata=bearer_metadata(token),
                                                   timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản, danh sách cán bộ: ") from error
        return {p.subject: p.name or p.username for p in reply.people if p.enabled and p.subject}

    async def unit_of(self, token: str, subject: str) -> str:
        """The name of the unit (đơn vị) the person ``subject`` of the caller's agency is a member of (the names of
        each, joined, for a member of several); empty when they are in none."""
        try:
            members = await self.registry.ListUnitMembers(registry_pb2.ListUnitMembersRequest(),
                                                          metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)
            units = await self.registry.ListUnits(registry_pb2.ListUnitsRequest(include_inactive=True),
                                                  metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản, danh sách đơn vị: ") from error
        names = {u.code: u.name for u in units.units}
        return ", ".join(dict.fromkeys(names.get(m.unit_code, m.unit_code) for m in members.members
                                       if m.subject == subject))

    async def case(self, token: str, case_id: str) -> CaseDocuments:
        try:
            reply = await self.workflow.GetCase(workflow_pb2.GetCaseRequest(case_id=case_id),
                                                metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Dịch vụ xử lý công việc, hồ sơ công việc {case_id}: ") from error
        case = reply.case
        ids = tuple(i for i in (case.document_id, case.reply_document_id) if i)
        return CaseDocuments(case.state, ids)

    async def lock(self, token: str, object_id: str, retain_until: date | None, legal_hold: bool,
                   agency: str = "") -> Locked:
        """storage's ``Lock``; ``agency``: the agency records acts for with its own service token (a person's token
        locks within their own agency, which ``agency`` then repeats or is empty)."""
        request = storage_pb2.LockRequest(
            object_id=object_id, agency_code=agency, retain_until=retain_until.isoformat() if retain_until else "",
            legal_hold=storage_pb2.LockRequest.LEGAL_HOLD_ON if legal_hold else
            storage_pb2.LockRequest.LEGAL_HOLD_UNCHANGED)
        try:
            reply = await self.storage.Lock(request, metadata=bearer_metadata(token), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Kho lưu tệp, khi khóa tệp {object_id}: ") from error
        o = reply.object
        return Locked(o.object_id, o.sha256, o.size, o.retain_until)

    async def augment_lta(self, token: str, object_id: str, file_name: str, agency: str = "") -> Augmented | None:
        """signing's ``AugmentLta``: None when the PDF carries no signature (signing answers no object). A refusal
        (a signature that does not validate now, no revocation data) raises it as signing said it, so the deposit
        is not accepted with a signed PDF left unextended and nobody told. ``agency`` as for :meth:`lock`."""
        try:
            reply = await self.signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=object_id,
                                                                                file_name=file_name,
                                                                                agency_code=agency),
                                                  metadata=bearer_metadata(token), timeout=AUGMENT_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Dịch vụ ký số, khi bổ sung dữ liệu lưu trữ cho tệp {object_id}: ") from error
        if not reply.object_id:
            return None
        return Augmented(reply.object_id, reply.sha256, reply.size, reply.timestamp_time,
                         reply.timestamp_expires_at, reply.signatures)

    async def download(self, token: str, object_id: str) -> bytes:
        parts: list[bytes] = []
        try:
            async for message in self.storage.Download(storage_pb2.DownloadRequest(object_id=object_id),
                                                       metadata=bearer_metadata(token), timeout=TRANSFER_TIMEOUT_S):
                if not message.HasField("object"):
                    parts.append(message.chunk)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Kho lưu tệp, khi đọc tệp {object_id}: ") from error
        return b"".join(parts)

    async def upload(self, token: str, data: bytes, file_name: str) -> tuple[str, str]:
        """Store ``data``; (object id, sha256)."""
        async def requests() -> Any:
            yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=file_name))
            for start in range(0, len(data), CHUNK):
                yield storage_pb2.UploadRequest(chunk=data[start:start + CHUNK])

        try:
            reply = await self.storage.Upload(requests(), metadata=bearer_metadata(token), timeout=TRANSFER_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Kho lưu tệp, khi lưu tệp {file_name}: ") from error
        return reply.object.object_id, reply.object.sha256

    async def keep(self, token: str, object_id: str, holder: str, agency: str) -> None:
        """storage's ``AddReference`` on the records service's own ``token``, for ``agency``: the object stays while
        ``holder`` (``records/file/<id>``) refers to it — an upload nothing refers to is swept after the grace period
        and may be deleted by the agency's clerk (storage.proto, AddReference)."""
        try:
            await self.storage.AddReference(storage_pb2.AddReferenceRequest(
                object_id=object_id, holder=holder, agency_code=agency), metadata=bearer_metadata(token),
                timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, f"Kho lưu tệp, khi giữ tệp {object_id}: ") from error


__all__ = ["AgencyName", "Augmented", "CaseDocuments", "GrpcPlatform", "Locked", "Platform"]
