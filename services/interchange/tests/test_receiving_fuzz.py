"""A fuzz run of the receiver (issue 12, "Done when"): hypothesis, a fixed budget, derandomized.

Two sources of input: bytes of a valid package mutated (flipped, cut, spliced with XML that a hostile peer would
send), and models generated and written with the canonical writer (every business type, any recipient, odd
fields, status packages with any code). Whatever comes, :meth:`Receiver.take_in` answers with a receipt
(accepted, returned, held or recorded), raises nothing, and never leaves a half-written state: an arrival has its
receipt and its one 01, a returned package its one 02 and no arrival, a stored file belongs to an arrival
(storage dedupes equal contents), and nothing written would overflow a column on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, select

from vanthu_edxml import (
    Attachment,
    Business,
    Code,
    DocumentType,
    EncodedData,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    WriteError,
    write_document,
    write_status,
)
from vanthu_interchange.store import DeliveryStatusRow, ReceiptRow

pytestmark = pytest.mark.unit

G22, H41 = "000.00.00.G22", "000.00.00.H41"
BUDGET = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large, HealthCheck.filter_too_much])
OUTCOMES = {"accepted", "returned", "held", "recorded"}

# -- mutated bytes ----------------------------------------------------------------------------------------------------
SPLICES = [b"<!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>", b"&x;", b"<", b">", b"</edXML>",
           b"\x00", b"\xff\xfe", b"<![CDATA[", b"]]>", b"<edXML:To><edXML:OrganId>000.00.00.H41</edXML:OrganId>"
           b"</edXML:To>", b"<edXML:BussinessDocType>1</edXML:BussinessDocType>", b"=", b"====", b"*",
           b"<edXML:StatusCode>02</edXML:StatusCode>", b"http://example.com/ns", "đườ".encode(), b"\xc3",
           b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>", b"<edXML:Priority>9</edXML:Priority>", b"x" * 400]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "splice", "delete", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            end = draw(st.integers(at, min(len(data), at + 200)))
            del data[at:end]
        elif action == "splice":
            data[at:at] = draw(st.sampled_from(SPLICES) | st.binary(min_size=1, max_size=16))
        elif action == "delete" and at < len(data):
            del data[at]
        elif action == "truncate":
            del data[at:]
    return bytes(data)


# -- generated models -------------------------------------------------------------------------------------------------
WORDS = "aăâbcdđeêghiklmnoôơpqrstuưvxyĐƯƠàáảãạằắẳẵặềếểễệòóỏõọờớởỡợùúủũụừứửữự 0123456789,./-()&<>\"'"
texts = st.text(WORDS, min_size=0, max_size=80)
long_texts = st.text(WORDS, min_size=0, max_size=600)
codes = st.sampled_from([G22, H41, "000.00.00.H14", "000.00.00.H99", "28.22.H17", "", "x" * 40]) | st.text(
    "0123456789.ABCGH", max_size=20)
dates = st.dates(date(1990, 1, 1), date(2099, 12, 31))
document_ids = st.one_of(st.just(f"{G22},2031/06/14,123/VPCP-TTĐT"), st.just(""), long_texts,
                         st.builds("{},{:%Y/%m/%d},{}/{}".format, codes, dates, texts, texts))
organizations = st.builds(Organization, agency_code=codes, name=st.none() | long_texts)
attachments = st.builds(
    Attachment, content_id=st.sampled_from(["cid:1", "cid:2", "1", ""]), name=st.none() | texts,
    content_type=st.none() | st.sampled_from(["application/pdf", "application/zip", "text/plain"]),
    description=st.none() | texts,
    data=st.none() | st.binary(max_size=300).map(EncodedData.from_bytes)
    | st.sampled_from([b"not*base64!", b"QUJD", b"QUJ", b"", b"===="]).map(EncodedData))


@st.composite
def generated(draw: st.DrawFn) -> bytes:
    """A document or status package written by the canonical writer from a generated (often invalid) model."""
    if draw(st.booleans()):
        status = StatusPackage(
            sender=draw(organizations), status_code=draw(st.sampled_from(["01", "02", "03", "06", "13", "15", "99",
                                                                          ""])),
            response_for=draw(st.none() | st.builds(ResponseFor, codes, st.none() | texts, st.none() | dates,
                                                    st.none() | document_ids)),
            staff=draw(st.none() | st.builds(StaffInfo, st.none() | long_texts, st.none() | long_texts)),
            description=draw(st.none() | long_texts),
            timestamp=draw(st.none() | st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1))
                           .map(lambda d: d.replace(microsecond=0))))
        try:
            return write_status(status)
        except WriteError:
            return write_status(status.replace(description=None))
    kind = draw(st.none() | st.integers(-1, 5))
    trace = None if kind is None else TraceHeaderList(
        (TraceHeader(draw(codes), datetime(2031, 6, 14, 9, 30)),),
        Business(business_type=kind, reason=draw(st.none() | texts), document_id=draw(st.none() | document_ids)))
    fields: dict[str, Any] = {
        "sender": draw(organizations),
        "recipients": tuple(draw(st.lists(st.just(Organization(H41, "Văn phòng UBND tỉnh")) | organizations,
                                          max_size=3))),
        "document_id": draw(st.none() | document_ids), "code": draw(st.none() | st.builds(Code, texts, texts)),
        "promulgation": draw(st.none() | st.builds(PromulgationInfo, st.none() | texts, st.none() | dates)),
        "document_type": draw(st.none() | st.builds(DocumentType, st.just("1"), st.just("0"),
                                                    st.none() | long_texts)),
        "subject": draw(st.none() | long_texts), "due_date": draw(st.none() | dates),
        "other_info": draw(st.none() | st.builds(OtherInfo, priority=st.none() | st.integers(-2, 9))),
        "response_for": tuple(draw(st.lists(st.builds(ResponseFor, codes, st.none() | texts, st.none() | dates,
                                                      st.none() | document_ids), max_size=2))),
        "trace": trace, "attachments": tuple(draw(st.lists(attachments, max_size=3)))}
    from vanthu_edxml import DocumentPackage

    try:
        return write_document(DocumentPackage(**fields))
    except WriteError:
        return write_document(DocumentPackage(sender=fields["sender"]))


# -- the invariants ---------------------------------------------------------------------------------------------------
def fits(row: Any) -> list[str]:
    """The String columns of ``row`` whose value is longer than the column (PostgreSQL would refuse the row)."""
    over = []
    for column in row.__table__.columns:
        if isinstance(column.type, String) and column.type.length:
            value = getattr(row, column.key)
            if isinstance(value, str) and len(value) > column.type.length:
                over.append(f"{row.__tablename__}.{column.key}: {len(value)} > {column.type.length}")
    return over


async def take_and_check(harness: Any, body: bytes, recipient: str) -> ReceiptRow:
    before_answers = await harness.answer_count()
    before_arrivals = dict(harness.registry.arrivals)
    receipt = await harness.take(body, recipient, sender_code=G22, edxml_document_id=f"{G22},2031/06/14,1/X")
    assert receipt.outcome in OUTCOMES, receipt.outcome
    answers = await harness.answers(before_answers)
    new_answers = [a.package.status_code for a in answers]
    key = f"{receipt.transport_id}/{recipient}"
    new_arrivals = {k: v for k, v in harness.registry.arrivals.items() if k not in before_arrivals}
    if receipt.outcome == "accepted":
        assert list(new_arrivals) == [key] and receipt.document_id == new_arrivals[key].id
        assert new_answers == ["01"]
    else:
        assert new_arrivals == {} and receipt.document_id == ""
        answered = receipt.outcome == "returned" and receipt.kind == "edoc" and receipt.sender_code
        assert new_answers == (["02"] if answered else [])
        if receipt.outcome == "returned":
            assert receipt.reason
    # no half-written state: every arrival has its receipt, every stored file an arrival
    for arrival_key, arrival in new_arrivals.items():
        transport_id, _, agency = arrival_key.rpartition("/")
        kept = await harness.store.receipt(transport_id, agency)
        assert kept is not None and kept.document_id == arrival.id
    referenced = {f.object_id for a in harness.registry.arrivals.values() for f in a.files}
    assert set(harness.storage.objects) <= referenced, "a file was stored for no arrival"
    rows: list[Any] = [await harness.store.receipt(receipt.transport_id, recipient)]
    rows += [a.delivery for a in answers]
    async with harness.store.sessions() as session:
        rows += (await session.scalars(select(DeliveryStatusRow).where(
            DeliveryStatusRow.package_id == receipt.transport_id))).all()
    for row in rows:
        assert not fits(row), fits(row)
    return receipt


@pytest.fixture
def base(make_body) -> bytes:
    return make_body()


@BUDGET
@given(data=st.data())
async def test_mutated_packages_never_crash_the_receiver_nor_leave_half_written_state(harness, base, data):
    body = data.draw(mutated(base))
    await take_and_check(harness, body, H41)


@BUDGET
@given(body=generated(), recipient=st.sampled_from([H41, G22, "000.00.00.H99"]))
async def test_generated_packages_never_crash_the_receiver_nor_leave_half_written_state(harness, body, recipient):
    await take_and_check(harness, body, recipient)
