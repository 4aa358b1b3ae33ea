"""A batch call that fails (issue 12's bench, a tenth round): interchange's clients of the registry and storage
(:mod:`vanthu_interchange.peers`) ask for a batch's items one by one when the batch call failed for what it carried
(a failure that is not an outage, or an answer that leaves items out), so one item's failure is its own and the
others of the batch are not sent back to wait for a redelivery; when the callee cannot be reached or is out of time
(every item would meet it) the call's failure is each item's, as before. The stubs here stand for the gRPC stubs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2
from vanthu.storage.v1 import storage_pb2
from vanthu_core.errors import NotFound, Unavailable
from vanthu_interchange.peers import Registry, Storage, StoredFile

AGENCY, RECIPIENT = "000.00.00.G22", "000.00.00.H41"


class Tokens:
    async def token(self) -> str:
        return "token"


def failure(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="the call failed")


class Stream:
    """A server stream's call: its messages, then ``error`` raised if given."""

    def __init__(self, messages: list[Any], error: grpc.aio.AioRpcError | None = None) -> None:
        self.messages, self.error = messages, error

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._each()

    async def _each(self) -> AsyncIterator[Any]:
        for message in self.messages:
            yield message
        if self.error is not None:
            raise self.error

    def cancel(self) -> bool:
        return True


class StorageStub:
    """ReadObjects and CopyObjects fail with ``batch_failure``; Download and CopyObject answer per object (``lost``:
    the one object whose own call fails, NOT_FOUND)."""

    def __init__(self, batch_failure: grpc.StatusCode, lost: str) -> None:
        self.batch_failure, self.lost = batch_failure, lost
        self.calls: list[str] = []

    def ReadObjects(self, request: storage_pb2.ReadObjectsRequest, **_: Any) -> Stream:
        self.calls.append("ReadObjects")
        # the first item's metadata and bytes came, then the stream broke on the lost one
        return Stream(
            [
                storage_pb2.ReadObjectsResponse(
                    object=storage_pb2.StoredObject(object_id=request.items[0].object_id, size=3), index=0
                ),
                storage_pb2.ReadObjectsResponse(chunk=b"abc"),
            ],
            failure(self.batch_failure),
        )

    def Download(self, request: storage_pb2.DownloadRequest, **_: Any) -> Stream:
        self.calls.append("Download")
        if request.object_id == self.lost:
            return Stream([], failure(grpc.StatusCode.NOT_FOUND))
        return Stream(
            [
                storage_pb2.DownloadResponse(object=storage_pb2.StoredObject(object_id=request.object_id, size=8)),
                storage_pb2.DownloadResponse(chunk=request.object_id.encode()),
            ]
        )

    async def CopyObjects(self, request: storage_pb2.CopyObjectsRequest, **_: Any) -> Any:
        self.calls.append("CopyObjects")
        raise failure(self.batch_failure)

    async def CopyObject(self, request: storage_pb2.CopyObjectRequest, **_: Any) -> storage_pb2.CopyObjectResponse:
        self.calls.append("CopyObject")
        if request.sha256 == self.lost:
            raise failure(grpc.StatusCode.PERMISSION_DENIED)
        return storage_pb2.CopyObjectResponse(
            object=storage_pb2.StoredObject(
                object_id=f"copy-{request.sha256}", sha256=request.sha256, file_name=request.file_name
            )
        )


class DocumentsStub:
    def __init__(self, batch_failure: grpc.StatusCode, lost: str) -> None:
        self.batch_failure, self.lost = batch_failure, lost
        self.calls: list[str] = []

    async def GetDocuments(self, request: documents_pb2.GetDocumentsRequest, **_: Any) -> Any:
        self.calls.append("GetDocuments")
        raise failure(self.batch_failure)

    async def GetDocument(
        self, request: documents_pb2.GetDocumentRequest, **_: Any
    ) -> documents_pb2.GetDocumentResponse:
        self.calls.append("GetDocument")
        if request.id == self.lost:
            raise failure(grpc.StatusCode.NOT_FOUND)
        return documents_pb2.GetDocumentResponse(
            document=documents_pb2.Document(id=request.id, agency_code=request.agency_code)
        )


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    made = grpc.aio.insecure_channel("localhost:9")  # never called: the stubs stand in
    yield made
    await made.close()


