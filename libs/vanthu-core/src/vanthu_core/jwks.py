"""The issuer's signing keys (JWKS), cached so that an identity-provider blip is not an outage.

Rules (issue 11, item 4):

- keys younger than ``cache_ttl_s`` are used as they are;
- older keys are still used while one refresh runs in the background (stale-while-revalidate), for at most
  ``max_stale_s``; past that a token waits for a fresh fetch;
- a key id that is not cached triggers a refetch at most once per ``min_refresh_s`` (counted from the last
  attempt, successful or not), so a flood of made-up key ids cannot hammer the issuer;
- concurrent callers share one fetch (single flight): they never queue up behind each other's fetches;
- when the keys cannot be had (issuer unreachable, an answer that is not a JWKS) the caller gets
  :class:`~vanthu_core.errors.Unavailable` (gRPC UNAVAILABLE, HTTP 503), never a verdict on the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from vanthu_core.errors import Unauthenticated, Unavailable

log = logging.getLogger("vanthu.auth")


class IssuerKeys:
    """The signing keys of one OIDC issuer, from its discovery document's ``jwks_uri``.

    ``clock`` is a monotonic clock in seconds (injectable for tests); ``http`` an optional shared client.
    """

    def __init__(self, issuer: str, *, cache_ttl_s: float = 300.0, min_refresh_s: float = 5.0,
                 max_stale_s: float = 24 * 3600.0, fetch_timeout_s: float = 5.0,
                 http: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.issuer = issuer.rstrip("/")
        self.cache_ttl_s = cache_ttl_s
        self.min_refresh_s = min_refresh_s
        self.max_stale_s = max_stale_s
        self.fetch_timeout_s = fetch_timeout_s
        self.clock = clock
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last attempt (successful or not)
        self._last_error: str | None = None  # why the last attempt failed; None after a success
        self._fetch: asyncio.Task[None] | None = None

    async def key(self, kid: str) -> jwt.PyJWK:
        """The key with id ``kid``.

        Raises :class:`Unavailable` when the keys cannot be had (or the unknown ``kid`` could not be checked
        against the issuer because it is unreachable), :class:`Unauthenticated` when the issuer answered and
        has no such key.
        """
        now = self.clock()
        if self._fetched_at is None or now - self._fetched_at >= self.max_stale_s:
            if self._may_attempt(now):
                await self._shared_fetch()
            if self._fetched_at is None or self.clock() - self._fetched_at >= self.max_stale_s:
                raise Unavailable("Chưa kiểm tra được phiên đăng nhập: không lấy được khóa của hệ thống xác thực (lý "
                                  "do đã ghi vào nhật ký); hãy thử lại sau ít phút.")
        elif now - self._fetched_at >= self.cache_ttl_s and self._may_attempt(now):
            self._start_fetch()  # stale: answer with the cached keys, refresh behind the scenes
        key = self._keys.get(kid)
        if key is None and self._may_attempt(self.clock()):
            await self._shared_fetch()
            key = self._keys.get(kid)
        if key is not None:
            return key
        if self._last_error is not None:
            raise Unavailable("Chưa kiểm tra được phiên đăng nhập: không kết nối được hệ thống xác thực để lấy khóa "
                              "mới; hãy thử lại sau ít phút.")
        raise Unauthenticated("Mã xác thực không do hệ thống xác thực tin cậy ký: hãy đăng nhập lại.")

    def _may_attempt(self, now: float) -> bool:
        return self._fetch is not None or self._attempted_at is None or now - self._attempted_at >= self.min_refresh_s

    def _start_fetch(self) -> asyncio.Task[None]:
        if self._fetch is None or self._fetch.done():
            self._attempted_at = self.clock()
            self._fetch = asyncio.get_running_loop().create_task(self._run_fetch(), name="jwks-refresh")
        return self._fetch

    async def _shared_fetch(self) -> None:
        # shielded: a caller that gives up (cancelled request) does not cancel the fetch the others wait for
        await asyncio.shield(self._start_fetch())

    async def _run_fetch(self) -> None:
        try:
            self._keys = await self._download()
            self._fetched_at = self.clock()
            self._last_error = None
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            self._last_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("cannot fetch the issuer's keys; cached keys stay in use",
                        extra={"issuer": self.issuer, "error": self._last_error, "cached_keys": len(self._keys)})
        finally:
            self._fetch = None

    async def _download(self) -> dict[str, jwt.PyJWK]:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.fetch_timeout_s)
        discovery = (await self._http.get(f"{self.issuer}/.well-known/openid-configuration")).raise_for_status()
        jwks: Any = (await self._http.get(discovery.json()["jwks_uri"])).raise_for_status().json()
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in jwks["keys"]:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                continue
            try:
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue
        if not keys:
            raise ValueError("the issuer's JWKS holds no signing key")
        return keys

    async def aclose(self) -> None:
        if self._fetch is not None:
            self._fetch.cancel()
        if self._http is not None:
            await self._http.aclose()
