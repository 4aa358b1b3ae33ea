"""Export and import of a file as one ZIP package: the round trip, the schema, the PDF/A copies and the signed
originals, and every refusal (digests, schema, missing or extra files, unsafe ZIPs, limits)."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from vanthu_archive.metadata import (
    AccessMode,
    ConfidenceLevel,
    CopyKind,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    Retention,
    Signer,
)
from vanthu_archive.package import (
    FORMAT_ORIGINAL,
    FORMAT_PDFA,
    FORMAT_SIGNED,
    AttachmentFile,
    DocumentFile,
    Limits,
    PackageError,
    export_package,
    import_package,
    schema_bytes,
)
from vanthu_archive.pdfa import check_pdfa

pytestmark = pytest.mark.unit

PlainPdf = Callable[..., bytes]
VN = timezone(timedelta(hours=7))
CREATED = datetime(2027, 2, 1, 9, 30, tzinfo=VN)
SCHEMA_FILE = Path(__file__).parents[1] / "src" / "vanthu_archive" / "schema" / "vanthu-archive-1.xsd"


def a_file(**changes: object) -> FileMetadata:
    base = FileMetadata(organ_id="000.00.12.H41", catalogue=2026, notation="01.TCĐT",
                        title="Hồ sơ đào tạo, bồi dưỡng công chức năm 2026", retention=Retention.permanent(),
                        creator="Nguyễn Văn An", start_date=date(2026, 1, 6), end_date=date(2026, 11, 20),
                        access_mode=AccessMode.RESTRICTED, doc_total=3, page_total=5, sheet_total=3,
                        description="Hồ sơ có một văn bản ký số", keywords=("đào tạo", "bồi dưỡng"),
                        info_sign="TCĐT-01", physical_state="Bình thường", archive_identifier="LTLS.H41",
                        confidence_level=ConfidenceLevel.MIXED)
    return FileMetadata(**{**base.__dict__, **changes})


def documents(plain_pdf: PlainPdf, signed_pdf: bytes) -> list[DocumentFile]:
    code = a_file().file_code
    return [
        DocumentFile(DocumentMetadata(code, 1, DocumentType.PLAN, date(2026, 1, 6), "Sở Nội vụ tỉnh Vĩnh Long",
                                      "Kế hoạch đào tạo, bồi dưỡng năm 2026", 2, number="05", code_notation="KH-SNV",
                                      signer=Signer("Giám đốc", "Trần Văn Bình"), keywords=("kế hoạch",),
                                      description="Bản chính"), plain_pdf("Ke hoach", pages=2)),
        DocumentFile(DocumentMetadata(code, 2, DocumentType.DECISION, date(2026, 3, 2), "Ủy ban nhân dân tỉnh",
                                      "Quyết định cử công chức đi học", 1, number="120", code_notation="QĐ-UBND",
                                      signer=Signer("", "Lê Thị Hoa"), signed=True, copy_kind=CopyKind.MASTER,
                                      mode=AccessMode.RESTRICTED), signed_pdf),
        DocumentFile(DocumentMetadata(code, 3, DocumentType.REPORT, date(2026, 11, 20), "Sở Nội vụ tỉnh Vĩnh Long",
                                      "Báo cáo kết quả đào tạo", 2, language=Language.VIETNAMESE_ENGLISH,
                                      confidence_level=ConfidenceLevel.DIGITISED, autograph="Ý kiến của Giám đốc",
                                      physical_state="Bình thường", info_sign="BC"), b"\x89PNG\r\n\x1a\nscan",
                     "image/png"),
    ]


@pytest.fixture
def package(plain_pdf: PlainPdf, signed_pdf: bytes) -> bytes:
    return export_package(a_file(), documents(plain_pdf, signed_pdf), created=CREATED)


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rezip(data: bytes, change: dict[str, bytes | None], *, manifest: bool = True) -> bytes:
    """The package with entries replaced, added or (None) removed; ``manifest``: rewrite the digests to match."""
    files = entries(data)
    for name, content in change.items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    if manifest:
        files["manifest-sha256.txt"] = "".join(
            f"{hashlib.sha256(c).hexdigest()}  {n}\n" for n, c in sorted(files.items())
            if n != "manifest-sha256.txt").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue()


def refused(data: bytes, needle: str, limits: Limits | None = None) -> PackageError:
    with pytest.raises(PackageError) as exc:
        import_package(data, limits=limits)
    assert any(needle in p for p in exc.value.problems), exc.value.problems
    return exc.value


def test_export_then_import_gives_equal_metadata(package: bytes, plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    imported = import_package(package)
    assert imported.file == a_file()
    assert [d.metadata for d in imported.documents] == [d.metadata for d in documents(plain_pdf, signed_pdf)]
    assert imported.created == CREATED


def test_unsigned_pdfs_become_pdfa_signed_ones_and_other_files_stay_byte_for_byte(
        package: bytes, plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    imported = import_package(package)
    plan, decision, scan = imported.documents
    assert plan.format == FORMAT_PDFA and check_pdfa(plan.content) == []
    assert plan.original_sha256 == hashlib.sha256(plain_pdf("Ke hoach", pages=2)).hexdigest() != plan.sha256
    assert decision.format == FORMAT_SIGNED and decision.content == signed_pdf
    assert scan.format == FORMAT_ORIGINAL and scan.content == b"\x89PNG\r\n\x1a\nscan"
    assert [d.path for d in imported.documents] == [
        "documents/000.00.12.H41.2026.01.TCĐT.001.pdf", "documents/000.00.12.H41.2026.01.TCĐT.002.pdf",
        "documents/000.00.12.H41.2026.01.TCĐT.003.png"]


def test_a_signature_found_in_the_pdf_keeps_it_unchanged_even_if_the_metadata_forgot(
        plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    docs = documents(plain_pdf, signed_pdf)
    docs[1] = DocumentFile(DocumentMetadata(**{**docs[1].metadata.__dict__, "signed": False}), signed_pdf)
    imported = import_package(export_package(a_file(), docs, created=CREATED))
    assert imported.documents[1].format == FORMAT_SIGNED and imported.documents[1].content == signed_pdf


CODE = "000.00.12.H41.2026.01.TCĐT"
#: A Vietnamese file name as a user typed it, decomposed (NFD): the package keeps it NFC.
NFD_NAME = "Phu\u0323 lu\u0323c danh sa\u0301ch ho\u0323c viên đợt 1.pdf"


def with_attachments(plain_pdf: PlainPdf, signed_pdf: bytes) -> list[DocumentFile]:
    docs = documents(plain_pdf, signed_pdf)
    docs[0] = DocumentFile(docs[0].metadata, docs[0].content, attachments=(
        AttachmentFile(NFD_NAME, plain_pdf("Phu luc", pages=1)),
        AttachmentFile("Bảng tổng hợp kinh phí.xlsx", b"PK\x03\x04sheet",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        AttachmentFile("Tờ trình đã ký.pdf", signed_pdf)))
    return docs


@pytest.fixture
def package_with_attachments(plain_pdf: PlainPdf, signed_pdf: bytes) -> bytes:
    return export_package(a_file(), with_attachments(plain_pdf, signed_pdf), created=CREATED)


def test_attachments_travel_with_their_document_named_and_converted_like_the_main_file(
        package_with_attachments: bytes, plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    imported = import_package(package_with_attachments)
    plan = imported.documents[0]
    assert [a.name for a in plan.attachments] == [
        "Phụ lục danh sách học viên đợt 1.pdf", "Bảng tổng hợp kinh phí.xlsx", "Tờ trình đã ký.pdf"]
    assert [a.path for a in plan.attachments] == [
        f"documents/{CODE}.001-01.pdf", f"documents/{CODE}.001-02.xlsx", f"documents/{CODE}.001-03.pdf"]
    annex, sheet, signed = plan.attachments
    assert annex.format == FORMAT_PDFA and check_pdfa(annex.content) == []
    assert annex.original_sha256 == hashlib.sha256(plain_pdf("Phu luc", pages=1)).hexdigest() != annex.sha256
    assert sheet.format == FORMAT_ORIGINAL and sheet.content == b"PK\x03\x04sheet"
    assert signed.format == FORMAT_SIGNED and signed.content == signed_pdf
    assert [d.attachments for d in imported.documents[1:]] == [(), ()]
    etree.XMLSchema(etree.parse(str(SCHEMA_FILE))).assertValid(
        etree.fromstring(entries(package_with_attachments)["metadata.xml"]))


def test_a_changed_missing_or_misplaced_attachment_is_refused(package_with_attachments: bytes) -> None:
    path = f"documents/{CODE}.001-02.xlsx"
    refused(rezip(package_with_attachments, {path: b"PK\x03\x04changed"}), "mã băm hoặc kích thước")
    refused(rezip(package_with_attachments, {path: None}), "thiếu tệp")
    xml = entries(package_with_attachments)["metadata.xml"]
    moved = xml.replace(b".001-02.xlsx", b".002-02.xlsx")
    refused(rezip(package_with_attachments, {"metadata.xml": moved, path: None,
                                             f"documents/{CODE}.002-02.xlsx": b"PK\x03\x04sheet"}),
            "không theo mã văn bản")
    unnamed = xml.replace("name=\"Bảng tổng hợp kinh phí.xlsx\"".encode(), b'name=""')
    refused(rezip(package_with_attachments, {"metadata.xml": unnamed}), "sai lược đồ")


def test_export_refuses_too_many_or_unnamed_attachments(plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    docs = documents(plain_pdf, signed_pdf)
    many = tuple(AttachmentFile(f"Tệp {n}.png", b"\x89PNG", "image/png") for n in range(100))
    with pytest.raises(PackageError, match="vượt giới hạn 99"):
        export_package(a_file(), [DocumentFile(docs[0].metadata, docs[0].content, attachments=many), *docs[1:]],
                       created=CREATED)
    with pytest.raises(PackageError, match="cần tên"):
        export_package(a_file(), [DocumentFile(docs[0].metadata, docs[0].content,
                                               attachments=(AttachmentFile("", b"x", "image/png"),)), *docs[1:]],
                       created=CREATED)


def test_metadata_validates_against_the_committed_schema_and_the_manifest_covers_every_entry(package: bytes) -> None:
    files = entries(package)
    assert schema_bytes() == SCHEMA_FILE.read_bytes() == files["schema/vanthu-archive-1.xsd"]
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))
    schema.assertValid(etree.fromstring(files["metadata.xml"]))
    manifest = dict(reversed(line.split("  ", 1)) for line in files["manifest-sha256.txt"].decode().splitlines())
    assert set(manifest) == set(files) - {"manifest-sha256.txt"}
    assert all(hashlib.sha256(files[p]).hexdigest() == digest for p, digest in manifest.items())
    xml = files["metadata.xml"].decode()
    assert '<Maintenance code="01">Vĩnh viễn</Maintenance>' in xml
    assert '<FileCode>000.00.12.H41.2026.01.TCĐT</FileCode>' in xml


def test_export_is_reproducible(package: bytes, plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    assert export_package(a_file(), documents(plain_pdf, signed_pdf), created=CREATED) == package


def test_a_changed_document_is_refused_by_its_digest(package: bytes) -> None:
    path = "documents/000.00.12.H41.2026.01.TCĐT.002.pdf"
    tampered = bytearray(entries(package)[path])
    tampered[len(tampered) // 2] ^= 0x01
    tampered = bytes(tampered)
    refused(rezip(package, {path: tampered}, manifest=False), "mã băm SHA-256")
    # the manifest rewritten to match does not help: metadata.xml records the digest too
    refused(rezip(package, {path: tampered}), "mã băm hoặc kích thước")


def test_a_missing_or_extra_file_is_refused(package: bytes) -> None:
    path = "documents/000.00.12.H41.2026.01.TCĐT.003.png"
    refused(rezip(package, {path: None}, manifest=False), "thiếu trong gói")
    refused(rezip(package, {path: None}), "thiếu tệp")
    refused(rezip(package, {"documents/extra.pdf": b"%PDF"}, manifest=False), "không có trong danh sách mã băm")
    refused(rezip(package, {"documents/extra.pdf": b"%PDF"}), "không thuộc văn bản nào")
    refused(rezip(package, {"manifest-sha256.txt": None}, manifest=False), "thiếu manifest-sha256.txt")


def test_metadata_not_valid_against_the_schema_is_refused(package: bytes) -> None:
    xml = entries(package)["metadata.xml"]
    refused(rezip(package, {"metadata.xml": xml.replace(b"<FileCatalog>2026", b"<FileCatalog>20266")}),
            "sai lược đồ")
    refused(rezip(package, {"metadata.xml": xml.replace(b"<Title>", b"<Tieude>").replace(b"</Title>", b"</Tieude>")}),
            "sai lược đồ")
    refused(rezip(package, {"metadata.xml": b"<ArchivePackage"}), "không phải XML hợp lệ")


def test_inconsistent_metadata_is_refused_with_every_problem(package: bytes) -> None:
    xml = entries(package)["metadata.xml"]
    changed = (xml.replace(b"<DocTotal>3</DocTotal>", b"<DocTotal>4</DocTotal>")
               .replace(b"<FileCode>000.00.12.H41.2026", b"<FileCode>000.00.12.H42.2026")
               .replace(b'<Maintenance code="01">', b'<Maintenance code="05">')
               .replace(b'<TypeName code="14">', b'<TypeName code="77">'))
    error = refused(rezip(package, {"metadata.xml": changed}), "Tổng số văn bản: ghi 4, hồ sơ có 3")
    text = " ".join(error.problems)
    assert "FileCode" in text and "Maintenance" in text and "TypeName: mã '77'" in text


def test_xml_with_a_doctype_or_entities_is_refused(package: bytes) -> None:
    xml = entries(package)["metadata.xml"]
    evil = xml.replace(b"<?xml version='1.0' encoding='UTF-8'?>",
                       b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    refused(rezip(package, {"metadata.xml": evil}), "DOCTYPE")


def zip_with(infos: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info, content in infos:
            zf.writestr(info, content)
    return out.getvalue()


@pytest.mark.parametrize("name", ["../escape.pdf", "/etc/passwd", "documents/../../x", "C:\\x", "a\\b", "./x"])
def test_paths_escaping_the_package_are_refused(name: str) -> None:
    refused(zip_with([(zipfile.ZipInfo(name), b"x")]), "đường dẫn không an toàn")


def test_symlinks_directories_and_duplicates_are_refused() -> None:
    link = zipfile.ZipInfo("documents/link.pdf")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    refused(zip_with([(link, b"/etc/passwd")]), "liên kết tượng trưng")
    refused(zip_with([(zipfile.ZipInfo("documents/"), b"")]), "thư mục")
    with pytest.warns(UserWarning):
        duplicated = zip_with([(zipfile.ZipInfo("a"), b"1"), (zipfile.ZipInfo("a"), b"2")])
    refused(duplicated, "trùng tên")
    refused(b"PK\x03\x04 not really", "không phải tệp ZIP")


def test_size_and_count_limits(package: bytes) -> None:
    refused(package, "vượt giới hạn 10", Limits(max_package_bytes=10))
    refused(package, "mục, vượt giới hạn 3", Limits(max_entries=3))
    refused(package, "vượt giới hạn 1000", Limits(max_entry_bytes=1000))
    refused(package, "tổng dung lượng giải nén", Limits(max_total_bytes=2000))
    bomb = zipfile.ZipInfo("documents/bomb.pdf")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    refused(zip_with([(bomb, b"\0" * 5_000_000)]), "vượt giới hạn 1000000", Limits(max_entry_bytes=1_000_000))


def test_export_refuses_an_unclosed_file_and_an_unconvertible_pdf(plain_pdf: PlainPdf, signed_pdf: bytes) -> None:
    docs = documents(plain_pdf, signed_pdf)
    with pytest.raises(PackageError, match="Thời gian kết thúc"):
        export_package(a_file(end_date=None), docs, created=CREATED)
    with pytest.raises(PackageError, match="Tổng số văn bản"):
        export_package(a_file(), docs[:2], created=CREATED)
    encrypted = io.BytesIO()
    import pikepdf

    with pikepdf.open(io.BytesIO(plain_pdf(pages=2))) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    docs[0] = DocumentFile(docs[0].metadata, encrypted.getvalue())
    with pytest.raises(PackageError, match="không chuyển được sang PDF/A"):
        export_package(a_file(), docs, created=CREATED)
    kept = import_package(export_package(a_file(), docs, created=CREATED, allow_non_pdfa=True))
    assert kept.documents[0].format == FORMAT_ORIGINAL and kept.documents[0].content == encrypted.getvalue()
    with pytest.raises(ValueError, match="timezone"):
        export_package(a_file(), documents(plain_pdf, signed_pdf), created=datetime(2027, 1, 1))
    assert export_package(a_file(), documents(plain_pdf, signed_pdf), created=datetime(2027, 1, 1, tzinfo=UTC))


def test_a_file_claimed_pdfa_or_signed_is_checked_on_import(package: bytes, plain_pdf: PlainPdf) -> None:
    xml = entries(package)["metadata.xml"].decode()
    pdfa_path = "documents/000.00.12.H41.2026.01.TCĐT.001.pdf"
    signed_path = "documents/000.00.12.H41.2026.01.TCĐT.002.pdf"
    swapped: dict[str, bytes | None] = {}
    for path, body in ((pdfa_path, plain_pdf("not archival")), (signed_path, plain_pdf("not signed"))):
        old = entries(package)[path]
        digest, new = hashlib.sha256(old).hexdigest(), hashlib.sha256(body).hexdigest()
        xml = xml.replace(f'size="{len(old)}" sha256="{digest}" originalSha256="{digest}"',
                          f'size="{len(body)}" sha256="{new}" originalSha256="{new}"')
        xml = xml.replace(f'size="{len(old)}" sha256="{digest}"', f'size="{len(body)}" sha256="{new}"')
        swapped[path] = body
    error = refused(rezip(package, {**swapped, "metadata.xml": xml.encode()}), "ghi là PDF/A nhưng")
    assert any("ghi là bản ký số nhưng tệp không có chữ ký số" in p for p in error.problems)


def test_the_command_line_checks_a_package_and_a_pdf(package: bytes, tmp_path: Path, plain_pdf: PlainPdf) -> None:
    from vanthu_archive.cli import main

    good, bad, pdf = tmp_path / "hoso.zip", tmp_path / "hong.zip", tmp_path / "vb.pdf"
    good.write_bytes(package)
    bad.write_bytes(rezip(package, {"documents/extra.pdf": b"%PDF"}, manifest=False))
    pdf.write_bytes(plain_pdf())
    out = io.StringIO()
    assert main(["check", str(good)], out) == 0
    assert "Mã hồ sơ: 000.00.12.H41.2026.01.TCĐT" in out.getvalue()
    assert "Gói hồ sơ hợp lệ" in out.getvalue() and "PDF/A-2B" in out.getvalue()
    out = io.StringIO()
    assert main(["check", str(bad)], out) == 1
    assert "không có trong danh sách mã băm" in out.getvalue()
    out = io.StringIO()
    assert main(["pdfa", str(pdf)], out) == 1 and "Helvetica chưa được nhúng" in out.getvalue()
    assert main(["check", str(tmp_path / "none.zip")], io.StringIO()) == 2
