"""The provincial axis for the province's other document systems (:mod:`vanthu_interchange.provincial_axis`), driven
by :class:`vanthu_axis.AxisClient` (the client a vendor's system would use against the national axis) over an ASGI
transport: the signed headers are checked, a system sends only for its own agencies, a package for an agency served
here is taken in once, and deliveries to a system's agencies wait in its received list until acknowledged.

The wire contract (endpoints, headers, answers) is the national axis's as reconstructed from the official SDK
(regulations.md §2.3), unverified against the live axis; the same contract suite (libs/vanthu-axis/tests/
test_axis_contract.py) runs against this server too.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from vanthu_axis import AckStatus, AxisAuthError, AxisClient, AxisError, AxisSettings, MessageType
from vanthu_edxml import Limits, Organization, read_status
from vanthu_interchange.connected_systems import ConnectedSystem, ConnectedSystems, load_connected_systems
from vanthu_interchange.provincial_axis import ProvincialAxis, create_app, doc_id_of
from vanthu_interchange.routing import SYSTEM, Router
from vanthu_interchange.store import DeliveryRow, NewDelivery
from vanthu_interchange.transmit import Transmitter

#: As in conftest.py (not importable under --import-mode=importlib): the harness's packages go from SENDER to RECIPIENT.
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
Harness = Any
VENDOR = ConnectedSystem("vendor.g22", (SENDER,))  # another vendor's system serving Văn phòng Chính phủ
OTHER = ConnectedSystem("vendor.h14", ("000.00.00.H14",))


@pytest.fixture
def served() -> tuple[str, ...]:
    return ("000.00.*.H41",)


@dataclass
class Axis:
    app: Any
    axis: ProvincialAxis
    systems: ConnectedSystems

    def client(self, system_id: str, secret: str | None = None, **overrides: Any) -> AxisClient:
        settings = AxisSettings(endpoint="http://provincial-axis.test", system_id=system_id,
                                secret=self.systems.secrets.get(system_id, "x") if secret is None else secret,
                                retry_initial_s=0.01, retry_max_s=0.02, **overrides)
        return AxisClient(settings, transport=httpx.ASGITransport(app=self.app))


@pytest.fixture
async def provincial(harness: Harness) -> AsyncIterator[Axis]:
    systems = ConnectedSystems((VENDOR, OTHER), {s.system_id: secrets.token_urlsafe(24) for s in (VENDOR, OTHER)})
    router = Router(harness.served, systems=systems.systems)
    harness.receiver.router = harness.receiver.answers.router = router  # as the server wires them: one router
    axis = ProvincialAxis(harness.store, harness.receiver, router, systems, limits=Limits(), max_attempts=3)
    yield Axis(create_app(axis), axis, systems)


async def _deliveries(harness: Harness) -> list[DeliveryRow]:
    async with harness.store.sessions() as session:
        return list((await session.scalars(select(DeliveryRow).order_by(DeliveryRow.created_at))).all())


async def test_a_wrong_secret_an_unknown_system_and_a_from_mismatch_are_refused(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    async with provincial.client(VENDOR.system_id, secret="not-the-secret") as client:
        with pytest.raises(AxisAuthError) as refused:
            await client.received(MessageType.EDOC)
    assert refused.value.http_status == 401 and "Chu ky header khong hop le" in refused.value.error_desc
    async with provincial.client("vendor.unknown", secret="whatever") as client:
        with pytest.raises(AxisAuthError) as refused:
            await client.agencies()
    assert refused.value.http_status == 401 and "chua dang ky" in refused.value.error_desc
    async with provincial.client(VENDOR.system_id, sender_code=OTHER.system_id) as client:
        with pytest.raises(AxisError) as mismatch:
            await client.send_edoc(make_body(), to=[RECIPIENT])
    assert "khong dung voi ma da dang ky" in mismatch.value.error_desc
    assert await harness.receipts() == [] and harness.registry.arrivals == {}


async def test_a_system_sending_for_an_agency_not_its_own_is_refused(harness: Harness, provincial: Axis,
                                                                     make_document: Any) -> None:
    from vanthu_edxml import write_document

    foreign = write_document(make_document(sender=Organization("000.00.00.H14", "UBND tỉnh Cao Bằng")))
    async with provincial.client(VENDOR.system_id) as client:
        with pytest.raises(AxisError) as refused:
            await client.send_edoc(foreign, to=[RECIPIENT])
    assert "000.00.00.H14" in refused.value.error_desc and "khong thuoc he thong vendor.g22" in \
        refused.value.error_desc
    async with provincial.client(VENDOR.system_id) as client:  # nor for a recipient nobody serves
        with pytest.raises(AxisError) as nobody:
            await client.send_edoc(write_document(make_document()), to=["000.00.00.H99"])
    assert "000.00.00.H99" in nobody.value.error_desc
    assert await harness.receipts() == [] and await _deliveries(harness) == []


async def test_the_same_package_sent_twice_is_taken_in_once_and_01_waits_for_the_sender_system(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    body = make_body()
    async with provincial.client(VENDOR.system_id) as client:
        first = await client.send_edoc(body, to=[RECIPIENT])
        again = await client.send_edoc(body, to=[RECIPIENT])
        assert first == again == doc_id_of(VENDOR.system_id, body)
        receipts = await harness.receipts()
        assert [(r.transport_id, r.recipient_code, r.outcome) for r in receipts] == [
            (f"system/vendor.g22/{first}", RECIPIENT, "accepted")]
        assert len(harness.registry.arrivals) == 1
        # the 01 answering it waits for the sender's system: listed (status), fetched, acknowledged
        statuses = await client.received(MessageType.STATUS)
        assert len(statuses) == 1 and await client.received(MessageType.EDOC) == []
        status_body = await client.get_edoc(statuses[0].doc_id)
        assert read_status(status_body).status_code == "01"
        await client.update_status(statuses[0].doc_id, AckStatus.DONE)
        assert await client.received(MessageType.STATUS) == []
    answer = [d for d in await _deliveries(harness) if d.kind == "status"]
    assert [(d.route, d.state, d.recipient_code, d.status_code) for d in answer] == [(SYSTEM, "sent", SENDER, "01")]


async def test_a_delivery_to_a_system_waits_until_acknowledged_and_fail_counts_visibly(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    rows = await harness.store.add_package(
        package_id="pkg-1", kind="edoc", sender_code=RECIPIENT, edxml_document_id="d1", body=make_body(),
        sha256="0" * 64, document_id="doc-1",
        deliveries=[NewDelivery("edoc/doc-1/000.00.00.H14", "000.00.00.H14", "", SYSTEM, "pending")],
        events=lambda rows: [])
    transmitter = Transmitter(harness.store, provincial.axis.router, max_attempts=3, initial_s=0.01, max_s=0.01)
    assert await transmitter.send_due() == 0  # not the Transmitter's: the system fetches it
    async with provincial.client(OTHER.system_id) as other, provincial.client(VENDOR.system_id) as vendor:
        assert await vendor.received(MessageType.EDOC) == []
        with pytest.raises(AxisError):
            await vendor.get_edoc("pkg-1")  # not for the vendor's agencies
        assert [e.doc_id for e in await other.received(MessageType.EDOC)] == ["pkg-1"]
        assert await other.get_edoc("pkg-1") == make_body()
        assert [e.doc_id for e in await other.received(MessageType.EDOC)] == ["pkg-1"]  # unacknowledged: listed
        await other.update_status("pkg-1", AckStatus.FAIL)
        row = await harness.store.delivery(rows[0].id)
        assert row is not None and (row.state, row.attempts) == ("pending", 1) and "fail" in row.last_error
        assert [e.doc_id for e in await other.received(MessageType.EDOC)] == ["pkg-1"]
        await other.update_status("pkg-1", AckStatus.DONE)
        assert await other.received(MessageType.EDOC) == []
    row = await harness.store.delivery(rows[0].id)
    assert row is not None and row.state == "sent" and row.transport_id == "system/vendor.h14/pkg-1"


async def test_packages_between_connected_systems_are_queued_and_the_directory_lists_them(
        harness: Harness, provincial: Axis, make_document: Any) -> None:
    from vanthu_edxml import write_document

    body = write_document(make_document(recipients=(Organization("000.00.00.H14", "UBND tỉnh Cao Bằng"),)))
    async with provincial.client(VENDOR.system_id) as vendor, provincial.client(OTHER.system_id) as other:
        doc_id = await vendor.send_edoc(body, to=["000.00.00.H14"])
        listed = await other.received(MessageType.EDOC)
        assert [(e.doc_id, e.sender) for e in listed] == [(doc_id, VENDOR.system_id)]
        assert await other.get_edoc(doc_id) == body
        await other.update_status(doc_id, "done")
        assert await other.received(MessageType.EDOC) == []
        codes = {a.code for a in await vendor.agencies()}
    assert codes == {SENDER, "000.00.00.H14"}
    assert await harness.receipts() == []


def test_the_connected_systems_file_and_secrets(tmp_path: Path) -> None:
    path = tmp_path / "systems.yaml"
    path.write_text('systems:\n  - id: vendor.longchau\n    agencies: ["000.00.41.H61", {code: "000.01.41.H61", '
                    'name: "Tổ 1"}, "000.*.42.H61"]\n', encoding="utf-8")
    systems = load_connected_systems(str(path), environ={"VANTHU_INTERCHANGE_SYSTEM_SECRET_VENDOR_LONGCHAU": "s3"})
    system = systems.get("vendor.longchau")
    assert system is not None and system.serves("000.05.42.H61") and not system.serves("000.00.00.H61")
    assert [a.code for a in system.directory] == ["000.00.41.H61", "000.01.41.H61"]
    assert systems.secrets == {"vendor.longchau": "s3"} and "s3" not in repr(systems)
    with pytest.raises(ValueError, match="no secret"):
        load_connected_systems(str(path), environ={})
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text('{"vendor.longchau": "from-file"}', encoding="utf-8")
    assert load_connected_systems(str(path), str(secrets_file), environ={}).secrets["vendor.longchau"] == "from-file"


async def test_an_oversize_send_is_refused_while_it_arrives_not_after_it_is_read_whole(
        harness: Harness, provincial: Axis) -> None:
    """A connected system's sendEdoc over the package limit was spooled to disk whole (Starlette bounds a form's
    plain fields, not its files), read into memory, and only then refused: one signed request of some GB could
    exhaust interchange (found attacking the provincial axis: 320 MB cost the process ~330 MB)."""
    import hashlib

    from vanthu_axis import sign, system_clock

    small = ProvincialAxis(harness.store, harness.receiver, provincial.axis.router, provincial.systems,
                           limits=Limits(max_bytes=10_000))
    app = create_app(small)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        head = (b'--b\r\nContent-Disposition: form-data; name="file_doc"; filename="x.edxml"\r\n'
                b"Content-Type: application/octet-stream\r\n\r\n")
        sent += len(head)
        yield head
        for _ in range(400):  # 25 MB, 64 KiB at a time
            chunk = b"A" * 65536
            sent += len(chunk)
            yield chunk
        yield b"\r\n--b--\r\n"

    def headers() -> dict[str, str]:
        signed = sign(small.scheme, VENDOR.system_id, provincial.systems.secrets[VENDOR.system_id], system_clock(),
                      {"Content-Type": "application/octet-stream", "from": VENDOR.system_id, "servicetype": "eDoc",
                       "messagetype": "edoc", "hash-file": hashlib.sha256(b"x").hexdigest()})
        return {**signed, "Content-Type": "multipart/form-data; boundary=b"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://axis.test") as http:
        streamed = await http.post("/sendEdoc", headers=headers(), content=body())
        declared = await http.post("/sendEdoc", headers={**headers(), "Content-Length": str(30_000_000)},
                                   content=b"x" * 10)
    assert streamed.status_code == 413 and streamed.json()["status"] == "FAIL", streamed.text
    assert "vuot qua 10000 byte" in streamed.json()["ErrorDesc"]
    assert sent < 10_000 + 200_000  # stopped reading near the limit, not after 25 MB
    assert declared.status_code == 413 and "vuot qua" in declared.json()["ErrorDesc"]
    assert await harness.receipts() == [] and await _deliveries(harness) == []


async def test_a_system_cannot_fetch_a_package_whose_delivery_the_sender_cancelled(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    """UBND revoked a document before the connected system acknowledged it (its delivery cancelled, no longer
    listed): getEdoc still served the whole package, and a later ``done`` was answered OK (found attacking the
    provincial axis in `make dev`)."""
    await harness.store.add_package(
        package_id="pkg-2", kind="edoc", sender_code=RECIPIENT, edxml_document_id="d2", body=make_body(),
        sha256="0" * 64, document_id="doc-2",
        deliveries=[NewDelivery("edoc/doc-2/000.00.00.H14", "000.00.00.H14", "", SYSTEM, "pending")],
        events=lambda rows: [])
    async with provincial.client(OTHER.system_id) as other:
        assert await other.get_edoc("pkg-2") == make_body()
        await harness.store.revoke(sender_code=RECIPIENT, document_id="doc-2", reason="Ban hành nhầm", staff="x",
                                   packages={}, events=lambda rows: [])
        assert await other.received(MessageType.EDOC) == []
        with pytest.raises(AxisError, match="Khong tim thay"):
            await other.get_edoc("pkg-2")
        with pytest.raises(AxisError, match="Khong tim thay"):
            await other.update_status("pkg-2", AckStatus.DONE)


async def test_a_to_header_naming_agencies_the_package_is_not_addressed_to_is_refused(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    """``to`` listed 600 made-up codes of the served pattern, none in the package: one signed request of 10 KB made
    1,200 receipts and 600 answers 02 in 13 s (found attacking the provincial axis in `make dev`)."""
    made_up = [f"000.00.{i:02d}.H41" for i in range(1, 100)]  # all served here (000.00.*.H41)
    async with provincial.client(VENDOR.system_id) as client:
        with pytest.raises(AxisError) as refused:
            await client.send_edoc(make_body(), to=[RECIPIENT, *made_up])
    assert "khong co trong goi tin" in refused.value.error_desc and made_up[0] in refused.value.error_desc
    assert len(refused.value.error_desc) < 600
    assert await harness.receipts() == [] and await _deliveries(harness) == []
    async with provincial.client(VENDOR.system_id) as client:  # the package's own recipient still goes
        assert await client.send_edoc(make_body(), to=[RECIPIENT])
    assert [r.recipient_code for r in await harness.receipts()] == [RECIPIENT]


async def test_a_system_that_answered_holds_the_document_and_a_revocation_asks_it(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    """A connected system fetched its package and answered 03 without acknowledging ``done``: the delivery stayed
    pending, so UBND's revocation cancelled it as never sent ("đã hủy gửi", no 13) while the recipient kept the
    document (found attacking the provincial axis in `make dev`). Its answer says it holds it: the delivery went."""
    from datetime import date, datetime

    from vanthu_core.errors import FailedPrecondition
    from vanthu_edxml import ResponseFor, StaffInfo, StatusPackage, write_status

    edxml_id = f"{RECIPIENT},2026/12/20,15/UBND-VP"
    (row,) = await harness.store.add_package(
        package_id="pkg-3", kind="edoc", sender_code=RECIPIENT, edxml_document_id=edxml_id, body=make_body(),
        sha256="0" * 64, document_id="doc-3",
        deliveries=[NewDelivery("edoc/doc-3/000.00.00.H14", "000.00.00.H14", "", SYSTEM, "pending")],
        events=lambda rows: [])
    answer = write_status(StatusPackage(
        sender=Organization("000.00.00.H14", "UBND tỉnh Cao Bằng"),
        response_for=ResponseFor(RECIPIENT, "15/UBND-VP", date(2026, 12, 20), edxml_id),
        staff=StaffInfo("Văn thư", "Nguyễn Thị Thương"), status_code="03", description="Đã vào sổ",
        timestamp=datetime(2026, 12, 21, 8, 0, 0)))
    async with provincial.client(OTHER.system_id) as other:
        assert await other.get_edoc("pkg-3") == make_body()
        await other.send_edoc(answer, to=[RECIPIENT], message_type=MessageType.STATUS)
    found = await harness.store.delivery(row.id)
    assert found is not None and found.state == "sent"
    ((delivery, statuses),) = await harness.store.deliveries_of(RECIPIENT, "doc-3")
    assert (delivery.state, [s.code for s in statuses]) == ("sent", ["03"])  # a revocation now sends it a 13
    with pytest.raises(FailedPrecondition, match="vừa được gửi"):  # not cancelled as never sent
        await harness.store.revoke(sender_code=RECIPIENT, document_id="doc-3", reason="Ban hành nhầm", staff="x",
                                   packages={}, events=lambda rows: [])


async def test_signed_headers_replayed_to_another_replica_are_refused_and_forgotten_once_stale(
        harness: Harness, provincial: Axis, tmp_path: Path) -> None:
    """Two replicas of interchange share the database, not their memory: headers one accepted are a replay at the
    other (they were remembered in one process's memory before). Stale entries are forgotten by a later request."""
    from sqlalchemy import func

    from vanthu_axis import DEFAULT_SCHEME
    from vanthu_axis.headers import sign
    from vanthu_core.db import create_engine, session_factory
    from vanthu_interchange.store import AxisRequestRow, InterchangeStore

    start = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}")  # the harness's database
    try:
        replicas = [ProvincialAxis(store, harness.receiver, provincial.axis.router, provincial.systems,
                                   limits=Limits(), clock=lambda: start)
                    for store in (harness.store, InterchangeStore(session_factory(engine)))]
        secret = provincial.systems.secrets[VENDOR.system_id]
        headers = sign(DEFAULT_SCHEME, VENDOR.system_id, secret, start, {"Content-Type": "application/json"})

        async def post(axis: ProvincialAxis, signed: dict[str, str]) -> httpx.Response:
            transport = httpx.ASGITransport(app=create_app(axis))
            async with httpx.AsyncClient(transport=transport, base_url="http://provincial-axis.test") as http:
                return await http.post("/getAgenciesList", headers=signed)

        first, again = await post(replicas[0], headers), await post(replicas[1], headers)
        assert first.status_code == 200 and first.json()["status"] == "OK", first.text
        assert again.status_code == 401 and "da duoc gui truoc do" in again.json()["ErrorDesc"], again.text
        assert (await post(replicas[0], headers)).status_code == 401  # and at the one that accepted them

        later = start + timedelta(minutes=11)  # past 2 × the 5 min skew: the first headers could not pass again
        replicas[1].clock = lambda: later
        fresh = sign(DEFAULT_SCHEME, VENDOR.system_id, secret, later, {"Content-Type": "application/json"})
        assert (await post(replicas[1], fresh)).status_code == 200
        async with harness.store.sessions() as session:
            remembered = await session.scalar(select(func.count()).select_from(AxisRequestRow))
        assert remembered == 1  # only the fresh request's: the stale one was forgotten
    finally:
        await engine.dispose()


