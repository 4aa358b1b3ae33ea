"""``VANTHU_WORKFLOW_*``: where the service listens, its database, and where the registry is."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    """``VANTHU_WORKFLOW_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_WORKFLOW_", extra="ignore")

    grpc_port: int = 50057
    database_url: str = "sqlite+aiosqlite:///var/workflow/workflow.db"
    #: The registry (host:port): incoming documents, units and their heads are read there (with the caller's token).
    registry_target: str = ""
    #: The outgoing circuits' definition (YAML, the shape of ``vanthu_workflow/data/outgoing_circuits.yaml``); empty:
    #: the one shipped with the package. Read at start; a malformed file stops the service, naming the line.
    circuits_file: str = ""
