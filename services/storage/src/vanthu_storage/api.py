"""gRPC servicer of the storage: proto <-> use cases, tenancy and role checks, no business rules.

Who may call each method is :data:`vanthu_core.policy.TABLE`'s to say. Tenancy: a person reaches only objects of
the agency in their token (another agency's object is NotFound, even by digest); services call with the person's
token and are then treated as that person. A service's own token (its client, :mod:`vanthu_core.clients`) reaches
only what the table lets that client call, and always names the agency it acts for (the object must belong to it,
or it is NotFound): reads of one object by its id, uploads for an agency, and references (what keeps an object
alive), each client under its own holder prefix (:data:`HOLDER_PREFIXES`). Interchange alone copies an object across
agencies (CopyObject: the sending agency's object with the digest of the bytes a package built here carries, for the
recipient agency; both named), so that a delivery inside the installation does not upload the same bytes again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc

from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core import clients, policy, wire
from vanthu_core.auth import Principal
from vanthu_core.errors import DomainError, InvalidArgument, NotFound, PermissionDenied
from vanthu_storage.domain.retention import ObjectInfo
from vanthu_storage.events import stored_object as object_to_proto
from vanthu_storage.objects import CopyItem, Objects, UploadMeta

#: The references each service client records and releases (``registry/`` → ``registry/document/<id>``…), a rule
#: on the resource beside the access table's entries for AddReference and ReleaseReference (issue 11, item 2).
HOLDER_PREFIXES: dict[str, str] = {
    # documents and copies keep their files
    clients.REGISTRY: "registry/",
    # signing keeps its results
    clients.SIGNING: "signing/",
    # records keeps the files of the files (hồ sơ) it imports from packages
    clients.RECORDS: "records/",
    # workflow keeps the files of a task's result (báo cáo kết quả)
    clients.WORKFLOW: "workflow/",
}


#: The most items one CopyObjects or AddReferences carries (interchange's batches hold 64 packages by default).
MAX_ITEMS = 256


def item_error(error: DomainError) -> storage_pb2.ItemError:
    """What one item of a batch call met, as the status the single call would have answered."""
    return storage_pb2.ItemError(code=error.code.value[0], message=error.message, field=getattr(error, "field", ""))


def _at_most(field: str, count: int) -> None:
    if count > MAX_ITEMS:
        raise InvalidArgument(field, f"có {count} mục; mỗi lần tối đa {MAX_ITEMS}.")


#: ``chunk`` is field 2 of both ``UploadRequest`` and ``DownloadResponse``.
CHUNK_FIELD = 2


def decode_upload_request(data: bytes) -> storage_pb2.UploadRequest | memoryview:
    """The request deserializer of ``Upload``: a message that is exactly one ``chunk`` comes back as a view of
    its bytes (see :mod:`vanthu_core.wire`); any other message is parsed as an ``UploadRequest``."""
    view = wire.only_field(data, CHUNK_FIELD)
    return view if view is not None else storage_pb2.UploadRequest.FromString(data)


def chunk_message(chunk: bytes) -> bytes:
    """A ``DownloadResponse`` carrying ``chunk``, encoded with one copy (protobuf would take two)."""
    return b"".join((wire.field_prefix(CHUNK_FIELD, len(chunk)), chunk))


def add_to_server(api: StorageApi, server: grpc.aio.Server) -> None:
    """Register the service like the generated ``add_StorageServiceServicer_to_server``, with the chunk fast
    paths of :func:`decode_upload_request` and :func:`vanthu_core.wire.serialize` (same wire format)."""
    pb = storage_pb2
    handlers = {
        "Upload": grpc.stream_unary_rpc_method_handler(api.Upload, request_deserializer=decode_upload_request,
                                                       response_serializer=pb.UploadResponse.SerializeToString),
        "Download": grpc.unary_stream_rpc_method_handler(api.Download,
                                                         request_deserializer=pb.DownloadRequest.FromString,
                                                         response_serializer=wire.serialize),
        "ReadObjects": grpc.unary_stream_rpc_method_handler(api.ReadObjects,
                                                            request_deserializer=pb.ReadObjectsRequest.FromString,
                                                            response_serializer=wire.serialize),
    }
    for name, request, response in (("Stat", pb.StatRequest, pb.StatResponse),
                                    ("CopyObject", pb.CopyObjectRequest, pb.CopyObjectResponse),
                                    ("CopyObjects", pb.CopyObjectsRequest, pb.CopyObjectsResponse),
                                    ("AddReferences", pb.AddReferencesRequest, pb.AddReferencesResponse),
                                    ("Delete", pb.DeleteRequest, pb.DeleteResponse),
                                    ("Lock", pb.LockRequest, pb.LockResponse),
                                    ("AddReference", pb.AddReferenceRequest, pb.AddReferenceResponse),
                                    ("ReleaseReference", pb.ReleaseReferenceRequest, pb.ReleaseReferenceResponse)):
        handlers[name] = grpc.unary_unary_rpc_method_handler(getattr(api, name),
                                                             request_deserializer=request.FromString,
                                                             response_serializer=response.SerializeToString)
    service = storage_pb2.DESCRIPTOR.services_by_name["StorageService"].full_name
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
    server.add_registered_method_handlers(service, handlers)  # type: ignore[attr-defined]


def read_scope(caller: policy.Caller, object_id: str, agency_code: str) -> str:
    """The agency a reader reaches: a person's own (naming another is refused); for a service the access table
    lets read, the agency it names, and then only one object by its id (never a search by digest)."""
    requested = agency_code.strip()
    if not caller.principal.is_service:
        if requested and requested != caller.agency:
            raise PermissionDenied("Đồng chí chỉ xem được tệp của cơ quan mình.")
        return caller.agency
    if not requested:
        raise InvalidArgument("agency_code", "dịch vụ phải nêu cơ quan mà nó thay mặt.")
    if not object_id.strip():
        raise InvalidArgument("object_id", "dịch vụ chỉ đọc một tệp theo mã của tệp.")
    return requested


def check_released(caller: policy.Caller, obj: ObjectInfo) -> ObjectInfo:
    """``obj`` as a reader may have it: a file something held and let go of (its document revoked or cancelled, a
    draft's replaced version: ``released_at`` set, no reference left, waiting for the sweep) goes to no person but
    its uploader — it belonged to a document, and the document no longer vouches for who may read it (issue 14
    attacker review: a revoked arrival's file was readable by anyone of the agency until the sweep). A file never
    held yet (an upload not yet put on a document) stays the agency's; services read as the table lets them.
    NotFound, as for a missing file, otherwise."""
    if caller.principal.is_service or obj.references or obj.released_at is None \
            or obj.uploaded_by == caller.principal.subject:
        return obj
    raise NotFound("Không tìm thấy tệp.")


def owner_for_upload(caller: policy.Caller, requested: str) -> str:
    """The agency that owns an upload: a person's own; the one a service (the table lets upload) names."""
    requested = requested.strip()
    if caller.principal.is_service:
        if not requested:
            raise InvalidArgument("metadata.agency_code", "mã xác thực của dịch vụ phải nêu cơ quan sở hữu tệp.")
        return requested
    if requested and requested != caller.agency:
        raise PermissionDenied("Đồng chí chỉ tải tệp lên cho cơ quan mình.")
    return caller.agency


class StorageApi(storage_pb2_grpc.StorageServiceServicer):
    def __init__(self, objects: Objects, on_commit: Callable[[], None] | None = None) -> None:
        self.objects = objects
        self.on_commit = on_commit or (lambda: None)

    async def Upload(self, request_iterator: AsyncIterator[storage_pb2.UploadRequest],
                     context: grpc.aio.ServicerContext) -> storage_pb2.UploadResponse:
        caller = policy.require()
        principal = caller.principal
        first = await anext(request_iterator, None)
        if first is None or isinstance(first, memoryview) or first.WhichOneof("part") != "metadata":
            raise InvalidArgument("metadata", "gói đầu tiên của lần tải lên phải mang thông tin tệp.")
        m = first.metadata
        agency = owner_for_upload(caller, m.agency_code)

        async def chunks() -> AsyncIterator[bytes]:
            async for message in request_iterator:
                if isinstance(message, memoryview):  # a chunk, as decode_upload_request hands it over
                    if message:
                        yield message  # type: ignore[misc]  # a bytes-like view: hashed and written as is
                    continue
                if message.WhichOneof("part") != "chunk":
                    raise InvalidArgument("metadata", "chỉ gói đầu tiên của lần tải lên mang thông tin tệp.")
                chunk = message.chunk  # each access copies
                if chunk:
                    yield chunk

        obj, deduplicated = await self.objects.upload(
            UploadMeta(file_name=m.file_name, declared_content_type=m.declared_content_type,
                       claimed_sha256=m.claimed_sha256, size_hint=m.size_hint),
            chunks(), agency_code=agency, actor=principal.subject)
        if not deduplicated:
            self.on_commit()
        return storage_pb2.UploadResponse(object=object_to_proto(obj), deduplicated=deduplicated)

    async def CopyObject(self, request: storage_pb2.CopyObjectRequest,
                         context: grpc.aio.ServicerContext) -> storage_pb2.CopyObjectResponse:
        """Interchange's copy of the sending agency's object for the recipient agency (the access table admits
        only its client); both agencies named; another agency's digest is NotFound."""
        principal = policy.require().principal
        if not principal.is_service:  # the table admits no person; kept here too, beside the rule it serves
            raise PermissionDenied("Chỉ dịch vụ liên thông được sao tệp sang cơ quan khác.")
        source, agency = request.source_agency_code.strip(), request.agency_code.strip()
        if not source:
            raise InvalidArgument("source_agency_code", "dịch vụ phải nêu cơ quan gửi có tệp.")
        if not agency:
            raise InvalidArgument("agency_code", "dịch vụ phải nêu cơ quan nhận tệp.")
        obj, deduplicated = await self.objects.copy(source_agency=source, sha256=request.sha256,
                                                    agency_code=agency, file_name=request.file_name,
                                                    actor=principal.subject)
        if not deduplicated:
            self.on_commit()
        return storage_pb2.CopyObjectResponse(object=object_to_proto(obj), deduplicated=deduplicated)

    async def CopyObjects(self, request: storage_pb2.CopyObjectsRequest,
                          context: grpc.aio.ServicerContext) -> storage_pb2.CopyObjectsResponse:
        """Several CopyObject at once (interchange taking a batch of packages in), each item checked as CopyObject
        checks it and refused alone; the new objects in one transaction (:meth:`Objects.copy_many`)."""
        principal = policy.require().principal
        if not principal.is_service:  # the table admits no person; kept here too, beside the rule it serves
            raise PermissionDenied("Chỉ dịch vụ liên thông được sao tệp sang cơ quan khác.")
        _at_most("items", len(request.items))
        results: list[storage_pb2.CopyObjectResult | None] = [None] * len(request.items)
        items: list[CopyItem] = []
        places: list[int] = []
        for index, item in enumerate(request.items):
            source, agency = item.source_agency_code.strip(), item.agency_code.strip()
            if not source:
                results[index] = storage_pb2.CopyObjectResult(error=item_error(InvalidArgument(
                    "source_agency_code", "dịch vụ phải nêu cơ quan gửi có tệp.")))
            elif not agency:
                results[index] = storage_pb2.CopyObjectResult(error=item_error(InvalidArgument(
                    "agency_code", "dịch vụ phải nêu cơ quan nhận tệp.")))
            else:
                parent = request.traceparents[index] if index < len(request.traceparents) else ""
                items.append(CopyItem(source, item.sha256, agency, item.file_name,
                                      trace={"traceparent": parent} if parent else None))
                places.append(index)
        copied = await self.objects.copy_many(items, actor=principal.subject)
        for index, outcome in zip(places, copied, strict=True):
            results[index] = storage_pb2.CopyObjectResult(error=item_error(outcome)) \
                if isinstance(outcome, DomainError) else storage_pb2.CopyObjectResult(
                    copied=storage_pb2.CopyObjectResponse(object=object_to_proto(outcome[0]),
                                                          deduplicated=outcome[1]))
        if any(not isinstance(o, DomainError) and not o[1] for o in copied):
            self.on_commit()
        return storage_pb2.CopyObjectsResponse(results=[r for r in results if r is not None])

    async def Download(self, request: storage_pb2.DownloadRequest,
                       context: grpc.aio.ServicerContext) -> AsyncIterator[storage_pb2.DownloadResponse | bytes]:
        caller = policy.require()
        agency = read_scope(caller, request.object_id, request.agency_code)
        obj = check_released(caller, await self.objects.find(object_id=request.object_id, sha256=request.sha256,
                                                             agency_code=agency, reader=caller.principal.subject))
        p = caller.principal
        if await self.objects.record_read(obj, actor=p.subject, reader=p.client_id if p.is_service else p.username,
                                          offset=request.offset, length=request.length):
            self.on_commit()
        chunks = self.objects.read_verified(obj, request.offset, request.length)
        first = await anext(chunks, None)  # range errors before the first message
        yield storage_pb2.DownloadResponse(object=object_to_proto(obj))
        if first is not None:
            yield chunk_message(first)  # pre-encoded: passed through by wire.serialize
            async for chunk in chunks:
                yield chunk_message(chunk)

    async def ReadObjects(self, request: storage_pb2.ReadObjectsRequest,
                          context: grpc.aio.ServicerContext) -> AsyncIterator[storage_pb2.ReadObjectsResponse | bytes]:
        """Several objects, each read as a service's Download reads one (by its id, for the agency it names,
        verified while streaming), looked up in one read: per item its metadata then its chunks, or the error that
        item alone met (a failed verification midway voids the chunks sent before it)."""
        caller = policy.require()
        if not caller.principal.is_service:  # the table admits no person; kept here too, beside the rule it serves
            raise PermissionDenied("Chỉ dịch vụ được đọc nhiều tệp một lần.")
        _at_most("items", len(request.items))
        p = caller.principal
        found: list[ObjectInfo | DomainError | None] = [None] * len(request.items)
        wanted: list[tuple[str, str]] = []
        places: list[int] = []
        for index, item in enumerate(request.items):
            try:
                wanted.append((item.object_id, read_scope(caller, item.object_id, item.agency_code)))
                places.append(index)
            except DomainError as error:
                found[index] = error
        for index, outcome in zip(places, await self.objects.find_many(wanted), strict=True):
            found[index] = outcome
        for index, outcome in enumerate(found):
            if isinstance(outcome, DomainError) or outcome is None:
                yield storage_pb2.ReadObjectsResponse(index=index, error=item_error(
                    outcome or NotFound("Không tìm thấy tệp.")))
                continue
            obj = check_released(caller, outcome)
            if await self.objects.record_read(obj, actor=p.subject, reader=p.client_id, offset=0, length=0):
                self.on_commit()
            yield storage_pb2.ReadObjectsResponse(index=index, object=object_to_proto(obj))
            if request.max_size and obj.size > request.max_size:
                continue  # the caller refuses it: its bytes need not travel
            try:
                async for chunk in self.objects.read_verified(obj):
                    yield chunk_message(chunk)  # pre-encoded (field 2 of both messages): passed through
            except DomainError as error:
                yield storage_pb2.ReadObjectsResponse(index=index, error=item_error(error))

    async def Stat(self, request: storage_pb2.StatRequest,
                   context: grpc.aio.ServicerContext) -> storage_pb2.StatResponse:
        caller = policy.require()
        agency = read_scope(caller, request.object_id, request.agency_code)
        obj = check_released(caller, await self.objects.find(object_id=request.object_id, sha256=request.sha256,
                                                             agency_code=agency, reader=caller.principal.subject))
        return storage_pb2.StatResponse(object=object_to_proto(obj))

    async def Delete(self, request: storage_pb2.DeleteRequest,
                     context: grpc.aio.ServicerContext) -> storage_pb2.DeleteResponse:
        principal, agency = policy.require()
        obj = await self.objects.find(object_id=request.object_id, agency_code=agency)
        if obj.uploaded_by != principal.subject:  # the uploader deletes their own; others need a keeper's role
            policy.require("not_uploader")
        await self.objects.delete(obj.object_id, agency, actor=principal.subject)
        self.on_commit()
        return storage_pb2.DeleteResponse()

    async def Lock(self, request: storage_pb2.LockRequest,
                   context: grpc.aio.ServicerContext) -> storage_pb2.LockResponse:
        caller = policy.require()
        principal, agency = caller
        hold: bool | None = {storage_pb2.LockRequest.LEGAL_HOLD_ON: True,
                             storage_pb2.LockRequest.LEGAL_HOLD_OFF: False}.get(request.legal_hold)
        if principal.is_service:  # the records service (the table admits no other), for the agency it names
            if hold is False:
                raise PermissionDenied("Dịch vụ không được gỡ lệnh phong tỏa tệp: việc này do lưu trữ hoặc quản trị "
                                       "làm.")
            agency = request.agency_code.strip()
            if not agency:
                raise InvalidArgument("agency_code", "dịch vụ phải nêu cơ quan mà nó thay mặt.")
        elif request.agency_code.strip() and request.agency_code.strip() != agency:
            raise PermissionDenied("Đồng chí chỉ khóa được tệp của cơ quan mình.")
        await self.objects.find(object_id=request.object_id, agency_code=agency)
        if hold is False:
            policy.require("release_hold")
        obj = await self.objects.lock(request.object_id.strip(), agency, retain_until=request.retain_until,
                                      legal_hold=hold, actor=principal.subject)
        self.on_commit()
        return storage_pb2.LockResponse(object=object_to_proto(obj))

    def _reference_scope(self, object_id: str, agency_code: str, holder: str) -> tuple[Principal, str, str]:
        """References are recorded by services, each under its own holder prefix, naming the agency it acts for."""
        principal = policy.require().principal
        prefix = HOLDER_PREFIXES.get(principal.client_id)
        if prefix is None or not holder.startswith(prefix):
            raise PermissionDenied(f"Dịch vụ {principal.client_id} chỉ ghi được tham chiếu bắt đầu bằng "
                                   f"'{prefix or '(không có)'}…'.")
        if not object_id.strip():
            raise InvalidArgument("object_id", "chưa nhập: đây là thông tin bắt buộc.")
        if not agency_code.strip():
            raise InvalidArgument("agency_code", "dịch vụ phải nêu cơ quan mà nó thay mặt.")
        return principal, object_id.strip(), agency_code.strip()

    async def AddReference(self, request: storage_pb2.AddReferenceRequest,
                           context: grpc.aio.ServicerContext) -> storage_pb2.AddReferenceResponse:
        principal, object_id, agency = self._reference_scope(request.object_id, request.agency_code,
                                                             request.holder)
        obj = await self.objects.add_reference(object_id, agency, request.holder, actor=principal.subject)
        return storage_pb2.AddReferenceResponse(object=object_to_proto(obj))

    async def AddReferences(self, request: storage_pb2.AddReferencesRequest,
                            context: grpc.aio.ServicerContext) -> storage_pb2.AddReferencesResponse:
        """Several AddReference at once (the registry recording a batch of arrivals), each item checked as
        AddReference checks it (holder prefix, agency named) and refused alone; one transaction."""
        _at_most("items", len(request.items))
        results: list[storage_pb2.AddReferenceResult | None] = [None] * len(request.items)
        items: list[tuple[str, str, str]] = []
        places: list[int] = []
        actor = ""
        for index, item in enumerate(request.items):
            try:
                principal, object_id, agency = self._reference_scope(item.object_id, item.agency_code, item.holder)
                items.append((object_id, agency, item.holder))
            except DomainError as error:
                results[index] = storage_pb2.AddReferenceResult(error=item_error(error))
                continue
            actor = principal.subject
            places.append(index)
        added = await self.objects.add_references(items, actor=actor)
        for index, outcome in zip(places, added, strict=True):
            results[index] = storage_pb2.AddReferenceResult(error=item_error(outcome)) \
                if isinstance(outcome, DomainError) else storage_pb2.AddReferenceResult(object=object_to_proto(outcome))
        return storage_pb2.AddReferencesResponse(results=[r for r in results if r is not None])

    async def ReleaseReference(self, request: storage_pb2.ReleaseReferenceRequest,
                               context: grpc.aio.ServicerContext) -> storage_pb2.ReleaseReferenceResponse:
        _, object_id, agency = self._reference_scope(request.object_id, request.agency_code, request.holder)
        obj = await self.objects.release_reference(object_id, agency, request.holder)
        return storage_pb2.ReleaseReferenceResponse(object=object_to_proto(obj) if obj is not None else None)
