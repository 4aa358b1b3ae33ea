"""The gRPC interceptor's error contract, on a real server with a real dev issuer (issue 11, items 4, 10, 14):
a bug is logged with its trace id and answered INTERNAL with a generic message; a method the access table does not
list is refused; a refusal quoting a huge input
still arrives as itself (its details cut), not as RESOURCE_EXHAUSTED; an issuer that is down is UNAVAILABLE."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest

from vanthu_core.auth import JwksVerifier
from vanthu_core.errors import InvalidArgument
from vanthu_core.grpc_server import GrpcServer, field_violations
from vanthu_core.policy import Access
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

SERVICE = "vanthu.test.v1.ProbeService"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SECRET = "password=hunter2 at /srv/vanthu/secret.key"


async def crash(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise RuntimeError(SECRET)


async def crash_midstream(request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
    yield b"first"
    raise KeyError(SECRET)


async def refuse_long(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    value = request.decode()
    raise InvalidArgument("type_code", f"'{value}' is not a document type; see /api/v1/document-types")


async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return request


async def aborts(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "the servicer's own abort")
    raise AssertionError("unreachable")


#: The probe's own access table: anyone authenticated may call each of its methods.
ACCESS = {f"{SERVICE}/{m}": Access(anyone=True) for m in ("Crash", "CrashMidstream", "RefuseLong", "Echo", "Aborts")}


def _handlers() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(SERVICE, {
        "Crash": grpc.unary_unary_rpc_method_handler(crash),
        "CrashMidstream": grpc.unary_stream_rpc_method_handler(crash_midstream),
        "RefuseLong": grpc.unary_unary_rpc_method_handler(refuse_long),
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Aborts": grpc.unary_unary_rpc_method_handler(aborts),
        "Unlisted": grpc.unary_unary_rpc_method_handler(echo),  # served, but not in ACCESS
    })


async def serving(issuer: DevIssuer) -> tuple[GrpcServer, grpc.aio.Channel]:
    server = GrpcServer(service="probe", host="127.0.0.1", port=0, verifier=JwksVerifier(issuer.issuer),
                        service_names=[SERVICE], access=ACCESS)
    server.server.add_generic_rpc_handlers((_handlers(),))
    port = await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


@pytest.fixture
async def probe(dev_issuer: DevIssuer) -> AsyncIterator[Callable[..., Any]]:
    server, channel = await serving(dev_issuer)
    metadata = (("authorization", f"Bearer {dev_issuer.token('vanthu.ubnd')}"),
                ("traceparent", f"00-{TRACE_ID}-00f067aa0ba902b7-01"))

    def call(method: str, request: bytes = b"", stream: bool = False) -> Any:
        if stream:
            return channel.unary_stream(f"/{SERVICE}/{method}")(request, metadata=metadata, timeout=10)
        return channel.unary_unary(f"/{SERVICE}/{method}")(request, metadata=metadata, timeout=10)

    yield call
    await channel.close()
    await server.stop(0)


async def test_an_unexpected_exception_is_logged_with_the_trace_id_and_answered_generically(
        probe: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="vanthu.grpc"), pytest.raises(grpc.aio.AioRpcError) as error:
        await probe("Crash")
    assert error.value.code() == grpc.StatusCode.INTERNAL
    details = error.value.details() or ""
    assert "RuntimeError" not in details and "hunter2" not in details and "Unexpected" not in details
    assert details == f"an internal error occurred; it has been logged (reference {TRACE_ID})"
    [record] = [r for r in caplog.records if r.getMessage() == "rpc failed with an unexpected error"]
    assert record.trace_id == TRACE_ID and record.method == f"/{SERVICE}/Crash"  # type: ignore[attr-defined]
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])  # the operator sees everything


async def test_an_unexpected_exception_mid_stream_ends_the_stream_with_internal(probe: Callable[..., Any]) -> None:
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as error:
        async for message in probe("CrashMidstream", stream=True):
            received.append(message)
    assert received == [b"first"]
    assert error.value.code() == grpc.StatusCode.INTERNAL and SECRET not in (error.value.details() or "")


async def test_a_method_missing_from_the_access_table_is_refused_before_it_runs(probe: Callable[..., Any]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await probe("Unlisted", b"echoed only if let through")
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "chưa có trong bảng phân quyền" in (error.value.details() or "")
    assert await probe("Echo", b"listed") == b"listed"


async def test_a_servicers_own_abort_passes_through(probe: Callable[..., Any]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await probe("Aborts")
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.value.details() == "the servicer's own abort"


async def test_a_refusal_quoting_a_100000_character_input_arrives_as_invalid_argument_cut_short(
        probe: Callable[..., Any]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await probe("RefuseLong", ("Ư" * 100_000).encode())
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # not RESOURCE_EXHAUSTED from oversized trailers
    assert len((error.value.details() or "").encode()) <= 600
    [(field, description)] = field_violations(error.value)
    assert field == "type_code" and description.endswith("…") and len(description.encode()) <= 600


async def test_with_the_issuer_down_and_no_cached_keys_calls_are_unavailable_not_unauthenticated(
        own_dev_issuer: DevIssuer) -> None:
    token = own_dev_issuer.token("vanthu.ubnd")
    server, channel = await serving(own_dev_issuer)
    own_dev_issuer.stop()
    try:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await channel.unary_unary(f"/{SERVICE}/Echo")(b"x", metadata=(("authorization", f"Bearer {token}"),),
                                                          timeout=10)
        assert error.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "hệ thống xác thực" in (error.value.details() or "")
    finally:
        await channel.close()
        await server.stop(0)
