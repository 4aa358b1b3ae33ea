"""The SigningService on a real gRPC server in-process, with a real storage service beside it and tokens from
the real dev issuer: profiles bind users to keys, inputs and results go through storage with the caller's
token, every signing is journalled with its event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import select

from vanthu.registry.v1 import documents_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.events import meta_of, new_meta
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.subjects import SIGNING_DOCUMENT_SIGNED, SIGNING_DOCUMENT_VERIFIED
from vanthu_signing import pki
from vanthu_signing.server import SigningServer
from vanthu_signing.settings import SigningSettings
from vanthu_signing.store import PERSONAL, Profile, SigningRow, outbox
from vanthu_signing.verify import verify_pdf
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.events import outbox_events
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
H61 = "000.00.00.H61"


@dataclass
class Platform:
    signing: signing_pb2_grpc.SigningServiceStub
    storage: storage_pb2_grpc.StorageServiceStub
    server: SigningServer
    pki_dir: Path
    issuer: DevIssuer

    def subject(self, username: str) -> str:
        return self.issuer.subject(username)

    async def leader_profile(self) -> Profile:
        """The demo leader's profile, bound to their subject by the dev profiles."""
        return await self.server.store.profile(H61, PERSONAL, subject=self.subject("lanhdao.ubnd"))


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
                   server, tmp_path / "pki", dev_issuer)
    await channel.close()
    await storage_channel.close()
    await server.stop()
    await storage.stop()


def _chunks(data: bytes, name: str) -> Iterator[storage_pb2.UploadRequest]:
    yield storage_pb2.UploadRequest(metadata=storage_pb2.UploadMetadata(file_name=name))
    yield storage_pb2.UploadRequest(chunk=data)


async def _upload(p: Platform, token: str, data: bytes, name: str = "công văn số 12.pdf") -> str:
    reply = await p.storage.Upload(_chunks(data, name), metadata=bearer_metadata(token))
    return str(reply.object.object_id)


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


def _with_open_action(pdf: bytes) -> bytes:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def _ref(object_id: str) -> signing_pb2.PdfSource:
    return signing_pb2.PdfSource(object_id=object_id)


async def test_document_flow_through_storage(platform, token_for, make_pdf) -> None:  # type: ignore[no-untyped-def]
    p = platform
    leader, clerk = token_for("lanhdao.ubnd"), token_for("vanthu.ubnd")
    draft_id = await _upload(p, leader, make_pdf())
    placed = await p.signing.PlaceSignature(signing_pb2.PlaceSignatureRequest(source=_ref(draft_id)),
                                            metadata=bearer_metadata(leader))
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=_ref(draft_id)),
                                           metadata=bearer_metadata(leader))).result
    assert signed.field_name == "ChuKyCaNhan" and signed.object_id and signed.object_id != draft_id
    assert placed.custody == "server" and placed.image and signed.box == placed.box  # the preview was right
    assert signed.signed_at.endswith("+07:00")
    meta, stored = await _download(p, leader, signed.object_id)
    assert stored == signed.pdf and meta.sha256 == signed.sha256 and meta.agency_code == H61
    assert meta.file_name == "công văn số 12.signed.pdf"

    assert list(meta.references) == [f"signing/result/{signed.signing_id}"]  # signing keeps what it made
    verdict = await p.signing.Verify(signing_pb2.VerifyRequest(source=_ref(signed.object_id)),
                                     metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    assert verdict.valid and [s.signer for s in verdict.signatures] == [pki.PERSONAL_NAME]
    assert "KẾT LUẬN CHUNG: HỢP LỆ" in verdict.report
    assert all(s.revocation == "good" and s.ltv for s in verdict.signatures)  # the dev CRLs: PAdES B-LT

    # the seal is applied only to a document the registry numbered (none is configured here)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.SealDocument(signing_pb2.SealDocumentRequest(document_id="0190f0e0-0000-7000-8000-00000000"),
                                     metadata=bearer_metadata(clerk))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE and "registry" in str(err.value.details())
    copy = (await p.signing.SignCopy(signing_pb2.SignCopyRequest(
        source=signing_pb2.PdfSource(pdf=make_pdf(placeholders=False)), form="SY", copy_number_symbol="05/SY-UBND"),
        metadata=bearer_metadata(clerk))).result
    root = x509.load_pem_x509_certificate((p.pki_dir / pki.ROOT_CERT).read_bytes())
    assert (await asyncio.to_thread(verify_pdf, copy.pdf, [root])).ok

    # the journal and the outbox hold one entry and one event per signing, with the right actors
    async with p.server.store.sessions() as session:
        rows = (await session.execute(select(SigningRow).order_by(SigningRow.signed_at))).scalars().all()
    assert [(r.kind, r.username, r.object_id) for r in rows] == [
        ("personal", "lanhdao.ubnd", signed.object_id), ("copy-SY", "vanthu.ubnd", copy.object_id)]
    assert rows[1].number_symbol == "05/SY-UBND"
    signed_events = await outbox_events(p.server.store.sessions, outbox, SIGNING_DOCUMENT_SIGNED)
    assert [e.signing_id for e in signed_events if isinstance(e, signing_events.DocumentSigned)] == [
        r.signing_id for r in rows]
    assert all(meta_of(e).agency_code == H61 for e in signed_events)