def storage_with(channel: grpc.aio.Channel, stub: StorageStub) -> Storage:
    storage = Storage(channel, Tokens(), max_file_bytes=1000)  # type: ignore[arg-type]
    storage.stub = stub  # type: ignore[assignment]
    return storage


def registry_with(channel: grpc.aio.Channel, stub: DocumentsStub) -> Registry:
    registry = Registry(channel, Tokens())  # type: ignore[arg-type]
    registry.documents = stub  # type: ignore[assignment]
    return registry


async def test_a_read_of_a_batch_that_fails_for_one_file_reads_each_file_and_only_that_one_fails(
    channel: grpc.aio.Channel,
) -> None:
    stub = StorageStub(grpc.StatusCode.INTERNAL, lost="obj-2")
    results = await storage_with(channel, stub).read_many([(AGENCY, "obj-1"), (AGENCY, "obj-2"), (AGENCY, "obj-3")])
    assert results[0] == b"obj-1" and results[2] == b"obj-3"
    assert isinstance(results[1], NotFound)
    assert stub.calls == ["ReadObjects", "Download", "Download", "Download"]


async def test_a_copy_of_a_batch_that_fails_for_one_file_copies_each_file_and_only_that_one_fails(
    channel: grpc.aio.Channel,
) -> None:
    stub = StorageStub(grpc.StatusCode.INTERNAL, lost="b" * 64)
    results = await storage_with(channel, stub).copy_many(
        [(AGENCY, digest * 64, RECIPIENT, f"Công văn {digest}.pdf") for digest in "abc"]
    )
    assert results[0] == StoredFile(f"copy-{'a' * 64}", "a" * 64, "", "Công văn a.pdf")
    assert isinstance(results[2], StoredFile) and results[2].object_id == f"copy-{'c' * 64}"
    assert isinstance(results[1], Exception) and results[1].code == grpc.StatusCode.PERMISSION_DENIED
    assert stub.calls == ["CopyObjects", "CopyObject", "CopyObject", "CopyObject"]


async def test_a_read_of_a_batch_of_documents_that_fails_for_one_reads_each_and_only_that_one_fails(
    channel: grpc.aio.Channel,
) -> None:
    stub = DocumentsStub(grpc.StatusCode.UNKNOWN, lost="doc-1")
    results = await registry_with(channel, stub).issued_documents([(AGENCY, "doc-1"), (AGENCY, "doc-2")])
    assert isinstance(results[0], NotFound)
    assert isinstance(results[1], documents_pb2.Document) and results[1].id == "doc-2"
    assert stub.calls == ["GetDocuments", "GetDocument", "GetDocument"]


@pytest.mark.parametrize("outage", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
async def test_a_batch_call_the_callee_could_not_answer_fails_every_item_without_asking_again(
    channel: grpc.aio.Channel, outage: grpc.StatusCode
) -> None:
    storage_stub, documents_stub = StorageStub(outage, lost=""), DocumentsStub(outage, lost="")
    storage, registry = storage_with(channel, storage_stub), registry_with(channel, documents_stub)
    with pytest.raises(Unavailable):
        await storage.read_many([(AGENCY, "obj-1"), (AGENCY, "obj-2")])
    with pytest.raises(Unavailable):
        await storage.copy_many([(AGENCY, "a" * 64, RECIPIENT, "a.pdf"), (AGENCY, "b" * 64, RECIPIENT, "b.pdf")])
    with pytest.raises(Unavailable):
        await registry.issued_documents([(AGENCY, "doc-1"), (AGENCY, "doc-2")])
    assert storage_stub.calls == ["ReadObjects", "CopyObjects"]
    assert documents_stub.calls == ["GetDocuments"]
