"""The services interchange calls, always with its own service token and naming the agency it acts for.

- the registry: an issued document (GetDocument; GetDocuments for those of a consumer's batch at once), an agency
  of the directory (GetAgency), an arrival recorded for the recipient (CreateDocument with the delivery's
  ``arrival_key``, so the same package twice makes one arrival; RecordArrivals for the arrivals of a consumer's batch
  at once), a revocation on a document (RecordRevocation: a sender's request on an arrival, its own agency's on an
  outgoing document);
- storage: an issued document's files (Download, one object by id; ReadObjects for those of a consumer's batch in
  one call), a received package's files stored for the recipient agency (Upload; storage keeps one object per agency
  and content), or, for a package built here, copied inside storage from the sending agency's object with the same
  digest (CopyObject: the bytes do not travel again; CopyObjects for the files of a consumer's batch at once).

Both are granted to the ``vanthu-interchange`` client by the access table (:mod:`vanthu_core.policy`), nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2, registry_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from vanthu_core.grpc_client import bearer_metadata, domain_error, item_error
from vanthu_core.service_token import ServiceTokens

log = logging.getLogger("vanthu.interchange")
T = TypeVar("T")

TIMEOUT_S = 120.0
#: The failures of a batch call that every item of it meets (the callee unreachable or out of time): the call's
#: failure is then each item's. Any other failure of a batch call (one item's bad answer failing the whole call, an
#: answer that leaves items out) is not taken as each item's: the items are asked for one by one instead, so one of
#: them failing does not send the others of the batch back to wait for a redelivery.
OUTAGES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED})
#: How many single calls at once stand for a batch call that failed for what it carried.
SINGLE_CALLS_AT_ONCE = 8
CHUNK = 1024 * 1024
#: The most files one CopyObjects call carries (storage takes at most 256).
COPIES_PER_CALL = 256
#: The most documents one GetDocuments call, and files one ReadObjects call, asks for (both take at most 256).
READS_PER_CALL = 256


@dataclass(frozen=True)
class StoredFile:
    object_id: str
    sha256: str
    content_type: str
    file_name: str


def _split(error: grpc.aio.AioRpcError | Unavailable, count: int) -> bool:
    """Whether a batch call of ``count`` items that failed with ``error`` is asked again item by item (see
    :data:`OUTAGES`)."""
    if count < 2:
        return False
    return isinstance(error, Unavailable) or error.code() not in OUTAGES


async def _one_by_one(items: Sequence[tuple[str, ...]], call: Callable[..., Awaitable[T]], what: str
                      ) -> list[T | DomainError]:
    """``call(*item)`` for each item, :data:`SINGLE_CALLS_AT_ONCE` at a time; one result per item, in order, its
    answer or the :class:`DomainError` it alone met."""
    log.warning("a batch call failed for what it carried; asking for its items one by one",
                extra={"call": what, "count": len(items)})
    gate = asyncio.Semaphore(SINGLE_CALLS_AT_ONCE)

    async def one(item: tuple[str, ...]) -> T | DomainError:
        async with gate:
            try:
                return await call(*item)
            except DomainError as error:
                return error

    return list(await asyncio.gather(*(one(item) for item in items)))


async def _instead(failure: grpc.aio.AioRpcError | Unavailable, items: Sequence[tuple[str, ...]],
                   call: Callable[..., Awaitable[T]], what: str, prefix: str) -> list[T | DomainError]:
    """What a batch call of ``items`` that failed with ``failure`` answers instead: its items one by one
    (:func:`_one_by_one`) when :func:`_split` says so; otherwise ``failure`` is raised (a gRPC error as its
    :class:`DomainError`, ``prefix`` naming the service)."""
    if not _split(failure, len(items)):
        if isinstance(failure, grpc.aio.AioRpcError):
            raise domain_error(failure, prefix) from failure
        raise failure
    return await _one_by_one(items, call, what)


class Registry:
    """The registry, for interchange."""

    def __init__(self, channel: grpc.aio.Channel, tokens: ServiceTokens, *, wait_for_ready: bool = False,
                 agency_cache_s: float = 0.0) -> None:
        self.documents = documents_pb2_grpc.DocumentServiceStub(channel)
        #: Directory entries found are kept this many seconds (0: not kept): every package names its sender's and
        #: the reporter's agency, and the directory changes rarely (a renamed agency shows within that time).
        self.agency_cache_s = agency_cache_s
        self._agencies: dict[str, tuple[float, registry_pb2.Agency]] = {}
        self.directory = registry_pb2_grpc.RegistryServiceStub(channel)
        self.tokens = tokens
        #: Calls wait (up to their deadline) while the registry cannot be reached, instead of failing at once: the
        #: consumers' handlers ride out a restart, so their few redeliveries are not spent on it (see server.py).
        self.wait_for_ready = wait_for_ready

    async def _metadata(self) -> tuple[tuple[str, str], ...]:
        return bearer_metadata(await self.tokens.token())

    async def issued_document(self, agency_code: str, document_id: str) -> documents_pb2.Document:
        """An issued document of ``agency_code`` (NotFound before it is issued)."""
        try:
            reply = await self.documents.GetDocument(
                documents_pb2.GetDocumentRequest(id=document_id, agency_code=agency_code),
                metadata=await self._metadata(), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return reply.document

    async def issued_documents(self, items: list[tuple[str, str]]) -> list[documents_pb2.Document | DomainError]:
        """:meth:`issued_document` for several ``(agency_code, document_id)`` at once (GetDocuments: one call and one
        read per :data:`READS_PER_CALL`); one result per item, in order, its document or the :class:`DomainError`
        it alone met. A failure of the call that every item meets (:data:`OUTAGES`) raises; another failure of it
        asks for its documents one by one (GetDocument)."""
        results: list[documents_pb2.Document | DomainError] = []
        for start in range(0, len(items), READS_PER_CALL):
            part = items[start:start + READS_PER_CALL]
            try:
                reply = await self.documents.GetDocuments(
                    documents_pb2.GetDocumentsRequest(items=[
                        documents_pb2.GetDocumentRequest(id=document_id, agency_code=agency)
                        for agency, document_id in part]),
                    metadata=await self._metadata(), timeout=TIMEOUT_S, wait_for_ready=self.wait_for_ready)
            except grpc.aio.AioRpcError as error:
                results.extend(await _instead(error, part, self.issued_document, "GetDocuments", "Dịch vụ văn bản: "))
                continue
            if len(reply.results) != len(part):
                short = Unavailable(f"Dịch vụ văn bản: trả lời {len(reply.results)} kết quả cho {len(part)} văn bản.")
                results.extend(await _instead(short, part, self.issued_document, "GetDocuments", "Dịch vụ văn bản: "))
                continue
            results.extend(result.document if not result.error_code else
                           item_error(result.error_code, result.error_message, result.error_field,
                                      "Dịch vụ văn bản: ") for result in reply.results)
        return results

    async def agency(self, code: str) -> registry_pb2.Agency | None:
        """The directory's entry for ``code``; None when there is none."""
        if self.agency_cache_s > 0:
            kept = self._agencies.get(code)
            if kept is not None and kept[0] > time.monotonic():
                return kept[1]
        try:
            reply = await self.directory.GetAgency(registry_pb2.GetAgencyRequest(code=code),
                                                   metadata=await self._metadata(), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            failure = domain_error(error, "registry: ")
            if isinstance(failure, NotFound):
                return None
            raise failure from error
        if self.agency_cache_s > 0:
            if len(self._agencies) > 10_000:  # a province has ~1,000 agencies; never grow without bound
                self._agencies.clear()
            self._agencies[code] = (time.monotonic() + self.agency_cache_s, reply.agency)
        return reply.agency

    async def subtree(self, code: str, limit: int = 5000) -> dict[str, registry_pb2.Agency]:
        """``code`` and every agency under it in the directory, those no longer active included (code → agency: name,
        active period), parents first; at most ``limit``."""
        root = await self.agency(code)
        found = {code: root if root is not None else registry_pb2.Agency(code=code)}
        queue = [code]
        while queue and len(found) < limit:
            parent = queue.pop(0)
            token = ""
            while True:
                try:
                    reply = await self.directory.ListAgencies(
                        registry_pb2.ListAgenciesRequest(parent_code=parent, page=common_pb2.PageRequest(
                            page_size=500, page_token=token)), metadata=await self._metadata(), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
                except grpc.aio.AioRpcError as error:
                    raise domain_error(error, "Dịch vụ văn bản: ") from error
                for agency in reply.agencies:
                    if agency.code not in found:
                        found[agency.code] = agency
                        queue.append(agency.code)
                token = reply.page.next_page_token
                if not token:
                    break
        return found

    async def record_arrival(self, agency_code: str, arrival_key: str,
                             document: documents_pb2.DocumentInput) -> documents_pb2.Document:
        """Create (once per ``arrival_key``) the arrival of ``agency_code``."""
        try:
            reply = await self.documents.CreateDocument(
                documents_pb2.CreateDocumentRequest(document=document, agency_code=agency_code,
                                                    arrival_key=arrival_key),
                metadata=await self._metadata(), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return reply.document

    async def record_arrivals(self, arrivals: list[tuple[str, str, documents_pb2.DocumentInput]], *,
                              traces: list[dict[str, str]] | None = None) -> list[documents_pb2.Document | DomainError]:
        """Create (once per ``arrival_key``) several arrivals, ``(agency_code, arrival_key, document)`` each, in one
        call and one transaction of the registry (RecordArrivals): one result per arrival, in order, its document or
        the :class:`DomainError` it alone met. ``traces``: the W3C trace headers each arrival's events continue (the
        message it came in). A failure of the call itself raises."""
        try:
            reply = await self.documents.RecordArrivals(
                documents_pb2.RecordArrivalsRequest(arrivals=[
                    documents_pb2.CreateDocumentRequest(document=document, agency_code=agency, arrival_key=key)
                    for agency, key, document in arrivals],
                    traceparents=[t.get("traceparent", "") for t in traces] if traces else []),
                metadata=await self._metadata(), timeout=TIMEOUT_S, wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        if len(reply.results) != len(arrivals):
            raise Unavailable(f"Dịch vụ văn bản: trả lời {len(reply.results)} kết quả cho {len(arrivals)} văn bản đến.")
        return [result.document if not result.error_code else _arrival_error(result) for result in reply.results]

    async def record_revocation(self, agency_code: str, document_id: str, state: str, reason: str = "",
                                kind: str = "", *, update: documents_pb2.DocumentInput | None = None,
                                actor: str = "") -> documents_pb2.Document:
        """Record a revocation on a document of ``agency_code`` (RecordRevocation: requested, pending, settled); a
        requested update carries the update package's content (``update``: an arrival's input); ``actor``: the
        username of the person who asked (the sender's clerk), named in the document's history."""
        try:
            reply = await self.documents.RecordRevocation(
                documents_pb2.RecordRevocationRequest(agency_code=agency_code, id=document_id, state=state,
                                                      reason=reason, kind=kind, update=update, actor=actor),
                metadata=await self._metadata(), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return reply.document


class Storage:
    """Storage, for interchange."""

    def __init__(self, channel: grpc.aio.Channel, tokens: ServiceTokens, max_file_bytes: int, *,
                 wait_for_ready: bool = False) -> None:
        self.stub = storage_pb2_grpc.StorageServiceStub(channel)
        self.tokens = tokens
        self.max_file_bytes = max_file_bytes
        #: As :attr:`Registry.wait_for_ready`.
        self.wait_for_ready = wait_for_ready

    async def read(self, agency_code: str, object_id: str) -> bytes:
        """The bytes of one object of ``agency_code`` (verified by storage while streaming)."""
        parts: list[bytes] = []
        call = self.stub.Download(storage_pb2.DownloadRequest(object_id=object_id, agency_code=agency_code),
                                  metadata=bearer_metadata(await self.tokens.token()), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        try:
            async for message in call:
                if message.HasField("object"):
                    if message.object.size > self.max_file_bytes:
                        call.cancel()
                        raise InvalidArgument("files", f"tệp {object_id} dài {message.object.size} byte, vượt "
                                                       f"{self.max_file_bytes} byte một gói tin mang được.")
                else:
                    parts.append(message.chunk)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Kho lưu tệp: ") from error
        return b"".join(parts)

    async def read_many(self, items: list[tuple[str, str]]) -> list[bytes | DomainError]:
        """:meth:`read` for several ``(agency_code, object_id)`` at once (ReadObjects: one call and one lookup per
        :data:`READS_PER_CALL`, the bytes verified by storage while streaming); one result per item, in order, its
        bytes or the :class:`DomainError` it alone met (a file longer than ``max_file_bytes`` is refused as
        :meth:`read` refuses it, its bytes not sent). A failure of the call that every item meets (:data:`OUTAGES`)
        raises; another failure of it, or an answer that leaves a file out, reads its files one by one (Download)."""
        results: list[bytes | DomainError] = []
        for start in range(0, len(items), READS_PER_CALL):
            part = items[start:start + READS_PER_CALL]
            found: list[bytes | DomainError | None] = [None] * len(part)
            parts: dict[int, list[bytes]] = {}
            call = self.stub.ReadObjects(
                storage_pb2.ReadObjectsRequest(items=[
                    storage_pb2.DownloadRequest(object_id=object_id, agency_code=agency) for agency, object_id in part],
                    max_size=self.max_file_bytes),
                metadata=bearer_metadata(await self.tokens.token()), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
            try:
                if not await self._read_part(call, part, found, parts):
                    call.cancel()
                    odd = Unavailable(f"Kho lưu tệp: trả lời về một tệp không được hỏi trong {len(part)} tệp.")
                    results.extend(await _instead(odd, part, self.read, "ReadObjects", "Kho lưu tệp: "))
                    continue
            except grpc.aio.AioRpcError as error:
                results.extend(await _instead(error, part, self.read, "ReadObjects", "Kho lưu tệp: "))
                continue
            for index, chunks in parts.items():
                if found[index] is None:
                    found[index] = b"".join(chunks)
            if any(result is None for result in found):
                short = Unavailable(f"Kho lưu tệp: không trả lời đủ {len(part)} tệp.")
                results.extend(await _instead(short, part, self.read, "ReadObjects", "Kho lưu tệp: "))
                continue
            results.extend(result for result in found if result is not None)
        return results

    async def _read_part(self, call: AsyncIterator[storage_pb2.ReadObjectsResponse], part: list[tuple[str, str]],
                         found: list[bytes | DomainError | None], parts: dict[int, list[bytes]]) -> bool:
        """Read one ReadObjects answer into ``found`` (each item's error or refusal) and ``parts`` (each item's
        chunks); False when it names an item it was not asked for."""
        current = -1
        async for message in call:
            which = message.WhichOneof("part")
            if which == "chunk":
                if current in parts:
                    parts[current].append(message.chunk)
                continue
            if not 0 <= message.index < len(part):
                return False
            current = message.index
            parts.pop(current, None)
            if which == "error":
                found[current] = item_error(message.error.code, message.error.message, message.error.field,
                                            "Kho lưu tệp: ")
            elif message.object.size > self.max_file_bytes:
                found[current] = InvalidArgument(
                    "files", f"tệp {part[current][1]} dài {message.object.size} byte, vượt "
                             f"{self.max_file_bytes} byte một gói tin mang được.")
            else:
                parts[current] = []
        return True

    async def store(self, agency_code: str, file_name: str, content: bytes, content_type: str = "") -> StoredFile:
        """Store a received file for ``agency_code``; storage checks what the bytes are (a declared type that
        disagrees is refused: InvalidArgument)."""

        async def messages() -> AsyncIterator[storage_pb2.UploadRequest]:
            yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(
                file_name=file_name, declared_content_type=content_type, size_hint=len(content),
                agency_code=agency_code))
            for start in range(0, len(content), CHUNK):
                yield storage_pb2.UploadRequest(chunk=content[start:start + CHUNK])

        try:
            reply = await self.stub.Upload(messages(), metadata=bearer_metadata(await self.tokens.token()),
                                           timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Kho lưu tệp: ") from error
        o = reply.object
        return StoredFile(o.object_id, o.sha256, o.content_type, o.file_name)


    async def copy(self, source_agency: str, sha256: str, agency_code: str, file_name: str) -> StoredFile | None:
        """Have storage copy ``source_agency``'s object with the digest ``sha256`` for ``agency_code`` (CopyObject:
        the bytes do not travel); None when the source agency holds no such object (the caller uploads the bytes
        then). Other refusals and failures raise as :meth:`store`'s do."""
        try:
            reply = await self.stub.CopyObject(
                storage_pb2.CopyObjectRequest(source_agency_code=source_agency, sha256=sha256,
                                              agency_code=agency_code, file_name=file_name),
                metadata=bearer_metadata(await self.tokens.token()), timeout=TIMEOUT_S,
                wait_for_ready=self.wait_for_ready)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise domain_error(error, "Kho lưu tệp: ") from error
        o = reply.object
        return StoredFile(o.object_id, o.sha256, o.content_type, o.file_name)


    async def copy_many(self, items: list[tuple[str, str, str, str]], *,
                        traces: list[dict[str, str]] | None = None) -> list[StoredFile | DomainError | None]:
        """:meth:`copy` for several files at once, ``(source_agency, sha256, agency_code, file_name)`` each (storage's
        CopyObjects: one call and one transaction per :data:`COPIES_PER_CALL`); one result per item, in order: the
        recipient's file, None when the source agency holds no such object (the caller uploads it then), or the
        error that item alone met. ``traces``: the W3C trace headers each item's event continues. A failure of the
        call that every item meets (:data:`OUTAGES`) raises; another failure of it copies its files one by one
        (CopyObject)."""
        results: list[StoredFile | DomainError | None] = []
        for start in range(0, len(items), COPIES_PER_CALL):
            part = items[start:start + COPIES_PER_CALL]
            parents = [t.get("traceparent", "") for t in traces[start:start + COPIES_PER_CALL]] if traces else []
            try:
                reply = await self.stub.CopyObjects(
                    storage_pb2.CopyObjectsRequest(items=[
                        storage_pb2.CopyObjectRequest(source_agency_code=source, sha256=sha256, agency_code=agency,
                                                      file_name=name) for source, sha256, agency, name in part],
                        traceparents=parents),
                    metadata=bearer_metadata(await self.tokens.token()), timeout=TIMEOUT_S,
                    wait_for_ready=self.wait_for_ready)
            except grpc.aio.AioRpcError as error:
                results.extend(await _instead(error, part, self.copy, "CopyObjects", "Kho lưu tệp: "))
                continue
            if len(reply.results) != len(part):
                short = Unavailable(f"Kho lưu tệp: trả lời {len(reply.results)} kết quả cho {len(part)} tệp.")
                results.extend(await _instead(short, part, self.copy, "CopyObjects", "Kho lưu tệp: "))
                continue
            for result in reply.results:
                if not result.HasField("error"):
                    o = result.copied.object
                    results.append(StoredFile(o.object_id, o.sha256, o.content_type, o.file_name))
                elif result.error.code == grpc.StatusCode.NOT_FOUND.value[0]:
                    results.append(None)
                else:
                    results.append(item_error(result.error.code, result.error.message, result.error.field,
                                              "Kho lưu tệp: "))
        return results


def _arrival_error(result: documents_pb2.ArrivalResult) -> DomainError:
    """The error one arrival of RecordArrivals met, as the registry would have raised it for a CreateDocument."""
    code = next((c for c in grpc.StatusCode if c.value[0] == result.error_code), grpc.StatusCode.UNKNOWN)
    message = "Dịch vụ văn bản: " + result.error_message
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        return InvalidArgument(result.error_field or "request", message, names_field=True)
    mapped: dict[grpc.StatusCode, type[DomainError]] = {
        grpc.StatusCode.NOT_FOUND: NotFound, grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
        grpc.StatusCode.ALREADY_EXISTS: Conflict, grpc.StatusCode.ABORTED: Conflict,
        grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition}
    return mapped.get(code, Unavailable)(message)


def is_refusal(error: DomainError) -> bool:
    """A callee's answer that repeating cannot change (bad input, refused): the package goes back with 02."""
    return error.code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                                 grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND,
                                 grpc.StatusCode.OUT_OF_RANGE)
