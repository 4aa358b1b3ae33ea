"""Deposit against the real storage service (local backend, its retention) and the real signing service: accepting a
file locks every object for the retention period, the signed PDF is augmented to PAdES B-LTA as a new object that is
locked too, storage then refuses to delete any of them, and the re-timestamp job adds a third, locked version. The
registry is the fake of ``conftest`` (its documents point to objects stored here). One test: one start of storage and
signing."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.records.v1 import records_pb2 as pb
from vanthu.records.v1 import records_pb2_grpc
from vanthu.registry.v1 import documents_pb2
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.ids import new_id
from vanthu_records.platform import Augmented, GrpcPlatform, Locked
from vanthu_records.server import RecordsServer
from vanthu_records.settings import RecordsSettings
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.documents import draft_pdf
from vanthu_testing.identity import DevIssuer

from .conftest import UBND, Clock, FakePlatform

pytestmark = pytest.mark.integration


@dataclass
class RealStorage(FakePlatform):
    """The fake registry and workflow, with storage and signing for real."""

    real: Any = None

    async def lock(self, token: str, object_id: str, retain_until: date | None, legal_hold: bool,
                   agency: str = "") -> Locked:
        return await self.real.lock(token, object_id, retain_until, legal_hold, agency)

    async def augment_lta(self, token: str, object_id: str, file_name: str, agency: str = "") -> Augmented | None:
        return await self.real.augment_lta(token, object_id, file_name, agency)  # type: ignore[no-any-return]

    async def download(self, token: str, object_id: str) -> bytes:
        return await self.real.download(token, object_id)  # type: ignore[no-any-return]

    async def upload(self, token: str, data: bytes, file_name: str) -> tuple[str, str]:
        return await self.real.upload(token, data, file_name)  # type: ignore[no-any-return]

    async def keep(self, token: str, object_id: str, holder: str, agency: str) -> None:
        await self.real.keep(token, object_id, holder, agency)


def _chunks(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name))
    yield storage_pb2.UploadRequest(chunk=data)


@pytest.fixture
async def services(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[tuple[Any, Any, int]]:
    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                            data_dir=tmp_path / "storage"), dev_issuer.service_settings("storage"))
    storage_port = await storage.start()
    signing = SigningServer(SigningSettings(
        grpc_port=0, dev_pki_dir=str(tmp_path / "pki"), dev_profiles=True, users_file=str(dev_issuer.users_file),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}", storage_target=f"127.0.0.1:{storage_port}"),
        dev_issuer.service_settings("signing"))
    signing_port = await signing.start()
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{p}") for p in (storage_port, signing_port)]
    try:
        yield (storage_pb2_grpc.StorageServiceStub(channels[0]), signing_pb2_grpc.SigningServiceStub(channels[1]),
               storage_port)
    finally:
        for channel in channels:
            await channel.close()
        await signing.stop()
        await storage.stop()


async def test_an_accepted_deposit_is_locked_in_storage_augmented_and_renewed(
        services: tuple[Any, Any, int], dev_issuer: DevIssuer, tmp_path: Path) -> None:
    storage, signing, _ = services
    leader, archivist, officer = (dev_issuer.token(u) for u in ("lanhdao.ubnd", "luutru.ubnd", "chuyenvien.ubnd"))
    draft = (await storage.Upload(_chunks(draft_pdf("V/v lưu trữ hồ sơ"), "công văn.pdf"),
                                  metadata=bearer_metadata(leader))).object.object_id
    signed = (await signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(object_id=draft)), metadata=bearer_metadata(leader))).result
    platform = RealStorage(real=GrpcPlatform(None, None, storage, signing))
    document_id = new_id()
    platform.documents[document_id] = documents_pb2.Document(
        id=document_id, agency_code=UBND, direction="outgoing", status="issued", type_name="Công văn",
        abstract="V/v lưu trữ hồ sơ", number_symbol="12/UBND-VP", document_date="2031-06-01",
        issuing_agency_name="Ủy ban nhân dân tỉnh", signed_by="lanhdao.ubnd",
        files=[documents_pb2.DocumentFile(object_id=signed.object_id, sha256=signed.sha256, role="main",
                                          file_name="công văn.pdf", content_type="application/pdf")])
    clock = Clock()
    server = RecordsServer(RecordsSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"),
                           dev_issuer.service_settings("records"), clock=clock, platform=platform, sweeping=False)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    api = records_pb2_grpc.RecordsServiceStub(channel)

    async def call(method: Any, request: Any, token: str) -> Any:
        return await method(request, metadata=bearer_metadata(token))

    try:
        file = (await call(api.OpenFile, pb.OpenFileRequest(title="Hồ sơ lưu trữ thử", notation="05.VP",
                                                            retention_years=10, start_date="2031-01-05"),
                           officer)).file
        file = (await call(api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                    document_ids=[document_id]), officer)).file
        file = (await call(api.CloseFile, pb.CloseFileRequest(file_id=file.id, version=file.version,
                                                              page_amounts={document_id: 1}), officer)).file
        file = (await call(api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                           officer)).file
        file = (await call(api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                           archivist)).file
        chain = file.documents[0].files[0].versions
        assert [v.kind for v in chain] == ["deposited", "augmented"]
        assert chain[0].object_id == signed.object_id and chain[1].object_id != signed.object_id
        for version in chain:
            stat = (await storage.Stat(storage_pb2.StatRequest(object_id=version.object_id),
                                       metadata=bearer_metadata(archivist))).object
            assert stat.retain_until.startswith("2041-06-11"), stat  # ten years from the deposit (Vietnam date)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await storage.Delete(storage_pb2.DeleteRequest(object_id=version.object_id),
                                     metadata=bearer_metadata(archivist))
            assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        augmented = await platform.real.download(archivist, chain[1].object_id)
        assert augmented.startswith(await platform.real.download(archivist, signed.object_id))
        assert hashlib.sha256(augmented).hexdigest() == chain[1].sha256

        # the job re-timestamps what expires within the horizon: a third version, locked as well
        # (the dev TSA certificate lives two years from today, the records clock is in 2031: it has expired)
        renewed = await call(api.RenewTimestamps, pb.RenewTimestampsRequest(within_days=30), archivist)
        assert renewed.renewed == 1
        file = (await call(api.GetFile, pb.GetFileRequest(file_id=file.id), archivist)).file
        chain = file.documents[0].files[0].versions
        assert [v.kind for v in chain] == ["deposited", "augmented", "augmented"]
        stat = (await storage.Stat(storage_pb2.StatRequest(object_id=chain[-1].object_id),
                                   metadata=bearer_metadata(archivist))).object
        assert stat.retain_until.startswith("2041-06-11")

        # the server's scheduled run does the same with the records service's own token naming the agency: signing
        # reads and stores for it with its own client, storage locks for it; the result is the agency's object
        assert await server.renewal.run() == 1
        file = (await call(api.GetFile, pb.GetFileRequest(file_id=file.id), archivist)).file
        chain = file.documents[0].files[0].versions
        assert [v.kind for v in chain] == ["deposited", "augmented", "augmented", "augmented"]
        stat = (await storage.Stat(storage_pb2.StatRequest(object_id=chain[-1].object_id),
                                   metadata=bearer_metadata(archivist))).object
        assert stat.agency_code == UBND and stat.retain_until.startswith("2041-06-11")
        assert any(r.startswith("signing/") for r in stat.references)  # signing keeps its result
        renewed_pdf = await platform.real.download(archivist, chain[-1].object_id)
        assert renewed_pdf.startswith(await platform.real.download(archivist, chain[-2].object_id))
        # another service's token is refused by signing, and records' own names an agency
        records_token = bearer_metadata(dev_issuer.service_token("vanthu-records"))
        for request, token, code in (
                (signing_pb2.AugmentLtaRequest(object_id=chain[-1].object_id, agency_code=UBND),
                 bearer_metadata(dev_issuer.service_token("vanthu-registry")), grpc.StatusCode.PERMISSION_DENIED),
                (signing_pb2.AugmentLtaRequest(object_id=chain[-1].object_id), records_token,
                 grpc.StatusCode.INVALID_ARGUMENT),
                (signing_pb2.AugmentLtaRequest(object_id=chain[-1].object_id, agency_code="000.00.41.H61"),
                 records_token, grpc.StatusCode.NOT_FOUND),
                (signing_pb2.AugmentLtaRequest(object_id=chain[-1].object_id, agency_code="000.00.41.H61"),
                 bearer_metadata(archivist), grpc.StatusCode.PERMISSION_DENIED)):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await signing.AugmentLta(request, metadata=token)
            assert refused.value.code() == code, refused.value.details()

        # exported and imported into another agency: the stored files are the imported file's, kept by records, so
        # neither that agency's clerk nor the sweep of unreferenced uploads removes them
        package = (await call(api.ExportFile, pb.ExportFileRequest(file_id=file.id), archivist)).content
        imported = (await call(api.ImportFile, pb.ImportFileRequest(content=package),
                               dev_issuer.token("luutru.snv"))).file
        clerk = bearer_metadata(dev_issuer.token("vanthu.snv"))
        for d in imported.documents:
            object_id = d.files[0].object_id
            stat = (await storage.Stat(storage_pb2.StatRequest(object_id=object_id), metadata=clerk)).object
            assert list(stat.references) == [f"records/file/{imported.id}"]
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await storage.Delete(storage_pb2.DeleteRequest(object_id=object_id), metadata=clerk)
            assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    finally:
        await channel.close()
        await server.stop()
