"""Thu hồi, cập nhật, thay thế on the document API (a real gRPC server, tokens from the real dev issuer): interchange
records what a sender asked of an arrival, the recipient's clerk accepts (the content goes, the trail stays) or
refuses with a reason; an outgoing document whose revocation is pending is frozen; a replacement links both."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc
from vanthu.storage.v1 import storage_pb2
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.settings import CommonSettings
from vanthu_registry.domain.revocation import REVOKED_NOTE, SCRUBBED
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
ABSTRACT = "V/v rà soát biên chế công chức năm 2026 (tài liệu nội bộ)"


@pytest.fixture
async def stub(tmp_path: Path, dev_issuer: DevIssuer,
               clock: Any) -> AsyncIterator[documents_pb2_grpc.DocumentServiceStub]:  # conftest.ServerClock
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False), clock=clock)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    await import_directory(settings.database_url, [
        {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
        {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND}])
    yield documents_pb2_grpc.DocumentServiceStub(channel)
    await channel.close()
    await server.stop()


async def expect(code: grpc.StatusCode, coro: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await coro
    assert error.value.code() == code, error.value.details()
    return error.value


def person(issuer: DevIssuer, user: str) -> Any:
    return bearer_metadata(issuer.token(user))


async def arrival(stub: documents_pb2_grpc.DocumentServiceStub, issuer: DevIssuer, number: str,
                  replaces: str = "") -> pb.Document:
    document = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract=ABSTRACT,
                                sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                                 number_symbol=f"{number}/UBND-NC", document_date="2031-06-14"),
                                replaces_document_id=replaces)
    return (await stub.CreateDocument(pb.CreateDocumentRequest(document=document, agency_code=SNV),
                                      metadata=bearer_metadata(issuer.service_token("vanthu-interchange")))).document


async def requested(stub: documents_pb2_grpc.DocumentServiceStub, issuer: DevIssuer, document_id: str,
                    kind: str = "revoke") -> pb.Document:
    return (await stub.RecordRevocation(pb.RecordRevocationRequest(
        agency_code=SNV, id=document_id, state="requested", reason="Văn bản ban hành chưa đúng thẩm quyền",
        kind=kind), metadata=bearer_metadata(issuer.service_token("vanthu-interchange")))).document


async def test_only_interchange_records_a_revocation_request(stub: documents_pb2_grpc.DocumentServiceStub,
                                                             dev_issuer: DevIssuer) -> None:
    doc = await arrival(stub, dev_issuer, "101")
    request = pb.RecordRevocationRequest(agency_code=SNV, id=doc.id, state="requested", reason="Thu hồi")
    for user in ("vanthu.snv", "quantri.snv"):
        await expect(grpc.StatusCode.PERMISSION_DENIED, stub.RecordRevocation(request,
                                                                              metadata=person(dev_issuer, user)))
    await expect(grpc.StatusCode.PERMISSION_DENIED, stub.RecordRevocation(
        request, metadata=bearer_metadata(dev_issuer.service_token("vanthu-signing"))))
    await expect(grpc.StatusCode.NOT_FOUND, stub.RecordRevocation(  # the arrival is Sở Nội vụ's, not UBND's
        pb.RecordRevocationRequest(agency_code=UBND, id=doc.id, state="requested", reason="Thu hồi"),
        metadata=bearer_metadata(dev_issuer.service_token("vanthu-interchange"))))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.RecordRevocation(  # an arrival is not "pending"
        pb.RecordRevocationRequest(agency_code=SNV, id=doc.id, state="pending", reason="Thu hồi"),
        metadata=bearer_metadata(dev_issuer.service_token("vanthu-interchange"))))
    got = (await stub.GetDocument(pb.GetDocumentRequest(id=doc.id), metadata=person(dev_issuer, "vanthu.snv"))).document
    assert got.revocation == "" and got.version == doc.version


async def test_the_clerk_accepts_a_revocation_the_content_goes_and_the_trail_stays(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    doc = await arrival(stub, dev_issuer, "102")
    asked = await requested(stub, dev_issuer, doc.id)
    assert (asked.revocation, asked.revocation_kind) == ("requested", "revoke")
    again = await requested(stub, dev_issuer, doc.id)  # the same request twice changes nothing
    assert again.version == asked.version
    # frozen: no registering or rejecting before the clerk answers
    incoming = (await stub.CreateRegister(pb.CreateRegisterRequest(register=pb.Register(
        direction="incoming", name="Sổ văn bản đến")), metadata=person(dev_issuer, "vanthu.snv"))).register
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.RegisterDocument(pb.RegisterDocumentRequest(
        id=doc.id, register_id=incoming.id), metadata=person(dev_issuer, "vanthu.snv")))
    assert "thu hồi" in (error.details() or "")
    # only the clerk of the agency holding it answers
    for user in ("lanhdao.snv", "chuyenvien.snv", "quantri.snv"):
        await expect(grpc.StatusCode.PERMISSION_DENIED, stub.AcceptRevocation(
            pb.AcceptRevocationRequest(id=doc.id), metadata=person(dev_issuer, user)))
    await expect(grpc.StatusCode.NOT_FOUND, stub.AcceptRevocation(pb.AcceptRevocationRequest(id=doc.id),
                                                                  metadata=person(dev_issuer, "vanthu.ubnd")))
    accepted = (await stub.AcceptRevocation(pb.AcceptRevocationRequest(id=doc.id),
                                            metadata=person(dev_issuer, "vanthu.snv"))).document
    assert (accepted.status, accepted.revocation, accepted.abstract) == ("revoked", "accepted", REVOKED_NOTE)
    assert list(accepted.files) == [] and accepted.number_symbol == "102/UBND-NC"  # what identifies it stays
    history = (await stub.GetDocumentHistory(pb.GetDocumentHistoryRequest(id=doc.id),
                                             metadata=person(dev_issuer, "vanthu.snv"))).entries
    assert [e.action for e in history] == ["arrived", "revocation_requested", "revocation_accepted"]
    assert ABSTRACT not in json.dumps([e.changes_json for e in history], ensure_ascii=False)
    assert SCRUBBED in history[0].changes_json and "thẩm quyền" in history[1].note
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.AcceptRevocation(  # answered already
        pb.AcceptRevocationRequest(id=doc.id), metadata=person(dev_issuer, "vanthu.snv")))
    await expect(grpc.StatusCode.FAILED_PRECONDITION, requested(stub, dev_issuer, doc.id))  # revoked: terminal


async def test_the_clerk_refuses_with_a_reason_and_the_arrival_stays(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    doc = await arrival(stub, dev_issuer, "103")
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.RefuseRevocation(  # nobody asked yet
        pb.RefuseRevocationRequest(id=doc.id, reason="Không"), metadata=person(dev_issuer, "vanthu.snv")))
    await requested(stub, dev_issuer, doc.id)
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.RefuseRevocation(  # a reason is required
        pb.RefuseRevocationRequest(id=doc.id), metadata=person(dev_issuer, "vanthu.snv")))
    await expect(grpc.StatusCode.NOT_FOUND, stub.RefuseRevocation(
        pb.RefuseRevocationRequest(id=doc.id, reason="Không"), metadata=person(dev_issuer, "vanthu.ubnd")))
    reason = "Văn bản đã được phân công xử lý, đề nghị ban hành văn bản đính chính"
    refused = (await stub.RefuseRevocation(pb.RefuseRevocationRequest(id=doc.id, reason=reason),
                                           metadata=person(dev_issuer, "vanthu.snv"))).document
    assert (refused.status, refused.revocation, refused.revocation_reason, refused.abstract) == (
        "arrived", "refused", reason, ABSTRACT)
    assert refused.revocation_kind == "revoke"


async def test_the_clerk_lists_the_arrivals_whose_sender_asked_and_another_agency_sees_none_of_them(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    """Issue 14 review item 4: the clerk's to-do lists the requests waiting for their answer (ListDocuments'
    ``revocation`` filter): asked ones only, answered ones leave it, another agency's clerk gets none."""
    waiting, answered = await arrival(stub, dev_issuer, "104"), await arrival(stub, dev_issuer, "105")
    await arrival(stub, dev_issuer, "106")  # nobody asked anything of it
    await requested(stub, dev_issuer, waiting.id)
    await requested(stub, dev_issuer, answered.id)
    await stub.RefuseRevocation(pb.RefuseRevocationRequest(id=answered.id, reason="Đã phân công xử lý"),
                                metadata=person(dev_issuer, "vanthu.snv"))
    wanted = pb.ListDocumentsRequest(direction="incoming", revocation="requested")
    listed = (await stub.ListDocuments(wanted, metadata=person(dev_issuer, "vanthu.snv"))).documents
    assert [(d.id, d.number_symbol, d.revocation_kind) for d in listed] == [(waiting.id, "104/UBND-NC", "revoke")]
    refused = (await stub.ListDocuments(pb.ListDocumentsRequest(revocation="refused"),
                                        metadata=person(dev_issuer, "vanthu.snv"))).documents
    assert [d.id for d in refused] == [answered.id]
    assert list((await stub.ListDocuments(wanted, metadata=person(dev_issuer, "vanthu.ubnd"))).documents) == []
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.ListDocuments(
        pb.ListDocumentsRequest(revocation="asked"), metadata=person(dev_issuer, "vanthu.snv")))
    assert "'requested'" in (error.details() or "")


