"""The operator's bulk import of a directory (``import-agencies`` on a national directory) and the word search that
stays fast on it, on a real SQLite file and a real PostgreSQL server (issue 14)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import InvalidArgument
from vanthu_core.events import decode
from vanthu_registry.domain.agencies import check_agency
from vanthu_registry.importer import check_rows
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import AgencyFilter, AgencyStore, agency_words, outbox

pytestmark = pytest.mark.integration

PROVINCE = {"code": "000.00.00.H61", "name": "Ủy ban nhân dân tỉnh Vĩnh Long"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AgencyStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield AgencyStore(session_factory(engine))
    await engine.dispose()


async def imported(store: AgencyStore, rows: list[dict[str, Any]], chunk: int = 3) -> list[bool]:
    """What ``import-agencies`` writes; small chunks, so that a test's few rows take several bulk statements."""
    return await store.import_directory(check_rows(rows, "test"), actor="import", source="test", chunk=chunk)


def directory(units: int = 7) -> list[dict[str, Any]]:
    """A province, its Sở Nội vụ, and ``units`` phòng under it listed before their parent (the file's order is not
    the tree's)."""
    rows: list[dict[str, Any]] = [dict(PROVINCE)]
    rows += [{"code": f"000.{n:02d}.02.H61", "name": f"Phòng Tổ chức số {n} thuộc Sở Nội vụ tỉnh Vĩnh Long",
              "parent_code": "000.00.02.H61"} for n in range(1, units + 1)]
    rows.append({"code": "000.00.02.H61", "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": "000.00.00.H61"})
    return rows


async def outbox_events(store: AgencyStore) -> list[Any]:
    async with store.sessions() as session:
        rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
    return [decode(subject, payload) for subject, payload in rows]


async def test_bulk_import_writes_every_agency_in_the_file_order_flags_and_one_event(store: AgencyStore) -> None:
    rows = directory()
    created = await imported(store, rows)
    assert created == [True] * len(rows)
    assert await store.count() == len(rows)
    assert (await store.get("000.03.02.H61")).parent_code == "000.00.02.H61"
    events = await outbox_events(store)
    assert len(events) == 1 and isinstance(events[0], ev.DirectoryImported)
    assert (events[0].created, events[0].updated, events[0].source) == (len(rows), 0, "test")


async def test_a_bad_parent_in_the_middle_names_its_row_and_writes_nothing(store: AgencyStore) -> None:
    rows = directory()
    rows.insert(4, {"code": "000.00.77.H61", "name": "Đơn vị mồ côi", "parent_code": "000.00.99.H61"})
    with pytest.raises(InvalidArgument) as error:
        await imported(store, rows)
    assert error.value.field == "row 5.parent_code"
    assert "000.00.99.H61" in error.value.reason
    assert await store.count() == 0
    assert await outbox_events(store) == []


async def test_a_cycle_in_the_file_is_refused_naming_a_row_of_it(store: AgencyStore) -> None:
    rows = [dict(PROVINCE),
            {"code": "000.00.05.H61", "name": "Sở Tài chính", "parent_code": "000.00.06.H61"},
            {"code": "000.00.06.H61", "name": "Sở Tư pháp", "parent_code": "000.00.07.H61"},
            {"code": "000.00.07.H61", "name": "Sở Y tế", "parent_code": "000.00.05.H61"}]
    with pytest.raises(InvalidArgument) as error:
        await imported(store, rows)
    assert error.value.field == "row 2.parent_code"
    assert "000.00.05.H61 → 000.00.06.H61 → 000.00.07.H61 → 000.00.05.H61" in error.value.reason
    assert await store.count() == 0


async def test_a_file_that_puts_a_stored_agency_under_its_own_unit_is_refused(store: AgencyStore) -> None:
    await imported(store, directory(2))
    moved = [{"code": "000.00.02.H61", "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": "000.01.02.H61"}]
    with pytest.raises(InvalidArgument) as error:
        await imported(store, moved)
    assert error.value.field == "row 1.parent_code"
    assert (await store.get("000.00.02.H61")).parent_code == "000.00.00.H61"


async def test_a_reimport_updates_names_parents_and_search_words(store: AgencyStore) -> None:
    await imported(store, directory(3))
    again = [{"code": "000.00.02.H61", "name": "Sở Nội vụ và Dân tộc tỉnh Vĩnh Long", "parent_code": "000.00.00.H61"},
             {"code": "000.01.02.H61", "name": "Phòng Hành chính", "parent_code": "000.00.00.H61"},
             {"code": "000.00.03.H61", "name": "Sở Tài chính tỉnh Vĩnh Long", "parent_code": "000.00.00.H61"}]
    created = await imported(store, again)
    assert created == [False, False, True]
    assert (await store.get("000.01.02.H61")).parent_code == "000.00.00.H61"
    assert [a.code for a in (await store.find(AgencyFilter(text="dan toc")))[0]] == ["000.00.02.H61"]
    assert [a.code for a in (await store.find(AgencyFilter(text="hanh chinh")))[0]] == ["000.01.02.H61"]
    assert (await store.find(AgencyFilter(text="phong to chuc so 1")))[0] == []  # its old name's words are gone
    last = (await outbox_events(store))[-1]
    assert (last.created, last.updated) == (1, 2)
    async with store.sessions() as session:
        words = (await session.execute(select(func.count()).select_from(agency_words)
                                       .where(agency_words.c.code == "000.01.02.H61"))).scalar_one()
    assert words == len({"phong", "hanh", "chinh", "000.01.02.h61", "01.02.h61", "02.h61", "h61"})


