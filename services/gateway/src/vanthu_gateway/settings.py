from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """``VANTHU_GATEWAY_*``: where it listens, where the services are, limits and CORS."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_GATEWAY_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8080
    registry_target: str = "127.0.0.1:50051"
    #: Other services' gRPC targets; empty means "not deployed" (their routes answer 503).
    storage_target: str = ""
    signing_target: str = ""
    interchange_target: str = ""
    workflow_target: str = ""
    search_target: str = ""
    records_target: str = ""
    #: Largest request body accepted on JSON routes (uploads have their own limit).
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 200 * 1024 * 1024
    cors_origins: list[str] = Field(default_factory=list)
    #: Key of download links (HMAC); every gateway replica needs the same one. Empty: a random key per process.
    download_link_secret: SecretStr = SecretStr("")
    download_link_ttl_s: int = Field(default=300, ge=10, le=86_400)
    #: The built web application (``services/web/dist``; the image's ``/app/web``), served at ``/``. None: not served.
    web_dir: Path | None = None
    #: The issuer URL the browser signs in with, when it differs from ``VANTHU_OIDC_ISSUER`` (an internal address).
    web_oidc_authority: str = ""
    #: The local signing tool the web app hands two-step signing digests to (a USB token's middleware listening on
    #: the signer's own computer, protocol in services/web/SIGNING_TOOL.md); its origin joins the app's
    #: ``connect-src``. Empty: the app offers no USB-token signing.
    web_signing_tool_url: str = Field(default="http://127.0.0.1:18777", pattern=r"^(https?://[A-Za-z0-9.\[\]:-]+)?$")
    #: Per-call deadline towards the services.
    call_deadline_s: float = 10.0
