"""How the client reads answers the fake axis never gives (an httpx mock transport stands in for the axis): what
is not JSON, a FAIL, a 401, an OK without its ``DocId``, bad base64, entries without ids, and what it sends."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from vanthu_axis import (
    DEFAULT_SCHEME,
    AxisAuthError,
    AxisClient,
    AxisError,
    AxisProtocolError,
    AxisSettings,
    verify,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)
SETTINGS = AxisSettings(endpoint="https://axis.invalid/vxp", system_id="vxp.test.a", secret="s3cr3t", max_attempts=1)


def client(handler: Callable[[httpx.Request], httpx.Response]) -> AxisClient:
    return AxisClient(SETTINGS, clock=lambda: NOW, transport=httpx.MockTransport(handler))


async def test_a_send_carries_the_package_and_verifiable_signed_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "OK", "ErrorCode": "0", "ErrorDesc": "Success", "DocID": "abc"})

    async with client(handler) as axis:
        assert await axis.send_edoc(b"<edXML/>", "status", to=["000.00.00.G22"]) == "abc"
    (request,) = seen
    assert request.url == "https://axis.invalid/vxp/sendEdoc"
    assert verify(DEFAULT_SCHEME, dict(request.headers), {"vxp.test.a": "s3cr3t"}, NOW,
                  timedelta(minutes=5)) == "vxp.test.a"
    assert request.headers["XroadVnpt-from"] == "vxp.test.a"
    assert request.headers["XroadVnpt-messagetype"] == "status"
    assert request.headers["XroadVnpt-to"] == '["000.00.00.G22"]'
    assert request.headers["XroadVnpt-hash-file"] == hashlib.sha256(b"<edXML/>").hexdigest()
    body = request.read()
    assert b'name="file_doc"' in body and b"<edXML/>" in body


async def test_a_fail_answer_raises_with_the_axis_error_desc() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "FAIL", "ErrorCode": "12",
                                         "ErrorDesc": "Don vi gui vxp.test.a khong dung voi ma da dang ky"})

    async with client(handler) as axis:
        with pytest.raises(AxisError) as refused:
            await axis.send_edoc(b"<edXML/>")
    assert refused.value.error_code == "12" and refused.value.operation == "sendEdoc"
    assert "khong dung voi ma da dang ky" in str(refused.value)


async def test_a_401_is_an_auth_error_even_without_json() -> None:
    async with client(lambda request: httpx.Response(401, text="Unauthorized")) as axis:
        with pytest.raises(AxisAuthError, match="Unauthorized"):
            await axis.agencies()


@pytest.mark.parametrize(("answer", "call", "message"), [
    (b"<html>gateway</html>", "agencies", "not a JSON object"),
    (json.dumps({"status": "OK"}).encode(), "send", "no DocId"),
    (json.dumps({"status": "OK", "data": "%%%not base64"}).encode(), "get", "not base64"),
    (json.dumps({"status": "OK", "data": [{"from": "x"}]}).encode(), "received", "without docId"),
    (json.dumps({"status": "OK", "data": {"code": "x"}}).encode(), "agencies", "not a list"),
])
async def test_an_unreadable_answer_is_a_protocol_error(answer: bytes, call: str, message: str) -> None:
    async with client(lambda request: httpx.Response(200, content=answer)) as axis:
        calls = {"agencies": axis.agencies, "send": lambda: axis.send_edoc(b"x"), "get": lambda: axis.get_edoc("d1"),
                 "received": axis.received}
        with pytest.raises(AxisProtocolError, match=message):
            await calls[call]()


async def test_arguments_are_checked_before_anything_is_sent() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "OK"})

    async with client(handler) as axis:
        with pytest.raises(ValueError, match="edoc"):
            await axis.send_edoc(b"x", "revocation")
        with pytest.raises(ValueError, match="empty"):
            await axis.send_edoc(b"")
        with pytest.raises(ValueError):
            await axis.update_status("d1", "finished")
    assert sent == []
