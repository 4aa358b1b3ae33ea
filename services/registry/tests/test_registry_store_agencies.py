"""The agency directory on a real SQLite file and a real PostgreSQL server."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import InvalidArgument
from vanthu_registry.domain.agencies import check_agency
from vanthu_registry.importer import check_rows, read_rows
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import AgencyFilter, AgencyStore, outbox

pytestmark = pytest.mark.integration
SEED = Path(__file__).parents[1] / "src" / "vanthu_registry" / "seed" / "vinh_long.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AgencyStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield AgencyStore(session_factory(engine))
    await engine.dispose()


async def seeded(store: AgencyStore) -> AgencyStore:
    rows, source = read_rows(SEED)
    await store.upsert_many(check_rows(rows, source), actor="test", actor_agency=None, administrator_of=None)
    return store


async def test_seed_imports_every_agency_and_filters_work(store: AgencyStore) -> None:
    await seeded(store)
    everything, _ = await store.find(AgencyFilter(), page_size=500)
    assert len(everything) == len(read_rows(SEED)[0])
    children, _ = await store.find(AgencyFilter(parent_code="000.00.00.H61"), page_size=500)
    assert all(a.parent_code == "000.00.00.H61" for a in children) and len(children) > 20
    level1, _ = await store.find(AgencyFilter(level=1), page_size=500)
    assert {a.code for a in level1} >= {"000.00.00.H61", "000.00.00.H59", "000.00.00.G22"}


async def test_each_agency_has_its_own_place_for_the_date_line(store: AgencyStore) -> None:
    await seeded(store)
    everything, _ = await store.find(AgencyFilter(), page_size=500)
    assert all(a.place for a in everything)  # a fresh install knows every seed agency's place
    assert (await store.get("000.00.00.H61")).place == "Vĩnh Long"  # UBND tỉnh Vĩnh Long
    assert (await store.get("000.00.02.H61")).place == "Vĩnh Long"  # a department writes the province's name
    assert (await store.get("000.00.41.H61")).place == "Long Châu"  # UBND phường Long Châu: the ward's own name
    await store.upsert_many([check_agency(code="000.00.41.H61", name="Ủy ban nhân dân phường Long Châu",
                                          parent_code="000.00.00.H61", place="Phường Long Châu")],
                            actor="quantri.longchau", actor_agency="000.00.41.H61",
                            administrator_of="000.00.41.H61")
    assert (await store.get("000.00.41.H61")).place == "Phường Long Châu"
    assert (await store.get("000.00.00.H61")).place == "Vĩnh Long"


async def test_active_at_follows_the_2025_merger(store: AgencyStore) -> None:
    await seeded(store)
    before, _ = await store.find(AgencyFilter(active_at=date(2025, 6, 30)), page_size=500)
    after, _ = await store.find(AgencyFilter(active_at=date(2025, 7, 1)), page_size=500)
    before_codes, after_codes = {a.code for a in before}, {a.code for a in after}
    assert "000.00.32.H61" in before_codes and "000.00.32.H61" not in after_codes  # huyện Long Hồ
    assert "000.00.41.H61" in after_codes and "000.00.41.H61" not in before_codes  # phường Long Châu
    assert "000.00.00.H59" not in after_codes  # Trà Vinh merged into Vĩnh Long


async def test_text_search_matches_with_and_without_diacritics(store: AgencyStore) -> None:
    await seeded(store)
    with_marks, _ = await store.find(AgencyFilter(text="Nội vụ"))
    without, _ = await store.find(AgencyFilter(text="noi vu"))
    assert [a.code for a in with_marks] == [a.code for a in without] == ["000.00.02.H61"]


async def test_text_search_matches_the_code_whole_or_in_part(store: AgencyStore) -> None:
    """A clerk who has the code from a letterhead or the axis's list types it (or its end): the picker finds it."""
    await seeded(store)
    assert [a.code for a in (await store.find(AgencyFilter(text="000.00.02.H61")))[0]] == ["000.00.02.H61"]
    assert [a.code for a in (await store.find(AgencyFilter(text="02.h61")))[0]] == ["000.00.02.H61"]
    assert [a.code for a in (await store.find(AgencyFilter(text="H61 nội vụ")))[0]] == ["000.00.02.H61"]
    assert (await store.find(AgencyFilter(text="%.H61")))[0] == []  # a LIKE wildcard is a character


