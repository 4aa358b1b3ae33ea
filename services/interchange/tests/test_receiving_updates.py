"""Cập nhật (edXML business type 2) on the receiving side: an update package names an arrival by its DocumentId and
sender; interchange stores the update's files for the recipient and asks the registry to mark the arrival requested,
with the update's content (its header's metadata and files) for the clerk to accept (15: applied) or refuse (16:
kept as it was), regulations digest §1.3.3 and §7.2. Tested with the official SDK sample ``edoc_update.edxml`` and
with a generated update; a package naming another agency's document, or one from another sender, is held with no
effect (the registry's side of applying is in services/registry/tests/test_registry_api_revocation.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu_edxml import (
    Attachment,
    Business,
    BusinessDocumentInfo,
    Code,
    PromulgationInfo,
    ReceiverChange,
    SignerInfo,
    TraceHeaderList,
)

pytestmark = pytest.mark.unit

G22, H41, H14 = "000.00.00.G22", "000.00.00.H41", "000.00.00.H14"
#: The document the official update sample names (Bussiness/DocumentId; its date is the sample's own, 30 February).
NAMED = "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT"
NEW_PDF = b"%PDF-1.7\n% ban cap nhat\n%%EOF\n"


async def original(harness, make_body, recipient: str = H41, document_id: str = NAMED) -> str:
    """The arrival an update names: a new document package of G22 to ``recipient`` taken in; its registry id."""
    receipt = await harness.take(make_body(document_id=document_id), recipient, sender_code=G22)
    assert receipt.outcome == "accepted", receipt.reason
    return receipt.document_id


def generated_update(make_document, recipients=None, **business) -> bytes:
    """An update (business type 2) of :data:`NAMED`: a new number, date, subject, signer and file."""
    from vanthu_edxml import write_document

    base = make_document()
    return write_document(base.replace(
        document_id="000.00.00.G22,2031/06/20,124/VPCP-TTĐT", code=Code("124", "VPCP-TTĐT"),
        promulgation=PromulgationInfo("Hà Nội", date(2031, 6, 20)),
        subject="V/v triển khai đường truyền số liệu chuyên dùng (cập nhật danh sách đơn vị)",
        signer=SignerInfo("KT. BỘ TRƯỞNG, CHỦ NHIỆM", "Phó Chủ nhiệm", "Trần Thị Hạnh"),
        trace=TraceHeaderList(base.trace.trace_headers, Business(
            business_type=2, reason="Cập nhật danh sách đơn vị triển khai", document_id=NAMED, paper=False,
            document_info=BusinessDocumentInfo(document_info=True, document_receiver=bool(recipients),
                                               receivers=tuple(recipients or ())), **business)),
        attachments=(Attachment.from_bytes("cid:1", "124-VPCP-TTĐT.pdf", NEW_PDF, "application/pdf",
                                           "Văn bản cập nhật"),)))


async def test_the_official_update_sample_asks_to_update_the_arrival_it_names_with_its_content(
        harness, samples: Path, make_body):
    arrival = await original(harness, make_body)
    body = (samples / "edoc_update.edxml").read_bytes()
    receipt = await harness.take(body, H41, sender_code=G22)

    assert (receipt.outcome, receipt.document_id) == ("recorded", arrival), receipt.reason
    ((agency, document_id, state, reason, kind),) = harness.registry.revocations
    assert (agency, document_id, state, kind) == (H41, arrival, "requested", "update")
    # the sample takes H41 off its recipients (ReceiverType 0): the clerk is told with the sender's reason
    assert reason.startswith("Cập nhật văn bản điện tử") and "khỏi danh sách nơi nhận" in reason
    update = harness.registry.updates[arrival]
    assert update.abstract == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert (update.sender.agency_code, update.sender.number_symbol, update.sender.document_date) == (
        G22, "7816/VPCP-TTĐT", "2018-09-28")  # the header's Code and PromulgationDate
    assert (update.signer.name, update.signer.title) == ("Nguyen Thanh Phuc",
                                                         "Cuc truong cuc ung dung cong nghe thong tin")
    assert update.due_date == "2018-09-28" and update.type_name == "Công văn"
    assert [f.file_name for f in update.files] == ["1896_QD-TTg_m_294779.doc"]
    assert update.files[0].object_id in harness.storage.objects  # stored for the recipient
    assert harness.storage.objects[update.files[0].object_id][0] == H41
    assert len(harness.registry.arrivals) == 1  # no second arrival
    # the original's 01 only: an update is answered 15 or 16 when the clerk decides
    assert [a.package.status_code for a in await harness.answers()] == ["01"]
    # the same package again changes nothing more
    again = await harness.receiver.take_in(receipt.transport_id, receipt.package_id, H41)
    assert again.id == receipt.id and len(harness.registry.revocations) == 1
    # H14 (added by the update) received nothing before: held there, nothing asked of its registry
    held = await harness.receiver.take_in(receipt.transport_id, receipt.package_id, H14)
    assert held.outcome == "held" and "không có văn bản đến" in held.reason
    assert len(harness.registry.revocations) == 1


async def test_a_generated_update_carries_its_metadata_and_files_to_the_registry(harness, make_body, make_document):
    arrival = await original(harness, make_body)
    body = generated_update(make_document, recipients=[ReceiverChange(H14, 1)])  # adds H14, keeps H41
    receipt = await harness.take(body, H41, sender_code=G22)

    assert (receipt.outcome, receipt.document_id) == ("recorded", arrival), receipt.reason
    update = harness.registry.updates[arrival]
    assert update.abstract.endswith("(cập nhật danh sách đơn vị)")
    assert (update.sender.number_symbol, update.sender.document_date) == ("124/VPCP-TTĐT", "2031-06-20")
    assert update.signer.name == "Trần Thị Hạnh" and update.exchange_form == "electronic"
    (stored,) = [harness.storage.objects[f.object_id] for f in update.files]
    assert stored == (H41, "124-VPCP-TTĐT.pdf", NEW_PDF)
    assert harness.registry.revocations[0][3] == "Cập nhật danh sách đơn vị triển khai"
    received = [e for e in await harness.events() if isinstance(e, ev.PackageReceived)]
    assert [(e.outcome, e.document_id) for e in received][-1] == ("recorded", arrival)


async def test_an_update_naming_another_agencys_document_is_held_with_no_effect(harness, make_body, make_document):
    """H41's arrival cannot be updated through a package to H14, nor by another sender than its own."""
    await original(harness, make_body, recipient=H41)
    before = dict(harness.storage.objects)
    body = generated_update(make_document)
    # addressed to H14 (served here), naming the DocumentId H41 received
    to_h14 = body.replace(H41.encode(), H14.encode())
    held = await harness.take(to_h14, H14, sender_code=G22)
    assert held.outcome == "held" and NAMED in held.reason and "không có văn bản đến" in held.reason
    # from another sender (28.22.H17) naming that DocumentId
    other = generated_update(make_document).replace(f"<edXML:OrganId>{G22}</edXML:OrganId>".encode(),
                                                    b"<edXML:OrganId>28.22.H17</edXML:OrganId>", 1)
    held = await harness.take(other, H41, sender_code="28.22.H17")
    assert held.outcome == "held" and "28.22.H17" in held.reason
    assert harness.registry.revocations == [] and harness.registry.updates == {}
    assert harness.storage.objects == before  # nothing of the updates stored


