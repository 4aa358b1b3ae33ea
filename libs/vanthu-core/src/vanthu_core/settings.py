"""Settings read from ``VANTHU_*`` environment variables (pydantic-settings).

Each service subclasses :class:`ServiceSettings` with its own prefix (``VANTHU_<NAME>_``); the shared
values below are read with the plain ``VANTHU_`` prefix so that one variable configures every service.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """What every service reads: where NATS and the identity issuer are, how to log."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_", extra="ignore")

    #: ``dev`` (``make dev`` and the tests): development stand-ins such as the signing service's own PKI and
    #: timestamps are allowed; ``production`` (the default): a service refuses to start without its real ones.
    profile: Literal["dev", "production"] = "production"
    nats_url: str = "nats://127.0.0.1:4222"
    #: This service's own NATS user and password: each service has one, allowed to publish only its own events and
    #: to read only its own consumers (see ``vanthu_core.nats_auth``); empty connects without credentials.
    nats_user: str = ""
    nats_password: SecretStr = SecretStr("")
    #: Published events stay in the outbox this long, then are deleted (longer than JetStream's duplicate window:
    #: consumers find there the follow-up events they already made).
    outbox_retention_hours: float = Field(default=168.0, gt=0)
    #: OIDC issuer whose JWKS signs every token (Keycloak realm URL in scale mode).
    oidc_issuer: str = "http://127.0.0.1:8180/realms/vanthu"
    #: Accepted ``aud``/``azp``; empty accepts any audience of the issuer.
    oidc_audience: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    #: Start without NATS (events are then not published); only for tools and tests.
    events_enabled: bool = True
    #: This service's own OIDC client (client credentials grant), for calls made on nobody's behalf; one client
    #: per service (:mod:`vanthu_core.clients`). Empty id: ``vanthu-<service>``. Each process gets its own pair.
    service_client_id: str = ""
    service_client_secret: SecretStr = SecretStr("")


class ServiceSettings(BaseSettings):
    """Base of a service's own settings: its listen address and database."""

    model_config = SettingsConfigDict(extra="ignore")

    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    database_url: str = ""
    #: Seconds a SIGTERM waits for in-flight calls before the server stops.
    shutdown_grace_s: float = Field(default=10.0, ge=0)
