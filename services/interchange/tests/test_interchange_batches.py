"""Interchange's consumers in batches (issue 12): the receiver takes the packages of a batch in together (one read,
one RecordArrivals, one transaction for the receipts and their 01s) and the sender writes the packages of a batch of
issued documents in one transaction; a package that cannot be taken in is refused alone with the same effect as on its
own, one already taken in changes nothing, a message that is not one is poison alone. The real store (SQLite migrated
to head) and the in-memory registry and storage of ``conftest``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.bus import PoisonMessage
from vanthu_core.errors import NotFound, Unavailable
from vanthu_core.events import new_meta
from vanthu_edxml import Code
from vanthu_interchange.routing import LOCAL
from vanthu_interchange.sending import Sender
from vanthu_interchange.store import InterchangeStore, NewDelivery

#: As in conftest.py (not importable under --import-mode=importlib).
SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H41"
PDF = b"%PDF-1.7\n%%EOF\n"
NOW = datetime(2031, 6, 15, 3, 0, tzinfo=UTC)
Harness = Any  # conftest.Harness
pytestmark = pytest.mark.integration


async def dispatched(harness: Harness, body: bytes, number: int, edxml_document_id: str = "") -> ev.PackageDispatched:
    """A package of SENDER to RECIPIENT written as the sending side writes a local delivery, and its dispatch."""
    package_id = f"pkg-{number}"
    await harness.store.add_package(
        package_id=package_id, kind="edoc", sender_code=SENDER, edxml_document_id=edxml_document_id or f"doc-{number}",
        body=body,
        sha256=hashlib.sha256(body).hexdigest(), document_id=f"outgoing-{number}",
        deliveries=[NewDelivery(f"edoc/outgoing-{number}/{RECIPIENT}", RECIPIENT, "", LOCAL, "sent")],
        events=lambda rows: [])
    return ev.PackageDispatched(meta=new_meta(actor="vanthu-interchange", agency=RECIPIENT), package_id=package_id,
                                kind="edoc", sender_code=SENDER, recipient_code=RECIPIENT)


def letter(make_body: Any, number: int) -> bytes:
    """The bytes of conftest's document package numbered ``number``."""
    return bytes(make_body(code=Code(str(number), "VPCP-TTĐT"),
                           document_id=f"{SENDER},2031/06/14,{number}/VPCP-TTĐT"))


def counted(store: InterchangeStore, method: str) -> list[int]:
    """Wrap ``store.<method>`` (a batch write) to record the size of each call."""
    calls: list[int] = []
    own = getattr(store, method)

    async def wrapper(items: list[Any]) -> Any:
        calls.append(len(items))
        return await own(items)

    setattr(store, method, wrapper)
    return calls


async def test_a_batch_of_packages_is_taken_in_together_and_a_bad_one_alone(
        harness: Harness, make_body: Any) -> None:
    good = [await dispatched(harness, letter(make_body, n), n) for n in (1, 2, 3)]
    hostile = await dispatched(harness, b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'a'>]><x>&a;</x>", 4)
    twice = await dispatched(harness, letter(make_body, 5), 5)
    await harness.receiver(twice)  # taken in before the batch
    before = await harness.receipts()
    harness.registry.refuse_keys = {f"pkg-3/{RECIPIENT}"}  # the registry refuses this one arrival alone
    stranger = ev.PackageDispatched(meta=new_meta(actor="x", agency=SENDER), package_id="pkg-1", kind="edoc",
                                    sender_code=SENDER, recipient_code=RECIPIENT)
    receipts_calls = counted(harness.store, "add_receipts")

    outcomes = await harness.receiver.batch([good[0], hostile, good[1], twice, stranger, good[2]])

    assert [type(o).__name__ if o else None for o in outcomes] == [None, None, None, None, "PoisonMessage", None]
    assert harness.registry.batch_calls == [3]  # one RecordArrivals for the three plain packages
    assert receipts_calls == [2]  # the two arrivals' receipts in one transaction (the refused one alone)
    receipts = {r.transport_id: r for r in await harness.receipts() if r.kind == "edoc"}
    assert len(receipts) == len([r for r in before if r.kind == "edoc"]) + 4
    # each arrival's 01 taken in for its sender (served here too) in the same transaction, as on its own
    assert len([r for r in await harness.receipts() if r.kind == "status"]) == 3
    assert [receipts[f"pkg-{n}"].outcome for n in (1, 2, 3, 4, 5)] == ["accepted", "accepted", "returned",
                                                                      "returned", "accepted"]
    assert "Không tiếp nhận được văn bản" in receipts["pkg-3"].reason
    assert len(harness.registry.arrivals) == 3  # 1, 2 and the one taken in before; nothing twice
    # each package's first answer once: 01 for the three arrivals, 02 for the two returned
    answers = await harness.answers()
    assert sorted(a.package.status_code for a in answers) == ["01", "01", "01", "02", "02"]
    # the same batch again (a redelivery after a crash) changes nothing
    assert await harness.receiver.batch([good[0], good[1], twice]) == [None, None, None]
    assert len([r for r in await harness.receipts() if r.kind == "edoc"]) == 5 and len(await harness.answers()) == 5
    assert len(harness.registry.arrivals) == 3


