"""``VANTHU_INTERCHANGE_*``: where the registry and storage are, which agencies this installation serves, the
national axis (endpoint, system id and secret; the signed-header scheme comes from ``VANTHU_AXIS_HEADER_SCHEME`` /
``…_FILE``, read by :meth:`vanthu_axis.HeaderScheme.from_env`), how deliveries are retried, and the limits on what is
received."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vanthu_axis import AxisSettings, HeaderScheme
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
    #: The national axis (Trục liên thông văn bản quốc gia): its service endpoint (``https://…``; empty: no axis,
    #: a recipient not served here has no route), this installation's system id (``systemid``, also the ``from`` of
    #: sendEdoc) and secret. The header scheme is the operator's ``VANTHU_AXIS_HEADER_SCHEME`` (``…_FILE``).
    axis_url: str = ""
    axis_system_id: str = ""
    axis_secret: SecretStr = SecretStr("")
    #: How often the axis's received lists (edoc and status packages) are polled.
    axis_poll_s: float = Field(default=10.0, gt=0)
    #: Timeout of one call to the axis (seconds).
    axis_timeout_s: float = Field(default=60.0, gt=0)
    #: Federation with other VanThu installations (:mod:`vanthu_interchange.federation`): the peers file (YAML or
    #: JSON: name, target host:port, certificate identity, agency patterns of each peer; empty: no federation, no
    #: federation port), the port and address the federation service listens on (mutual TLS only; never the
    #: in-cluster port), and the PEM files of the CA that signs the peers' certificates and of this installation's own
    #: certificate and key (mounted from a Secret), used both to serve and to call peers.
    federation_peers_file: str = ""
    federation_host: str = "127.0.0.1"
    federation_port: int = 50064
    federation_ca_file: str = ""
    federation_cert_file: str = ""
    federation_key_file: str = ""
    #: Timeout of one SubmitPackage to a peer (seconds).
    federation_timeout_s: float = Field(default=120.0, gt=0)
    #: The provincial axis for other document systems of the province (:mod:`vanthu_interchange.provincial_axis`):
    #: the connected-systems file (YAML or JSON: each system's id and the agency patterns it serves; empty: the
    #: provincial axis is off, no port), the secrets file (``{system id: secret}``, mounted from a Secret; empty: each
    #: secret from ``VANTHU_INTERCHANGE_SYSTEM_SECRET_<ID>``), the address and port it is served on (HTTP; put TLS in
    #: front of it), and how far a request's signed timestamp may be from this clock.
    provincial_axis_systems_file: str = ""
    provincial_axis_secrets_file: str = ""
    provincial_axis_host: str = "0.0.0.0"  # noqa: S104 (the pod's own interface; the Service fronts it)
    provincial_axis_port: int = 8094
    provincial_axis_max_skew_s: float = Field(default=300.0, gt=0)
    #: A delivery that failed this many times is marked failed (visible to the sender; ``vanthu-interchange resend``).
    max_attempts: int = Field(default=8, ge=1, le=100)
    #: First retry after this many seconds, doubling up to ``retry_max_s``.
    retry_initial_s: float = Field(default=5.0, gt=0)
    retry_max_s: float = Field(default=900.0, gt=0)
    #: How often due retries are looked for.
    retry_poll_s: float = Field(default=5.0, gt=0)
    #: The issued-document and dispatched-package consumers work in batches (issue 12): up to this many messages
    #: fetched at once, handled together, their bookkeeping committed in one transaction (1: one at a time, as the
    #: other consumers).
    batch_size: int = Field(default=64, ge=1, le=256)
    #: How long a batch waits for more messages after its first (milliseconds; a queue that holds more hands them
    #: over at once).
    batch_wait_ms: int = Field(default=20, ge=1, le=5000)
    #: The largest package received or built (bytes of the edXML text, attachments base64-encoded inside).
    max_package_bytes: int = Field(default=300 * 1024 * 1024, gt=0)
    #: The largest file carried in a package (decoded).
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)

    @property
    def axis_configured(self) -> bool:
        """Whether the national axis is a route: endpoint, system id and secret are all set."""
        return bool(self.axis_url.strip() and self.axis_system_id.strip() and self.axis_secret.get_secret_value())

    def axis_settings(self, scheme: HeaderScheme | None = None) -> AxisSettings:
        """The client settings of the axis (the scheme from the environment unless given); ValueError when the
        axis is not configured or an endpoint is not an http(s) URL."""
        if not self.axis_configured:
            raise ValueError("the national axis is not configured: set VANTHU_INTERCHANGE_AXIS_URL, "
                             "VANTHU_INTERCHANGE_AXIS_SYSTEM_ID and VANTHU_INTERCHANGE_AXIS_SECRET")
        return AxisSettings(endpoint=self.axis_url.strip().rstrip("/"), system_id=self.axis_system_id.strip(),
                            secret=self.axis_secret.get_secret_value(),
                            scheme=scheme if scheme is not None else HeaderScheme.from_env(),
                            timeout_s=self.axis_timeout_s)

    def served_patterns(self) -> tuple[str, ...]:
        """``served`` as a tuple of patterns (blanks dropped)."""
        return tuple(p.strip() for p in self.served.split(",") if p.strip())
