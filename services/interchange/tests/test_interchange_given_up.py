"""A message the consumers give up on is a failed delivery the operator sees and resends, never a silent dead letter;
the same package handled twice at once has one effect.

The receiving side (``interchange-dispatched``) and the sending side (``interchange-issued``) against a real
nats-server (the bus tries each message ``max_deliver`` times, then calls the handler's ``give_up`` before it
dead-letters it), a real SQLite database migrated to head, and the in-memory registry and storage of ``conftest``
(which a test makes unavailable, as an outage that outlasts every retry).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf.message import Message
from sqlalchemy import select

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.bus import EventBus
from vanthu_core.errors import Unavailable
from vanthu_core.events import new_meta
from vanthu_interchange import events
from vanthu_interchange.__main__ import failed as failed_command
from vanthu_interchange.receiving import wire_instant
from vanthu_interchange.routing import LOCAL
from vanthu_interchange.sending import Sender
from vanthu_interchange.settings import InterchangeSettings
from vanthu_interchange.store import DeliveryRow, NewDelivery, PackageRow
from vanthu_interchange.transmit import Transmitter
from vanthu_testing.nats import NatsServer

#: As in conftest.py (not importable under --import-mode=importlib): the harness's packages go from SENDER to RECIPIENT.
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
PDF = b"%PDF-1.7\n%%EOF\n"
NOW = datetime(2031, 6, 15, 3, 0, tzinfo=UTC)
Harness = Any  # conftest.Harness

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[EventBus]:
    bus = nats_server.bus(client_name="interchange-test")
    await bus.connect()
    await bus.wait_for_streams(timeout_s=10)
    yield bus
    await bus.close()


async def until(check: Callable[[], Any], what: Callable[[], Any], timeout_s: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met after {timeout_s} s; last seen: {await what()}")


def registry_down(harness: Harness) -> None:
    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("registry: the registry is not answering")

    harness.registry.record_arrival = unavailable  # type: ignore[method-assign]


async def local_delivery(harness: Harness, body: bytes) -> DeliveryRow:
    """A document of SENDER sent to RECIPIENT inside this installation, as the sending side writes it."""
    [row] = await harness.store.add_package(
        package_id="pkg-1", kind="edoc", sender_code=SENDER, edxml_document_id="doc-x", body=body,
        sha256=hashlib.sha256(body).hexdigest(), document_id="outgoing-1",
        deliveries=[NewDelivery(f"edoc/outgoing-1/{RECIPIENT}", RECIPIENT, "", LOCAL, "sent")],
        events=lambda rows: [])
    return row


async def test_a_package_given_up_on_is_a_failed_delivery_and_resending_takes_it_in(
        harness: Harness, make_body: Any, bus: EventBus, capsys: pytest.CaptureFixture[str]) -> None:
    delivery = await local_delivery(harness, make_body())
    registry_down(harness)
    await bus.publish(events.dispatched(delivery))
    await bus.subscribe("interchange-dispatched", "vanthu.interchange.package.dispatched", harness.receiver,
                        max_deliver=2, backoff_s=(0.05,), key=lambda m: events.conversation(m),  # type: ignore[arg-type]
                        on_give_up=harness.receiver.give_up)

    async def failed() -> list[DeliveryRow]:
        return await harness.store.failed()

    await until(lambda: _nonempty(failed()), failed)
    [row] = await harness.store.failed()
    assert row.id == delivery.id and row.state == "failed"
    assert "registry is not answering" in row.last_error and "failed 2 times" in row.last_error
    assert await harness.receipts() == []
    updated = [e for e in await harness.events() if isinstance(e, ev.DeliveryUpdated)]
    assert [(e.delivery_id, e.state) for e in updated] == [(delivery.id, "failed")]  # the sender's timeline

    # the operator sees it ...
    settings = InterchangeSettings(database_url=str(harness.store.sessions.kw["bind"].url))
    assert await failed_command(settings, None) == 0
    assert f"{delivery.id} edoc {SENDER} -> {RECIPIENT}" in capsys.readouterr().out

    # ... and resends it once the registry is back: dispatched again, taken in once
    harness.registry.record_arrival = type(harness.registry).record_arrival.__get__(harness.registry)  # type: ignore[method-assign]
    assert await harness.store.reopen(delivery.id) is not None
    transmitter = Transmitter(harness.store, harness.receiver.router, max_attempts=3, initial_s=1, max_s=10)
    assert await transmitter.send_due() == 1
    again = [e for e in await harness.events() if isinstance(e, ev.PackageDispatched)]
    assert len(again) == 1 and again[0].package_id == delivery.package_id
    await bus.publish(again[0])

    async def receipts() -> list[Any]:
        return await harness.receipts()

    await until(lambda: _nonempty(receipts()), receipts)
    [receipt] = [r for r in await harness.receipts() if r.kind == "edoc"]  # and the 01's, taken in for SENDER
    assert receipt.outcome == "accepted" and len(harness.registry.arrivals) == 1
    assert (await harness.store.delivery(delivery.id)).state == "sent"  # type: ignore[union-attr]


async def _nonempty(rows: Any) -> bool:
    return bool(await rows)


async def test_giving_up_after_the_package_was_taken_in_changes_nothing(harness: Harness, make_body: Any) -> None:
    delivery = await local_delivery(harness, make_body())
    await harness.receiver(events.dispatched(delivery))
    await harness.receiver.give_up(events.dispatched(delivery), "failed 5 times; last error: timeout")
    assert await harness.store.failed() == []
    assert (await harness.store.delivery(delivery.id)).state == "sent"  # type: ignore[union-attr]


# -- the sending side --------------------------------------------------------------------------------------------------
def issued_document() -> documents_pb2.Document:
    return documents_pb2.Document(
        id="outgoing-7", agency_code=SENDER, direction="outgoing", status="issued", type_code="cong_van",
        type_name="Công văn", abstract="V/v triển khai đường truyền số liệu chuyên dùng", urgency="normal",
        place="Hà Nội", number_symbol="7/VPCP-TTĐT", document_date="2031-06-14",
        signer=documents_pb2.Signer(name="Nguyễn Văn Đức", title="Phó Chủ nhiệm"),
        recipients=[documents_pb2.Recipient(agency_code=RECIPIENT, name="Văn phòng UBND tỉnh Nghệ An")],
        files=[documents_pb2.DocumentFile(object_id="obj-main", role="main", file_name="7-VPCP.pdf",
                                          content_type="application/pdf")])


def issued_event(document: documents_pb2.Document) -> registry_events.DocumentIssued:
    return registry_events.DocumentIssued(
        meta=new_meta(actor="vanthu.vpcp", agency=SENDER),
        document=registry_events.DocumentState(document_id=document.id, direction="outgoing", status="issued"),
        recipients=list(document.recipients))


async def test_an_issued_document_given_up_on_fails_per_recipient_and_is_built_when_resent(harness: Harness) -> None:
    document = issued_document()
    down = [True]

    async def issued(agency: str, document_id: str) -> documents_pb2.Document:
        if down[0]:
            raise Unavailable("registry: the registry is not answering")
        assert (agency, document_id) == (SENDER, document.id)
        return document

    harness.registry.issued_document = issued  # type: ignore[method-assign]
    harness.registry.agencies[SENDER] = registry_pb2.Agency(code=SENDER, name="Văn phòng Chính phủ")
    harness.storage.objects["obj-main"] = (SENDER, "7-VPCP.pdf", PDF)
    router = harness.receiver.router
    sender = Sender(harness.store, harness.registry, harness.storage, router, clock=lambda: NOW)  # type: ignore[arg-type]
    event = issued_event(document)
    with pytest.raises(Unavailable):
        await sender(event)
    await sender.give_up(event, "failed 5 times; last error: Unavailable('registry: the registry is not answering')")
    await sender.give_up(event, "again")  # a second give-up (another replica) adds nothing

    [row] = await harness.store.failed()
    assert (row.sender_code, row.recipient_code, row.document_id, row.kind) == (SENDER, RECIPIENT, document.id,
                                                                                 "edoc")
    assert "Không gửi được văn bản" in row.last_error and "not answering" in row.last_error
    timeline = await harness.store.deliveries_of(SENDER, document.id)
    assert [(d.recipient_code, d.state) for d, _ in timeline] == [(RECIPIENT, "failed")]
    await sender(event)  # a redelivery of the event finds the deliveries: nothing more
    assert len(await harness.store.failed()) == 1

    down[0] = False
    assert await harness.store.reopen(row.id) is not None
    transmitter = Transmitter(harness.store, router, max_attempts=3, initial_s=1, max_s=10, rebuild=sender.rebuild)
    assert await transmitter.send_due() == 1
    sent = await harness.store.delivery(row.id)
    assert sent is not None and sent.state == "sent" and sent.edxml_document_id.endswith("7/VPCP-TTĐT")
    async with harness.store.sessions() as session:
        package = (await session.scalars(select(PackageRow).where(PackageRow.id == row.package_id))).one()
    assert b"7/VPCP" in package.body and package.sha256 == hashlib.sha256(package.body).hexdigest()
    dispatched = [e for e in await harness.events() if isinstance(e, ev.PackageDispatched)]
    assert [(e.package_id, e.recipient_code, e.document_id) for e in dispatched] == [
        (row.package_id, RECIPIENT, document.id)]
    receipt = await harness.receiver.take_in(row.package_id, row.package_id, RECIPIENT)
    assert receipt.outcome == "accepted"


async def test_the_same_package_taken_in_twice_at_once_has_one_effect(harness: Harness, make_body: Any) -> None:
    delivery = await local_delivery(harness, make_body())
    message: Message = events.dispatched(delivery)
    await asyncio.gather(harness.receiver(message), harness.receiver(message), harness.receiver(message))
    # one arrival's receipt, and the receipt of its 01 taken in for SENDER (served here too)
    assert sorted(r.kind for r in await harness.receipts()) == ["edoc", "status"]
    assert len(harness.registry.arrivals) == 1
    assert [a.package.status_code for a in await harness.answers()] == ["01"]


async def test_a_revocation_that_overtakes_its_document_waits_for_it(harness: Harness, make_body: Any) -> None:
    """Two replicas may take a document and its 13 in at the same time: the 13 is not held as naming nothing while
    the document is on its way, it is tried again (and then recorded on the arrival)."""
    from vanthu_edxml import Organization, ResponseFor, StaffInfo, StatusCode
    from vanthu_interchange.packages import status_package
    from vanthu_interchange.receiving import NotArrivedYet

    body = make_body()
    delivery = await local_delivery(harness, body)
    async with harness.store.sessions.begin() as session:  # the DocumentId the package carries
        row = await session.get(DeliveryRow, delivery.id)
        row.edxml_document_id = f"{SENDER},2031/06/14,123/VPCP-TTĐT"
    revoke = status_package(reporter=Organization(agency_code=SENDER, name="Văn phòng Chính phủ"),
                            response_for=ResponseFor(agency_code=RECIPIENT,
                                                     document_id=f"{SENDER},2031/06/14,123/VPCP-TTĐT"),
                            code=StatusCode.CANCELLATION, description="Ban hành nhầm", staff=StaffInfo(staff="vt"),
                            at=NOW)
    with pytest.raises(NotArrivedYet):
        await harness.take(revoke.body, RECIPIENT, sender_code=SENDER, transport_id="revoke-1")
    assert await harness.receipts() == [] and harness.registry.revocations == []

    await harness.receiver(events.dispatched(delivery))  # the document arrives
    receipt = await harness.take(revoke.body, RECIPIENT, sender_code=SENDER, transport_id="revoke-1")
    assert receipt.outcome == "recorded", receipt.reason
    assert [(r[0], r[2], r[4]) for r in harness.registry.revocations] == [(RECIPIENT, "requested", "revoke")]


async def test_a_letter_inside_the_installation_publishes_each_event_once_per_change(harness: Harness) -> None:
    """One letter from SENDER to RECIPIENT, both served here, and every message of it redelivered: one
    ``delivery.updated`` (the delivery written ``sent``), one ``package.dispatched`` (the letter; the 01 is taken in
    for the sender in the arrival's own transaction, so it travels nowhere) and one ``package.received`` per package's
    first receipt (the arrival, the 01 recorded). The 01 is on the sender's timeline as if it had travelled."""
    document = issued_document()

    async def issued(agency: str, document_id: str) -> documents_pb2.Document:
        return document

    harness.registry.issued_document = issued  # type: ignore[method-assign]
    harness.storage.objects["obj-main"] = (SENDER, "7-VPCP.pdf", PDF)
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router,  # type: ignore[arg-type]
                    clock=lambda: NOW)
    event = issued_event(document)
    await sender(event)
    [dispatched] = [e for e in await harness.events() if isinstance(e, ev.PackageDispatched)]
    await harness.receiver(dispatched)
    # redelivered, each of them: no change, no event
    await sender(event)
    await harness.receiver(dispatched)

    made = await harness.events()
    assert [type(e).__name__ for e in made] == ["PackageDispatched", "DeliveryUpdated", "PackageReceived",
                                                "PackageReceived"]
    [updated] = [e for e in made if isinstance(e, ev.DeliveryUpdated)]
    [delivery] = [d for d, _ in await harness.store.deliveries_of(SENDER, document.id)]
    assert (updated.delivery_id, updated.state, updated.status_code) == (delivery.id, "sent", "")
    received = [(e.kind, e.meta.agency_code, e.outcome) for e in made if isinstance(e, ev.PackageReceived)]
    assert received == [("edoc", RECIPIENT, "accepted"), ("status", SENDER, "recorded")]

    [(_, statuses)] = await harness.store.deliveries_of(SENDER, document.id)
    [answer] = await harness.answers()
    assert (answer.delivery.state, answer.delivery.route, answer.package.status_code) == ("sent", LOCAL, "01")
    # what the status package's bytes say, as taking them in would have recorded it
    assert [(s.code, s.description, s.staff, s.at, s.package_id) for s in statuses] == [
        ("01", answer.package.description, "", wire_instant(answer.package.timestamp), answer.delivery.package_id)]
    assert statuses[0].description.startswith("Đã đến") and statuses[0].at == NOW
    receipts = {r.kind: r for r in await harness.receipts()}
    assert receipts["status"].transport_id == answer.delivery.package_id and receipts["status"].outcome == "recorded"
    # the 01 dispatched anyway (a redelivery from before this change, or a replica) is found taken in: nothing more
    await harness.receiver(events.dispatched(answer.delivery))
    assert len(await harness.events()) == 4 and len(await harness.statuses()) == 1
