"""Packages in encodings other than UTF-8 (XML 1.0 Appendix F): read identically, with an accurate warning.

Every input is built here from a package written by the library's writer, so the kind is covered without
``../shared``; the two field cases from ``../shared/fixtures/field-cases`` are read when present.
"""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanthu_edxml import (
    NS,
    Attachment,
    Code,
    DocumentPackage,
    DocumentType,
    EdxmlError,
    LimitExceeded,
    Limits,
    MalformedPackage,
    Organization,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    UnsafeXml,
    UnsupportedEncoding,
    read_document,
    read_package,
    read_status,
    sign,
    validate,
    verify,
    write_package,
)
from vanthu_edxml.cli import main
from vanthu_edxml.safe_xml import parse

pytestmark = pytest.mark.unit

_HERE = Path(__file__).resolve()
# ../shared beside the repository root (parents[3] is the repository root itself; accept either place).
FIELD_CASES = next((p / "shared" / "fixtures" / "field-cases" for p in (_HERE.parents[3], _HERE.parents[4])
                    if (p / "shared" / "fixtures" / "field-cases").is_dir()),
                   _HERE.parents[4] / "shared" / "fixtures" / "field-cases")

SUBJECT = "V/v đề nghị phối hợp xử lý hồ sơ trước ngày 15 — Đường Nguyễn Huệ, phường Ưu Đàm"
SENDER_NAME = "Sở Nội vụ tỉnh Vĩnh Long"
RECIPIENT_NAME = "Ủy ban nhân dân tỉnh Vĩnh Long"
SIGNER = SignerInfo("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị Thử")
CONTENT = bytes(range(256)) * 40  # every byte value, so a changed byte anywhere shows
EXPANDING = "đ" * 4000  # one byte each in windows-1258, two in UTF-8


def document(subject: str = SUBJECT, content: bytes = CONTENT) -> DocumentPackage:
    code = Code("15", "SNV-VP")
    return DocumentPackage(
        sender=Organization("000.00.02.H61", SENDER_NAME), recipients=(Organization("000.00.00.H61", RECIPIENT_NAME),),
        document_id="000.00.02.H61,2026/11/27,15/SNV-VP", code=code,
        promulgation=PromulgationInfo("Vĩnh Long", dt.date(2026, 11, 27)),
        document_type=DocumentType("1", "0", "Công văn"), subject=subject, content="Đề nghị phối hợp thử nghiệm.",
        signer=SIGNER, trace=TraceHeaderList((TraceHeader("000.00.02.H61", dt.datetime(2026, 11, 27, 9, 15)),)),
        attachments=(Attachment.from_bytes("cid:1", "Công văn số 15 — bản chính.pdf", content),
                     Attachment.from_bytes("cid:2", "Phụ lục ưu tiên.pdf", b"%PDF-1.4 phu luc")))


def status() -> StatusPackage:
    return StatusPackage(
        sender=Organization("000.00.00.H61", RECIPIENT_NAME),
        response_for=ResponseFor("000.00.02.H61", "15/SNV-VP", dt.date(2026, 11, 27),
                                 "000.00.02.H61,2026/11/27,15/SNV-VP"),
        staff=StaffInfo("Văn thư", "Nguyễn Thị Ngọc Trâm", None, "84912000001"), status_code="03",
        description="Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị", timestamp=dt.datetime(2026, 11, 27, 10))


# -- converting a UTF-8 package written by the library into other encodings ------------------------------------
def declared(package: bytes, encoding: str) -> str:
    """The package as text, its declaration naming ``encoding``."""
    text = package.decode("utf-8")
    for quote in "\"'":
        if text.startswith(f"<?xml version={quote}1.0{quote} encoding={quote}UTF-8{quote}?>"):
            return text.replace(f"encoding={quote}UTF-8{quote}", f"encoding={quote}{encoding}{quote}", 1)
    raise AssertionError(f"not a package written by the library: {text[:60]!r}")


def cp1258(text: str) -> bytes:
    """windows-1258 has the letters with circumflex, breve and horn, but the tones only as combining marks."""
    out = bytearray()
    for char in text:
        base, *marks = unicodedata.normalize("NFD", char)
        for size in range(len(marks), -1, -1):
            done = False
            for chosen in combinations(range(len(marks)), size):
                head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in chosen))
                rest = "".join(mark for i, mark in enumerate(marks) if i not in chosen)
                try:
                    out += (head + rest).encode("cp1258")
                except UnicodeEncodeError:
                    continue
                done = True
                break
            if done:
                break
        else:
            raise AssertionError(f"{char!r} has no windows-1258 form")
    return bytes(out)


