"""Where the index comes from: the registry (documents, the caller's units) and storage (the files' bytes).

The indexer reads with the service's own token (client ``vanthu-search``), naming the agency of the event: the
registry lets search read any document of the agency it names, storage one object by its id. The caller's units are
read with the caller's own token (the registry's directory of their own agency), remembered for a short while.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import grpc

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.storage.v1 import storage_pb2
from vanthu_core.errors import Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error
from vanthu_core.service_token import ServiceTokens

#: Storage calls move whole files; they get a longer deadline than ordinary calls.
DOWNLOAD_TIMEOUT_S = 120.0
#: The registry's calls (seconds). They wait while the registry cannot be reached (``wait_for_ready``), up to this
#: deadline, instead of failing at once: the indexer rides out a registry restart without spending the consumer's
#: few redeliveries on it (a document would be dead-lettered and missing from the index until a reindex).
CALL_TIMEOUT_S = 30.0


class RegistryDocuments:
    """``documents``: the registry's DocumentService stub."""

    def __init__(self, documents: Any, tokens: ServiceTokens) -> None:
        self.documents = documents
        self.tokens = tokens

    async def get(self, agency_code: str, document_id: str) -> documents_pb2.Document | None:
        """The document as the registry holds it now; None when the registry has no such document."""
        try:
            reply = await self.documents.GetDocument(
                documents_pb2.GetDocumentRequest(id=document_id, agency_code=agency_code),
                metadata=bearer_metadata(await self.tokens.token()), timeout=CALL_TIMEOUT_S, wait_for_ready=True)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return reply.document

    async def list_ids(self, agency_code: str, page_token: str, page_size: int = 200) -> tuple[list[str], str]:
        """One page of the ids of an agency's documents (for ``reindex``) and the next page's token."""
        try:
            reply = await self.documents.ListDocuments(
                documents_pb2.ListDocumentsRequest(agency_code=agency_code, page=_page(page_size, page_token)),
                metadata=bearer_metadata(await self.tokens.token()), timeout=CALL_TIMEOUT_S, wait_for_ready=True)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return [d.id for d in reply.documents], reply.page.next_page_token


def _page(size: int, token: str) -> Any:
    from vanthu.common.v1 import common_pb2

    return common_pb2.PageRequest(page_size=size, page_token=token)


@dataclass(frozen=True)
class File:
    data: bytes
    content_type: str
    sha256: str


class StorageFiles:
    """``stub``: the storage service's stub; files over ``max_bytes`` are not read (None)."""

    def __init__(self, stub: Any, tokens: ServiceTokens, max_bytes: int) -> None:
        self.stub = stub
        self.tokens = tokens
        self.max_bytes = max_bytes

    async def read(self, agency_code: str, object_id: str) -> File | None:
        call = self.stub.Download(storage_pb2.DownloadRequest(object_id=object_id, agency_code=agency_code),
                                  metadata=bearer_metadata(await self.tokens.token()), timeout=DOWNLOAD_TIMEOUT_S,
                                  wait_for_ready=True)
        parts: list[bytes] = []
        content_type = sha256 = ""
        try:
            async for message in call:
                if message.HasField("object"):
                    if message.object.size > self.max_bytes:
                        call.cancel()
                        return None
                    content_type, sha256 = message.object.content_type, message.object.sha256
                else:
                    parts.append(message.chunk)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise domain_error(error, "Kho lưu tệp: ") from error
        return File(b"".join(parts), content_type, sha256)


class Directory:
    """The units a person belongs to, from the registry's directory (read with their own token)."""

    def __init__(self, registry: Any | None, ttl_s: float = 30.0) -> None:
        self.registry = registry
        self.ttl_s = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, tuple[str, ...]]] = {}

    async def units_of(self, agency_code: str, subject: str, token: str) -> tuple[str, ...]:
        if self.registry is None:
            return ()
        key = (agency_code, subject)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        try:
            reply = await self.registry.ListUnitMembers(registry_pb2.ListUnitMembersRequest(),
                                                        metadata=bearer_metadata(token))
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNAVAILABLE:
                raise Unavailable("Chưa đọc được danh bạ của dịch vụ registry: hãy thử lại sau ít phút.") from error
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        units = tuple(sorted({m.unit_code for m in reply.members if m.subject == subject}))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, units)
        return units
