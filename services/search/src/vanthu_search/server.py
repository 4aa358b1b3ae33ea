"""Wiring of search: the index backend, the registry and storage clients, the OCR worker, the consumer of the
registry's document events and the gRPC server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2, registry_pb2_grpc
from vanthu.search.v1 import search_pb2, search_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.auth import JwksVerifier
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import GrpcServer
from vanthu_core.service_token import ServiceTokens
from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import SEARCH_DOCUMENTS
from vanthu_search.api import SearchApi
from vanthu_search.backends.base import Backend
from vanthu_search.backends.factory import open_backend
from vanthu_search.indexer import Indexer, key_of
from vanthu_search.ocr import OcrStore, OcrWorker
from vanthu_search.settings import SearchSettings
from vanthu_search.sources import Directory, RegistryDocuments, StorageFiles

if TYPE_CHECKING:
    from vanthu_core.bus import EventBus

log = logging.getLogger("vanthu.search")
#: A file at the size limit plus framing travels in one message.
MESSAGE_OVERHEAD = 1024 * 1024


@dataclass
class Wiring:
    """What the server and ``reindex`` share: the backend, the indexer, the OCR worker, the channels."""

    backend: Backend
    indexer: Indexer | None
    documents: RegistryDocuments | None
    directory: Directory
    ocr: OcrWorker | None
    ocr_store: OcrStore
    channels: list[Any]
    registry_stub: Any = None

    async def close(self) -> None:
        if self.ocr is not None:
            await self.ocr.stop()
        for channel in self.channels:
            await channel.close()
        self.backend.close()


def wire(settings: SearchSettings, common: CommonSettings, *, backend: Backend | None = None) -> Wiring:
    """Everything but the servers; ``backend``: write there instead of the settings' index (a reindex's new
    generation)."""
    backend = backend or open_backend(settings)
    tokens = ServiceTokens.of(common, "search")
    channels: list[Any] = []
    documents = files = None
    registry_stub = None
    if settings.registry_target:
        channel = create_channel(settings.registry_target,
                                 services=[*registry_pb2.DESCRIPTOR.services_by_name.values(),
                                           *documents_pb2.DESCRIPTOR.services_by_name.values()])
        channels.append(channel)
        documents = RegistryDocuments(documents_pb2_grpc.DocumentServiceStub(channel), tokens)
        registry_stub = registry_pb2_grpc.RegistryServiceStub(channel)
    if settings.storage_target:
        channel = create_channel(settings.storage_target, max_message_bytes=settings.max_file_bytes + MESSAGE_OVERHEAD,
                                 services=storage_pb2.DESCRIPTOR.services_by_name.values())
        channels.append(channel)
        files = StorageFiles(storage_pb2_grpc.StorageServiceStub(channel), tokens, settings.max_file_bytes)
    ocr_store = OcrStore(settings.ocr_dir)
    indexer: Indexer | None = None
    ocr: OcrWorker | None = None
    if documents is not None:
        indexer = Indexer(backend, documents, files, ocr_store=ocr_store, max_text_chars=settings.max_text_chars,
                          ocr_min_chars=settings.ocr_min_chars)
        if settings.ocr_enabled:
            ocr = OcrWorker(ocr_store, indexer.reindex_after_ocr, languages=settings.ocr_languages,
                            concurrency=settings.ocr_concurrency, dpi=settings.ocr_dpi, resubmit=indexer.index)
            indexer.ocr = ocr
    return Wiring(backend, indexer, documents, Directory(registry_stub, settings.principals_ttl_s), ocr, ocr_store,
                  channels, registry_stub)


def consumer_options(settings: SearchSettings, indexer: Indexer) -> dict[str, Any]:
    """How ``search-documents`` is consumed: events of one document one after the other (the key) and, with
    ``batch_size`` > 1, in batches (:meth:`Indexer.batch`: one index commit per batch, not per event)."""
    options: dict[str, Any] = {"key": key_of}
    if settings.batch_size > 1:
        options.update(batch_handler=indexer.batch, batch=settings.batch_size,
                       max_wait_s=settings.batch_wait_ms / 1000)
    return options


@dataclass
class SearchServer:
    settings: SearchSettings
    common: CommonSettings

    async def start(self) -> int:
        self.wiring = wire(self.settings, self.common)
        if self.wiring.ocr is not None:
            self.wiring.ocr.start()
        self.bus: EventBus | None = None
        if self.common.events_enabled and self.wiring.indexer is not None:
            from vanthu_core.bus import EventBus

            self.bus = EventBus.for_service(self.common, "vanthu-search")
            await self.bus.connect()
            await self.bus.wait_for_streams()
            await self.bus.consume(SEARCH_DOCUMENTS, self.wiring.indexer.handle,
                                   **consumer_options(self.settings, self.wiring.indexer))
        self.verifier = JwksVerifier(self.common.oidc_issuer, audience=self.common.oidc_audience or None)
        self.grpc = GrpcServer(service="search", host=self.settings.grpc_host, port=self.settings.grpc_port,
                               verifier=self.verifier,
                               service_names=[search_pb2.DESCRIPTOR.services_by_name["SearchService"].full_name])
        ocr = self.wiring.ocr
        api = SearchApi(self.wiring.backend, self.wiring.directory,
                        ocr_pending=(lambda: ocr.pending) if ocr is not None else (lambda: 0),
                        ocr_done=self.wiring.ocr_store.done)
        search_pb2_grpc.add_SearchServiceServicer_to_server(api, self.grpc.server)
        return await self.grpc.start()

    async def stop(self) -> None:
        await self.grpc.stop(self.settings.shutdown_grace_s)
        if self.bus is not None:
            await self.bus.close()
        await self.wiring.close()
        await self.verifier.aclose()
