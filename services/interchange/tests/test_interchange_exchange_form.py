"""The exchange form (danh mục gửi nhận) on the wire: an issued document the registry says goes with its paper
original is packed with edXML ``Bussiness/Paper`` 1 ("gửi kèm văn bản giấy", regulations.md §1.3.3), an
electronic-only one with 0; on receipt the flag becomes the arrival's ``exchange_form`` (the recipient sees "bản giấy
sẽ gửi kèm"), and a package that does not say leaves it unknown."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_edxml import read_document
from vanthu_interchange.packages import document_package
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.sending import PAPER
from vanthu_testing.documents import draft_pdf

pytestmark = pytest.mark.unit
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


def issued(exchange_form: str) -> documents_pb2.Document:
    return documents_pb2.Document(
        id="0193a0d6-0000-7000-8000-000000000001", agency_code=UBND, direction="outgoing", status="issued",
        type_code="quyet_dinh", type_name="Quyết định", abstract="Quyết định về việc công nhận xã nông thôn mới",
        urgency="normal", number_symbol="12/QĐ-UBND", document_date="2031-06-15", place="Vĩnh Long",
        signer=documents_pb2.Signer(name="Nguyễn Văn Hưởng", title="Phó Chủ tịch", competence="KT."),
        recipients=[documents_pb2.Recipient(agency_code=SNV, name="Sở Nội vụ")], exchange_form=exchange_form)


def packed(document: documents_pb2.Document) -> bytes:
    main = documents_pb2.DocumentFile(object_id="o1", role="main", file_name="quyet-dinh.pdf",
                                      content_type="application/pdf")
    sender = registry_pb2.Agency(code=UBND, name="Ủy ban nhân dân tỉnh Vĩnh Long")
    return document_package(document, sender, "", [(main, draft_pdf())],
                            package_time=datetime(2031, 6, 15, 3, 0, tzinfo=UTC),
                            paper=document.exchange_form == PAPER).body


@pytest.mark.parametrize(("form", "paper"), [("electronic_and_paper", True), ("electronic", False)])
def test_the_package_carries_the_documents_form_and_the_arrival_keeps_it(form: str, paper: bool) -> None:
    body = packed(issued(form))
    assert f"<edXML:Paper>{int(paper)}</edXML:Paper>".encode() in body
    package = read_document(body)
    assert package.trace is not None and package.trace.business is not None
    assert package.trace.business.paper is paper
    assert Receiver._arrival(package, []).exchange_form == form


def test_a_package_that_does_not_say_leaves_the_arrivals_form_unknown() -> None:
    package = read_document(packed(issued("electronic")))
    assert package.trace is not None and package.trace.business is not None
    silent = replace(package, trace=replace(package.trace, business=replace(package.trace.business, paper=None)))
    assert Receiver._arrival(silent, []).exchange_form == ""
