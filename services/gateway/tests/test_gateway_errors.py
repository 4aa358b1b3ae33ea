"""Each gRPC status becomes the HTTP status its meaning calls for (issue 11, item 10), read from real failed calls
to a real gRPC server: data loss is a 500 (not 502), a message too large is a 413 (not 429), an internal error is
told generically with its reference."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from starlette.requests import Request

from vanthu_gateway.problems import http_status, problem_from_rpc

pytestmark = pytest.mark.integration

SERVICE = "vanthu.test.v1.Statuses"
LIMIT = 4096
REF = "4bf92f3577b34da6a3ce929d0e0e4736"


async def fail_with(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    code = grpc.StatusCode[request.decode()]
    await context.abort(code, f"{code.name.lower()}: what the service said")
    raise AssertionError("unreachable")


async def crash_logged(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await context.abort(grpc.StatusCode.INTERNAL, f"an internal error occurred; it has been logged (reference {REF})")
    raise AssertionError("unreachable")


async def echo_large(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return b"x" * (LIMIT * 2)


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", LIMIT)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {
        "Fail": grpc.unary_unary_rpc_method_handler(fail_with),
        "Large": grpc.unary_unary_rpc_method_handler(echo_large),
        "Crash": grpc.unary_unary_rpc_method_handler(crash_logged)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}",
                                         options=[("grpc.max_receive_message_length", LIMIT)]) as channel:
        yield channel
    await server.stop(0)


async def failure(channel: grpc.aio.Channel, method: str, request: bytes) -> grpc.aio.AioRpcError:
    try:
        await channel.unary_unary(f"/{SERVICE}/{method}")(request, timeout=10)
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the call succeeded")


def request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/api/v1/x", "headers": [], "query_string": b"",
                    "state": {"request_id": "r-1"}})


@pytest.mark.parametrize(("code", "status"), [
    ("CANCELLED", 499), ("UNKNOWN", 500), ("INVALID_ARGUMENT", 400), ("DEADLINE_EXCEEDED", 504),
    ("NOT_FOUND", 404), ("ALREADY_EXISTS", 409), ("PERMISSION_DENIED", 403), ("RESOURCE_EXHAUSTED", 429),
    ("FAILED_PRECONDITION", 422), ("ABORTED", 409), ("OUT_OF_RANGE", 400), ("UNIMPLEMENTED", 501),
    ("INTERNAL", 500), ("UNAVAILABLE", 503), ("DATA_LOSS", 500), ("UNAUTHENTICATED", 401),
])
async def test_each_grpc_status_maps_to_the_http_status_of_its_meaning(channel: grpc.aio.Channel, code: str,
                                                                       status: int) -> None:
    error = await failure(channel, "Fail", code.encode())
    assert error.code() == grpc.StatusCode[code]
    assert http_status(error) == status


async def test_a_request_too_large_for_the_service_is_413(channel: grpc.aio.Channel) -> None:
    error = await failure(channel, "Fail", b"x" * (LIMIT * 2))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert http_status(error) == 413
    body = json.loads(problem_from_rpc(error, request()).body)
    assert body["status"] == 413 and body["title"] == "Dữ liệu gửi lên quá lớn"


async def test_an_answer_too_large_for_the_gateway_is_502(channel: grpc.aio.Channel) -> None:
    error = await failure(channel, "Large", b"")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and http_status(error) == 502


@pytest.mark.parametrize("code", ["INTERNAL", "UNKNOWN"])
async def test_internal_errors_are_told_generically(channel: grpc.aio.Channel, code: str) -> None:
    error = await failure(channel, "Fail", code.encode())
    body: dict[str, Any] = json.loads(problem_from_rpc(error, request()).body)
    assert body["status"] == 500 and "what the service said" not in body["detail"]


async def test_an_internal_error_keeps_the_reference_to_its_log_line(channel: grpc.aio.Channel) -> None:
    body = json.loads(problem_from_rpc(await failure(channel, "Crash", b""), request()).body)
    assert body["status"] == 500 and body["detail"].endswith(f"(mã tra cứu {REF}).")


async def test_a_503_says_when_to_retry(channel: grpc.aio.Channel) -> None:
    response = problem_from_rpc(await failure(channel, "Fail", b"UNAVAILABLE"), request())
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


async def test_an_unreachable_service_is_told_in_vietnamese_without_its_address() -> None:
    """gRPC's own words of an outage name the cluster's addresses and ports: the person gets a Vietnamese sentence
    saying what to do (the gateway's log keeps gRPC's words)."""
    closed = grpc.aio.insecure_channel("127.0.0.1:9")  # discard: nothing listens
    try:
        error = await failure(closed, "Fail", b"UNAVAILABLE")
    finally:
        await closed.close()
    assert error.code() == grpc.StatusCode.UNAVAILABLE and "127.0.0.1" in (error.details() or "")
    body = json.loads(problem_from_rpc(error, request()).body)
    assert body["status"] == 503 and body["detail"] == "Dịch vụ tạm thời không phản hồi, hãy thử lại sau ít phút."


@pytest.mark.parametrize(("code", "status"), [("UNAVAILABLE", 503), ("DEADLINE_EXCEEDED", 504),
                                              ("RESOURCE_EXHAUSTED", 429)])
async def test_an_outage_in_english_is_told_in_vietnamese_and_one_in_a_services_words_is_kept(
        channel: grpc.aio.Channel, code: str, status: int) -> None:
    body = json.loads(problem_from_rpc(await failure(channel, "Fail", code.encode()), request()).body)
    assert body["status"] == status and "what the service said" not in body["detail"]
    assert body["detail"] == "Dịch vụ tạm thời không phản hồi, hãy thử lại sau ít phút."
    said = grpc.aio.AioRpcError(grpc.StatusCode[code], grpc.aio.Metadata(), grpc.aio.Metadata(),
                                "Kho lưu tệp đang bảo trì, hãy thử lại sau.")
    assert json.loads(problem_from_rpc(said, request()).body)["detail"] == "Kho lưu tệp đang bảo trì, hãy thử lại sau."
