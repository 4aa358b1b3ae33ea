"""``/api/v1/files``: document files in the storage service (upload, metadata, download, expiring links).

Uploads are multipart forms, parsed as they arrive: the file part streams on to storage in chunks (nothing is
spooled in the gateway) and storage checks type, size and digest. Downloads stream back and support a single
``Range``. A download link is an HMAC-signed, expiring URL to this gateway (the local backend has no presigned
URLs, and one form for both backends keeps clients simple); the gateway serves it with its own service token
after checking that the object still belongs to the agency the link was made for.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from vanthu.registry.v1 import documents_pb2
from vanthu.storage.v1 import storage_pb2 as pb
from vanthu.workflow.v1 import workflow_pb2
from vanthu_core import clients, wire
from vanthu_core.auth import Principal
from vanthu_core.errors import InvalidArgument, PermissionDenied, Unavailable
from vanthu_core.grpc_server import field_violations
from vanthu_core.policy import DOCUMENTS, STORAGE, WORKFLOW
from vanthu_gateway import disposition
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.problems import problem

router = APIRouter(prefix="/api/v1/files", tags=["files"])
User = Annotated[Principal, Depends(authenticated)]
CHUNK = 1024 * 1024
STREAM_TIMEOUT_S = 3600.0
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class StoredObject(BaseModel):
    object_id: str
    agency_code: str
    sha256: str
    size: int
    content_type: str
    file_name: str
    uploaded_by: str
    created_at: str
    referenced: bool = Field(description="true while a document, a signing result, a copy or a record refers to "
                                         "the file: it is kept and cannot be deleted")
    references: list[str] = Field(description="what refers to the file (registry/document/<id>, ...)")
    retain_until: str
    legal_hold: bool


class Uploaded(BaseModel):
    object: StoredObject
    deduplicated: bool


class Link(BaseModel):
    url: str
    expires_at: int


def _storage(request: Request) -> Any:
    stub = request.app.state.clients.storage
    if stub is None:
        raise Unavailable("Dịch vụ lưu tệp chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def _object(o: pb.StoredObject) -> StoredObject:
    return StoredObject(object_id=o.object_id, agency_code=o.agency_code, sha256=o.sha256, size=o.size,
                        content_type=o.content_type, file_name=o.file_name, uploaded_by=o.uploaded_by,
                        created_at=o.created_at, referenced=o.referenced, references=list(o.references),
                        retain_until=o.retain_until,
                        legal_hold=o.legal_hold)


UPLOAD_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "sha256": {"type": "string", "maxLength": 64,
                   "description": "optional: refuse if the bytes differ (send it before the file part)"},
        "file": {"type": "string", "format": "binary"}}}}}}}


UPLOAD_METHOD = "/vanthu.storage.v1.StorageService/Upload"


class _FormStream:
    """A ``multipart/form-data`` body parsed as it arrives (``python-multipart``'s streaming parser), so the file
    goes on to storage chunk by chunk instead of being spooled to a temporary file first.

    Accepts one file part named ``file`` and an optional ``sha256`` field before it; other fields are ignored. The
    file name is read as browsers and .NET clients send it (:mod:`vanthu_gateway.disposition`).
    """

    def __init__(self, request: Request) -> None:
        from python_multipart.multipart import MultipartParser, parse_options_header

        kind, options = parse_options_header(request.headers.get("content-type", ""))
        if kind != b"multipart/form-data" or not options.get(b"boundary"):
            raise InvalidArgument("file", "hãy gửi tệp trong biểu mẫu multipart/form-data có phần 'file'.")
        charset = options.get(b"charset", b"utf-8").decode("latin-1")
        self.charset = charset if charset.lower().replace("_", "-") in ("utf-8", "utf8", "latin-1") else "utf-8"
        self.body = request.stream().__aiter__()
        self.parser = MultipartParser(options[b"boundary"], {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._data,
            "on_part_end": self._part_end, "on_end": self._end})
        self.header_name, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.part = ""  # "file", "sha256" or "" (ignored)
        self.field = bytearray()
        self.sha256 = ""
        self.file_name, self.content_type = "", ""
        self.file_seen = self.file_done = self.ended = False
        self.pieces: list[bytes] = []
        self.pending = 0

    def _decode(self, value: bytes) -> str:
        try:
            return value.decode(self.charset)
        except UnicodeDecodeError:
            return value.decode("latin-1")

    def _begin(self) -> None:
        self.headers, self.part = {}, ""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.header_name.strip().lower()] = self.header_value.strip()
        self.header_name, self.header_value = b"", b""

    def _headers_finished(self) -> None:
        content_disposition = self.headers.get(b"content-disposition", b"")
        name = self._decode(disposition.parameters(content_disposition).get(b"name", b""))
        if name == "file":
            if self.file_seen:
                raise InvalidArgument("file", "mỗi lần chỉ tải lên một tệp.")
            file_name = disposition.file_name(content_disposition)  # filename* first, decoded, NFC (RFC 6266/8187)
            if file_name is None:
                raise InvalidArgument("file", "phải là phần tệp (có tên tệp: filename hoặc filename*).")
            self.part, self.file_seen = "file", True
            self.file_name = file_name
            self.content_type = self._decode(self.headers.get(b"content-type", b""))
        elif name == "sha256":
            if self.file_seen:
                raise InvalidArgument("sha256", "hãy gửi trước phần tệp của biểu mẫu.")
            self.part = "sha256"
            self.field = bytearray()

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part == "file":
            self.pieces.append(data[start:end])
            self.pending += end - start
        elif self.part == "sha256":
            self.field += data[start:end]
            if len(self.field) > 64:
                raise InvalidArgument("sha256", "tối đa 64 ký tự (một mã băm SHA-256).")

    def _part_end(self) -> None:
        if self.part == "sha256":
            self.sha256 = self._decode(bytes(self.field)).strip()
        elif self.part == "file":
            self.file_done = True
        self.part = ""

    def _end(self) -> None:
        self.ended = True

    async def _feed(self) -> bool:
        """Parse the next piece of the body; False at its end."""
        from python_multipart.exceptions import FormParserError

        chunk = await anext(self.body, None)
        if chunk is None:
            return False
        try:
            self.parser.write(chunk)
        except FormParserError as exc:
            raise InvalidArgument("file", "biểu mẫu tải lên bị hỏng: hãy tải tệp lên lại.") from exc
        return True

    async def until_file(self) -> None:
        """Read up to the file part's headers (the ``sha256`` field comes before them)."""
        while not self.file_seen:
            if not await self._feed():
                raise InvalidArgument("file", "chưa có: cần phần biểu mẫu tên 'file' chứa tệp.")

    def _take(self) -> bytes:
        """The pending file bytes as one encoded ``UploadRequest`` chunk message (a single copy)."""
        block = b"".join([wire.field_prefix(2, self.pending), *self.pieces])  # UploadRequest.chunk
        self.pieces, self.pending = [], 0
        return block

    async def chunk_messages(self, size: int) -> AsyncIterator[bytes]:
        """The file's bytes in encoded chunk messages of about ``size`` bytes; raises if the form breaks off
        before its end."""
        while True:
            more = await self._feed()
            if self.pending >= size or (self.pending and (self.file_done or not more)):
                yield self._take()
            if not more:
                break
        if not (self.file_done and self.ended):
            raise InvalidArgument("file", "biểu mẫu kết thúc trước khi hết tệp (tải lên bị ngắt?): hãy tải tệp lên "
                                          "lại.")


@router.post("", response_model=Uploaded, status_code=201, openapi_extra=UPLOAD_FORM,
             summary="Upload a file (multipart form: optional field 'sha256', then the file part 'file')")
@calls(STORAGE + "Upload")
async def upload(request: Request, principal: User) -> Uploaded:
    """The form is parsed while it arrives and the file streamed to storage as it comes (never spooled here);
    a broken or refused upload stores nothing (the storage call is cancelled and storage drops what it staged)."""
    _storage(request)
    call = request.app.state.clients.channels["storage"].stream_unary(
        UPLOAD_METHOD, request_serializer=wire.serialize, response_deserializer=pb.UploadResponse.FromString)
    form = _FormStream(request)
    await form.until_file()
    failure: Exception | None = None

    async def messages() -> AsyncIterator[pb.UploadRequest | bytes]:
        nonlocal failure
        try:
            yield pb.UploadRequest(metadata=pb.UploadMetadata(
                file_name=form.file_name, declared_content_type=form.content_type, claimed_sha256=form.sha256))
            async for message in form.chunk_messages(CHUNK):
                yield message
        except Exception as error:  # the call is cancelled: report the cause (413, 400, a client gone...)
            failure = error
            raise
        # GeneratorExit and CancelledError are not causes: gRPC stopped reading because the call ended (storage
        # refused, say) and the stream was closed; the call's own error tells why

    try:
        reply = await call(messages(), metadata=forward(principal), timeout=STREAM_TIMEOUT_S)
    except (grpc.aio.AioRpcError, asyncio.CancelledError):
        if failure is not None:
            raise failure from None
        raise
    return Uploaded(object=_object(reply.object), deduplicated=reply.deduplicated)


@router.get("/{object_id}", response_model=StoredObject,
            summary="A file's metadata (a document's file: to those who see the document, logged)")
@calls(STORAGE + "Stat", DOCUMENTS + "CheckFileAccess", WORKFLOW + "CheckFileAccess")
async def stat(request: Request, principal: User, object_id: str) -> StoredObject:
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=forward(principal))
    await check_document_file(request, principal, reply.object, "stat")
    return _object(reply.object)


