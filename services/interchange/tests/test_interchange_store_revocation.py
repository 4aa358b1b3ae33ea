"""Thu hồi on the sender's side, on a real SQLite database migrated as in production, with the registry stood in for
(only what the revoker asks of it): each sent delivery gets one status 13 package and waits, a delivery not sent is
cancelled here, a second revocation is refused while one is pending, and the answers (15, 16) settle the freeze."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from vanthu.registry.v1 import documents_pb2
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_edxml import Limits, StatusPackage, read_package
from vanthu_interchange.revoking import Revoker
from vanthu_interchange.routing import Router
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import InterchangeStore, NewDelivery

pytestmark = pytest.mark.integration
UBND, SNV, MINISTRY = "000.00.00.H61", "000.00.02.H61", "000.00.00.G09"
EDXML_ID = f"{UBND},2031/06/15,12/UBND-VP"


class RegistryStandIn:
    """What the revoker asks of the registry: the revocation recorded on the document, the sender's name."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str, str]] = []
        self.actors: list[str] = []

    async def record_revocation(self, agency_code: str, document_id: str, state: str, reason: str = "",
                                kind: str = "", *, actor: str = "") -> documents_pb2.Document:
        self.recorded.append((agency_code, document_id, state))
        self.actors.append(actor)
        return documents_pb2.Document(id=document_id, number_symbol="12/UBND-VP", document_date="2031-06-15")

    async def agency(self, code: str) -> Any:
        return None


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[InterchangeStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield InterchangeStore(session_factory(engine))
    await engine.dispose()


async def sent(store: InterchangeStore, document_id: str) -> None:
    await store.add_package(package_id=f"p-{document_id}", kind="edoc", sender_code=UBND, edxml_document_id=EDXML_ID,
                            body=b"<edXML/>", sha256="0" * 64, document_id=document_id, deliveries=[
                                NewDelivery(f"edoc/{document_id}/{SNV}", SNV, "Sở Nội vụ", "local", "sent"),
                                NewDelivery(f"edoc/{document_id}/{MINISTRY}", MINISTRY, "Bộ Nội vụ", "none", "failed",
                                            last_error="no route")], events=lambda rows: [])


async def test_a_revocation_asks_each_sent_recipient_once_and_cancels_the_unsent(store: InterchangeStore) -> None:
    registry = RegistryStandIn()
    revoker = Revoker(store, registry, Router(("000.00.*.H61",)))  # type: ignore[arg-type]
    await sent(store, "doc-1")
    with pytest.raises(NotFound):
        await revoker.revoke(UBND, "doc-unknown", "Ban hành nhầm", "vanthu.ubnd")
    with pytest.raises(NotFound):  # another agency's document: none of its deliveries
        await revoker.revoke(SNV, "doc-1", "Ban hành nhầm", "vanthu.snv")
    await revoker.revoke(UBND, "doc-1", "Ban hành nhầm", "Trần Thị Thu Hương", actor="vanthu.ubnd")
    deliveries = {d.recipient_code: (d, s) for d, s in await store.deliveries_of(UBND, "doc-1")}
    snv, statuses = deliveries[SNV]
    assert (snv.state, snv.revocation, [s.code for s in statuses]) == ("sent", "pending", ["13"])
    assert statuses[0].description == "Ban hành nhầm" and statuses[0].staff == "Trần Thị Thu Hương"
    assert registry.actors == ["vanthu.ubnd"]  # the document's history names the clerk who took it back
    ministry, _ = deliveries[MINISTRY]
    assert (ministry.state, ministry.revocation) == ("cancelled", "cancelled")
    assert registry.recorded == [(UBND, "doc-1", "pending")]

    # the status 13 package: From the sender, ResponseFor/OrganId the recipient (regulations digest §1.4)
    package = await store.package(statuses[0].package_id)
    assert package is not None
    status = read_package(package.body, Limits())
    assert isinstance(status, StatusPackage) and status.status_code == "13"
    assert status.sender.agency_code == UBND and status.response_for is not None
    assert (status.response_for.agency_code, status.response_for.document_id) == (SNV, EDXML_ID)

    with pytest.raises(FailedPrecondition, match="đang chờ"):
        await revoker.revoke(UBND, "doc-1", "Lần nữa", "vanthu.ubnd")

    # the recipient refuses (16): the delivery keeps its reason, the document is settled
    await store.add_status(kind="edoc", edxml_document_id=EDXML_ID, reporter_code=SNV, sender_code=UBND,
                           package_id="answer-16", code="16", description="Đã phân công xử lý", staff="vanthu.snv",
                           at=None, events=lambda d: [])
    await revoker.settle(UBND, "doc-1")
    ((snv, statuses),) = [(d, s) for d, s in await store.deliveries_of(UBND, "doc-1") if d.recipient_code == SNV]
    assert (snv.revocation, snv.revocation_reason, [s.code for s in statuses]) == (
        "refused", "Đã phân công xử lý", ["13", "16"])
    assert registry.recorded[-1] == (UBND, "doc-1", "settled")

    # after a 16 the clerk may ask again: a second 13, with a key of its own
    await revoker.revoke(UBND, "doc-1", "Đề nghị xem xét lại", "vanthu.ubnd")
    (snv_after,) = [s for d, s in await store.deliveries_of(UBND, "doc-1") if d.recipient_code == SNV]
    assert [s.code for s in snv_after] == ["13", "16", "13"]


async def test_a_recipient_that_returned_the_document_is_not_asked_and_the_revocation_settles(
        store: InterchangeStore) -> None:
    """Sở Nội vụ returned the letter (02), then UBND revoked it: the 13 went to Sở Nội vụ, whose registry refuses a
    revocation of a returned arrival (held there, no answer), so the revocation stayed pending for good and every
    later revocation was refused "đang chờ các nơi nhận trả lời" (found attacking interchange in `make dev`)."""
    registry = RegistryStandIn()
    revoker = Revoker(store, registry, Router(("000.00.*.H61",)))  # type: ignore[arg-type]
    await sent(store, "doc-2")
    for code, package_id in (("01", "answer-01"), ("02", "answer-02")):
        await store.add_status(kind="edoc", edxml_document_id=EDXML_ID, reporter_code=SNV, sender_code=UBND,
                               package_id=package_id, code=code, description="Sai nơi nhận" if code == "02" else "",
                               staff="vanthu.snv", at=None, events=lambda d: [])
    await revoker.revoke(UBND, "doc-2", "Ban hành nhầm", "vanthu.ubnd")
    deliveries = {d.recipient_code: (d, s) for d, s in await store.deliveries_of(UBND, "doc-2")}
    snv, statuses = deliveries[SNV]
    assert (snv.state, snv.revocation, [s.code for s in statuses]) == ("sent", "", ["01", "02"])
    assert not await store.revocation_pending(UBND, "doc-2")
    assert registry.recorded == [(UBND, "doc-2", "pending"), (UBND, "doc-2", "settled")]