async def test_an_update_the_registry_refuses_is_held_with_its_reason(harness, make_body, make_document):
    arrival = await original(harness, make_body)
    harness.registry.refuse_requests_with = "cơ quan gửi đã có yêu cầu thu hồi văn bản này đang chờ văn thư trả lời"
    held = await harness.take(generated_update(make_document), H41, sender_code=G22)
    assert held.outcome == "held" and "đang chờ văn thư trả lời" in held.reason
    assert held.document_id == "" and harness.registry.updates == {} and arrival


async def test_a_later_request_may_name_the_arrival_by_the_document_id_its_update_carried(
        harness, make_body, make_document):
    """The update gave the document a new number and date (its own DocumentId): a thu hồi (status 13) naming that
    DocumentId acts on the same arrival; from another sender, or to another recipient, it names nothing."""
    from datetime import datetime

    from vanthu_edxml import Organization, ResponseFor, StaffInfo, StatusPackage, write_status

    updated = "000.00.00.G22,2031/06/20,124/VPCP-TTĐT"  # the generated update's own DocumentId
    arrival = await original(harness, make_body)
    h14 = await harness.take(make_body(document_id=NAMED, recipients=(Organization(H14, "Sở Tài chính"),)), H14,
                             sender_code=G22)  # H14 received the original too, but not the update
    assert h14.outcome == "accepted", h14.reason
    assert (await harness.take(generated_update(make_document), H41, sender_code=G22)).outcome == "recorded"

    def revoke(sender: str) -> bytes:
        return write_status(StatusPackage(
            sender=Organization(sender, "Văn phòng Chính phủ"), response_for=ResponseFor(H41, "124/VPCP-TTĐT", None,
                                                                                        updated),
            staff=StaffInfo("Văn thư", "Nguyễn Thị Ánh"), status_code="13", description="Ban hành nhầm, xin thu hồi",
            timestamp=datetime(2031, 6, 21, 9, 0)))

    held = await harness.take(revoke("28.22.H17"), H41, sender_code="28.22.H17", transport_id="other-sender")
    assert held.outcome == "held" and updated in held.reason
    held = await harness.take(revoke(G22).replace(H41.encode(), H14.encode()), H14, sender_code=G22,
                              transport_id="other-recipient")
    assert held.outcome == "held" and updated in held.reason
    assert len(harness.registry.revocations) == 1  # the update's request only

    receipt = await harness.take(revoke(G22), H41, sender_code=G22, transport_id="revoke-updated")
    assert (receipt.outcome, receipt.document_id) == ("recorded", arrival), receipt.reason
    assert harness.registry.revocations[-1][:3] == (H41, arrival, "requested")
    assert harness.registry.revocations[-1][3] == "Ban hành nhầm, xin thu hồi"
