"""What the storage accepts: content detected from the bytes, limits, digests, names, retention rules."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_storage.domain import content
from vanthu_storage.domain.retention import (
    ObjectInfo,
    check_deletable,
    extended_retention,
    parse_retain_until,
    sweepable,
)
from vanthu_storage.domain.upload import UploadCheck

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def detect_zip(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        mimetype = archive.read("mimetype") if "mimetype" in names else None
    return content.detect(data[:content.HEAD_BYTES], names, mimetype)


def test_types_are_detected_from_the_bytes(samples) -> None:
    assert content.detect(samples.pdf()) == content.PDF
    assert content.detect(samples.png()) == "image/png"
    assert content.detect(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64) == "image/jpeg"
    assert content.detect(b'<?xml version="1.0" encoding="utf-8"?><edXML/>') == content.XML
    assert content.detect("\ufeff\n  <VanBan>Trích yếu</VanBan>".encode()) == content.XML


@pytest.mark.parametrize(("kind", "expected"), [("docx", content.DOCX), ("xlsx", content.XLSX),
                                                ("odt", content.ODT), ("zip", content.ZIP)])
def test_zip_based_office_files_are_told_apart_by_their_members(samples, kind: str, expected: str) -> None:
    assert detect_zip(samples.office(kind)) == expected


@pytest.mark.parametrize("head", [b"MZ\x90\x00\x03\x00\x00\x00", b"\x7fELF\x02\x01\x01", b"#!/bin/sh\nrm -rf /\n",
                                  b"\xcf\xfa\xed\xfe\x07\x00\x00\x01"])
def test_executables_are_refused_whatever_their_name(head: bytes) -> None:
    with pytest.raises(InvalidArgument) as error:
        content.detect(head + b"\x00" * 100)
    assert error.value.field == "content" and "chương trình chạy được" in error.value.reason


@pytest.mark.parametrize("data", [b"just some plain text", b"Rar!\x1a\x07\x00" + b"\x00" * 32, b"\x00\x01\x02\x03" * 10,
                                  b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 100])
def test_types_outside_the_allow_list_are_refused_naming_what_is_accepted(data: bytes) -> None:
    with pytest.raises(InvalidArgument) as error:
        content.detect(data)
    assert error.value.field == "content" and "PDF" in error.value.reason


def test_a_declared_type_must_agree_with_the_bytes() -> None:
    content.check_declared("application/pdf; charset=binary", content.PDF)
    content.check_declared("application/octet-stream", content.PDF)
    content.check_declared("text/xml", content.XML)
    content.check_declared("application/zip", content.DOCX)
    with pytest.raises(InvalidArgument) as error:
        content.check_declared("application/pdf", "image/png")
    assert error.value.field == "metadata.declared_content_type"


def test_file_names_are_nfc_and_plain() -> None:
    decomposed = "Quye\u0302\u0301t đi\u0323nh.pdf"
    assert content.check_file_name(f"  {decomposed} ") == "Quyết định.pdf"
    for bad in ("", "   ", "../etc/passwd", "a\\b.pdf", "a\x00.pdf", "x" * 256):
        with pytest.raises(InvalidArgument) as error:
            content.check_file_name(bad)
        assert error.value.field == "metadata.file_name"


def test_a_file_name_shows_as_it_is_without_bidirectional_controls() -> None:
    """Bidirectional controls make a name show other than it is: "Quyết định\u202efdp.exe" reads "Quyết địnhexe.pdf"
    in a list while the file saves as .exe (issue 14 attack: hostile file names). They are dropped, not refused (a
    peer's package may carry such a name)."""
    for control in ("\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069",
                    "\u200e", "\u200f", "\u061c"):
        assert content.check_file_name(f"Quyết định{control}fdp.exe") == "Quyết địnhfdp.exe"
    with pytest.raises(InvalidArgument):
        content.check_file_name("\u202e\u202c")  # nothing left: no name
    assert content.check_file_name("Báo cáo kết quả năm 2026.pdf") == "Báo cáo kết quả năm 2026.pdf"


def test_the_digest_is_computed_while_streaming() -> None:
    check = UploadCheck(100)
    for part in (b"abc", b"def", b"g"):
        check.feed(part)
    assert check.finish() == hashlib.sha256(b"abcdefg").hexdigest() and check.size == 7 and check.head == b"abcdefg"


def test_limits_empty_content_and_a_wrong_claimed_digest_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="vượt giới hạn") as error:
        UploadCheck(10, size_hint=11)
    assert error.value.field == "metadata.size_hint"
    check = UploadCheck(10)
    check.feed(b"x" * 10)
    with pytest.raises(InvalidArgument) as error:
        check.feed(b"y")
    assert error.value.field == "content"
    with pytest.raises(InvalidArgument) as error:
        UploadCheck(10).finish()
    assert error.value.field == "content" and "tệp rỗng" in error.value.reason
    with pytest.raises(InvalidArgument) as error:
        UploadCheck(10, claimed_sha256="not-hex")
    assert error.value.field == "metadata.claimed_sha256"
    check = UploadCheck(10, claimed_sha256=hashlib.sha256(b"other").hexdigest().upper())
    check.feed(b"bytes")
    with pytest.raises(InvalidArgument) as error:
        check.finish()
    assert error.value.field == "metadata.claimed_sha256"
    good = UploadCheck(10, claimed_sha256=hashlib.sha256(b"bytes").hexdigest())
    good.feed(b"bytes")
    good.finish()


