"""Sending through the national axis: the Transmitter's retries with backoff, the visible failed state at the limit,
and an interrupted sendEdoc that is never sent again silently; against the fake axis of vanthu-testing over real
HTTP, with a real SQLite database migrated to head.

The axis's wire contract is reconstructed from the official SDK (regulations.md §2.3), not recorded from the live
axis, which cannot be reached from here: these tests pin our behaviour against that reconstruction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu_axis import Endpoint
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_edxml import Organization, ResponseFor, StaffInfo, StatusCode
from vanthu_interchange.packages import status_package
from vanthu_interchange.routing import AXIS, Router
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.store import DeliveryRow, InterchangeStore, NewDelivery, outbox
from vanthu_interchange.transmit import Transmitter
from vanthu_testing.fake_axis import FakeAxis

pytestmark = pytest.mark.integration
#: UBND tỉnh Vĩnh Long (served by fake system vxp.test.a) and Văn phòng Chính phủ (vxp.test.b).
UBND, VPCP = "000.00.00.H61", "000.00.00.G22"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[InterchangeStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield InterchangeStore(session_factory(engine), clock=clock)
    finally:
        await engine.dispose()


async def pending_to_vpcp(store: InterchangeStore, kind: str = "edoc") -> DeliveryRow:
    """A package of UBND tỉnh for Văn phòng Chính phủ, its delivery pending on the axis route."""
    built = status_package(reporter=Organization(agency_code=UBND, name="UBND tỉnh Vĩnh Long"),
                           response_for=ResponseFor(agency_code=VPCP, document_id="000.00.00.G22,2026/03/01,12/VPCP"),
                           code=StatusCode.INBOX, description="", staff=StaffInfo(staff=None), at=T0)
    rows = await store.add_package(
        package_id=f"pkg-{kind}", kind=kind, sender_code=UBND, edxml_document_id=built.edxml_document_id,
        body=built.body, sha256=built.sha256, document_id="doc-1",
        deliveries=[NewDelivery(f"{kind}/doc-1/{VPCP}", VPCP, "Văn phòng Chính phủ", AXIS, "pending")],
        events=lambda rows: [])
    return rows[0]


def transmitter(store: InterchangeStore, axis: FakeAxis, max_attempts: int = 3) -> Transmitter:
    return Transmitter(store, Router(("*.H61",), axis=True), max_attempts=max_attempts, initial_s=5, max_s=900,
                       axis=axis.client("vxp.test.a"), in_flight_timeout=timedelta(minutes=3))


async def published_states(store: InterchangeStore) -> list[str]:
    async with store.sessions() as session:
        rows = (await session.execute(select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.seq))).all()
    return [ev.DeliveryUpdated.FromString(payload).state for subject, payload in rows if "delivery" in subject]


async def test_an_axis_delivery_is_retried_with_doubling_backoff_then_sent_with_the_axis_doc_id(
        store: InterchangeStore, fake_axis: FakeAxis, clock: Clock) -> None:
    delivery = await pending_to_vpcp(store)
    sender = transmitter(store, fake_axis, max_attempts=5)
    fake_axis.fail_next(2)

    assert await sender.send_due() == 0
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "pending" and row.attempts == 1 and row.in_flight_at is None
    assert row.next_attempt_at == T0 + timedelta(seconds=5) and "Trục liên thông quốc gia" in row.last_error
    assert await sender.send_due() == 0 and fake_axis.calls(Endpoint.SEND_EDOC) == 1  # not due yet: not called

    clock.advance(5)
    assert await sender.send_due() == 0
    row = await store.delivery(delivery.id)
    assert row is not None and row.attempts == 2 and row.next_attempt_at == clock.now + timedelta(seconds=10)

    clock.advance(10)
    assert await sender.send_due() == 1
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "sent" and row.attempts == 3 and row.last_error == ""
    assert row.transport_id and fake_axis.deliveries(row.transport_id) == {"vxp.test.b": "pending"}
    assert fake_axis.calls(Endpoint.SEND_EDOC) == 3 and fake_axis.package_count() == 1
    async with fake_axis.client("vxp.test.b") as vpcp:
        listed = await vpcp.received("edoc")
        assert [k.doc_id for k in listed] == [row.transport_id]
        package = await vpcp.get_edoc(row.transport_id)
    stored = await store.package(delivery.package_id)
    assert stored is not None and package == stored.body
    assert await published_states(store) == ["sent"]  # a retry leaves it pending: no change of state announced
    assert await sender.send_due() == 0 and fake_axis.calls(Endpoint.SEND_EDOC) == 3  # sent once, never again


async def test_an_axis_delivery_is_failed_visibly_at_max_attempts_and_a_resend_sends_it(
        store: InterchangeStore, fake_axis: FakeAxis, clock: Clock) -> None:
    delivery = await pending_to_vpcp(store)
    sender = transmitter(store, fake_axis, max_attempts=3)
    fake_axis.fail_next(3)
    for _ in range(3):
        await sender.send_due()
        clock.advance(900)
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "failed" and row.attempts == 3 and row.next_attempt_at is None
    assert "503" in row.last_error or "unavailable" in row.last_error
    assert [r.id for r in await store.failed(UBND)] == [delivery.id]
    assert await published_states(store) == ["failed"]
    assert await sender.send_due() == 0 and fake_axis.calls(Endpoint.SEND_EDOC) == 3  # failed: no more attempts

    assert await store.reopen(delivery.id, UBND) is not None  # vanthu-interchange resend
    assert await sender.send_due() == 1
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "sent" and row.attempts == 1 and fake_axis.package_count() == 1


def failure_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [{k: getattr(r, k) for k in ("delivery_id", "recipient", "route", "attempts", "error")}
            for r in caplog.records if r.name == "vanthu.interchange" and r.getMessage() == "delivery failed"]


async def test_a_delivery_given_up_after_its_attempts_is_logged_for_the_operator(
        store: InterchangeStore, fake_axis: FakeAxis, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    delivery = await pending_to_vpcp(store)
    sender = transmitter(store, fake_axis, max_attempts=2)
    fake_axis.fail_next(2)
    with caplog.at_level("INFO", logger="vanthu.interchange"):
        await sender.send_due()
        assert failure_lines(caplog) == []  # a retry to come is no failure yet
        clock.advance(900)
        await sender.send_due()
    [line] = failure_lines(caplog)
    assert line["delivery_id"] == delivery.id and line["recipient"] == VPCP and line["route"] == AXIS
    assert line["attempts"] == 2 and "Trục liên thông quốc gia" in str(line["error"])
    assert [r.levelname for r in caplog.records if r.getMessage() == "delivery failed"] == ["ERROR"]


async def test_a_resent_delivery_with_still_no_route_fails_at_once_and_is_logged(
        store: InterchangeStore, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """No route at phát hành fails the delivery at once; resent (vanthu-interchange resend) while the configuration
    still gives no route, it fails again at once, not pending through every retry for minutes."""
    delivery = await pending_to_vpcp(store)
    sender = Transmitter(store, Router(("*.H61",)), max_attempts=8, initial_s=5, max_s=900, axis=None,
                         in_flight_timeout=timedelta(minutes=3))
    with caplog.at_level("INFO", logger="vanthu.interchange"):
        assert await sender.send_due() == 0
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "failed" and row.attempts == 1 and row.next_attempt_at is None
    assert row.last_error.startswith(f"Không có đường gửi đến cơ quan {VPCP}")
    assert [r.id for r in await store.failed(UBND)] == [delivery.id]
    [line] = failure_lines(caplog)
    assert line["delivery_id"] == delivery.id and line["recipient"] == VPCP and line["attempts"] == 1


async def test_an_axis_refusal_counts_as_an_attempt_and_status_packages_go_as_messagetype_status(
        store: InterchangeStore, fake_axis: FakeAxis, clock: Clock) -> None:
    delivery = await pending_to_vpcp(store, kind="status")
    sender = transmitter(store, fake_axis)
    fake_axis.fail_next(1, status=200)  # the axis answers FAIL (AxisError), not unavailable
    assert await sender.send_due() == 0
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "pending" and row.attempts == 1 and "refused" in row.last_error
    clock.advance(5)
    assert await sender.send_due() == 1
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "sent"
    async with fake_axis.client("vxp.test.b") as vpcp:
        assert [k.doc_id for k in await vpcp.received("status")] == [row.transport_id]
        assert await vpcp.received("edoc") == []
    assert await published_states(store) == []  # a status delivery is not on the sender's timeline


async def test_an_interrupted_send_is_failed_visibly_and_never_sent_again_silently(
        store: InterchangeStore, fake_axis: FakeAxis, clock: Clock) -> None:
    delivery = await pending_to_vpcp(store)
    # the process marked the attempt in flight, then died before sendEdoc's answer was recorded
    assert await store.begin_attempt(delivery.id) is not None
    sender = transmitter(store, fake_axis)
    assert await sender.send_due() == 0  # in flight: not due, not yet timed out
    clock.advance(3 * 60 + 1)
    assert await sender.send_due() == 0
    row = await store.delivery(delivery.id)
    assert row is not None and row.state == "failed" and "bị gián đoạn" in row.last_error
    assert fake_axis.calls(Endpoint.SEND_EDOC) == 0
    assert await published_states(store) == ["failed"]
    assert await store.begin_attempt(delivery.id) is None  # failed: nobody takes it in flight any more


async def test_the_sending_loop_ends_when_told_to_stop_even_if_no_cancellation_reaches_it(
        store: InterchangeStore) -> None:
    """The service's stop ends the retry loop by a flag as well as by cancelling it: Python 3.11's
    ``asyncio.wait_for`` can swallow a cancellation that meets the wake-up (the outbox relay's stop hung on it)."""
    sender = Transmitter(store, Router(("*.H61",)), max_attempts=8, initial_s=5, max_s=900, axis=None,
                         in_flight_timeout=timedelta(minutes=3))
    loop = asyncio.create_task(sender.run(poll_s=3600))
    await asyncio.sleep(0.2)  # a pass (nothing due), then waiting for a kick or the hour's poll
    assert not loop.done()
    sender.stop()
    await asyncio.wait_for(loop, timeout=30)  # not cancelled: it ended by itself
    assert loop.done() and not loop.cancelled() and loop.exception() is None
