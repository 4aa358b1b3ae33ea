"""Property tests: generated packages with Vietnamese text round-trip exactly and validate strictly."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanthu_edxml import (
    Attachment,
    Business,
    BusinessDocumentInfo,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    EncodedData,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ReceiverChange,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    read_package,
    validate,
    write_package,
)

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
ALPHABET = VIETNAMESE + "0123456789 ,.-/()&<>\"'\n\u0300\u0301\u0303\u0309\u0323"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def text(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(ALPHABET, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | strategy


agency_codes = st.builds("{:03d}.{:02d}.{:02d}.{}{:02d}".format, st.integers(0, 999), st.integers(0, 99),
                         st.integers(0, 99), st.sampled_from("ABCDEFGHIJK"), st.integers(0, 99))
dates = st.dates(date(2000, 1, 1), date(2099, 12, 31))
timestamps = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(lambda d: d.replace(microsecond=0))
notations = st.text("ABCDĐGHKLMNPQSTUVX-", min_size=1, max_size=30).filter(lambda s: s.strip("-") == s)

organizations = st.builds(Organization, agency_code=agency_codes, name=text(200), in_charge=optional(text()),
                          address=optional(text()), email=optional(st.emails()), telephone=optional(text(15)),
                          fax=st.none(), website=optional(text(30)))
staff = st.builds(StaffInfo, department=optional(text()), staff=optional(text(50)), email=optional(st.emails()),
                  mobile=optional(st.from_regex(r"\A84\d{9}\Z")))


@st.composite
def trace_lists(draw: st.DrawFn, target: str) -> TraceHeaderList:
    kind = draw(st.integers(0, 3))
    receivers = tuple(draw(st.lists(st.builds(ReceiverChange, agency_codes, st.integers(0, 1)), max_size=3)))
    return TraceHeaderList(
        trace_headers=tuple(draw(st.lists(st.builds(TraceHeader, agency_codes, timestamps), min_size=1, max_size=3))),
        business=Business(
            business_type=kind, reason=draw(optional(text())), document_id=target if kind in (1, 2) else None,
            paper=draw(st.none() | st.booleans()),
            document_info=BusinessDocumentInfo(True, bool(receivers), receivers) if kind == 2 else None,
            replacements=(ReplacementInfo(target, tuple(draw(st.lists(agency_codes, max_size=3)))),)
            if kind == 3 else (),
            staff=draw(st.none() | staff)))


@st.composite
def documents(draw: st.DrawFn) -> DocumentPackage:
    sender = draw(organizations)
    code = Code(str(draw(st.integers(1, 99_999_999_999))), draw(notations))
    issued = draw(dates)
    target = str(DocumentId(sender.agency_code, draw(dates), str(draw(st.integers(1, 9999))), draw(notations)))
    content = draw(st.binary(max_size=300))
    return DocumentPackage(
        sender=sender, recipients=tuple(draw(st.lists(organizations, min_size=1, max_size=3))),
        document_id=DocumentId.build(sender.agency_code, issued, code), code=code,
        promulgation=PromulgationInfo(draw(optional(text(40))), issued),
        document_type=DocumentType(draw(optional(st.sampled_from("0123456789"))), None, draw(text(100))),
        subject=draw(text(500)), content=draw(optional(text(300))),
        signer=SignerInfo(draw(st.sampled_from(["KT. ", "TM. ", "TL. ", "TUQ. ", "Q. "])) + draw(text(30)),
                          draw(text(100)), draw(text(50))),
        due_date=draw(st.none() | dates),
        other_info=OtherInfo(draw(st.integers(0, 4)), draw(optional(text())), draw(optional(text(10))),
                             draw(st.integers(0, 999)), draw(st.integers(0, 999)), draw(st.none() | st.booleans()),
                             tuple(draw(st.lists(text(), max_size=3)))),
        response_for=tuple(draw(st.lists(st.builds(ResponseFor, agency_codes, text(40), dates, st.just(target)),
                                         max_size=2))),
        steering_type=draw(st.none() | st.integers(0, 2)),
        to_places=tuple(draw(st.lists(text(100), max_size=5))),
        trace=draw(trace_lists(target)),
        attachments=tuple(Attachment(f"cid:{i}", draw(text(40)), "application/pdf", draw(optional(text())),
                                     EncodedData.from_bytes(content)) for i in range(draw(st.integers(0, 2)))))


statuses = st.builds(
    StatusPackage, sender=organizations,
    response_for=st.builds(ResponseFor, agency_codes, text(40), dates,
                           st.builds(lambda c, d: str(DocumentId(c, d, "7816", "VPCP-TTĐT")), agency_codes, dates)),
    staff=staff, status_code=st.sampled_from([c.value for c in StatusCode]), description=text(300),
    timestamp=timestamps)


def test_model_text_is_nfc_and_keeps_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "  Ủy ban nhân dân tỉnh Vĩnh Long  ")
    org = Organization("000.00.00.H61", decomposed)
    assert org.name == "Ủy ban nhân dân tỉnh Vĩnh Long"
    assert unicodedata.is_normalized("NFC", org.name)


@SETTINGS
@given(documents())
def test_document_round_trip_and_writer_output_validates(pkg: DocumentPackage) -> None:
    data = write_package(pkg)
    again = read_package(data)
    assert again == pkg
    report = validate(again)
    assert report.ok, report
    for original, read in zip(pkg.attachments, again.attachments, strict=True):
        assert read.content() == original.content()


@SETTINGS
@given(statuses)
def test_status_round_trip_and_writer_output_validates(pkg: StatusPackage) -> None:
    again = read_package(write_package(pkg))
    assert again == pkg
    report = validate(again)
    assert report.ok, report
