"""JWT verification against a real issuer's JWKS (the dev issuer over HTTP)."""

import time

import jwt
import pytest

from vanthu_core.auth import JwksVerifier, bearer_token
from vanthu_core.clients import SERVICE_CLIENTS
from vanthu_core.errors import PermissionDenied, Unauthenticated
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


async def test_a_demo_users_token_gives_a_typed_principal(dev_issuer: DevIssuer) -> None:
    verifier = JwksVerifier(dev_issuer.issuer)
    principal = await verifier.verify(dev_issuer.token("lanhdao.snv"))
    assert principal.name == "Trương Công Lý"
    assert principal.agency == "000.00.02.H61"
    assert principal.roles == frozenset({"leader"})
    principal.require_role("leader", "clerk")
    principal.require_agency("000.00.02.H61")
    with pytest.raises(PermissionDenied):
        principal.require_role("clerk")
    with pytest.raises(PermissionDenied):
        principal.require_agency("000.00.00.H61")
    await verifier.aclose()


@pytest.mark.parametrize("client_id", sorted(SERVICE_CLIENTS))
async def test_each_service_has_its_own_client_known_by_its_client_id_with_no_person_role_and_no_agency(
        dev_issuer: DevIssuer, client_id: str) -> None:
    verifier = JwksVerifier(dev_issuer.issuer)
    principal = await verifier.verify(dev_issuer.service_token(client_id))
    assert principal.is_service and principal.client_id == client_id
    assert principal.agency is None and principal.roles == frozenset()
    with pytest.raises(PermissionDenied):  # a service acts for an agency only where the callee grants it
        principal.require_agency("000.00.41.H61")
    principal.require_client(client_id)
    with pytest.raises(PermissionDenied, match=client_id):
        principal.require_client(*(SERVICE_CLIENTS - {client_id}))
    await verifier.aclose()


async def test_a_service_role_or_an_unknown_client_makes_no_service(dev_issuer: DevIssuer) -> None:
    """Services are told apart by client id (``azp``), not by a role a token could carry."""
    keys = dev_issuer.app.state.keys
    now = int(time.time())
    verifier = JwksVerifier(dev_issuer.issuer)
    base = {"iss": dev_issuer.issuer, "iat": now, "exp": now + 300}
    shared = {**base, "sub": "service-account-vanthu-services", "azp": "vanthu-services",
              "preferred_username": "service-account-vanthu-services", "realm_access": {"roles": ["service"]}}
    person_through_service_client = {**base, "sub": "u-1", "azp": "vanthu-registry",
                                     "preferred_username": "vanthu.ubnd", "agency": "000.00.00.H61",
                                     "realm_access": {"roles": ["clerk"]}}
    for claims in (shared, person_through_service_client):
        token = jwt.encode(claims, keys.active.private_key, algorithm="RS256", headers={"kid": keys.active.kid})
        principal = await verifier.verify(token)
        assert not principal.is_service and "service" not in principal.roles
        with pytest.raises(PermissionDenied):
            principal.require_client("vanthu-registry")
    person = await verifier.verify(dev_issuer.token("vanthu.ubnd"))
    assert person.client_id == "vanthu-web" and not person.is_service
    await verifier.aclose()


async def test_key_rotation_is_picked_up_without_a_restart(dev_issuer: DevIssuer) -> None:
    verifier = JwksVerifier(dev_issuer.issuer, min_refresh_s=0)
    before = await verifier.verify(dev_issuer.token("vanthu.ubnd"))
    new_key = dev_issuer.app.state.keys.rotate()
    dev_issuer._cache.clear()
    token = dev_issuer.token("vanthu.ubnd")
    assert jwt.get_unverified_header(token)["kid"] == new_key.kid
    after = await verifier.verify(token)
    assert before.subject == after.subject
    await verifier.aclose()


async def test_expired_tokens_and_wrong_audience_are_refused(dev_issuer: DevIssuer) -> None:
    keys = dev_issuer.app.state.keys
    claims = {"iss": dev_issuer.issuer, "sub": "x", "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600,
              "realm_access": {"roles": ["clerk"]}, "aud": ["vanthu"]}
    expired = jwt.encode(claims, keys.active.private_key, algorithm="RS256", headers={"kid": keys.active.kid})
    verifier = JwksVerifier(dev_issuer.issuer, leeway_s=0)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(expired)
    strict = JwksVerifier(dev_issuer.issuer, audience="other-system")
    with pytest.raises(Unauthenticated, match="không được cấp cho VanThu"):
        await strict.verify(dev_issuer.token("vanthu.ubnd"))
    await verifier.aclose()
    await strict.aclose()


async def test_unsigned_tokens_are_refused(dev_issuer: DevIssuer) -> None:
    claims = jwt.decode(dev_issuer.token("vanthu.ubnd"), options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    verifier = JwksVerifier(dev_issuer.issuer)
    with pytest.raises(Unauthenticated):
        await verifier.verify(unsigned)
    await verifier.aclose()


async def test_a_verified_token_is_remembered_only_until_it_expires(dev_issuer: DevIssuer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    keys = dev_issuer.app.state.keys
    now = int(time.time())
    claims = {"iss": dev_issuer.issuer, "sub": "short-lived", "iat": now, "exp": now + 5,
              "preferred_username": "vanthu.ubnd", "realm_access": {"roles": ["clerk"]}}
    token = jwt.encode(claims, keys.active.private_key, algorithm="RS256", headers={"kid": keys.active.kid})
    verifier = JwksVerifier(dev_issuer.issuer, leeway_s=0)
    first = await verifier.verify(token)
    calls = []
    real = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert await verifier.verify(token) is first and calls == []  # the signature is not checked again
    monkeypatch.setattr(time, "time", lambda: now + 6.0)  # past its expiry the cache no longer answers:
    await verifier.verify(token)  # the full check runs again (PyJWT's own clock decides expiry)
    assert calls == [1]
    with pytest.raises(Unauthenticated):  # a forged token never matches a cached one (the key is the full text)
        await verifier.verify(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    await verifier.aclose()


@pytest.mark.unit
@pytest.mark.parametrize("value", [None, "", "Bearer", "Bearer   ", "Basic abc", "token-without-scheme"])
def test_malformed_authorization_headers_are_unauthenticated(value: str | None) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(value)
