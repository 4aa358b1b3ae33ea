"""What each service client may do in storage (issue 11, item 2), on a real server with the dev issuer's clients.

A service is known by its client id and always names the agency it acts for; storage's grant table says which
client may read one object, upload, or record and release which references. Everything else is refused, and a
refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest

from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.clients import GATEWAY, INTERCHANGE, RECORDS, REGISTRY, SEARCH, SIGNING, STORAGE, WORKFLOW
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_storage.backends import object_key
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

H61, LONG_CHAU = "000.00.00.H61", "000.00.41.H61"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% c\xc3\xb4ng v\xc4\x83n\n%%EOF\n"


@pytest.fixture
async def stub(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[storage_pb2_grpc.StorageServiceStub]:
    server = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                           data_dir=tmp_path / "data"),
                           CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield storage_pb2_grpc.StorageServiceStub(channel)
    finally:
        await channel.close()
        await server.stop()


def chunks(data: bytes, **metadata: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name="công văn.pdf", **metadata))
    yield storage_pb2.UploadRequest(chunk=data)


async def read(stub: storage_pb2_grpc.StorageServiceStub, metadata: object, **request: str) -> bytes:
    body = b""
    async for message in stub.Download(storage_pb2.DownloadRequest(**request), metadata=metadata):  # type: ignore
        body += message.chunk
    return body


async def refused(call: object, code: grpc.StatusCode = grpc.StatusCode.PERMISSION_DENIED) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    assert error.value.code() == code, error.value.details()
    return error.value


@pytest.fixture
async def stored(stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer) -> storage_pb2.StoredObject:
    reply = await stub.Upload(chunks(PDF), metadata=bearer_metadata(dev_issuer.token("vanthu.ubnd")))
    return reply.object


async def test_the_gateway_client_only_reads_one_object_by_id_for_the_agency_its_link_names(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    gateway = bearer_metadata(dev_issuer.service_token(GATEWAY))
    oid = stored.object_id
    assert (await stub.Stat(storage_pb2.StatRequest(object_id=oid, agency_code=H61), metadata=gateway)).object == stored
    assert await read(stub, gateway, object_id=oid, agency_code=H61) == PDF
    error = await refused(stub.Stat(storage_pb2.StatRequest(object_id=oid), metadata=gateway),
                          grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violations(error)[0][0] == "agency_code"
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=oid, agency_code=LONG_CHAU), metadata=gateway),
                  grpc.StatusCode.NOT_FOUND)  # another agency has no such object
    await refused(read(stub, gateway, object_id=oid, agency_code=LONG_CHAU), grpc.StatusCode.NOT_FOUND)
    error = await refused(stub.Stat(storage_pb2.StatRequest(sha256=stored.sha256, agency_code=H61), metadata=gateway),
                          grpc.StatusCode.INVALID_ARGUMENT)  # one object by its id, never a search by digest
    assert field_violations(error)[0][0] == "object_id"
    await refused(stub.Upload(chunks(b"%PDF-1.7\nkhac\n%%EOF\n", agency_code=H61), metadata=gateway))
    await refused(stub.Delete(storage_pb2.DeleteRequest(object_id=oid), metadata=gateway))
    await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2040-01-01"), metadata=gateway))
    await refused(stub.AddReference(storage_pb2.AddReferenceRequest(
        object_id=oid, holder="registry/document/d-1", agency_code=H61), metadata=gateway))
    assert (await stub.Stat(storage_pb2.StatRequest(object_id=oid), metadata=bearer_metadata(
        dev_issuer.token("vanthu.ubnd")))).object == stored  # nothing changed


@pytest.mark.parametrize(("client", "own", "others"), [
    (REGISTRY, "registry/document/d-1", ["signing/result/s-1", "interchange/package/p-1", "records/file/r-1"]),
    (SIGNING, "signing/result/s-1", ["registry/document/d-1", "registry/copy/c-1", "records/file/r-1"]),
    # records keeps the objects of a file it imported from a package (else swept as unreferenced uploads)
    (RECORDS, "records/file/r-1", ["registry/document/d-1", "signing/result/s-1"]),
    # workflow keeps the files of a task's result (báo cáo kết quả)
    (WORKFLOW, "workflow/task/t-1", ["registry/document/d-1", "signing/result/s-1", "records/file/r-1"]),
])
async def test_registry_signing_and_records_record_and_release_only_their_own_references(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject,
        client: str, own: str, others: list[str]) -> None:
    service = bearer_metadata(dev_issuer.service_token(client))
    oid = stored.object_id
    for holder in others:
        error = await refused(stub.AddReference(storage_pb2.AddReferenceRequest(
            object_id=oid, holder=holder, agency_code=H61), metadata=service))
        assert client in (error.details() or "")
        await refused(stub.ReleaseReference(storage_pb2.ReleaseReferenceRequest(
            object_id=oid, holder=holder, agency_code=H61), metadata=service))
    kept = (await stub.AddReference(storage_pb2.AddReferenceRequest(object_id=oid, holder=own, agency_code=H61),
                                    metadata=service)).object
    assert list(kept.references) == [own]
    released = (await stub.ReleaseReference(storage_pb2.ReleaseReferenceRequest(
        object_id=oid, holder=own, agency_code=H61), metadata=service)).object
    assert not released.referenced
    if client == SIGNING:  # signing stores the B-LTA augmentation records asks for, for the agency it names
        made = (await stub.Upload(chunks(PDF + b"% lta\n", agency_code=LONG_CHAU), metadata=service)).object
        assert made.agency_code == LONG_CHAU
    else:
        await refused(stub.Upload(chunks(PDF, agency_code=H61), metadata=service))
    await refused(stub.Delete(storage_pb2.DeleteRequest(object_id=oid), metadata=service))


async def test_only_signing_among_the_services_behind_the_gateway_reads_files_for_verification(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    signing = bearer_metadata(dev_issuer.service_token(SIGNING))
    assert await read(stub, signing, object_id=stored.object_id, agency_code=H61) == PDF
    registry = bearer_metadata(dev_issuer.service_token(REGISTRY))
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=stored.object_id, agency_code=H61), metadata=registry))
    await refused(read(stub, registry, object_id=stored.object_id, agency_code=H61))


@pytest.mark.parametrize("client", [STORAGE, WORKFLOW, RECORDS])
async def test_clients_granted_nothing_in_storage_do_nothing(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject,
        client: str) -> None:
    service = bearer_metadata(dev_issuer.service_token(client))
    oid = stored.object_id
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=oid, agency_code=H61), metadata=service))
    await refused(read(stub, service, object_id=oid, agency_code=H61))
    await refused(stub.Upload(chunks(PDF, agency_code=H61), metadata=service))
    if client not in (RECORDS, WORKFLOW):  # records and workflow refer to objects (the test above)
        await refused(stub.AddReference(storage_pb2.AddReferenceRequest(
            object_id=oid, holder=f"{client.removeprefix('vanthu-')}/x/1", agency_code=H61), metadata=service))
    await refused(stub.Delete(storage_pb2.DeleteRequest(object_id=oid), metadata=service))
    if client != RECORDS:  # records locks archived objects (its own test below)
        await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2040-01-01", agency_code=H61),
                                metadata=service))


async def test_search_reads_one_object_by_id_for_the_agency_it_names_and_nothing_else(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """The search service extracts a document's text (issue 15): it reads a file by its id for the agency it names,
    and cannot list, describe, store, keep, delete or lock one."""
    search = bearer_metadata(dev_issuer.service_token(SEARCH))
    oid = stored.object_id
    assert await read(stub, search, object_id=oid, agency_code=H61) == PDF
    await refused(read(stub, search, object_id=oid, agency_code=LONG_CHAU), grpc.StatusCode.NOT_FOUND)
    await refused(read(stub, search, object_id=oid), grpc.StatusCode.INVALID_ARGUMENT)
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=oid, agency_code=H61), metadata=search))
    await refused(stub.Upload(chunks(PDF, agency_code=H61), metadata=search))
    await refused(stub.AddReference(storage_pb2.AddReferenceRequest(
        object_id=oid, holder="search/x/1", agency_code=H61), metadata=search))
    await refused(stub.Delete(storage_pb2.DeleteRequest(object_id=oid), metadata=search))
    await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2040-01-01"), metadata=search))


async def test_interchange_stores_a_received_file_for_the_agency_it_names_and_reads_one_object_by_id(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer) -> None:
    interchange = bearer_metadata(dev_issuer.service_token(INTERCHANGE))
    error = await refused(stub.Upload(chunks(PDF), metadata=interchange), grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violations(error)[0][0] == "metadata.agency_code"
    obj = (await stub.Upload(chunks(PDF, agency_code=LONG_CHAU), metadata=interchange)).object
    assert obj.agency_code == LONG_CHAU
    assert await read(stub, bearer_metadata(dev_issuer.token("vanthu.longchau")), object_id=obj.object_id) == PDF
    # it reads an issued document's file to send it: one object by id, of the agency it names, never by digest
    assert await read(stub, interchange, object_id=obj.object_id, agency_code=LONG_CHAU) == PDF
    await refused(read(stub, interchange, object_id=obj.object_id, agency_code=H61), grpc.StatusCode.NOT_FOUND)
    await refused(read(stub, interchange, object_id=obj.object_id), grpc.StatusCode.INVALID_ARGUMENT)
    await refused(read(stub, interchange, sha256=obj.sha256, agency_code=LONG_CHAU), grpc.StatusCode.INVALID_ARGUMENT)


async def test_a_person_reads_only_within_their_agency_even_when_naming_another(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    outsider = bearer_metadata(dev_issuer.token("vanthu.longchau"))
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=stored.object_id, agency_code=H61), metadata=outsider))
    clerk = bearer_metadata(dev_issuer.token("vanthu.ubnd"))
    assert (await stub.Stat(storage_pb2.StatRequest(object_id=stored.object_id, agency_code=H61),
                            metadata=clerk)).object == stored


async def test_records_locks_an_object_for_the_agency_it_names_and_never_releases_a_hold(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """The records service's scheduled re-timestamping locks each new version of an archived object with its own
    token: only for the agency it names (another's object is not found), extending retention or putting a hold on;
    releasing a hold stays an archivist's or admin's act. No other service client locks anything."""
    records = bearer_metadata(dev_issuer.service_token(RECORDS))
    oid = stored.object_id
    lock = storage_pb2.LockRequest(object_id=oid, retain_until="2041-01-01", agency_code=H61)
    error = await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2041-01-01"),
                                    metadata=records), grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violations(error)[0][0] == "agency_code"
    await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2041-01-01", agency_code=LONG_CHAU),
                            metadata=records), grpc.StatusCode.NOT_FOUND)
    locked = (await stub.Lock(lock, metadata=records)).object
    assert locked.retain_until.startswith("2041-01-01") and not locked.legal_hold
    held = (await stub.Lock(storage_pb2.LockRequest(object_id=oid, agency_code=H61,
                                                    legal_hold=storage_pb2.LockRequest.LEGAL_HOLD_ON),
                            metadata=records)).object
    assert held.legal_hold and held.retain_until.startswith("2041-01-01")
    await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, agency_code=H61,
                                                    legal_hold=storage_pb2.LockRequest.LEGAL_HOLD_OFF),
                            metadata=records))
    await refused(stub.Delete(storage_pb2.DeleteRequest(object_id=oid), metadata=bearer_metadata(
        dev_issuer.token("vanthu.ubnd"))), grpc.StatusCode.FAILED_PRECONDITION)  # the hold stands
    for client in (REGISTRY, SIGNING, INTERCHANGE, WORKFLOW, SEARCH, GATEWAY, STORAGE):
        await refused(stub.Lock(lock, metadata=bearer_metadata(dev_issuer.service_token(client))))
    # a person still locks only within their own agency
    await refused(stub.Lock(storage_pb2.LockRequest(object_id=oid, retain_until="2042-01-01",
                                                    agency_code=LONG_CHAU),
                            metadata=bearer_metadata(dev_issuer.token("vanthu.ubnd"))))


def copy_request(sha256: str, source: str = H61, agency: str = LONG_CHAU) -> storage_pb2.CopyObjectRequest:
    return storage_pb2.CopyObjectRequest(source_agency_code=source, sha256=sha256, agency_code=agency,
                                         file_name="Công văn đến.pdf")


async def test_interchange_copies_the_senders_object_for_the_recipient_who_then_owns_it_alone(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """A package built here carries the sender's file: interchange has storage copy the sender's object for the
    recipient instead of uploading the bytes again. The copy is the recipient's own object (own id and name), read
    by the recipient's people; the sender's object is unchanged; copying again makes no second object."""
    interchange = bearer_metadata(dev_issuer.service_token(INTERCHANGE))
    reply = await stub.CopyObject(copy_request(stored.sha256), metadata=interchange)
    copy = reply.object
    assert not reply.deduplicated
    assert (copy.agency_code, copy.sha256, copy.size, copy.content_type, copy.file_name) == (
        LONG_CHAU, stored.sha256, stored.size, "application/pdf", "Công văn đến.pdf")
    assert copy.object_id != stored.object_id
    assert await read(stub, bearer_metadata(dev_issuer.token("vanthu.longchau")), object_id=copy.object_id) == PDF
    assert await read(stub, bearer_metadata(dev_issuer.token("vanthu.ubnd")), object_id=stored.object_id) == PDF
    await refused(read(stub, bearer_metadata(dev_issuer.token("vanthu.ubnd")), object_id=copy.object_id),
                  grpc.StatusCode.NOT_FOUND)  # the sender does not reach the recipient's copy
    again = await stub.CopyObject(copy_request(stored.sha256), metadata=interchange)
    assert again.deduplicated and again.object.object_id == copy.object_id


async def test_only_interchange_copies_and_only_an_object_the_named_sender_holds(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """Tenancy of the copy: no person (not even a clerk of either agency) and no other service copies across
    agencies; a digest the named sender does not hold is NotFound (another agency's bytes are not reachable by
    naming the wrong sender); both agencies must be named; a malformed digest is a field error."""
    for token in (dev_issuer.token("vanthu.ubnd"), dev_issuer.token("vanthu.longchau"),
                  *(dev_issuer.service_token(c) for c in (REGISTRY, SIGNING, GATEWAY, SEARCH, RECORDS, WORKFLOW))):
        await refused(stub.CopyObject(copy_request(stored.sha256), metadata=bearer_metadata(token)))
    interchange = bearer_metadata(dev_issuer.service_token(INTERCHANGE))
    await refused(stub.CopyObject(copy_request(stored.sha256, source=LONG_CHAU, agency=H61), metadata=interchange),
                  grpc.StatusCode.NOT_FOUND)
    await refused(stub.CopyObject(copy_request("0" * 64), metadata=interchange), grpc.StatusCode.NOT_FOUND)
    for request, field in ((copy_request(stored.sha256, source=""), "source_agency_code"),
                           (copy_request(stored.sha256, agency=""), "agency_code"),
                           (copy_request("not-a-digest"), "sha256")):
        error = await refused(stub.CopyObject(request, metadata=interchange), grpc.StatusCode.INVALID_ARGUMENT)
        assert field_violations(error)[0][0] == field
    # nothing was made for the recipient by any refused call
    await refused(stub.Stat(storage_pb2.StatRequest(sha256=stored.sha256),
                            metadata=bearer_metadata(dev_issuer.token("vanthu.longchau"))), grpc.StatusCode.NOT_FOUND)


async def test_a_file_a_document_let_go_of_goes_to_no_person_but_its_uploader_until_the_sweep(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """Issue 14 attacker review: a revoked arrival's or a cancelled draft's file, released by the registry, was read
    by anyone of the agency (by id or by digest) until the sweep; now only by its uploader and the services. A file
    never held yet (an upload not yet on a document) stays the agency's, and one held again is the document's."""
    registry, oid = bearer_metadata(dev_issuer.service_token(REGISTRY)), stored.object_id
    uploader, colleague = (bearer_metadata(dev_issuer.token(u)) for u in ("vanthu.ubnd", "luutru.ubnd"))
    assert (await stub.Stat(storage_pb2.StatRequest(object_id=oid), metadata=colleague)).object == stored
    holder = storage_pb2.AddReferenceRequest(object_id=oid, holder="registry/document/d-1", agency_code=H61)
    await stub.AddReference(holder, metadata=registry)
    await stub.ReleaseReference(storage_pb2.ReleaseReferenceRequest(
        object_id=oid, holder="registry/document/d-1", agency_code=H61), metadata=registry)
    await refused(stub.Stat(storage_pb2.StatRequest(object_id=oid), metadata=colleague), grpc.StatusCode.NOT_FOUND)
    await refused(stub.Stat(storage_pb2.StatRequest(sha256=stored.sha256), metadata=colleague),
                  grpc.StatusCode.NOT_FOUND)
    await refused(read(stub, colleague, object_id=oid), grpc.StatusCode.NOT_FOUND)
    assert await read(stub, uploader, object_id=oid) == PDF
    signing = bearer_metadata(dev_issuer.service_token(SIGNING))
    assert await read(stub, signing, object_id=oid, agency_code=H61) == PDF
    await stub.AddReference(holder, metadata=registry)  # held again: no longer a let-go file
    assert await read(stub, colleague, object_id=oid) == PDF


async def test_interchange_copies_a_batch_each_item_checked_and_refused_alone(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """CopyObjects (interchange taking a batch of packages in): each item is checked as CopyObject checks it; an item
    refused (a digest the named sender does not hold, an agency not named, a malformed digest) is refused alone and
    the others are copied; the same bytes twice for one recipient make one object; copying again deduplicates."""
    other = (await stub.Upload(chunks(PDF + b"% phu luc\n"), metadata=bearer_metadata(
        dev_issuer.token("vanthu.ubnd")))).object
    interchange = bearer_metadata(dev_issuer.service_token(INTERCHANGE))
    items = [copy_request(stored.sha256), copy_request("0" * 64), copy_request(stored.sha256, source=""),
             copy_request("not-a-digest"), copy_request(other.sha256), copy_request(stored.sha256, source=LONG_CHAU,
                                                                                    agency=H61),
             copy_request(stored.sha256)]
    results = (await stub.CopyObjects(storage_pb2.CopyObjectsRequest(items=items), metadata=interchange)).results
    assert [(r.error.code, r.error.field) for r in results] == [
        (0, ""), (grpc.StatusCode.NOT_FOUND.value[0], ""),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "source_agency_code"),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "sha256"), (0, ""), (grpc.StatusCode.NOT_FOUND.value[0], ""),
        (0, "")]
    first, second, twice = results[0].copied, results[4].copied, results[6].copied
    assert not first.deduplicated and not second.deduplicated and twice.deduplicated
    assert twice.object.object_id == first.object.object_id != stored.object_id
    recipient = bearer_metadata(dev_issuer.token("vanthu.longchau"))
    assert (first.object.agency_code, first.object.file_name) == (LONG_CHAU, "Công văn đến.pdf")
    assert await read(stub, recipient, object_id=first.object.object_id) == PDF
    assert await read(stub, recipient, object_id=second.object.object_id) == PDF + b"% phu luc\n"
    again = (await stub.CopyObjects(storage_pb2.CopyObjectsRequest(items=[copy_request(other.sha256)]),
                                    metadata=interchange)).results
    assert again[0].copied.deduplicated and again[0].copied.object.object_id == second.object.object_id
    for token in (dev_issuer.token("vanthu.ubnd"), dev_issuer.token("vanthu.longchau"),
                  *(dev_issuer.service_token(c) for c in (REGISTRY, SIGNING, GATEWAY, SEARCH, RECORDS, WORKFLOW))):
        await refused(stub.CopyObjects(storage_pb2.CopyObjectsRequest(items=[copy_request(stored.sha256)]),
                                       metadata=bearer_metadata(token)))
    error = await refused(stub.CopyObjects(storage_pb2.CopyObjectsRequest(items=[copy_request(stored.sha256)] * 257),
                                           metadata=interchange), grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violations(error)[0][0] == "items"


async def test_a_batch_of_references_is_checked_per_item_and_a_refused_one_spoils_no_other(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject) -> None:
    """AddReferences (the registry recording a batch of arrivals): each item as AddReference checks it — the
    caller's own holder prefix, the agency it names (another agency's object is NotFound), a well-formed holder —
    and refused alone; the others are recorded in one transaction, each result showing the object's references
    once the batch is recorded. Clients granted no references are refused the whole call."""
    theirs = (await stub.Upload(chunks(PDF + b"% long chau\n"), metadata=bearer_metadata(
        dev_issuer.token("vanthu.longchau")))).object
    registry = bearer_metadata(dev_issuer.service_token(REGISTRY))
    oid = stored.object_id

    def ref(holder: str, object_id: str = oid, agency: str = H61) -> storage_pb2.AddReferenceRequest:
        return storage_pb2.AddReferenceRequest(object_id=object_id, holder=holder, agency_code=agency)

    results = (await stub.AddReferences(storage_pb2.AddReferencesRequest(items=[
        ref("registry/document/d-1"), ref("signing/result/s-1"), ref("registry/document/d-2", theirs.object_id),
        ref("registry/document/d-3", agency=""), ref("registry/document/d 4"), ref("registry/document/d-5"),
        ref("registry/document/d-1")]), metadata=registry)).results
    assert [(r.error.code, r.error.field) for r in results] == [
        (0, ""), (grpc.StatusCode.PERMISSION_DENIED.value[0], ""), (grpc.StatusCode.NOT_FOUND.value[0], ""),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "agency_code"),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "holder"), (0, ""), (0, "")]
    both = ["registry/document/d-1", "registry/document/d-5"]
    assert [list(results[i].object.references) for i in (0, 5, 6)] == [both, both, both]
    assert (await stub.Stat(storage_pb2.StatRequest(object_id=theirs.object_id), metadata=bearer_metadata(
        dev_issuer.token("vanthu.longchau")))).object.references == []  # the refused item recorded nothing
    released = (await stub.ReleaseReference(storage_pb2.ReleaseReferenceRequest(
        object_id=oid, holder="registry/document/d-5", agency_code=H61), metadata=registry)).object
    assert list(released.references) == ["registry/document/d-1"]
    for client in (INTERCHANGE, SEARCH, GATEWAY, STORAGE):
        await refused(stub.AddReferences(storage_pb2.AddReferencesRequest(items=[ref("registry/document/d-9")]),
                                         metadata=bearer_metadata(dev_issuer.service_token(client))))
    await refused(stub.AddReferences(storage_pb2.AddReferencesRequest(items=[ref("registry/document/d-9")]),
                                     metadata=bearer_metadata(dev_issuer.token("vanthu.ubnd"))))


async def read_objects(stub: storage_pb2_grpc.StorageServiceStub, metadata: object,
                       items: list[tuple[str, str]], max_size: int = 0) -> list[tuple[int, bytes, int]]:
    """ReadObjects of ``(object_id, agency_code)`` items: per item (its size as the metadata says, its bytes, its
    error code; 0 when none), as interchange's client puts the stream together."""
    sizes: dict[int, int] = {}
    parts: dict[int, bytes] = {}
    errors: dict[int, int] = {}
    current = -1
    async for message in stub.ReadObjects(storage_pb2.ReadObjectsRequest(items=[  # type: ignore[attr-defined]
            storage_pb2.DownloadRequest(object_id=o, agency_code=a) for o, a in items], max_size=max_size),
            metadata=metadata):
        part = message.WhichOneof("part")
        if part == "chunk":
            parts[current] += message.chunk
            continue
        current = message.index
        parts[current] = b""
        if part == "error":
            errors[current] = message.error.code
        else:
            sizes[current] = message.object.size
    return [(sizes.get(i, -1), parts.get(i, b"") if i not in errors else b"", errors.get(i, 0))
            for i in range(len(items))]


