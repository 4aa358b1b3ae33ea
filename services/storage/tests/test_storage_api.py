"""The storage's gRPC API on a real server, with tokens from the real dev issuer: streaming upload and
download, tenancy, bad input naming the field, integrity (DATA_LOSS), retention and the outbox events."""

import asyncio
import hashlib
import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest

from vanthu.storage.v1 import events_pb2 as storage_events
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.db import session_factory
from vanthu_core.events import meta_of, subject_of
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_storage.backends import object_key
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_storage.store import outbox
from vanthu_testing.events import outbox_events
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

H61 = "000.00.00.H61"
LIMIT = 1024 * 1024


@pytest.fixture
async def server(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[StorageServer]:
    settings = StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data", max_object_bytes=LIMIT, chunk_bytes=64 * 1024)
    server = StorageServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    server.port = await server.start()  # type: ignore[attr-defined]
    yield server
    await server.stop()


@pytest.fixture
async def stub(server: StorageServer) -> AsyncIterator[storage_pb2_grpc.StorageServiceStub]:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")  # type: ignore[attr-defined]
    yield storage_pb2_grpc.StorageServiceStub(channel)
    await channel.close()


def requests(data: bytes, chunk: int = 50_000, **metadata: object) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(**metadata))  # type: ignore[arg-type]
    for start in range(0, len(data), chunk):
        yield storage_pb2.UploadRequest(chunk=data[start:start + chunk])


async def upload(stub: storage_pb2_grpc.StorageServiceStub, token: str, data: bytes,
                 file_name: str = "công văn.pdf", **metadata: object) -> storage_pb2.UploadResponse:
    return await stub.Upload(requests(data, file_name=file_name, **metadata), metadata=bearer_metadata(token))


async def download(stub: storage_pb2_grpc.StorageServiceStub, token: str,
                   **request: object) -> tuple[storage_pb2.StoredObject, bytes]:
    call = stub.Download(storage_pb2.DownloadRequest(**request), metadata=bearer_metadata(token))  # type: ignore
    head, body = None, bytearray()
    async for message in call:
        if message.WhichOneof("part") == "object":
            head = message.object
        else:
            body += message.chunk
    assert head is not None
    return head, bytes(body)


