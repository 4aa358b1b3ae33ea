"""An arrival recorded by delivery key (``arrival_key``, interchange's ``<transport id>/<recipient>``) on a real SQLite
registry database migrated as in production: the same key twice is the same arrival (one row, one ``arrived``
event), found through the unique index when its insert meets it; another key, or the same key for another agency, is
another arrival."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.ids import new_id
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, Draft, SenderInfo
from vanthu_registry.server import MIGRATIONS
from vanthu_registry.store import outbox
from vanthu_registry.tables import DocumentRow

pytestmark = pytest.mark.integration
UBND, SNV, STP = "000.00.00.H61", "000.00.02.H61", "000.00.03.H61"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[DocumentStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    documents = DocumentStore(session_factory(engine))
    await documents.seed_types()
    yield documents
    await engine.dispose()


def arrival(number: int) -> Draft:
    return Draft(direction=Direction.INCOMING, type_code="cong_van", abstract=f"V/v liên thông văn bản số {number}",
                 sender=SenderInfo(UBND, "Ủy ban nhân dân tỉnh Vĩnh Long", f"{number}/UBND-VP", date(2031, 6, 14)))


async def record(store: DocumentStore, agency: str, number: int, key: str) -> str:
    made = await store.create(agency_code=agency, agency_name="Cơ quan nhận", draft=arrival(number),
                              actor="vanthu-interchange", document_id=new_id(), arrival_key=key)
    return str(made["id"])


async def test_the_same_delivery_key_twice_is_one_arrival(store: DocumentStore) -> None:
    first = await record(store, SNV, 12, f"p1/{SNV}")
    assert await record(store, SNV, 12, f"p1/{SNV}") == first  # a redelivery: the arrival made before
    other = await record(store, SNV, 13, f"p2/{SNV}")
    elsewhere = await record(store, STP, 12, f"p1/{STP}")
    assert len({first, other, elsewhere}) == 3
    async with store.sessions() as session:
        per_agency = dict((await session.execute(select(DocumentRow.agency_code, func.count())
                                                 .group_by(DocumentRow.agency_code))).all())
        arrived = (await session.execute(select(func.count()).select_from(outbox)
                                         .where(outbox.c.subject.like("%arrived%")))).scalar_one()
    assert per_agency == {SNV: 2, STP: 1}
    assert arrived == 3  # one "arrived" event per arrival, none for the repeat
