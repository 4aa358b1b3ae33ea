"""The files of a task's result (báo cáo kết quả) in the storage service.

Completing a task with result files: each upload is checked to be the caller's own (read with their token, so
storage's tenancy answers NotFound for another agency's; uploaded by them) and a PDF, DOCX or XLSX within the
gateway's upload limit; then workflow refers to it (``workflow/task/<task id>``, the service's own token, naming the
agency) so that storage's sweep keeps it. The reference is added before the completion is committed and released
again if the completion fails: a completed task always holds its files, and a refused completion leaves none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

import grpc

from vanthu.storage.v1 import storage_pb2 as spb
from vanthu_core.errors import DomainError, InvalidArgument, Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error
from vanthu_core.service_token import ServiceTokens

log = logging.getLogger("vanthu.workflow")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The types a result file may have (báo cáo kết quả: PDF, Word, Excel).
RESULT_TYPES = frozenset({PDF, DOCX, XLSX})
#: The gateway's upload limit (its ``max_upload_bytes``).
MAX_RESULT_BYTES = 200 * 1024 * 1024


def task_holder(task_id: str) -> str:
    """The reference workflow holds on the result files of a task."""
    return f"workflow/task/{task_id}"


class StoredFile(Protocol):
    object_id: str
    agency_code: str
    content_type: str
    size: int
    uploaded_by: str
    file_name: str


def not_own(field: str) -> InvalidArgument:
    """The refusal of a file that is not the caller's own upload in the agency's store: the same whether it is a
    colleague's (a document's file they do not see, say), another agency's or none at all, and naming nothing of it
    (its file name, whether it exists: storage lets anyone of the agency read a held file's metadata)."""
    return InvalidArgument(field, "không phải tệp đồng chí đã tải lên kho của cơ quan: hãy tải tệp kết quả lên rồi "
                                  "đính kèm.")


def check_result_file(obj: StoredFile, field: str, *, agency_code: str, subject: str,
                      max_bytes: int = MAX_RESULT_BYTES) -> None:
    """One upload as a result file: the caller's own, of an accepted type, within the limit."""
    if obj.agency_code != agency_code or obj.uploaded_by != subject:
        raise not_own(field)
    if obj.content_type not in RESULT_TYPES:
        raise InvalidArgument(field, f"tệp «{obj.file_name}» không phải PDF, DOCX hay XLSX.")
    if obj.size > max_bytes:
        raise InvalidArgument(field, f"tệp «{obj.file_name}» lớn hơn {max_bytes // (1024 * 1024)} MB.")


class ResultFiles(Protocol):
    """The storage service seen from workflow's task completion."""

    async def check(self, token: str, agency_code: str, subject: str, object_ids: Sequence[str]) -> None: ...

    async def keep(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None: ...

    async def let_go(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None: ...


class NoStorage:
    """Storage not deployed: a completion without files works, one with files is refused."""

    async def check(self, token: str, agency_code: str, subject: str, object_ids: Sequence[str]) -> None:
        if object_ids:
            raise Unavailable("Kho lưu tệp chưa được kết nối: chưa đính kèm được tệp kết quả, báo quản trị hệ thống.")

    async def keep(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None:
        return None

    async def let_go(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None:
        return None


class StorageResultFiles:
    """Storage's Stat with the caller's token; AddReference and ReleaseReference with the service's own."""

    def __init__(self, stub: Any, tokens: ServiceTokens, max_bytes: int = MAX_RESULT_BYTES) -> None:
        self.stub, self.tokens, self.max_bytes = stub, tokens, max_bytes

    async def check(self, token: str, agency_code: str, subject: str, object_ids: Sequence[str]) -> None:
        for n, object_id in enumerate(object_ids):
            field = f"result_file_ids[{n}]"
            try:
                reply = await self.stub.Stat(spb.StatRequest(object_id=object_id), metadata=bearer_metadata(token))
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.NOT_FOUND:
                    raise not_own(field) from exc
                raise domain_error(exc, "Kho lưu tệp: ") from exc
            check_result_file(reply.object, field, agency_code=agency_code, subject=subject,
                              max_bytes=self.max_bytes)

    async def keep(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None:
        if not object_ids:
            return
        request = spb.AddReferencesRequest(items=[spb.AddReferenceRequest(
            object_id=object_id, holder=holder, agency_code=agency_code) for object_id in object_ids])
        try:
            reply = await self.stub.AddReferences(request, metadata=bearer_metadata(await self.tokens.token()))
        except grpc.aio.AioRpcError as exc:
            raise domain_error(exc, "Kho lưu tệp: ") from exc
        failed = [(n, r.error) for n, r in enumerate(reply.results) if r.HasField("error")]
        if failed:
            await self.let_go(agency_code, holder, object_ids)
            n, error = failed[0]
            raise InvalidArgument(f"result_file_ids[{n}]", f"kho lưu tệp không giữ được tệp: {error.message}")

    async def let_go(self, agency_code: str, holder: str, object_ids: Sequence[str]) -> None:
        """End the references; a failure keeps the files (logged), never loses them."""
        for object_id in object_ids:
            try:
                await self.stub.ReleaseReference(spb.ReleaseReferenceRequest(
                    object_id=object_id, holder=holder, agency_code=agency_code),
                    metadata=bearer_metadata(await self.tokens.token()))
            except (grpc.aio.AioRpcError, DomainError) as exc:
                log.warning("a result file's reference was not released; the file is kept",
                            extra={"object_id": object_id, "holder": holder, "error": str(exc)})