def pdf_of(size: int) -> bytes:
    return (b"%PDF-1.7\n" + bytes(range(256)) * (size // 256 + 1))[:size]


async def test_upload_then_download_whole_and_a_range(stub, token_for, samples) -> None:
    data = pdf_of(300_000)
    decomposed = unicodedata.normalize("NFD", "Quyết định 12.pdf")
    reply = await upload(stub, token_for("vanthu.ubnd"), data, file_name=decomposed, size_hint=len(data),
                         declared_content_type="application/pdf", claimed_sha256=hashlib.sha256(data).hexdigest())
    obj = reply.object
    assert not reply.deduplicated
    assert (obj.agency_code, obj.size, obj.sha256, obj.content_type, obj.file_name) == (
        H61, len(data), hashlib.sha256(data).hexdigest(), "application/pdf", "Quyết định 12.pdf")
    head, body = await download(stub, token_for("chuyenvien.ubnd"), object_id=obj.object_id)
    assert head.object_id == obj.object_id and body == data
    _, part = await download(stub, token_for("lanhdao.ubnd"), object_id=obj.object_id, offset=100_000, length=12_345)
    assert part == data[100_000:112_345]
    _, tail = await download(stub, token_for("lanhdao.ubnd"), sha256=obj.sha256, offset=len(data) - 3)
    assert tail == data[-3:]
    stat = await stub.Stat(storage_pb2.StatRequest(object_id=obj.object_id),
                           metadata=bearer_metadata(token_for("vanthu.ubnd")))
    assert stat.object == obj


async def test_the_same_bytes_are_stored_once_per_agency(stub, token_for, server, samples) -> None:
    """Stored once per agency, but a colleague's upload of the same bytes is their own object (issue 14 item 2: the
    first uploader's object refused them as "not your upload"), with nothing in the reply telling that the agency
    held these bytes; their own re-upload is deduplicated."""
    first = await upload(stub, token_for("vanthu.ubnd"), samples.png(), file_name="dấu.png")
    colleague = await upload(stub, token_for("chuyenvien.ubnd"), samples.png(), file_name="khác.png")
    again = await upload(stub, token_for("chuyenvien.ubnd"), samples.png(), file_name="khác nữa.png")
    theirs = await upload(stub, token_for("vanthu.snv"), samples.png(), file_name="dấu.png")
    assert not colleague.deduplicated and colleague.object.object_id != first.object.object_id
    assert colleague.object.file_name == "khác.png"
    assert colleague.object.uploaded_by != first.object.uploaded_by
    assert again.deduplicated and again.object.object_id == colleague.object.object_id
    assert not theirs.deduplicated and theirs.object.object_id != first.object.object_id
    for who, own in (("chuyenvien.ubnd", colleague), ("vanthu.ubnd", first)):  # by digest: each their own first
        found = await stub.Stat(storage_pb2.StatRequest(sha256=first.object.sha256),
                                metadata=bearer_metadata(token_for(who)))
        assert found.object.object_id == own.object.object_id, who
    # the colleague deletes their own (the uploader's right); the first uploader's object and bytes stay
    await stub.Delete(storage_pb2.DeleteRequest(object_id=colleague.object.object_id),
                      metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    _, body = await download(stub, token_for("vanthu.ubnd"), object_id=first.object.object_id)
    assert body == samples.png()
    stored = sorted(p.relative_to(server.settings.data_dir / "objects").as_posix()
                    for p in (server.settings.data_dir / "objects").rglob("*") if p.is_file())
    assert stored == sorted([object_key(H61, first.object.sha256), object_key("000.00.02.H61", first.object.sha256)])


async def test_another_agency_gets_not_found_even_with_the_digest(stub, token_for, samples) -> None:
    obj = (await upload(stub, token_for("vanthu.ubnd"), samples.pdf())).object
    outsider = bearer_metadata(token_for("quantri.longchau"))
    calls = [stub.Stat(storage_pb2.StatRequest(object_id=obj.object_id), metadata=outsider),
             stub.Stat(storage_pb2.StatRequest(sha256=obj.sha256), metadata=outsider),
             stub.Delete(storage_pb2.DeleteRequest(object_id=obj.object_id), metadata=outsider),
             stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id, retain_until="2040-01-01"),
                       metadata=outsider)]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
    for request in ({"object_id": obj.object_id}, {"sha256": obj.sha256}):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await download(stub, token_for("vanthu.longchau"), **request)
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Stat(storage_pb2.StatRequest(object_id=obj.object_id))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_service_token_names_the_owner_and_reads_only_what_its_client_is_granted(
        stub, token_for, dev_issuer, samples) -> None:
    interchange = dev_issuer.service_token("vanthu-interchange")  # stores received files for an agency
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await upload(stub, interchange, samples.pdf())
    assert field_violations(error.value)[0][0] == "metadata.agency_code"
    obj = (await upload(stub, interchange, samples.pdf(), agency_code="000.00.41.H61")).object
    assert obj.agency_code == "000.00.41.H61"
    _, body = await download(stub, token_for("vanthu.longchau"), object_id=obj.object_id)
    _, again = await download(stub, dev_issuer.service_token("vanthu-signing"), object_id=obj.object_id,
                              agency_code="000.00.41.H61")
    assert body == again == samples.pdf()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await upload(stub, token_for("vanthu.ubnd"), samples.pdf(), agency_code="000.00.41.H61")
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(("data", "metadata", "field"), [
    (b"", {}, "content"),
    (pdf_of(LIMIT + 1), {}, "content"),
    (pdf_of(1000), {"size_hint": LIMIT + 1}, "metadata.size_hint"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 5000, {"file_name": "hợp đồng.pdf"}, "content"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 500, {"declared_content_type": "application/pdf"}, "content"),
    (pdf_of(1000), {"claimed_sha256": hashlib.sha256(b"other").hexdigest()}, "metadata.claimed_sha256"),
    (pdf_of(1000), {"declared_content_type": "image/png"}, "metadata.declared_content_type"),
    (pdf_of(1000), {"file_name": "../../etc/passwd"}, "metadata.file_name"),
    (b"plain text is not a document", {}, "content"),
])
async def test_bad_input_names_the_field_and_stores_nothing(stub, token_for, server, data: bytes,
                                                            metadata: dict[str, object], field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await upload(stub, token_for("vanthu.ubnd"), data, **{"file_name": "a.pdf", **metadata})
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.value)[0][0] == field
    objects = server.settings.data_dir / "objects"
    assert not [p for p in objects.rglob("*") if p.is_file()]
    assert not list((server.settings.data_dir / "staging").iterdir())


async def test_an_upload_must_start_with_metadata(stub, token_for, samples) -> None:
    def chunks_only() -> Iterator[storage_pb2.UploadRequest]:
        yield storage_pb2.UploadRequest(chunk=samples.pdf())

    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Upload(chunks_only(), metadata=bearer_metadata(token_for("vanthu.ubnd")))
    assert field_violations(error.value)[0][0] == "metadata"


async def test_a_bad_range_is_refused_before_any_byte(stub, token_for, samples) -> None:
    obj = (await upload(stub, token_for("vanthu.ubnd"), samples.pdf())).object
    for request, field in (({"offset": obj.size + 1}, "offset"), ({"length": -1}, "length")):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await download(stub, token_for("vanthu.ubnd"), object_id=obj.object_id, **request)
        assert field_violations(error.value)[0][0] == field


async def test_corrupt_bytes_abort_the_download_with_data_loss(stub, token_for, server) -> None:
    data = pdf_of(500_000)
    obj = (await upload(stub, token_for("vanthu.ubnd"), data)).object
    path = server.settings.data_dir / "objects" / object_key(H61, obj.sha256)
    damaged = bytearray(path.read_bytes())
    damaged[400_000] ^= 0x80
    path.write_bytes(bytes(damaged))
    for request in ({}, {"offset": 0, "length": 10}):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await download(stub, token_for("vanthu.ubnd"), object_id=obj.object_id, **request)
        assert error.value.code() == grpc.StatusCode.DATA_LOSS


async def test_locked_objects_cannot_be_deleted_and_events_are_recorded(stub, token_for, server, samples) -> None:
    clerk = bearer_metadata(token_for("vanthu.ubnd"))
    obj = (await upload(stub, token_for("chuyenvien.ubnd"), samples.pdf())).object
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id, retain_until="2040-01-01"),
                        metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id, retain_until="31/12/2040"), metadata=clerk)
    assert field_violations(error.value)[0][0] == "retain_until"
    locked = (await stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id, retain_until="2040-01-01",
                                                      legal_hold=storage_pb2.LockRequest.LEGAL_HOLD_ON),
                              metadata=clerk)).object
    assert locked.retain_until.startswith("2040-01-01") and locked.legal_hold
    with pytest.raises(grpc.aio.AioRpcError) as error:  # a clerk may set a hold, not release it
        await stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id,
                                                legal_hold=storage_pb2.LockRequest.LEGAL_HOLD_OFF), metadata=clerk)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Delete(storage_pb2.DeleteRequest(object_id=obj.object_id), metadata=clerk)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    other = (await upload(stub, token_for("chuyenvien.ubnd"), pdf_of(2000))).object
    with pytest.raises(grpc.aio.AioRpcError) as error:  # an officer deletes only their own uploads
        await stub.Delete(storage_pb2.DeleteRequest(object_id=other.object_id),
                          metadata=bearer_metadata(token_for("lanhdao.ubnd")))
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await stub.Delete(storage_pb2.DeleteRequest(object_id=other.object_id),
                      metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Stat(storage_pb2.StatRequest(object_id=other.object_id), metadata=clerk)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    events = await outbox_events(session_factory(server.engine), outbox)
    assert [subject_of(e) for e in events] == ["vanthu.storage.object.stored", "vanthu.storage.object.locked",
                                               "vanthu.storage.object.stored", "vanthu.storage.object.deleted"]
    locked_event = events[1]
    assert isinstance(locked_event, storage_events.ObjectLocked)
    assert meta_of(locked_event).agency_code == H61 and locked_event.object.object_id == obj.object_id
    assert locked_event.object.legal_hold or locked_event.object.retain_until


async def test_references_are_for_services_naming_the_agency_and_block_deletion(stub, dev_issuer: DevIssuer,
                                                                                  token_for) -> None:
    officer = bearer_metadata(token_for("chuyenvien.ubnd"))
    service = bearer_metadata(dev_issuer.service_token("vanthu-registry"))
    mine = (await upload(stub, token_for("chuyenvien.ubnd"), pdf_of(3000))).object
    holder = "registry/document/0193a1f0-0000-7000-8000-000000000001"
    with pytest.raises(grpc.aio.AioRpcError) as error:  # people never record references
        await stub.AddReference(storage_pb2.AddReferenceRequest(object_id=mine.object_id, holder=holder,
                                                                agency_code=H61), metadata=officer)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.AddReference(storage_pb2.AddReferenceRequest(object_id=mine.object_id, holder=holder),
                                metadata=service)
    assert field_violations(error.value)[0][0] == "agency_code"
    with pytest.raises(grpc.aio.AioRpcError) as error:  # acting for another agency: that agency has no such object
        await stub.AddReference(storage_pb2.AddReferenceRequest(object_id=mine.object_id, holder=holder,
                                                                agency_code="000.00.02.H61"), metadata=service)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    referenced = (await stub.AddReference(storage_pb2.AddReferenceRequest(
        object_id=mine.object_id, holder=holder, agency_code=H61), metadata=service)).object
    assert referenced.referenced and list(referenced.references) == [holder]

    # the same bytes uploaded by someone else are their own object (issue 14); the used one is deleted by nobody
    theirs = (await upload(stub, token_for("vanthu.ubnd"), pdf_of(3000))).object
    assert theirs.object_id != mine.object_id and not theirs.referenced
    for who in ("chuyenvien.ubnd", "vanthu.ubnd"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.Delete(storage_pb2.DeleteRequest(object_id=mine.object_id),
                              metadata=bearer_metadata(token_for(who)))
        assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert holder in (error.value.details() or "")
    released = (await stub.ReleaseReference(storage_pb2.ReleaseReferenceRequest(
        object_id=mine.object_id, holder=holder, agency_code=H61), metadata=service)).object
    assert not released.referenced
    await stub.Delete(storage_pb2.DeleteRequest(object_id=mine.object_id), metadata=officer)


async def test_the_running_service_sweeps_unreferenced_objects_but_keeps_referenced_ones(
        tmp_path: Path, dev_issuer: DevIssuer) -> None:
    settings = StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data", sweep_grace_hours=24, sweep_interval_minutes=0.005)
    server = StorageServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = storage_pb2_grpc.StorageServiceStub(channel)
        token = dev_issuer.token("vanthu.ubnd")
        kept = (await upload(stub, token, b"%PDF-1.4\n" + "Giữ lại".encode() * 100)).object
        await stub.AddReference(storage_pb2.AddReferenceRequest(
            object_id=kept.object_id, holder="registry/document/d-1", agency_code=H61),
            metadata=bearer_metadata(dev_issuer.service_token("vanthu-registry")))
        swept = (await upload(stub, token, b"%PDF-1.4\n" + "Bản nháp bỏ đi".encode() * 100)).object
        server.objects.sweep_grace = timedelta(0)  # both are past the grace period now: only the reference keeps one
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            try:
                await stub.Stat(storage_pb2.StatRequest(object_id=swept.object_id), metadata=bearer_metadata(token))
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.NOT_FOUND
                break
            assert asyncio.get_running_loop().time() < deadline, "the unreferenced object was never swept"
            await asyncio.sleep(0.1)
        still = await stub.Stat(storage_pb2.StatRequest(object_id=kept.object_id), metadata=bearer_metadata(token))
        assert still.object.referenced
    finally:
        await channel.close()
        await server.stop()


async def test_a_stored_event_reaches_nats(tmp_path: Path, dev_issuer: DevIssuer, nats_server) -> None:  # type: ignore[no-untyped-def]
    from google.protobuf.message import Message

    settings = StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data", sweep_interval_minutes=0)
    server = StorageServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=True,
                                                    **nats_server.settings("storage")))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    listener = nats_server.bus(client_name="storage-test")
    received: list[Message] = []

    async def collect(event: Message) -> None:
        received.append(event)

    try:
        await listener.connect()
        await listener.subscribe("storage-test", "vanthu.storage.>", collect)
        stub = storage_pb2_grpc.StorageServiceStub(channel)
        stored = (await upload(stub, dev_issuer.token("vanthu.ubnd"), pdf_of(5000))).object
        deadline = asyncio.get_running_loop().time() + 20
        while not received:
            assert asyncio.get_running_loop().time() < deadline, "the stored event never reached NATS"
            await asyncio.sleep(0.05)
        event = received[0]
        assert isinstance(event, storage_events.ObjectStored) and meta_of(event).agency_code == H61
        assert event.object.object_id == stored.object_id and event.object.sha256 == stored.sha256
    finally:
        await listener.close()
        await channel.close()
        await server.stop()


