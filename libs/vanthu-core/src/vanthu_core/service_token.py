"""A service's own access token (OIDC client credentials), cached until shortly before it expires.

Used only for work done on nobody's behalf or already authorised by other means (a signed download link);
calls made for a person forward that person's token instead.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from vanthu_core.errors import Unavailable


class ServiceTokens:
    def __init__(self, issuer: str, client_id: str, client_secret: str, *, margin_s: float = 30.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.margin_s = margin_s
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token and time.monotonic() < self._expires - self.margin_s:
                return self._token
            if not self._secret:
                raise Unavailable("no service client secret configured (VANTHU_SERVICE_CLIENT_SECRET)")
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    discovery = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).raise_for_status()
                    reply = (await client.post(discovery.json()["token_endpoint"], data={
                        "grant_type": "client_credentials", "client_id": self.client_id,
                        "client_secret": self._secret})).raise_for_status().json()
            except (httpx.HTTPError, KeyError, ValueError) as error:
                raise Unavailable(f"the identity issuer did not grant a service token: {error}") from error
            self._token = str(reply["access_token"])
            self._expires = time.monotonic() + float(reply.get("expires_in", 60))
            return self._token
