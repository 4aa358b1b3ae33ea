"""Văn bản trả lời across agencies: a reply drafted from an electronic arrival (its ``answers_document_id``) is sent
with a ``ResponseFor`` naming the arrival as its package did (sender, number, date, DocumentId; regulations digest
§1.3), and the original sender's arrival of the reply is linked to its own outgoing document (its
``answers_document_id``). Before, the link was lost on the wire: Sở Nội vụ's reply to UBND's letter arrived at UBND
unlinked (found trying the exchange as a new user). A reply links only to what its recipient sent its sender."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.events import new_meta
from vanthu_edxml import Code, Organization, ResponseFor, read_document
from vanthu_interchange.sending import Sender

pytestmark = pytest.mark.integration
SENDER, RECIPIENT, OTHER = "000.00.00.G22", "000.00.00.H41", "000.00.00.H14"
ORIGINAL = f"{SENDER},2031/06/14,123/VPCP-TTĐT"
PDF = b"%PDF-1.7\n%%EOF\n"
NOW = datetime(2031, 6, 16, 3, 0, tzinfo=UTC)
Harness = Any


async def test_a_reply_sent_from_an_arrival_names_it_and_its_senders_arrival_links_to_the_original(
        harness: Harness, make_body: Any) -> None:
    # G22's letter, sent to H41 (G22's delivery) and taken in there (H41's arrival)
    await harness.seed_delivery(sender_code=SENDER, recipient_code=RECIPIENT, edxml_document_id=ORIGINAL,
                                document_id="g22-outgoing")
    letter = await harness.take(make_body(), RECIPIENT, sender_code=SENDER, transport_id="letter")
    assert letter.outcome == "accepted", letter.reason

    # H41 replies, answering its arrival: the package names the letter as G22's package did
    reply = documents_pb2.Document(
        id="h41-reply", agency_code=RECIPIENT, direction="outgoing", status="issued", type_code="cong_van",
        type_name="Công văn", abstract="V/v báo cáo kết quả triển khai đường truyền số liệu chuyên dùng",
        urgency="normal", place="Nghệ An", number_symbol="45/UBND-VX", document_date="2031-06-16",
        signer=documents_pb2.Signer(name="Lê Thị Hồng", title="Phó Chủ tịch"),
        recipients=[documents_pb2.Recipient(agency_code=SENDER, name="Văn phòng Chính phủ")],
        answers_document_id=letter.document_id,
        files=[documents_pb2.DocumentFile(object_id="obj-reply", role="main", file_name="45-UBND-VX.pdf",
                                          content_type="application/pdf")])
    harness.registry.issued_document = lambda agency, document_id: _returning(reply)
    harness.registry.agencies[RECIPIENT] = registry_pb2.Agency(code=RECIPIENT, name="Ủy ban nhân dân tỉnh Nghệ An")
    harness.storage.objects["obj-reply"] = (RECIPIENT, "45-UBND-VX.pdf", PDF)
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router, clock=lambda: NOW)
    await sender(registry_events.DocumentIssued(
        meta=new_meta(actor="vanthu.h41", agency=RECIPIENT),
        document=registry_events.DocumentState(document_id=reply.id, direction="outgoing", status="issued"),
        recipients=list(reply.recipients)))
    (delivery, _), = await harness.store.deliveries_of(RECIPIENT, "h41-reply")
    package = await harness.store.package(delivery.package_id)
    assert package is not None
    (named,) = read_document(package.body).response_for
    assert (named.agency_code, named.code, named.promulgation_date, named.document_id) == (
        SENDER, "123/VPCP-TTĐT", date(2031, 6, 14), ORIGINAL)

    # G22 takes the reply in: its arrival answers G22's own letter
    taken = await harness.receiver.take_in(delivery.package_id, delivery.package_id, SENDER)
    assert taken.outcome == "accepted", taken.reason
    assert harness.registry.inputs[taken.document_id].answers_document_id == "g22-outgoing"


async def test_a_reply_naming_a_document_its_recipient_did_not_send_its_sender_is_not_linked(
        harness: Harness, make_body: Any) -> None:
    await harness.seed_delivery(sender_code=SENDER, recipient_code=RECIPIENT, edxml_document_id=ORIGINAL,
                                document_id="g22-outgoing")
    answering = (ResponseFor(SENDER, "123/VPCP-TTĐT", date(2031, 6, 14), ORIGINAL),)

    def reply_from(agency: str, number: str) -> bytes:
        return make_body(sender=Organization(agency, "Ủy ban nhân dân tỉnh"),
                         recipients=(Organization(SENDER, "Văn phòng Chính phủ"),),
                         document_id=f"{agency},2031/06/16,{number}/UBND-VX", code=Code(number, "UBND-VX"),
                         response_for=answering)

    # H14 never received G22's letter: its "reply" names it, and arrives unlinked
    other = await harness.take(reply_from(OTHER, "46"), SENDER, sender_code=OTHER, transport_id="from-h14")
    assert other.outcome == "accepted" and harness.registry.inputs[other.document_id].answers_document_id == ""
    # H41 did: linked
    own = await harness.take(reply_from(RECIPIENT, "45"), SENDER, sender_code=RECIPIENT, transport_id="from-h41")
    assert own.outcome == "accepted" and harness.registry.inputs[own.document_id].answers_document_id == \
        "g22-outgoing"


async def _returning(value: Any) -> Any:
    return value
