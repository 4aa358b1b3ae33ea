"""Registers that say what they number (one register per type and kind), legal-normative series, the unique
number and symbol, on a real SQLite file and a real PostgreSQL server; the 0005 migration on legacy data."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Conflict, FailedPrecondition, InvalidArgument
from vanthu_core.ids import new_id
from vanthu_registry.__main__ import seed_registers
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole
from vanthu_registry.domain.registers import Register
from vanthu_registry.registers_store import RegisterBooks
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.tables import DocumentRow, RegisterRow

pytestmark = pytest.mark.integration
UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def store(url: str, clock: MovableClock) -> AsyncIterator[DocumentStore]:
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    store = DocumentStore(session_factory(engine), clock=clock)
    await store.seed_types()
    yield store
    await engine.dispose()


async def opened(store: DocumentStore, name: str, types: tuple[str, ...] = (), *, direction: Direction =
                 Direction.OUTGOING, agency: str = UBND, legal_normative: bool = False,
                 separate: bool = False) -> Register:
    return await store.create_register(agency_code=agency, direction=direction, name=name,
                                       agency_abbreviation="UBND" if direction is not Direction.INCOMING else "",
                                       type_codes=list(types), legal_normative=legal_normative,
                                       separate_arrival_series=separate, actor="quantri.ubnd")


def pdf(name: str = "dự thảo.pdf") -> DocumentFile:
    return DocumentFile(new_id(), "cd" * 32, FileRole.MAIN, name, "application/pdf")


async def draft(store: DocumentStore, type_code: str = "quyet_dinh", *, legal_normative: bool = False,
                agency: str = UBND) -> str:
    """A draft with its PDF, submitted and signed: what the clerk issues."""
    main = pdf()
    doc = await store.create(agency_code=agency, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long", actor="chuyenvien.ubnd",
                             draft=Draft(direction=Direction.OUTGOING, type_code=type_code, files=[main],
                                         abstract="Quyết định ban hành Quy chế quản lý chợ trên địa bàn tỉnh",
                                         legal_normative=legal_normative))
    await store.submit(agency_code=agency, document_id=str(doc["id"]), actor="chuyenvien.ubnd", actor_subject="")
    await store.record_signed(agency_code=agency, document_id=str(doc["id"]), signed=pdf("ký.pdf"),
                              signed_from=main.object_id, actor="lanhdao.ubnd")
    return str(doc["id"])


async def issue(store: DocumentStore, document_id: str, register: Register | None = None,
                agency: str = UBND) -> dict[str, object]:
    """The numbering step of issuing (the seal is the signing service's)."""
    return await store.number(agency_code=agency, document_id=document_id, register_id=register.id if register else "",
                              actor="vanthu.ubnd")


async def test_a_decision_is_numbered_only_in_the_register_that_covers_it(store: DocumentStore) -> None:
    general = await opened(store, "Sổ văn bản đi")
    decisions = await opened(store, "Sổ quyết định", ("quyet_dinh",))
    assert (await issue(store, await draft(store), decisions))["number_symbol"] == "01/QĐ-UBND"
    with pytest.raises(InvalidArgument) as error:  # the general register would give 01/QĐ-UBND a second time
        await issue(store, await draft(store), general)
    assert error.value.field == "register_id" and "Sổ quyết định" in error.value.reason and decisions.id in \
        error.value.reason
    assert (await issue(store, await draft(store)))["number_symbol"] == "02/QĐ-UBND"  # empty: the covering one
    notice = await issue(store, await draft(store, "thong_bao"))
    assert (notice["number_symbol"], notice["register_id"]) == ("01/TB-UBND", general.id)


@pytest.mark.parametrize(("first", "second", "named"), [
    (("Sổ văn bản đi", ()), ("Sổ văn bản đi 2", ()), "Sổ văn bản đi"),
    (("Sổ quyết định", ("quyet_dinh",)), ("Sổ quyết định và chỉ thị", ("chi_thi", "quyet_dinh")), "Sổ quyết định"),
])
async def test_a_second_register_for_the_same_type_and_kind_is_refused_naming_the_first(
        store: DocumentStore, first: tuple[str, tuple[str, ...]], second: tuple[str, tuple[str, ...]],
        named: str) -> None:
    existing = await opened(store, first[0], first[1])
    with pytest.raises(Conflict) as error:
        await opened(store, second[0], second[1])
    assert f"'{named}' (mã {existing.id})" in error.value.message
    assert [r.name for r in await store.registers(UBND)] == [first[0]]
    await opened(store, second[0], second[1], agency=SNV)  # another agency numbers its own documents


async def test_legal_normative_documents_have_one_series_per_type_with_the_year(store: DocumentStore,
                                                                                clock: MovableClock) -> None:
    await opened(store, "Sổ văn bản đi")
    qppl = await opened(store, "Sổ quyết định quy phạm pháp luật", ("quyet_dinh",), legal_normative=True)
    with pytest.raises(Conflict, match="Sổ quyết định quy phạm pháp luật"):
        await opened(store, "Sổ QĐ QPPL 2", ("quyet_dinh",), legal_normative=True)
    resolutions = await opened(store, "Sổ nghị quyết quy phạm pháp luật", ("nghi_quyet",), legal_normative=True)
    first = await issue(store, await draft(store, legal_normative=True))
    assert (first["number_symbol"], first["register_id"]) == ("01/2026/QĐ-UBND", qppl.id)
    assert (await issue(store, await draft(store, "nghi_quyet", legal_normative=True)))["number_symbol"] == \
        "01/2026/NQ-UBND"
    assert (await issue(store, await draft(store, "nghi_quyet", legal_normative=True), resolutions))["number"] == 2
    individual = await issue(store, await draft(store))  # an individual decision: the general series, no year
    assert individual["number_symbol"] == "01/QĐ-UBND"
    clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2027 in Vietnam
    assert (await issue(store, await draft(store, legal_normative=True)))["number_symbol"] == "01/2027/QĐ-UBND"


async def test_concurrent_clerks_opening_the_same_register_get_one_register(url: str, store: DocumentStore) -> None:
    replicas = []
    for _ in range(4):  # separate engines, as separate service replicas
        engine = create_engine(url)
        replicas.append((engine, DocumentStore(session_factory(engine), clock=MovableClock())))
    try:
        results = await asyncio.gather(*(opened(replica, f"Sổ văn bản đi {i}") for i, (_, replica) in
                                         enumerate(replicas)), return_exceptions=True)
    finally:
        for engine, _ in replicas:
            await engine.dispose()
    assert sum(isinstance(r, Register) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Register))
    assert len(await store.registers(UBND)) == 1


