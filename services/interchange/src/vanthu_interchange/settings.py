"""``VANTHU_INTERCHANGE_*``: where the registry and storage are, which agencies this installation serves, how
deliveries are retried, and the limits on what is received."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class InterchangeSettings(ServiceSettings):
    """``VANTHU_INTERCHANGE_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_INTERCHANGE_", extra="ignore")

    grpc_port: int = 50054
    database_url: str = "sqlite+aiosqlite:///var/interchange/interchange.db"
    #: The registry (host:port): issued documents are read there and arrivals created.
    registry_target: str = ""
    #: Storage (host:port): the files of issued documents are read there and received files stored.
    storage_target: str = ""
    #: The agency codes this installation serves, as shell-style patterns (``*`` any characters), comma-separated.
    #: A recipient matching one is delivered here over JetStream; a package for an agency not served here is
    #: returned with status 02. ``*`` (the embedded default): every agency of the directory is served here.
    served: str = "*"
    #: A delivery that failed this many times is marked failed (visible to the sender; ``vanthu-interchange resend``).
    max_attempts: int = Field(default=8, ge=1, le=100)
    #: First retry after this many seconds, doubling up to ``retry_max_s``.
    retry_initial_s: float = Field(default=5.0, gt=0)
    retry_max_s: float = Field(default=900.0, gt=0)
    #: How often due retries are looked for.
    retry_poll_s: float = Field(default=5.0, gt=0)
    #: The largest package received or built (bytes of the edXML text, attachments base64-encoded inside).
    max_package_bytes: int = Field(default=300 * 1024 * 1024, gt=0)
    #: The largest file carried in a package (decoded).
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)

    def served_patterns(self) -> tuple[str, ...]:
        """``served`` as a tuple of patterns (blanks dropped)."""
        return tuple(p.strip() for p in self.served.split(",") if p.strip())
