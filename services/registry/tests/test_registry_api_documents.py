"""The document API on a real gRPC server with tokens from the real dev issuer: roles, tenancy, flows, exports."""

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from openpyxl import load_workbook

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


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


async def call(dev_issuer: DevIssuer, method: object, request: object, user: str) -> object:
    return await method(request, metadata=bearer_metadata(dev_issuer.token(user)))  # type: ignore[operator]


async def expect(code: grpc.StatusCode, coro: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await coro  # type: ignore[misc]
    assert error.value.code() == code, error.value.details()
    return error.value


DECISION = pb.DocumentInput(type_code="quyet_dinh", abstract="Quyết định về việc công nhận xã đạt chuẩn nông thôn mới",
                            urgency="urgent", drafting_unit="Phòng Nội chính", signer=pb.Signer(
                                name="Nguyễn Văn Hưởng", title="Phó Chủ tịch", competence="KT."),
                            place="Vĩnh Long", recipients=[pb.Recipient(agency_code=SNV),
                                                           pb.Recipient(name="Báo Vĩnh Long")])


async def registers(stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer, clerk: str) -> pb.Register:
    reply = await call(dev_issuer, stub.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), clerk)
    return reply.register  # type: ignore[attr-defined,no-any-return]


async def test_a_second_series_for_decisions_is_refused_and_issuing_finds_the_covering_register(
        platform: Any, clock: Any) -> None:
    docs = platform.documents
    general = (await platform.call(docs.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")).register
    error = await expect(grpc.StatusCode.ALREADY_EXISTS, platform.call(
        docs.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
            direction="outgoing", name="Sổ văn bản đi (2)", agency_abbreviation="UBND")), "quantri.ubnd"))
    assert f"'Sổ văn bản đi' (mã {general.id})" in error.details()
    qppl = (await platform.call(docs.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ quyết định quy phạm pháp luật", agency_abbreviation="UBND",
        type_codes=["quyet_dinh"], legal_normative=True)), "quantri.ubnd")).register
    assert qppl.legal_normative
    normative = pb.DocumentInput()
    normative.CopyFrom(DECISION)
    normative.legal_normative = True
    signed = await platform.signed(normative)
    assert signed.legal_normative
    refused = await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.IssueDocument, pb.IssueDocumentRequest(id=signed.id, register_id=general.id), "vanthu.ubnd"))
    assert [f for f, _ in field_violations(refused)] == ["register_id"] and qppl.id in refused.details()
    issued = (await platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=signed.id), "vanthu.ubnd")).document
    assert (issued.number_symbol, issued.register_id, issued.status) == (f"01/{clock.year}/QĐ-UBND", qppl.id,
                                                                         "issued")


async def test_classified_documents_are_refused_for_electronic_handling(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    secret = pb.DocumentInput()
    secret.CopyFrom(DECISION)
    secret.confidentiality = "secret"
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, call(
        dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=secret), "chuyenvien.ubnd"))
    assert [f for f, _ in field_violations(error)] == ["confidentiality"]
    assert "mật" in error.details()


@pytest.mark.parametrize(("change", "field"), [
    ({"type_code": "sac_lenh"}, "type_code"),
    ({"abstract": ""}, "abstract"),
    ({"abstract": "ư" * 501}, "abstract"),
    ({"urgency": "gấp"}, "urgency"),
    ({"direction": "sideways"}, "direction"),
    ({"direction": "copy"}, "direction"),  # copies are numbered with NumberCopy, never created as documents
    ({"due_date": "31/12/2026"}, "due_date"),
    ({"answers_document_id": "x" * 100_000}, "answers_document_id"),
    ({"answers_document_id": "0190f0e0-0000-7000-8000-00000000\x00"}, "answers_document_id"),
    ({"answers_document_id": "0190f0e0-0000-7000-8000-000000000001"}, "answers_document_id"),  # no such document
    ({"abstract": "Hợp đồng\u202efdp.exe"}, "abstract"),  # a right-to-left override changes what readers see
])
async def test_bad_metadata_gets_a_field_error_and_writes_nothing(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer, change: dict[str, str],
        field: str) -> None:
    document = pb.DocumentInput()
    document.CopyFrom(DECISION)
    for key, value in change.items():
        setattr(document, key, value)
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, call(
        dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=document), "chuyenvien.ubnd"))
    assert [f for f, _ in field_violations(error)] == [field]
    listed = await call(dev_issuer, stub.ListDocuments, pb.ListDocumentsRequest(), "chuyenvien.ubnd")
    assert list(listed.documents) == []  # type: ignore[attr-defined]


