"""Wiring of the storage: database, backend, outbox relay to NATS, gRPC server."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from vanthu.storage.v1 import storage_pb2
from vanthu_core.auth import JwksVerifier
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.outbox import OutboxRelay
from vanthu_core.settings import CommonSettings
from vanthu_storage.api import StorageApi, add_to_server
from vanthu_storage.backends import LocalBackend, ObjectBackend, S3Backend
from vanthu_storage.objects import Objects
from vanthu_storage.settings import StorageSettings
from vanthu_storage.store import ObjectStore, outbox

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.storage")
MIGRATIONS = Path(__file__).with_name("migrations")
#: Largest gRPC message: a chunk plus framing.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024


async def open_backend(settings: StorageSettings) -> ObjectBackend:
    if settings.backend == "s3":
        return await S3Backend(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                               settings.s3_bucket, secure=settings.s3_secure, region=settings.s3_region,
                               sse=settings.s3_sse, object_lock=settings.s3_object_lock,
                               part_size=settings.s3_part_size).start()
    return LocalBackend(settings.data_dir / "objects")


async def open_objects(settings: StorageSettings) -> tuple[Objects, AsyncEngine]:
    """Migrate, connect and build the use cases (for the server and the maintenance commands)."""
    await migrate(MIGRATIONS, settings.database_url)
    engine = create_engine(settings.database_url)
    backend = await open_backend(settings)
    objects = Objects(ObjectStore(session_factory(engine)), backend, settings.data_dir / "staging",
                      max_bytes=settings.max_object_bytes, chunk_bytes=settings.chunk_bytes,
                      sweep_grace=timedelta(hours=settings.sweep_grace_hours))
    return objects, engine


@dataclass
class StorageServer:
    settings: StorageSettings
    common: CommonSettings

    async def start(self) -> int:
        self.objects, self.engine = await open_objects(self.settings)
        # the lookups of one object (every read, upload and copy makes some) on an engine of their own: on SQLite
        # its transactions start deferred (no write lock to wait for, none held against the next write)
        self.read_engine = create_engine(self.settings.database_url, read_only=True)
        reads = session_factory(self.read_engine)
        self.objects.store.reads = reads
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-storage")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        self.relay = OutboxRelay(session_factory(self.engine), outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours), reads=reads)
        self.relay.start()
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="storage", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier, max_message_bytes=MAX_MESSAGE_BYTES,
                               service_names=[storage_pb2.DESCRIPTOR.services_by_name["StorageService"].full_name])
        add_to_server(StorageApi(self.objects, on_commit=self.relay.kick), self.grpc.server)
        self.sweeper: asyncio.Task[None] | None = None
        if self.settings.sweep_interval_minutes > 0:
            self.sweeper = asyncio.create_task(self._sweep_periodically(self.settings.sweep_interval_minutes * 60))
        return await self.grpc.start()

    async def _sweep_periodically(self, interval_s: float) -> None:
        """Remove objects nothing refers to any more, after the grace period; locked ones never."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                removed = await self.objects.sweep()
                if removed:
                    self.relay.kick()
                log.info("sweep done", extra={"removed": removed})
            except Exception:
                log.exception("sweep failed; will try again at the next interval")

    async def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
        await self.grpc.stop(self.settings.shutdown_grace_s)
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        await self.verifier.aclose()
        await self.objects.backend.close()
        await self.engine.dispose()
        await self.read_engine.dispose()
