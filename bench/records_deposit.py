"""Deposit of a file of 200 signed documents of 1 MB (issue 16, "done when"): the archivist's AcceptDeposit — records
locks each object in storage (local backend, its retention), has signing augment each signed PDF to PAdES B-LTA
(revocation data and a document timestamp, pyHanko) and locks the augmented object — against the same pyHanko
augmentation called directly on the same signed PDFs (``vanthu_signing.lta.augment_lta``: the DSS and the document
timestamp, no gRPC, no storage, no records), in the same run. Aim: at most 1.3× direct.

The services run in this process (storage, signing with its development PKI and TSA, records; the registry faked as
in records' tests), with tokens of the development issuer. ``VANTHU_BENCH_RECORDS_DOCS`` sets the number of
documents (default 200).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

sys.path.insert(0, str(Path(__file__).parent))
from _common import report
from archive_package import one_pdf

from vanthu.records.v1 import records_pb2 as pb
from vanthu.records.v1 import records_pb2_grpc
from vanthu.registry.v1 import documents_pb2
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.ids import new_id
from vanthu_records.platform import AgencyName, GrpcPlatform
from vanthu_records.server import RecordsServer
from vanthu_records.settings import RecordsSettings
from vanthu_signing import lta
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.identity import DevIssuer

TOPIC = "records"
DOCUMENTS = int(os.environ.get("VANTHU_BENCH_RECORDS_DOCS", "200"))
UBND = "000.00.00.H61"
LONG_S = 3600.0


class BenchPlatform(GrpcPlatform):
    """Storage and signing over gRPC; the registry's documents given by the bench (as records' tests fake them)."""

    def __init__(self, storage: Any, signing: Any) -> None:
        super().__init__(None, None, storage, signing)
        self.known: dict[str, documents_pb2.Document] = {}

    async def document(self, token: str, document_id: str) -> documents_pb2.Document:
        return self.known[document_id]

    async def agency(self, token: str, code: str) -> AgencyName:
        return AgencyName("Ủy ban nhân dân tỉnh Vĩnh Long")


def _chunks(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name))
    for start in range(0, len(data), 256 * 1024):
        yield storage_pb2.UploadRequest(chunk=data[start:start + 256 * 1024])


async def run(tmp: Path) -> None:
    issuer = DevIssuer(tmp / "keys").start()
    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp / 's.db'}",
                                            data_dir=tmp / "storage"), issuer.service_settings("storage"))
    storage_port = await storage.start()
    signing = SigningServer(SigningSettings(
        grpc_port=0, dev_pki_dir=str(tmp / "pki"), dev_profiles=True, users_file=str(issuer.users_file),
        database_url=f"sqlite+aiosqlite:///{tmp / 'signing.db'}", storage_target=f"127.0.0.1:{storage_port}"),
        issuer.service_settings("signing"))
    signing_port = await signing.start()
    options = [("grpc.max_receive_message_length", 80 << 20), ("grpc.max_send_message_length", 80 << 20)]
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{p}", options=options) for p in (storage_port, signing_port)]
    store_stub = storage_pb2_grpc.StorageServiceStub(channels[0])
    sign_stub = signing_pb2_grpc.SigningServiceStub(channels[1])
    platform = BenchPlatform(store_stub, sign_stub)
    records = RecordsServer(RecordsSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp / 'r.db'}"),
                            issuer.service_settings("records"), platform=platform, sweeping=False)
    records_port = await records.start()
    channels.append(grpc.aio.insecure_channel(f"127.0.0.1:{records_port}", options=options))
    api = records_pb2_grpc.RecordsServiceStub(channels[-1])
    leader, officer, archivist = (issuer.token(u) for u in ("lanhdao.ubnd", "chuyenvien.ubnd", "luutru.ubnd"))
    try:
        signed: list[bytes] = []
        ids: list[str] = []
        for i in range(1, DOCUMENTS + 1):
            draft = (await store_stub.Upload(_chunks(one_pdf(i), f"van-ban-{i}.pdf"), metadata=bearer_metadata(
                leader), timeout=LONG_S)).object.object_id
            result = (await sign_stub.SignPersonal(signing_pb2.SignPersonalRequest(
                source=signing_pb2.PdfSource(object_id=draft),
                box=signing_pb2.SignatureBox(page=0, x1=350, y1=80, x2=500, y2=140)), metadata=bearer_metadata(leader),
                timeout=LONG_S)).result
            signed.append(result.pdf)
            document_id = new_id()
            ids.append(document_id)
            platform.known[document_id] = documents_pb2.Document(
                id=document_id, agency_code=UBND, direction="outgoing", status="issued", type_name="Công văn",
                abstract=f"Công văn số {i} về việc thử hiệu năng nộp lưu", number_symbol=f"{i}/UBND-VP",
                document_date="2026-01-02", issuing_agency_name="Ủy ban nhân dân tỉnh", signed_by="lanhdao.ubnd",
                files=[documents_pb2.DocumentFile(object_id=result.object_id, sha256=result.sha256, role="main",
                                                  file_name=f"van-ban-{i}.pdf", content_type="application/pdf")])
        meta = bearer_metadata(officer)
        file = (await api.OpenFile(pb.OpenFileRequest(title="Hồ sơ thử hiệu năng nộp lưu", notation="01.TCCB",
                                                      retention_years=0, start_date="2026-01-01"),
                                   metadata=meta)).file
        file = (await api.AddDocuments(pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                              document_ids=ids), metadata=meta, timeout=LONG_S)).file
        file = (await api.CloseFile(pb.CloseFileRequest(file_id=file.id, version=file.version,
                                                        page_amounts=dict.fromkeys(ids, 1)), metadata=meta)).file
        file = (await api.SubmitDeposit(pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                                        metadata=meta)).file

        start = time.perf_counter()
        file = (await api.AcceptDeposit(pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                                        metadata=bearer_metadata(archivist), timeout=LONG_S)).file
        project = time.perf_counter() - start
        assert file.state == "deposited" and all(
            [v.kind for v in d.files[0].versions] == ["deposited", "augmented"] for d in file.documents)

        keys = signing.keys
        start = time.perf_counter()
        digests = []
        for pdf in signed:  # in a worker thread, as the service runs it (pyHanko's validation runs its own loop)
            done = await asyncio.to_thread(lta.augment_lta, pdf, keys.roots, keys.tsa, keys.revocation())
            digests.append(hashlib.sha256(done.pdf).hexdigest())
        direct = time.perf_counter() - start
        assert len(digests) == DOCUMENTS
        report(TOPIC, f"deposit {DOCUMENTS} x 1 MB signed (B-LTA)", project, direct, "s", higher_is_better=False,
               per_document_ms=round(project / DOCUMENTS * 1000, 1))
    finally:
        for channel in channels:
            await channel.close()
        await records.stop()
        await signing.stop()
        await storage.stop()
        issuer.stop()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-records-") as tmp:
        asyncio.run(run(Path(tmp)))


if __name__ == "__main__":
    main()

