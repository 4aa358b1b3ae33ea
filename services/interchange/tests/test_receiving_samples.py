"""Every official SDK sample (``../shared/fixtures/edxml-sdk-samples``) received with its recipient codes served here
(issue 12, "Done when"): what becomes an arrival, what is held, what updates a delivery, what goes back with 02.

The samples are read from ``../shared`` (never copied into the repository); without it these tests skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu_edxml import StatusCode
from vanthu_interchange import events as receiving_events

pytestmark = pytest.mark.unit

G22, H41 = "000.00.00.G22", "000.00.00.H41"
SAMPLE_ID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


async def test_new_document_sample_becomes_an_arrival_with_the_header_fields_and_answers_01(harness, samples: Path):
    body = (samples / "edoc_new.edxml").read_bytes()
    receipt = await harness.take(body, "28.22.H17", sender_code="002.00.20.H13")

    assert receipt.outcome == "accepted", receipt.reason
    (arrival,) = harness.registry.arrivals.values()
    assert receipt.document_id == arrival.id
    given = harness.registry.inputs[arrival.id]
    assert given.direction == "incoming"
    assert given.sender.agency_code == "002.00.20.H13"
    # the header's Code and PromulgationDate, not the (contradicting) DocumentId's
    assert given.sender.number_symbol == "74fass22/VPCP-TTĐT"
    assert given.sender.document_date == "2019-01-16"
    assert given.abstract.startswith("V/v")
    assert given.type_name
    assert len(given.files) == 1 and given.files[0].role == "main"
    (stored,) = harness.storage.objects.values()
    assert stored[0] == "28.22.H17" and stored[2]
    assert given.files[0].object_id in harness.storage.objects

    (answer,) = await harness.answers()
    assert answer.package.status_code == StatusCode.INBOX.value
    assert answer.delivery.recipient_code == "002.00.20.H13" and answer.delivery.status_code == "01"
    assert answer.package.response_for.document_id == SAMPLE_ID  # echoes the sender's key, as received
    assert answer.package.response_for.code == "74fass22/VPCP-TTĐT"
    assert answer.package.sender.agency_code == "28.22.H17"
    received = [e for e in await harness.events() if isinstance(e, ev.PackageReceived)]
    assert [(e.outcome, e.document_id) for e in received] == [("accepted", arrival.id)]


@pytest.mark.parametrize("name", ["edoc_revocation.edxml", "edoc_update.edxml"])
async def test_revoke_and_update_samples_naming_no_arrival_here_are_held_with_no_effect(harness, samples: Path,
                                                                                       name: str):
    """A take-back or update request (business type 1, 2) acts on the arrival it names; these samples name a
    document nobody here received, so each recipient keeps the request, with the reason, and nothing else."""
    body = (samples / name).read_bytes()
    package_id = await harness.put(body, sender_code=G22, edxml_document_id=SAMPLE_ID)
    for recipient in (H41, "000.00.00.H14", "000.00.00.G17"):
        receipt = await harness.receiver.take_in(package_id, package_id, recipient)
        assert receipt.outcome == "held"
        assert "không có văn bản đến" in receipt.reason
    assert harness.registry.arrivals == {} and harness.storage.objects == {}
    assert await harness.answers() == []  # no arrival to accept or refuse: no 15/16, no 01/02
    received = [e for e in await harness.events() if isinstance(e, ev.PackageReceived)]
    assert [e.outcome for e in received] == ["held"] * 3


async def test_the_replacement_sample_becomes_a_new_arrival_for_every_recipient(harness, samples: Path):
    """A replacement (business type 3) is a new document: an arrival, linked to the one it replaces when that one
    was received here (none in this sample), answered 01."""
    body = (samples / "edoc_replacement.edxml").read_bytes()
    package_id = await harness.put(body, sender_code=G22, edxml_document_id=SAMPLE_ID)
    recipients = (H41, "000.00.00.H14", "000.00.00.G17")
    for recipient in recipients:
        receipt = await harness.receiver.take_in(package_id, package_id, recipient)
        assert receipt.outcome == "accepted" and receipt.document_id
    assert len(harness.registry.arrivals) == 3
    assert [a.package.status_code for a in await harness.answers()] == ["01"] * 3


async def test_the_edoc_sample_whose_attachment_is_a_template_placeholder_goes_back_with_02(harness, samples: Path):
    """``edoc.edxml`` carries ``${__StringFromFile(test.txt,,,)}`` (a JMeter placeholder) where the base64 should
    be, and a UUID as DocumentId: it is read, then returned with the reason; the 02 echoes the UUID."""
    body = (samples / "edoc.edxml").read_bytes()
    receipt = await harness.take(body, "000.00.15.H51", sender_code="002.00.20.H13")

    assert receipt.outcome == "returned"
    assert "ContentTransferEncoded" in receipt.reason or "đính kèm" in receipt.reason
    assert harness.registry.arrivals == {} and harness.storage.objects == {}
    (answer,) = await harness.answers()
    assert answer.package.status_code == StatusCode.REJECTION.value
    assert answer.package.description == receipt.reason
    assert answer.package.response_for.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"


STATUS_SAMPLES = [("status.edxml", "01"), ("status_inbox_01.edxml", "01"), ("status_rejection_02.edxml", "02"),
                  ("status_acceptance_03.edxml", "03"), ("status_assignment_04.edxml", "04"),
                  ("status_processing_05.edxml", "05"), ("status_finish_06.edxml", "06"),
                  ("status_change-acceptance_15.edxml", "15"), ("status_change-rejection_16.edxml", "16")]


@pytest.mark.parametrize(("name", "code"), STATUS_SAMPLES)
async def test_status_sample_updates_the_delivery_it_answers(harness, samples: Path, name: str, code: str):
    delivery = await harness.seed_delivery(sender_code=G22, recipient_code=H41, edxml_document_id=SAMPLE_ID)
    body = (samples / name).read_bytes()
    receipt = await harness.take(body, G22, sender_code=H41)

    assert receipt.kind == "status" and receipt.outcome == "recorded", receipt.reason
    (status,) = await harness.statuses()
    assert status.delivery_id == delivery.id and status.code == code and status.description
    # on the delivery's timeline; its state is unchanged (no revocation waits here for a 15 or 16): no
    # delivery.updated, which announces a change of state only
    assert not [e for e in await harness.events() if isinstance(e, ev.DeliveryUpdated)]
    assert await harness.answers() == []  # a status is never answered with a status
    # the same status package again (redelivered): nothing new
    again = await harness.receiver.take_in(receipt.transport_id, receipt.package_id, G22)
    assert again.id == receipt.id and len(await harness.statuses()) == 1


@pytest.mark.parametrize(("name", "code"), STATUS_SAMPLES)
async def test_status_sample_with_no_matching_delivery_is_held_with_a_reason(harness, samples: Path, name: str,
                                                                             code: str):
    await harness.seed_delivery(sender_code=G22, recipient_code="000.00.00.H14", edxml_document_id=SAMPLE_ID)
    receipt = await harness.take((samples / name).read_bytes(), G22, sender_code=H41)

    assert receipt.outcome == "held"
    assert SAMPLE_ID in receipt.reason and H41 in receipt.reason
    assert await harness.statuses() == []
    assert not [e for e in await harness.events() if isinstance(e, ev.DeliveryUpdated)]


async def test_cancellation_13_sample_naming_no_arrival_here_is_held_with_the_reason(harness, samples: Path):
    receipt = await harness.take((samples / "status_cancellation_13.edxml").read_bytes(), H41, sender_code=G22)
    assert receipt.kind == "status" and receipt.outcome == "held" and "không có văn bản đến" in receipt.reason
    assert harness.registry.revocations == []  # nothing of this agency's is marked
    assert await harness.statuses() == [] and await harness.answers() == []
    assert harness.registry.arrivals == {}


async def test_a_status_and_its_receipt_commit_together_so_a_crash_between_them_leaves_neither(harness,
                                                                                              samples: Path,
                                                                                              monkeypatch):
    """A status other than 15/16 is recorded on its delivery in the receipt's transaction: a crash writing the
    receipt rolls the status back too, and the redelivered package records it once."""
    delivery = await harness.seed_delivery(sender_code=G22, recipient_code=H41, edxml_document_id=SAMPLE_ID)
    package_id = await harness.put((samples / "status_inbox_01.edxml").read_bytes(), sender_code=H41,
                                   edxml_document_id=SAMPLE_ID)
    add_event = receiving_events.received

    def crash(**kwargs):
        raise ConnectionError("the process died writing the receipt")

    monkeypatch.setattr(receiving_events, "received", crash)
    with pytest.raises(ConnectionError):
        await harness.receiver.take_in(package_id, package_id, G22)
    assert await harness.statuses() == [] and await harness.receipts() == []
    monkeypatch.setattr(receiving_events, "received", add_event)
    receipt = await harness.receiver.take_in(package_id, package_id, G22)
    assert receipt.outcome == "recorded"
    (status,) = await harness.statuses()
    assert status.delivery_id == delivery.id and status.code == "01"
