from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    """``VANTHU_IDENTITY_*``: where the dev issuer listens and keeps its signing keys."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_IDENTITY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8180
    realm: str = "vanthu"
    #: Public URL of the issuer (``iss``); defaults to http://host:port/realms/<realm>.
    public_url: str = ""
    key_dir: Path = Path("var/identity/keys")
    users_file: Path | None = None
    token_lifetime_s: int = 3600
    #: The service clients (client credentials grant) and their secrets, one per service:
    #: ``VANTHU_IDENTITY_SERVICE_CLIENTS='{"vanthu-registry": "…", "vanthu-signing": "…"}'``. A client not listed (or
    #: listed with an empty secret) gets no token. The dev launcher generates a secret per client per ``var/``.
    service_clients: dict[str, SecretStr] = Field(default_factory=dict)
    #: Where the web client is served (``VANTHU_WEB_URL`` of the realm file): redirect and post-logout URIs must be
    #: under one of these (``<url>/*``) and their origins may call the token endpoint (CORS). Empty: no login page.
    web_urls: list[str] = Field(default_factory=list)
    #: A code is exchanged within this many seconds (Keycloak's default: 60).
    code_lifetime_s: int = 60
    #: A session lasts at most this long (Keycloak's SSO Session Max: 10 hours) ...
    session_lifetime_s: int = 36_000
    #: ... and ends when its refresh token is not used for this long (SSO Session Idle: 30 minutes).
    refresh_lifetime_s: int = 1800

    def issuer(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/") + f"/realms/{self.realm}"