async def test_search_puts_names_that_start_with_the_words_first_then_code_order(store: AgencyStore) -> None:
    await imported(store, [
        dict(PROVINCE),
        {"code": "000.00.01.H61", "name": "Văn phòng Sở Nội vụ", "parent_code": "000.00.00.H61"},
        {"code": "000.00.02.H61", "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": "000.00.00.H61"},
        {"code": "000.00.03.H61", "name": "Sở Nội thương", "parent_code": "000.00.00.H61"},
        {"code": "000.00.04.H61", "name": "Phòng Nội vụ huyện Long Hồ", "parent_code": "000.00.00.H61"},
    ])
    found = [a.code for a in (await store.find(AgencyFilter(text="so noi")))[0]]
    assert found == ["000.00.03.H61", "000.00.02.H61", "000.00.01.H61"]  # "sở nội thương" < "sở nội vụ" by name
    assert [a.code for a in (await store.find(AgencyFilter(text="Nội vụ")))[0]] == [
        "000.00.01.H61", "000.00.02.H61", "000.00.04.H61"]  # none starts with it: code order
    assert [a.code for a in (await store.find(AgencyFilter(text="H61 nội v")))[0]] == [
        "000.00.01.H61", "000.00.02.H61", "000.00.04.H61"]
    assert [a.code for a in (await store.find(AgencyFilter(text="03.h61")))[0]] == ["000.00.03.H61"]
    assert (await store.find(AgencyFilter(text="oi vu")))[0] == []  # words are matched from their start


async def test_search_pages_visit_every_match_once_across_both_parts(store: AgencyStore) -> None:
    rows = directory(9)
    rows += [{"code": f"000.00.{n:02d}.H61", "name": f"Văn phòng số {n} Sở Nội vụ", "parent_code": "000.00.00.H61"}
             for n in range(30, 36)]
    await imported(store, rows)
    seen: list[str] = []
    token = ""
    while True:
        page, token = await store.find(AgencyFilter(text="so noi vu"), page_size=4, page_token=token)
        seen += [a.code for a in page]
        if not token:
            break
    matches = [r["code"] for r in rows if "Sở Nội vụ" in r["name"]]
    assert len(seen) == len(set(seen)) == len(matches) and set(seen) == set(matches)
    assert seen[0] == "000.00.02.H61"  # the one whose name starts with the words
    with pytest.raises(InvalidArgument):
        await store.find(AgencyFilter(text="so noi vu"), page_token=(await store.find(AgencyFilter(), 1))[1])


async def test_upsert_keeps_the_search_words_of_one_agency_in_step(store: AgencyStore) -> None:
    await imported(store, [dict(PROVINCE)])
    await store.upsert_many([check_agency(code="000.00.09.H61", name="Sở Khoa học và Công nghệ",
                                          parent_code="000.00.00.H61")],
                            actor="quantri.ubnd", actor_agency="000.00.00.H61", administrator_of="000.00.00.H61")
    assert [a.code for a in (await store.find(AgencyFilter(text="khoa hoc")))[0]] == ["000.00.09.H61"]
    await store.upsert_many([check_agency(code="000.00.09.H61", name="Sở Công Thương", parent_code="000.00.00.H61")],
                            actor="quantri.ubnd", actor_agency="000.00.00.H61", administrator_of="000.00.00.H61")
    assert (await store.find(AgencyFilter(text="khoa hoc")))[0] == []
    assert [a.code for a in (await store.find(AgencyFilter(text="cong thuong")))[0]] == ["000.00.09.H61"]


async def test_a_large_import_builds_the_word_indexes_after_its_rows(store: AgencyStore,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import vanthu_registry.store as module

    monkeypatch.setattr(module, "REBUILD_WORDS", 1)  # a national directory's path, on a few rows
    await imported(store, directory(5))
    assert [a.code for a in (await store.find(AgencyFilter(text="phong to chuc so 4")))[0]] == ["000.04.02.H61"]
    await imported(store, directory(5))  # again: the words replaced, the unique index holds
    assert (await store.find(AgencyFilter(text="so noi vu")))[0][0].code == "000.00.02.H61"
    async with store.sessions() as session:
        words = (await session.execute(select(func.count()).select_from(agency_words))).scalar_one()
    assert words == sum(len(module.search_words(r["code"], r["name"])) for r in directory(5))


async def test_migration_0018_gives_the_agencies_already_held_their_search_words(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await migrate(MIGRATIONS, url, "0017")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO agencies (code, name, short_name, level, code_conforms, address, email, phone, source,"
                " place, search_key, updated_at) VALUES ('000.00.41.H61', 'Ủy ban nhân dân phường Long Châu', '', 2,"
                " 1, '', '', '', '', '', 'uy ban nhan dan phuong long chau', '2026-11-30 00:00:00.000000')"))
        await migrate(MIGRATIONS, url)
        store = AgencyStore(session_factory(engine))
        assert [a.code for a in (await store.find(AgencyFilter(text="phuong long ch")))[0]] == ["000.00.41.H61"]
        assert [a.code for a in (await store.find(AgencyFilter(text="41.h61")))[0]] == ["000.00.41.H61"]
    finally:
        await engine.dispose()