async def test_interchange_reads_a_batch_of_objects_each_as_one_download_and_a_refused_one_alone(
        stub: storage_pb2_grpc.StorageServiceStub, dev_issuer: DevIssuer, stored: storage_pb2.StoredObject,
        tmp_path: Path) -> None:
    """ReadObjects (interchange reading the sealed files of a batch of issued documents): each item is read as a
    service's Download reads one (by id, the named agency's; verified while streaming), one stream for all; an item
    refused (another agency's, missing, no agency named, corrupt on disk) is refused alone; an object over the
    caller's ``max_size`` comes without its bytes; only interchange's client reads by the batch."""
    user = bearer_metadata(dev_issuer.token("vanthu.ubnd"))
    big = PDF + b"% " + b"v\xc4\x83n b\xe1\xba\xa3n " * 40_000 + b"\n"
    large = (await stub.Upload(chunks(big), metadata=user)).object
    theirs = (await stub.Upload(chunks(PDF + b"% long chau\n"), metadata=bearer_metadata(
        dev_issuer.token("vanthu.longchau")))).object
    damaged = (await stub.Upload(chunks(PDF + b"% se hong\n"), metadata=user)).object
    path = tmp_path / "data" / "objects" / object_key(H61, damaged.sha256)
    path.write_bytes(path.read_bytes().replace(b"se hong", b"da hong"))
    interchange = bearer_metadata(dev_issuer.service_token(INTERCHANGE))
    items = [(stored.object_id, H61), (theirs.object_id, H61), (large.object_id, H61), ("no-such-object", H61),
             (damaged.object_id, H61), (theirs.object_id, LONG_CHAU), (stored.object_id, ""), (stored.object_id, H61)]

    together = await read_objects(stub, interchange, items)

    assert [(size, error) for size, _, error in together] == [
        (stored.size, 0), (-1, grpc.StatusCode.NOT_FOUND.value[0]), (large.size, 0),
        (-1, grpc.StatusCode.NOT_FOUND.value[0]), (damaged.size, grpc.StatusCode.DATA_LOSS.value[0]),
        (theirs.size, 0), (-1, grpc.StatusCode.INVALID_ARGUMENT.value[0]), (stored.size, 0)]
    for (object_id, agency), (_, content, error) in zip(items, together, strict=True):
        try:
            alone, code = await read(stub, interchange, object_id=object_id, agency_code=agency), 0
        except grpc.aio.AioRpcError as failure:
            alone, code = b"", failure.code().value[0]
        assert (content, error) == (alone, code)
    assert together[2][1] == big and together[0][1] == PDF
    limited = await read_objects(stub, interchange, items[:3], max_size=len(big) - 1)
    assert [(size, content, error) for size, content, error in limited] == [
        (stored.size, PDF, 0), (-1, b"", grpc.StatusCode.NOT_FOUND.value[0]), (large.size, b"", 0)]
    for token in (dev_issuer.token("vanthu.ubnd"),
                  *(dev_issuer.service_token(c) for c in (REGISTRY, SIGNING, GATEWAY, SEARCH, RECORDS, WORKFLOW))):
        await refused(read_objects(stub, bearer_metadata(token), [(stored.object_id, H61)]))
    error = await refused(read_objects(stub, interchange, [(stored.object_id, H61)] * 257),
                          grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violations(error)[0][0] == "items"