async def test_a_replacement_links_both_arrivals(stub: documents_pb2_grpc.DocumentServiceStub,
                                                 dev_issuer: DevIssuer) -> None:
    old = await arrival(stub, dev_issuer, "104")
    new = await arrival(stub, dev_issuer, "105", replaces=old.id)
    assert new.replaces_document_id == old.id
    got = (await stub.GetDocument(pb.GetDocumentRequest(id=old.id), metadata=person(dev_issuer, "vanthu.snv"))).document
    assert got.replaced_by_document_id == new.id
    # a person cannot claim a replacement
    paper = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract=ABSTRACT, replaces_document_id=old.id,
                             sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh", number_symbol="106/UBND-NC"))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.CreateDocument(pb.CreateDocumentRequest(document=paper),
                                                                       metadata=person(dev_issuer, "vanthu.snv")))


async def test_an_outgoing_document_is_frozen_while_its_revocation_is_pending(platform: Any) -> None:
    await platform.call(platform.documents.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")
    doc = await platform.issued(pb.DocumentInput(type_code="cong_van", abstract="V/v thử thu hồi",
                                                 unit_abbreviation="VP", recipients=[pb.Recipient(agency_code=SNV)]))
    service = bearer_metadata(platform.issuer.service_token("vanthu-interchange"))
    draft = await platform.draft(pb.DocumentInput(type_code="cong_van", abstract="V/v dự thảo"))
    await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.documents.RecordRevocation(  # only issued ones
        pb.RecordRevocationRequest(agency_code=UBND, id=draft.id, state="pending", reason="Thu hồi"),
        metadata=service))
    pending = (await platform.documents.RecordRevocation(pb.RecordRevocationRequest(
        agency_code=UBND, id=doc.id, state="pending", reason="Ban hành nhầm"), metadata=service)).document
    assert pending.revocation == "pending"
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        platform.documents.CancelDocument, pb.CancelDocumentRequest(id=doc.id, reason="Hủy"), "vanthu.ubnd"))
    assert "thu hồi" in (error.details() or "")
    settled = (await platform.documents.RecordRevocation(pb.RecordRevocationRequest(
        agency_code=UBND, id=doc.id, state="settled"), metadata=service)).document
    assert settled.revocation == "settled"
    cancelled = (await platform.call(platform.documents.CancelDocument,
                                     pb.CancelDocumentRequest(id=doc.id, reason="Hủy"), "vanthu.ubnd")).document
    assert cancelled.status == "cancelled"