@pytest.mark.parametrize(("types", "field"), [((), "type_codes"), (("quyet_dinh", "nghi_quyet"), "type_codes"),
                                              (("thong_bao",), "type_codes[0]")])
async def test_a_legal_normative_register_lists_exactly_one_type_that_can_be_one(
        store: DocumentStore, types: tuple[str, ...], field: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        await opened(store, "Sổ văn bản quy phạm pháp luật", types, legal_normative=True)
    assert error.value.field == field


async def test_a_document_that_cannot_be_legal_normative_is_refused_and_one_without_a_register_is_not_issued(
        store: DocumentStore) -> None:
    with pytest.raises(InvalidArgument) as error:
        await draft(store, "giay_moi", legal_normative=True)
    assert error.value.field == "legal_normative"
    await opened(store, "Sổ văn bản đi")
    document_id = await draft(store, legal_normative=True)
    with pytest.raises(FailedPrecondition, match="cho văn bản quy phạm pháp luật loại quyet_dinh"):
        await issue(store, document_id)
    qppl = await opened(store, "Sổ quyết định quy phạm pháp luật", ("quyet_dinh",), legal_normative=True)
    assert (await issue(store, document_id))["register_id"] == qppl.id


async def test_one_arrival_series_unless_a_second_is_opened_on_purpose(store: DocumentStore) -> None:
    main = await opened(store, "Sổ văn bản đến", direction=Direction.INCOMING)
    with pytest.raises(Conflict) as error:
        await opened(store, "Sổ văn bản đến (bộ phận một cửa)", direction=Direction.INCOMING)
    assert f"'Sổ văn bản đến' (mã {main.id})" in error.value.message and "dãy số đến riêng" in \
        error.value.message
    second = await opened(store, "Sổ văn bản đến (bộ phận một cửa)", direction=Direction.INCOMING, separate=True)
    assert second.separate_arrival_series
    [created] = await store.register_history(UBND, second.id)
    assert (created.action, created.actor) == ("created", "quantri.ubnd")
    assert created.changes["separate_arrival_series"] is True and "'Sổ văn bản đến'" in created.note
    copies = await opened(store, "Sổ bản sao", direction=Direction.COPY)
    with pytest.raises(Conflict, match=copies.id):
        await opened(store, "Sổ bản sao 2", direction=Direction.COPY)
    with pytest.raises(InvalidArgument) as refused:
        await opened(store, "Sổ văn bản đi", separate=True)
    assert refused.value.field == "separate_arrival_series"


async def test_a_taken_number_and_symbol_is_refused_cleanly_and_the_database_forbids_it(store: DocumentStore) -> None:
    decisions = await opened(store, "Sổ quyết định", ("quyet_dinh",))
    await issue(store, await draft(store), decisions)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    legacy = dict(agency_code=UBND, direction="outgoing", status="issued", type_code="quyet_dinh",
                  abstract="Quyết định cũ", created_by="x", created_at=now, updated_at=now, register_year=2026,
                  number_symbol="02/QĐ-UBND", number=2)
    async with store.sessions() as session, session.begin():  # held by an entry of another series (legacy data)
        session.add(DocumentRow(id="0190f0e0-0000-7000-8000-0000000000aa", **legacy))
    pending = await draft(store)
    with pytest.raises(Conflict) as error:
        await issue(store, pending, decisions)
    assert "02/QĐ-UBND" in error.value.message and "0190f0e0-0000-7000-8000-0000000000aa" in error.value.message
    with pytest.raises(IntegrityError):  # the unique index is the last guard
        async with store.sessions() as session, session.begin():
            session.add(DocumentRow(id="0190f0e0-0000-7000-8000-0000000000ab", **legacy))
    async with store.sessions() as session:
        assert (await session.get(DocumentRow, pending)).status == "signed"  # type: ignore[union-attr]


async def test_a_specialised_type_cannot_take_the_abbreviation_of_another(store: DocumentStore) -> None:
    from vanthu_registry.domain.doctypes import check_type

    with pytest.raises(Conflict, match="Quyết định"):  # its symbols would read like decisions': 05/QĐ-UBND
        await store.add_type(check_type("quyet_dinh_xu_phat", "Quyết định xử phạt", "QĐ", UBND))
    await store.add_type(check_type("quyet_dinh_xu_phat", "Quyết định xử phạt", "QĐXP", UBND))


async def test_two_registers_made_before_the_rule_number_nothing_until_one_is_closed(
        store: DocumentStore, clock: MovableClock) -> None:
    first = await opened(store, "Sổ văn bản đi")
    async with store.sessions() as session, session.begin():  # a second catch-all, as created before the rule
        session.add(RegisterRow(id="0190f0e0-0000-7000-8000-0000000000cc", agency_code=UBND, direction="outgoing",
                                name="Sổ văn bản đi (cũ)", agency_abbreviation="UBND", type_codes=[], active=True,
                                created_at=clock.now))
    document_id = await draft(store)
    with pytest.raises(FailedPrecondition) as error:
        await issue(store, document_id)
    assert first.id in error.value.message and "0190f0e0-0000-7000-8000-0000000000cc" in error.value.message
    books = RegisterBooks(store)
    closed = await books.close(agency_code=UBND, register_id="0190f0e0-0000-7000-8000-0000000000cc",
                               reason="Sổ trùng, tạo trước khi có quy tắc một sổ", actor="quantri.ubnd")
    assert not closed.active
    assert (await issue(store, document_id))["register_id"] == first.id
    [closing] = await store.register_history(UBND, closed.id)
    assert (closing.action, closing.actor, closing.note) == ("closed", "quantri.ubnd",
                                                             "Sổ trùng, tạo trước khi có quy tắc một sổ")
    with pytest.raises(FailedPrecondition, match="đã đóng rồi"):
        await books.close(agency_code=UBND, register_id=closed.id, reason="x", actor="x")


async def test_closing_a_register_mid_year_never_repeats_a_number_and_symbol(store: DocumentStore,
                                                                             clock: MovableClock) -> None:
    general = await opened(store, "Sổ văn bản đi")
    decisions = await opened(store, "Sổ quyết định", ("quyet_dinh",))
    await issue(store, await draft(store))  # 01/QĐ-UBND in the decisions' register
    await RegisterBooks(store).close(agency_code=UBND, register_id=decisions.id, reason="Gộp vào sổ chung",
                                     actor="quantri.ubnd")
    pending = await draft(store)
    with pytest.raises(Conflict, match="01/QĐ-UBND"):  # the general series would give it a second time this year
        await issue(store, pending)
    clock.now = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # a new year: one series for every type
    assert (await issue(store, pending))["number_symbol"] == "01/QĐ-UBND"
    assert (await store.get(UBND, pending))["register_id"] == general.id


async def test_the_seed_gives_every_document_one_register(url: str) -> None:
    await migrate(MIGRATIONS, url)
    settings = RegistrySettings(database_url=url)
    await seed_registers(settings)
    await seed_registers(settings)  # a second seed changes nothing
    engine = create_engine(url)
    try:
        store = DocumentStore(session_factory(engine), clock=MovableClock())
        ubnd = {r.name: r for r in await store.registers(UBND)}
        assert len(ubnd) == 5
        individual = await issue(store, await draft(store))
        normative = await issue(store, await draft(store, legal_normative=True))
        notice = await issue(store, await draft(store, "thong_bao"))
        assert [(d["number_symbol"], d["register_id"]) for d in (individual, normative, notice)] == [
            ("01/QĐ-UBND", ubnd["Sổ quyết định"].id), ("01/2026/QĐ-UBND", ubnd["Sổ quyết định quy phạm pháp luật"].id),
            ("01/TB-UBND", ubnd["Sổ văn bản đi"].id)]
        ward = await issue(store, await draft(store, legal_normative=True, agency=LONG_CHAU), agency=LONG_CHAU)
        assert ward["number_symbol"] == "01/2026/QĐ-UBND"  # the ward's own series
        for agency in (UBND, SNV, LONG_CHAU):
            directions = [r.direction for r in await store.registers(agency)]
            assert directions.count(Direction.INCOMING) == 1 and directions.count(Direction.COPY) == 1
    finally:
        await engine.dispose()


async def test_migration_0005_flags_numbers_given_twice_and_keeps_second_arrival_series(url: str) -> None:
    await migrate(MIGRATIONS, url, "0004")
    engine = create_engine(url)
    t = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            for rid, direction, name in (("r-general", "outgoing", "Sổ văn bản đi"),
                                         ("r-decisions", "outgoing", "Sổ quyết định"),
                                         ("r-in", "incoming", "Sổ văn bản đến"),
                                         ("r-in-2", "incoming", "Sổ văn bản đến 2")):
                await connection.execute(sa.text(
                    "INSERT INTO registers (id, agency_code, direction, name, agency_abbreviation, type_codes, active,"
                    " created_at) VALUES (:id, :agency, :direction, :name, 'UBND', '[]', :yes, :at)"),
                    {"id": rid, "agency": UBND, "direction": direction, "name": name, "yes": True,
                     "at": t.replace(second=len(rid))})
            for doc_id, register_id, minute in (("d-1", "r-decisions", 1), ("d-2", "r-general", 2)):
                await connection.execute(sa.text(
                    "INSERT INTO documents (id, agency_code, direction, status, type_code, abstract, search_key,"
                    " urgency, drafting_unit, unit_abbreviation, signer_name, signer_title, signer_competence, place,"
                    " recipients, files, answers_document_id, issuing_agency_code, issuing_agency_name,"
                    " number_symbol, register_id, register_year, number, numbered_at, duplicate_of, reason,"
                    " created_by, created_at, updated_at, version, signature_check, signature_note) VALUES"
                    " (:id, :agency, 'outgoing', 'issued', 'quyet_dinh', 'Quyết định về việc giao chỉ tiêu', '',"
                    " 'normal', '', '', '', '', '', '', '[]', '[]', '', :agency, '', '01/QĐ-UBND', :register, 2026,"
                    " 1, :at, '', '', 'x', :at, :at, 2, '', '')"),
                    {"id": doc_id, "agency": UBND, "register": register_id, "at": t.replace(minute=minute)})
    finally:
        await engine.dispose()
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        store = DocumentStore(session_factory(engine), clock=MovableClock())
        first, second = await store.get(UBND, "d-1"), await store.get(UBND, "d-2")
        assert (first["duplicate_of"], second["duplicate_of"]) == ("", "d-1")
        assert second["number_symbol"] == "01/QĐ-UBND"  # never renumbered
        flagged = (await store.history(UBND, "d-2"))[-1]
        assert flagged.action == "flagged" and "d-1" in flagged.note
        kept = {r.id: r.separate_arrival_series for r in await store.registers(UBND, Direction.INCOMING)}
        assert kept == {"r-in": False, "r-in-2": True}
        assert (await store.register_history(UBND, "r-in-2"))[0].action == "flagged"
    finally:
        await engine.dispose()
