"""Which arrival a revocation or an update names (:meth:`InterchangeStore.arrival_receipt`), on SQLite and on
PostgreSQL migrated as in production: the arrival made from the DocumentId named, else the arrival an earlier request
of the same sender to the same recipient reached whose package carried that DocumentId (an update that gave the
document a new number or date, regulations digest §1.3.3); never another sender's or another recipient's."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.ids import new_id
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import InterchangeStore, ReceiptRow

pytestmark = pytest.mark.integration
G22, H41, H14, H17 = "000.00.00.G22", "000.00.00.H41", "000.00.00.H14", "28.22.H17"
ORIGINAL = f"{G22},2031/06/15,123/VPCP-TTĐT"
UPDATED = f"{G22},2031/06/20,124/VPCP-TTĐT"


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[InterchangeStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield InterchangeStore(session_factory(engine))
    await engine.dispose()


async def receipt(store: InterchangeStore, *, recipient: str, sender: str, named: str, own: str, outcome: str,
                  arrival: str, kind: str = "edoc") -> ReceiptRow:
    """A package of ``sender`` whose own DocumentId is ``own``, naming ``named``, taken in for ``recipient``."""
    package_id = new_id()
    await store.store_received(package_id=package_id, kind=kind, sender_code=sender, edxml_document_id=own,
                               body=b"<edXML/>", sha256="0" * 64)
    return await store.add_receipt(ReceiptRow(
        id=new_id(), transport_id=package_id, package_id=package_id, kind=kind, recipient_code=recipient,
        sender_code=sender, edxml_document_id=named, outcome=outcome, document_id=arrival,
        response_for={"agency_code": sender, "code": "", "promulgation_date": "", "document_id": own}), [])


async def test_an_arrival_is_found_by_its_own_document_id_and_by_the_one_its_update_carried(
        store: InterchangeStore) -> None:
    made = await receipt(store, recipient=H41, sender=G22, named=ORIGINAL, own=ORIGINAL, outcome="accepted",
                         arrival="arrival-h41")
    await receipt(store, recipient=H14, sender=G22, named=ORIGINAL, own=ORIGINAL, outcome="accepted",
                  arrival="arrival-h14")
    assert await store.arrival_receipt(H41, G22, UPDATED) is None  # no update yet
    # the update of H41's arrival (a new number and date), recorded as a request on that arrival
    await receipt(store, recipient=H41, sender=G22, named=ORIGINAL, own=UPDATED, outcome="recorded",
                  arrival="arrival-h41")
    # an update held (named nothing) and a status receipt carrying the DocumentId elsewhere match nothing
    await receipt(store, recipient=H14, sender=G22, named="unknown", own=UPDATED, outcome="held", arrival="")
    await receipt(store, recipient=H14, sender=G22, named=UPDATED, own=UPDATED, outcome="recorded",
                  arrival="arrival-h14", kind="status")

    assert (await store.arrival_receipt(H41, G22, ORIGINAL)).id == made.id  # type: ignore[union-attr]
    found = await store.arrival_receipt(H41, G22, UPDATED)
    assert found is not None and found.document_id == "arrival-h41"
    assert await store.arrival_receipt(H14, G22, UPDATED) is None  # H14 received no update carrying it
    assert await store.arrival_receipt(H41, H17, UPDATED) is None  # another sender
    assert await store.arrival_receipt(H41, G22, "") is None
