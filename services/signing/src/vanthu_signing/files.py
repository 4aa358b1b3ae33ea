"""Reading the PDF to sign from storage and storing the signed result, always with the caller's own token,
so storage's tenancy decides what the caller may read and the result belongs to the caller's agency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc

from vanthu.storage.v1 import storage_pb2 as spb
from vanthu_core.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from vanthu_core.grpc_client import bearer_metadata

CHUNK = 1024 * 1024
#: Storage calls move up to the PDF limit; they get a longer deadline than ordinary calls.
TIMEOUT_S = 120.0


class NotAPdf(InvalidArgument):
    """The stored object is some other type of file (storage detected its type from the bytes)."""


@dataclass(frozen=True)
class Fetched:
    pdf: bytes
    file_name: str
    agency_code: str


@dataclass(frozen=True)
class Stored:
    object_id: str
    sha256: str


class PdfFiles:
    """The storage service seen from signing (``stub`` None: storage is not deployed)."""

    def __init__(self, stub: Any | None, max_bytes: int) -> None:
        self.stub = stub
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return self.stub is not None

    async def read(self, object_id: str, token: str) -> Fetched:
        """The object's bytes (verified by storage while streaming), its file name and owner."""
        if self.stub is None:
            raise Unavailable("the storage service is not configured; send the PDF bytes instead of an object id")
        name = owner = ""
        parts: list[bytes] = []
        call = self.stub.Download(spb.DownloadRequest(object_id=object_id), metadata=bearer_metadata(token),
                                  timeout=TIMEOUT_S)
        try:
            async for message in call:
                if message.HasField("object"):
                    if message.object.size > self.max_bytes:
                        call.cancel()
                        raise InvalidArgument("source.object_id", f"the file is {message.object.size} bytes; at "
                                                                  f"most {self.max_bytes} bytes can be signed")
                    if message.object.content_type != "application/pdf":
                        call.cancel()
                        raise NotAPdf("source.object_id", f"the file is {message.object.content_type}, not a PDF")
                    name, owner = message.object.file_name, message.object.agency_code
                else:
                    parts.append(message.chunk)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc
        return Fetched(b"".join(parts), name, owner)

    async def write(self, pdf: bytes, file_name: str, token: str) -> Stored:
        assert self.stub is not None

        async def messages() -> AsyncIterator[spb.UploadRequest]:
            yield spb.UploadRequest(metadata=spb.UploadMetadata(file_name=file_name,
                                                                declared_content_type="application/pdf",
                                                                size_hint=len(pdf)))
            for start in range(0, len(pdf), CHUNK):
                yield spb.UploadRequest(chunk=pdf[start:start + CHUNK])

        try:
            reply = await self.stub.Upload(messages(), metadata=bearer_metadata(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc, "the signed file could not be stored: ") from exc
        return Stored(reply.object.object_id, reply.object.sha256)


def _translate(exc: grpc.aio.AioRpcError, prefix: str = "") -> DomainError:
    """Storage's answer as this service's error (the caller sees the same status and reason)."""
    detail = prefix + (exc.details() or "")
    code = exc.code()
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(detail)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return PermissionDenied(detail)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        return InvalidArgument("source", detail)
    if code in (grpc.StatusCode.DATA_LOSS, grpc.StatusCode.FAILED_PRECONDITION):
        return FailedPrecondition(detail)
    return Unavailable(f"storage: {detail}")
