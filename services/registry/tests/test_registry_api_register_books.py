"""Register books (sổ đăng ký, Decree 30/2020 Appendix IV) exported by a real registry server on an injected clock:
the incoming book's arrival day and padded arrival numbers, text from other agencies that must never become a
spreadsheet formula, and the PDF to print and bind."""

import csv
import io
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from openpyxl import load_workbook

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc
from vanthu_core.db import create_engine, session_factory
from vanthu_core.errors import InvalidArgument
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.ids import new_id
from vanthu_core.settings import CommonSettings
from vanthu_core.spreadsheet import formula_safe
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import (
    Competence,
    Direction,
    DocumentFile,
    Draft,
    FileRole,
    Recipient,
    Signer,
    check_metadata,
)
from vanthu_registry.domain.units import check_unit
from vanthu_registry.importer import import_directory
from vanthu_registry.people import Person
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.units_store import UnitStore
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
FORMULA = '=HYPERLINK("http://x","y")'


@dataclass
class ServerClock:
    now: datetime = field(default_factory=lambda: datetime(2031, 6, 14, 16, 30, tzinfo=UTC))  # 23:30 in Vietnam

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Registry:
    stub: documents_pb2_grpc.DocumentServiceStub
    issuer: DevIssuer
    clock: ServerClock
    database_url: str

    async def numbered(self, register_id: str, draft: Draft, agency: str = UBND) -> dict[str, object]:
        """A document drafted with its PDF, submitted, signed and numbered in the register, written through the
        registry's store on the server's clock: what the book shows (the seal, signing's work, changes no column)."""
        engine = create_engine(self.database_url)
        try:
            store = DocumentStore(session_factory(engine), clock=self.clock)
            main = DocumentFile(new_id(), "cd" * 32, FileRole.MAIN, "dự thảo.pdf", "application/pdf")
            draft.files = [main]
            doc = await store.create(agency_code=agency, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", draft=draft,
                                     actor="chuyenvien.ubnd")
            await store.submit(agency_code=agency, document_id=str(doc["id"]), actor="chuyenvien.ubnd",
                               actor_subject="")
            await store.record_signed(agency_code=agency, document_id=str(doc["id"]), signed_from=main.object_id,
                                      signed=replace(main, object_id=new_id()), actor="lanhdao.ubnd")
            return await store.number(agency_code=agency, document_id=str(doc["id"]), register_id=register_id,
                                      actor="vanthu.ubnd")
        finally:
            await engine.dispose()

    async def as_user(self, method: str, request: object, user: str) -> object:
        return await getattr(self.stub, method)(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def as_service(self, method: str, request: object) -> object:
        """As interchange, the one service that records arrivals for an agency."""
        return await getattr(self.stub, method)(request, metadata=bearer_metadata(
            self.issuer.service_token("vanthu-interchange")))

    async def book(self, register_id: str, fmt: str, user: str = "vanthu.snv") -> pb.ExportRegisterResponse:
        year = self.clock.now.year
        return await self.as_user("ExportRegister", pb.ExportRegisterRequest(  # type: ignore[return-value]
            register_id=register_id, date_from=f"{year}-01-01", date_to=f"{year}-12-31", format=fmt), user)


@pytest.fixture
async def registry(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Registry]:
    clock = ServerClock()
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False), clock=clock)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    await import_directory(settings.database_url, [
        {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long", "place": "Vĩnh Long"},
        {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND, "place": "Vĩnh Long"}])
    yield Registry(documents_pb2_grpc.DocumentServiceStub(channel), dev_issuer, clock, settings.database_url)
    await channel.close()
    await server.stop()


async def arrival_register(registry: Registry) -> str:
    reply = await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="incoming", name="Sổ văn bản đến")), "vanthu.snv")
    return str(reply.register.id)  # type: ignore[attr-defined]


async def arrive_and_register(registry: Registry, register_id: str, sender_name: str, abstract: str,
                              number_symbol: str) -> pb.Document:
    """Arrives now (late evening in Vietnam), is registered the next morning; the clock then moves a day on."""
    arrived = registry.clock.now
    document = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract=abstract, sender=pb.Sender(
        agency_code=UBND, agency_name=sender_name, number_symbol=number_symbol, document_date="2031-06-12"))
    doc = (await registry.as_service("CreateDocument", pb.CreateDocumentRequest(agency_code=SNV, document=document))
           ).document  # type: ignore[attr-defined]
    registry.clock.now = arrived + timedelta(hours=9, minutes=30)  # 09:00 in Vietnam the next morning
    registered = (await registry.as_user("RegisterDocument", pb.RegisterDocumentRequest(
        id=doc.id, register_id=register_id), "vanthu.snv")).document  # type: ignore[attr-defined]
    registry.clock.now = arrived + timedelta(days=1)
    return registered  # type: ignore[no-any-return]


