"""An identity-provider blip is not an outage (issue 11, item 4): cached keys keep serving while they are
refreshed in the background, an unknown key id refetches at most once per interval, concurrent callers share
one fetch, and keys that cannot be had give UNAVAILABLE (503), not a 401 — tested against a real dev issuer
that is really stopped."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from vanthu_core.auth import JwksVerifier
from vanthu_core.errors import Unauthenticated, Unavailable
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

USERS = ("vanthu.ubnd", "lanhdao.ubnd", "chuyenvien.ubnd", "vanthu.snv", "lanhdao.snv", "quantri.snv")


@dataclass
class Clock:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Requests:
    """Counts what the verifier asks the issuer (an httpx event hook: the real requests, nothing mocked)."""

    paths: list[str] = field(default_factory=list)

    async def hook(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    @property
    def jwks_fetches(self) -> int:
        return sum(p.endswith("/.well-known/openid-configuration") for p in self.paths)


def verifier_for(issuer: DevIssuer, requests: Requests, clock: Clock, **kw: float) -> JwksVerifier:
    http = httpx.AsyncClient(timeout=5.0, event_hooks={"request": [requests.hook]})
    return JwksVerifier(issuer.issuer, http=http, clock=clock, **kw)


def forged(issuer: DevIssuer, kid: str) -> str:
    """A well-formed token with an unknown key id, signed by a key the issuer never published."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": issuer.issuer, "sub": "x", "iat": now, "exp": now + 300, "realm_access": {"roles": ["admin"]}}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def eventually(check: object, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


async def test_stale_keys_keep_serving_while_a_background_refresh_runs_and_while_the_issuer_is_down(
        own_dev_issuer: DevIssuer) -> None:
    tokens = [own_dev_issuer.token(u) for u in USERS[:3]]
    requests, clock = Requests(), Clock()
    verifier = verifier_for(own_dev_issuer, requests, clock, cache_ttl_s=300)
    assert (await verifier.verify(tokens[0])).username == "vanthu.ubnd"
    assert requests.jwks_fetches == 1
    clock.now += 301  # the keys aged out: the token is answered from them and a refresh runs behind it
    assert (await verifier.verify(tokens[1])).username == "lanhdao.ubnd"
    await eventually(lambda: requests.jwks_fetches == 2 and verifier.keys._fetch is None, "the background refresh")
    own_dev_issuer.stop()
    clock.now += 301  # aged out again, and now the issuer is down: the cached keys still answer
    assert (await verifier.verify(tokens[2])).username == "chuyenvien.ubnd"
    await verifier.aclose()


async def test_concurrent_requests_during_an_outage_share_one_attempt_and_all_succeed(
        own_dev_issuer: DevIssuer) -> None:
    tokens = [own_dev_issuer.token(u) for u in USERS]
    requests, clock = Requests(), Clock()
    verifier = verifier_for(own_dev_issuer, requests, clock, cache_ttl_s=300)
    await verifier.verify(tokens[0])
    own_dev_issuer.stop()
    clock.now += 301
    principals = await asyncio.gather(*(verifier.verify(t) for t in tokens[1:]))
    assert [p.username for p in principals] == list(USERS[1:])
    await eventually(lambda: verifier.keys._fetch is None, "the failed refresh")
    assert requests.jwks_fetches == 2  # the first fetch and one refresh attempt, not one per request
    await verifier.aclose()


async def test_an_unknown_key_id_while_the_issuer_is_down_is_unavailable_not_unauthenticated(
        own_dev_issuer: DevIssuer) -> None:
    requests, clock = Requests(), Clock()
    verifier = verifier_for(own_dev_issuer, requests, clock)
    await verifier.verify(own_dev_issuer.token("vanthu.ubnd"))
    own_dev_issuer.app.state.keys.rotate()  # the issuer now signs with a key the verifier has not seen
    own_dev_issuer._cache.clear()
    rotated = own_dev_issuer.token("lanhdao.ubnd")
    own_dev_issuer.stop()
    clock.now += 10
    with pytest.raises(Unavailable, match="không kết nối được hệ thống xác thực"):
        await verifier.verify(rotated)
    await verifier.aclose()


async def test_without_cached_keys_a_stopped_issuer_gives_unavailable_and_is_not_hammered(
        own_dev_issuer: DevIssuer) -> None:
    token = own_dev_issuer.token("vanthu.ubnd")
    own_dev_issuer.stop()
    requests, clock = Requests(), Clock()
    verifier = verifier_for(own_dev_issuer, requests, clock, min_refresh_s=5)
    for _ in range(3):
        with pytest.raises(Unavailable, match="không lấy được khóa"):
            await verifier.verify(token)
    assert requests.jwks_fetches == 1  # within the interval the failure is answered without asking again
    clock.now += 5
    with pytest.raises(Unavailable):
        await verifier.verify(token)
    assert requests.jwks_fetches == 2
    await verifier.aclose()


async def test_keys_older_than_the_stale_limit_are_not_used_when_the_issuer_is_down(
        own_dev_issuer: DevIssuer) -> None:
    first, second = own_dev_issuer.token("vanthu.ubnd"), own_dev_issuer.token("lanhdao.ubnd")
    requests, clock = Requests(), Clock()
    verifier = verifier_for(own_dev_issuer, requests, clock, cache_ttl_s=300, max_stale_s=3600)
    await verifier.verify(first)
    own_dev_issuer.stop()
    clock.now += 3601
    with pytest.raises(Unavailable):
        await verifier.verify(second)
    await verifier.aclose()


async def test_unknown_key_ids_refetch_the_keys_at_most_once_per_interval(dev_issuer: DevIssuer) -> None:
    requests, clock = Requests(), Clock()
    verifier = verifier_for(dev_issuer, requests, clock, min_refresh_s=5)
    await verifier.verify(dev_issuer.token("vanthu.ubnd"))
    assert requests.jwks_fetches == 1
    clock.now += 5
    for i in range(5):  # a flood of made-up key ids: one refetch, then 401s from the cache
        with pytest.raises(Unauthenticated, match="không do hệ thống xác thực tin cậy ký"):
            await verifier.verify(forged(dev_issuer, f"made-up-{i}"))
        clock.now += 0.5
    assert requests.jwks_fetches == 2
    clock.now += 5
    with pytest.raises(Unauthenticated):
        await verifier.verify(forged(dev_issuer, "made-up-later"))
    assert requests.jwks_fetches == 3
    await verifier.aclose()


async def test_concurrent_first_requests_share_one_fetch(dev_issuer: DevIssuer) -> None:
    requests, clock = Requests(), Clock()
    verifier = verifier_for(dev_issuer, requests, clock)
    principals = await asyncio.gather(*(verifier.verify(dev_issuer.token(u)) for u in USERS))
    assert [p.username for p in principals] == list(USERS)
    assert requests.jwks_fetches == 1
    await verifier.aclose()
