"""``VANTHU_WORKFLOW_*``: where the service listens, its database, and where the registry is."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    """``VANTHU_WORKFLOW_*``."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_WORKFLOW_", extra="ignore")

    grpc_port: int = 50057
    database_url: str = "sqlite+aiosqlite:///var/workflow/workflow.db"
    #: The registry (host:port): incoming documents, units and their heads are read there (with the caller's token).
    registry_target: str = ""
    #: The storage service (host:port): the files of a task's result are checked and referred to there; empty:
    #: completing with result files is refused (Unavailable).
    storage_target: str = ""
    #: The outgoing circuits' definition (YAML, the shape of ``vanthu_workflow/data/outgoing_circuits.yaml``); empty:
    #: the one shipped with the package. Read at start; a malformed file stops the service, naming the line.
    circuits_file: str = ""

    # -- notifications (issue 13 item 6) ----------------------------------------------------------------------------
    #: The web app's address, for the links in the e-mails (its document pages, /van-ban/<id>).
    web_base_url: str = "http://localhost:8080"
    #: How often the reminder sweep looks for tasks due on the next working day and overdue ones (seconds).
    reminder_interval_s: float = 600.0
    #: A WatchNotifications stream sends a keep-alive message after this many quiet seconds.
    notification_keepalive_s: float = 15.0
    #: The SMTP server of the e-mails; empty: no e-mail at all (in-app notifications only).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "VanThu <vanthu@localhost>"
    #: STARTTLS after connecting (the server's certificate checked against the system's CAs).
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = 30.0
    #: The sender looks for due e-mails this often (seconds), besides being woken by each commit that wrote one.
    mail_poll_s: float = 30.0
    #: A failed e-mail is tried again after 1, 2, 4 … minutes (at most an hour apart), this many times in all.
    mail_max_attempts: int = 12