async def test_a_batch_copies_its_files_in_one_call_and_a_refused_copy_returns_only_its_package(
        harness: Harness, make_body: Any) -> None:
    """The files of a batch's packages are copied from their senders' objects in one storage call (CopyObjects): a
    copy storage refuses sends its package alone (returned with 02, as on its own), a file the sender does not hold
    is uploaded, the others arrive together."""
    from vanthu_edxml import Attachment

    def with_file(number: int) -> tuple[bytes, str]:
        content = PDF + f"% {number}\n".encode()
        body = bytes(make_body(code=Code(str(number), "VPCP-TTĐT"),
                               document_id=f"{SENDER},2031/06/14,{number}/VPCP-TTĐT",
                               attachments=(Attachment.from_bytes("cid:1", f"{number}.pdf", content,
                                                                  "application/pdf", "Văn bản chính"),)))
        return body, hashlib.sha256(content).hexdigest()

    made = [with_file(n) for n in (1, 2, 3, 4)]
    for number, (_, digest) in zip((1, 2, 3), made, strict=False):  # the sender holds the first three files
        harness.storage.objects[f"{SENDER}:{digest}"] = (SENDER, f"{number}.pdf", PDF + f"% {number}\n".encode())
    harness.storage.refuse_copies = {made[1][1]}
    batch = [await dispatched(harness, body, n) for n, (body, _) in zip((1, 2, 3, 4), made, strict=True)]

    assert await harness.receiver.batch(batch) == [None, None, None, None]

    assert harness.storage.copy_calls == [4]  # one call for the batch's files
    assert sorted(d for _, _, d in harness.storage.copies) == sorted((made[0][1], made[2][1]))
    assert f"{RECIPIENT}:{made[3][1]}" in harness.storage.objects  # not held by the sender: uploaded
    assert harness.registry.batch_calls == [3]
    receipts = {r.transport_id: r for r in await harness.receipts() if r.kind == "edoc"}
    assert [receipts[f"pkg-{n}"].outcome for n in (1, 2, 3, 4)] == ["accepted", "returned", "accepted", "accepted"]
    assert "storage refuses this copy" in receipts["pkg-2"].reason
    assert sorted(a.package.status_code for a in await harness.answers()) == ["01", "01", "01", "02"]


async def test_a_batch_the_registry_cannot_record_fails_as_a_whole_for_the_bus_to_retry_one_at_a_time(
        harness: Harness, make_body: Any) -> None:
    batch = [await dispatched(harness, letter(make_body, n), n) for n in (1, 2)]

    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("registry: the registry is not answering")

    harness.registry.record_arrivals = unavailable
    with pytest.raises(Unavailable):
        await harness.receiver.batch(batch)
    assert await harness.receipts() == [] and await harness.answers() == []