async def test_a_negative_expected_version_is_a_field_error_not_a_conflict(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    draft = (await call(dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=DECISION),
                        "chuyenvien.ubnd")).document  # type: ignore[attr-defined]
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, call(dev_issuer, stub.UpdateDraft, pb.UpdateDraftRequest(
        id=draft.id, document=DECISION, expected_version=-1), "chuyenvien.ubnd"))
    assert [f for f, _ in field_violations(error)] == ["expected_version"]


async def test_only_the_clerk_numbers_copies(stub: documents_pb2_grpc.DocumentServiceStub,
                                             dev_issuer: DevIssuer) -> None:
    reply = await call(dev_issuer, stub.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="copy", name="Sổ bản sao", agency_abbreviation="UBND")), "vanthu.ubnd")
    copy_register = reply.register  # type: ignore[attr-defined]
    request = pb.NumberCopyRequest(register_id=copy_register.id, form="SL")
    await expect(grpc.StatusCode.PERMISSION_DENIED, call(dev_issuer, stub.NumberCopy, request, "chuyenvien.ubnd"))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, call(dev_issuer, stub.NumberCopy, request, "vanthu.snv"))
    numbered = await call(dev_issuer, stub.NumberCopy, request, "vanthu.ubnd")
    assert numbered.copy.number_symbol == "01/SL-UBND" and numbered.copy.created_by == "vanthu.ubnd"  # type: ignore[attr-defined]


async def test_agencies_never_see_each_others_documents(stub: documents_pb2_grpc.DocumentServiceStub,
                                                        dev_issuer: DevIssuer) -> None:
    doc = (await call(dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=DECISION),
                      "chuyenvien.ubnd")).document  # type: ignore[attr-defined]
    await expect(grpc.StatusCode.NOT_FOUND, call(dev_issuer, stub.GetDocument, pb.GetDocumentRequest(id=doc.id),
                                                 "vanthu.snv"))
    await expect(grpc.StatusCode.PERMISSION_DENIED, call(
        dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=DECISION, agency_code=SNV),
        "chuyenvien.ubnd"))
    listed = await call(dev_issuer, stub.ListDocuments, pb.ListDocumentsRequest(), "lanhdao.snv")
    assert list(listed.documents) == []  # type: ignore[attr-defined]


async def test_an_arrival_from_interchange_is_registered_or_rejected(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    incoming = await call(dev_issuer, stub.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="incoming", name="Sổ văn bản đến")), "vanthu.snv")
    arrival = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract="V/v báo cáo biên chế năm 2026",
                               sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                                number_symbol="456/UBND-VX", document_date="2026-11-20"))
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.CreateDocument(pb.CreateDocumentRequest(document=arrival),
                                                                       metadata=service))  # which agency?
    doc = (await stub.CreateDocument(pb.CreateDocumentRequest(document=arrival, agency_code=SNV),
                                     metadata=service)).document
    assert (doc.status, doc.issuing_agency_code, doc.number_symbol) == ("arrived", UBND, "456/UBND-VX")
    registered = (await call(dev_issuer, stub.RegisterDocument, pb.RegisterDocumentRequest(
        id=doc.id, register_id=incoming.register.id), "vanthu.snv")).document  # type: ignore[attr-defined]
    assert registered.number == 1 and registered.status == "registered"
    second = (await stub.CreateDocument(pb.CreateDocumentRequest(document=arrival, agency_code=SNV),
                                        metadata=service)).document
    assert second.duplicate_of == doc.id
    await expect(grpc.StatusCode.INVALID_ARGUMENT, call(dev_issuer, stub.RejectDocument, pb.RejectDocumentRequest(
        id=second.id), "vanthu.snv"))  # a reason is required
    rejected = (await call(dev_issuer, stub.RejectDocument, pb.RejectDocumentRequest(
        id=second.id, reason="Văn bản trùng"), "vanthu.snv")).document  # type: ignore[attr-defined]
    assert rejected.status == "rejected" and rejected.reason == "Văn bản trùng"