# -- cập nhật (edXML business type 2): the update's content is applied when the clerk accepts ------------------------
async def file_of(platform: Any, text: str) -> pb.DocumentFile:
    """A PDF stored for Sở Nội vụ (as interchange stores an arrival's files)."""
    from vanthu_testing.documents import draft_pdf

    stored = await platform.upload("vanthu.snv", draft_pdf(text), name=f"{text}.pdf")
    return pb.DocumentFile(object_id=stored.object_id, sha256=stored.sha256, role="main", file_name=f"{text}.pdf")


async def holders(platform: Any, object_id: str) -> list[str]:
    return list((await platform.storage.Stat(storage_pb2.StatRequest(object_id=object_id), metadata=bearer_metadata(
        platform.issuer.token("vanthu.snv")))).object.references)


def content(number: str, abstract: str, file: pb.DocumentFile, sender: str = UBND) -> pb.DocumentInput:
    return pb.DocumentInput(
        type_name="Công văn", abstract=abstract, urgency="urgent",
        signer=pb.Signer(name="Trần Văn Bình", title="Phó Chủ tịch", competence="KT."),
        sender=pb.Sender(agency_code=sender, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                         number_symbol=f"{number}/UBND-NC", document_date="2031-06-20"),
        due_date="2031-07-01", exchange_form="electronic", files=[file])


