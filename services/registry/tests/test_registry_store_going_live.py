"""Going live mid-year on a real SQLite file and a real PostgreSQL server: a register continues the previous
system's series from a set start, or after the entries imported from its register book (Decree 30/2020 Art. 15, 22;
Appendix IV columns)."""

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from google.protobuf.message import Message
from openpyxl import Workbook

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.events import subject_of
from vanthu_core.ids import new_id
from vanthu_registry.documents_store import DocumentFilter, DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole, SenderInfo
from vanthu_registry.domain.registers import Register
from vanthu_registry.register_import import read_book
from vanthu_registry.registers_store import ImportReport, RegisterBooks
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import outbox
from vanthu_testing.events import outbox_events

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
OUT_HEADER = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
              "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú"]
GOOD = [
    ["01/QĐ-UBND", "05/01/2026", "Quyết định: Quyết định về việc giao chỉ tiêu kế hoạch năm 2026",
     "KT. Phó Chủ tịch Nguyễn Văn Hưởng", "- Như Điều 3;\n- Lưu: VT", "Phòng Kinh tế", "5", "05/01/2026", "Hạnh", ""],
    ["02/UBND-VX", "06/01/2026", "Công văn: V/v tăng cường công tác phòng, chống dịch bệnh", "Trần Thị Thủy",
     "Sở Y tế", "", "", "", "", ""],
    ["45/TB-UBND", "29/05/2026", "Thông báo: Thông báo kết luận của Chủ tịch UBND tỉnh", "", "", "", "", "", "",
     "Số cuối của hệ thống cũ"],
]


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 6, 15, 2, 0, tzinfo=UTC))  # 09:00, 15/06 in Vietnam

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    store = DocumentStore(session_factory(engine), clock=MovableClock())
    await store.seed_types()
    yield store
    await engine.dispose()