async def test_the_incoming_book_prints_the_arrival_day_and_padded_arrival_numbers(registry: Registry) -> None:
    register_id = await arrival_register(registry)
    registered = await arrive_and_register(registry, register_id, "Ủy ban nhân dân tỉnh Vĩnh Long",
                                           "V/v rà soát, sắp xếp tổ chức bộ máy cấp xã", "456/UBND-NC")
    assert registered.arrived_at == "2031-06-14T23:30:00+07:00"  # arrived late on the 14th, registered on the 15th
    assert registered.numbered_at == "2031-06-15T09:00:00+07:00"
    lines = list(csv.reader(io.StringIO((await registry.book(register_id, "csv")).content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["Ngày đến", "Số đến"]
    assert lines[1][:5] == ["14/06/2031", "01", "Ủy ban nhân dân tỉnh Vĩnh Long", "456/UBND-NC", "12/06/2031"]
    sheet = load_workbook(io.BytesIO((await registry.book(register_id, "xlsx")).content)).active
    assert [sheet.cell(row=8, column=c).value for c in (1, 2)] == ["14/06/2031", "01"]


async def test_an_incoming_book_and_its_screen_take_a_period_by_the_arrival_day(registry: Registry) -> None:
    """A clerk's "from - to" of an incoming book means the days documents arrived (Ngày đến), not the senders' dates,
    nor the day a document was registered: the list (register screen) and every export agree."""
    register_id = await arrival_register(registry)
    await arrive_and_register(registry, register_id, "Ủy ban nhân dân tỉnh Vĩnh Long",
                              "V/v rà soát, sắp xếp tổ chức bộ máy cấp xã", "456/UBND-NC")  # dated 12/06, arrived 14/06

    async def listed(day: str, date_field: str) -> list[str]:
        reply = await registry.as_user("ListDocuments", pb.ListDocumentsRequest(
            register_id=register_id, date_from=day, date_to=day, date_field=date_field), "vanthu.snv")
        return [d.number_symbol for d in reply.documents]  # type: ignore[attr-defined]

    async def exported(day: str, fmt: str) -> int:
        return (await registry.as_user("ExportRegister", pb.ExportRegisterRequest(  # type: ignore[attr-defined]
            register_id=register_id, date_from=day, date_to=day, format=fmt), "vanthu.snv")).rows

    assert await listed("2031-06-14", "arrival") == ["456/UBND-NC"]
    assert await listed("2031-06-15", "arrival") == []  # registered on the 15th, arrived on the 14th
    assert await listed("2031-06-12", "arrival") == []
    assert await listed("2031-06-12", "document") == await listed("2031-06-12", "") == ["456/UBND-NC"]
    for fmt in ("csv", "xlsx", "pdf"):
        assert (await exported("2031-06-14", fmt), await exported("2031-06-15", fmt)) == (1, 0)
    await expect_code(grpc.StatusCode.INVALID_ARGUMENT, registry.as_user("ListDocuments", pb.ListDocumentsRequest(
        register_id=register_id, date_field="numbered"), "vanthu.snv"))


async def test_the_incoming_book_names_the_units_and_people_an_arrival_was_given_to(registry: Registry) -> None:
    """"Đơn vị hoặc người nhận" (Appendix IV.VI, column 7): the units and people the workflow gave the arrival to, by
    name; empty while nobody has it yet; never a code or a principal."""
    register_id = await arrival_register(registry)
    given = await arrive_and_register(registry, register_id, "Ủy ban nhân dân tỉnh Vĩnh Long",
                                      "V/v rà soát, sắp xếp tổ chức bộ máy cấp xã", "456/UBND-NC")
    waiting = await arrive_and_register(registry, register_id, "Ủy ban nhân dân tỉnh Vĩnh Long",
                                        "V/v báo cáo biên chế", "457/UBND-NC")
    engine = create_engine(registry.database_url)
    try:
        units = UnitStore(session_factory(engine))
        await units.upsert(check_unit(agency_code=SNV, code="TCCB", name="Phòng Tổ chức cán bộ"), actor="seed")
        await units.set_member(SNV, "TCCB", Person("sub-an", "chuyenvien.snv", "Nguyễn Văn An", SNV), "officer",
                               actor="seed")
        await DocumentStore(session_factory(engine), clock=registry.clock).record_workflow_step(
            agency_code=SNV, document_id=given.id, actor="lanhdao.snv", at=registry.clock.now, step="assign",
            from_state="submitted", to_state="assigned", comment="", audience_seq=3,
            audience=["role:leader", "unit:TCCB", "unit:GONE", "user:sub-an"])
    finally:
        await engine.dispose()
    lines = list(csv.reader(io.StringIO((await registry.book(register_id, "csv")).content.decode("utf-8-sig"))))
    assert lines[0][6] == "Đơn vị hoặc người nhận"
    assert [(line[3], line[6]) for line in lines[1:]] == [
        (given.number_symbol, "Phòng Tổ chức cán bộ; Nguyễn Văn An"), (waiting.number_symbol, "")]
    sheet = load_workbook(io.BytesIO((await registry.book(register_id, "xlsx")).content)).active
    assert sheet.cell(row=8, column=7).value == "Phòng Tổ chức cán bộ; Nguyễn Văn An"


async def test_an_agency_abbreviation_may_join_words_with_an_ampersand(registry: Registry) -> None:
    """"SNN&PTNT" (Sở Nông nghiệp và Phát triển nông thôn) as agencies write it, in the register and the unit's
    abbreviation and so in the ký hiệu; '&' only between letters (XML safety is the edXML writer's escaping)."""
    reply = await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="SNN&PTNT")), "vanthu.ubnd")
    register = reply.register  # type: ignore[attr-defined]
    assert register.agency_abbreviation == "SNN&PTNT"
    draft = check_metadata(Draft(direction=Direction.OUTGOING, type_code="quyet_dinh", unit_abbreviation="TC&KH",
                                 abstract="Quyết định về việc giao chỉ tiêu Sở NN&PTNT năm 2031"))
    doc = await registry.numbered(register.id, draft)
    assert doc["number_symbol"] == "01/QĐ-SNN&PTNT-TC&KH"
    for wrong in ("SNN&", "&PTNT", "SNN&&PTNT", "SNN & PTNT"):
        await expect_code(grpc.StatusCode.INVALID_ARGUMENT, registry.as_user("CreateRegister", pb.CreateRegisterRequest(
            register=pb.Register(direction="outgoing", name="Sổ khác", agency_abbreviation=wrong)), "vanthu.ubnd"))
        with pytest.raises(InvalidArgument):
            check_metadata(Draft(direction=Direction.OUTGOING, type_code="cong_van", abstract="x",
                                 unit_abbreviation=wrong))