async def update_request(platform: Any, document_id: str, update: pb.DocumentInput | None,
                         agency: str = SNV) -> pb.Document:
    request = pb.RecordRevocationRequest(agency_code=agency, id=document_id, state="requested",
                                         reason="Cập nhật văn bản điện tử", kind="update")
    if update is not None:
        request.update.CopyFrom(update)
    return (await platform.documents.RecordRevocation(request, metadata=bearer_metadata(
        platform.issuer.service_token("vanthu-interchange")))).document


async def platform_arrival(platform: Any, number: str) -> pb.Document:
    document = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract=ABSTRACT,
                                signer=pb.Signer(name="Nguyễn Văn An", title="Chủ tịch"),
                                sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                                 number_symbol=f"{number}/UBND-NC", document_date="2031-06-14"),
                                files=[await file_of(platform, f"ban-goc-{number}")])
    return (await platform.documents.CreateDocument(pb.CreateDocumentRequest(document=document, agency_code=SNV),
                                                    metadata=bearer_metadata(
                                                        platform.issuer.service_token("vanthu-interchange")))).document


async def test_an_accepted_update_replaces_the_arrivals_content_and_keeps_the_previous_in_its_history(
        platform: Any) -> None:
    doc = await platform_arrival(platform, "201")
    old_file = doc.files[0].object_id
    new_file = await file_of(platform, "cap-nhat-201")
    abstract = "V/v rà soát biên chế công chức năm 2026 (bản cập nhật số liệu)"
    asked = await update_request(platform, doc.id, content("201a", abstract, new_file))
    # nothing applied before the clerk answers; the update's file is kept for the arrival meanwhile
    assert (asked.revocation, asked.revocation_kind, asked.abstract) == ("requested", "update", ABSTRACT)
    assert [f.object_id for f in asked.files] == [old_file]
    assert f"registry/document/{doc.id}" in await holders(platform, new_file.object_id)
    again = await update_request(platform, doc.id, content("201a", abstract, new_file))  # the same request again
    assert again.version == asked.version
    other = await file_of(platform, "cap-nhat-khac-201")
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, update_request(  # another while one waits
        platform, doc.id, content("201b", "V/v khác", other)))
    assert "đang chờ văn thư trả lời" in (error.details() or "")
    assert await holders(platform, other.object_id) == []  # the refused request keeps nothing
    accepted = (await platform.call(platform.documents.AcceptRevocation, pb.AcceptRevocationRequest(id=doc.id),
                                    "vanthu.snv")).document
    assert (accepted.status, accepted.revocation, accepted.abstract) == ("arrived", "accepted", abstract)
    assert (accepted.number_symbol, accepted.document_date, accepted.due_date, accepted.urgency) == (
        "201a/UBND-NC", "2031-06-20", "2031-07-01", "urgent")
    assert (accepted.signer.name, accepted.signer.title, accepted.signer.competence) == (
        "Trần Văn Bình", "Phó Chủ tịch", "KT.")
    assert [f.object_id for f in accepted.files] == [new_file.object_id]
    assert accepted.signature_check == "pending"  # the new files are verified again
    assert await holders(platform, old_file) == []
    assert f"registry/document/{doc.id}" in await holders(platform, new_file.object_id)
    history = (await platform.call(platform.documents.GetDocumentHistory, pb.GetDocumentHistoryRequest(id=doc.id),
                                   "vanthu.snv")).entries
    assert [e.action for e in history] == ["arrived", "revocation_requested", "revocation_accepted"]
    applied = json.loads(history[-1].changes_json)
    assert applied["abstract"] == [ABSTRACT, abstract]
    assert applied["number_symbol"] == ["201/UBND-NC", "201a/UBND-NC"]
    assert applied["document_date"] == ["2031-06-14", "2031-06-20"]
    assert applied["signer_name"] == ["Nguyễn Văn An", "Trần Văn Bình"]
    assert [f["object_id"] for f in applied["files"][0]] == [old_file]
    assert "trích yếu" in history[-1].note and "số và ký hiệu" in history[-1].note
    # a later revocation removes the updated content from the history too
    await requested_on(platform, doc.id)
    await platform.call(platform.documents.AcceptRevocation, pb.AcceptRevocationRequest(id=doc.id), "vanthu.snv")
    history = (await platform.call(platform.documents.GetDocumentHistory, pb.GetDocumentHistoryRequest(id=doc.id),
                                   "vanthu.snv")).entries
    trail = json.dumps([e.changes_json for e in history], ensure_ascii=False)
    assert ABSTRACT not in trail and abstract not in trail