@pytest.mark.parametrize("size", [1, 127, 128, 16_384, 1024 * 1024 + 5])
def test_the_chunk_fast_paths_keep_the_protobuf_wire_format(size: int) -> None:
    from vanthu_storage.api import chunk_message, decode_upload_request

    data = pdf_of(size)
    view = decode_upload_request(storage_pb2.UploadRequest(chunk=data).SerializeToString())
    assert isinstance(view, memoryview) and bytes(view) == data
    assert storage_pb2.DownloadResponse.FromString(chunk_message(data)).chunk == data
    other = decode_upload_request(storage_pb2.UploadRequest(
        metadata=storage_pb2.UploadMetadata(file_name="a.pdf", size_hint=size)).SerializeToString())
    assert isinstance(other, storage_pb2.UploadRequest) and other.metadata.size_hint == size


async def test_every_read_of_a_locked_object_is_announced_before_its_bytes_whoever_reads(
        stub, token_for, server, samples, dev_issuer: DevIssuer) -> None:
    """Issue 16 item 3: a read of a locked object (what the archive deposits) writes ``vanthu.storage.object.read``
    to the outbox before the first byte, for a person and for a service reading with its own token (the gateway's
    download link, signing): records logs the archived ones. Reads of unlocked objects announce nothing."""
    person = token_for("chuyenvien.ubnd")
    obj = (await upload(stub, person, samples.pdf())).object
    await download(stub, person, object_id=obj.object_id)  # not locked: no event
    await stub.Lock(storage_pb2.LockRequest(object_id=obj.object_id, retain_until="2040-01-01"),
                    metadata=bearer_metadata(token_for("luutru.ubnd")))
    await download(stub, person, object_id=obj.object_id, offset=10, length=5)
    await download(stub, dev_issuer.service_token("vanthu-gateway"), object_id=obj.object_id, agency_code=H61)
    events = [e for e in await outbox_events(session_factory(server.engine), outbox)
              if isinstance(e, storage_events.ObjectRead)]
    assert [(e.reader, e.offset, e.length, e.object.object_id, meta_of(e).agency_code) for e in events] == [
        ("chuyenvien.ubnd", 10, 5, obj.object_id, H61), ("vanthu-gateway", 0, 0, obj.object_id, H61)]
    assert meta_of(events[0]).actor == dev_issuer.subject("chuyenvien.ubnd")
