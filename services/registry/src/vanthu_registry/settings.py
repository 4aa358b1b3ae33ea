from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """``VANTHU_REGISTRY_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_REGISTRY_", extra="ignore")

    grpc_port: int = 50051
    database_url: str = "sqlite+aiosqlite:///var/registry/registry.db"