async def test_keys_are_bound_to_people_and_agencies(platform, token_for, make_pdf, caplog) -> None:  # type: ignore[no-untyped-def]
    p = platform
    caplog.set_level("WARNING", logger="vanthu.signing")
    pdf = signing_pb2.PdfSource(pdf=make_pdf())
    # a head of the same agency and a leader of another agency have no profile: they cannot use anyone's key
    agencies = {"truongphong.ubnd": H61, "lanhdao.snv": "000.00.02.H61"}
    for user in ("truongphong.ubnd", "lanhdao.snv"):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=pdf),
                                         metadata=bearer_metadata(token_for(user)))
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        # what the civil servant reads: the next step, in Vietnamese; no username, id, agency code or command
        assert err.value.details() == (
            "Đồng chí chưa có hồ sơ ký số cá nhân trên hệ thống nên chưa ký số được, cả bằng khóa do hệ thống giữ lẫn "
            "bằng USB token. Hãy liên hệ đơn vị vận hành để được gắn khóa ký số hoặc đăng ký chứng thư số trên USB "
            "token của đồng chí.")
        # what the operator reads, in the service's log: the command that binds a key to that person
        assert (f"profile set --agency {agencies[user]} --subject {p.subject(user)} --user {user} --key"
                in caplog.text)
    # the clerk of another agency cannot apply the UBND seal
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.SignCopy(signing_pb2.SignCopyRequest(source=pdf, form="SY"),
                                 metadata=bearer_metadata(token_for("vanthu.snv")))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "chưa có hồ sơ ký số của cơ quan (con dấu)" in (err.value.details() or "")
    assert "vanthu-signing" not in (err.value.details() or "")
    assert "profile set --agency 000.00.02.H61 --seal" in caplog.text
    # tenancy: another agency's leader cannot sign (or even read) UBND's stored draft
    draft_id = await _upload(p, token_for("lanhdao.ubnd"), make_pdf())
    await p.server.store.put_profile(agency_code="000.00.02.H61", kind=PERSONAL, subject=p.subject("lanhdao.snv"),
                                     username="lanhdao.snv", key_label="personal", certificate=None,
                                     image=(await p.leader_profile()).image, actor="test")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=_ref(draft_id)),
                                     metadata=bearer_metadata(token_for("lanhdao.snv")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    # an officer has no signing role at all; a service never signs
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=pdf),
                                     metadata=bearer_metadata(token_for("chuyenvien.ubnd")))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_bad_input_stores_nothing(platform, token_for, make_pdf) -> None:  # type: ignore[no-untyped-def]
    p = platform
    leader, clerk = bearer_metadata(token_for("lanhdao.ubnd")), bearer_metadata(token_for("vanthu.ubnd"))
    cases = [
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=b"")),
                                metadata=leader), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=b"GIF89a...")),
                                metadata=leader), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(), metadata=leader), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=_ref("0190f0e0-0000-7000-8000-000000000000")),
                                metadata=leader), grpc.StatusCode.NOT_FOUND),
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(
            pdf=make_pdf(placeholders=False))), metadata=leader), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SealDocument(signing_pb2.SealDocumentRequest(), metadata=clerk), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(
            pdf=_with_open_action(make_pdf()))), metadata=leader), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SealDocument(signing_pb2.SealDocumentRequest(document_id="x"), metadata=leader),
         grpc.StatusCode.PERMISSION_DENIED),
        (p.signing.SignCopy(signing_pb2.SignCopyRequest(source=signing_pb2.PdfSource(pdf=make_pdf()), form="XX"),
                            metadata=clerk), grpc.StatusCode.INVALID_ARGUMENT),
        (p.signing.SignCopy(signing_pb2.SignCopyRequest(source=signing_pb2.PdfSource(pdf=make_pdf()), form="SY",
                                                        copy_number_symbol="05/SY-UBND" * 20),
                            metadata=clerk), grpc.StatusCode.INVALID_ARGUMENT),
        *[(p.signing.SignCopy(signing_pb2.SignCopyRequest(source=signing_pb2.PdfSource(pdf=make_pdf()), form="SY",
                                                          copy_number_symbol=text), metadata=clerk),
           grpc.StatusCode.INVALID_ARGUMENT)  # never stamped into a signed PDF
          for text in ("05/SY\x00-UBND", "05/SY-UBND\x1b[2J", "05/SY-\u202eDNBU")],
        (p.signing.Verify(signing_pb2.VerifyRequest(source=signing_pb2.PdfSource(pdf=make_pdf()))),
         grpc.StatusCode.UNAUTHENTICATED),
        *[(p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=make_pdf()),
                                                                  box=box), metadata=leader),
           grpc.StatusCode.INVALID_ARGUMENT)
          for box in (signing_pb2.SignatureBox(x1=0, y1=0, x2=float("inf"), y2=50),
                      signing_pb2.SignatureBox(x1=float("nan"), y1=0, x2=100, y2=50),
                      signing_pb2.SignatureBox(x1=0, y1=0, x2=1e300, y2=50),
                      signing_pb2.SignatureBox(page=-1, x1=0, y1=0, x2=100, y2=50))],
    ]
    for call, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == code, err.value.details()
    async with p.server.store.sessions() as session:
        assert (await session.execute(select(SigningRow))).first() is None


