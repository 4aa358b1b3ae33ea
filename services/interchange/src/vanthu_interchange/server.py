"""Wiring of interchange: database, outbox relay, the registry and storage clients, the consumers, the delivery
retries (and sending through the national axis), the national axis's poller when the axis is configured
(:class:`~vanthu_interchange.axis_route.AxisInbox`), the gRPC server, and the federation port (mutual TLS, its own
server: :mod:`vanthu_interchange.federation_api`) when a peers file is configured, and the provincial axis for the
province's other document systems (HTTP, its own port: :mod:`vanthu_interchange.provincial_axis`) when a
connected-systems file is configured."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from google.protobuf.message import Message

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu.interchange.v1 import interchange_pb2, interchange_pb2_grpc
from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.storage.v1 import storage_pb2
from vanthu_axis import AxisClient, HeaderScheme
from vanthu_core.auth import JwksVerifier
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.outbox import OutboxRelay
from vanthu_core.service_token import ServiceTokens
from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import (
    INTERCHANGE_DISPATCHED,
    INTERCHANGE_ISSUED,
    INTERCHANGE_REGISTERED,
    INTERCHANGE_REJECTED,
    INTERCHANGE_REVOCATION_ACCEPTED,
    INTERCHANGE_REVOCATION_REFUSED,
    INTERCHANGE_WORKFLOW_ASSIGNED,
    INTERCHANGE_WORKFLOW_COMPLETED,
    INTERCHANGE_WORKFLOW_IN_PROGRESS,
)
from vanthu_core.timeutil import Clock, utc_now
from vanthu_edxml import Limits
from vanthu_interchange import events
from vanthu_interchange.answers import Answers
from vanthu_interchange.api import InterchangeApi
from vanthu_interchange.axis_route import AxisInbox
from vanthu_interchange.connected_systems import ConnectedSystems, load_connected_systems
from vanthu_interchange.federation import PeerClient, Peers, TlsMaterial, load_peers
from vanthu_interchange.federation_api import FederationApi, FederationServer
from vanthu_interchange.peers import Registry, Storage
from vanthu_interchange.provincial_axis import ProvincialAxis, ProvincialAxisServer
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.revoking import Revoker
from vanthu_interchange.routing import Router
from vanthu_interchange.sending import Sender
from vanthu_interchange.settings import InterchangeSettings
from vanthu_interchange.store import InterchangeStore, outbox
from vanthu_interchange.transmit import Transmitter

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.interchange")
MIGRATIONS = Path(__file__).with_name("migrations")


def _document_of(message: Message) -> str:
    """The ordering key of a registry or workflow event: its document."""
    document = getattr(message, "document", None)
    return str(getattr(document, "document_id", "") or getattr(message, "document_id", "") or "")


def _conversation(message: Message) -> str:
    return events.conversation(message) if isinstance(message, ev.PackageDispatched) else ""


@dataclass
class InterchangeServer:
    settings: InterchangeSettings
    common: CommonSettings
    clock: Clock = utc_now

    async def start(self) -> int:
        if not self.settings.registry_target or not self.settings.storage_target:
            raise RuntimeError("interchange needs the registry and storage: set VANTHU_INTERCHANGE_REGISTRY_TARGET "
                               "and VANTHU_INTERCHANGE_STORAGE_TARGET")
        await migrate(MIGRATIONS, self.settings.database_url)
        self.engine = create_engine(self.settings.database_url)
        sessions = session_factory(self.engine)
        self.bus: EventBus | None = None
        if self.common.events_enabled:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-interchange")
            await self.bus.connect()
            await self.bus.wait_for_streams()
        # reads on an engine of their own: on SQLite its transactions start deferred (no write lock to wait for)
        self.read_engine = create_engine(self.settings.database_url, read_only=True)
        reads = session_factory(self.read_engine)
        store = InterchangeStore(sessions, clock=self.clock, reads=reads)
        self.relay = OutboxRelay(sessions, outbox, self.bus,
                                 retention=timedelta(hours=self.common.outbox_retention_hours),
                                 turn=store.write_turn, reads=reads)
        self.relay.start()
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="interchange", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier, service_names=[
                                   interchange_pb2.DESCRIPTOR.services_by_name["InterchangeService"].full_name])
        tokens = ServiceTokens.of(self.common, "interchange")
        self.channels: list[Any] = [
            create_channel(self.settings.registry_target,
                           services=[*documents_pb2.DESCRIPTOR.services_by_name.values(),
                                     *registry_pb2.DESCRIPTOR.services_by_name.values()]),
            create_channel(self.settings.storage_target, services=storage_pb2.DESCRIPTOR.services_by_name.values(),
                           max_message_bytes=8 * 1024 * 1024)]
        # The consumers' calls wait while the registry or storage is down (a restart): a call that failed at once
        # would spend one of the few redeliveries before a dead letter, and an outage of some 25 s would send the
        # issued letter or the arrived package to the dead letters, lost to its recipient (found by
        # e2e/test_e2e_interchange_faults.py). The API's calls still fail at once (the clerk sees it).
        registry = Registry(self.channels[0], tokens, wait_for_ready=True, agency_cache_s=60.0)
        storage = Storage(self.channels[1], tokens, self.settings.max_file_bytes, wait_for_ready=True)
        api_registry = Registry(self.channels[0], tokens)
        self.axis = AxisClient(self.settings.axis_settings()) if self.settings.axis_configured else None
        peers, self.peer_client, self.federation = Peers(), None, None
        tls: TlsMaterial | None = None
        if self.settings.federation_peers_file:
            peers = load_peers(self.settings.federation_peers_file)
            tls = TlsMaterial.from_files(self.settings.federation_ca_file, self.settings.federation_cert_file,
                                         self.settings.federation_key_file)
            self.peer_client = PeerClient(tls, timeout_s=self.settings.federation_timeout_s)
        systems = ConnectedSystems()
        if self.settings.provincial_axis_systems_file:
            systems = load_connected_systems(self.settings.provincial_axis_systems_file,
                                             self.settings.provincial_axis_secrets_file)
        router = Router(self.settings.served_patterns(), axis=self.axis is not None, peers=peers.peers,
                        systems=systems.systems)
        limits = Limits(max_bytes=self.settings.max_package_bytes, max_attachment_bytes=self.settings.max_file_bytes)
        self.transmitter = Transmitter(store, router, max_attempts=self.settings.max_attempts,
                                       initial_s=self.settings.retry_initial_s, max_s=self.settings.retry_max_s,
                                       on_commit=self.relay.kick, axis=self.axis,
                                       in_flight_timeout=timedelta(seconds=3 * self.settings.axis_timeout_s + 30),
                                       peers=self.peer_client)

        # The transmitter wakes when a commit leaves a delivery pending (and polls), not after every commit: each
        # wake-up reads the due deliveries, and most commits (a local delivery, a receipt, a status) make none.
        store.on_pending = self.transmitter.kick

        def kick() -> None:  # events to publish
            self.relay.kick()

        answers = Answers(store, registry, router, on_commit=kick, clock=self.clock)
        revoker = Revoker(store, registry, router, on_commit=kick, clock=self.clock)
        receiver = Receiver(store, registry, storage, router, answers, limits, on_commit=kick, clock=self.clock,
                            revoker=revoker)
        interchange_pb2_grpc.add_InterchangeServiceServicer_to_server(
            InterchangeApi(store, api_registry, on_resend=kick, clock=self.clock,
                           revoker=Revoker(store, api_registry, router, on_commit=kick, clock=self.clock)),
            self.grpc.server)
        sender = Sender(store, registry, storage, router, on_commit=kick, clock=self.clock)
        self.transmitter.rebuild = sender.rebuild
        if self.bus is not None:
            # Each consumer handles VANTHU_CONSUMER_CONCURRENCY messages at once; what must stay in order is
            # keyed: the packages of one document to one recipient (a revocation after its document), the events
            # of one arrival. A message given up on is a failed delivery, visible and resendable.
            # The issued documents and the dispatched packages, the bulk of the traffic, in batches (batch_size > 1):
            # each batch's bookkeeping in one transaction here and its arrivals in one in the registry.
            batches: dict[str, Any] = {"batch": self.settings.batch_size,
                                       "max_wait_s": self.settings.batch_wait_ms / 1000} \
                if self.settings.batch_size > 1 else {}
            await self.bus.consume(INTERCHANGE_ISSUED, sender, key=_document_of, on_give_up=sender.give_up,
                                   **({"batch_handler": sender.batch, **batches} if batches else {}))
            await self.bus.consume(INTERCHANGE_DISPATCHED, receiver, key=_conversation,
                                   on_give_up=receiver.give_up,
                                   **({"batch_handler": receiver.batch, **batches} if batches else {}))
            for consumer in (INTERCHANGE_REGISTERED, INTERCHANGE_REJECTED, INTERCHANGE_REVOCATION_ACCEPTED,
                             INTERCHANGE_REVOCATION_REFUSED, INTERCHANGE_WORKFLOW_ASSIGNED,
                             INTERCHANGE_WORKFLOW_IN_PROGRESS, INTERCHANGE_WORKFLOW_COMPLETED):
                await self.bus.consume(consumer, answers, key=_document_of, on_give_up=answers.give_up)
        self.retries = asyncio.create_task(self.transmitter.run(self.settings.retry_poll_s))
        self.inbox: asyncio.Task[None] | None = None
        if self.axis is not None:
            self.inbox = asyncio.create_task(AxisInbox(store, receiver, router, self.axis, limits)
                                             .run(self.settings.axis_poll_s))
            log.info("national axis configured", extra={"endpoint": self.axis.settings.endpoint,
                                                        "system_id": self.axis.settings.system_id})
        if tls is not None:
            self.federation = FederationServer(
                FederationApi(store, receiver, router, peers, registry, limits), tls,
                self.settings.federation_host, self.settings.federation_port)
            await self.federation.start()
            log.info("federation configured", extra={"peers": [p.name for p in peers.peers]})
        self.provincial_axis: ProvincialAxisServer | None = None
        if self.settings.provincial_axis_systems_file:
            self.provincial_axis = ProvincialAxisServer(
                ProvincialAxis(store, receiver, router, systems, limits=limits, registry=registry,
                               scheme=HeaderScheme.from_env(), clock=self.clock,
                               max_skew=timedelta(seconds=self.settings.provincial_axis_max_skew_s),
                               max_attempts=self.settings.max_attempts, on_commit=kick),
                self.settings.provincial_axis_host, self.settings.provincial_axis_port)
            await self.provincial_axis.start()
            log.info("provincial axis for connected systems listening", extra={
                "port": self.settings.provincial_axis_port, "systems": [s.system_id for s in systems.systems]})
        return await self.grpc.start()

    async def stop(self) -> None:
        self.transmitter.stop()
        self.retries.cancel()
        if self.provincial_axis is not None:
            await self.provincial_axis.stop()
        if self.federation is not None:
            await self.federation.stop(self.settings.shutdown_grace_s)
        if self.peer_client is not None:
            await self.peer_client.aclose()
        if self.inbox is not None:
            self.inbox.cancel()
        await self.grpc.stop(self.settings.shutdown_grace_s)
        await self.relay.stop()
        if self.bus is not None:
            await self.bus.close()
        for channel in self.channels:
            await channel.close()
        await self.verifier.aclose()
        if self.axis is not None:
            await self.axis.aclose()
        await self.engine.dispose()
        await self.read_engine.dispose()
