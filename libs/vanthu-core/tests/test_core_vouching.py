"""A service vouching for a person's call (``policy.Access.vouched_by``, issue 13 review item 1): the interceptor
verifies the vouching token beside the person's and tells the servicer which service it is; a person's token, or a
service the entry does not name, is refused before the servicer runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest

from vanthu_core import clients, policy
from vanthu_core.auth import JwksVerifier, current_principal
from vanthu_core.grpc_client import bearer_metadata, vouched_metadata
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.policy import Access, people
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

SERVICE = "vanthu.test.v1.VouchProbe"
ACCESS = {f"{SERVICE}/Who": people("leader", vouched_by=[clients.WORKFLOW]),
          f"{SERVICE}/Plain": Access(anyone=True)}


async def who(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return f"{current_principal().username}|{policy.vouched_by()}".encode()


@pytest.fixture
async def call(dev_issuer: DevIssuer) -> AsyncIterator[Callable[..., Any]]:
    server = GrpcServer(service="probe", host="127.0.0.1", port=0, verifier=JwksVerifier(dev_issuer.issuer),
                        service_names=[SERVICE], access=ACCESS)
    server.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {
        "Who": grpc.unary_unary_rpc_method_handler(who),
        "Plain": grpc.unary_unary_rpc_method_handler(who)}),))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")

    async def invoke(metadata: Any, method: str = "Who") -> str:
        reply: bytes = await channel.unary_unary(f"/{SERVICE}/{method}")(b"", metadata=metadata)
        return reply.decode()

    try:
        yield invoke
    finally:
        await channel.close()
        await server.stop(0)


async def test_the_servicer_learns_which_service_vouched_for_the_persons_call(
        call: Callable[..., Any], dev_issuer: DevIssuer) -> None:
    leader = dev_issuer.token("lanhdao.ubnd")
    assert await call(bearer_metadata(leader)) == "lanhdao.ubnd|"
    assert await call(vouched_metadata(leader, dev_issuer.service_token(clients.WORKFLOW))) == \
        f"lanhdao.ubnd|{clients.WORKFLOW}"


@pytest.mark.parametrize("voucher", ["person", clients.REGISTRY, "garbage"])
async def test_a_voucher_the_entry_does_not_name_is_refused_before_the_servicer_runs(
        call: Callable[..., Any], dev_issuer: DevIssuer, voucher: str) -> None:
    token = {"person": dev_issuer.token("vanthu.ubnd"), "garbage": "not-a-token"}.get(voucher) or \
        dev_issuer.service_token(voucher)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call(vouched_metadata(dev_issuer.token("lanhdao.ubnd"), token))
    expected = grpc.StatusCode.UNAUTHENTICATED if voucher == "garbage" else grpc.StatusCode.PERMISSION_DENIED
    assert error.value.code() == expected, error.value.details()


async def test_a_service_calling_in_its_own_name_cannot_add_a_voucher(
        call: Callable[..., Any], dev_issuer: DevIssuer) -> None:
    workflow = dev_issuer.service_token(clients.WORKFLOW)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call(vouched_metadata(workflow, workflow), "Plain")
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