@router.delete("/{object_id}", status_code=204, response_class=Response,
               summary="Delete a file you uploaded (clerks, archivists, admins: any of the agency); refused (422) "
                       "while a document or anything else refers to it, or while it is retained or held")
@calls(STORAGE + "Stat", STORAGE + "Delete", DOCUMENTS + "CheckFileAccess", WORKFLOW + "CheckFileAccess")
async def delete(request: Request, principal: User, object_id: str) -> Response:
    """A file of documents or of a task's result is first looked at as its metadata would be
    (:func:`check_document_file`): someone who may not have it gets 404, not storage's 403 (not the uploader) or 422
    (in use by ``workflow/task/<id>``), which told them it exists and what holds it."""
    storage = _storage(request)
    reply = await storage.Stat(pb.StatRequest(object_id=object_id), metadata=forward(principal))
    await check_document_file(request, principal, reply.object, "stat")
    await storage.Delete(pb.DeleteRequest(object_id=object_id), metadata=forward(principal))
    return Response(status_code=204)


#: Largest byte position storage's ``DownloadRequest`` (int64 offsets) can carry.
MAX_POSITION = 2**63 - 1


def _position(digits: str) -> int:
    """A byte position of a Range header; anything beyond int64 (20 digits and up included, which Python's
    int() would refuse past 4300 digits) becomes ``MAX_POSITION + 1``: larger than any object."""
    return int(digits) if len(digits) <= 18 else MAX_POSITION + 1