@pytest.mark.parametrize("client", ["vanthu-registry", "vanthu-storage", "vanthu-signing", "vanthu-gateway",
                                    "vanthu-workflow", "vanthu-search", "vanthu-records"])
async def test_only_interchange_creates_a_document_for_an_agency(stub: documents_pb2_grpc.DocumentServiceStub,
                                                                 dev_issuer: DevIssuer, client: str) -> None:
    """A service acting for an agency names it, and the registry checks the service may act so: arrivals come
    through interchange; no other service creates documents in an agency (issue 11, item 2)."""
    arrival = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract="V/v báo cáo biên chế năm 2026",
                               sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                                number_symbol="457/UBND-VX", document_date="2026-11-20"))
    service = bearer_metadata(dev_issuer.service_token(client))
    error = await expect(grpc.StatusCode.PERMISSION_DENIED, stub.CreateDocument(pb.CreateDocumentRequest(
        document=arrival, agency_code=SNV), metadata=service))
    assert client in (error.details() or "")
    listed = await call(dev_issuer, stub.ListDocuments, pb.ListDocumentsRequest(), "vanthu.snv")
    assert list(listed.documents) == []  # type: ignore[attr-defined]
    if client != "vanthu-search":  # search lists the agency it names (it rebuilds its index from the list)
        await expect(grpc.StatusCode.PERMISSION_DENIED, stub.ListDocuments(pb.ListDocumentsRequest(),
                                                                           metadata=service))