CONVERSIONS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    # name: (conversion, the encoding the warning must name)
    "utf-16le-bom": (lambda p: b"\xff\xfe" + declared(p, "UTF-16").encode("utf-16-le"), "UTF-16LE"),
    "utf-16be-bom": (lambda p: b"\xfe\xff" + declared(p, "UTF-16").encode("utf-16-be"), "UTF-16BE"),
    "utf-16le-no-bom": (lambda p: declared(p, "UTF-16").encode("utf-16-le"), "UTF-16LE"),
    "utf-16be-no-bom": (lambda p: declared(p, "UTF-16").encode("utf-16-be"), "UTF-16BE"),
    "utf-32le-bom": (lambda p: b"\xff\xfe\x00\x00" + declared(p, "UTF-32").encode("utf-32-le"), "UTF-32LE"),
    "utf-32be-bom": (lambda p: b"\x00\x00\xfe\xff" + declared(p, "UTF-32").encode("utf-32-be"), "UTF-32BE"),
    "windows-1258": (lambda p: cp1258(declared(p, "windows-1258")), "windows-1258"),
    "iso-8859-1": (lambda p: declared(p, "ISO-8859-1").encode("latin-1", "xmlcharrefreplace"), "ISO-8859-1"),
}


def warnings_of(package: DocumentPackage | StatusPackage, rule: str) -> list[str]:
    return [issue.message for issue in validate(package, strict=False).warnings if issue.rule == rule]


def assert_vietnamese_identical(package: DocumentPackage) -> None:
    assert package.subject == SUBJECT and unicodedata.is_normalized("NFC", package.subject)
    assert package.sender.name == SENDER_NAME
    assert package.recipients[0].name == RECIPIENT_NAME
    assert package.signer == SIGNER
    assert [a.name for a in package.attachments] == ["Công văn số 15 — bản chính.pdf", "Phụ lục ưu tiên.pdf"]
    assert package.attachments[0].content() == CONTENT
    assert package.attachments[1].content() == b"%PDF-1.4 phu luc"


# -- reading ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_document_in_another_encoding_reads_identical_to_utf8_with_a_warning_naming_it(name: str) -> None:
    original = write_package(document())
    convert, found = CONVERSIONS[name]
    package = read_document(convert(original))
    assert package == read_document(original)
    assert_vietnamese_identical(package)
    assert parse(convert(original)).encoding == found
    (message,) = warnings_of(package, "encoding-not-utf8")
    assert found in message and "UTF-8" in message
    assert not warnings_of(package, "tolerated-input")  # no "ignored N bytes" for a byte order mark
    assert validate(package).ok  # a warning in both profiles: no rule read makes UTF-8 mandatory


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_status_package_in_another_encoding_reads_identical_to_utf8(name: str) -> None:
    original = write_package(status())
    package = read_status(CONVERSIONS[name][0](original))
    assert package == read_status(original)
    assert package.description == "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị"
    assert warnings_of(package, "encoding-not-utf8")


def test_utf8_with_byte_order_mark_reads_without_any_warning() -> None:
    original = write_package(document())
    package = read_document(b"\xef\xbb\xbf" + original)
    assert package == read_document(original)
    assert_vietnamese_identical(package)
    assert not validate(package, strict=False).warnings


def test_utf8_attachment_is_still_kept_by_reference_into_the_bytes_received() -> None:
    original = write_package(document())
    raw = read_document(original).attachments[0].data.raw  # type: ignore[union-attr]
    assert isinstance(raw, memoryview) and raw.obj is original


def test_text_input_declaring_utf16_reads_without_warnings() -> None:
    # A str has no encoding: what its declaration says (here what the file was in) does not apply to it.
    text = declared(write_package(document()), "UTF-16")
    package = read_document(text)
    assert_vietnamese_identical(package)
    assert not warnings_of(package, "encoding-not-utf8") and not warnings_of(package, "encoding-mismatch")


def test_big_attachment_in_utf16_is_cut_out_before_parsing_and_decodes() -> None:
    content = bytes(range(256)) * 32_000  # 8.2 MB: over libxml2's 10 MB text-node limit once base64
    original = write_package(document(content=content))
    package = read_document(b"\xfe\xff" + declared(original, "UTF-16").encode("utf-16-be"))
    assert isinstance(package.attachments[0].data.raw, memoryview)  # type: ignore[union-attr]
    assert package.attachments[0].content() == content


