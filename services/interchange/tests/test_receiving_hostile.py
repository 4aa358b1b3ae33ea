"""Hostile packages taken in by the receiver (issue 12, "Done when"): each is returned at once with status 02 and a
clear reason, and has no other effect (no arrival, no stored file, one 02, one ``returned`` event).

The parser's own defences (entities, depth, sizes, namespaces) are pinned in ``libs/vanthu-edxml/tests``; here
the receiver's behaviour is: what it records, what it answers, what it never does.
"""

from __future__ import annotations

import asyncio

import pytest

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu_edxml import NS, Attachment, EncodedData, Limits, Organization, StatusCode

pytestmark = pytest.mark.unit

G22, H41, H14 = "000.00.00.G22", "000.00.00.H41", "000.00.00.H14"
DOC_ID = "000.00.00.G22,2031/06/14,123/VPCP-TTĐT"


def with_doctype(body: bytes, doctype: str) -> bytes:
    """``body`` with ``doctype`` between its XML declaration and its root."""
    declaration, rest = body.split(b"?>", 1)
    return declaration + b"?>" + doctype.encode() + rest


async def test_external_entity_package_is_returned_and_reads_no_file(harness, make_body):
    body = with_doctype(make_body(), '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    body = body.replace("V/v triển khai".encode(), b"&xxe;", 1)
    receipt = await harness.take(body, H41, sender_code=G22, edxml_document_id=DOC_ID)
    answer = await harness.returned_with_no_effect(receipt, "Gói tin không hợp lệ", "không đọc được edXML",
                                                   "dùng khai báo DTD, thực thể (entity)", "chi tiết kỹ thuật: ")
    assert "root:" not in receipt.reason  # nothing of the file the entity names
    assert answer.response_for.document_id == DOC_ID and answer.response_for.agency_code == G22


async def test_entity_expansion_package_is_returned(harness, make_body):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    body = with_doctype(make_body(), f"<!DOCTYPE edXML [{entities}]>").replace(
        "V/v triển khai".encode(), b"&lol9;", 1)
    receipt = await harness.take(body, H41, sender_code=G22, edxml_document_id=DOC_ID)
    await harness.returned_with_no_effect(receipt, "không đọc được edXML", "bị từ chối để bảo đảm an toàn")


@pytest.mark.parametrize("limits", [Limits(max_attachment_bytes=64 * 1024)])
async def test_claimed_oversized_attachment_is_returned_before_anything_is_decoded(harness, make_document,
                                                                                   monkeypatch, limits):
    """The claim is the base64 length (edXML declares no size): 1 GB of base64 cannot be allocated in a unit test,
    so the receiver is configured with a 64 KB limit and sent 16× that, which takes the same path as 1 GB against
    the service's 200 MB default (``max_file_bytes``), and no attachment is ever decoded."""
    from vanthu_edxml import write_document

    claim = Attachment("cid:1", "1GB.pdf", "application/pdf", "Văn bản chính", EncodedData(b"QUFB" * (256 * 1024)))
    body = write_document(make_document(attachments=(claim,)))

    def never(self: EncodedData) -> bytes:
        raise AssertionError("an attachment over the limit was decoded")

    monkeypatch.setattr(EncodedData, "decode", never)
    receipt = await harness.take(body, H41, sender_code=G22, edxml_document_id=DOC_ID)
    await harness.returned_with_no_effect(receipt, "không đọc được edXML", str(64 * 1024), "vượt giới hạn cho phép")


async def test_wrong_namespace_package_is_returned(harness, make_body):
    body = make_body().replace(NS.encode(), b"http://example.com/not-qcvn-102")
    receipt = await harness.take(body, H41, sender_code=G22, edxml_document_id=DOC_ID)
    await harness.returned_with_no_effect(receipt, "không đọc được edXML", "không gian tên (namespace) edXML")


async def test_malformed_base64_package_is_returned_and_stores_nothing(harness, make_document):
    from vanthu_edxml import write_document

    good = Attachment.from_bytes("cid:1", "chinh.pdf", b"%PDF-1.7\n%%EOF\n")
    bad = Attachment("cid:2", "phu-luc.pdf", "application/pdf", "Phụ lục", EncodedData(b"not*base64!"))
    receipt = await harness.take(write_document(make_document(attachments=(good, bad))), H41, sender_code=G22)
    answer = await harness.returned_with_no_effect(receipt, "Gói tin không hợp lệ", "Attachment[2]", "base64",
                                                   "được mã hóa base64 hợp lệ")
    # the 02 names the document (it was read; only its attachment was bad)
    assert answer.response_for.document_id == DOC_ID and answer.response_for.code == "123/VPCP-TTĐT"


async def test_package_without_attachment_is_returned(harness, make_body):
    receipt = await harness.take(make_body(attachments=()), H41, sender_code=G22)
    await harness.returned_with_no_effect(receipt, "không có tệp văn bản đính kèm")


@pytest.mark.parametrize("served", [(H41, G22)])
async def test_package_for_an_agency_not_served_here_is_returned(harness, make_body, served):
    body = make_body(recipients=(Organization("000.00.00.H99", "Ủy ban nhân dân tỉnh khác"),))
    receipt = await harness.take(body, "000.00.00.H99", sender_code=G22)
    assert receipt.recipient_code == "000.00.00.H99"
    await harness.returned_with_no_effect(receipt, "000.00.00.H99", "không thuộc hệ thống này")


async def test_package_not_addressed_to_the_recipient_is_returned(harness, make_body):
    receipt = await harness.take(make_body(), H14, sender_code=G22)  # served here, but the package is to H41 only
    await harness.returned_with_no_effect(receipt, f"không gửi đến cơ quan {H14}")


async def test_registry_refusing_the_arrival_returns_the_package(harness, make_body):
    harness.registry.refuse_with = "loại văn bản không có trong danh mục"
    receipt = await harness.take(make_body(), H41, sender_code=G22)
    assert receipt.outcome == "returned" and "loại văn bản không có trong danh mục" in receipt.reason
    assert harness.registry.arrivals == {}
    (answer,) = await harness.answers()
    assert answer.package.status_code == "02"


# -- a DocumentId that contradicts the header -------------------------------------------------------------------------
# Decision (regulations digest §1.3.2, §1.5; the SDK samples): in the receiving profile a DocumentId that does not
# match the header is a warning, not a refusal. The official edoc_new.edxml carries a DocumentId whose issuer, date
# and number all contradict its From, PromulgationDate and Code, and the receiving profile must take it in. What
# makes it harmless is what the receiver does with it: the arrival takes the sender, number/symbol and date from the
# header (never from the DocumentId), and the DocumentId is only echoed, verbatim, as the key of the 01 so the
# sender can match its delivery. From a peer VanThu installation (strict writer) the federation port refuses it
# (test_interchange_federation.py); docs/architecture.md gives the whole decision.

@pytest.mark.parametrize("document_id", [
    "000.00.00.H99,2001/01/01,999/GIA-MAO",  # another issuer, date and number
    "000.00.00.G22,2031/06/14,124/VPCP-TTĐT",  # only the number differs
    "5f0c9a36-3f3b-4c0e-9d55-1f2a3b4c5d6e",  # a UUID (as the official edoc.edxml)
])
async def test_documentid_contradicting_the_header_is_a_warning_and_the_header_wins(harness, make_body,
                                                                                    document_id):
    receipt = await harness.take(make_body(document_id=document_id), H41, sender_code=G22)

    assert receipt.outcome == "accepted", receipt.reason
    assert receipt.edxml_document_id == document_id
    (arrival,) = harness.registry.arrivals.values()
    given = harness.registry.inputs[arrival.id]
    assert (given.sender.agency_code, given.sender.number_symbol, given.sender.document_date) == (
        G22, "123/VPCP-TTĐT", "2031-06-14")
    (answer,) = await harness.answers()
    assert answer.package.status_code == StatusCode.INBOX.value
    assert answer.package.response_for.document_id == document_id
    assert answer.package.response_for.code == "123/VPCP-TTĐT"


# -- the same package twice -------------------------------------------------------------------------------------------

async def test_same_package_taken_in_twice_makes_one_arrival_one_receipt_one_01(harness, make_body):
    package_id = await harness.put(make_body(), sender_code=G22, edxml_document_id=DOC_ID)
    first = await harness.receiver.take_in(package_id, package_id, H41)
    second = await harness.receiver.take_in(package_id, package_id, H41)

    assert first.outcome == "accepted" and second.id == first.id and second.document_id == first.document_id
    assert len(harness.registry.arrivals) == 1 and len(harness.storage.objects) == 1
    assert len(await harness.receipts()) == 1
    assert [a.package.status_code for a in await harness.answers()] == ["01"]
    assert [e.outcome for e in await harness.events() if isinstance(e, ev.PackageReceived)] == ["accepted"]


async def test_same_package_taken_in_concurrently_makes_one_arrival_and_one_01(harness, make_body):
    package_id = await harness.put(make_body(), sender_code=G22, edxml_document_id=DOC_ID)
    receipts = await asyncio.gather(*(harness.receiver.take_in(package_id, package_id, H41) for _ in range(3)))

    assert len({r.id for r in receipts}) == 1
    assert len(harness.registry.arrivals) == 1 and len(await harness.receipts()) == 1
    assert [a.package.status_code for a in await harness.answers()] == ["01"]


async def test_same_refused_package_twice_answers_one_02(harness, make_body):
    package_id = await harness.put(make_body(attachments=()), sender_code=G22, edxml_document_id=DOC_ID)
    first = await harness.receiver.take_in(package_id, package_id, H41)
    again = await harness.receiver.take_in(package_id, package_id, H41)
    assert again.id == first.id
    await harness.returned_with_no_effect(first, "không có tệp")


async def test_the_receipt_and_its_01_commit_together_so_a_crash_between_them_leaves_neither(harness, make_body,
                                                                                             monkeypatch):
    """The 01 is written in the receipt's transaction: a crash while writing it rolls the receipt back too, and the
    redelivered package makes one receipt and one 01 (the registry's arrival key keeps the arrival one)."""
    package_id = await harness.put(make_body(), sender_code=G22, edxml_document_id=DOC_ID)
    insert = harness.store._insert_package

    async def crash(*args, **kwargs):
        raise ConnectionError("the process died writing its 01")

    monkeypatch.setattr(harness.store, "_insert_package", crash)
    with pytest.raises(ConnectionError):
        await harness.receiver.take_in(package_id, package_id, H41)
    assert await harness.receipts() == [] and await harness.answers() == []
    monkeypatch.setattr(harness.store, "_insert_package", insert)
    await harness.receiver.take_in(package_id, package_id, H41)
    assert len(await harness.receipts()) == 1
    assert [a.package.status_code for a in await harness.answers()] == ["01"]
    assert len(harness.registry.arrivals) == 1


async def test_a_receipt_without_its_01_gets_it_when_the_package_comes_again(harness, make_body, monkeypatch):
    """A receipt committed without its 01 (written by a version that answered after the receipt's commit, and
    crashed in between): the redelivered package finds the receipt and answers."""
    package_id = await harness.put(make_body(), sender_code=G22, edxml_document_id=DOC_ID)
    add_receipt = harness.store.add_receipt

    async def without_answer(receipt, made, *, answer=None, answer_taken_in=None):
        await add_receipt(receipt, made)
        raise ConnectionError("the process died before its 01")

    monkeypatch.setattr(harness.store, "add_receipt", without_answer)
    with pytest.raises(ConnectionError):
        await harness.receiver.take_in(package_id, package_id, H41)
    assert len(await harness.receipts()) == 1 and await harness.answers() == []
    monkeypatch.undo()
    await harness.receiver.take_in(package_id, package_id, H41)
    assert [a.package.status_code for a in await harness.answers()] == ["01"]
    assert len(harness.registry.arrivals) == 1


# -- what would overflow a column on PostgreSQL (found by the fuzz run) ------------------------------------------------

async def test_documentid_longer_than_kept_is_returned_instead_of_failing_the_commit(harness, make_body):
    receipt = await harness.take(make_body(document_id="Đ" * 301), H41, sender_code=G22, edxml_document_id=DOC_ID)
    answer = await harness.returned_with_no_effect(receipt, "DocumentId", "300")
    assert answer.response_for.document_id == DOC_ID  # what the transport said, not the overlong id
    assert len(receipt.edxml_document_id) <= 300


async def test_invalid_package_with_an_overlong_sender_code_is_returned_to_the_transport_sender(harness, make_body):
    receipt = await harness.take(make_body(sender=Organization("9" * 40, "Cơ quan")), H41, sender_code=G22,
                                 edxml_document_id=DOC_ID)
    await harness.returned_with_no_effect(receipt, "QCVN 102:2016")
    assert receipt.sender_code == G22


async def test_status_with_an_overlong_staff_is_recorded_with_its_staff_cut(harness):
    from vanthu_edxml import ResponseFor, StaffInfo, StatusPackage, write_status

    delivery = await harness.seed_delivery(sender_code=G22, recipient_code=H41, edxml_document_id=DOC_ID)
    status = StatusPackage(sender=Organization(H41, "Văn phòng UBND tỉnh"),
                           response_for=ResponseFor(G22, "123/VPCP-TTĐT", None, DOC_ID),
                           staff=StaffInfo("Phòng Hành chính " * 30, "Nguyễn Thị Ánh"), status_code="03",
                           description="Đã vào sổ", timestamp=__import__("datetime").datetime(2031, 6, 15, 9, 0))
    receipt = await harness.take(write_status(status), G22, sender_code=H41)
    assert receipt.outcome == "recorded"
    (kept,) = await harness.statuses()
    assert kept.delivery_id == delivery.id and len(kept.staff) == 300