async def test_text_from_other_agencies_never_becomes_a_formula_in_csv_or_xlsx(registry: Registry) -> None:
    register_id = await arrival_register(registry)
    await arrive_and_register(registry, register_id, FORMULA, FORMULA, "12/UBND-VP")
    lines = list(csv.reader(io.StringIO((await registry.book(register_id, "csv")).content.decode("utf-8-sig"))))
    assert lines[1][2] == "'" + FORMULA  # Tác giả: shown as text by spreadsheets, nothing lost
    assert lines[1][5] == f"Công văn: {FORMULA}"
    sheet = load_workbook(io.BytesIO((await registry.book(register_id, "xlsx")).content)).active
    author, title = sheet.cell(row=8, column=3), sheet.cell(row=8, column=6)
    assert (author.value, author.data_type) == (FORMULA, "s")  # a string cell, never a formula ("f")
    assert (title.value, title.data_type) == (f"Công văn: {FORMULA}", "s")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("text", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tx", "\r=1"])
def test_formula_leading_text_gets_an_apostrophe_in_csv(text: str) -> None:
    assert formula_safe(text) == "'" + text
    assert formula_safe("Sở Nội vụ - Phòng Tổ chức") == "Sở Nội vụ - Phòng Tổ chức"


def pdf_text(content: bytes, tmp_path: Path, *pages: int) -> str:
    """The words of the PDF in drawing order (pdftotext -raw), whitespace folded; ``pages``: first and last."""
    path = tmp_path / "book.pdf"
    path.write_bytes(content)
    span = ["-f", str(pages[0]), "-l", str(pages[1])] if pages else []
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", *span, str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def pdf_pages(content: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
async def test_the_books_print_as_pdf_with_the_appendix_iv_columns_on_every_page(registry: Registry,
                                                                               tmp_path: Path) -> None:
    outgoing = (await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")
                ).register  # type: ignore[attr-defined]
    for i in range(1, 31):
        abstract = f"Quyết định về việc công nhận xã đạt chuẩn nông thôn mới nâng cao đợt {i}"
        await registry.numbered(outgoing.id, Draft(
            direction=Direction.OUTGOING, type_code="quyet_dinh", abstract=abstract,
            signer=Signer("Nguyễn Văn Hưởng", "Phó Chủ tịch", Competence.KT), drafting_unit="Phòng Nội chính",
            recipients=[Recipient(name="Sở Nông nghiệp và Môi trường")]))
    book = await registry.book(outgoing.id, "pdf", "vanthu.ubnd")
    assert book.content_type == "application/pdf" and book.rows == 30
    assert book.file_name == "so-van-ban-di-2031-01-01-2031-12-31.pdf"  # named after the register, without tones
    first = pdf_text(book.content, tmp_path, 1, 1)
    assert "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG SỔ ĐĂNG KÝ VĂN BẢN ĐI Sổ văn bản đi" in first
    header = ("Số, ký hiệu văn bản Ngày tháng văn bản Tên loại và trích yếu nội dung văn bản Người ký Nơi nhận văn "
              "bản Đơn vị, người nhận bản lưu Số lượng bản Ngày chuyển Ký nhận Ghi chú 1 2 3 4 5 6 7 8 9 10")
    assert header in first
    assert ("01/QĐ-UBND 14/06/2031 Quyết định: Quyết định về việc công nhận xã đạt chuẩn nông thôn mới nâng cao đợt 1 "
            "KT. Phó Chủ tịch Nguyễn Văn Hưởng Sở Nông nghiệp và Môi trường Phòng Nội chính") in first
    pages = pdf_pages(book.content)
    assert pages >= 2
    rest = pdf_text(book.content, tmp_path, 2, pages)
    assert rest.count(header) == pages - 1  # the header is repeated on each page
    assert "30/QĐ-UBND" in rest and f"Trang {pages}" in rest

    register_id = await arrival_register(registry)
    await arrive_and_register(registry, register_id, "Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long",
                              "V/v báo cáo tình hình thực hiện nhiệm vụ quý II", "789/UBND-KGVX")
    incoming = pdf_text((await registry.book(register_id, "pdf")).content, tmp_path)
    assert ("Ngày đến Số đến Tác giả Số, ký hiệu Ngày tháng văn bản Tên loại và trích yếu nội dung Đơn vị hoặc người "
            "nhận Ngày chuyển Ký nhận Ghi chú") in incoming
    assert ("14/06/2031 01 Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long 789/UBND-KGVX 12/06/2031 Công văn: V/v báo cáo "
            "tình hình thực hiện nhiệm vụ quý II") in incoming


async def test_a_clerk_continues_the_previous_systems_series_over_the_api(registry: Registry) -> None:
    register = (await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")
                ).register  # type: ignore[attr-defined]
    start = pb.SetRegisterStartRequest(register_id=register.id, next_number=120, reason="Hệ thống cũ cấp đến số 119")
    await expect_code(grpc.StatusCode.PERMISSION_DENIED, registry.as_user("SetRegisterStart", start, "chuyenvien.ubnd"))
    await expect_code(grpc.StatusCode.NOT_FOUND, registry.as_user("SetRegisterStart", start, "vanthu.snv"))
    header = '"Số, ký hiệu văn bản",Ngày tháng văn bản,Tên loại và trích yếu nội dung văn bản\n'
    content = (header + "01/QĐ-UBND,05/01/2031,Quyết định: Quyết định về việc thành lập Ban chỉ đạo\n"
               "02/QĐ-UBND,2031-13-01,Quyết định: Quyết định sai ngày\n").encode()
    request = pb.ImportRegisterRequest(register_id=register.id, file_name="so-cu.csv", content=content, dry_run=True)
    dry = await registry.as_user("ImportRegister", request, "vanthu.ubnd")
    assert (dry.lines, dry.imported, dry.dry_run) == (2, 0, True)  # type: ignore[attr-defined]
    assert [(r.line, r.field) for r in dry.refusals] == [(3, "document_date")]  # type: ignore[attr-defined]
    request.content, request.dry_run = content.rsplit(b"02/", 1)[0], False
    done = await registry.as_user("ImportRegister", request, "quantri.ubnd")
    assert done.imported == 1 and [(y.year, y.first_number, y.last_number) for y in done.years] == [  # type: ignore[attr-defined]
        (2031, 1, 1)]
    await expect_code(grpc.StatusCode.FAILED_PRECONDITION, registry.as_user("SetRegisterStart", start, "vanthu.ubnd"))
    history = await registry.as_user("GetRegisterHistory", pb.GetRegisterHistoryRequest(register_id=register.id),
                                     "lanhdao.ubnd")
    assert [(h.action, h.actor) for h in history.entries] == [  # type: ignore[attr-defined]
        ("created", "vanthu.ubnd"), ("imported", "quantri.ubnd")]
    request.content = b"\x00\x01 not a book"
    await expect_code(grpc.StatusCode.INVALID_ARGUMENT, registry.as_user("ImportRegister", request, "vanthu.ubnd"))


async def test_a_book_vanthu_exported_reads_back_as_an_import(registry: Registry) -> None:
    source = (await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.ubnd")
              ).register  # type: ignore[attr-defined]
    for type_code, abstract, unit in (("quyet_dinh", "Quyết định về việc kiện toàn Hội đồng thi đua", ""),
                                      ("cong_van", "V/v chuẩn bị kỳ họp Hội đồng nhân dân", "TH")):
        await registry.numbered(source.id, Draft(direction=Direction.OUTGOING, type_code=type_code, abstract=abstract,
                                                 unit_abbreviation=unit, recipients=[Recipient(name=FORMULA)]))
    target = (await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")), "vanthu.snv")
              ).register  # type: ignore[attr-defined]
    for fmt in ("xlsx", "csv"):
        exported = (await registry.book(source.id, fmt, "vanthu.ubnd")).content
        report = await registry.as_user("ImportRegister", pb.ImportRegisterRequest(
            register_id=target.id, file_name=f"so-di.{fmt}", content=exported, dry_run=True), "vanthu.snv")
        assert (report.lines, list(report.refusals)) == (2, [])  # type: ignore[attr-defined]
    done = await registry.as_user("ImportRegister", pb.ImportRegisterRequest(
        register_id=target.id, file_name="so-di.csv", content=exported), "vanthu.snv")
    assert done.imported == 2  # type: ignore[attr-defined]
    docs = (await registry.as_user("ListDocuments", pb.ListDocumentsRequest(register_id=target.id), "vanthu.snv")
            ).documents  # type: ignore[attr-defined]
    assert sorted((d.number_symbol, d.type_code, d.imported, d.recipients[0].name) for d in docs) == [
        ("01/QĐ-UBND", "quyet_dinh", True, FORMULA), ("02/UBND-TH", "cong_van", True, FORMULA)]


async def expect_code(code: grpc.StatusCode, call: object) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    assert error.value.code() == code, error.value.details()


async def test_the_register_list_tells_the_number_each_register_gives_next(registry: Registry) -> None:
    register = (await registry.as_user("CreateRegister", pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi của Ủy ban", agency_abbreviation="UBND")), "vanthu.ubnd")
                ).register  # type: ignore[attr-defined]

    async def following(username: str = "vanthu.ubnd") -> dict[str, int]:
        listed = await registry.as_user("ListRegisters", pb.ListRegistersRequest(direction="outgoing"), username)
        return {r.id: r.next_number for r in listed.registers}  # type: ignore[attr-defined]

    assert (await following())[register.id] == 1
    await registry.as_user("SetRegisterStart", pb.SetRegisterStartRequest(
        register_id=register.id, next_number=120, reason="Hệ thống cũ đã cấp đến số 119"), "vanthu.ubnd")
    assert (await following())[register.id] == 120
    await registry.numbered(register.id, Draft(direction=Direction.OUTGOING, type_code="cong_van",
                                               abstract="V/v tổng kết công tác văn thư năm", unit_abbreviation="VP",
                                               recipients=[Recipient(name=FORMULA)]))
    assert (await following())[register.id] == 121
    assert register.id not in await following("vanthu.snv")  # another agency's registers are not listed
