"""Wiring of signing: database (profiles, journal, outbox), key ring, storage client, gRPC server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

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
from vanthu_core.subjects import SIGNING_ARRIVALS
from vanthu_signing import devseed
from vanthu_signing.api import SigningApi
from vanthu_signing.arrivals import ArrivalChecker
from vanthu_signing.documents import RegistryDocuments
from vanthu_signing.files import PdfFiles
from vanthu_signing.keys import KeyRing
from vanthu_signing.metrics import ValidityMetrics
from vanthu_signing.settings import SigningSettings
from vanthu_signing.signer import close_pkcs11_sessions
from vanthu_signing.store import SigningStore, outbox

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.signing")
MIGRATIONS = Path(__file__).with_name("migrations")
#: A PDF at the size limit plus framing travels in one message.
MESSAGE_OVERHEAD = 1024 * 1024


async def open_store(settings: SigningSettings) -> tuple[SigningStore, AsyncEngine]:
    """Migrate and connect (for the server and the ``profile`` command)."""
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    return SigningStore(session_factory(engine)), engine


@dataclass
class SigningServer:
    settings: SigningSettings
    common: CommonSettings

    async def start(self) -> int:
        self.keys = KeyRing.load(self.settings, development=self.common.profile == "dev")
        ValidityMetrics(self.keys)
        self.store, self.engine = await open_store(self.settings)
        if self.settings.dev_profiles:
            await devseed.bind_dev_profiles(self.store, self.settings)
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-signing")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        self.relay = OutboxRelay(session_factory(self.engine), outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours))
        self.relay.start()
        max_message = self.settings.max_pdf_bytes + MESSAGE_OVERHEAD
        self.storage_channel: Any = None
        storage = None
        if self.settings.storage_target:
            self.storage_channel = create_channel(self.settings.storage_target, max_message_bytes=max_message,
                                                  services=storage_pb2.DESCRIPTOR.services_by_name.values())
            storage = storage_pb2_grpc.StorageServiceStub(self.storage_channel)
        tokens = ServiceTokens.of(self.common, "signing")
        files = PdfFiles(storage, self.settings.max_pdf_bytes, tokens)
        self.registry_channel: Any = None
        registry = RegistryDocuments(None, None)
        if self.settings.registry_target:
            self.registry_channel = create_channel(
                self.settings.registry_target, services=[*registry_pb2.DESCRIPTOR.services_by_name.values(),
                                                         *documents_pb2.DESCRIPTOR.services_by_name.values()])
            registry = RegistryDocuments(documents_pb2_grpc.DocumentServiceStub(self.registry_channel),
                                         registry_pb2_grpc.RegistryServiceStub(self.registry_channel))
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="signing", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier, max_message_bytes=max_message,
                               service_names=[signing_pb2.DESCRIPTOR.services_by_name["SigningService"].full_name])
        api = SigningApi(self.keys, self.store, files, pending_ttl_s=self.settings.pending_ttl_s,
                         on_commit=self.relay.kick, registry=registry)
        self.api = api
        signing_pb2_grpc.add_SigningServiceServicer_to_server(api, self.grpc.server)
        if self.bus is not None and files.enabled:
            await self.bus.consume(SIGNING_ARRIVALS,
                                   ArrivalChecker(files, self.keys, self.store, tokens, on_commit=self.relay.kick))
        return await self.grpc.start()

    async def stop(self) -> None:
        await self.grpc.stop(self.settings.shutdown_grace_s)
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        for channel in (self.storage_channel, self.registry_channel):
            if channel is not None:
                await channel.close()
        await self.verifier.aclose()
        await self.engine.dispose()
        close_pkcs11_sessions()