async def test_two_step_signing_with_a_remote_key(platform, token_for, make_pdf) -> None:  # type: ignore[no-untyped-def]
    """A key the service does not hold: prepared, previewed, completed once by its preparer; and a document's
    handle only through the registry (issue 13 review item 3)."""
    p = platform
    head = bearer_metadata(token_for("truongphong.ubnd"))
    cert = x509.load_pem_x509_certificate((p.pki_dir / "personal.crt").read_bytes())
    key = serialization.load_pem_private_key((p.pki_dir / "personal.key").read_bytes(), None)
    image = (await p.leader_profile()).image
    await p.server.store.put_profile(agency_code=H61, kind=PERSONAL, subject=p.subject("truongphong.ubnd"),
                                     username="truongphong.ubnd", key_label=None,
                                     certificate=cert.public_bytes(serialization.Encoding.DER), image=image,
                                     actor="test")
    profile = (await p.signing.GetProfile(signing_pb2.GetProfileRequest(), metadata=head)).profile
    assert profile.custody == "remote" and pki.PERSONAL_NAME in profile.certificate_subject
    with pytest.raises(grpc.aio.AioRpcError) as err:  # the service does not hold this key
        await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=make_pdf())),
                                     metadata=head)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    pdf = make_pdf()
    placed = await p.signing.PlaceSignature(signing_pb2.PlaceSignatureRequest(
        source=signing_pb2.PdfSource(pdf=pdf)), metadata=head)  # the preview: where it will land, nothing signed
    assert (placed.custody, placed.image, placed.pages, placed.rotate) == ("remote", image, 1, 0)
    assert 0 < placed.box.x1 < placed.box.x2 <= placed.page_area.x2 and placed.page_area.y2 > placed.box.y2 > 0
    prepared = await p.signing.PrepareSignature(signing_pb2.PrepareSignatureRequest(
        source=signing_pb2.PdfSource(pdf=pdf, file_name="tờ trình.pdf")), metadata=head)
    assert prepared.digest_algorithm == "sha256" and len(prepared.digest) == 32
    assert prepared.box == placed.box and prepared.image == image  # it lands where the preview showed
    with pytest.raises(grpc.aio.AioRpcError) as err:  # completed for a document whose main file is another one
        await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
            handle=prepared.handle, signature_value=b"x", source_sha256="0" * 64), metadata=head)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    value = key.sign(prepared.to_sign, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    wrong = key.sign(b"something else", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a value that does not verify is refused ...
        await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
            handle=prepared.handle, signature_value=wrong), metadata=head)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # ... the handle stays usable, but only by the user who prepared it
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
            handle=prepared.handle, signature_value=value), metadata=bearer_metadata(token_for("lanhdao.ubnd")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    done = (await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
        handle=prepared.handle, signature_value=value), metadata=head)).result
    meta, stored = await _download(p, token_for("truongphong.ubnd"), done.object_id)
    assert stored == done.pdf and meta.file_name == "tờ trình.signed.pdf"
    verdict = await p.signing.Verify(signing_pb2.VerifyRequest(source=_ref(done.object_id)), metadata=head)
    assert verdict.valid and verdict.signatures[0].field_name == "ChuKyCaNhan"
    assert verdict.signatures[0].ltv and verdict.signatures[0].revocation == "good"  # B-LT like server keys
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a handle completes once
        await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
            handle=prepared.handle, signature_value=value), metadata=head)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    async with p.server.store.sessions() as session:
        rows = (await session.execute(select(SigningRow))).scalars().all()
    assert [(r.kind, r.username, r.certificate_subject.count(pki.PERSONAL_NAME)) for r in rows] == [
        ("personal-remote", "truongphong.ubnd", 1)]
    await _a_documents_two_step_signing_is_prepared_and_completed_only_through_the_registry(p, token_for)