def issued(number: int, recipients: list[str]) -> tuple[documents_pb2.Document, registry_events.DocumentIssued]:
    document = documents_pb2.Document(
        id=f"outgoing-{number}", agency_code=SENDER, direction="outgoing", status="issued", type_code="cong_van",
        type_name="Công văn", abstract=f"V/v triển khai văn bản số {number}", urgency="normal", place="Hà Nội",
        number_symbol=f"{number}/VPCP-TTĐT", document_date="2031-06-14",
        signer=documents_pb2.Signer(name="Nguyễn Văn Đức", title="Phó Chủ nhiệm"),
        recipients=[documents_pb2.Recipient(agency_code=code, name="Nơi nhận") for code in recipients],
        files=[documents_pb2.DocumentFile(object_id="obj-main", role="main", file_name="7-VPCP.pdf",
                                          content_type="application/pdf")])
    return document, registry_events.DocumentIssued(
        meta=new_meta(actor="vanthu.vpcp", agency=SENDER),
        document=registry_events.DocumentState(document_id=document.id, direction="outgoing", status="issued"),
        recipients=list(document.recipients))


async def test_a_batch_of_issued_documents_is_written_in_one_transaction_and_a_failing_one_alone(
        harness: Harness) -> None:
    documents = {}
    events = []
    for number in (1, 2, 3):
        document, event = issued(number, [RECIPIENT])
        documents[document.id] = document
        events.append(event)

    async def issued_document(agency: str, document_id: str) -> documents_pb2.Document:
        if document_id == "outgoing-2":
            raise Unavailable("registry: the registry is not answering")
        return documents[document_id]

    harness.registry.issued_document = issued_document
    harness.registry.agencies[SENDER] = registry_pb2.Agency(code=SENDER, name="Văn phòng Chính phủ")
    harness.storage.objects["obj-main"] = (SENDER, "7-VPCP.pdf", PDF)
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router, clock=lambda: NOW)
    packages_calls = counted(harness.store, "add_packages")
    not_one = registry_events.DocumentArrived(meta=new_meta(actor="x", agency=SENDER))

    outcomes = await sender.batch([events[0], events[1], not_one, events[2]])

    assert [type(o).__name__ if o else None for o in outcomes] == [None, "Unavailable", "PoisonMessage", None]
    assert isinstance(outcomes[2], PoisonMessage)
    assert packages_calls == [2]
    for number, state in ((1, "sent"), (3, "sent")):
        assert [(d.recipient_code, d.state) for d, _ in await harness.store.deliveries_of(
            SENDER, f"outgoing-{number}")] == [(RECIPIENT, state)]
    assert await harness.store.deliveries_of(SENDER, "outgoing-2") == []
    sent = [e for e in await harness.events() if isinstance(e, ev.PackageDispatched)]
    assert sorted(e.document_id for e in sent) == ["outgoing-1", "outgoing-3"]
    # redelivered with the one that failed: only that one is written now
    outcomes = await sender.batch([events[0], events[2]])
    assert outcomes == [None, None] and packages_calls == [2]  # nothing new to write: no transaction


