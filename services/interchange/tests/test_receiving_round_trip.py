"""Round trips at the interchange level (issue 12, "Done when"): the package :func:`packages.document_package`
builds from a registry document parses back (:func:`packages.read_received`, the receiving profile) to the same
fields, and taken in by the receiver becomes an arrival carrying them. Generated documents carry Vietnamese text
(đ, ư, ơ and the five tones, entered decomposed or composed: they travel as NFC).

The library's own model → bytes → model round trip is in ``libs/vanthu-edxml/tests``; this one starts from what
the registry holds.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_edxml import DocumentId, DocumentPackage, Limits
from vanthu_interchange.packages import PRIORITY, document_package, read_received, split_number_symbol

pytestmark = pytest.mark.unit

BUDGET = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (decomposed input)


def vietnamese(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    """Vietnamese text as people type it (sometimes decomposed), NFC, no outer blanks."""
    raw = st.text(LETTERS + "0123456789 ,.-()/&<>\"'" + TONES, min_size=min_size, max_size=max_size)
    return raw.map(lambda s: unicodedata.normalize("NFC", s).strip()).filter(
        lambda s: len(s) >= min_size and not (s and s[0] in TONES))


agency_codes = st.builds("{:03d}.{:02d}.{:02d}.{}{:02d}".format, st.integers(0, 999), st.integers(0, 99),
                         st.integers(0, 99), st.sampled_from("GH"), st.integers(1, 99))
notations = st.text("ABCDĐGHKLMNPQSTUVX", min_size=1, max_size=12).flatmap(
    lambda head: st.sampled_from(["", "-UBND", "-VP", "-SNV"]).map(lambda tail: head + tail))
days = st.dates(date(2020, 1, 1), date(2060, 12, 31))


@st.composite
def issued(draw: st.DrawFn) -> tuple[documents_pb2.Document, registry_pb2.Agency, str, list[tuple[
        documents_pb2.DocumentFile, bytes]]]:
    """An issued document of the registry, its issuing agency and parent's name, its files with their bytes."""
    sender = registry_pb2.Agency(code=draw(agency_codes), name=draw(vietnamese(1, 200)),
                                 address=draw(vietnamese(0, 80)),
                                 email=draw(st.sampled_from(["", "vanthu@tinh.gov.vn"])),
                                 phone=draw(st.sampled_from(["", "0238 3844 568"])))
    recipients = draw(st.lists(st.builds(documents_pb2.Recipient, agency_code=agency_codes,
                                         name=vietnamese(1, 120)), min_size=1, max_size=3,
                               unique_by=lambda r: r.agency_code))
    issued_on = draw(days)
    document = documents_pb2.Document(
        id="0190a1b2-0000-7000-8000-000000000001", agency_code=sender.code, direction="outgoing", status="issued",
        number_symbol=f"{draw(st.integers(1, 99_999))}/{draw(notations)}", document_date=issued_on.isoformat(),
        type_name=draw(st.sampled_from(["Công văn", "Quyết định", "Thông báo", "Tờ trình", "Kế hoạch"])),
        abstract=draw(vietnamese(1, 500)), urgency=draw(st.sampled_from(list(PRIORITY))),
        place=draw(vietnamese(0, 40)),
        signer=documents_pb2.Signer(name=draw(vietnamese(1, 50)), title=draw(vietnamese(1, 100)),
                                    competence=draw(st.sampled_from(["", "TM.", "KT.", "TL.", "TUQ.", "Q."]))),
        due_date=due.isoformat() if (due := draw(st.none() | days)) else "",
        recipients=recipients)
    files = [(documents_pb2.DocumentFile(object_id=f"obj-{i}", role="main" if i == 0 else "attachment",
                                         file_name=draw(vietnamese(1, 40)) + ".pdf"),
              b"%PDF-1.7\n" + draw(st.binary(max_size=200))) for i in range(draw(st.integers(1, 3)))]
    return document, sender, draw(st.sampled_from(["", "Ủy ban nhân dân tỉnh Nghệ An"])), files


def built(sample: tuple) -> tuple[DocumentPackage, bytes]:
    document, sender, parent, files = sample
    package = document_package(document, sender, parent, files, package_time=datetime(2031, 6, 15, 3, tzinfo=UTC))
    parsed = read_received(package.body, Limits())
    assert isinstance(parsed, DocumentPackage)
    return parsed, package.body


@BUDGET
@given(sample=issued())
def test_document_package_parses_back_to_the_registry_documents_fields(sample):
    document, sender, parent, files = sample
    parsed, _ = built(sample)

    assert parsed.sender.agency_code == sender.code and parsed.sender.name == sender.name
    assert parsed.sender.in_charge == (parent or None)
    assert parsed.sender.address == (sender.address or None) and parsed.sender.email == (sender.email or None)
    assert parsed.sender.telephone == (sender.phone or None)
    assert [(r.agency_code, r.name) for r in parsed.recipients] == [(r.agency_code, r.name)
                                                                   for r in document.recipients]
    assert parsed.code == split_number_symbol(document.number_symbol)
    assert parsed.promulgation.date == date.fromisoformat(document.document_date)
    assert parsed.promulgation.place == (document.place or None)
    assert parsed.document_id == str(DocumentId.build(sender.code, date.fromisoformat(document.document_date),
                                                      parsed.code))
    assert parsed.document_type.type_name == document.type_name
    assert parsed.subject == document.abstract
    assert (parsed.signer.full_name, parsed.signer.position) == (document.signer.name, document.signer.title)
    assert (parsed.signer.competence_prefix or "") == document.signer.competence
    assert parsed.due_date == (date.fromisoformat(document.due_date) if document.due_date else None)
    assert parsed.other_info.priority == PRIORITY[document.urgency]
    assert parsed.to_places == tuple(r.name for r in document.recipients)
    assert parsed.business_type == 0
    assert [(a.name, a.content()) for a in parsed.attachments] == [(f.file_name, content) for f, content in files]
    for text in (parsed.subject, parsed.sender.name, parsed.signer.full_name):
        assert text == unicodedata.normalize("NFC", text)


@BUDGET
@given(sample=issued())
async def test_document_package_taken_in_becomes_an_arrival_with_the_same_fields(harness, sample):
    document, sender, _, files = sample
    _, body = built(sample)
    recipient = document.recipients[0].agency_code
    harness.receiver.router = type(harness.receiver.router)((recipient,))  # this recipient is served here

    receipt = await harness.take(body, recipient, sender_code=sender.code)

    assert receipt.outcome == "accepted", receipt.reason
    given_ = harness.registry.inputs[receipt.document_id]
    assert (given_.sender.agency_code, given_.sender.agency_name) == (sender.code, sender.name)
    assert given_.sender.number_symbol == str(split_number_symbol(document.number_symbol))
    assert given_.sender.document_date == document.document_date
    assert (given_.abstract, given_.type_name, given_.urgency) == (document.abstract, document.type_name,
                                                                   document.urgency)
    assert (given_.signer.name, given_.signer.title, given_.signer.competence) == (
        document.signer.name, document.signer.title, document.signer.competence)
    assert given_.due_date == document.due_date
    assert [f.file_name for f in given_.files] == [f.file_name for f, _ in files]
    assert [harness.storage.objects[f.object_id][2] for f in given_.files] == [content for _, content in files]
