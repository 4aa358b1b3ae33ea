"""The development signing tool speaks the web app's local signing-tool protocol (services/web/SIGNING_TOOL.md):
a signature value that verifies with the key's public half over ``to_sign``, refusals with a code, CORS for its
one origin and Chromium's Private Network Access preflight."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vanthu_testing.signing_tool import create_app

pytestmark = pytest.mark.unit

ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def tool(key: rsa.RSAPrivateKey) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(key, ORIGIN)), base_url="http://tool")


async def test_signs_to_sign_with_pkcs1_v15_sha256_for_its_origin(tool: httpx.AsyncClient,
                                                                   key: rsa.RSAPrivateKey) -> None:
    to_sign = b"\x31\x0a signed attributes"
    reply = await tool.post("/v1/sign", headers={"Origin": ORIGIN}, json={
        "to_sign": base64.b64encode(to_sign).decode(), "digest": base64.b64encode(hashlib.sha256(to_sign).digest())
        .decode(), "digest_algorithm": "sha256", "signature_algorithm": "sha256_rsa", "description": "Tờ trình"})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    value = base64.b64decode(reply.json()["signature_value"])
    key.public_key().verify(value, to_sign, padding.PKCS1v15(), hashes.SHA256())  # raises if it does not verify
    status = await tool.get("/v1/status", headers={"Origin": ORIGIN})
    assert status.json()["ready"] is True


async def test_refuses_other_origins_bad_bodies_and_other_algorithms(tool: httpx.AsyncClient) -> None:
    other = await tool.post("/v1/sign", headers={"Origin": "http://evil.example"}, json={"to_sign": "YQ=="})
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    bad = await tool.post("/v1/sign", headers={"Origin": ORIGIN}, json={"to_sign": "not base64!"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_request"
    ecdsa = await tool.post("/v1/sign", headers={"Origin": ORIGIN},
                            json={"to_sign": "YQ==", "signature_algorithm": "sha256_ecdsa"})
    assert ecdsa.status_code == 400 and ecdsa.json()["code"] == "unsupported"
    assert (await tool.post("/v1/sign", content=b"{" + b" " * 70_000)).status_code == 413


async def test_answers_the_cors_and_private_network_preflight_for_its_origin_only(tool: httpx.AsyncClient) -> None:
    ask = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type", "Access-Control-Request-Private-Network": "true"}
    ok = await tool.options("/v1/sign", headers=ask)
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-private-network"] == "true"
    assert ok.headers["access-control-allow-headers"] == "Content-Type"
    refused = await tool.options("/v1/sign", headers={**ask, "Origin": "http://evil.example"})
    assert refused.status_code == 403 and "access-control-allow-private-network" not in refused.headers