async def test_the_server_dates_and_numbers_by_its_injected_clock(platform: Any) -> None:
    register = (await platform.call(platform.documents.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")).register
    draft = await platform.draft(DECISION)
    assert draft.created_at == "2031-06-15T10:00:00+07:00"
    issued = await platform.issued(DECISION, register.id)
    assert (issued.document_date, issued.numbered_at) == ("2031-06-15", "2031-06-15T10:00:00+07:00")


async def test_the_register_exports_as_csv_and_a_printable_xlsx(platform: Any, clock: Any) -> None:
    register = (await platform.call(platform.documents.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")).register
    for _ in range(3):
        doc = await platform.issued(DECISION, register.id)
    await platform.call(platform.documents.CancelDocument, pb.CancelDocumentRequest(id=doc.id, reason="Ban hành nhầm"),
                        "lanhdao.ubnd")
    request = pb.ExportRegisterRequest(register_id=register.id, date_from=f"{clock.year}-01-01",
                                       date_to=f"{clock.year}-12-31")
    exported = await platform.call(platform.documents.ExportRegister, request, "vanthu.ubnd")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản"]
    assert [line[0] for line in lines[1:]] == ["01/QĐ-UBND", "02/QĐ-UBND", "03/QĐ-UBND"]
    assert lines[1][2] == "Quyết định: Quyết định về việc công nhận xã đạt chuẩn nông thôn mới"
    assert lines[3][9] == "Đã hủy: Ban hành nhầm"
    request.format = "xlsx"
    book = await platform.call(platform.documents.ExportRegister, request, "lanhdao.ubnd")
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet["A2"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI" and sheet["A1"].value == "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG"
    assert [sheet.cell(row=r, column=1).value for r in (8, 9, 10)] == ["01/QĐ-UBND", "02/QĐ-UBND", "03/QĐ-UBND"]
    await expect(grpc.StatusCode.PERMISSION_DENIED,
                 platform.call(platform.documents.ExportRegister, request, "chuyenvien.ubnd"))
    request.date_to = f"{clock.year - 1}-01-01"
    await expect(grpc.StatusCode.INVALID_ARGUMENT,
                 platform.call(platform.documents.ExportRegister, request, "vanthu.ubnd"))


async def test_search_reads_and_lists_any_document_of_the_agency_it_names_and_no_other_service_does(
        stub: documents_pb2_grpc.DocumentServiceStub, dev_issuer: DevIssuer) -> None:
    """The search service indexes every document (a draft too: its own audience filter decides who finds it); it
    names the agency; interchange still reads only issued documents; a person cannot list another agency's."""
    draft = (await call(dev_issuer, stub.CreateDocument, pb.CreateDocumentRequest(document=DECISION),
                        "chuyenvien.ubnd")).document  # type: ignore[attr-defined]
    search = bearer_metadata(dev_issuer.service_token("vanthu-search"))
    read = (await stub.GetDocument(pb.GetDocumentRequest(id=draft.id, agency_code=UBND), metadata=search)).document
    assert (read.id, read.status, read.type_name) == (draft.id, "draft", "Quyết định")  # a service reads its name
    await expect(grpc.StatusCode.NOT_FOUND, stub.GetDocument(pb.GetDocumentRequest(id=draft.id, agency_code=SNV),
                                                             metadata=search))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.GetDocument(pb.GetDocumentRequest(id=draft.id),
                                                                    metadata=search))
    listed = await stub.ListDocuments(pb.ListDocumentsRequest(agency_code=UBND), metadata=search)
    assert draft.id in {d.id for d in listed.documents}
    await expect(grpc.StatusCode.INVALID_ARGUMENT, stub.ListDocuments(pb.ListDocumentsRequest(), metadata=search))
    interchange = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    await expect(grpc.StatusCode.NOT_FOUND, stub.GetDocument(pb.GetDocumentRequest(id=draft.id, agency_code=UBND),
                                                             metadata=interchange))
    await expect(grpc.StatusCode.PERMISSION_DENIED, stub.ListDocuments(pb.ListDocumentsRequest(agency_code=UBND),
                                                                       metadata=interchange))
    await expect(grpc.StatusCode.PERMISSION_DENIED, call(
        dev_issuer, stub.ListDocuments, pb.ListDocumentsRequest(agency_code=UBND), "vanthu.snv"))


async def test_a_paper_arrival_entered_by_hand_is_unsigned_and_registered_without_confirmation(
        platform: Any) -> None:
    """A scan of a paper original carries no digital signature: the registry records it as unsigned (not pending,
    which made the clerk confirm a "signature problem" for every paper letter), ignores a verification verdict on it,
    and vào sổ needs no confirmation; an arrival entered with a file that is not a scan still waits for its check,
    and only an arrival is entered from paper."""
    docs = platform.documents
    incoming = (await platform.call(docs.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="incoming", name="Sổ văn bản đến")), "vanthu.ubnd")).register
    scan = await platform.upload("vanthu.ubnd", b"%PDF-1.4\n% scan\n%%EOF\n", name="bản quét.pdf")
    paper = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract="V/v mời họp giao ban quý IV",
                             sender=pb.Sender(agency_name="Công ty TNHH Phú Quý", number_symbol="12/CV-PQ",
                                              document_date="2031-06-10"),
                             files=[pb.DocumentFile(object_id=scan.object_id, role="main")], paper=True)
    doc = (await platform.call(docs.CreateDocument, pb.CreateDocumentRequest(document=paper), "vanthu.ubnd")).document
    assert doc.signature_check == "unsigned"
    assert await platform.registry.documents.record_signature_check(
        agency_code=UBND, document_id=doc.id, valid=False, note="bản quét.pdf: KHÔNG HỢP LỆ (không có chữ ký số)",
        actor="vanthu-signing") is None  # an older signing service's verdict changes nothing
    registered = (await platform.call(docs.RegisterDocument, pb.RegisterDocumentRequest(
        id=doc.id, register_id=incoming.id), "vanthu.ubnd")).document
    assert (registered.status, registered.number, registered.signature_check) == ("registered", 1, "unsigned")
    electronic = pb.DocumentInput()
    electronic.CopyFrom(paper)
    electronic.sender.number_symbol, electronic.paper = "13/CV-PQ", False  # e.g. a signed PDF received by e-mail
    other = (await platform.call(docs.CreateDocument, pb.CreateDocumentRequest(document=electronic),
                                 "vanthu.ubnd")).document
    assert other.signature_check == "pending"
    drafted = pb.DocumentInput()
    drafted.CopyFrom(DECISION)
    drafted.paper = True
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.CreateDocument, pb.CreateDocumentRequest(document=drafted), "chuyenvien.ubnd"))
    assert [f for f, _ in field_violations(error)] == ["paper"]