async def test_profile_images_are_checked(platform, token_for, make_png) -> None:  # type: ignore[no-untyped-def]
    p = platform
    leader, admin = bearer_metadata(token_for("lanhdao.ubnd")), bearer_metadata(token_for("quantri.ubnd"))
    before = await p.leader_profile()
    for bad in (make_png((0, 0, 200), fmt="JPEG", mode="RGB"), make_png((0, 0, 200), mode="RGB"), b""):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await p.signing.SetProfileImage(signing_pb2.SetProfileImageRequest(image=bad), metadata=leader)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await p.leader_profile()).image == before.image
    new = make_png((0, 0, 150), size=(300, 120))
    reply = await p.signing.SetProfileImage(signing_pb2.SetProfileImageRequest(image=new), metadata=leader)
    assert reply.profile.kind == "personal" and reply.profile.has_image
    assert (await p.leader_profile()).image == new
    seal = await p.signing.SetProfileImage(signing_pb2.SetProfileImageRequest(
        image=make_png((220, 0, 0), seal=True, size=(300, 300))), metadata=admin)
    assert seal.profile.kind == "agency" and seal.profile.custody == "server"
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a clerk uses the seal but does not change it
        await p.signing.SetProfileImage(signing_pb2.SetProfileImageRequest(image=new),
                                        metadata=bearer_metadata(token_for("vanthu.ubnd")))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_revoked_key_stops_signing_at_once(platform, token_for, make_pdf) -> None:  # type: ignore[no-untyped-def]
    """The operator publishes a new CRL: the running service reloads it, refuses the key and flags its signatures."""
    p = platform
    leader = bearer_metadata(token_for("lanhdao.ubnd"))
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(pdf=make_pdf())), metadata=leader)).result
    cert = x509.load_pem_x509_certificate((p.pki_dir / "personal.crt").read_bytes())
    await asyncio.to_thread(pki.reissue_crls, p.pki_dir, [cert])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(source=signing_pb2.PdfSource(pdf=make_pdf())),
                                     metadata=leader)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "thu hồi" in str(err.value.details())
    verdict = await p.signing.Verify(signing_pb2.VerifyRequest(source=_ref(signed.object_id)), metadata=leader)
    assert not verdict.valid and verdict.signatures[0].revocation == "revoked"


