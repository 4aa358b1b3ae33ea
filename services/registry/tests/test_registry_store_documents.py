"""Documents, registers and numbering on a real SQLite file and a real PostgreSQL server."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core import subjects
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import meta_of, subject_of
from vanthu_core.ids import new_id
from vanthu_registry.documents_store import DocumentFilter, DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole, SenderInfo, Status
from vanthu_registry.domain.registers import Register
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import outbox
from vanthu_testing.events import outbox_events

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
SNV = "000.00.02.H61"


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Db:
    url: str
    engines: list[AsyncEngine] = field(default_factory=list)

    def store(self, clock: Callable[[], datetime]) -> DocumentStore:
        """A store on its own engine (connection pool), as a separate service replica would have."""
        engine = create_engine(self.url)
        self.engines.append(engine)
        return DocumentStore(session_factory(engine), clock=clock)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Db]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    database = Db(url)
    yield database
    for engine in database.engines:
        await engine.dispose()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def store(db: Db, clock: MovableClock) -> DocumentStore:
    store = db.store(clock)
    await store.seed_types()
    return store


async def outgoing_register(store: DocumentStore, agency: str = UBND, abbreviation: str = "UBND") -> Register:
    return await store.create_register(agency_code=agency, direction=Direction.OUTGOING, name="Sổ văn bản đi",
                                       agency_abbreviation=abbreviation, type_codes=[])


def outgoing(type_code: str = "quyet_dinh", abstract: str = "Quyết định về việc thành lập Tổ công tác đặc biệt",
             **kw: object) -> Draft:
    return Draft(direction=Direction.OUTGOING, type_code=type_code, abstract=abstract, **kw)  # type: ignore[arg-type]


def pdf_file(name: str = "dự thảo.pdf") -> DocumentFile:
    return DocumentFile(object_id=new_id(), sha256="cd" * 32, role=FileRole.MAIN, file_name=name,
                        content_type="application/pdf")


async def signed_draft(store: DocumentStore, agency: str = UBND, **kw: object) -> dict[str, object]:
    """A draft with its PDF, submitted and signed (the signed file as signing would store it)."""
    main = pdf_file()
    doc = await store.create(agency_code=agency, agency_name="UBND tỉnh Vĩnh Long", draft=outgoing(files=[main], **kw),
                             actor="chuyenvien.ubnd")
    await store.submit(agency_code=agency, document_id=str(doc["id"]), actor="chuyenvien.ubnd", actor_subject="")
    signed, replaced = await store.record_signed(agency_code=agency, document_id=str(doc["id"]),
                                                 signed=pdf_file("dự thảo.signed.pdf"), signed_from=main.object_id,
                                                 actor="lanhdao.ubnd")
    assert replaced == main.object_id
    return signed


async def issue_new(store: DocumentStore, register: Register, agency: str = UBND, **kw: object) -> dict[str, object]:
    """Number a new signed document (the seal, done by the signing service, is not part of the store)."""
    doc = await signed_draft(store, agency, **kw)
    return await store.number(agency_code=agency, document_id=str(doc["id"]), register_id=register.id,
                              actor="vanthu.ubnd")


async def test_issuing_builds_number_and_symbol_by_the_decree(store: DocumentStore) -> None:
    register = await outgoing_register(store)
    first = await issue_new(store, register, type_code="chi_thi", abstract="Chỉ thị về tăng cường phòng, chống lụt bão")
    assert first["number_symbol"] == "01/CT-UBND" and first["status"] == "numbered"
    assert first["document_date"] == date(2026, 3, 2)
    letter = await issue_new(store, register, type_code="cong_van", unit_abbreviation="VX",
                             abstract="V/v đôn đốc tiến độ giải ngân vốn đầu tư công")
    assert letter["number_symbol"] == "02/UBND-VX"  # letters carry no type abbreviation
    for _ in range(7):
        await issue_new(store, register)
    tenth = await issue_new(store, register, type_code="quy_dinh")
    assert tenth["number_symbol"] == "10/QyĐ-UBND"


async def test_a_letter_without_a_unit_abbreviation_is_not_issued_and_takes_no_number(store: DocumentStore) -> None:
    register = await outgoing_register(store)
    with pytest.raises(FailedPrecondition):
        await issue_new(store, register, type_code="cong_van")
    assert (await issue_new(store, register))["number"] == 1  # the failed attempt left no gap


async def test_numbers_are_gapless_under_20_clients_on_two_replicas(db: Db, clock: MovableClock) -> None:
    replica_a, replica_b = db.store(clock), db.store(clock)
    await replica_a.seed_types()
    register = await outgoing_register(replica_a)
    drafts = [await signed_draft(replica_a) for _ in range(40)]

    async def clerk(index: int) -> list[int]:
        replica = replica_a if index % 2 else replica_b
        numbers = []
        for doc in drafts[index::20]:
            issued = await replica.number(agency_code=UBND, document_id=str(doc["id"]), register_id=register.id,
                                          actor=f"vanthu{index}")
            numbers.append(int(issued["number"]))  # type: ignore[call-overload]
        return numbers

    results = await asyncio.gather(*(clerk(i) for i in range(20)))
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 41))
    symbols = {d["number_symbol"] for d in (await replica_b.find(UBND, DocumentFilter(), 100))[0]}
    assert len(symbols) == 40


async def test_numbering_restarts_on_1_january_vietnam_time(store: DocumentStore, clock: MovableClock) -> None:
    register = await outgoing_register(store)
    clock.now = datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)  # 23:59:59 on 31/12 in Vietnam
    await issue_new(store, register)
    last = await issue_new(store, register)
    assert (last["number"], last["document_date"]) == (2, date(2026, 12, 31))
    clock.now = datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC)  # 00:00 on 1/1/2027 in Vietnam, still 2026 in UTC
    first = await issue_new(store, register)
    assert (first["number"], first["number_symbol"], first["document_date"]) == (1, "01/QĐ-UBND", date(2027, 1, 1))


async def test_a_cancelled_document_keeps_its_number_and_numbers_are_not_reused(store: DocumentStore) -> None:
    register = await outgoing_register(store)
    first = await issue_new(store, register)
    cancelled = await store.cancel(agency_code=UBND, document_id=str(first["id"]), reason="Sai thẩm quyền ký",
                                   actor="vanthu.ubnd")
    assert (cancelled["status"], cancelled["number_symbol"]) == ("cancelled", "01/QĐ-UBND")
    assert (await issue_new(store, register))["number"] == 2
    with pytest.raises(FailedPrecondition):
        await store.number(agency_code=UBND, document_id=str(first["id"]), register_id=register.id, actor="x")


async def test_unknown_types_are_refused_and_an_agency_may_add_its_own(store: DocumentStore) -> None:
    with pytest.raises(InvalidArgument) as error:
        await store.create(agency_code=UBND, agency_name="", draft=outgoing(type_code="giay_phep_xay_dung"), actor="x")
    assert error.value.field == "type_code"
    from vanthu_registry.domain.doctypes import check_type

    await store.add_type(check_type("giay_phep_xay_dung", "Giấy phép xây dựng", "GPXD", SNV))
    register = await outgoing_register(store, SNV, "SXD")
    issued = await issue_new(store, register, agency=SNV, type_code="giay_phep_xay_dung")
    assert issued["number_symbol"] == "01/GPXD-SXD"
    with pytest.raises(InvalidArgument):  # another agency's specialised type is not yours
        await store.create(agency_code=UBND, agency_name="", draft=outgoing(type_code="giay_phep_xay_dung"), actor="x")


async def test_a_register_for_decisions_keeps_its_own_series(store: DocumentStore) -> None:
    general = await outgoing_register(store)
    decisions = await store.create_register(agency_code=UBND, direction=Direction.OUTGOING, name="Sổ quyết định",
                                            agency_abbreviation="UBND", type_codes=["quyet_dinh"])
    await issue_new(store, general, type_code="thong_bao")
    assert (await issue_new(store, decisions))["number_symbol"] == "01/QĐ-UBND"
    with pytest.raises(InvalidArgument) as error:
        await issue_new(store, decisions, type_code="thong_bao")
    assert error.value.field == "register_id"


async def test_incoming_duplicates_are_flagged_and_never_registered_silently(store: DocumentStore,
                                                                              clock: MovableClock) -> None:
    register = await store.create_register(agency_code=SNV, direction=Direction.INCOMING, name="Sổ văn bản đến",
                                           agency_abbreviation="", type_codes=[])
    sender = SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol="123/QĐ-UBND",
                        document_date=date(2026, 2, 27))
    arrival = Draft(direction=Direction.INCOMING, type_code="quyet_dinh", sender=sender,
                    abstract="Quyết định phê duyệt kế hoạch đào tạo, bồi dưỡng cán bộ năm 2026")
    first = await store.create(agency_code=SNV, agency_name="", draft=arrival, actor="vanthu.snv")
    assert first["status"] == "arrived" and not first["duplicate_of"]
    clock.now += timedelta(minutes=5)
    registered = await store.register_arrival(agency_code=SNV, document_id=str(first["id"]), register_id=register.id,
                                              actor="vanthu.snv")
    assert registered["number"] == 1 and registered["numbered_at"] == clock.now
    again = await store.create(agency_code=SNV, agency_name="", draft=arrival, actor="vanthu.snv")
    assert again["duplicate_of"] == first["id"]
    with pytest.raises(FailedPrecondition):
        await store.register_arrival(agency_code=SNV, document_id=str(again["id"]), register_id=register.id,
                                     actor="vanthu.snv")
    rejected = await store.reject(agency_code=SNV, document_id=str(again["id"]), reason="Trùng văn bản đã vào sổ",
                                  actor="vanthu.snv")
    assert rejected["status"] == Status.REJECTED and rejected["number"] is None


async def test_an_arrival_whose_signatures_fail_is_flagged(store: DocumentStore) -> None:
    sender = SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol="45/UBND-VP",
                        document_date=date(2026, 11, 26))
    file = DocumentFile(object_id="0190f0e0-0000-7000-8000-000000000001", sha256="ab" * 32, file_name="cv đến.pdf")
    arrival = Draft(direction=Direction.INCOMING, type_code="cong_van", sender=sender, files=[file],
                    abstract="V/v đẩy mạnh sử dụng chữ ký số trong cơ quan nhà nước")
    doc = await store.create(agency_code=SNV, agency_name="", draft=arrival, actor="vanthu.snv")
    assert doc["signature_check"] == "pending"
    note = "cv đến.pdf: KHÔNG HỢP LỆ (1 chữ ký; nội dung đã bị sửa đổi (băm không khớp))"
    assert await store.record_signature_check(agency_code=UBND, document_id=str(doc["id"]), valid=False, note=note,
                                              actor="vanthu-signing") is None  # another agency's id: dropped
    flagged = await store.record_signature_check(agency_code=SNV, document_id=str(doc["id"]), valid=False,
                                                 note=note, actor="vanthu-signing")
    assert flagged is not None and flagged["signature_check"] == "invalid" and flagged["signature_note"] == note
    history = await store.history(SNV, str(doc["id"]))
    assert [(h.action, h.actor) for h in history] == [("arrived", "vanthu.snv"),
                                                      ("signature_invalid", "vanthu-signing")]
    arrived, checked = await outbox_events(store.sessions, outbox)
    assert isinstance(arrived, ev.DocumentArrived) and arrived.files[0].sha256 == "ab" * 32
    assert isinstance(checked, ev.DocumentSignatureChecked) and checked.valid is False


async def test_an_arrival_whose_signatures_failed_or_are_unchecked_is_registered_only_with_a_reason(
        store: DocumentStore, clock: MovableClock) -> None:
    register = await store.create_register(agency_code=SNV, direction=Direction.INCOMING, name="Sổ văn bản đến",
                                           agency_abbreviation="", type_codes=[])
    file = DocumentFile(object_id="0190f0e0-0000-7000-8000-000000000002", sha256="cd" * 32, file_name="tờ trình.pdf")

    async def arrival(number_symbol: str) -> str:
        sender = SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                            number_symbol=number_symbol, document_date=date(2026, 3, 1))
        doc = await store.create(agency_code=SNV, agency_name="", actor="interchange", draft=Draft(
            direction=Direction.INCOMING, type_code="cong_van", sender=sender, files=[file],
            abstract="V/v triển khai Đề án 06 về dữ liệu dân cư"))
        return str(doc["id"])

    forged, unchecked = await arrival("77/UBND-NC"), await arrival("78/UBND-NC")
    note = "tờ trình.pdf: KHÔNG HỢP LỆ (nội dung đã bị sửa đổi)"
    await store.record_signature_check(agency_code=SNV, document_id=forged, valid=False, note=note,
                                       actor="vanthu-signing")
    for document_id, said in ((forged, "không hợp lệ (tờ trình.pdf: KHÔNG HỢP LỆ"),
                              (unchecked, "chưa được kiểm tra xong")):
        with pytest.raises(FailedPrecondition) as refused:
            await store.register_arrival(agency_code=SNV, document_id=document_id, register_id=register.id,
                                         actor="vanthu.snv")
        assert said in refused.value.message and "vào sổ với xác nhận và lý do" in refused.value.message
        with pytest.raises(InvalidArgument) as no_reason:
            await store.register_arrival(agency_code=SNV, document_id=document_id, register_id=register.id,
                                         actor="vanthu.snv", confirm_signature_problem=True, reason="  ")
        assert no_reason.value.field == "reason"
    reason = "Đã gọi điện xác minh với Văn phòng UBND tỉnh; văn bản khẩn"
    registered = await store.register_arrival(agency_code=SNV, document_id=forged, register_id=register.id,
                                              actor="vanthu.snv", confirm_signature_problem=True, reason=reason)
    assert (registered["status"], registered["number"]) == ("registered", 1)  # the refusals took no number
    entry = (await store.history(SNV, forged))[-1]
    assert (entry.action, entry.actor) == ("registered", "vanthu.snv")
    assert entry.changes["signature_problem_confirmed"] == [None, {"signature_check": "invalid", "reason": reason}]
    assert reason in entry.note and "chữ ký số là không hợp lệ" in entry.note  # in words, as the history shows it
    event = (await outbox_events(store.sessions, outbox, subjects.REGISTRY_DOCUMENT_REGISTERED))[-1]
    assert isinstance(event, ev.DocumentRegistered)
    assert event.signature_problem_reason == reason and event.signature_check == "invalid"
    await store.record_signature_check(agency_code=SNV, document_id=unchecked, valid=True, note="hợp lệ",
                                       actor="vanthu-signing")
    valid = await store.register_arrival(agency_code=SNV, document_id=unchecked, register_id=register.id,
                                         actor="vanthu.snv")
    assert valid["number"] == 2 and valid["arrived_at"] == clock.now


async def test_copies_share_one_yearly_series_in_the_copy_register(store: DocumentStore, clock: MovableClock) -> None:
    copies = await store.create_register(agency_code=UBND, direction=Direction.COPY, name="Sổ bản sao",
                                         agency_abbreviation="UBND", type_codes=[])
    register = await outgoing_register(store)
    source = await issue_new(store, register)
    first = await store.number_copy(agency_code=UBND, register_id=copies.id, form="SY", source_document_id=str(
        source["id"]), object_id="0190f0e0-0000-7000-8000-00000000000a", sha256="cd" * 32, actor="vanthu.ubnd")
    second = await store.number_copy(agency_code=UBND, register_id=copies.id, form="TrS", source_document_id="",
                                     object_id="", sha256="", actor="vanthu.ubnd")
    assert (first["number_symbol"], second["number_symbol"]) == ("01/SY-UBND", "02/TrS-UBND")
    with pytest.raises(InvalidArgument, match="Hình thức bản sao"):
        await store.number_copy(agency_code=UBND, register_id=copies.id, form="BS", source_document_id="",
                                object_id="", sha256="", actor="x")
    with pytest.raises(InvalidArgument, match="sổ bản sao"):  # an outgoing register does not number copies
        await store.number_copy(agency_code=UBND, register_id=register.id, form="SY", source_document_id="",
                                object_id="", sha256="", actor="x")
    with pytest.raises(InvalidArgument, match="Sổ đăng ký văn bản"):  # nor does another agency's copy register
        await store.number_copy(agency_code=SNV, register_id=copies.id, form="SY", source_document_id="",
                                object_id="", sha256="", actor="x")
    with pytest.raises(NotFound):  # the copied document must be the agency's own
        await store.number_copy(agency_code=UBND, register_id=copies.id, form="SL",
                                source_document_id="0190f0e0-0000-7000-8000-0000000000ff", object_id="", sha256="",
                                actor="x")
    with pytest.raises(InvalidArgument, match="Loại văn bản"):
        await store.create_register(agency_code=UBND, direction=Direction.COPY, name="Sổ sao quyết định",
                                    agency_abbreviation="UBND", type_codes=["quyet_dinh"])
    clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 January in Vietnam: a new series
    third = await store.number_copy(agency_code=UBND, register_id=copies.id, form="SL", source_document_id="",
                                    object_id="", sha256="", actor="vanthu.ubnd")
    assert third["number_symbol"] == "01/SL-UBND" and third["register_year"] == 2027
    numbered = await outbox_events(store.sessions, outbox, subjects.REGISTRY_COPY_NUMBERED)
    assert [e.number_symbol for e in numbered if isinstance(e, ev.CopyNumbered)] == ["01/SY-UBND", "02/TrS-UBND",
                                                                                    "01/SL-UBND"]


async def test_another_agency_cannot_see_or_touch_a_document(store: DocumentStore) -> None:
    register = await outgoing_register(store)
    doc = await issue_new(store, register)
    with pytest.raises(NotFound):
        await store.get(SNV, str(doc["id"]))
    with pytest.raises(NotFound):
        await store.cancel(agency_code=SNV, document_id=str(doc["id"]), reason="x", actor="x")
    assert (await store.find(SNV, DocumentFilter()))[0] == []
    with pytest.raises(InvalidArgument):  # nor number into its register
        other = await signed_draft(store, SNV)
        await store.number(agency_code=SNV, document_id=str(other["id"]), register_id=register.id, actor="x")


async def test_history_records_who_changed_what_and_events_are_in_the_outbox(store: DocumentStore) -> None:
    main = pdf_file()
    doc = await store.create(agency_code=UBND, agency_name="UBND", draft=outgoing(files=[main]),
                             actor="chuyenvien.ubnd", actor_subject="sub-cv")
    doc_id = str(doc["id"])
    with pytest.raises(PermissionDenied):  # only the drafter changes it
        await store.update_draft(agency_code=UBND, document_id=doc_id, actor="truongphong.ubnd",
                                 actor_subject="sub-tp", draft=outgoing(abstract="Một nội dung khác", files=[main]))
    await store.update_draft(agency_code=UBND, document_id=doc_id, actor="chuyenvien.ubnd", actor_subject="sub-cv",
                             draft=outgoing(abstract="Quyết định về việc kiện toàn Ban chỉ đạo chuyển đổi số",
                                            files=[main]))
    with pytest.raises(PermissionDenied):  # only the drafter submits
        await store.submit(agency_code=UBND, document_id=doc_id, actor="truongphong.ubnd", actor_subject="sub-tp")
    await store.submit(agency_code=UBND, document_id=doc_id, actor="chuyenvien.ubnd", actor_subject="sub-cv")
    returned = await store.return_draft(agency_code=UBND, document_id=doc_id, reason="Bổ sung căn cứ pháp lý",
                                        actor="lanhdao.ubnd")
    assert (returned["status"], returned["reason"]) == ("draft", "Bổ sung căn cứ pháp lý")
    await store.submit(agency_code=UBND, document_id=doc_id, actor="chuyenvien.ubnd", actor_subject="sub-cv")
    signed = pdf_file("dự thảo.signed.pdf")
    with pytest.raises(Conflict):  # what was signed is no longer the main file
        await store.record_signed(agency_code=UBND, document_id=doc_id, signed=signed, signed_from="another-object",
                                  actor="lanhdao.ubnd")
    await store.record_signed(agency_code=UBND, document_id=doc_id, signed=signed, signed_from=main.object_id,
                              actor="lanhdao.ubnd")
    register = await outgoing_register(store)
    await store.number(agency_code=UBND, document_id=doc_id, register_id=register.id, actor="vanthu.ubnd")
    await store.record_seal_failure(agency_code=UBND, document_id=doc_id, reason="không có hình ảnh con dấu",
                                    actor="vanthu.ubnd")
    assert (await store.get(UBND, doc_id))["seal_error"] == "không có hình ảnh con dấu"
    sealed = pdf_file("dự thảo.signed.signed.pdf")
    with pytest.raises(Conflict):  # every file must have its sealed version
        await store.complete_issue(agency_code=UBND, document_id=doc_id, sealed={}, actor="vanthu.ubnd")
    issued, replaced = await store.complete_issue(agency_code=UBND, document_id=doc_id,
                                                  sealed={signed.object_id: sealed}, actor="vanthu.ubnd")
    assert replaced == [signed.object_id] and issued["files"][0]["object_id"] == sealed.object_id
    assert (issued["status"], issued["seal_error"], issued["number_symbol"]) == ("issued", "", "01/QĐ-UBND")
    history = await store.history(UBND, doc_id)
    assert [(h.action, h.actor) for h in history] == [
        ("drafted", "chuyenvien.ubnd"), ("updated", "chuyenvien.ubnd"), ("submitted", "chuyenvien.ubnd"),
        ("returned", "lanhdao.ubnd"), ("submitted", "chuyenvien.ubnd"), ("signed", "lanhdao.ubnd"),
        ("numbered", "vanthu.ubnd"), ("seal_failed", "vanthu.ubnd"), ("issued", "vanthu.ubnd")]
    assert history[1].changes["abstract"][1] == "Quyết định về việc kiện toàn Ban chỉ đạo chuyển đổi số"
    assert history[6].changes["number_symbol"] == [None, "01/QĐ-UBND"]
    events = await outbox_events(store.sessions, outbox)
    assert [subject_of(e).rsplit(".", 1)[1] for e in events] == [
        "drafted", "submitted", "returned", "submitted", "signed", "issued",  # one says issued, none at numbering
        "audience_changed"]  # issued: the whole agency sees it
    assert list(events[-1].audience) == ["*"]
    issued_event = events[-2]
    assert isinstance(issued_event, ev.DocumentIssued) and issued_event.document.document_id == doc_id
    assert (meta_of(issued_event).agency_code, meta_of(issued_event).actor) == (UBND, "vanthu.ubnd")
    assert issued_event.files[0].object_id == sealed.object_id
    assert issued_event.document.number_symbol == "01/QĐ-UBND" and issued_event.document.status == "issued"


async def test_listing_filters_and_pages(store: DocumentStore) -> None:
    register = await outgoing_register(store)
    for i in range(5):
        await issue_new(store, register, abstract=f"Kế hoạch số {i} về phát triển đường giao thông nông thôn",
                        type_code="ke_hoach")
    await store.create(agency_code=UBND, agency_name="", draft=outgoing(abstract="Tờ trình xin chủ trương đầu tư",
                                                                         type_code="to_trinh"), actor="x")
    found, token = await store.find(UBND, DocumentFilter(text="duong giao thong"), 3)
    more, last = await store.find(UBND, DocumentFilter(text="đường giao thông"), 3, token)
    assert len(found) == 3 and len(more) == 2 and last == ""
    assert {d["id"] for d in found}.isdisjoint({d["id"] for d in more})
    drafts, _ = await store.find(UBND, DocumentFilter(status=Status.DRAFT))
    assert [d["type_code"] for d in drafts] == ["to_trinh"]
    assert len((await store.find(UBND, DocumentFilter(date_from=date(2026, 3, 3))))[0]) == 0
    with pytest.raises(InvalidArgument):
        await store.find(UBND, DocumentFilter(), 3, "not-a-token")


async def test_an_abstract_typed_with_a_look_alike_of_đ_is_found_by_đ_and_by_d(store: DocumentStore) -> None:
    created = await store.create(agency_code=UBND, agency_name="", actor="x", draft=outgoing(
        abstract="\u00d0ề án phát triển du lịch", type_code="de_an"))  # Ð: Latin capital eth, not Đ
    for query in ("đề án", "de an", "ĐỀ ÁN"):
        found, _ = await store.find(UBND, DocumentFilter(text=query))
        assert [d["id"] for d in found] == [created["id"]], query


async def test_concurrent_issues_of_one_draft_number_it_once_and_a_bad_request_fails_alone(
        store: DocumentStore) -> None:
    register = await outgoing_register(store)
    draft = await signed_draft(store)
    letter = await signed_draft(store, type_code="cong_van")
    others = [await signed_draft(store) for _ in range(3)]
    requests = [draft, draft, letter, *others]  # the same document twice, and a letter without a unit abbreviation
    results = await asyncio.gather(*(store.number(agency_code=UBND, document_id=str(d["id"]), register_id=register.id,
                                                  actor="vanthu.ubnd") for d in requests), return_exceptions=True)
    assert sum(isinstance(r, FailedPrecondition) for r in results) == 2
    numbers = sorted(int(r["number"]) for r in results if isinstance(r, dict))  # type: ignore[call-overload]
    assert numbers == [1, 2, 3, 4]


async def test_a_paper_arrival_says_so_in_its_event_so_nobody_verifies_its_scans(store: DocumentStore) -> None:
    sender = SenderInfo(agency_code="", agency_name="Công ty TNHH Phú Quý", number_symbol="12/CV-PQ",
                        document_date=date(2026, 11, 20))
    scan = DocumentFile(object_id="0190f0e0-0000-7000-8000-000000000003", sha256="ef" * 32, file_name="bản quét.pdf")
    doc = await store.create(agency_code=SNV, agency_name="", actor="vanthu.snv", draft=Draft(
        direction=Direction.INCOMING, type_code="cong_van", sender=sender, files=[scan], abstract="V/v mời họp",
        paper=True))
    assert doc["signature_check"] == "unsigned"
    (arrived,) = await outbox_events(store.sessions, outbox)
    assert isinstance(arrived, ev.DocumentArrived) and arrived.paper and arrived.files[0].object_id == scan.object_id


async def test_a_sender_typed_by_hand_is_found_by_words_of_its_name_with_or_without_tones(
        store: DocumentStore) -> None:
    """The clerk's "cơ quan ban hành" filter: a paper arrival from a sender the directory lacks has a name and no code;
    its name's words find it, tones optional, and no other sender's document."""
    for name, number in (("Công ty TNHH Phú Quý", "12/CV-PQ"), ("Hợp tác xã Đồng Tiến", "03/HTX")):
        await store.create(agency_code=SNV, agency_name="", actor="vanthu.snv", draft=Draft(
            direction=Direction.INCOMING, type_code="cong_van", abstract="V/v mời họp", paper=True,
            sender=SenderInfo(agency_code="", agency_name=name, number_symbol=number,
                              document_date=date(2026, 11, 20))))
    for words in ("phú quý", "cong ty phu quy", "PHU QUY"):
        found, _ = await store.find(SNV, DocumentFilter(issuer_text=words))
        assert [d["number_symbol"] for d in found] == ["12/CV-PQ"], words
    found, _ = await store.find(SNV, DocumentFilter(issuer_text="dong tien"))
    assert [d["issuing_agency_name"] for d in found] == ["Hợp tác xã Đồng Tiến"]
    assert (await store.find(SNV, DocumentFilter(issuer_text="Sở Nội vụ")))[0] == []
    assert (await store.find(UBND, DocumentFilter(issuer_text="phu quy")))[0] == []  # another agency's


async def test_a_list_of_tasks_reads_its_documents_by_id_and_only_its_own_agencys(store: DocumentStore) -> None:
    """The Văn bản đến work tabs show each task's số, ký hiệu, sender, date and urgency: one list by ids, not a
    GetDocument per row (each of which is a view in the access log)."""
    made = []
    for abstract in ("V/v một", "V/v hai", "V/v ba"):
        made.append(await store.create(agency_code=UBND, agency_name="UBND tỉnh Vĩnh Long", actor="chuyenvien.ubnd",
                                       draft=outgoing(type_code="cong_van", abstract=abstract)))
    other = await store.create(agency_code=SNV, agency_name="Sở Nội vụ", actor="chuyenvien.snv",
                               draft=outgoing(type_code="cong_van", abstract="V/v của Sở"))
    wanted = (str(made[0]["id"]), str(made[2]["id"]), str(other["id"]))
    found, _ = await store.find(UBND, DocumentFilter(ids=wanted))
    assert sorted(d["abstract"] for d in found) == ["V/v ba", "V/v một"]


async def test_an_arrival_goes_into_the_one_incoming_register_when_none_is_named(store: DocumentStore) -> None:
    """Decree 30/2020 Art. 22: arrivals take one series; a clerk need not name the register when there is one, and
    is asked to choose, with the registers named, when the agency opened a second on purpose."""
    sender = SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol="45/UBND-VX",
                        document_date=date(2026, 3, 2))
    draft = Draft(direction=Direction.INCOMING, type_code="cong_van", sender=sender,
                  abstract="V/v tăng cường công tác phòng, chống dịch bệnh trên đàn gia súc, gia cầm")
    first = await store.create(agency_code=SNV, agency_name="", draft=draft, actor="vanthu.snv")
    with pytest.raises(FailedPrecondition, match="chưa có sổ văn bản đến"):
        await store.register_arrival(agency_code=SNV, document_id=str(first["id"]), register_id="", actor="vanthu.snv")
    await store.create_register(agency_code=UBND, direction=Direction.INCOMING, name="Sổ văn bản đến UBND",
                                agency_abbreviation="", type_codes=[])  # another agency's is not Sở Nội vụ's
    with pytest.raises(FailedPrecondition):
        await store.register_arrival(agency_code=SNV, document_id=str(first["id"]), register_id="", actor="vanthu.snv")
    book = await store.create_register(agency_code=SNV, direction=Direction.INCOMING, name="Sổ văn bản đến",
                                       agency_abbreviation="", type_codes=[])
    registered = await store.register_arrival(agency_code=SNV, document_id=str(first["id"]), register_id="",
                                              actor="vanthu.snv")
    assert (registered["register_id"], registered["number"]) == (book.id, 1)
    second = await store.create(agency_code=SNV, agency_name="",
                                draft=replace(draft, sender=replace(
                                    sender, number_symbol="46/UBND-VX")), actor="vanthu.snv")
    await store.create_register(agency_code=SNV, direction=Direction.INCOMING, name="Sổ văn bản đến mật",
                                agency_abbreviation="", type_codes=[], separate_arrival_series=True)
    with pytest.raises(InvalidArgument) as choose:
        await store.register_arrival(agency_code=SNV, document_id=str(second["id"]), register_id="", actor="vanthu.snv")
    assert choose.value.field == "register_id" and "'Sổ văn bản đến mật'" in choose.value.message \
        and "hãy chọn sổ" in choose.value.message
    chosen = await store.register_arrival(agency_code=SNV, document_id=str(second["id"]), register_id=book.id,
                                          actor="vanthu.snv")
    assert (chosen["register_id"], chosen["number"]) == (book.id, 2)
