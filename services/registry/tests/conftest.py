"""The registry with the services it calls, each a real in-process gRPC server: storage (SQLite, local directory)
and signing (a development PKI, the demo profiles bound), tokens from the real dev issuer.

``platform`` gives the document API and helpers that take a document through its life as people do it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc, registry_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.documents import draft_pdf
from vanthu_testing.identity import DevIssuer
from vanthu_testing.ports import free_port

UBND, SNV = "000.00.00.H61", "000.00.02.H61"
AGENCIES = ((UBND, "Ủy ban nhân dân tỉnh Vĩnh Long", ""), (SNV, "Sở Nội vụ tỉnh Vĩnh Long", UBND))


@dataclass
class ServerClock:
    """The registry's clock under test: every date the server writes comes from here, never from the calendar."""

    now: datetime = field(default_factory=lambda: datetime(2031, 6, 15, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    @property
    def year(self) -> int:
        return self.now.year  # 10:00 in Vietnam: the same year there


@pytest.fixture
def clock() -> ServerClock:
    return ServerClock()


@dataclass
class Platform:
    documents: documents_pb2_grpc.DocumentServiceStub
    agencies: registry_pb2_grpc.RegistryServiceStub
    storage: storage_pb2_grpc.StorageServiceStub
    issuer: DevIssuer
    registry: RegistryServer
    signing: Any

    async def call(self, method: Any, request: Any, user: str) -> Any:
        return await method(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def upload(self, user: str, data: bytes, name: str = "dự thảo.pdf") -> storage_pb2.StoredObject:
        def chunks() -> Iterator[storage_pb2.UploadRequest]:
            yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name))
            yield storage_pb2.UploadRequest(chunk=data)

        reply = await self.storage.Upload(chunks(), metadata=bearer_metadata(self.issuer.token(user)))
        return reply.object

    async def draft(self, document: pb.DocumentInput, officer: str = "chuyenvien.ubnd",
                    pdf: bytes | None = None) -> pb.Document:
        """A draft carrying its PDF (uploaded by the officer) as the main file."""
        stored = await self.upload(officer, pdf or draft_pdf(document.abstract[:60]))
        with_file = pb.DocumentInput()
        with_file.CopyFrom(document)
        del with_file.files[:]
        with_file.files.append(pb.DocumentFile(object_id=stored.object_id, role="main"))
        reply = await self.call(self.documents.CreateDocument, pb.CreateDocumentRequest(document=with_file), officer)
        return reply.document

    async def signed(self, document: pb.DocumentInput, officer: str = "chuyenvien.ubnd",
                     leader: str = "lanhdao.ubnd") -> pb.Document:
        """Drafted, submitted by the officer and signed by the leader."""
        doc = await self.draft(document, officer)
        await self.call(self.documents.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), officer)
        return (await self.call(self.documents.SignDocument, pb.SignDocumentRequest(id=doc.id), leader)).document

    async def issued(self, document: pb.DocumentInput, register_id: str = "", clerk: str = "vanthu.ubnd",
                     **people: str) -> pb.Document:
        doc = await self.signed(document, **people)
        return (await self.call(self.documents.IssueDocument, pb.IssueDocumentRequest(
            id=doc.id, register_id=register_id), clerk)).document


@pytest.fixture
async def platform(tmp_path: Path, dev_issuer: DevIssuer, clock: ServerClock) -> AsyncIterator[Platform]:
    """The registry runs on ``clock``; storage and signing on the real clock (a seal's signing time is real, the
    number and date on it are the registry's)."""
    from vanthu_signing.server import SigningServer
    from vanthu_signing.settings import SigningSettings
    from vanthu_storage.server import StorageServer
    from vanthu_storage.settings import StorageSettings

    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                            data_dir=tmp_path / "storage"), dev_issuer.service_settings("storage"))
    storage_port = await storage.start()
    registry_port, signing_port = free_port(), free_port()
    signing = SigningServer(SigningSettings(
        grpc_port=signing_port, dev_pki_dir=str(tmp_path / "pki"), dev_profiles=True,
        users_file=str(dev_issuer.users_file),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}", storage_target=f"127.0.0.1:{storage_port}",
        registry_target=f"127.0.0.1:{registry_port}"), dev_issuer.service_settings("signing"))
    await signing.start()
    registry = RegistryServer(RegistrySettings(
        grpc_port=registry_port, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        storage_target=f"127.0.0.1:{storage_port}", signing_target=f"127.0.0.1:{signing_port}"),
        dev_issuer.service_settings("registry"), clock=clock)
    await registry.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{registry_port}")
    storage_channel = grpc.aio.insecure_channel(f"127.0.0.1:{storage_port}")
    agencies = registry_pb2_grpc.RegistryServiceStub(channel)
    await import_directory(registry.settings.database_url,
                           [{"code": code, "name": name, "parent_code": parent} for code, name, parent in AGENCIES])
    try:
        yield Platform(documents_pb2_grpc.DocumentServiceStub(channel), agencies,
                       storage_pb2_grpc.StorageServiceStub(storage_channel), dev_issuer, registry, signing)
    finally:
        await channel.close()
        await storage_channel.close()
        await registry.stop()
        await signing.stop()
        await storage.stop()