async def test_a_batch_of_issued_documents_is_read_in_one_registry_call_and_its_files_in_one_storage_call(
        harness: Harness) -> None:
    """The sender's batch reads its documents with one GetDocuments and their files with one ReadObjects (issue
    12's bench, a ninth round), builds the packages one by one builds, and a document the registry or storage
    refuses (not found, a file storage does not find) fails alone, with the error one by one meets."""
    documents, events = {}, []
    for number in (1, 2, 3, 4):
        document, event = issued(number, [RECIPIENT])
        documents[document.id] = document
        events.append(event)
    documents["outgoing-2"].files[0].object_id = "obj-lost"  # storage does not find it
    documents["outgoing-4"].files.insert(0, documents_pb2.DocumentFile(  # an attachment listed before the main file
        object_id="obj-annex", role="attachment", file_name="phụ lục.pdf", content_type="application/pdf"))

    async def issued_document(agency: str, document_id: str) -> documents_pb2.Document:
        if document_id == "outgoing-3":
            raise NotFound(f"Dịch vụ văn bản: Văn bản {document_id} chưa được ban hành.")
        return documents[document_id]

    harness.registry.issued_document = issued_document
    harness.registry.agencies[SENDER] = registry_pb2.Agency(code=SENDER, name="Văn phòng Chính phủ")
    harness.storage.objects["obj-main"] = (SENDER, "7-VPCP.pdf", PDF)
    harness.storage.objects["obj-annex"] = (SENDER, "phụ lục.pdf", PDF + b"% phu luc\n")
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router, clock=lambda: NOW)

    outcomes = await sender.batch(events)

    assert harness.registry.read_calls == [4] and harness.storage.read_calls == [4]  # 1 + 1 + 2 files
    assert [type(o).__name__ if o else None for o in outcomes] == [None, "NotFound", "NotFound", None]
    assert "chưa được ban hành" in str(outcomes[2])
    for number in (1, 4):
        (delivery, _), = await harness.store.deliveries_of(SENDER, f"outgoing-{number}")
        package = await harness.store.package(delivery.package_id)
        _, alone = await sender.build(SENDER, f"outgoing-{number}")
        assert package is not None and package.body == alone.body  # what one by one builds
    for number in (2, 3):  # one by one meets the same error
        with pytest.raises(NotFound):
            await sender.build(SENDER, f"outgoing-{number}")
        assert await harness.store.deliveries_of(SENDER, f"outgoing-{number}") == []


async def test_a_batch_whose_storage_call_fails_fails_each_of_its_documents_for_the_bus_to_retry(
        harness: Harness) -> None:
    (first, one), (second, two) = issued(1, [RECIPIENT]), issued(2, [RECIPIENT])
    harness.registry.issued_document = lambda agency, document_id: _returning(
        first if document_id == first.id else second)
    harness.registry.agencies[SENDER] = registry_pb2.Agency(code=SENDER, name="Văn phòng Chính phủ")

    async def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("storage: not answering")

    harness.storage.read_many = unavailable
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router, clock=lambda: NOW)
    outcomes = await sender.batch([one, two])
    assert [type(o).__name__ for o in outcomes] == ["Unavailable", "Unavailable"]
    assert await harness.store.deliveries_of(SENDER, "outgoing-1") == []
    assert await harness.store.deliveries_of(SENDER, "outgoing-2") == []


async def _returning(value: Any) -> Any:
    return value


async def test_a_batch_writes_its_events_in_one_statement_in_the_order_one_at_a_time_writes_them(
        harness: Harness, make_body: Any) -> None:
    """The receipts of a batch and their 01s make ~3 outbox writes a letter one at a time; together they are one
    statement at the end of the batch's transaction (issue 12's bench), holding the same events in the same order."""
    alone = [await dispatched(harness, letter(make_body, n), n) for n in (1, 2, 3)]
    together = [await dispatched(harness, letter(make_body, n), n) for n in (4, 5, 6)]
    start = len(await harness.events())
    for message in alone:
        await harness.receiver(message)
    middle = len(await harness.events())
    outbox_writes: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            outbox_writes.append(statement)

    sqlalchemy_event.listen(Engine, "before_cursor_execute", seen)
    try:
        assert await harness.receiver.batch(together) == [None, None, None]
    finally:
        sqlalchemy_event.remove(Engine, "before_cursor_execute", seen)
    events = await harness.events()
    one_by_one = [e.DESCRIPTOR.full_name for e in events[start:middle]]
    batched = [e.DESCRIPTOR.full_name for e in events[middle:]]
    assert batched == one_by_one and len(batched) >= 6  # each letter's events, letter after letter
    received = [e.package_id for e in events[middle:] if e.DESCRIPTOR.name == "PackageReceived"]
    assert [p for p in received if p.startswith("pkg-")] == ["pkg-4", "pkg-5", "pkg-6"]
    assert len(outbox_writes) == 1


