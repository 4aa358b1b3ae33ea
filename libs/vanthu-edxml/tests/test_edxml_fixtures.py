"""The official SDK samples: all read, with the right values; quirks are warnings; round trips are exact."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from vanthu_edxml import (
    BusinessType,
    DocumentPackage,
    StatusCode,
    StatusPackage,
    read_document,
    read_package,
    read_status,
    validate,
    write_package,
)
from vanthu_edxml.errors import MalformedAttachment

_HERE = Path(__file__).resolve()
# ../shared beside the repository root (parents[3] is the repository root itself; accept either place).
SAMPLES = next((p / "shared" / "fixtures" / "edxml-sdk-samples" for p in (_HERE.parents[3], _HERE.parents[4])
                if (p / "shared" / "fixtures" / "edxml-sdk-samples").is_dir()),
               _HERE.parents[4] / "shared" / "fixtures" / "edxml-sdk-samples")
FILES = sorted(SAMPLES.glob("*.edxml")) if SAMPLES.is_dir() else []


@pytest.fixture(autouse=True)
def _need_samples() -> None:
    if not FILES:
        pytest.skip(f"edXML SDK samples not found at {SAMPLES}")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_sample_reads_and_round_trips_to_an_equal_model(path: Path) -> None:
    package = read_package(path.read_bytes())
    expected = StatusPackage if path.name.startswith("status") else DocumentPackage
    assert isinstance(package, expected)
    assert read_package(write_package(package)) == package
    assert read_package(write_package(package, xlink_manifest=True)) == package


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_quirks_are_warnings_in_the_receiving_profile(path: Path) -> None:
    report = validate(read_package(path.read_bytes()), strict=False)
    if path.name == "edoc.edxml":  # a JMeter template: its attachment is "${__StringFromFile(test.txt,,,)}"
        assert [issue.rule for issue in report.errors] == ["attachment-base64"]
        assert report.errors[0].path == "AttachmentEncoded/Attachment[1]/ContentTransferEncoded"
    else:
        assert report.ok, report


def test_edoc_new_values_and_quirks() -> None:
    pkg = read_document(sample("edoc_new.edxml"))  # starts with "1212" before the XML declaration
    assert pkg.sender.agency_code == "002.00.20.H13"
    assert pkg.sender.name == "UBND xã Hòa Tiến - UBND huyện Hòa Vang - Thành phố Đà Nẵng"
    assert [r.agency_code for r in pkg.recipients] == ["28.22.H17"]
    assert pkg.recipients[0].in_charge == "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng"
    assert pkg.code is not None and (pkg.code.number, pkg.code.notation) == ("74fass22", "VPCP-TTĐT")
    assert pkg.promulgation is not None and pkg.promulgation.date == date(2019, 1, 16)
    assert pkg.promulgation.place == "Hà Nội"
    assert pkg.document_type is not None and pkg.document_type.type_name == "Công văn"
    assert pkg.signer is not None and pkg.signer.competence_prefix == "TL."
    assert pkg.other_info is not None and pkg.other_info.page_amount == 22 and pkg.other_info.direction is False
    assert pkg.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert pkg.trace is not None and pkg.trace.business is not None
    assert pkg.trace.business.business_type == BusinessType.NEW
    assert pkg.trace.business.staff is not None and pkg.trace.business.staff.staff == "Nguyễn Thị Ngọc Trâm"
    assert pkg.trace.trace_headers[0].timestamp == datetime(2018, 9, 28, 0, 0, 0)
    assert pkg.signature_slot == "present"
    (attachment,) = pkg.attachments
    assert (attachment.content_id, attachment.name, attachment.content_type) == (
        "cid:209", "1896_QD-TTg_m_294779.doc", "application/zip")
    assert attachment.content().startswith(b"PK\x03\x04")  # zipped, as the VNPT library does

    warnings = {(i.path, i.rule) for i in validate(pkg, strict=False).warnings}
    assert ("MessageHeader/To/OrganId", "agency-code-form") in warnings
    assert ("MessageHeader/Code/CodeNumber", "code-number-form") in warnings
    strict = {(i.path, i.rule) for i in validate(pkg).errors}
    assert ("MessageHeader/DocumentId", "document-id-code") in strict
    assert ("MessageHeader/DocumentId", "document-id-date") in strict


def test_edoc_update_and_replacement_business_details() -> None:
    update = read_document(sample("edoc_update.edxml"))
    assert len(update.recipients) == 3
    assert update.business_type == BusinessType.UPDATE
    assert update.trace is not None and update.trace.business is not None
    info = update.trace.business.document_info
    assert info is not None and info.document_info is True and info.document_receiver is True
    assert [(r.agency_code, r.receiver_type) for r in info.receivers] == [("000.00.00.H41", 0), ("000.00.00.H14", 1)]

    replacement = read_document(sample("edoc_replacement.edxml"))
    assert replacement.business_type == BusinessType.REPLACE
    assert replacement.trace is not None and replacement.trace.business is not None
    first = replacement.trace.business.replacements[0]
    assert first.document_id == "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"
    assert first.agency_codes == ("000.00.00.H41", "000.00.00.H14")

    revocation = read_document(sample("edoc_revocation.edxml"))
    assert revocation.business_type == BusinessType.REVOKE
    assert revocation.response_for[0].code == "267/VPCP-TTĐT"
    assert revocation.response_for[0].document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"


def test_edoc_xlink_and_xmldsig_variant_reads_with_lazy_bad_attachment() -> None:
    pkg = read_document(sample("edoc.edxml"))
    assert pkg.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert pkg.code is not None and pkg.code.number == "12234555512"
    assert pkg.signer is not None and pkg.signer.full_name == "Trương Minh Tuấn"
    assert pkg.trace is not None and pkg.trace.trace_headers[0].agency_code == "01.02.G22"
    (attachment,) = pkg.attachments
    assert attachment.content_type == "application/pdf"  # only in AttachmentEncoded, joined by content id
    with pytest.raises(MalformedAttachment):
        attachment.content()
    assert any(i.rule == "document-id-form" for i in validate(pkg, strict=False).warnings)


@pytest.mark.parametrize(("name", "code", "description_start"), [
    ("status_inbox_01.edxml", StatusCode.INBOX, "Văn thư - Phòng Văn thư - Lưu trữ: Đã đến"),
    ("status_rejection_02.edxml", StatusCode.REJECTION, "Văn thư - Phòng Văn thư - Lưu trữ: Từ chối"),
    ("status_cancellation_13.edxml", StatusCode.CANCELLATION, "Văn thư yêu cầu lấy lại"),
    ("status_change-rejection_16.edxml", StatusCode.CHANGE_REJECTION, "Văn thư từ chối yêu cầu"),
])
def test_status_samples(name: str, code: StatusCode, description_start: str) -> None:
    status = read_status(sample(name))
    assert status.status is code
    assert status.description is not None and status.description.startswith(description_start)
    assert status.timestamp == datetime(2015, 9, 20, 11, 8, 36)
    assert status.response_for is not None
    assert status.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert status.response_for.promulgation_date == date(2015, 9, 30)
    assert status.staff is not None and status.staff.mobile == "84912000001"
    assert validate(status).ok


def test_cancellation_is_sent_by_the_sender() -> None:
    status = read_status(sample("status_cancellation_13.edxml"))
    assert status.sender.agency_code == "000.00.00.G22"
    assert status.response_for is not None and status.response_for.agency_code == "000.00.00.H41"