def _range(header: str) -> tuple[int, int | None]:
    """``(first, last)`` of a single ``bytes=first-[last]`` range (RFC 9110 §14.1.2); ``last`` None: to the end.

    Raises :class:`InvalidArgument` on ``Range`` for other forms and for a last position before the first.
    """
    match = RANGE.match(header.strip())
    if not match:
        raise InvalidArgument("Range", "chỉ hỗ trợ một đoạn dạng 'bytes=đầu-cuối'.")
    first = _position(match.group(1))
    last = _position(match.group(2)) if match.group(2) else None
    if last is not None and last < first:
        raise InvalidArgument("Range", "vị trí cuối đứng trước vị trí đầu.")
    return first, last


async def _unsatisfiable(request: Request, object_id: str, metadata: Any, agency: str) -> Response:
    """416 for a range that starts at or past the end of the object (RFC 9110 §15.5.17), with the object's size
    in ``Content-Range: bytes */size``; the object is looked up with the same credentials (404 stays 404). A person
    gets here only after :func:`_stream` found they may have the file (a range past the end told a colleague outside
    a job that its result file exists, and its size)."""
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id, agency_code=agency), metadata=metadata)
    size = reply.object.size
    return problem(416, f"Đoạn yêu cầu bắt đầu từ hoặc sau cuối tệp (tệp dài {size} byte).", request=request,
                   headers={"Content-Range": f"bytes */{size}"})