def arrival_event(document_id: str, *object_ids: str, direction: str = "incoming",
                  agency: str = H61) -> registry_events.DocumentArrived:
    """A ``vanthu.registry.document.arrived`` as the registry publishes it."""
    return registry_events.DocumentArrived(
        meta=new_meta(actor="vanthu.ubnd", agency=agency),
        document=registry_events.DocumentState(document_id=document_id, direction=direction, status="arrived"),
        files=[documents_pb2.DocumentFile(object_id=o, role="main") for o in object_ids])


async def test_arrivals_are_verified_and_failures_flagged(platform, token_for, dev_issuer, make_pdf) -> None:  # type: ignore[no-untyped-def]
    """The handler of vanthu.registry.document.arrived: each PDF is verified with the service's own token."""
    from vanthu_core.service_token import ServiceTokens
    from vanthu_signing.arrivals import ArrivalChecker
    from vanthu_signing.files import PdfFiles

    p = platform
    clerk = token_for("vanthu.ubnd")
    leader = bearer_metadata(token_for("lanhdao.ubnd"))
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(pdf=make_pdf())), metadata=leader)).result
    unsigned_id = await _upload(p, clerk, make_pdf(placeholders=False), "công văn chưa ký.pdf")
    snv_file = await _upload(p, token_for("vanthu.snv"), make_pdf(pages=2), "của Sở Nội vụ.pdf")
    storage_target = p.server.settings.storage_target
    channel = grpc.aio.insecure_channel(storage_target)
    checker = ArrivalChecker(PdfFiles(storage_pb2_grpc.StorageServiceStub(channel), 10 * 1024 * 1024),
                             p.server.keys, p.server.store,
                             ServiceTokens.of(dev_issuer.service_settings("signing"), "signing"))

    def arrival(*object_ids: str) -> registry_events.DocumentArrived:
        return arrival_event(f"doc-{len(object_ids)}-{object_ids[0][-4:]}", *object_ids)

    await checker(arrival(signed.object_id))
    await checker(arrival(unsigned_id))
    await checker(arrival(signed.object_id, snv_file))  # another agency's file named in an arrival
    await checker(arrival_event("outgoing", signed.object_id, direction="outgoing"))
    await checker(arrival_event("from-snv", signed.object_id, agency="000.00.02.H61"))  # another agency's arrival
    scanned = arrival_event("paper", unsigned_id)
    scanned.paper = True  # a scan of a paper original entered by hand: nothing to verify, no verdict
    await checker(scanned)
    await channel.close()
    verdicts = [v for v in await outbox_events(p.server.store.sessions, outbox, SIGNING_DOCUMENT_VERIFIED)
                if isinstance(v, signing_events.DocumentVerified)]
    assert [v.valid for v in verdicts] == [True, False, False, False]
    assert "HỢP LỆ (1 chữ ký" in verdicts[0].note
    # the report names the signer (the certificate's name and title) and when they signed
    seen = (await p.signing.Verify(signing_pb2.VerifyRequest(source=_ref(signed.object_id)),
                                   metadata=leader)).signatures[0]
    assert f"1 chữ ký: {seen.signer} — {seen.title}" in verdicts[0].note and ", ký lúc " in verdicts[0].note
    (signers,) = [list(f.signers) for f in verdicts[0].files]
    assert len(signers) == 1 and signers[0].startswith(f"{seen.signer} — {seen.title}")
    assert signers[0] in verdicts[0].note
    assert "không có chữ ký số" in verdicts[1].note
    assert "không tìm thấy tệp" in verdicts[2].note
    assert all(meta_of(v).agency_code == H61 and v.document_id for v in verdicts[:3])
    # the file of UBND named in an arrival of the Sở Nội vụ is not read for it
    assert meta_of(verdicts[3]).agency_code == "000.00.02.H61" and "không tìm thấy tệp" in verdicts[3].note


