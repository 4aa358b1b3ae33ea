"""Tokens at the gateway against a real dev issuer: every kind of bad token is a 401 problem, and an issuer that
is down is a 503 with a clear problem, not a 401 (issue 11, item 4 and its token set)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


def gateway(issuer: DevIssuer, audience: str = "vanthu") -> Any:
    return create_app(GatewaySettings(registry_target="127.0.0.1:9"),
                      CommonSettings(oidc_issuer=issuer.issuer, oidc_audience=audience, events_enabled=False))


async def me(app: Any, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30) as http:
        return await http.get("/api/v1/me", headers=headers)


def claims_of(issuer: DevIssuer, **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(issuer.token("vanthu.ubnd"), options={"verify_signature": False})
    claims.update(changes)
    return claims


def signed(issuer: DevIssuer, claims: dict[str, Any]) -> str:
    key = issuer.app.state.keys.active
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def tampered_agency(issuer: DevIssuer) -> str:
    header, _, signature = issuer.token("vanthu.ubnd").split(".")
    body = base64.urlsafe_b64encode(json.dumps(claims_of(issuer, agency="000.00.02.H61")).encode()).rstrip(b"=")
    return f"{header}.{body.decode()}.{signature}"


def hs256_with_the_public_key(issuer: DevIssuer) -> str:
    key = issuer.app.state.keys.active
    public = key.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "kid": key.kid, "typ": "JWT"}
    segments = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
                for part in (header, claims_of(issuer))]
    mac = hmac.new(public, b".".join(segments), hashlib.sha256).digest()
    return b".".join([*segments, base64.urlsafe_b64encode(mac).rstrip(b"=")]).decode()


def unknown_key(issuer: DevIssuer) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims_of(issuer), other, algorithm="RS256", headers={"kid": "not-a-key-of-the-issuer"})


BAD_TOKENS: dict[str, Callable[[DevIssuer], str | None]] = {
    "no token": lambda i: None,
    "expired": lambda i: signed(i, claims_of(i, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
    "signed by an unknown key": unknown_key,
    "alg none": lambda i: jwt.encode(claims_of(i), key=None, algorithm="none"),
    "HS256 keyed with the public key": hs256_with_the_public_key,
    "wrong issuer": lambda i: signed(i, claims_of(i, iss="https://evil.example/realms/vanthu")),
    "wrong audience": lambda i: signed(i, claims_of(i, aud=["other-system"], azp="other-system")),
    "tampered agency claim": tampered_agency,
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_every_kind_of_bad_token_is_a_401_problem(dev_issuer: DevIssuer, kind: str) -> None:
    reply = await me(gateway(dev_issuer), BAD_TOKENS[kind](dev_issuer))
    assert reply.status_code == 401, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["www-authenticate"] == "Bearer"


async def test_a_good_token_is_accepted(dev_issuer: DevIssuer) -> None:
    reply = await me(gateway(dev_issuer), dev_issuer.token("vanthu.ubnd"))
    assert reply.status_code == 200 and reply.json()["agency"] == "000.00.00.H61"


@pytest.fixture
async def issuer_down(own_dev_issuer: DevIssuer) -> AsyncIterator[tuple[DevIssuer, str]]:
    token = own_dev_issuer.token("vanthu.ubnd")
    own_dev_issuer.stop()
    yield own_dev_issuer, token


async def test_with_the_issuer_down_a_good_token_gets_503_not_401(issuer_down: tuple[DevIssuer, str]) -> None:
    issuer, token = issuer_down
    reply = await me(gateway(issuer), token)
    assert reply.status_code == 503, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["retry-after"] == "5"
    problem = reply.json()
    assert problem["title"] == "Dịch vụ tạm thời không sẵn sàng" and "hệ thống xác thực" in problem["detail"]
