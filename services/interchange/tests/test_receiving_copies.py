"""A package built here carries files its sending agency holds in storage: the receiver has storage copy them for
the recipient (CopyObject) instead of uploading the same bytes again; a package from outside (the national axis, a
peer installation) is uploaded, as is a file the sender turns out not to hold. Either way the arrival refers to the
recipient's own object with the same bytes."""

from __future__ import annotations

import hashlib

import pytest

from vanthu_edxml import Attachment

pytestmark = pytest.mark.integration

#: The file of the conftest's document package, from its sender to its recipient.
PDF = b"%PDF-1.7\n%%EOF\n"
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
DIGEST = hashlib.sha256(PDF).hexdigest()


async def test_a_package_built_here_has_its_file_copied_from_the_senders_object(harness, make_body) -> None:
    await harness.storage.store(SENDER, "123-VPCP-TTĐT.pdf", PDF)  # the sealed file the package was built from
    package_id = await harness.put(make_body(), sender_code=SENDER)

    receipt = await harness.receiver.take_in(package_id, package_id, RECIPIENT, built_here=True)

    assert receipt.outcome == "accepted", receipt.reason
    assert harness.storage.copies == [(SENDER, RECIPIENT, DIGEST)]
    [main] = harness.registry.inputs[receipt.document_id].files
    assert harness.storage.objects[main.object_id] == (RECIPIENT, "123-VPCP-TTĐT.pdf", PDF)
    assert (main.sha256, main.role) == (DIGEST, "main")


async def test_a_package_from_outside_is_uploaded_even_when_its_claimed_sender_holds_the_bytes(
        harness, make_body) -> None:
    """The sender a package from the axis or a peer names is only its claim: nothing is copied from that agency."""
    await harness.storage.store(SENDER, "123-VPCP-TTĐT.pdf", PDF)

    receipt = await harness.take(make_body(), RECIPIENT, sender_code=SENDER)

    assert receipt.outcome == "accepted", receipt.reason
    assert harness.storage.copies == []
    [main] = harness.registry.inputs[receipt.document_id].files
    assert harness.storage.objects[main.object_id] == (RECIPIENT, "123-VPCP-TTĐT.pdf", PDF)


async def test_a_file_the_sender_does_not_hold_is_uploaded(harness, make_body) -> None:
    package_id = await harness.put(make_body(), sender_code=SENDER)

    receipt = await harness.receiver.take_in(package_id, package_id, RECIPIENT, built_here=True)

    assert receipt.outcome == "accepted", receipt.reason
    assert harness.storage.copies == []
    [main] = harness.registry.inputs[receipt.document_id].files
    assert harness.storage.objects[main.object_id] == (RECIPIENT, "123-VPCP-TTĐT.pdf", PDF)


@pytest.mark.parametrize("built_here", [True, False], ids=["copied", "uploaded"])
async def test_an_arrivals_file_is_named_as_storage_keeps_it_without_bidirectional_controls(
        harness, make_body, built_here: bool) -> None:
    """A name that shows other than it is ("Quyết định\u202efdp.exe" reads "Quyết địnhexe.pdf"): storage drops the
    controls; the arrival the clerk reads names the file as storage keeps it, not as the package spelled it."""
    await harness.storage.store(SENDER, "123-VPCP-TTĐT.pdf", PDF)
    hostile = "Quyết định số 123\u202efdp.exe"
    body = make_body(attachments=(Attachment.from_bytes("cid:1", hostile, PDF, "application/pdf"),))
    package_id = await harness.put(body, sender_code=SENDER)

    receipt = await harness.receiver.take_in(package_id, package_id, RECIPIENT, built_here=built_here)

    assert receipt.outcome == "accepted", receipt.reason
    [main] = harness.registry.inputs[receipt.document_id].files
    assert main.file_name == "Quyết định số 123fdp.exe"
    assert harness.storage.objects[main.object_id][1] == main.file_name