async def test_a_redelivered_arrival_is_verified_once_and_answered_once(platform, token_for, dev_issuer,  # type: ignore[no-untyped-def]
                                                                        make_pdf) -> None:
    """A redelivered arrival event (the service stopped before acknowledging it) changes nothing: no second
    verification, no second verdict; its verdict's id is derived from the arrival event's."""
    from vanthu_core.events import derived_id
    from vanthu_core.service_token import ServiceTokens
    from vanthu_signing.arrivals import ArrivalChecker
    from vanthu_signing.files import PdfFiles

    p = platform
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(pdf=make_pdf())), metadata=bearer_metadata(token_for("lanhdao.ubnd")))).result
    channel = grpc.aio.insecure_channel(p.server.settings.storage_target)
    commits: list[int] = []
    checker = ArrivalChecker(PdfFiles(storage_pb2_grpc.StorageServiceStub(channel), 10 * 1024 * 1024),
                             p.server.keys, p.server.store,
                             ServiceTokens.of(dev_issuer.service_settings("signing"), "signing"),
                             on_commit=lambda: commits.append(1))
    arrival = arrival_event("0190f0e0-0000-7000-8000-0000000000aa", signed.object_id)
    await checker(arrival)
    before = await outbox_events(p.server.store.sessions, outbox)
    await checker(arrival)
    await checker(arrival)
    await channel.close()
    after = await outbox_events(p.server.store.sessions, outbox)
    assert after == before and len(commits) == 1
    [verdict] = [v for v in after if isinstance(v, signing_events.DocumentVerified)]
    assert verdict.valid and verdict.arrival_event_id == arrival.meta.event_id
    assert meta_of(verdict).event_id == derived_id(arrival.meta.event_id, "verified")


