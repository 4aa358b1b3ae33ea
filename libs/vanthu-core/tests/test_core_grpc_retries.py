"""Only calls the proto declares safe to repeat are retried when the callee is UNAVAILABLE: a signing whose storage
timed out after committing must not be signed twice by a retry."""

from collections.abc import AsyncIterator

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2
from vanthu.signing.v1 import signing_pb2
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.grpc_client import create_channel, repeatable, service_config

pytestmark = pytest.mark.integration


class FlakyStorage(storage_pb2_grpc.StorageServiceServicer):
    """Answers UNAVAILABLE to the first call of each method (as after a restart), then succeeds; counts calls."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    async def _flaky(self, name: str, context: grpc.aio.ServicerContext) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        if self.calls[name] == 1:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")

    async def Stat(self, request, context):  # type: ignore[no-untyped-def]
        await self._flaky("Stat", context)
        return storage_pb2.StatResponse(object=storage_pb2.StoredObject(object_id=request.object_id))

    async def Delete(self, request, context):  # type: ignore[no-untyped-def]
        await self._flaky("Delete", context)
        return storage_pb2.DeleteResponse()


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[FlakyStorage, grpc.aio.Channel]]:
    server = grpc.aio.server()
    servicer = FlakyStorage()
    storage_pb2_grpc.add_StorageServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = create_channel(f"127.0.0.1:{port}", services=storage_pb2.DESCRIPTOR.services_by_name.values())
    yield servicer, channel
    await channel.close()
    await server.stop(None)


async def test_a_read_is_retried_and_a_change_is_not(flaky: tuple[FlakyStorage, grpc.aio.Channel]) -> None:
    servicer, channel = flaky
    stub = storage_pb2_grpc.StorageServiceStub(channel)
    reply = await stub.Stat(storage_pb2.StatRequest(object_id="o-1"))
    assert reply.object.object_id == "o-1" and servicer.calls["Stat"] == 2
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Delete(storage_pb2.DeleteRequest(object_id="o-1"))
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE and servicer.calls["Delete"] == 1


def test_the_protos_say_which_calls_may_be_repeated() -> None:
    signing = signing_pb2.DESCRIPTOR.services_by_name["SigningService"]
    documents = documents_pb2.DESCRIPTOR.services_by_name["DocumentService"]
    assert not repeatable(signing.methods_by_name["SignPersonal"])  # a second signing is a second signature
    assert not repeatable(signing.methods_by_name["SignCopy"])
    assert repeatable(signing.methods_by_name["Verify"]) and repeatable(signing.methods_by_name["SealDocument"])
    assert repeatable(documents.methods_by_name["IssueDocument"])  # idempotent on the document
    assert not repeatable(documents.methods_by_name["CreateDocument"])
    assert '"method": "SignPersonal"' not in service_config([signing])
    assert service_config([]) == '{"methodConfig": []}'