async def requested_on(platform: Any, document_id: str) -> pb.Document:
    return (await platform.documents.RecordRevocation(pb.RecordRevocationRequest(
        agency_code=SNV, id=document_id, state="requested", reason="Thu hồi văn bản điện tử"),
        metadata=bearer_metadata(platform.issuer.service_token("vanthu-interchange")))).document


async def test_a_refused_update_changes_nothing_and_lets_its_files_go(platform: Any) -> None:
    doc = await platform_arrival(platform, "202")
    new_file = await file_of(platform, "cap-nhat-202")
    await update_request(platform, doc.id, content("202a", "V/v bản cập nhật bị từ chối", new_file))
    refused = (await platform.call(platform.documents.RefuseRevocation, pb.RefuseRevocationRequest(
        id=doc.id, reason="Văn bản đã vào sổ và phân công, đề nghị ban hành văn bản thay thế"),
        "vanthu.snv")).document
    assert (refused.revocation, refused.abstract, refused.number_symbol) == ("refused", ABSTRACT, "202/UBND-NC")
    assert [f.object_id for f in refused.files] == [doc.files[0].object_id]
    assert await holders(platform, new_file.object_id) == []
    # a later update may be asked again, and accepted
    later = await file_of(platform, "cap-nhat-lan-2-202")
    await update_request(platform, doc.id, content("202b", "V/v bản cập nhật lần hai", later))
    accepted = (await platform.call(platform.documents.AcceptRevocation, pb.AcceptRevocationRequest(id=doc.id),
                                    "vanthu.snv")).document
    assert (accepted.abstract, accepted.number_symbol) == ("V/v bản cập nhật lần hai", "202b/UBND-NC")