def info(**changes: object) -> ObjectInfo:
    base = ObjectInfo(object_id="o", agency_code="000.00.00.H61", sha256="0" * 64, size=1, content_type=content.PDF,
                      file_name="a.pdf", uploaded_by="u", created_at=NOW - timedelta(days=2))
    return ObjectInfo(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_retained_or_held_objects_cannot_be_deleted_until_their_date() -> None:
    check_deletable(info(), NOW)
    check_deletable(info(retain_until=NOW - timedelta(seconds=1)), NOW)
    with pytest.raises(FailedPrecondition, match="được giữ đến"):
        check_deletable(info(retain_until=NOW + timedelta(days=1)), NOW)
    with pytest.raises(FailedPrecondition, match="phong tỏa"):
        check_deletable(info(legal_hold=True), NOW)


def test_retention_is_parsed_in_utc_and_only_extended() -> None:
    assert parse_retain_until("2036-01-01", NOW) == datetime(2036, 1, 1, tzinfo=UTC)
    assert parse_retain_until("2036-01-01T07:00:00+07:00", NOW) == datetime(2036, 1, 1, tzinfo=UTC)
    for bad in ("01/01/2036", "2020-01-01"):
        with pytest.raises(InvalidArgument) as error:
            parse_retain_until(bad, NOW)
        assert error.value.field == "retain_until"
    later = NOW + timedelta(days=30)
    assert extended_retention(None, later) == later
    with pytest.raises(FailedPrecondition, match="không rút ngắn được"):
        extended_retention(later, NOW + timedelta(days=1))


def test_only_old_unreferenced_unlocked_objects_are_swept() -> None:
    grace = timedelta(hours=24)
    assert sweepable(info(), NOW, grace)
    assert not sweepable(info(created_at=NOW - timedelta(hours=1)), NOW, grace)
    assert not sweepable(info(references=("registry/document/d-1",)), NOW, grace)
    assert not sweepable(info(released_at=NOW - timedelta(hours=1)), NOW, grace)  # grace runs from the release
    assert sweepable(info(released_at=NOW - timedelta(hours=25)), NOW, grace)
    assert not sweepable(info(legal_hold=True), NOW, grace)
    assert not sweepable(info(retain_until=NOW + timedelta(days=1)), NOW, grace)


FIELD_CASES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "field-cases"


@pytest.mark.parametrize(("prefix", "said"), [
    (b"\xef\xbb\xbf", "dấu thứ tự byte UTF-8 (EF BB BF) trước phần đầu '%PDF-'"),
    (b"\r\n", "2 byte (0D 0A) trước phần đầu '%PDF-'"),
    (b"\x00" * 600, "600 byte (00 00 00 00 00 00 00 00 …) trước phần đầu '%PDF-'"),
])
def test_a_pdf_with_bytes_before_its_header_is_refused_saying_exactly_that(samples, prefix: bytes, said: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        content.detect(prefix + samples.pdf())
    assert error.value.field == "content"
    assert said in error.value.reason and "phải bắt đầu bằng '%PDF-'" in error.value.reason
    assert "không phải loại tệp được nhận" not in error.value.reason  # it does not contradict itself


def test_the_field_case_of_a_bom_before_the_pdf_header_is_refused_saying_so() -> None:
    sample = FIELD_CASES / "10-bom-before-header.pdf"
    if not sample.exists():
        pytest.skip(f"the shared field cases are not checked out next to the repository ({sample})")
    with pytest.raises(InvalidArgument) as error:
        content.detect(sample.read_bytes()[:content.HEAD_BYTES])
    assert "dấu thứ tự byte UTF-8 (EF BB BF) trước phần đầu '%PDF-'" in error.value.reason
    assert "trông như application/pdf" not in error.value.reason


def test_text_that_merely_mentions_the_pdf_header_is_not_taken_for_a_pdf() -> None:
    assert content.detect(b'<?xml version="1.0"?><note>header %PDF-1.7</note>') == content.XML
    with pytest.raises(InvalidArgument, match="không phải loại tệp được nhận; chỉ nhận"):
        content.detect(b"x" * 2000 + b"%PDF-1.7")  # beyond the window readers search


def test_a_refusal_never_says_a_refused_file_looks_like_an_accepted_type() -> None:
    with pytest.raises(InvalidArgument) as error:
        content.detect(b"PK\x07\x08" + b"\x00" * 64)  # a split ZIP archive's first part
    assert "trông như application/zip nhưng phần đầu tệp không đúng dạng" in error.value.reason