# -- inconsistent declarations: the byte order mark and the first bytes win, with a warning -----------------------
@pytest.mark.parametrize(("data", "found", "said"), [
    (lambda p: b"\xff\xfe" + p.decode().encode("utf-16-le"), "UTF-16LE", "UTF-8"),
    (lambda p: b"\xfe\xff" + declared(p, "windows-1258").encode("utf-16-be"), "UTF-16BE", "windows-1258"),
    (lambda p: b"\xef\xbb\xbf" + declared(p, "ISO-8859-1").encode(), "UTF-8", "ISO-8859-1"),
    (lambda p: declared(p, "UTF-16").encode(), "UTF-8", "UTF-16"),  # .NET StringWriter output saved as UTF-8
], ids=["utf16-bom-says-utf8", "utf16-bom-says-1258", "utf8-bom-says-latin1", "8-bit-says-utf16"])
def test_declaration_contradicting_the_bytes_is_tolerated_with_a_warning_naming_both(
        data: Callable[[bytes], bytes], found: str, said: str) -> None:
    original = write_package(document())
    package = read_document(data(original))
    assert package == read_document(original)
    assert_vietnamese_identical(package)
    (message,) = warnings_of(package, "encoding-mismatch")
    assert f'"{said}"' in message and found in message


# -- refusals: typed, naming the problem --------------------------------------------------------------------------
def test_undecodable_utf16_is_refused_naming_the_encoding_and_the_offset() -> None:
    text = write_package(document()).decode()
    position = text.index("Vĩnh Long")
    body = b"\xff\xfe" + text[:position].encode("utf-16-le") + b"\x00\xd8" + text[position:].encode("utf-16-le")
    with pytest.raises(UnsupportedEncoding, match="UTF-16LE") as caught:
        read_package(body)
    assert str(2 + 2 * position) in str(caught.value)


def test_truncated_utf16_is_refused() -> None:
    data = b"\xfe\xff" + declared(write_package(status()), "UTF-16").encode("utf-16-be")
    with pytest.raises(EdxmlError):
        read_package(data[:-1])


def test_undefined_windows_1258_byte_is_refused_naming_the_encoding() -> None:
    data = cp1258(declared(write_package(status()), "windows-1258")).replace(b"Tr", b"T\x81r", 1)
    with pytest.raises(UnsupportedEncoding, match="windows-1258"):
        read_package(data)


@pytest.mark.parametrize("encoding", ["x-vanthu-unknown", "UTF-7", "cp037", "unicode_escape", "base64", "idna"])
def test_unknown_or_ascii_incompatible_declared_encoding_is_refused_naming_it(encoding: str) -> None:
    with pytest.raises(UnsupportedEncoding, match=encoding):
        read_package(declared(write_package(status()), encoding).encode())


def test_undeclared_8_bit_text_is_refused_as_not_utf8() -> None:
    data = write_package(status()).decode().encode("latin-1", "xmlcharrefreplace").replace(b"&#7871;", b"\xe9")
    with pytest.raises(MalformedPackage, match="UTF-8"):
        read_package(data)


def test_ebcdic_is_refused_naming_it() -> None:
    with pytest.raises(UnsupportedEncoding, match="EBCDIC"):
        read_package(f'<?xml version="1.0" encoding="cp037"?><edXML xmlns="{NS}"/>'.encode("cp037"))


@pytest.mark.parametrize("prefix", [b"1212", b"  ", b"12\xff\xfe"], ids=["junk", "blanks", "junk-and-bom"])
def test_utf16_behind_a_prefix_is_refused_before_anything_reads_it_as_ascii(prefix: bytes) -> None:
    text = write_package(status()).decode().replace("?>", '?><!DOCTYPE edXML [<!ENTITY a "b">]>', 1)
    with pytest.raises(UnsupportedEncoding, match="16- or 32-bit"):
        read_package(prefix + declared(text.encode(), "UTF-16").encode("utf-16-le"))


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_doctype_is_refused_in_every_encoding(name: str) -> None:
    text = write_package(status()).decode()
    hostile = text.replace("?>", '?><!DOCTYPE edXML [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;">]>', 1)
    with pytest.raises(UnsafeXml):
        read_package(CONVERSIONS[name][0](hostile.encode()))


# -- size limits: on the bytes received, and on the UTF-8 they become ---------------------------------------------
def test_size_limit_applies_to_the_utf16_bytes_as_received() -> None:
    original = write_package(document())
    utf16 = CONVERSIONS["utf-16le-bom"][0](original)
    read_package(original, Limits(max_bytes=len(original)))
    with pytest.raises(LimitExceeded):
        read_package(utf16, Limits(max_bytes=len(utf16) - 1))


