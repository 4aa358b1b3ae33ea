"""AugmentLta on a real gRPC server with a real storage service and tokens of the dev issuer: the archivist of an
agency augments a stored signed PDF of their agency to PAdES B-LTA as a new object (the input stays), journalled and
published like a signing; other roles and other agencies are refused, and so is an unsigned PDF (one test: one
platform start)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select

from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.subjects import SIGNING_DOCUMENT_SIGNED
from vanthu_signing import pki
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_signing.store import SigningRow, outbox
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.events import outbox_events
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


@dataclass
class Platform:
    signing: signing_pb2_grpc.SigningServiceStub
    storage: storage_pb2_grpc.StorageServiceStub
    server: SigningServer
    pki_dir: Path


@pytest.fixture
async def platform(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Platform]:
    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                            data_dir=tmp_path / "storage"), dev_issuer.service_settings("storage"))
    storage_port = await storage.start()
    settings = SigningSettings(grpc_port=0, dev_pki_dir=str(tmp_path / "pki"), dev_profiles=True,
                               users_file=str(dev_issuer.users_file),
                               database_url=f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}",
                               storage_target=f"127.0.0.1:{storage_port}")
    server = SigningServer(settings, dev_issuer.service_settings("signing"))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    storage_channel = grpc.aio.insecure_channel(f"127.0.0.1:{storage_port}")
    yield Platform(signing_pb2_grpc.SigningServiceStub(channel), storage_pb2_grpc.StorageServiceStub(storage_channel),
                   server, tmp_path / "pki")
    await channel.close()
    await storage_channel.close()
    await server.stop()
    await storage.stop()


def _chunks(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name))
    yield storage_pb2.UploadRequest(chunk=data)


async def _upload(p: Platform, token: str, data: bytes, name: str) -> str:
    return str((await p.storage.Upload(_chunks(data, name), metadata=bearer_metadata(token))).object.object_id)


async def _download(p: Platform, token: str, object_id: str) -> tuple[storage_pb2.StoredObject, bytes]:
    meta, parts = None, []
    async for m in p.storage.Download(storage_pb2.DownloadRequest(object_id=object_id),
                                      metadata=bearer_metadata(token)):
        if m.HasField("object"):
            meta = m.object
        else:
            parts.append(m.chunk)
    assert meta is not None
    return meta, b"".join(parts)


async def test_the_archivist_augments_a_stored_signed_pdf_of_their_agency_only(platform, token_for, make_pdf) -> None:  # type: ignore[no-untyped-def]
    p = platform
    leader, archivist = token_for("lanhdao.ubnd"), token_for("luutru.ubnd")
    draft_id = await _upload(p, leader, make_pdf(), "công văn số 12.pdf")
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(object_id=draft_id)), metadata=bearer_metadata(leader))).result

    done = await p.signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=signed.object_id),
                                      metadata=bearer_metadata(archivist))
    assert done.object_id and done.object_id != signed.object_id and done.signatures == 1
    meta, stored = await _download(p, archivist, done.object_id)
    assert meta.sha256 == done.sha256 and meta.size == done.size == len(stored)
    assert meta.file_name == "công văn số 12.signed.lta.pdf" and meta.agency_code == "000.00.00.H61"
    assert stored.startswith(signed.pdf)  # incremental: the signed revision is kept byte for byte
    assert list(meta.references) and meta.references[0].startswith("signing/result/")
    _, original = await _download(p, archivist, signed.object_id)
    assert original == signed.pdf  # never overwritten
    tsa_cert = pkcs12.load_key_and_certificates((p.pki_dir / pki.TSA_P12).read_bytes(), pki.DEV_P12_PASSWORD)[1]
    assert tsa_cert is not None
    assert dt.datetime.fromisoformat(done.timestamp_expires_at) == tsa_cert.not_valid_after_utc
    assert dt.datetime.fromisoformat(done.timestamp_time) <= dt.datetime.now(dt.UTC)

    verdict = await p.signing.Verify(signing_pb2.VerifyRequest(source=signing_pb2.PdfSource(object_id=done.object_id)),
                                     metadata=bearer_metadata(archivist))
    assert verdict.valid and "Dấu thời gian lưu trữ (PAdES B-LTA): 2" in verdict.report

    # re-timestamping the archived version gives a third object, named as asked
    again = await p.signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=done.object_id,
                                                                     file_name="hồ sơ 01.TCCB.1.pdf"),
                                       metadata=bearer_metadata(token_for("quantri.ubnd")))
    meta2, stored2 = await _download(p, archivist, again.object_id)
    assert meta2.file_name == "hồ sơ 01.TCCB.1.pdf" and stored2.startswith(stored)

    async with p.server.store.sessions() as session:
        rows = (await session.execute(select(SigningRow).where(SigningRow.kind == "lta")
                                      .order_by(SigningRow.signed_at))).scalars().all()
    assert [(r.username, r.object_id, r.field_name) for r in rows] == [
        ("luutru.ubnd", done.object_id, "DauThoiGianLuuTru1"), ("quantri.ubnd", again.object_id, "DauThoiGianLuuTru2")]
    assert rows[0].input_sha256 == signed.sha256 and rows[1].input_sha256 == done.sha256
    events = [e for e in await outbox_events(p.server.store.sessions, outbox, SIGNING_DOCUMENT_SIGNED)
              if isinstance(e, signing_events.DocumentSigned) and e.kind == "lta"]
    assert [e.object_id for e in events] == [done.object_id, again.object_id]

    # refused: unsigned, other roles, other agencies (nothing journalled)
    unsigned = await _upload(p, token_for("luutru.ubnd"), make_pdf(), "chưa ký.pdf")
    cases = [
        ("luutru.ubnd", unsigned, grpc.StatusCode.FAILED_PRECONDITION),
        ("luutru.ubnd", "", grpc.StatusCode.INVALID_ARGUMENT),
        ("vanthu.ubnd", unsigned, grpc.StatusCode.PERMISSION_DENIED),  # a clerk does not archive
        ("lanhdao.ubnd", unsigned, grpc.StatusCode.PERMISSION_DENIED),
        ("luutru.snv", unsigned, grpc.StatusCode.NOT_FOUND),  # another agency's archivist does not see it
    ]
    for user, object_id, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await p.signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=object_id),
                                       metadata=bearer_metadata(token_for(user)))
        assert err.value.code() == code, (user, err.value.details())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.AugmentLta(signing_pb2.AugmentLtaRequest(object_id=unsigned),
                                   metadata=bearer_metadata(archivist))
    assert "chưa có chữ ký số" in str(err.value.details())
    async with p.server.store.sessions() as session:
        assert len((await session.execute(select(SigningRow).where(SigningRow.kind == "lta"))).all()) == 2
