"""Wiring of the registry: database, outbox relay to NATS, gRPC server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vanthu.records.v1 import records_pb2, records_pb2_grpc
from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2, registry_pb2_grpc
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.auth import JwksVerifier
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.outbox import OutboxRelay
from vanthu_core.service_token import ServiceTokens
from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import REGISTRY_SIGNATURE_CHECKS, REGISTRY_WORKFLOW_STEPS
from vanthu_core.timeutil import Clock, utc_now
from vanthu_registry.api import RegistryApi
from vanthu_registry.documents_api import DocumentApi
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.events import SignatureChecks, WorkflowSteps
from vanthu_registry.lifecycle import DocumentLifecycle
from vanthu_registry.peers import Archive, FileReferences, Signing
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import AgencyStore, outbox
from vanthu_registry.units_store import UnitStore

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.registry")
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class RegistryServer:
    settings: RegistrySettings
    common: CommonSettings
    clock: Clock = utc_now

    async def start(self) -> int:
        await migrate(MIGRATIONS, self.settings.database_url)
        self.engine = create_engine(self.settings.database_url)
        sessions = session_factory(self.engine)
        # reads on the arrival's path on an engine of their own: on SQLite its transactions start deferred (no write
        # lock to wait for, none held against the next write)
        self.read_engine = create_engine(self.settings.database_url, read_only=True)
        reads = session_factory(self.read_engine)
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-registry")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        self.relay = OutboxRelay(sessions, outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours), reads=reads)
        self.relay.start()
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="registry", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier,
                               service_names=[registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name,
                                              documents_pb2.DESCRIPTOR.services_by_name["DocumentService"].full_name])
        agencies = AgencyStore(sessions, clock=self.clock, reads=reads)
        documents = DocumentStore(sessions, clock=self.clock, reads=reads)
        self.documents = documents
        await documents.seed_types()
        self.channels: list[Any] = []
        storage = signing = None
        if self.settings.storage_target:
            self.channels.append(create_channel(self.settings.storage_target,
                                                services=storage_pb2.DESCRIPTOR.services_by_name.values()))
            storage = storage_pb2_grpc.StorageServiceStub(self.channels[-1])
        if self.settings.signing_target:
            self.channels.append(create_channel(self.settings.signing_target,
                                                services=signing_pb2.DESCRIPTOR.services_by_name.values()))
            signing = signing_pb2_grpc.SigningServiceStub(self.channels[-1])
        records = None
        if self.settings.records_target:
            self.channels.append(create_channel(self.settings.records_target,
                                                services=records_pb2.DESCRIPTOR.services_by_name.values()))
            records = records_pb2_grpc.RecordsServiceStub(self.channels[-1])
        tokens = ServiceTokens.of(self.common, "registry")
        lifecycle = DocumentLifecycle(documents, FileReferences(storage, tokens), Signing(signing, tokens),
                                      Archive(records, tokens))
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(
            RegistryApi(agencies, on_commit=self.relay.kick, units=UnitStore(sessions, clock=self.clock),
                        people=self.settings.people_directory()), self.grpc.server)
        documents_pb2_grpc.add_DocumentServiceServicer_to_server(
            DocumentApi(documents, agencies, lifecycle, on_commit=self.relay.kick), self.grpc.server)
        if self.bus is not None:
            await self.bus.consume(REGISTRY_SIGNATURE_CHECKS, SignatureChecks(documents, on_commit=self.relay.kick))
            # a document's steps are recorded in the order they were taken (its history is in insertion order)
            await self.bus.consume(REGISTRY_WORKFLOW_STEPS, WorkflowSteps(documents, on_commit=self.relay.kick),
                                   key=lambda message: str(getattr(message, "document_id", "")))
        return await self.grpc.start()

    async def stop(self) -> None:
        await self.grpc.stop(self.settings.shutdown_grace_s)
        if getattr(self, "documents", None) is not None:
            await self.documents.access_log.close()  # the views served last
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        for channel in self.channels:
            await channel.close()
        await self.verifier.aclose()
        await self.engine.dispose()
        await self.read_engine.dispose()