def test_size_limit_cannot_be_passed_by_an_encoding_that_expands_to_utf8() -> None:
    data = cp1258(declared(write_package(document(subject=EXPANDING)), "windows-1258"))
    read_package(data, Limits(max_bytes=2 * len(data)))
    with pytest.raises(LimitExceeded, match="UTF-8"):
        read_package(data, Limits(max_bytes=len(data) + 100))


# -- signatures: the same bytes, whatever the encoding ------------------------------------------------------------
@pytest.fixture(scope="module")
def key_and_cert() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư thử nghiệm")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(9999, 12, 31, tzinfo=dt.UTC)).sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            cert.public_bytes(serialization.Encoding.PEM))


@pytest.mark.parametrize("name", ["utf-16le-bom", "utf-16be-bom", "iso-8859-1"])
def test_signed_package_converted_to_another_encoding_still_verifies(
        name: str, key_and_cert: tuple[bytes, bytes]) -> None:
    key, cert = key_and_cert
    signed = sign(write_package(document()), key, cert)
    converted = CONVERSIONS[name][0](signed)
    assert verify(converted, cert).ok
    tampered = CONVERSIONS[name][0](signed.replace("Vĩnh Long".encode(), "Vĩnh Lonh".encode(), 1))
    assert verify(tampered, cert).status == "invalid"


@pytest.mark.parametrize("name", ["utf-16le-bom", "utf-16be-bom", "windows-1258"])
def test_signing_a_package_in_another_encoding_gives_utf8_that_verifies(
        name: str, key_and_cert: tuple[bytes, bytes]) -> None:
    key, cert = key_and_cert
    original = write_package(document())
    signed = sign(CONVERSIONS[name][0](original), key, cert)
    assert signed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert verify(signed, cert).ok
    assert_vietnamese_identical(read_document(signed))


# -- fuzzing the conversion paths -----------------------------------------------------------------------------------
SEEDS = [convert(write_package(status())) for convert, _ in CONVERSIONS.values()]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 2))
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            data[pos:pos] = draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00", b"\xd8",
                                                  b"\x00\xd8", b"\x81", b'encoding="UTF-8"', b"<!DOCTYPE x>"]))
        else:
            del data[pos:]
    return bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzzed_non_utf8_packages_raise_only_edxml_errors(data: bytes) -> None:
    try:
        package = read_package(data)
    except EdxmlError:
        return
    validate(package)


# -- the field cases and the command line ---------------------------------------------------------------------------
def field_case(name: str) -> bytes:
    path = FIELD_CASES / name
    if not path.is_file():
        pytest.skip(f"field case {name} not found at {FIELD_CASES}")
    return path.read_bytes()


@pytest.mark.parametrize(("name", "found"), [("22-utf16le-bom.edxml", "UTF-16LE"),
                                             ("23-utf16be-bom.edxml", "UTF-16BE")])
def test_field_cases_in_utf16_read_with_an_accurate_warning(name: str, found: str) -> None:
    package = read_document(field_case(name))
    assert package.sender.name == SENDER_NAME and package.signer is not None
    assert package.subject == "V/v thử nghiệm liên thông văn bản điện tử"
    assert package.attachments[0].content().startswith(b"%PDF-1.4")
    report = validate(package, strict=False)
    assert report.ok
    assert [(issue.rule, found in issue.message and "byte order mark" in issue.message)
            for issue in report.warnings] == [("encoding-not-utf8", True)]


def test_field_cases_in_utf16_little_and_big_endian_give_the_same_package() -> None:
    assert read_document(field_case("22-utf16le-bom.edxml")) == read_document(field_case("23-utf16be-bom.edxml"))


def test_cli_validate_received_names_the_encoding_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "goi tin utf16.edxml"
    path.write_bytes(CONVERSIONS["utf-16be-bom"][0](write_package(document())))
    assert main(["validate", "--received", str(path)]) == 0
    out = capsys.readouterr().out
    assert "UTF-16BE" in out and "ignored" not in out
    assert main(["show", str(path)]) == 0
    assert SENDER_NAME in capsys.readouterr().out


def test_cli_refuses_an_unknown_encoding_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "unknown.edxml"
    path.write_bytes(declared(write_package(status()), "x-vanthu-unknown").encode())
    result = subprocess.run([sys.executable, "-m", "vanthu_edxml.cli", "show", str(path)], capture_output=True,
                            text=True, check=False, timeout=60)
    assert result.returncode == 2 and "x-vanthu-unknown" in result.stderr


def test_base64_payload_text_is_unchanged_by_conversion() -> None:
    original = write_package(document())
    for name, (convert, _) in CONVERSIONS.items():
        data = read_document(convert(original)).attachments[0].data
        assert data is not None and base64.b64decode(bytes(data.raw)) == CONTENT, name
