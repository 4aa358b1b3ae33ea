"""``/api/v1/files``: document files in the storage service (upload, metadata, download, expiring links).

Uploads are multipart forms; the gateway streams the spooled upload to storage in chunks and storage
checks type, size and digest. Downloads stream back and support a single ``Range``. A download link is
an HMAC-signed, expiring URL to this gateway (the local backend has no presigned URLs, and one form for
both backends keeps clients simple); the gateway serves it with its own service token after checking that
the object still belongs to the agency the link was made for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from vanthu.storage.v1 import storage_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import InvalidArgument, PermissionDenied, Unavailable
from vanthu_gateway.auth import authenticated, forward

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
    attached: bool
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
        raise Unavailable("the storage service is not deployed")
    return stub


def _object(o: pb.StoredObject) -> StoredObject:
    return StoredObject(object_id=o.object_id, agency_code=o.agency_code, sha256=o.sha256, size=o.size,
                        content_type=o.content_type, file_name=o.file_name, uploaded_by=o.uploaded_by,
                        created_at=o.created_at, attached=o.attached, retain_until=o.retain_until,
                        legal_hold=o.legal_hold)


@router.post("", response_model=Uploaded, status_code=201, summary="Upload a file (multipart form field 'file')")
async def upload(request: Request, principal: User, file: Annotated[UploadFile, File()],
                 sha256: Annotated[str, Form(max_length=64, description="optional: refuse if the bytes differ")] = ""
                 ) -> Uploaded:
    async def messages() -> AsyncIterator[pb.UploadRequest]:
        yield pb.UploadRequest(metadata=pb.UploadMetadata(
            file_name=file.filename or "", declared_content_type=file.content_type or "", claimed_sha256=sha256,
            size_hint=file.size or 0))
        while chunk := await file.read(CHUNK):
            yield pb.UploadRequest(chunk=chunk)

    reply = await _storage(request).Upload(messages(), metadata=forward(principal), timeout=STREAM_TIMEOUT_S)
    return Uploaded(object=_object(reply.object), deduplicated=reply.deduplicated)


@router.get("/{object_id}", response_model=StoredObject, summary="A file's metadata")
async def stat(request: Request, principal: User, object_id: str) -> StoredObject:
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=forward(principal))
    return _object(reply.object)


async def _stream(request: Request, object_id: str, metadata: Any, range_header: str | None) -> StreamingResponse:
    offset, length = 0, 0
    if range_header:
        match = RANGE.match(range_header.strip())
        if not match:
            raise InvalidArgument("Range", "only a single 'bytes=start-end' range is supported")
        offset = int(match.group(1))
        if match.group(2):
            if int(match.group(2)) < offset:
                raise InvalidArgument("Range", "the end comes before the start")
            length = int(match.group(2)) - offset + 1
    call = _storage(request).Download(pb.DownloadRequest(object_id=object_id, offset=offset, length=length),
                                      metadata=metadata, timeout=STREAM_TIMEOUT_S)
    stream = call.__aiter__()
    first = await stream.__anext__()  # errors (not found, bad range) surface before the response starts
    obj = first.object

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
        headers["Content-Range"] = f"bytes {offset}-{end}/{obj.size}"
        headers["Content-Length"] = str(end - offset + 1)
        status = 206
    else:
        headers["Content-Length"] = str(obj.size)
    return StreamingResponse(body(), status_code=status, media_type=obj.content_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get("/{object_id}/content", summary="Download a file (a single Range is supported)",
            response_class=StreamingResponse)
async def download(request: Request, principal: User, object_id: str,
                   range_header: Annotated[str | None, Header(alias="Range")] = None) -> StreamingResponse:
    return await _stream(request, object_id, forward(principal), range_header)


def _sign(secret: bytes, object_id: str, agency: str, expires: int) -> str:
    mac = hmac.new(secret, f"{object_id}\n{agency}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@router.post("/{object_id}/link", response_model=Link, summary="A short-lived download link that needs no token")
async def link(request: Request, principal: User, object_id: str) -> Link:
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=forward(principal))
    settings = request.app.state.settings
    expires = int(time.time()) + settings.download_link_ttl_s
    agency = reply.object.agency_code
    signature = _sign(request.app.state.link_secret, object_id, agency, expires)
    url = str(request.url_for("download_by_link", object_id=object_id).include_query_params(
        agency=agency, expires=expires, signature=signature))
    return Link(url=url, expires_at=expires)


@router.get("/{object_id}/shared", name="download_by_link", response_class=StreamingResponse,
            summary="Download through a link made by POST /link (no token; valid until it expires)")
async def download_by_link(request: Request, object_id: str,
                           agency: Annotated[str, Query(max_length=35)],
                           expires: Annotated[int, Query()],
                           signature: Annotated[str, Query(max_length=100)],
                           range_header: Annotated[str | None, Header(alias="Range")] = None) -> StreamingResponse:
    expected = _sign(request.app.state.link_secret, object_id, agency, expires)
    if not hmac.compare_digest(expected, signature):
        raise PermissionDenied("this download link is not valid")
    if expires < time.time():
        raise PermissionDenied("this download link has expired")
    token = await request.app.state.service_tokens.token()
    metadata = (("authorization", f"Bearer {token}"),)
    reply = await _storage(request).Stat(pb.StatRequest(object_id=object_id), metadata=metadata)
    if reply.object.agency_code != agency:
        raise PermissionDenied("this download link is not valid")
    return await _stream(request, object_id, metadata, range_header)