async def _a_documents_two_step_signing_is_prepared_and_completed_only_through_the_registry(
        platform, token_for) -> None:  # type: ignore[no-untyped-def]
    """(Run by :func:`test_two_step_signing_with_a_remote_key`, on its platform: one PKI set-up less.) Issue 13
    review item 3: the signing authority lines of a document and the document a pending handle signs are
    decided by the registry (its token vouching for the signer's call), never by the client: a signer preparing a
    document, or lines, on their own is refused; a handle is completed only for the document (and main file) it was
    prepared for, with the lines it was prepared with — a file prepared on one's own cannot become a document's
    signature."""
    from vanthu_core import clients
    from vanthu_core.grpc_client import vouched_metadata
    from vanthu_testing.documents import draft_pdf

    p = platform
    head_token = token_for("truongphong.ubnd")
    head = bearer_metadata(head_token)
    via_registry = vouched_metadata(head_token, p.issuer.service_token(clients.REGISTRY))
    key = serialization.load_pem_private_key((p.pki_dir / "personal.key").read_bytes(), None)
    pdf = draft_pdf()
    source = signing_pb2.PdfSource(pdf=pdf, file_name="công văn.pdf")
    sha = __import__("hashlib").sha256(pdf).hexdigest()
    own_right = signing_pb2.SignerAuthority(title="CHỦ TỊCH")
    for request in (signing_pb2.PrepareSignatureRequest(source=source, document_id="doc-1"),
                    signing_pb2.PrepareSignatureRequest(source=source, authority=signing_pb2.SignerAuthority(
                        competence="KT.", title="CHỦ TỊCH", position="PHÓ CHỦ TỊCH"))):
        with pytest.raises(grpc.aio.AioRpcError) as err:  # the client does not choose the document or its lines
            await p.signing.PrepareSignature(request, metadata=head)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "hệ thống quyết định" in \
            err.value.details()

    async def complete(handle: str, value: bytes, metadata: object, **fields: object) -> grpc.StatusCode:
        try:
            await p.signing.CompleteSignature(signing_pb2.CompleteSignatureRequest(
                handle=handle, signature_value=value, **fields), metadata=metadata)
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    # a file prepared on one's own, completed as the document's signature: refused
    free = await p.signing.PrepareSignature(signing_pb2.PrepareSignatureRequest(source=source), metadata=head)
    free_value = key.sign(free.to_sign, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    assert await complete(free.handle, free_value, via_registry, document_id="doc-1", source_sha256=sha,
                          authority=own_right) == grpc.StatusCode.FAILED_PRECONDITION

    prepared = await p.signing.PrepareSignature(signing_pb2.PrepareSignatureRequest(
        source=source, document_id="doc-1", authority=own_right), metadata=via_registry)
    assert list(prepared.authority) == ["CHỦ TỊCH"]
    value = key.sign(prepared.to_sign, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    for metadata, fields in (
            (head, {}),  # the document's handle is not completed as a loose file
            (via_registry, {"document_id": "doc-2", "source_sha256": sha, "authority": own_right}),  # another doc
            (via_registry, {"document_id": "doc-1", "source_sha256": "0" * 64, "authority": own_right}),  # its file
            (via_registry, {"document_id": "doc-1", "source_sha256": sha}),  # lines it was not prepared with
            (via_registry, {"document_id": "doc-1", "source_sha256": sha, "authority": signing_pb2.SignerAuthority(
                competence="KT.", title="CHỦ TỊCH", position="PHÓ CHỦ TỊCH")})):
        assert await complete(prepared.handle, value, metadata, **fields) == grpc.StatusCode.FAILED_PRECONDITION, \
            fields
    assert await complete(prepared.handle, value, via_registry, document_id="doc-1", source_sha256=sha,
                          authority=own_right) == grpc.StatusCode.OK


async def test_a_drafts_main_file_is_checked_for_its_placeholders_before_anyone_signs(platform, token_for,  # type: ignore[no-untyped-def]
                                                                                       make_pdf) -> None:
    """CheckDraft: the rule SignPersonal enforces on a document's main file, asked as the drafter uploads it (and by
    the registry at trình ký): the missing placeholders in order, and a sentence telling the drafter what to do."""
    p = platform
    officer = token_for("chuyenvien.ubnd")
    ready = await _upload(p, officer, make_pdf(), "dự thảo đủ dấu.pdf")
    bare = await _upload(p, officer, make_pdf(placeholders=False), "dự thảo thiếu dấu.pdf")
    ok = await p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(ready)),
                                    metadata=bearer_metadata(officer))
    assert (list(ok.missing), ok.message) == ([], "")
    lacking = await p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(bare)),
                                         metadata=bearer_metadata(officer))
    assert list(lacking.missing) == ["[[SO]]", "[[NGAY]]", "[[CHU_KY]]"]
    assert lacking.message.startswith("Tệp PDF của văn bản thiếu [[SO]] cho số, ký hiệu")
    assert "hãy gõ các dấu đó vào tệp dự thảo rồi tải lại tệp PDF" in lacking.message
    # another agency's file is not read for them
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(bare)),
                                   metadata=bearer_metadata(token_for("chuyenvien.snv")))
    assert err.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)


