"""Wiring of the workflow: database, outbox relay to NATS, the registry's directory, gRPC server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from vanthu_core.aio import cancel_and_wait
from vanthu_core.auth import JwksVerifier
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.outbox import OutboxRelay
from vanthu_core.runner import every
from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import (
    WORKFLOW_CANCELLATIONS,
    WORKFLOW_DEPOSIT_REMINDERS,
    WORKFLOW_PLAN_NOTIFICATIONS,
    WORKFLOW_REVOCATIONS,
)
from vanthu_core.timeutil import Clock, utc_now
from vanthu_workflow.api import WorkflowApi
from vanthu_workflow.cancellations import Cancellations
from vanthu_workflow.deposit_reminders import DepositReminders, People, RegistryPeople
from vanthu_workflow.directory import Directory, RegistryDirectory
from vanthu_workflow.domain.outgoing import OVERRIDE_ENV, default_definition
from vanthu_workflow.mail import MailSender, SmtpConfig
from vanthu_workflow.notify import NotificationHub
from vanthu_workflow.plan_notifications import PlanNotifications
from vanthu_workflow.result_files import ResultFiles, StorageResultFiles
from vanthu_workflow.revocations import Revocations
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import WorkflowStore, outbox

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.workflow")


def _document_key(message: Any) -> str:
    """The ordering key of a registry event: its document (events of one document are handled in order)."""
    return str(getattr(getattr(message, "document", None), "document_id", ""))
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class WorkflowServer:
    settings: WorkflowSettings
    common: CommonSettings
    clock: Clock = utc_now
    #: The registry as workflow reads it; None: the registry at ``settings.registry_target`` (tests give a fake).
    directory: Directory | None = None
    channels: list[Any] = field(default_factory=list)
    #: Run the reminder sweep every ``settings.reminder_interval_s`` (tests call ``api.sweep()`` themselves).
    sweeping: bool = True
    #: An agency's people for the deposit reminders; None: the registry's, read with the workflow's service token.
    deposit_people: People | None = None
    #: The files of tasks' results in storage; None: storage at ``settings.storage_target`` (none: refused).
    result_files: ResultFiles | None = None

    async def start(self) -> int:
        if self.directory is None and not self.settings.registry_target:
            raise RuntimeError("workflow needs the registry: set VANTHU_WORKFLOW_REGISTRY_TARGET")
        await migrate(MIGRATIONS, self.settings.database_url)
        self.engine = create_engine(self.settings.database_url)
        sessions = session_factory(self.engine)
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-workflow")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        self.relay = OutboxRelay(sessions, outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours))
        self.relay.start()
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="workflow", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier,
                               service_names=[workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name])
        directory, registry = self.directory, None
        if directory is None:
            self.channels.append(create_channel(self.settings.registry_target,
                                                services=[*documents_pb2.DESCRIPTOR.services_by_name.values(),
                                                          *registry_pb2.DESCRIPTOR.services_by_name.values()]))
            from vanthu_core.service_token import ServiceTokens

            registry = self.channels[-1]
            directory = RegistryDirectory(registry, ServiceTokens.of(self.common, "workflow"))
        smtp = SmtpConfig.of(self.settings)
        self.store = WorkflowStore(sessions, clock=self.clock, mail=smtp is not None,
                                   base_url=self.settings.web_base_url)
        self.hub = NotificationHub()
        self.store.listeners.append(self.hub.publish)
        self.mail: MailSender | None = None
        if smtp is not None:
            self.mail = MailSender(sessions, smtp, clock=self.clock, poll_s=self.settings.mail_poll_s,
                                   max_attempts=self.settings.mail_max_attempts)
            self.store.listeners.append(lambda _: self.mail.kick() if self.mail else None)
            self.mail.start()
        result_files = self.result_files
        if result_files is None and self.settings.storage_target:
            from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
            from vanthu_core.service_token import ServiceTokens

            storage = create_channel(self.settings.storage_target,
                                     services=list(storage_pb2.DESCRIPTOR.services_by_name.values()))
            self.channels.append(storage)
            result_files = StorageResultFiles(storage_pb2_grpc.StorageServiceStub(storage),
                                              ServiceTokens.of(self.common, "workflow"))
        self.api = WorkflowApi(self.store, directory, on_commit=self.relay.kick, clock=self.clock,
                               definition=default_definition({OVERRIDE_ENV: self.settings.circuits_file}),
                               hub=self.hub, keepalive_s=self.settings.notification_keepalive_s,
                               result_files=result_files)
        self.sweeper: asyncio.Task[None] | None = None
        if self.sweeping:
            self.sweeper = asyncio.create_task(every(self.api.sweep, self.settings.reminder_interval_s,
                                                 "the reminder sweep (due tomorrow, overdue)", log),
                                           name="workflow-reminders")
        workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(self.api, self.grpc.server)
        people = self.deposit_people
        if people is None and registry is not None:
            from vanthu_core.service_token import ServiceTokens

            people = RegistryPeople(registry, ServiceTokens.of(self.common, "workflow"))
        self.deposit_reminders = DepositReminders(self.store, people or _nobody, on_commit=self.relay.kick)
        self.plan_notifications = PlanNotifications(self.store, people or _nobody, on_commit=self.relay.kick)
        if self.bus is not None:
            await self.bus.consume(WORKFLOW_DEPOSIT_REMINDERS, self.deposit_reminders,
                                   key=lambda message: str(getattr(message, "file_id", "")))
            await self.bus.consume(WORKFLOW_PLAN_NOTIFICATIONS, self.plan_notifications,
                                   key=lambda message: str(getattr(message, "plan_id", "")))
            await self.bus.consume(WORKFLOW_REVOCATIONS, Revocations(self.store, on_commit=self.relay.kick),
                                   key=_document_key)
            await self.bus.consume(WORKFLOW_CANCELLATIONS, Cancellations(self.store, on_commit=self.relay.kick),
                                   key=_document_key)
        return await self.grpc.start()

    async def stop(self) -> None:
        await cancel_and_wait(self.sweeper)
        await self.grpc.stop(self.settings.shutdown_grace_s)
        if self.mail is not None:
            await self.mail.stop()
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        for channel in self.channels:
            await channel.close()
        await self.verifier.aclose()
        await self.engine.dispose()


async def _nobody(agency_code: str) -> list[Any]:
    """No directory to read (tests without a registry): only the file's creator is told."""
    return []
