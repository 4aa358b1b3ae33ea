"""The exchange catalogue (danh mục gửi nhận) on a real registry server: per agency and type, electronic only (the
default: Decision 28/2018, and the seed directive names no type for the paper list) or electronic with the paper
original; the agency's admin keeps it; a document takes its type's form when numbered and keeps it; an arrival keeps
the sender's; the register books note the paper ("Gửi kèm bản giấy", "Bản giấy sẽ gửi kèm")."""

import asyncio
import csv
import io
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest
from openpyxl import load_workbook

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc
from vanthu_core.db import create_engine, session_factory
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.ids import new_id
from vanthu_core.settings import CommonSettings
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole, Recipient, Signer
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
PAPER, ELECTRONIC = "electronic_and_paper", "electronic"


class Registry:
    def __init__(self, stub: documents_pb2_grpc.DocumentServiceStub, issuer: DevIssuer, database_url: str,
                 clock: Any) -> None:
        self.stub, self.issuer, self.database_url, self.clock = stub, issuer, database_url, clock

    async def call(self, method: str, request: object, user: str) -> Any:
        return await getattr(self.stub, method)(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def forms(self, user: str) -> dict[str, tuple[str, str]]:
        types = (await self.call("ListDocumentTypes", pb.ListDocumentTypesRequest(), user)).types
        return {t.code: (t.exchange_form, t.exchange_form_set_by) for t in types}

    async def numbered(self, register_id: str, type_code: str, abstract: str, agency: str = UBND) -> dict[str, Any]:
        """Drafted, submitted, signed and numbered through the registry's store (the seal changes no column)."""
        engine = create_engine(self.database_url)
        try:
            store = DocumentStore(session_factory(engine), clock=self.clock)
            main = DocumentFile(new_id(), "cd" * 32, FileRole.MAIN, "dự thảo.pdf", "application/pdf")
            doc = await store.create(agency_code=agency, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", draft=Draft(
                direction=Direction.OUTGOING, type_code=type_code, abstract=abstract, unit_abbreviation="NC",
                signer=Signer("Nguyễn Văn Hưởng", "Phó Chủ tịch"), recipients=[Recipient(SNV, "Sở Nội vụ")],
                files=[main]), actor="chuyenvien.ubnd")
            await store.submit(agency_code=agency, document_id=str(doc["id"]), actor="chuyenvien.ubnd",
                               actor_subject="")
            await store.record_signed(agency_code=agency, document_id=str(doc["id"]), signed_from=main.object_id,
                                      signed=replace(main, object_id=new_id()), actor="lanhdao.ubnd")
            return await store.number(agency_code=agency, document_id=str(doc["id"]), register_id=register_id,
                                      actor="vanthu.ubnd")
        finally:
            await engine.dispose()


@pytest.fixture
async def registry(tmp_path: Path, dev_issuer: DevIssuer, clock: Any) -> AsyncIterator[Registry]:
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False), clock=clock)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    await import_directory(settings.database_url, [
        {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
        {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND}])
    try:
        yield Registry(documents_pb2_grpc.DocumentServiceStub(channel), dev_issuer, settings.database_url, clock)
    finally:
        await channel.close()
        await server.stop()


async def refused(code: grpc.StatusCode, coro: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await coro
    assert error.value.code() == code, error.value.details()
    return error.value


async def test_every_type_is_electronic_only_until_the_agency_admin_puts_it_on_the_paper_list(
        registry: Registry) -> None:
    before = await registry.forms("chuyenvien.ubnd")
    assert len(before) == 29 and set(before.values()) == {(ELECTRONIC, "")}
    reply = await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="quyet_dinh", exchange_form=PAPER), "quantri.ubnd")
    assert (reply.type.code, reply.type.name, reply.type.exchange_form) == ("quyet_dinh", "Quyết định", PAPER)
    assert reply.type.exchange_form_set_by == "quantri.ubnd"
    assert reply.type.exchange_form_set_at == "2031-06-15T10:00:00+07:00"  # the server's clock, Vietnam time
    ubnd = await registry.forms("vanthu.ubnd")
    assert ubnd["quyet_dinh"] == (PAPER, "quantri.ubnd") and ubnd["cong_van"] == (ELECTRONIC, "")
    # another agency's catalogue is its own: Sở Nội vụ still sends decisions electronic only
    assert (await registry.forms("vanthu.snv"))["quyet_dinh"] == (ELECTRONIC, "")
    # setting it again changes nothing; setting it back keeps who did it
    await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(type_code="quyet_dinh", exchange_form=PAPER),
                        "quantri.ubnd")
    back = await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="quyet_dinh", exchange_form=ELECTRONIC), "quantri.ubnd")
    assert (back.type.exchange_form, back.type.exchange_form_set_by) == (ELECTRONIC, "quantri.ubnd")


