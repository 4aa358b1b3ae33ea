"""Hostile input: every refusal is a typed EdxmlError, never an lxml or Python error."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanthu_edxml import (
    Attachment,
    Code,
    DocumentPackage,
    EdxmlError,
    EncodedData,
    LimitExceeded,
    Limits,
    MalformedAttachment,
    MalformedPackage,
    Organization,
    UnsafeXml,
    WriteError,
    WrongNamespace,
    read_document,
    read_package,
    validate,
    write_document,
)

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
_HERE = Path(__file__).resolve()
SAMPLES = next((p / "shared" / "fixtures" / "edxml-sdk-samples" for p in (_HERE.parents[3], _HERE.parents[4])
                if (p / "shared" / "fixtures" / "edxml-sdk-samples").is_dir()), None)


def minimal(body: str = "", attachments: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader>'
            f"<MessageHeader><From><OrganId>000.00.00.G22</OrganId></From>{body}</MessageHeader>"
            f"</edXMLHeader></edXMLEnvelope>{attachments}</edXML>").encode()


def test_external_entity_is_refused() -> None:
    data = (b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + minimal("<Subject>&xxe;</Subject>").split(b"?>", 1)[1])
    with pytest.raises(UnsafeXml):
        read_package(data)


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE edXML [{entities}]><edXML xmlns="{NS}">&lol9;</edXML>'.encode()
    with pytest.raises(UnsafeXml):
        read_package(data)


def test_any_dtd_is_refused_even_after_a_comment() -> None:
    with pytest.raises(UnsafeXml):
        read_package(b'<?xml version="1.0"?><!-- hi --><!DOCTYPE edXML SYSTEM "http://example.com/x.dtd">'
                     + minimal().split(b"?>", 1)[1])


def test_undefined_entity_without_dtd_is_malformed() -> None:
    with pytest.raises(MalformedPackage):
        read_package(minimal("<Subject>&xxe;</Subject>"))


def test_deep_nesting_is_refused() -> None:
    deep = "<x>" * 10_000 + "</x>" * 10_000
    with pytest.raises(UnsafeXml):
        read_package(minimal(f"<Subject>{deep}</Subject>"))
    with pytest.raises(UnsafeXml):
        read_package(minimal("<a>" * 40 + "</a>" * 40), Limits(max_depth=32))


def test_total_size_limit() -> None:
    with pytest.raises(LimitExceeded):
        read_package(minimal("<Subject>" + "x" * 5000 + "</Subject>"), Limits(max_bytes=4096))


def attachment_xml(payload: str, count: int = 1) -> str:
    items = "".join(f"<Attachment><ContentId>cid:{i}</ContentId><AttachmentName>a.pdf</AttachmentName>"
                    f"<edXML:ContentTransferEncoded xmlns:edXML=\"{NS}\">{payload}</edXML:ContentTransferEncoded>"
                    "</Attachment>" for i in range(count))
    return f"<AttachmentEncoded>{items}</AttachmentEncoded>"


def test_oversized_attachment_claim_is_refused_before_decoding() -> None:
    payload = base64.b64encode(b"\0" * 4000).decode()
    with pytest.raises(LimitExceeded):
        read_package(minimal(attachments=attachment_xml(payload)), Limits(max_attachment_bytes=1000))


def test_too_many_attachments() -> None:
    with pytest.raises(LimitExceeded):
        read_package(minimal(attachments=attachment_xml("QUJD", count=5)), Limits(max_attachments=4))


def test_malformed_base64_is_lazy_then_typed_and_reported() -> None:
    pkg = read_document(minimal(attachments=attachment_xml("not*base64!")))
    (attachment,) = pkg.attachments
    with pytest.raises(MalformedAttachment):
        attachment.content()
    errors = validate(pkg).errors
    assert any(e.rule == "attachment-base64" and e.path.endswith("ContentTransferEncoded") for e in errors)


def test_an_attachment_checked_by_validation_is_not_decoded_again_for_its_digest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    content = "Công văn số 12/UBND-VP về việc đôn đốc".encode() * 2000
    pkg = read_document(minimal(attachments=attachment_xml(base64.b64encode(content).decode())))
    decoded: list[int] = []
    real = EncodedData.decode
    monkeypatch.setattr(EncodedData, "decode", lambda self: decoded.append(1) or real(self))
    assert not [e for e in validate(pkg).errors if e.rule == "attachment-base64"]
    (attachment,) = pkg.attachments
    assert attachment.sha256() == hashlib.sha256(content).hexdigest()
    assert attachment.sha256() == hashlib.sha256(content).hexdigest()
    assert len(decoded) == 1  # validation's check decoded it; the digest was kept, not the bytes
    assert attachment.content() == content  # the bytes are decoded again only when asked for


def test_a_malformed_attachment_has_no_digest() -> None:
    (attachment,) = read_document(minimal(attachments=attachment_xml("not*base64!"))).attachments
    with pytest.raises(MalformedAttachment):
        attachment.sha256()
    assert attachment.data is not None and attachment.data.check() is not None


def test_base64_without_whitespace_is_decoded_where_it_lies_and_wrapped_or_bad_text_as_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from vanthu_edxml import model

    content = "Tờ trình số 05/TTr-SNV về việc phê duyệt kế hoạch".encode() * 3000
    compacted: list[int] = []
    real = model._without_whitespace
    monkeypatch.setattr(model, "_without_whitespace", lambda raw: compacted.append(1) or real(raw))
    one_line = base64.b64encode(content).decode()
    (attachment,) = read_document(minimal(attachments=attachment_xml(one_line))).attachments
    assert attachment.content() == content
    assert compacted == []  # no copy without its whitespace: the text is decoded in the package's bytes
    wrapped = "\n".join(one_line[i:i + 76] for i in range(0, len(one_line), 76))
    (attachment,) = read_document(minimal(attachments=attachment_xml(wrapped))).attachments
    assert attachment.content() == content
    assert compacted == [1]
    for bad in ("not*base64!", one_line[:-1], one_line + "=A", "QUJD\nRA=x"):
        with pytest.raises(base64.binascii.Error) as expected:  # type: ignore[attr-defined]
            base64.b64decode(bad.replace("\n", "").encode(), validate=True)
        with pytest.raises(MalformedAttachment) as met:
            EncodedData(bad).decode()
        assert met.value.args[0].endswith(str(expected.value))  # refused with the same reason as before


def test_the_writer_copies_the_base64_it_made_without_looking_at_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from vanthu_edxml import writer

    content = "Quyết định số 12/QĐ-UBND".encode() * 5000
    pkg = DocumentPackage(sender=Organization("000.00.00.G22"), code=Code("12", "QĐ-UBND"),
                          attachments=(Attachment.from_bytes("cid:1", "Quyết định.pdf", content),))
    looked: list[int] = []
    real = writer._is_base64_text
    monkeypatch.setattr(writer, "_is_base64_text", lambda data: looked.append(1) or real(data))
    written = write_document(pkg)
    assert looked == []  # EncodedData.from_bytes made it: base64 by construction
    again = read_document(written)
    assert write_document(again) == written  # text read from a package is looked at, and written the same
    assert looked == [1]
    assert again.attachments[0].content() == content


def test_big_attachment_is_kept_by_reference_and_decodes() -> None:
    content = bytes(range(256)) * 50_000  # 12.8 MB: above libxml2's 10 MB text-node limit once encoded
    pkg = DocumentPackage(sender=Organization("000.00.00.G22"), code=Code("1", "UBND"),
                          attachments=(Attachment.from_bytes("cid:1", "big.pdf", content),))
    again = read_document(write_document(pkg))
    assert isinstance(again.attachments[0].data.raw, memoryview)  # type: ignore[union-attr]
    assert again.attachments[0].content() == content


def test_wrong_namespace_and_wrong_root() -> None:
    with pytest.raises(WrongNamespace):
        read_package(minimal().replace(NS.encode(), b"http://example.com/other"))
    with pytest.raises(MalformedPackage):
        read_package(b"<html/>")
    with pytest.raises(MalformedPackage):
        read_package(b"")
    with pytest.raises(MalformedPackage):
        read_package(f'<edXML xmlns="{NS}"/>'.encode())


def test_writer_refuses_characters_xml_cannot_carry() -> None:
    with pytest.raises(WriteError):
        write_document(DocumentPackage(sender=Organization("000.00.00.G22", "bad\x01name")))


def _seeds() -> list[bytes]:
    if SAMPLES is None:
        return [minimal("<Subject>Công văn</Subject>", attachment_xml("UEsDBA=="))]
    # The small packages; the big ones are dominated by their base64 and fuzz slowly.
    return [p.read_bytes() for p in sorted(SAMPLES.glob("*.edxml")) if p.stat().st_size < 20_000]


SEEDS = _seeds()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(data)))
        if op == 0 and data:  # flip a byte
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:  # insert markup-ish bytes
            data[pos:pos] = draw(st.sampled_from([b"<", b">", b"&", b"<!DOCTYPE x>", b"<a>", b"</a>", b"\xff",
                                                  b"&amp;", b"]]>", b"<![CDATA[", b"\x00", b"xlink:"]))
        elif op == 2:  # delete a range
            end = draw(st.integers(pos, min(len(data), pos + 50)))
            del data[pos:end]
        else:  # truncate
            del data[pos:]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzzed_packages_raise_only_edxml_errors(data: bytes) -> None:
    try:
        pkg = read_package(data)
    except EdxmlError:
        return
    validate(pkg)
