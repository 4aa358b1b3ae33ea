"""The federation port (``vanthu.interchange.v1.FederationService``) over real mutual TLS on 127.0.0.1, backed by the
receiving harness (a real store, in-memory registry and storage): who may call it (the peers table, by client
certificate), what a peer may submit (its own agencies' packages, for agencies served here), idempotence on the
peer's package id, and the Transmitter's peer route (sent once the peer took it in; retried while it is down)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.interchange.v1 import federation_pb2, federation_pb2_grpc
from vanthu_core.ids import new_id
from vanthu_core.ports import free_port
from vanthu_edxml import Limits
from vanthu_interchange.federation import Peer, PeerClient, PeerRefused, Peers, TlsMaterial, parse_peers
from vanthu_interchange.federation_api import FederationApi, FederationServer, local_package_id
from vanthu_interchange.routing import PEER, Router
from vanthu_interchange.store import DeliveryRow, NewDelivery
from vanthu_interchange.transmit import Transmitter
from vanthu_testing.tls import Issued, TestCA

#: As in conftest.py (not importable under --import-mode=importlib): the harness's packages go from SENDER to RECIPIENT.
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
Harness = Any

#: The peer that serves the sender of the harness's packages (Văn phòng Chính phủ, for the test), and another one.
TINH_B = Peer("tinh-b", "localhost:1", "vanthu.tinh-b.test", (SENDER,))
TINH_C = Peer("tinh-c", "localhost:1", "vanthu.tinh-c.test", ("000.00.00.G99",))


@pytest.fixture(autouse=True)
def _bodies(make_body: Any) -> None:
    global package_bytes
    package_bytes = make_body


package_bytes: Any = None


@pytest.fixture
def served() -> tuple[str, ...]:
    return ("000.00.*.H41",)


@dataclass
class Federation:
    port: int
    ca: TestCA
    here: Issued

    def client(self, who: Issued) -> PeerClient:
        return PeerClient(TlsMaterial(who.ca, who.cert, who.key), timeout_s=10)

    def peer(self, peer: Peer) -> Peer:
        return Peer(peer.name, f"localhost:{self.port}", peer.identity, peer.agencies)


def tls(issued: Issued) -> TlsMaterial:
    return TlsMaterial(issued.ca, issued.cert, issued.key)


@pytest.fixture
async def federation(harness: Harness, tmp_path: Path) -> AsyncIterator[Federation]:
    ca = TestCA(tmp_path / "pki")
    here = ca.issue("vanthu.tinh-a.test")
    router = Router(harness.served, peers=(TINH_B, TINH_C))
    harness.receiver.router = harness.receiver.answers.router = router  # as the server wires them: one router
    api = FederationApi(harness.store, harness.receiver, router, Peers.of([TINH_B, TINH_C]), None, Limits())
    server = FederationServer(api, tls(here), "127.0.0.1", 0)
    port = await server.start()
    try:
        yield Federation(port, ca, here)
    finally:
        await server.stop(0)


async def submit(federation: Federation, who: Issued, peer: Peer, body: bytes, package_id: str,
                 recipients: tuple[str, ...] = (RECIPIENT,),
                 kind: str = "edoc") -> list[federation_pb2.RecipientOutcome]:
    client = federation.client(who)
    try:
        return await client.submit(federation.peer(peer), package_id=package_id, kind=kind,
                                   recipient_codes=list(recipients), body=body)
    finally:
        await client.aclose()


async def test_a_certificate_not_in_the_peers_table_is_refused(harness: Harness, federation: Federation) -> None:
    stranger = federation.ca.issue("vanthu.stranger.test")  # signed by the CA, but no configured peer
    with pytest.raises(PeerRefused, match=r"PERMISSION_DENIED.*không thuộc hệ thống kết nối"):
        await submit(federation, stranger, TINH_B, package_bytes(), "p-1")
    # a certificate of another CA cannot even connect (the handshake fails); the same call with none neither
    other = TestCA(federation.ca.directory / "other", "Another CA").issue("vanthu.tinh-b.test")
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await submit(federation, Issued(federation.here.ca_file, other.cert_file, other.key_file), TINH_B,
                     package_bytes(), "p-2")
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    async with grpc.aio.secure_channel(f"localhost:{federation.port}",
                                       grpc.ssl_channel_credentials(federation.here.ca)) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as anonymous:
            await federation_pb2_grpc.FederationServiceStub(channel).ListAgencies(
                federation_pb2.ListAgenciesRequest(), timeout=10)
    assert anonymous.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await harness.receipts() == [] and harness.registry.arrivals == {}


async def test_a_peer_submitting_for_a_sender_agency_outside_its_patterns_is_refused(
        harness: Harness, federation: Federation) -> None:
    tinh_c = federation.ca.issue(TINH_C.identity)  # a configured peer, but it serves 000.00.00.G99, not the sender
    with pytest.raises(PeerRefused, match=rf"PERMISSION_DENIED.*{SENDER}"):
        await submit(federation, tinh_c, TINH_C, package_bytes(), "p-1")
    assert await harness.receipts() == [] and harness.registry.arrivals == {}
    assert await harness.store.package(new_id()) is None
    # nor for an agency this installation does not serve, even from its own sender
    tinh_b = federation.ca.issue(TINH_B.identity)
    with pytest.raises(PeerRefused, match=r"PERMISSION_DENIED.*không phục vụ"):
        await submit(federation, tinh_b, TINH_B, package_bytes(), "p-2", recipients=("000.00.00.H99",))
    # nor a document package passed off as a status package, nor something that is not edXML at all
    with pytest.raises(PeerRefused, match="INVALID_ARGUMENT"):
        await submit(federation, tinh_b, TINH_B, package_bytes(), "p-3", kind="status")
    with pytest.raises(PeerRefused, match="INVALID_ARGUMENT"):
        await submit(federation, tinh_b, TINH_B, b"<not-edxml/>", "p-4")
    assert await harness.receipts() == []


async def test_the_same_package_submitted_twice_is_taken_in_once(harness: Harness,
                                                                 federation: Federation) -> None:
    tinh_b = federation.ca.issue(TINH_B.identity)
    body = package_bytes()
    first = await submit(federation, tinh_b, TINH_B, body, "pkg-42")
    again = await submit(federation, tinh_b, TINH_B, body, "pkg-42")
    assert [(o.recipient_code, o.accepted, o.outcome) for o in first] == [(RECIPIENT, True, "accepted")]
    assert again == first
    receipts = await harness.receipts()
    assert len(receipts) == 1 and receipts[0].transport_id == "tinh-b/pkg-42"
    assert len(harness.registry.arrivals) == 1
    answers = await harness.answers()
    assert [(a.package.status_code, a.delivery.recipient_code, a.delivery.route) for a in answers] == [
        ("01", SENDER, PEER)]  # status 01 goes back to the sender at the peer
    # other content under the same id is refused; the status of the package can be asked
    with pytest.raises(PeerRefused, match="INVALID_ARGUMENT"):
        await submit(federation, tinh_b, TINH_B, package_bytes(subject="Khác"), "pkg-42")
    client = federation.client(tinh_b)
    stub = client._stub(federation.peer(TINH_B))
    status = await stub.GetDeliveryStatus(federation_pb2.GetDeliveryStatusRequest(package_id="pkg-42"), timeout=10)
    assert [(o.recipient_code, o.outcome) for o in status.recipients] == [(RECIPIENT, "accepted")]
    await client.aclose()


@pytest.mark.parametrize("document_id", [
    "000.00.00.H99,2031/06/14,123/VPCP-TTĐT",  # another issuer than the From
    f"{SENDER},2031/06/15,123/VPCP-TTĐT",  # another date than PromulgationDate
    f"{SENDER},2031/06/14,124/VPCP-TTĐT",  # another number than Code
    "5f0c9a36-3f3b-4c0e-9d55-1f2a3b4c5d6e",  # not a DocumentId at all
])
async def test_a_peer_package_whose_documentid_contradicts_its_header_is_refused_with_no_effect(
        harness: Harness, federation: Federation, document_id: str) -> None:
    """A peer installation writes DocumentId from the header (VanThu's strict writer), so from a peer a contradiction
    is a fault: refused at the port, naming it, nothing stored; the national axis and other systems keep the
    receiving profile's warning (the official samples carry such DocumentIds, test_receiving_hostile.py)."""
    tinh_b = federation.ca.issue(TINH_B.identity)
    with pytest.raises(PeerRefused, match=r"INVALID_ARGUMENT.*DocumentId mâu thuẫn"):
        await submit(federation, tinh_b, TINH_B, package_bytes(document_id=document_id), "p-contradicting")
    assert await harness.receipts() == [] and harness.registry.arrivals == {}
    assert await harness.store.package(local_package_id(TINH_B, "p-contradicting")) is None
    assert await harness.answers() == []


def test_the_peers_file_is_checked() -> None:
    peers = parse_peers({"peers": [{"name": "tinh-b", "target": "b:50064", "identity": "b.vn",
                                    "agencies": ["000.00.41.H61"]}]})
    assert peers.identify(["x", "b.vn"]) == Peer("tinh-b", "b:50064", "b.vn", ("000.00.41.H61",))
    for bad in ([{"name": "B!", "target": "b:1", "identity": "b", "agencies": ["x"]}],
                [{"name": "b", "target": "b:1", "identity": "b", "agencies": []}],
                [{"name": "b", "target": "b:1", "identity": "b", "agencies": ["*"]}],
                [{"name": "b", "target": "b:1", "identity": "b", "agencies": ["x"]},
                 {"name": "c", "target": "c:1", "identity": "b", "agencies": ["y"]}]):
        with pytest.raises(ValueError):
            parse_peers(bad)
    router = Router(("000.00.*.H61",), axis=True, peers=(Peer("b", "b:1", "b", ("000.00.41.H61", "*.H62")),))
    assert [router.route(c) for c in ("000.00.02.H61", "001.00.00.H62", "000.00.00.G09")] == ["local", "peer", "axis"]


async def test_the_transmitter_sends_a_peer_delivery_once_the_peer_took_it_in_and_retries_while_it_is_down(
        harness: Harness, federation: Federation) -> None:
    # the sending side: the peer tinh-b's installation, whose agency SENDER sends to RECIPIENT served here
    sender_side = federation.ca.issue(TINH_B.identity)
    here = Peer("tinh-a", f"localhost:{federation.port}", federation.here.cert_file.stem, (RECIPIENT,))
    down = Peer("tinh-a", f"localhost:{free_port()}", here.identity, (RECIPIENT,))
    client = PeerClient(tls(sender_side), timeout_s=5)
    document_id = new_id()
    (delivery,) = await harness.store.add_package(
        package_id=new_id(), kind="edoc", sender_code=SENDER, edxml_document_id="x", body=package_bytes(),
        sha256="0" * 64, document_id=document_id,
        deliveries=[NewDelivery(f"edoc/{document_id}/{RECIPIENT}", RECIPIENT, "", PEER, "pending")],
        events=lambda rows: [])
    try:
        unreachable = Transmitter(harness.store, Router((), peers=(down,)), max_attempts=3, initial_s=0.0,
                                  max_s=0.0, peers=client)
        assert await unreachable.send_due() == 0
        row = await harness.store.delivery(delivery.id)
        assert row is not None and (row.state, row.attempts) == ("pending", 1) and "tinh-a" in row.last_error

        transmitter = Transmitter(harness.store, Router((), peers=(here,)), max_attempts=3, initial_s=0.0,
                                  max_s=0.0, peers=client)
        assert await transmitter.send_due() == 1
    finally:
        await client.aclose()
    sent = await harness.store.delivery(delivery.id)
    assert isinstance(sent, DeliveryRow) and (sent.state, sent.attempts) == ("sent", 2)
    assert sent.transport_id == f"tinh-a/{delivery.package_id}"
    (receipt,) = await harness.receipts()
    assert receipt.transport_id == f"tinh-b/{delivery.package_id}" and receipt.outcome == "accepted"