@pytest.mark.parametrize("user", ["vanthu.ubnd", "lanhdao.ubnd", "truongphong.ubnd", "chuyenvien.ubnd",
                                  "luutru.ubnd"])
async def test_only_the_agency_admin_sets_the_catalogue(registry: Registry, user: str) -> None:
    await refused(grpc.StatusCode.PERMISSION_DENIED, registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="quyet_dinh", exchange_form=PAPER), user))
    assert (await registry.forms("vanthu.ubnd"))["quyet_dinh"] == (ELECTRONIC, "")


async def test_the_catalogue_refuses_unknown_forms_and_types_including_another_agencys_own_type(
        registry: Registry) -> None:
    error = await refused(grpc.StatusCode.INVALID_ARGUMENT, registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="quyet_dinh", exchange_form="paper"), "quantri.ubnd"))
    assert field_violations(error) == [("exchange_form", "phải là 'electronic' (chỉ gửi điện tử) hoặc "
                                                         "'electronic_and_paper' (gửi điện tử và bản giấy).")]
    await refused(grpc.StatusCode.INVALID_ARGUMENT, registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="khong_co", exchange_form=PAPER), "quantri.ubnd"))
    await registry.call("CreateDocumentType", pb.CreateDocumentTypeRequest(type=pb.DocumentType(
        code="giay_phep_xay_dung", name="Giấy phép xây dựng", abbreviation="GPXD")), "quantri.snv")
    await refused(grpc.StatusCode.INVALID_ARGUMENT, registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="giay_phep_xay_dung", exchange_form=PAPER), "quantri.ubnd"))  # Sở Nội vụ's type, not UBND's
    own = await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(
        type_code="giay_phep_xay_dung", exchange_form=PAPER), "quantri.snv")
    assert (own.type.agency_code, own.type.exchange_form) == (SNV, PAPER)


def _field(error: grpc.aio.AioRpcError) -> set[str]:
    return {name for name, _ in field_violations(error)}


async def test_a_document_takes_its_types_form_when_numbered_and_keeps_it(registry: Registry, clock: Any) -> None:
    register = (await registry.call("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")).register
    # a drafter does not choose: the catalogue decides when the document is numbered
    error = await refused(grpc.StatusCode.INVALID_ARGUMENT, registry.call("CreateDocument", pb.CreateDocumentRequest(
        document=pb.DocumentInput(type_code="quyet_dinh", abstract="Quyết định thử", exchange_form=PAPER)),
        "chuyenvien.ubnd"))
    assert _field(error) == {"exchange_form"}
    draft = (await registry.call("CreateDocument", pb.CreateDocumentRequest(document=pb.DocumentInput(
        type_code="quyet_dinh", abstract="Quyết định thử")), "chuyenvien.ubnd")).document
    assert draft.exchange_form == ""  # not numbered yet
    await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(type_code="quyet_dinh", exchange_form=PAPER),
                        "quantri.ubnd")
    decision = await registry.numbered(register.id, "quyet_dinh", "Quyết định về việc công nhận xã nông thôn mới")
    letter = await registry.numbered(register.id, "cong_van", "V/v báo cáo biên chế năm 2031")
    assert (decision["exchange_form"], letter["exchange_form"]) == (PAPER, ELECTRONIC)
    shown = (await registry.call("GetDocument", pb.GetDocumentRequest(id=decision["id"]), "vanthu.ubnd")).document
    assert shown.exchange_form == PAPER
    history = (await registry.call("GetDocumentHistory", pb.GetDocumentHistoryRequest(id=decision["id"]),
                                   "vanthu.ubnd")).entries
    assert '"exchange_form": [null, "electronic_and_paper"]' in history[-1].changes_json
    # a later change of the catalogue does not change a document already in the register
    await registry.call("SetExchangeForm", pb.SetExchangeFormRequest(type_code="quyet_dinh", exchange_form=ELECTRONIC),
                        "quantri.ubnd")
    assert (await registry.call("GetDocument", pb.GetDocumentRequest(id=decision["id"]),
                                "vanthu.ubnd")).document.exchange_form == PAPER

    request = pb.ExportRegisterRequest(register_id=register.id, date_from=f"{clock.year}-01-01",
                                       date_to=f"{clock.year}-12-31")
    lines = list(csv.reader(io.StringIO((await registry.call("ExportRegister", request, "vanthu.ubnd"))
                                        .content.decode("utf-8-sig"))))
    assert lines[0][9] == "Ghi chú"
    assert [(line[0], line[9]) for line in lines[1:]] == [("01/QĐ-UBND-NC", "Gửi kèm bản giấy"), ("02/UBND-NC", "")]
    request.format = "xlsx"
    sheet = load_workbook(io.BytesIO((await registry.call("ExportRegister", request, "vanthu.ubnd")).content)).active
    assert [sheet.cell(row=r, column=10).value for r in (8, 9)] == ["Gửi kèm bản giấy", None]
    if shutil.which("pdftotext"):
        request.format = "pdf"
        pdf = (await registry.call("ExportRegister", request, "vanthu.ubnd")).content
        text = (await asyncio.to_thread(subprocess.run, ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf,
                                        check=True, capture_output=True)).stdout.decode()
        assert "Gửi kèm bản giấy" in " ".join(text.split())


