"""Receiving from the national axis: the AxisInbox keeps each listed package once, takes it in for the agencies served
here, acknowledges ``done`` only after the take-in returned (a failure leaves it listed for the next poll), answers
``fail`` for a package it cannot fetch, and makes no second arrival of a document package the axis carried twice.
Against the fake axis of vanthu-testing over real HTTP and a real SQLite database; the Receiver is a recording
stand-in (its own behaviour is tested with the local route and end to end).

The axis's wire contract is reconstructed from the official SDK (regulations.md §2.3), not recorded from the live
axis, which cannot be reached from here: these tests pin our behaviour against that reconstruction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from vanthu_axis import Endpoint
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    Limits,
    Organization,
    PromulgationInfo,
    ResponseFor,
    StaffInfo,
    StatusCode,
    read_document,
    write_document,
)
from vanthu_interchange.answers import response_for_columns
from vanthu_interchange.axis_route import AxisInbox, local_package_id
from vanthu_interchange.packages import response_for_of, status_package
from vanthu_interchange.routing import Router
from vanthu_interchange.store import InterchangeStore, ReceiptRow
from vanthu_testing.fake_axis import FakeAxis

pytestmark = pytest.mark.integration
UBND, SNV, VPCP = "000.00.00.H61", "000.00.02.H61", "000.00.00.G22"


class RecordingReceiver:
    """Stands in for :class:`vanthu_interchange.receiving.Receiver`: records each take-in as an accepted receipt."""

    def __init__(self, store: InterchangeStore) -> None:
        self.store = store
        self.calls: list[tuple[str, str, str]] = []
        self.fail_with: Exception | None = None

    async def take_in(self, transport_id: str, package_id: str, recipient_code: str) -> ReceiptRow:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((transport_id, package_id, recipient_code))
        row = await self.store.package(package_id)
        assert row is not None
        parsed = read_document(row.body) if row.kind == "edoc" else None
        return await self.store.add_receipt(ReceiptRow(
            id=f"r-{len(self.calls)}", transport_id=transport_id, package_id=package_id, kind=row.kind,
            recipient_code=recipient_code, sender_code=row.sender_code, edxml_document_id=row.edxml_document_id,
            response_for=response_for_columns(response_for_of(parsed)) if parsed else {}, outcome="accepted",
            document_id=f"arrival-{len(self.calls)}", reason=""), [])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[InterchangeStore]:
    from vanthu_interchange.server import MIGRATIONS

    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield InterchangeStore(session_factory(engine), clock=lambda: datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    finally:
        await engine.dispose()


def inbox(store: InterchangeStore, axis: FakeAxis, receiver: RecordingReceiver, **overrides: Any) -> AxisInbox:
    """The inbox of system vxp.test.a (UBND tỉnh, Sở Nội vụ), serving *.H61."""
    return AxisInbox(store, receiver, Router(("*.H61",), axis=True),  # type: ignore[arg-type]
                     axis.client("vxp.test.a", **overrides), Limits())


def vpcp_letter(to: tuple[str, ...] = (UBND, SNV), number: str = "12", document_id: str = "") -> bytes:
    code = Code(number, "VPCP-TH")
    return write_document(DocumentPackage(
        sender=Organization(agency_code=VPCP, name="Văn phòng Chính phủ"),
        recipients=tuple(Organization(agency_code=c) for c in to),
        document_id=document_id or DocumentId.build(VPCP, date(2026, 3, 1), code), code=code, subject="V/v thí điểm",
        promulgation=PromulgationInfo(place="Hà Nội", date=date(2026, 3, 1)),
        document_type=DocumentType(type_code="1", type_detail="0", type_name="Công văn"),
        attachments=(Attachment.from_bytes("cid:1", "12.pdf", b"%PDF-1.7\n%test\n", "application/pdf"),)))


async def send_as_vpcp(axis: FakeAxis, body: bytes, kind: str, to: list[str]) -> str:
    async with axis.client("vxp.test.b") as vpcp:
        return await vpcp.send_edoc(body, kind, to=to)


async def test_a_document_is_taken_in_for_each_agency_served_here_then_acknowledged_done(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    doc_id = await send_as_vpcp(fake_axis, vpcp_letter(), "edoc", [UBND, SNV])
    receiver = RecordingReceiver(store)
    assert await inbox(store, fake_axis, receiver).poll() == 1
    package_id = local_package_id(doc_id)
    assert receiver.calls == [(doc_id, package_id, UBND), (doc_id, package_id, SNV)]
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "done"}
    stored = await store.package(package_id)
    assert stored is not None and stored.kind == "edoc" and stored.sender_code == VPCP


async def test_a_status_package_is_taken_in_for_the_agency_its_response_names(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    built = status_package(reporter=Organization(agency_code=VPCP), at=datetime(2026, 3, 2, 1, tzinfo=UTC),
                           response_for=ResponseFor(agency_code=UBND, document_id="000.00.00.H61,2026/03/01,5/UBND"),
                           code=StatusCode.ACCEPTANCE, description="", staff=StaffInfo(staff="Văn thư VPCP"))
    doc_id = await send_as_vpcp(fake_axis, built.body, "status", [UBND])
    receiver = RecordingReceiver(store)
    assert await inbox(store, fake_axis, receiver).poll() == 1
    assert receiver.calls == [(doc_id, local_package_id(doc_id), UBND)]
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "done"}


async def test_nothing_is_acknowledged_before_the_take_in_and_a_package_listed_again_changes_nothing(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    doc_id = await send_as_vpcp(fake_axis, vpcp_letter((SNV,)), "edoc", [SNV])
    receiver = RecordingReceiver(store)
    receiver.fail_with = RuntimeError("registry unavailable")
    assert await inbox(store, fake_axis, receiver).poll() == 0
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "pending"}  # still listed: taken again at the next poll
    receiver.fail_with = None
    gets = fake_axis.calls(Endpoint.GET_EDOC)
    assert await inbox(store, fake_axis, receiver).poll() == 1
    assert fake_axis.calls(Endpoint.GET_EDOC) == gets  # kept the first time: not fetched again
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "done"} and len(receiver.calls) == 1

    with closing(sqlite3.connect(fake_axis.db_path)) as db, db:  # the axis lists it again
        db.execute("UPDATE deliveries SET status = 'pending' WHERE doc_id = ?", (doc_id,))
    assert await inbox(store, fake_axis, receiver).poll() == 1
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "done"}
    assert len(await store.receipts_of_transport(doc_id)) == 1  # the take-in found its receipt: no effect


async def test_a_package_that_cannot_be_fetched_is_acknowledged_fail(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    doc_id = await send_as_vpcp(fake_axis, vpcp_letter((SNV,)), "edoc", [SNV])
    receiver = RecordingReceiver(store)
    small = inbox(store, fake_axis, receiver, max_download_bytes=100)
    assert await small.poll() == 0
    assert fake_axis.deliveries(doc_id) == {"vxp.test.a": "fail"} and receiver.calls == []
    assert await store.package(local_package_id(doc_id)) is None
    gets = fake_axis.calls(Endpoint.GET_EDOC)
    assert await small.poll() == 0 and fake_axis.calls(Endpoint.GET_EDOC) == gets  # not fetched again


async def test_the_same_document_carried_twice_by_the_axis_makes_one_arrival(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    receiver = RecordingReceiver(store)
    first = await send_as_vpcp(fake_axis, vpcp_letter((SNV,)), "edoc", [SNV])
    assert await inbox(store, fake_axis, receiver).poll() == 1
    second = await send_as_vpcp(fake_axis, vpcp_letter((SNV,)), "edoc", [SNV])  # sendEdoc repeated by the sender
    assert await inbox(store, fake_axis, receiver).poll() == 1
    assert [c[0] for c in receiver.calls] == [first]
    assert fake_axis.deliveries(second) == {"vxp.test.a": "done"}
    held = await store.receipt(second, SNV)
    assert held is not None and held.outcome == "held" and first in held.reason


async def test_documents_repeating_one_documentid_with_other_numbers_are_not_taken_for_copies(
        store: InterchangeStore, fake_axis: FakeAxis) -> None:
    """A sender whose system puts one DocumentId on every package (the SDK example's fixed one; the receiving
    profile only warns that it contradicts the header) sends two different letters: both are taken in."""
    fixed = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    receiver = RecordingReceiver(store)
    first = await send_as_vpcp(fake_axis, vpcp_letter((SNV,), "12", fixed), "edoc", [SNV])
    second = await send_as_vpcp(fake_axis, vpcp_letter((SNV,), "13", fixed), "edoc", [SNV])
    assert await inbox(store, fake_axis, receiver).poll() == 2
    assert [c[0] for c in receiver.calls] == [first, second]