#: Storage's references that name a document of the registry (``registry/document/<id>``).
DOCUMENT_HOLDER = "registry/document/"
#: Storage's references that name a task of the workflow holding its result files (``workflow/task/<id>``).
TASK_HOLDER = "workflow/task/"


def document_holders(obj: pb.StoredObject) -> list[str]:
    """The documents holding a stored object, as storage's references name them (at most 20 asked about)."""
    return [r.removeprefix(DOCUMENT_HOLDER) for r in obj.references if r.startswith(DOCUMENT_HOLDER)][:20]


def task_holders(obj: pb.StoredObject) -> list[str]:
    """The workflow tasks whose result (báo cáo kết quả) holds a stored object (at most 20 asked about)."""
    return [r.removeprefix(TASK_HOLDER) for r in obj.references if r.startswith(TASK_HOLDER)][:20]


async def check_document_file(request: Request, principal: Principal, obj: pb.StoredObject, action: str) -> None:
    """A file of documents goes to a person only when they see one of those documents (the registry says so and
    logs the access, issue 13 item 7); a task's result file (báo cáo kết quả) only when they see the task's case
    (the workflow says so, issue 14 item 1); a file held by both, when either says so. A file nothing holds is
    storage's to rule on (an upload not yet put on one stays the agency's; one a document let go of — revoked,
    cancelled, replaced — its uploader's only). NotFound otherwise, as for another agency's file. ``action``:
    download, link or stat (its metadata)."""
    documents, tasks = document_holders(obj), task_holders(obj)
    if documents:
        try:
            await request.app.state.clients.documents.CheckFileAccess(
                documents_pb2.CheckFileAccessRequest(object_id=obj.object_id, document_ids=documents, action=action),
                metadata=forward(principal))
            return
        except grpc.aio.AioRpcError as error:
            if not tasks or error.code() != grpc.StatusCode.NOT_FOUND:
                raise
    if tasks:
        workflow = request.app.state.clients.workflow
        if workflow is None:  # fail closed: nobody can say who sees the case
            raise Unavailable("Dịch vụ xử lý công việc chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
        await workflow.CheckFileAccess(workflow_pb2.CheckFileAccessRequest(object_id=obj.object_id, task_ids=tasks),
                                       metadata=forward(principal))


async def _stream(request: Request, object_id: str, metadata: Any, range_header: str | None,
                  agency: str = "", principal: Principal | None = None) -> Response:
    """Stream one object: with a person's token (``agency`` empty: theirs; ``principal``, when the file is a
    document's, must see the document: :func:`check_document_file`) or with the gateway's own token for the
    ``agency`` a signed link names."""
    if principal is not None:
        # asked before the bytes are: storage writes a read of a file the archive keeps to the archive's access log
        # as its download starts, and someone refused has read nothing (nor learns by a range its size, or that it is)
        held = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=metadata)
        await check_document_file(request, principal, held.object, "download")
    offset, length = 0, 0
    if range_header:
        offset, last = _range(range_header)
        if offset > MAX_POSITION:
            return await _unsatisfiable(request, object_id, metadata, agency)
        if last is not None:
            length = min(last, MAX_POSITION) - offset + 1
    call = _storage(request).Download(pb.DownloadRequest(object_id=object_id, offset=offset, length=length,
                                                         agency_code=agency),
                                      metadata=metadata, timeout=STREAM_TIMEOUT_S)
    stream = call.__aiter__()
    try:
        first = await stream.__anext__()  # errors (not found, bad range) surface before the response starts
    except grpc.aio.AioRpcError as error:
        if range_header and error.code() == grpc.StatusCode.INVALID_ARGUMENT \
                and any(f == "offset" for f, _ in field_violations(error)):
            return await _unsatisfiable(request, object_id, metadata, agency)
        raise
    obj = first.object
    if range_header and offset >= obj.size:
        call.cancel()
        return await _unsatisfiable(request, object_id, metadata, agency)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for message in stream:
                yield message.chunk
        except grpc.aio.AioRpcError:
            # corruption found mid-stream (DATA_LOSS): end the response abnormally rather than deliver bad bytes
            raise

    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(obj.file_name)}",
               "X-Content-SHA256": obj.sha256, "Accept-Ranges": "bytes"}
    status = 200
    if range_header:
        end = offset + (length or obj.size - offset) - 1
        end = min(end, obj.size - 1)  # a last position past the end means "to the end" (RFC 9110 §14.1.2)
        headers["Content-Range"] = f"bytes {offset}-{end}/{obj.size}"
        headers["Content-Length"] = str(end - offset + 1)
        status = 206
    else:
        headers["Content-Length"] = str(obj.size)
    return StreamingResponse(body(), status_code=status, media_type=obj.content_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


#: A file as stored: its own media type (application/pdf, image/png...), the whole or one range of it.
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the file (its own media type; X-Content-SHA256 gives its digest)",
          "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
    206: {"description": "the requested range of the file (Content-Range)",
          "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
}


@router.get("/{object_id}/content", summary="Download a file (a single Range is supported)",
            response_class=StreamingResponse, responses=FILE_RESPONSES)
@calls(STORAGE + "Download", STORAGE + "Stat", DOCUMENTS + "CheckFileAccess", WORKFLOW + "CheckFileAccess")
async def download(request: Request, principal: User, object_id: str,
                   range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    return await _stream(request, object_id, forward(principal), range_header, principal=principal)


def _sign(secret: bytes, object_id: str, agency: str, expires: int) -> str:
    mac = hmac.new(secret, f"{object_id}\n{agency}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@router.post("/{object_id}/link", response_model=Link, summary="A short-lived download link that needs no token")
@calls(STORAGE + "Stat", DOCUMENTS + "CheckFileAccess", WORKFLOW + "CheckFileAccess")
async def link(request: Request, principal: User, object_id: str) -> Link:
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=forward(principal))
    await check_document_file(request, principal, reply.object, "link")
    settings = request.app.state.settings
    expires = int(time.time()) + settings.download_link_ttl_s
    agency = reply.object.agency_code
    signature = _sign(request.app.state.link_secret, object_id, agency, expires)
    url = str(request.url_for("download_by_link", object_id=object_id).include_query_params(
        agency=agency, expires=expires, signature=signature))
    return Link(url=url, expires_at=expires)


@router.get("/{object_id}/shared", name="download_by_link", response_class=StreamingResponse, responses=FILE_RESPONSES,
            summary="Download through a link made by POST /link (no token; valid until it expires)")
@calls(STORAGE + "Download", STORAGE + "Stat", client=clients.GATEWAY,
       note="no token: anyone holding a valid link made by POST /api/v1/files/{id}/link, until it expires")
async def download_by_link(request: Request, object_id: str,
                           agency: Annotated[str, Query(max_length=35)],
                           expires: Annotated[int, Query()],
                           signature: Annotated[str, Query(max_length=100)],
                           range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    expected = _sign(request.app.state.link_secret, object_id, agency, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):  # bytes: any text a client sends compares
        raise PermissionDenied("Đường dẫn tải tệp không hợp lệ: hãy mở lại văn bản để lấy đường dẫn mới.")
    if expires < time.time():
        raise PermissionDenied("Đường dẫn tải tệp đã hết hạn: hãy mở lại văn bản để lấy đường dẫn mới.")
    # the gateway's own client (vanthu-gateway): storage lets it read one object by its id for the agency it names,
    # here the link's, and nothing else; an object of another agency is not found
    token = await request.app.state.service_tokens.token()
    return await _stream(request, object_id, (("authorization", f"Bearer {token}"),), range_header, agency)