async def test_an_arrival_keeps_the_senders_form_and_the_incoming_book_notes_the_paper(
        registry: Registry, dev_issuer: DevIssuer, clock: Any) -> None:
    incoming = (await registry.call("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="incoming", name="Sổ văn bản đến")), "vanthu.snv")).register
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    documents = []
    for number, form in ((12, PAPER), (13, ELECTRONIC), (14, "")):
        arrival = pb.DocumentInput(direction="incoming", type_code="quyet_dinh", abstract=f"Quyết định số {number}",
                                   exchange_form=form, sender=pb.Sender(
                                       agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                       number_symbol=f"{number}/QĐ-UBND", document_date="2031-06-14"))
        doc = (await registry.stub.CreateDocument(pb.CreateDocumentRequest(
            document=arrival, agency_code=SNV, arrival_key=f"p{number}/{SNV}"), metadata=service)).document
        assert doc.exchange_form == form
        documents.append(doc)
        await registry.call("RegisterDocument", pb.RegisterDocumentRequest(id=doc.id, register_id=incoming.id),
                            "vanthu.snv")
    error = await refused(grpc.StatusCode.INVALID_ARGUMENT, registry.stub.CreateDocument(pb.CreateDocumentRequest(
        document=pb.DocumentInput(direction="incoming", type_code="quyet_dinh", abstract="Quyết định số 15",
                                  exchange_form="giay", sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh")),
        agency_code=SNV), metadata=service))
    assert _field(error) == {"exchange_form"}
    request = pb.ExportRegisterRequest(register_id=incoming.id, date_from=f"{clock.year}-01-01",
                                       date_to=f"{clock.year}-12-31")
    lines = list(csv.reader(io.StringIO((await registry.call("ExportRegister", request, "vanthu.snv"))
                                        .content.decode("utf-8-sig"))))
    assert [(line[3], line[9]) for line in lines[1:]] == [("12/QĐ-UBND", "Bản giấy sẽ gửi kèm"),
                                                          ("13/QĐ-UBND", ""), ("14/QĐ-UBND", "")]


async def test_an_arrival_named_by_type_takes_the_agencys_type_of_that_name_read_once(
        registry: Registry, dev_issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Interchange names an arrival's type as the sender wrote it (edXML TypeName): the agency's type of that name,
    case and diacritics aside, else công văn. CreateDocument reads the types once and gives the store the type, which
    does not look it up again in its write transaction (issue 12: it read them twice per arrival)."""
    looked_up: list[str] = []
    own_lookup = DocumentStore._type

    async def counted(self: DocumentStore, session: Any, agency_code: str, code: str) -> Any:
        looked_up.append(code)
        return await own_lookup(self, session, agency_code, code)

    monkeypatch.setattr(DocumentStore, "_type", counted)
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    codes = []
    for number, name in ((21, "QUYET DINH"), (22, "Loại văn bản lạ")):
        arrival = pb.DocumentInput(direction="incoming", type_name=name, abstract=f"Văn bản số {number}",
                                   sender=pb.Sender(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long",
                                                    number_symbol=f"{number}/UBND", document_date="2031-06-14"))
        codes.append((await registry.stub.CreateDocument(pb.CreateDocumentRequest(
            document=arrival, agency_code=SNV, arrival_key=f"p{number}/{SNV}"), metadata=service)).document.type_code)
    assert codes == ["quyet_dinh", "cong_van"]
    assert looked_up == []
