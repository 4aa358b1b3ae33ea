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

    def issuer(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/") + f"/realms/{self.realm}"