async def test_an_update_names_an_arrival_of_the_agency_from_its_sender_and_carries_content(platform: Any) -> None:
    doc = await platform_arrival(platform, "203")
    new_file = await file_of(platform, "cap-nhat-203")
    # the arrival is Sở Nội vụ's: interchange acting for UBND tỉnh does not find it
    await expect(grpc.StatusCode.NOT_FOUND, update_request(platform, doc.id, content("203a", "V/v x", new_file),
                                                           agency=UBND))
    # an update from another agency than the arrival's sender
    await expect(grpc.StatusCode.INVALID_ARGUMENT, update_request(
        platform, doc.id, content("203a", "V/v x", new_file, sender="000.00.02.H61")))
    # an update without its content
    await expect(grpc.StatusCode.INVALID_ARGUMENT, update_request(platform, doc.id, None))
    got = (await platform.call(platform.documents.GetDocument, pb.GetDocumentRequest(id=doc.id),
                               "vanthu.snv")).document
    assert (got.revocation, got.abstract, got.version) == ("", ABSTRACT, doc.version)
    assert await holders(platform, new_file.object_id) == []


class NoPlatform:
    """Records' calls to the other services: none are made when the registry asks what is archived."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"records called the platform ({name}) answering ArchivedIn")


@pytest.fixture
async def archive(tmp_path: Path, dev_issuer: DevIssuer, clock: Any) -> AsyncIterator[tuple[Any, Any, Any]]:
    """A real records server (its store, to deposit a file directly) and a registry that asks it, with its own
    service token, whether an arrival is archived: (registry stub, records store, records server's channel)."""
    from vanthu_records.server import RecordsServer
    from vanthu_records.settings import RecordsSettings

    records = RecordsServer(RecordsSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'rec.db'}"),
                            CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False), clock=clock,
                            platform=NoPlatform(), sweeping=False)  # type: ignore[arg-type]
    records_port = await records.start()
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
                                records_target=f"127.0.0.1:{records_port}")
    server = RegistryServer(settings, CommonSettings(
        oidc_issuer=dev_issuer.issuer, events_enabled=False,
        service_client_secret=dev_issuer.client_secret("vanthu-registry")), clock=clock)  # type: ignore[arg-type]
    port = await server.start()
    await import_directory(settings.database_url, [
        {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
        {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND}])
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    records_channel = grpc.aio.insecure_channel(f"127.0.0.1:{records_port}")
    yield documents_pb2_grpc.DocumentServiceStub(channel), records.store, records_channel
    await channel.close()
    await records_channel.close()
    await server.stop()
    await records.stop()


async def file_holding(store: Any, document_id: str, state: str, notation: str) -> str:
    """A file of Sở Nội vụ in ``state`` holding the document, written straight into records' store."""
    from datetime import date

    from vanthu_core.ids import new_id
    from vanthu_records.domain.files import FileState
    from vanthu_records.store import Actor, FileDocumentRow

    view = await store.open_file({"agency_code": SNV, "year": 2031, "notation": notation, "rights": "Công khai",
                                  "title": "Hồ sơ rà soát biên chế năm 2031", "retention_years": 0,
                                  "language": "Tiếng Việt", "start_date": date(2031, 6, 1)},
                                 Actor("sub-lt", "luutru.snv", "Lưu trữ viên"), state=FileState(state))
    async with store.sessions.begin() as session:
        session.add(FileDocumentRow(id=new_id(), file_id=view.row.id, agency_code=SNV, document_id=document_id,
                                    ordinal=1, meta="{}", files="[]", added_by="luutru.snv",
                                    added_at=store.clock()))
    return str(view.code)


async def test_an_archived_arrival_is_refused_revocation_with_the_reason_and_kept(
        archive: tuple[Any, Any, Any], dev_issuer: DevIssuer) -> None:
    """Issue 12 item 4: the clerk's acceptance of a revocation of an arrival in a deposited file becomes the
    registry's refusal (16) naming the file; the arrival keeps its content. A file not yet deposited does not count;
    only the registry's own client may ask records, for the agency it names."""
    stub, store, records_channel = archive
    kept, archived = await arrival(stub, dev_issuer, "301"), await arrival(stub, dev_issuer, "302")
    await file_holding(store, kept.id, "closed", "01.TCCB")  # closed, not deposited: revocation goes ahead
    code = await file_holding(store, archived.id, "deposited", "02.TCCB")
    await file_holding(store, archived.id, "deposited", "03.TCCB")
    for doc in (kept, archived):
        await requested(stub, dev_issuer, doc.id)
    accepted = (await stub.AcceptRevocation(pb.AcceptRevocationRequest(id=kept.id),
                                            metadata=person(dev_issuer, "vanthu.snv"))).document
    assert (accepted.status, accepted.revocation, accepted.abstract) == ("revoked", "accepted", REVOKED_NOTE)
    answered = (await stub.AcceptRevocation(pb.AcceptRevocationRequest(id=archived.id),
                                            metadata=person(dev_issuer, "vanthu.snv"))).document
    assert (answered.status, answered.revocation, answered.abstract) == ("arrived", "refused", ABSTRACT)
    assert answered.revocation_reason.startswith("Văn bản đã nộp lưu vào Lưu trữ cơ quan (hồ sơ ")
    assert code in answered.revocation_reason and "03.TCCB" in answered.revocation_reason
    history = (await stub.GetDocumentHistory(pb.GetDocumentHistoryRequest(id=archived.id),
                                             metadata=person(dev_issuer, "vanthu.snv"))).entries
    assert [e.action for e in history] == ["arrived", "revocation_requested", "revocation_refused"]
    await expect(grpc.StatusCode.FAILED_PRECONDITION, stub.AcceptRevocation(  # answered already
        pb.AcceptRevocationRequest(id=archived.id), metadata=person(dev_issuer, "vanthu.snv")))
    # records answers the registry's client only, and only for the agency named
    from vanthu.records.v1 import records_pb2, records_pb2_grpc

    records = records_pb2_grpc.RecordsServiceStub(records_channel)
    ask = records_pb2.ArchivedInRequest(agency_code=SNV, document_id=archived.id)
    for token in (dev_issuer.token("luutru.snv"), dev_issuer.service_token("vanthu-interchange")):
        await expect(grpc.StatusCode.PERMISSION_DENIED, records.ArchivedIn(ask, metadata=bearer_metadata(token)))
    registry_token = bearer_metadata(dev_issuer.service_token("vanthu-registry"))
    assert len((await records.ArchivedIn(ask, metadata=registry_token)).file_codes) == 2
    assert not (await records.ArchivedIn(records_pb2.ArchivedInRequest(agency_code=UBND, document_id=archived.id),
                                         metadata=registry_token)).file_codes


async def test_no_reply_is_drafted_to_an_arrival_revoked_or_asked_to_be_revoked(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    """Found by an attacker's trial: a reply draft could answer an arrival its sender revoked (thu hồi accepted)
    or asks to revoke."""
    kept, revoked = await arrival(stub, dev_issuer, "131"), await arrival(stub, dev_issuer, "132")

    def reply(answered: str) -> Any:
        draft = pb.DocumentInput(type_code="cong_van", abstract="V/v trả lời rà soát biên chế",
                                 answers_document_id=answered)
        return stub.CreateDocument(pb.CreateDocumentRequest(document=draft),
                                   metadata=person(dev_issuer, "vanthu.snv"))

    assert (await reply(kept.id)).document.answers_document_id == kept.id
    await requested(stub, dev_issuer, revoked.id)
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, reply(revoked.id))
    assert (error.details() or "").startswith("Văn bản được trả lời: ") and "yêu cầu thu hồi" in (error.details() or "")
    await stub.AcceptRevocation(pb.AcceptRevocationRequest(id=revoked.id), metadata=person(dev_issuer, "vanthu.snv"))
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, reply(revoked.id))
    assert "đã bị thu hồi" in (error.details() or "")
