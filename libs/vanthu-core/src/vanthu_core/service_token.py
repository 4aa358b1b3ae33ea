"""A service's own access token (OIDC client credentials), cached until shortly before it expires.

Each service has a client of its own (:mod:`vanthu_core.clients`); the callee decides by that client id what the
service may do. Used only for work done on nobody's behalf or already authorised by other means (a signed download
link); calls made for a person forward that person's token instead.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from vanthu_core.clients import client_id as client_of
from vanthu_core.errors import Unavailable
from vanthu_core.settings import CommonSettings


class ServiceTokens:
    def __init__(self, issuer: str, client_id: str, client_secret: str, *, margin_s: float = 30.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.margin_s = margin_s
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, common: CommonSettings, service: str) -> ServiceTokens:
        """This process's own client: ``VANTHU_SERVICE_CLIENT_ID`` (default ``vanthu-<service>``) and
        ``VANTHU_SERVICE_CLIENT_SECRET``."""
        return cls(common.oidc_issuer, common.service_client_id or client_of(service),
                   common.service_client_secret.get_secret_value())

    async def token(self) -> str:
        async with self._lock:
            if self._token and time.monotonic() < self._expires - self.margin_s:
                return self._token
            if not self._secret:
                raise Unavailable(f"Dịch vụ {self.client_id} chưa được cấu hình mật khẩu "
                                  "(VANTHU_SERVICE_CLIENT_SECRET): báo quản trị hệ thống.")
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    discovery = (await client.get(f"{self.issuer}/.well-known/openid-configuration")).raise_for_status()
                    reply = (await client.post(discovery.json()["token_endpoint"], data={
                        "grant_type": "client_credentials", "client_id": self.client_id,
                        "client_secret": self._secret})).raise_for_status().json()
            except (httpx.HTTPError, KeyError, ValueError) as error:
                raise Unavailable(f"Hệ thống xác thực không cấp mã cho dịch vụ ({error}): hãy thử lại sau "
                                  "ít phút.") from error
            self._token = str(reply["access_token"])
            self._expires = time.monotonic() + float(reply.get("expires_in", 60))
            return self._token
