"""Wiring of records: database, outbox relay to NATS, the channels to the services it calls, gRPC server, the
deposit reminders."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vanthu.records.v1 import records_pb2, records_pb2_grpc
from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2_grpc
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from vanthu_core.aio import cancel_and_wait
from vanthu_core.auth import JwksVerifier
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.outbox import OutboxRelay
from vanthu_core.runner import every
from vanthu_core.service_token import ServiceTokens
from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import RECORDS_ARCHIVE_READS
from vanthu_core.timeutil import Clock, utc_now
from vanthu_records.access import ArchiveReads
from vanthu_records.api import RecordsApi
from vanthu_records.deposit import Renewal
from vanthu_records.platform import GrpcPlatform, Platform
from vanthu_records.reminders import Reminders
from vanthu_records.settings import RecordsSettings
from vanthu_records.store import RecordsStore, outbox

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.records")
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class RecordsServer:
    settings: RecordsSettings
    common: CommonSettings
    clock: Clock = utc_now
    #: The other services as records calls them; None: over gRPC at the settings' targets (tests give a fake).
    platform: Platform | None = None
    channels: list[Any] = field(default_factory=list)
    #: Run the reminders every ``settings.reminder_interval_s`` and the re-timestamping every
    #: ``settings.renew_interval_s`` (tests call ``reminders.run()`` and ``renewal.run()`` themselves).
    sweeping: bool = True

    def _channel(self, target: str, name: str, descriptor: Any) -> Any:
        if not target:
            raise RuntimeError(f"records needs the {name}: set VANTHU_RECORDS_{name.upper()}_TARGET")
        channel = create_channel(target, services=descriptor.DESCRIPTOR.services_by_name.values(),
                                 max_message_bytes=80 << 20)
        self.channels.append(channel)
        return channel

    async def start(self) -> int:
        platform = self.platform
        if platform is None:
            s = self.settings
            registry = self._channel(s.registry_target, "registry", documents_pb2)
            platform = GrpcPlatform(
                documents_pb2_grpc.DocumentServiceStub(registry),
                workflow_pb2_grpc.WorkflowServiceStub(self._channel(s.workflow_target, "workflow", workflow_pb2)),
                storage_pb2_grpc.StorageServiceStub(self._channel(s.storage_target, "storage", storage_pb2)),
                signing_pb2_grpc.SigningServiceStub(self._channel(s.signing_target, "signing", signing_pb2)),
                registry_pb2_grpc.RegistryServiceStub(registry))
        await migrate(MIGRATIONS, self.settings.database_url)
        self.engine = create_engine(self.settings.database_url)
        sessions = session_factory(self.engine)
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-records")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        self.relay = OutboxRelay(sessions, outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours))
        self.relay.start()
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="records", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier,
                               service_names=[records_pb2.DESCRIPTOR.services_by_name["RecordsService"].full_name],
                               max_message_bytes=80 << 20)
        self.store = RecordsStore(sessions, clock=self.clock)
        tokens = ServiceTokens.of(self.common, "records")
        self.api = RecordsApi(self.store, platform, clock=self.clock, on_commit=self.relay.kick, tokens=tokens)
        self.reminders = Reminders(self.store, clock=self.clock, on_commit=self.relay.kick)
        self.renewal = Renewal(self.store, platform, tokens, clock=self.clock,
                               within_days=self.settings.renew_within_days)
        self.tasks: list[asyncio.Task[None]] = []
        if self.sweeping:
            self.tasks = [asyncio.create_task(every(self.reminders.run, self.settings.reminder_interval_s,
                                                    "the deposit reminders", log), name="records-reminders"),
                          asyncio.create_task(every(self.renewal.run, self.settings.renew_interval_s,
                                                    "the re-timestamping", log), name="records-renewal")]
        self.archive_reads = ArchiveReads(self.store)
        if self.bus is not None:
            await self.bus.consume(RECORDS_ARCHIVE_READS, self.archive_reads)
        records_pb2_grpc.add_RecordsServiceServicer_to_server(self.api, self.grpc.server)
        return await self.grpc.start()

    async def stop(self) -> None:
        for task in self.tasks:
            await cancel_and_wait(task)
        await self.grpc.stop(self.settings.shutdown_grace_s)
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        for channel in self.channels:
            await channel.close()
        await self.verifier.aclose()
        await self.engine.dispose()
