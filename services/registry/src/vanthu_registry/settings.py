from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """``VANTHU_REGISTRY_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_REGISTRY_", extra="ignore")

    grpc_port: int = 50051
    database_url: str = "sqlite+aiosqlite:///var/registry/registry.db"
    #: The storage service (host:port): documents refer to their files there; empty: documents carry no files.
    storage_target: str = ""
    #: The signing service (host:port): signing and sealing documents; empty: documents cannot be signed here.
    signing_target: str = ""
