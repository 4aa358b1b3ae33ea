"""``VANTHU_RECORDS_*``: where the service listens, its database, and where the services it calls are."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class RecordsSettings(ServiceSettings):
    """``VANTHU_RECORDS_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_RECORDS_", extra="ignore")

    grpc_port: int = 50059
    database_url: str = "sqlite+aiosqlite:///var/records/records.db"
    #: The registry, workflow, storage and signing (host:port), called with the caller's token.
    registry_target: str = ""
    workflow_target: str = ""
    storage_target: str = ""
    signing_target: str = ""
    #: How often the deposit reminders run (seconds): files due within 30 days and overdue ones.
    reminder_interval_s: float = 3600.0