async def test_a_slow_pdf_check_does_not_hold_up_another_agencys_check(platform, token_for, make_pdf,  # type: ignore[no-untyped-def]
                                                                       monkeypatch) -> None:
    """The PDF work of CheckDraft runs in a worker thread: while one drafter's file is still being read, another
    agency's small check is answered; a check that outlasts the limit is refused with a Vietnamese problem."""
    import threading

    from vanthu_signing import api as signing_api

    p = platform
    slow_pdf, quick_pdf = make_pdf(pages=2), make_pdf()
    release = threading.Event()
    original = signing_api.missing_issue_placeholders

    def checked(pdf: bytes, *args: object) -> list[str]:
        if pdf == slow_pdf:
            release.wait(20)
        return original(pdf, *args)

    monkeypatch.setattr(signing_api, "missing_issue_placeholders", checked)
    officer, other = token_for("chuyenvien.ubnd"), token_for("chuyenvien.snv")
    slow_id = await _upload(p, officer, slow_pdf, "dự thảo dài.pdf")
    quick_id = await _upload(p, other, quick_pdf, "dự thảo ngắn.pdf")
    slow = asyncio.ensure_future(p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(slow_id)),
                                                    metadata=bearer_metadata(officer)))
    quick = await p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(quick_id)),
                                       metadata=bearer_metadata(other))
    assert list(quick.missing) == [] and not slow.done()
    release.set()
    assert list((await slow).missing) == []
    # past the limit: refused, not waited for
    release.clear()
    p.server.api.pdf_check_timeout_s = 0.2
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await p.signing.CheckDraft(signing_pb2.CheckDraftRequest(source=_ref(slow_id)),
                                   metadata=bearer_metadata(officer))
    release.set()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "quá 0.2 giây mà chưa xong" in (err.value.details() or "")


async def test_an_arrival_signed_by_another_agency_than_its_sender_is_not_valid(platform, token_for, dev_issuer,  # type: ignore[no-untyped-def]
                                                                                make_pdf) -> None:
    """The arrival event names its sender and signer (as the registry records them, the directory's name for a code
    it holds): a file signed by the province's leader arriving as Sở Nội vụ's letter is reported KHÔNG HỢP LỆ with
    why, and the named signer who did not sign is a note (found trying the exchange as a new user)."""
    from vanthu_core.service_token import ServiceTokens
    from vanthu_signing.arrivals import ArrivalChecker
    from vanthu_signing.files import PdfFiles

    p = platform
    leader = bearer_metadata(token_for("lanhdao.ubnd"))
    signed = (await p.signing.SignPersonal(signing_pb2.SignPersonalRequest(
        source=signing_pb2.PdfSource(pdf=make_pdf())), metadata=leader)).result
    channel = grpc.aio.insecure_channel(p.server.settings.storage_target)
    checker = ArrivalChecker(PdfFiles(storage_pb2_grpc.StorageServiceStub(channel), 10 * 1024 * 1024),
                             p.server.keys, p.server.store,
                             ServiceTokens.of(dev_issuer.service_settings("signing"), "signing"))
    for document_id, sender, signer in (("own", "Ủy ban nhân dân tỉnh Vĩnh Long", "Nguyễn Văn Hưởng"),
                                        ("forged", "Sở Nội vụ tỉnh Vĩnh Long", "Trương Công Lý")):
        event = arrival_event(document_id, signed.object_id)
        event.issuing_agency_code, event.issuing_agency_name, event.signer_name = H61, sender, signer
        await checker(event)
    await channel.close()
    own, forged = [v for v in await outbox_events(p.server.store.sessions, outbox, SIGNING_DOCUMENT_VERIFIED)
                   if isinstance(v, signing_events.DocumentVerified)]
    assert own.valid and "KHÔNG HỢP LỆ" not in own.note and "lưu ý" not in own.note, own.note
    assert not forged.valid
    assert "KHÔNG HỢP LỆ: không chữ ký nào là của cơ quan gửi «Sở Nội vụ tỉnh Vĩnh Long» (chữ ký của: Ủy ban nhân " \
           "dân tỉnh Vĩnh Long)" in forged.note
    assert "lưu ý: người ký ghi trên văn bản «Trương Công Lý» không có chữ ký số trong tệp" in forged.note