def csv_book(*lines: list[str], header: list[str] = OUT_HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerow([str(i) for i in range(1, len(header) + 1)])  # the row of column numbers, as printed books have
    writer.writerows(lines)
    return ("\ufeff" + buffer.getvalue()).encode()


async def outgoing(store: DocumentStore, name: str = "Sổ văn bản đi") -> Register:
    return await store.create_register(agency_code=UBND, direction=Direction.OUTGOING, name=name,
                                       agency_abbreviation="UBND", type_codes=[])


async def import_csv(store: DocumentStore, register: Register, content: bytes, *, dry_run: bool,
                     file_name: str = "so-di-2026.csv") -> ImportReport:
    return await RegisterBooks(store).import_book(
        agency_code=register.agency_code, register_id=register.id, book=read_book(content, file_name,
                                                                                   register.direction),
        file_name=file_name, dry_run=dry_run, actor="vanthu.ubnd")


def pdf(name: str = "dự thảo.pdf") -> DocumentFile:
    return DocumentFile(new_id(), "cd" * 32, FileRole.MAIN, name, "application/pdf")


async def issue_signed(store: DocumentStore, draft: Draft, register: Register | None = None) -> dict[str, object]:
    """Draft (with its PDF), submit, sign and number: the registry's part of issuing (the seal is signing's)."""
    main = pdf()
    draft.files = [main]
    doc = await store.create(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long", actor="chuyenvien.ubnd", draft=draft)
    await store.submit(agency_code=UBND, document_id=str(doc["id"]), actor="chuyenvien.ubnd", actor_subject="")
    await store.record_signed(agency_code=UBND, document_id=str(doc["id"]), signed=pdf("ký.pdf"),
                              signed_from=main.object_id, actor="lanhdao.ubnd")
    return await store.number(agency_code=UBND, document_id=str(doc["id"]),
                              register_id=register.id if register else "", actor="vanthu.ubnd")


async def issue_decision(store: DocumentStore, register: Register | None = None) -> dict[str, object]:
    return await issue_signed(store, Draft(direction=Direction.OUTGOING, type_code="quyet_dinh",
                                           abstract="Quyết định về việc phê duyệt dự toán"), register)


async def subjects(store: DocumentStore) -> list[Message]:
    return await outbox_events(store.sessions, outbox)


async def test_a_register_continues_the_previous_systems_series_from_a_set_start(store: DocumentStore) -> None:
    register = await outgoing(store)
    books = RegisterBooks(store)
    with pytest.raises(InvalidArgument) as bad:
        await books.set_start(agency_code=UBND, register_id=register.id, next_number=1, reason="x", actor="x")
    assert bad.value.field == "next_number"
    start = await books.set_start(agency_code=UBND, register_id=register.id, next_number=46, actor="quantri.ubnd",
                                  reason="Hệ thống cũ đã cấp đến số 45 ngày 29/05/2026")
    assert (start.year, start.next_number) == (2026, 46)
    assert (await issue_decision(store, register))["number_symbol"] == "46/QĐ-UBND"
    with pytest.raises(FailedPrecondition, match="46"):  # set once a year
        await books.set_start(agency_code=UBND, register_id=register.id, next_number=60, reason="x", actor="x")
    [_, started] = await store.register_history(UBND, register.id)
    assert (started.action, started.actor, started.note) == ("start_set", "quantri.ubnd",
                                                             "Hệ thống cũ đã cấp đến số 45 ngày 29/05/2026")
    assert started.changes == {"year": 2026, "next_number": [None, 46]}
    assert [(e.register_id, e.year, e.next_number) for e in await subjects(store)
            if isinstance(e, ev.RegisterStartSet)] == [(register.id, 2026, 46)]
    decisions = await store.create_register(agency_code=UBND, direction=Direction.OUTGOING, name="Sổ quyết định",
                                            agency_abbreviation="UBND", type_codes=["quyet_dinh"])
    await issue_decision(store, decisions)
    with pytest.raises(FailedPrecondition, match="trước số đầu tiên"):
        await books.set_start(agency_code=UBND, register_id=decisions.id, next_number=10, reason="x", actor="x")
    store.clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # type: ignore[attr-defined]  # 1/1/2027 in Vietnam
    notice = await issue_signed(store, Draft(direction=Direction.OUTGOING, type_code="thong_bao",
                                             abstract="Thông báo lịch nghỉ Tết Nguyên đán"), register)
    assert notice["number_symbol"] == "01/TB-UBND"  # a new year starts at 01 again


async def test_a_dry_run_reports_every_line_it_would_refuse_and_why(store: DocumentStore) -> None:
    register = await outgoing(store)
    content = csv_book(
        *GOOD,
        ["02/TB-UBND", "07/01/2026", "Thông báo: Thông báo lịch tiếp công dân", "", "", "", "", "", "", ""],  # line 6
        ["03/QĐ-UBND", "31/02/2026", "Quyết định: Quyết định khen thưởng", "", "", "", "", "", "", ""],
        ["04/XYZ-UBND", "08/01/2026", "Về việc kiểm tra công vụ", "", "", "", "", "", "", ""],
        ["05/TB-UBND", "09/01/2026", "", "", "", "", "", "", "", ""],
        ["00/QĐ-UBND", "10/01/2026", "Quyết định: Quyết định số không", "", "", "", "", "", "", ""],
        ["06/2026/QĐ-UBND", "11/01/2026", "Quyết định: Quy định giá dịch vụ", "", "", "", "", "", "", ""],
        ["07/QĐ-UBND", "20/06/2026", "Quyết định: Quyết định ngày mai", "", "", "", "", "", "", ""],  # line 12
    )
    report = await import_csv(store, register, content, dry_run=True)
    assert (report.lines, report.imported, report.dry_run) == (10, 0, True)
    why = {(r.line, r.field): r.reason for r in report.refusals}
    assert sorted(why) == [(6, "number_symbol"), (7, "document_date"), (8, "title"), (9, "title"),
                           (10, "number_symbol"), (11, "title"), (12, "document_date")]
    assert "xuất hiện hai lần trong tệp (dòng 4 và 6)" in why[(6, "number_symbol")]
    assert "'31/02/2026' không phải ngày" in why[(7, "document_date")]
    assert "chưa rõ loại văn bản" in why[(8, "title")] and "'XYZ'" in why[(8, "title")]
    assert "trích yếu đang để trống" in why[(9, "title")]
    assert "nhỏ hơn dãy số" in why[(10, "number_symbol")]
    assert "quy phạm pháp luật" in why[(11, "title")] and "chưa có sổ đang dùng nào" in why[(11, "title")]
    assert "sau hôm nay (15/06/2026)" in why[(12, "document_date")]
    refused = await import_csv(store, register, content, dry_run=False)  # all or nothing
    assert refused.imported == 0 and len(refused.refusals) == 7
    assert (await store.find(UBND, DocumentFilter()))[0] == []
    assert [h.action for h in await store.register_history(UBND, register.id)] == ["created"]


async def test_imported_entries_become_documents_and_the_series_continues_after_them(store: DocumentStore) -> None:
    register = await outgoing(store)
    dry = await import_csv(store, register, csv_book(*GOOD), dry_run=True)
    assert dry.refusals == [] and dry.years == {2026: (1, 45)}
    report = await import_csv(store, register, csv_book(*GOOD), dry_run=False)
    assert (report.imported, report.years) == (3, {2026: (1, 45)})
    docs = {d["number"]: d for d in (await store.find(UBND, DocumentFilter(register_id=register.id)))[0]}
    first = docs[1]
    assert (first["status"], first["imported"], first["type_code"], first["number_symbol"]) == (
        "issued", True, "quyet_dinh", "01/QĐ-UBND")
    assert first["abstract"] == "Quyết định về việc giao chỉ tiêu kế hoạch năm 2026"
    assert (first["document_date"], first["signer_competence"], first["signer_title"]) == (
        date(2026, 1, 5), "KT.", "Phó Chủ tịch Nguyễn Văn Hưởng")
    assert [r["name"] for r in first["recipients"]] == ["Như Điều 3", "Lưu: VT"]
    assert docs[2]["type_code"] == "cong_van" and docs[45]["type_code"] == "thong_bao"
    [imported] = await store.history(UBND, str(first["id"]))
    assert (imported.action, imported.actor) == ("imported", "vanthu.ubnd")
    assert imported.note == "nhập từ sổ của hệ thống cũ: tệp so-di-2026.csv, dòng 3"
    assert imported.changes["book"] == {"copy_holder": "Phòng Kinh tế", "copies": "5", "sent_on": "05/01/2026",
                                        "received_by": "Hạnh"}
    assert (await store.register_history(UBND, register.id))[-1].changes == {
        "file": "so-di-2026.csv", "entries": 3, "years": {"2026": [1, 45]}}
    events = await subjects(store)
    assert [subject_of(e) for e in events] == ["vanthu.registry.register.imported"]  # nothing is sent again
    assert isinstance(events[0], ev.RegisterImported) and [(y.year, y.first_number, y.last_number)
                                                           for y in events[0].years] == [(2026, 1, 45)]
    assert (await issue_decision(store))["number_symbol"] == "46/QĐ-UBND"  # the series continues
    again = await import_csv(store, register, csv_book(
        GOOD[0], ["50/QĐ-UBND", "01/06/2026", "Quyết định: Quyết định bổ sung", "", "", "", "", "", "", ""]),
        dry_run=True)
    why = {r.line: r.reason for r in again.refusals}
    assert "đã có trong sổ này" in why[3]
    assert "vượt dãy số được nhập: từ số 46 trở đi" in why[4]


async def test_an_imported_number_and_symbol_is_never_given_twice(store: DocumentStore) -> None:
    general = await outgoing(store)
    decisions = await store.create_register(agency_code=UBND, direction=Direction.OUTGOING, name="Sổ quyết định",
                                            agency_abbreviation="UBND", type_codes=["quyet_dinh"])
    report = await import_csv(store, general, csv_book(GOOD[0]), dry_run=True)
    assert "'Sổ quyết định'" in report.refusals[0].reason  # a decision belongs to the decisions' register
    assert (await import_csv(store, decisions, csv_book(GOOD[0]), dry_run=False)).imported == 1
    assert (await issue_decision(store))["number_symbol"] == "02/QĐ-UBND"


async def test_an_arrival_book_in_xlsx_continues_the_arrival_series(store: DocumentStore) -> None:
    register = await store.create_register(agency_code=SNV, direction=Direction.INCOMING, name="Sổ văn bản đến",
                                           agency_abbreviation="", type_codes=[])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SỞ NỘI VỤ TỈNH VĨNH LONG"])
    sheet.append(["SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"])
    sheet.append([])
    sheet.append(["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                  "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"])
    sheet.append(list(range(1, 11)))
    sheet.append([datetime(2026, 5, 28, 14, 30), 311, "Ủy ban nhân dân tỉnh Vĩnh Long", "456/UBND-NC",
                  datetime(2026, 5, 27), "V/v rà soát biên chế năm 2026", "Phòng Tổ chức", None, None, None])
    sheet.append(["29/05/2026", "312", "=HYPERLINK(\"http://x\",\"y\")", "12/QĐ-UBND", "28/05/2026",
                  "Quyết định: Quyết định điều động công chức", "", "", "", ""])
    sheet["C7"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    report = await RegisterBooks(store).import_book(
        agency_code=SNV, register_id=register.id, book=read_book(buffer.getvalue(), "so-den.xlsx", Direction.INCOMING),
        file_name="so-den.xlsx", dry_run=False, actor="vanthu.snv")
    assert (report.refusals, report.imported, report.years) == ([], 2, {2026: (311, 312)})
    docs = {d["number"]: d for d in (await store.find(SNV, DocumentFilter(direction=Direction.INCOMING)))[0]}
    assert (docs[311]["status"], docs[311]["type_code"], docs[311]["issuing_agency_name"]) == (
        "registered", "cong_van", "Ủy ban nhân dân tỉnh Vĩnh Long")
    assert docs[311]["arrived_at"] == datetime(2026, 5, 28, 7, 30, tzinfo=UTC)  # 14:30 in Vietnam
    assert (docs[312]["type_code"], docs[312]["issuing_agency_name"]) == ("quyet_dinh", '=HYPERLINK("http://x","y")')
    arrival = await store.create(agency_code=SNV, agency_name="", actor="vanthu.snv", draft=Draft(
        direction=Direction.INCOMING, type_code="cong_van", abstract="V/v báo cáo công tác cải cách hành chính",
        sender=SenderInfo(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long", number_symbol="500/UBND-NC",
                          document_date=date(2026, 6, 12))))
    registered = await store.register_arrival(agency_code=SNV, document_id=str(arrival["id"]),
                                              register_id=register.id, actor="vanthu.snv")
    assert registered["number"] == 313


def test_a_file_without_the_books_columns_is_refused_naming_them() -> None:
    with pytest.raises(InvalidArgument) as error:
        read_book(b"STT,Noi dung\n1,abc\n", "cu.csv", Direction.OUTGOING)
    assert error.value.field == "file" and "'Số, ký hiệu văn bản'" in error.value.reason
    with pytest.raises(InvalidArgument, match="UTF-8"):
        read_book("Số, ký hiệu".encode("utf-16"), "cu.csv", Direction.OUTGOING)
