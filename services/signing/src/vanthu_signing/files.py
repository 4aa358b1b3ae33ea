"""Reading the PDF to sign from storage and storing the signed result, always with the caller's own token,
so storage's tenancy decides what the caller may read and the result belongs to the caller's agency; and the
references signing holds on its results (``signing/result/<signing id>``), with the service's own token.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc

from vanthu.storage.v1 import storage_pb2 as spb
from vanthu_core.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error
from vanthu_core.service_token import ServiceTokens

log = logging.getLogger("vanthu.signing")

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


def result_holder(signing_id: str) -> str:
    """The reference signing holds on the file a signing produced."""
    return f"signing/result/{signing_id}"


class PdfFiles:
    """The storage service seen from signing (``stub`` None: storage is not deployed)."""

    def __init__(self, stub: Any | None, max_bytes: int, tokens: ServiceTokens | None = None) -> None:
        self.stub = stub
        self.max_bytes = max_bytes
        self.tokens = tokens

    async def keep(self, object_id: str, agency_code: str, holder: str) -> None:
        """Refer to a stored result so that storage keeps it (the service's own token, naming the agency)."""
        if self.stub is None or self.tokens is None:
            raise Unavailable("Dịch vụ ký số chưa có tài khoản dịch vụ để lưu kết quả vào kho: báo quản trị hệ thống.")
        try:
            await self.stub.AddReference(spb.AddReferenceRequest(object_id=object_id, holder=holder,
                                                                 agency_code=agency_code),
                                         metadata=bearer_metadata(await self.tokens.token()))
        except grpc.aio.AioRpcError as exc:
            raise domain_error(exc, "Kho lưu tệp: ") from exc

    async def let_go(self, object_id: str, agency_code: str, holder: str) -> None:
        """End a reference; a failure keeps the file (logged), never loses it."""
        if self.stub is None or self.tokens is None:
            return
        try:
            await self.stub.ReleaseReference(spb.ReleaseReferenceRequest(object_id=object_id, holder=holder,
                                                                         agency_code=agency_code),
                                             metadata=bearer_metadata(await self.tokens.token()))
        except (grpc.aio.AioRpcError, DomainError) as exc:
            log.warning("a file reference was not released; the file is kept",
                        extra={"object_id": object_id, "holder": holder, "error": str(exc)})

    @property
    def enabled(self) -> bool:
        return self.stub is not None

    async def read(self, object_id: str, token: str, for_agency: str = "") -> Fetched:
        """The object's bytes (verified by storage while streaming), its file name and owner.

        With a person's token storage reads within their agency; with the service's own token ``for_agency`` names
        the agency signing acts for (storage grants signing's client reads, to verify arrivals).
        """
        if self.stub is None:
            raise Unavailable("Chưa cấu hình dịch vụ lưu tệp: hãy gửi nội dung tệp PDF thay cho mã tệp.")
        name = owner = ""
        parts: list[bytes] = []
        call = self.stub.Download(spb.DownloadRequest(object_id=object_id, agency_code=for_agency),
                                  metadata=bearer_metadata(token),
                                  timeout=TIMEOUT_S)
        try:
            async for message in call:
                if message.HasField("object"):
                    if message.object.size > self.max_bytes:
                        call.cancel()
                        raise InvalidArgument("source.object_id", f"tệp dài {message.object.size} byte; chỉ ký số "
                                                                  f"được tệp tối đa {self.max_bytes} byte.")
                    if message.object.content_type != "application/pdf":
                        call.cancel()
                        kind = message.object.content_type
                        raise NotAPdf("source.object_id", f"tệp có kiểu {kind}, không phải PDF: chỉ ký được tệp PDF.")
                    name, owner = message.object.file_name, message.object.agency_code
                else:
                    parts.append(message.chunk)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from exc
        return Fetched(b"".join(parts), name, owner)

    async def write(self, pdf: bytes, file_name: str, token: str, agency_code: str = "") -> Stored:
        """Store ``pdf``: with a person's token for their agency; with the service's own token for ``agency_code``
        (an archival augmentation the records service asked for)."""
        assert self.stub is not None

        async def messages() -> AsyncIterator[spb.UploadRequest]:
            yield spb.UploadRequest(metadata=spb.UploadMetadata(file_name=file_name, agency_code=agency_code,
                                                                declared_content_type="application/pdf",
                                                                size_hint=len(pdf)))
            for start in range(0, len(pdf), CHUNK):
                yield spb.UploadRequest(chunk=pdf[start:start + CHUNK])

        try:
            reply = await self.stub.Upload(messages(), metadata=bearer_metadata(token), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc, "Không lưu được tệp đã ký số: ") from exc
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
    return Unavailable(f"Kho lưu tệp không phản hồi ({detail}): hãy thử lại sau ít phút.")