async def test_cursor_paging_visits_every_agency_once(store: AgencyStore) -> None:
    await seeded(store)
    seen: list[str] = []
    token = ""
    while True:
        page, token = await store.find(AgencyFilter(), page_size=7, page_token=token)
        seen.extend(a.code for a in page)
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(read_rows(SEED)[0])
    with pytest.raises(InvalidArgument) as error:
        await store.find(AgencyFilter(), page_token="%%%not-a-token")
    assert error.value.field == "page.page_token"


async def test_unknown_parent_refuses_the_whole_batch_and_writes_nothing(store: AgencyStore) -> None:
    good = check_agency(code="000.00.00.H61", name="Ủy ban nhân dân tỉnh Vĩnh Long")
    orphan = check_agency(code="000.00.77.H61", name="Đơn vị mồ côi", parent_code="000.00.99.H61")
    with pytest.raises(InvalidArgument) as error:
        await store.upsert_many([good, orphan], actor="test", actor_agency=None, administrator_of=None)
    assert "parent_code" in error.value.field
    assert await store.count() == 0
    async with store.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar_one() == 0


async def test_every_change_writes_an_outbox_event_in_the_same_transaction(store: AgencyStore) -> None:
    created = await store.upsert_many([check_agency(code="000.00.00.H61", name="UBND tỉnh Vĩnh Long")],
                                      actor="u1", actor_agency=None,
                                      administrator_of=None)
    updated = await store.upsert_many([check_agency(code="000.00.00.H61", name="Ủy ban nhân dân tỉnh Vĩnh Long")],
                                      actor="u1", actor_agency=None,
                                      administrator_of=None)
    assert created == [True] and updated == [False]
    assert (await store.get("000.00.00.H61")).name == "Ủy ban nhân dân tỉnh Vĩnh Long"
    async with store.sessions() as session:
        subjects = (await session.execute(select(outbox.c.subject))).scalars().all()
    assert subjects == ["vanthu.registry.agency.upserted"] * 2


def test_import_file_errors_name_the_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "agencies.csv"
    bad.write_text("code,name,parent_code\n000.00.00.H61,UBND tỉnh Vĩnh Long,\n000.00.02.H61,,000.00.00.H61\n",
                   encoding="utf-8")
    rows, _ = read_rows(bad)
    with pytest.raises(InvalidArgument) as error:
        check_rows(rows, "test")
    assert error.value.field == "row 2.name"


async def test_an_administrator_is_checked_against_the_tree_as_stored_and_no_change_makes_a_cycle(
        store: AgencyStore) -> None:
    """Issue 11, item 1, on both backends: the check reads the directory in the writing transaction."""
    from vanthu_core.errors import PermissionDenied

    await seeded(store)
    taken = check_agency(code="000.00.02.H61", name="Sở Nội vụ", parent_code="000.00.41.H61")
    with pytest.raises(PermissionDenied):
        await store.upsert_many([taken], actor="quantri.longchau", actor_agency="000.00.41.H61",
                                administrator_of="000.00.41.H61")
    unit = check_agency(code="000.01.02.H61", name="Phòng Tổ chức cán bộ", parent_code="000.00.02.H61")
    await store.upsert_many([unit], actor="quantri.snv", actor_agency="000.00.02.H61", administrator_of="000.00.02.H61")
    under_own_unit = check_agency(code="000.00.02.H61", name="Sở Nội vụ", parent_code="000.01.02.H61")
    for administrator in ("000.00.00.H61", None):  # the province's admin, the operator's import
        with pytest.raises(InvalidArgument) as error:
            await store.upsert_many([under_own_unit], actor="x", actor_agency=None, administrator_of=administrator)
        assert error.value.field == "parent_code"
    assert (await store.get("000.00.02.H61")).parent_code == "000.00.00.H61"
