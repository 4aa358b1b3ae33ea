from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class StorageSettings(ServiceSettings):
    """``VANTHU_STORAGE_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_STORAGE_", extra="ignore")

    grpc_port: int = 50055
    database_url: str = "sqlite+aiosqlite:///var/storage/storage.db"
    #: Local backend objects (``objects/``) and upload staging (``staging/``) for both backends.
    data_dir: Path = Path("var/storage")
    backend: Literal["local", "s3"] = "local"
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "vanthu-objects"
    s3_secure: bool = True
    s3_region: str = ""
    #: Server-side encryption with S3-managed keys (SSE-S3) on every put.
    s3_sse: bool = False
    #: The bucket is versioned with object lock (COMPLIANCE retention, legal hold); created so if missing.
    s3_object_lock: bool = True
    s3_part_size: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024)
    max_object_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    sweep_grace_hours: float = Field(default=24.0, ge=0)
    #: How often ``serve`` sweeps objects nothing refers to; 0 leaves sweeping to the ``sweep`` command (a CronJob).
    sweep_interval_minutes: float = Field(default=60.0, ge=0)
    #: Bytes per streamed download message.
    chunk_bytes: int = Field(default=1024 * 1024, gt=0, le=4 * 1024 * 1024)