async def test_a_send_whose_signed_headers_leave_out_the_package_digest_is_refused(
        harness: Harness, provincial: Axis, make_body: Any) -> None:
    """hash-file was checked only when present: a system's signed headers seen on their way (a proxy, a log) could
    carry a package of somebody else's choosing (found attacking the provincial axis). The SDK always signs it."""
    import hashlib

    from vanthu_axis import FILE_PART, sign, system_clock

    body = make_body()
    secret = provincial.systems.secrets[VENDOR.system_id]

    def headers(**extra: str) -> dict[str, str]:
        return sign(provincial.axis.scheme, VENDOR.system_id, secret, system_clock(),
                    {"Content-Type": "application/octet-stream", "from": VENDOR.system_id, "servicetype": "eDoc",
                     "messagetype": "edoc", "to": f'["{RECIPIENT}"]', **extra})

    transport = httpx.ASGITransport(app=provincial.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://axis.test") as http:
        async def send(signed: dict[str, str]) -> httpx.Response:
            return await http.post("/sendEdoc", headers=signed, files={FILE_PART: ("x.edxml", body)})

        missing = await send(headers())
        other = await send(headers(**{"hash-file": hashlib.sha256(b"<edXML/>").hexdigest()}))
        assert await harness.receipts() == [] and harness.registry.arrivals == {}
        upper = await send(headers(**{"hash-file": hashlib.sha256(body).hexdigest().upper()}))
    assert missing.json()["status"] == "FAIL" and "Thieu truong hash-file" in missing.json()["ErrorDesc"], missing.text
    assert other.json()["status"] == "FAIL" and "hash-file khong khop" in other.json()["ErrorDesc"], other.text
    assert upper.json()["status"] == "OK", upper.text  # the digest itself, in either case
    assert len(harness.registry.arrivals) == 1
