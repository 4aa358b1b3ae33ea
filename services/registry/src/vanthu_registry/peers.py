"""The services the registry calls while a document lives: storage (references that keep a document's files),
signing (the competent person's signature, the agency's seal) and records (whether a document is archived).

References are recorded with the registry's own service token, naming the agency it acts for; signing is asked
with the acting person's token, so signing checks that person's role and signing profile itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import grpc

from vanthu.records.v1 import records_pb2
from vanthu.signing.v1 import signing_pb2
from vanthu.storage.v1 import storage_pb2
from vanthu_core.errors import DomainError, InvalidArgument, NotFound, Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error, item_error, vouched_metadata
from vanthu_core.service_token import ServiceTokens

log = logging.getLogger("vanthu.registry")
#: The most references one AddReferences call carries (storage takes at most 256).
REFERENCES_PER_CALL = 256
#: Signing a large PDF with its timestamp takes seconds, sealing a document with attachments more.
SIGNING_TIMEOUT_S = 120.0


def document_holder(document_id: str) -> str:
    """The reference a document holds on each of its files (storage's ``<service>/<kind>/<id>``)."""
    return f"registry/document/{document_id}"


def copy_holder(copy_id: str) -> str:
    """The reference a numbered copy (bản sao) holds on its signed file."""
    return f"registry/copy/{copy_id}"


@dataclass(frozen=True)
class StoredFile:
    """What storage says of a file the registry now refers to."""

    object_id: str
    sha256: str
    content_type: str
    file_name: str


class FileReferences:
    """Storage's references for the registry: a file stays while a document (or copy) refers to it."""

    def __init__(self, stub: Any | None, tokens: ServiceTokens) -> None:
        self.stub = stub
        self.tokens = tokens

    async def add(self, agency_code: str, object_id: str, holder: str, field: str = "files") -> StoredFile:
        """Refer to ``object_id`` of ``agency_code``; InvalidArgument(``field``) when the agency has no such file."""
        if self.stub is None:
            raise Unavailable("Chưa cấu hình dịch vụ lưu trữ tệp (VANTHU_REGISTRY_STORAGE_TARGET) nên chưa gắn được "
                              "tệp vào văn bản: báo quản trị hệ thống.")
        try:
            reply = await self.stub.AddReference(
                storage_pb2.AddReferenceRequest(object_id=object_id, holder=holder, agency_code=agency_code),
                metadata=bearer_metadata(await self.tokens.token()))
        except grpc.aio.AioRpcError as error:
            failure = domain_error(error, "Kho lưu tệp: ")
            if isinstance(failure, NotFound):
                raise InvalidArgument(f"{field}.object_id", f"{object_id} không phải tệp trong kho của cơ quan này: "
                                                            "hãy tải tệp lên trước.") from error
            raise failure from error
        o = reply.object
        return StoredFile(o.object_id, o.sha256, o.content_type, o.file_name)

    async def add_many(self, items: list[tuple[str, str, str, str]]) -> list[StoredFile | DomainError]:
        """Several references at once, ``(agency_code, object_id, holder, field)`` each (storage's AddReferences:
        one call and one transaction per :data:`REFERENCES_PER_CALL`); one result per item, in order: the file, or
        the error that item alone met, as :meth:`add` raises it. A failure of the call itself raises."""
        if not items:
            return []
        if self.stub is None:
            raise Unavailable("Chưa cấu hình dịch vụ lưu trữ tệp (VANTHU_REGISTRY_STORAGE_TARGET) nên chưa gắn được "
                              "tệp vào văn bản: báo quản trị hệ thống.")
        results: list[StoredFile | DomainError] = []
        for start in range(0, len(items), REFERENCES_PER_CALL):
            part = items[start:start + REFERENCES_PER_CALL]
            try:
                reply = await self.stub.AddReferences(
                    storage_pb2.AddReferencesRequest(items=[
                        storage_pb2.AddReferenceRequest(object_id=object_id, holder=holder, agency_code=agency_code)
                        for agency_code, object_id, holder, _ in part]),
                    metadata=bearer_metadata(await self.tokens.token()))
            except grpc.aio.AioRpcError as error:
                raise domain_error(error, "Kho lưu tệp: ") from error
            if len(reply.results) != len(part):
                raise Unavailable(f"Kho lưu tệp: trả lời {len(reply.results)} kết quả cho {len(part)} tham chiếu.")
            for (_, object_id, _, field), result in zip(part, reply.results, strict=True):
                if result.HasField("error"):
                    failure = item_error(result.error.code, result.error.message, result.error.field,
                                         "Kho lưu tệp: ")
                    results.append(InvalidArgument(f"{field}.object_id", f"{object_id} không phải tệp trong kho "
                                                   "của cơ quan này: hãy tải tệp lên trước.")
                                   if isinstance(failure, NotFound) else failure)
                else:
                    o = result.object
                    results.append(StoredFile(o.object_id, o.sha256, o.content_type, o.file_name))
        return results

    async def release(self, agency_code: str, object_ids: list[str], holder: str) -> None:
        """End ``holder``'s references; a failure keeps the file (logged), never loses it."""
        if self.stub is None:
            return
        for object_id in object_ids:
            try:
                await self.stub.ReleaseReference(
                    storage_pb2.ReleaseReferenceRequest(object_id=object_id, holder=holder, agency_code=agency_code),
                    metadata=bearer_metadata(await self.tokens.token()))
            except (grpc.aio.AioRpcError, DomainError) as error:
                log.warning("a file reference was not released; the file is kept",
                            extra={"object_id": object_id, "holder": holder, "error": str(error)})


@dataclass(frozen=True)
class SignedFile:
    object_id: str
    sha256: str


@dataclass(frozen=True)
class SealedFile:
    source_object_id: str
    role: str
    result: SignedFile


class Signing:
    """The signing service, called with the acting person's token; a document's personal signature with the
    registry's own token beside it (``tokens``), vouching that the registry decided the document and the signing
    authority lines (:attr:`vanthu_core.policy.Access.vouched_by`)."""

    def __init__(self, stub: Any | None, tokens: ServiceTokens | None = None) -> None:
        self.stub = stub
        self.tokens = tokens

    async def _vouched(self, token: str) -> tuple[tuple[str, str], ...]:
        if self.tokens is None:
            raise Unavailable("Dịch vụ văn bản chưa có tài khoản dịch vụ để ký số văn bản: báo quản trị hệ thống.")
        return vouched_metadata(token, await self.tokens.token())

    def _stub(self) -> Any:
        if self.stub is None:
            raise Unavailable("Chưa cấu hình dịch vụ ký số (VANTHU_REGISTRY_SIGNING_TARGET): báo quản trị hệ thống.")
        return self.stub

    async def sign_personal(self, token: str, object_id: str, document_id: str, *, competence: str = "",
                            title: str = "", position: str = "") -> SignedFile:
        """The competent person's signature on ``object_id`` (the caller's own signing profile), with the signing
        authority (:class:`SignerAuthority`: ``competence`` under a delegation, the document's signer ``title``,
        the signer's own ``position``) when the title is known."""
        authority = signing_pb2.SignerAuthority(competence=competence, title=title, position=position) \
            if title else None
        try:
            reply = await self._stub().SignPersonal(
                signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(object_id=object_id),
                                                document_id=document_id, authority=authority),
                metadata=await self._vouched(token), timeout=SIGNING_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ ký số: ") from error
        if not reply.result.object_id:
            raise Unavailable("Dịch vụ ký số không lưu được kết quả (chưa cấu hình kho lưu tệp): báo quản trị hệ "
                              "thống.")
        return SignedFile(reply.result.object_id, reply.result.sha256)

    async def prepare_personal(self, token: str, object_id: str, document_id: str, *, competence: str = "",
                               title: str = "", position: str = "") -> Any:
        """Step 1 of the caller's two-step signing of ``object_id`` (a key the service does not hold), with the
        signing authority as :meth:`sign_personal` gives it: the signing service's PrepareSignatureResponse."""
        authority = signing_pb2.SignerAuthority(competence=competence, title=title, position=position) \
            if title else None
        try:
            return await self._stub().PrepareSignature(
                signing_pb2.PrepareSignatureRequest(source=signing_pb2.PdfSource(object_id=object_id),
                                                    document_id=document_id, authority=authority),
                metadata=await self._vouched(token), timeout=SIGNING_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "signing: ") from error

    async def complete_personal(self, token: str, handle: str, signature_value: bytes, *, source_sha256: str,
                                document_id: str, competence: str = "", title: str = "",
                                position: str = "") -> SignedFile:
        """Complete the caller's two-step signing ``handle`` (a key the service does not hold) with
        ``signature_value``; refused unless it was prepared by the registry for ``document_id`` over the file of
        ``source_sha256`` with the signing authority :meth:`prepare_personal` draws for it (none when the document's
        signer title is unknown)."""
        authority = signing_pb2.SignerAuthority(competence=competence, title=title, position=position) \
            if title else None
        try:
            reply = await self._stub().CompleteSignature(
                signing_pb2.CompleteSignatureRequest(handle=handle, signature_value=signature_value,
                                                     source_sha256=source_sha256, document_id=document_id,
                                                     authority=authority),
                metadata=await self._vouched(token), timeout=SIGNING_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ ký số: ") from error
        if not reply.result.object_id:
            raise Unavailable("Dịch vụ ký số không lưu được kết quả (chưa cấu hình kho lưu tệp): báo quản trị hệ "
                              "thống.")
        return SignedFile(reply.result.object_id, reply.result.sha256)

    async def check_draft(self, token: str, object_id: str) -> str:
        """Signing's verdict on a draft's main file (CheckDraft, with the drafter's token): the Vietnamese sentence
        naming the placeholders it lacks ([[SO]], [[NGAY]], [[CHU_KY]]), or "" when it has them all."""
        try:
            reply = await self._stub().CheckDraft(
                signing_pb2.CheckDraftRequest(source=signing_pb2.PdfSource(object_id=object_id)),
                metadata=bearer_metadata(token), timeout=SIGNING_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ ký số: ") from error
        return reply.message if reply.missing else ""

    async def seal(self, token: str, document_id: str) -> list[SealedFile]:
        """The agency's seal on a numbered document's main file and its signature on each attachment."""
        try:
            reply = await self._stub().SealDocument(signing_pb2.SealDocumentRequest(document_id=document_id),
                                                    metadata=bearer_metadata(token), timeout=SIGNING_TIMEOUT_S)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ ký số: ") from error
        return [SealedFile(f.source_object_id, f.role, SignedFile(f.result.object_id, f.result.sha256))
                for f in reply.files]


class Archive:
    """The records service's answer to "is this document in the agency archive?" (a deposited file), asked with the
    registry's own service token naming the agency. Records owns that fact; the registry asks it when it matters
    (accepting a revocation or update of an arrival), so no copy goes stale and no message can be lost."""

    def __init__(self, stub: Any | None, tokens: ServiceTokens) -> None:
        self.stub = stub
        self.tokens = tokens

    async def archived_in(self, agency_code: str, document_id: str) -> list[str]:
        """The codes of the deposited files holding the document (empty: none, or no records service configured);
        Unavailable (or the records service's error) when it cannot be asked: nothing is accepted blind."""
        if self.stub is None:
            return []
        try:
            reply = await self.stub.ArchivedIn(
                records_pb2.ArchivedInRequest(agency_code=agency_code, document_id=document_id),
                metadata=bearer_metadata(await self.tokens.token()), timeout=30.0)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ hồ sơ: ") from error
        return list(reply.file_codes)