async def test_a_batch_writes_its_receipts_and_their_01s_in_a_few_statements_with_the_rows_one_by_one_writes(
        harness: Harness, make_body: Any) -> None:
    """The receipts of a batch with their 01s taken in for the sender here were ~10 statements a letter (issue 12's
    bench, a ninth round); together they are a few a batch, whatever its size, and write the same rows: the
    receipts, the 01's package and delivery, the 01 on the sender's timeline and its receipt."""
    made = {n: await dispatched(harness, letter(make_body, n), n, f"{SENDER},2031/06/14,{n}/VPCP-TTĐT")
            for n in range(1, 13)}
    alone, three, six = [made[n] for n in (1, 2, 3)], [made[n] for n in (4, 5, 6)], [made[n] for n in range(7, 13)]
    for message in alone:
        await harness.receiver(message)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    own = harness.store.add_receipts
    counts: list[int] = []

    async def counted_receipts(items: list[Any]) -> Any:
        start = len(statements)
        sqlalchemy_event.listen(Engine, "before_cursor_execute", seen)
        try:
            return await own(items)
        finally:
            sqlalchemy_event.remove(Engine, "before_cursor_execute", seen)
            counts.append(len(statements) - start)

    harness.store.add_receipts = counted_receipts
    assert await harness.receiver.batch(three) == [None] * 3
    assert await harness.receiver.batch(six) == [None] * 6
    assert counts[0] == counts[1] <= 12, (counts, statements)  # one by one: ~10 a letter

    receipts, statuses = await harness.receipts(), await harness.statuses()
    answers = await harness.answers()

    def of(number: int) -> tuple[Any, ...]:
        mark = f",{number}/VPCP-TTĐT"
        kept = sorted((r.kind, r.recipient_code, r.sender_code, r.outcome, r.reason.replace(mark, ""),
                       bool(r.document_id)) for r in receipts if r.edxml_document_id.endswith(mark))
        answered = sorted((a.delivery.recipient_code, a.delivery.route, a.delivery.state, a.package.status_code)
                          for a in answers if a.delivery.edxml_document_id.endswith(mark))
        return tuple(kept), tuple(answered)

    async def timeline(number: int) -> list[tuple[str, str, str]]:
        (_, rows), = await harness.store.deliveries_of(SENDER, f"outgoing-{number}")
        return [(s.code, s.description, s.staff) for s in rows]

    first = await timeline(1)
    assert of(1)[0] and of(1)[1] and [code for code, *_ in first] == ["01"]  # the comparison compares something
    for number in range(2, 13):
        assert (of(number), await timeline(number)) == (of(1), first)
    assert len(statuses) == 12


@pytest.mark.parametrize("how", ["batch", "alone"])
async def test_a_recipient_listed_twice_gets_one_delivery_and_the_document_leaves(harness: Harness, how: str) -> None:
    """A draft listing Sở Nội vụ twice was issued and never sent: the second delivery's key was taken, the
    transaction failed every time it was tried, nothing reached the sender's timeline or `failed` (found trying
    the exchange as a new user). Each code now makes one delivery, and the package names it once."""
    document, event = issued(1, [RECIPIENT, "000.00.00.H14", RECIPIENT])
    harness.registry.issued_document = lambda agency, document_id: _returning(document)
    harness.registry.agencies[SENDER] = registry_pb2.Agency(code=SENDER, name="Văn phòng Chính phủ")
    harness.storage.objects["obj-main"] = (SENDER, "7-VPCP.pdf", PDF)
    sender = Sender(harness.store, harness.registry, harness.storage, harness.receiver.router, clock=lambda: NOW)

    if how == "batch":
        assert await sender.batch([event]) == [None]
    else:
        await sender(event)
    deliveries = [d for d, _ in await harness.store.deliveries_of(SENDER, "outgoing-1")]
    assert sorted(d.recipient_code for d in deliveries) == sorted([RECIPIENT, "000.00.00.H14"])
    package = await harness.store.package(deliveries[0].package_id)
    assert package is not None and package.body.count(f"<edXML:OrganId>{RECIPIENT}</edXML:OrganId>".encode()) == 1
    await sender(event)  # a redelivery: nothing more
    assert len(await harness.store.deliveries_of(SENDER, "outgoing-1")) == 2
