"""Export and import of a closed or deposited file (hồ sơ) as one ZIP package a historical archive can take in
(Decree 30/2020 Art. 30 and Appendix VI III.2, III.4.g, III.5.c).

The package (``schema/vanthu-archive-1.xsd`` documents it)::

    metadata.xml               the file's and documents' metadata, Circular 02/2019 field structure
    manifest-sha256.txt        "<sha256 hex>  <path>" for every other entry, sorted by path
    documents/<DocCode>.<ext>  each document's main file, in ordinal order
    documents/<DocCode>-<NN>.<ext>  its attachments (phụ lục, tài liệu kèm theo), NN = 01…99 in the record's order
    schema/vanthu-archive-1.xsd

Unsigned PDFs are converted to PDF/A-2b (:func:`vanthu_archive.pdfa.to_pdfa`); signed PDFs are copied byte for
byte; other files are copied as they are; attachments are treated like the main file. The package records for each
computer file the digest of the copy in the package and of the original the system stored, and for an attachment
its original file name.

Import (:func:`import_package`) reads the ZIP within limits (total and per-entry size, entry count; no absolute
paths, no ``..``, no symbolic links, no encrypted or duplicate entries), checks the manifest against every entry,
parses ``metadata.xml`` with a parser that loads no DTD, resolves no entity and opens no network connection,
validates it against the schema, rebuilds the metadata and checks it (:func:`.metadata.check_file_contents`) and
each document's file against its recorded digest and size, a "PDF/A-2B" one with :func:`.pdfa.check_pdfa` and a
"PDF-SIGNED" one for its signature. Any mismatch raises one :class:`PackageError` with
Vietnamese messages; nothing is returned half-read.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import NamedTuple, TypeVar

from lxml import etree

from .metadata import (
    AccessMode,
    ConfidenceLevel,
    Confidentiality,
    CopyKind,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    MetadataError,
    Retention,
    Signer,
    _Coded,
    check_file_contents,
)
from .pdfa import PdfaError, check_pdfa, is_signed, to_pdfa

NS = "urn:vanthu:archive:1"
SCHEMA_NAME = "vanthu-archive-1.xsd"
METADATA = "metadata.xml"
MANIFEST = "manifest-sha256.txt"
SCHEMA_PATH = f"schema/{SCHEMA_NAME}"
PDF = "application/pdf"
FORMAT_PDFA = "PDF/A-2B"
FORMAT_SIGNED = "PDF-SIGNED"
FORMAT_ORIGINAL = "ORIGINAL"
#: File name extensions of the media types a document's file may have (anything else: ``bin``).
EXTENSIONS = {
    PDF: "pdf", "application/xml": "xml", "text/xml": "xml", "image/jpeg": "jpg", "image/png": "png",
    "image/tiff": "tif", "audio/mpeg": "mp3", "video/mp4": "mp4", "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
_C = TypeVar("_C", bound=_Coded)
_MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+\-]+$")
#: The most attachments one document may carry in a package (the schema's ``Attachment`` maxOccurs).
MAX_ATTACHMENTS = 99


class PackageError(ValueError):
    """The package cannot be made or taken in. ``problems`` lists every problem found, in Vietnamese."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems) or ("gói hồ sơ không hợp lệ",)
        super().__init__("Gói hồ sơ không hợp lệ: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Limits:
    """Bounds of an imported package: the ZIP's size, the sum of its entries' uncompressed sizes (a "zip bomb"
    cannot exceed it), one entry's size, the number of entries and the metadata's size. Bytes."""

    max_package_bytes: int = 2 * 1024**3
    max_total_bytes: int = 4 * 1024**3
    max_entry_bytes: int = 512 * 1024**2
    max_entries: int = 10_000 + 3
    max_metadata_bytes: int = 32 * 1024**2


@dataclass(frozen=True)
class AttachmentFile:
    """A computer file attached to a document (phụ lục, tài liệu kèm theo): its file name as the user gave it
    (NFC, ≤ 255 characters), the bytes as stored, their media type."""

    name: str
    content: bytes
    media_type: str = PDF


@dataclass(frozen=True)
class DocumentFile:
    """A document with its computer files: the metadata, the main file's bytes as stored and media type, and its
    attachments (at most 99) in the record's order."""

    metadata: DocumentMetadata
    content: bytes
    media_type: str = PDF
    attachments: tuple[AttachmentFile, ...] = ()


@dataclass(frozen=True)
class PackagedAttachment:
    """An attachment as it is in a package: its original file name, the file in the package, how it was made
    (``format``), the digest of the copy and of the original."""

    name: str
    content: bytes
    media_type: str
    path: str
    format: str
    sha256: str
    original_sha256: str


@dataclass(frozen=True)
class PackagedDocument:
    """A document as it is in a package: its metadata, the file in the package (``content``), how it was made
    (``format``: PDF/A-2B, PDF-SIGNED or ORIGINAL), the digest of the original the exporter read."""

    metadata: DocumentMetadata
    content: bytes
    media_type: str
    path: str
    format: str
    sha256: str
    original_sha256: str
    attachments: tuple[PackagedAttachment, ...] = ()


@dataclass(frozen=True)
class ArchivePackage:
    """An imported (or exported) package: the file's metadata, its documents in ordinal order, when it was made."""

    file: FileMetadata
    documents: tuple[PackagedDocument, ...]
    created: datetime
    manifest: dict[str, str] = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def schema_bytes() -> bytes:
    """The committed XML Schema of ``metadata.xml``."""
    return resources.files("vanthu_archive").joinpath("schema", SCHEMA_NAME).read_bytes()


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=True)


@cache
def schema() -> etree.XMLSchema:
    """The compiled schema (parsed with the safe parser)."""
    return etree.XMLSchema(etree.fromstring(schema_bytes(), _safe_parser()))


# -- metadata ⇄ XML ---------------------------------------------------------------------------------------------


def _add(parent: etree._Element, name: str, text: str | int | None, **attrs: str) -> etree._Element | None:
    if text is None or text == "":
        return None
    el = etree.SubElement(parent, f"{{{NS}}}{name}", attrs)
    el.text = str(text)
    return el


def _coded(parent: etree._Element, name: str, value: AccessMode | Language | DocumentType | ConfidenceLevel |
           CopyKind | Confidentiality) -> None:
    _add(parent, name, value.label, code=value.value)


def _keywords(words: tuple[str, ...]) -> str:
    return "; ".join(words)


def metadata_xml(file: FileMetadata, documents: Sequence[PackagedDocument], created: datetime) -> bytes:
    """``metadata.xml`` for a file and its packaged documents (UTF-8, NFC, ordinal order). ``created`` must be
    timezone-aware."""
    if created.tzinfo is None:
        raise ValueError("created must be timezone-aware")
    root = etree.Element(f"{{{NS}}}ArchivePackage", {"version": "1", "created": created.isoformat()}, nsmap={None: NS})
    f = etree.SubElement(root, f"{{{NS}}}File")
    _add(f, "FileCode", file.file_code)
    _add(f, "Identifier", file.archive_identifier)
    _add(f, "OrganId", file.organ_id)
    _add(f, "FileCatalog", file.catalogue)
    _add(f, "FileNotation", file.notation)
    _add(f, "Title", file.title)
    _add(f, "Maintenance", file.retention.label, code=file.retention.code)
    _coded(f, "Rights", file.access_mode)
    _add(f, "Creator", file.creator)
    _coded(f, "Language", file.language)
    _add(f, "StartDate", file.start_date.isoformat())
    _add(f, "EndDate", file.end_date.isoformat() if file.end_date else None)
    _add(f, "DocTotal", file.doc_total)
    _add(f, "PageTotal", file.page_total)
    _add(f, "SheetTotal", file.sheet_total)
    _add(f, "Description", file.description)
    _add(f, "Keyword", _keywords(file.keywords))
    _add(f, "InforSign", file.info_sign)
    _add(f, "Format", file.physical_state)
    _coded(f, "ConfidenceLevel", file.confidence_level)
    docs = etree.SubElement(root, f"{{{NS}}}Documents")
    for packaged in sorted(documents, key=lambda d: d.metadata.ordinal):
        m = packaged.metadata
        d = etree.SubElement(docs, f"{{{NS}}}Document")
        _add(d, "DocCode", m.code)
        _add(d, "DocOrdinal", m.ordinal)
        _coded(d, "TypeName", m.type)
        _add(d, "CodeNumber", m.number)
        _add(d, "CodeNotation", m.code_notation)
        _add(d, "IssuedDate", m.issued_date.isoformat())
        _add(d, "OrganName", m.organ_name)
        _add(d, "Subject", m.subject)
        _coded(d, "Language", m.language)
        _add(d, "PageAmount", m.page_amount)
        _add(d, "Description", m.description)
        if m.signer is not None:
            signer = etree.SubElement(d, f"{{{NS}}}SignerInfo")
            _add(signer, "Position", m.signer.position)
            _add(signer, "FullName", m.signer.full_name)
        _add(d, "Keyword", _keywords(m.keywords))
        _add(d, "InforSign", m.info_sign)
        _coded(d, "Mode", m.mode)
        _coded(d, "ConfidenceLevel", m.confidence_level)
        _coded(d, "CopyKind", m.copy_kind)
        _add(d, "Autograph", m.autograph)
        _add(d, "Format", m.physical_state)
        _coded(d, "Confidentiality", m.confidentiality)
        _add(d, "Signature", "true" if m.signed else "false")
        etree.SubElement(d, f"{{{NS}}}Content", {
            "path": packaged.path, "mediaType": packaged.media_type, "size": str(len(packaged.content)),
            "sha256": packaged.sha256, "originalSha256": packaged.original_sha256, "format": packaged.format})
        for a in packaged.attachments:
            etree.SubElement(d, f"{{{NS}}}Attachment", {
                "path": a.path, "mediaType": a.media_type, "size": str(len(a.content)), "sha256": a.sha256,
                "originalSha256": a.original_sha256, "format": a.format,
                "name": unicodedata.normalize("NFC", a.name)})
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


class ParsedDocument(NamedTuple):
    """A document as ``metadata.xml`` describes it: its metadata, its ``Content`` element's attributes and each
    ``Attachment`` element's attributes (path, mediaType, size, sha256, originalSha256, format, name)."""

    metadata: DocumentMetadata
    content: dict[str, str]
    attachments: list[dict[str, str]]


class _Reader:
    """Reads typed values out of a schema-valid ``metadata.xml``, collecting problems instead of failing early."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, el: etree._Element, name: str, default: str = "") -> str:
        child = el.find(f"{{{NS}}}{name}")
        return default if child is None or child.text is None else unicodedata.normalize("NFC", child.text)

    def number(self, el: etree._Element, name: str) -> int | None:
        value = self.text(el, name)
        return int(value) if value else None

    def day(self, el: etree._Element, name: str) -> date | None:
        value = self.text(el, name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{name}: ngày {value!r} không hợp lệ")
            return None

    def coded(self, el: etree._Element, name: str, kind: type[_C]) -> _C | None:
        child = el.find(f"{{{NS}}}{name}")
        code = "" if child is None else child.get("code", "")
        try:
            return kind.from_code(code)
        except ValueError:
            self.problems.append(f"{name}: mã {code!r} không có trong danh mục")
            return None

    def retention(self, el: etree._Element) -> Retention | None:
        child = el.find(f"{{{NS}}}Maintenance")
        text = "" if child is None or child.text is None else child.text
        try:
            retention = Retention.parse(text)
        except ValueError:
            self.problems.append(f"Maintenance: {text!r} không phải 'Vĩnh viễn' hoặc 'N năm'")
            return None
        if child is not None and child.get("code") != retention.code:
            self.problems.append(f"Maintenance: mã {child.get('code')!r} không khớp thời hạn {text!r} "
                                 f"(cần {retention.code})")
        return retention

    @staticmethod
    def keywords(text: str) -> tuple[str, ...]:
        return tuple(w.strip() for w in text.split(";") if w.strip())


def parse_metadata(xml: bytes) -> tuple[FileMetadata, list[ParsedDocument], datetime]:
    """Parse and validate ``metadata.xml``: the file, each document with its ``Content`` attributes and its
    ``Attachment`` elements' attributes, the creation time. Raises :class:`PackageError` (unsafe or malformed XML,
    schema errors, inconsistent codes, invalid metadata)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise PackageError(["metadata.xml chứa khai báo DOCTYPE/ENTITY, không được chấp nhận"])
    try:
        root = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise PackageError([f"metadata.xml không phải XML hợp lệ: {exc}"]) from exc
    validator = schema()
    if not validator.validate(root):
        raise PackageError([f"metadata.xml sai lược đồ {SCHEMA_NAME}, dòng {e.line}: {e.message}"
                            for e in list(validator.error_log)[:20]])
    r = _Reader()
    f_el = root.find(f"{{{NS}}}File")
    assert f_el is not None  # the schema requires it
    keywords = r.keywords(r.text(f_el, "Keyword"))
    file = FileMetadata(
        organ_id=r.text(f_el, "OrganId"), catalogue=r.number(f_el, "FileCatalog") or 0,
        notation=r.text(f_el, "FileNotation"), title=r.text(f_el, "Title"),
        retention=r.retention(f_el) or Retention(), creator=r.text(f_el, "Creator"),
        start_date=r.day(f_el, "StartDate") or date.min,
        access_mode=r.coded(f_el, "Rights", AccessMode) or AccessMode.PUBLIC,
        language=r.coded(f_el, "Language", Language) or Language.VIETNAMESE, end_date=r.day(f_el, "EndDate"),
        doc_total=r.number(f_el, "DocTotal"), page_total=r.number(f_el, "PageTotal"),
        sheet_total=r.number(f_el, "SheetTotal"), description=r.text(f_el, "Description"), keywords=keywords,
        info_sign=r.text(f_el, "InforSign"), physical_state=r.text(f_el, "Format"),
        archive_identifier=r.text(f_el, "Identifier"),
        confidence_level=r.coded(f_el, "ConfidenceLevel", ConfidenceLevel) or ConfidenceLevel.BORN_DIGITAL)
    if r.text(f_el, "FileCode") != file.file_code:
        r.problems.append(f"FileCode {r.text(f_el, 'FileCode')!r} khác mã ghép từ OrganId.FileCatalog.FileNotation "
                          f"{file.file_code!r}")
    documents: list[ParsedDocument] = []
    for d_el in root.iterfind(f"{{{NS}}}Documents/{{{NS}}}Document"):
        signer_el = d_el.find(f"{{{NS}}}SignerInfo")
        signer = None if signer_el is None else Signer(r.text(signer_el, "Position"), r.text(signer_el, "FullName"))
        doc = DocumentMetadata(
            file_code=file.file_code, ordinal=r.number(d_el, "DocOrdinal") or 0,
            type=r.coded(d_el, "TypeName", DocumentType) or DocumentType.OTHER,
            issued_date=r.day(d_el, "IssuedDate") or date.min, organ_name=r.text(d_el, "OrganName"),
            subject=r.text(d_el, "Subject"), page_amount=r.number(d_el, "PageAmount") or 0,
            number=r.text(d_el, "CodeNumber"), code_notation=r.text(d_el, "CodeNotation"),
            language=r.coded(d_el, "Language", Language) or Language.VIETNAMESE,
            mode=r.coded(d_el, "Mode", AccessMode) or AccessMode.PUBLIC,
            confidence_level=r.coded(d_el, "ConfidenceLevel", ConfidenceLevel) or ConfidenceLevel.BORN_DIGITAL,
            copy_kind=r.coded(d_el, "CopyKind", CopyKind) or CopyKind.ORIGINAL, signer=signer,
            description=r.text(d_el, "Description"), keywords=r.keywords(r.text(d_el, "Keyword")),
            info_sign=r.text(d_el, "InforSign"), autograph=r.text(d_el, "Autograph"),
            physical_state=r.text(d_el, "Format"),
            confidentiality=r.coded(d_el, "Confidentiality", Confidentiality) or Confidentiality.NONE,
            signed=r.text(d_el, "Signature") in ("true", "1"))
        if r.text(d_el, "DocCode") != doc.code:
            r.problems.append(f"DocCode {r.text(d_el, 'DocCode')!r} khác mã hồ sơ và số thứ tự {doc.code!r}")
        content = d_el.find(f"{{{NS}}}Content")
        assert content is not None  # the schema requires it
        attachments = [{k: str(v) for k, v in a.attrib.items()} for a in d_el.iterfind(f"{{{NS}}}Attachment")]
        documents.append(ParsedDocument(doc, {k: str(v) for k, v in content.attrib.items()}, attachments))
    try:
        check_file_contents(file, [d.metadata for d in documents], closed=True)
    except MetadataError as exc:
        r.problems.extend(str(p) for p in exc.problems)
    if r.problems:
        raise PackageError(r.problems)
    return file, documents, datetime.fromisoformat(str(root.get("created")))


# -- export -----------------------------------------------------------------------------------------------------


def package_document(doc: DocumentFile, *, allow_non_pdfa: bool = False) -> PackagedDocument:
    """A document's files as they go into a package: a signed PDF (by its metadata or, for the main file and each
    attachment, by a signature found in it) unchanged, an unsigned PDF as PDF/A-2b, any other file unchanged. An
    unsigned PDF that cannot be made PDF/A raises :class:`PackageError`, or with ``allow_non_pdfa`` is kept
    unchanged as ``ORIGINAL``; so do more than :data:`MAX_ATTACHMENTS` attachments or an attachment with no name."""
    m = doc.metadata
    if len(doc.attachments) > MAX_ATTACHMENTS:
        raise PackageError([f"văn bản {m.code}: có {len(doc.attachments)} tệp đính kèm, vượt giới hạn "
                            f"{MAX_ATTACHMENTS}"])
    content, fmt = _packaged_bytes(f"văn bản {m.code}", doc.content, doc.media_type, signed=m.signed,
                                   title=m.subject, allow_non_pdfa=allow_non_pdfa)
    attachments = []
    for n, a in enumerate(doc.attachments, start=1):
        name = unicodedata.normalize("NFC", a.name)
        if not name or len(name) > 255:
            raise PackageError([f"văn bản {m.code}: tệp đính kèm thứ {n} cần tên dài 1–255 ký tự"])
        body, a_fmt = _packaged_bytes(f"văn bản {m.code}, tệp đính kèm {name!r}", a.content, a.media_type,
                                      signed=False, title=f"{m.subject} – {name}", allow_non_pdfa=allow_non_pdfa)
        attachments.append(PackagedAttachment(name, body, a.media_type, attachment_path(m.code, n, a.media_type),
                                              a_fmt, _sha256(body), _sha256(a.content)))
    return PackagedDocument(m, content, doc.media_type, content_path(m.code, doc.media_type), fmt,
                            _sha256(content), _sha256(doc.content), tuple(attachments))


def content_path(code: str, media_type: str) -> str:
    """Where a document's main file sits in the package: ``documents/<DocCode>.<ext>``."""
    return f"documents/{code}.{EXTENSIONS.get(media_type, 'bin')}"


def attachment_path(code: str, n: int, media_type: str) -> str:
    """Where a document's ``n``-th attachment (1-based) sits: ``documents/<DocCode>-<NN>.<ext>``."""
    return f"documents/{code}-{n:02d}.{EXTENSIONS.get(media_type, 'bin')}"


def _packaged_bytes(what: str, data: bytes, media_type: str, *, signed: bool, title: str,
                    allow_non_pdfa: bool) -> tuple[bytes, str]:
    """A computer file as it goes into the package and its format (see :func:`package_document`)."""
    if not _MEDIA_TYPE.match(media_type):
        raise PackageError([f"{what}: kiểu tệp {media_type!r} không hợp lệ"])
    if media_type != PDF:
        return data, FORMAT_ORIGINAL
    if signed or is_signed(data):
        return data, FORMAT_SIGNED
    try:
        return to_pdfa(data, title=title), FORMAT_PDFA
    except PdfaError as exc:
        if not allow_non_pdfa:
            raise PackageError([f"{what}: không chuyển được sang PDF/A: {exc}"]) from exc
        return data, FORMAT_ORIGINAL


def export_package(file: FileMetadata, documents: Sequence[DocumentFile], *, created: datetime,
                   allow_non_pdfa: bool = False) -> bytes:
    """One closed or deposited file as a ZIP package (see the module docstring).

    :param file: the file's metadata; it must be complete (``validate(closed=True)``) and agree with the documents
        (ordinals 1…n, totals, dates: :func:`check_file_contents`).
    :param documents: each document's metadata and stored bytes.
    :param created: when the package is made (timezone-aware; from the caller's clock).
    :param allow_non_pdfa: keep an unsigned PDF that cannot be made PDF/A as it is instead of refusing.
    :returns: the ZIP bytes (entries stored without compression where already compressed: PDFs are stored
        deflated only when that saves space).
    :raises PackageError: invalid metadata, or a PDF that cannot be made PDF/A.
    """
    try:
        check_file_contents(file, [d.metadata for d in documents], closed=True)
    except MetadataError as exc:
        raise PackageError([str(p) for p in exc.problems]) from exc
    packaged = [package_document(d, allow_non_pdfa=allow_non_pdfa)
                for d in sorted(documents, key=lambda d: d.metadata.ordinal)]
    xml = metadata_xml(file, packaged, created)
    entries: dict[str, bytes] = {METADATA: xml, SCHEMA_PATH: schema_bytes()}
    entries.update((p.path, p.content) for p in packaged)
    entries.update((a.path, a.content) for p in packaged for a in p.attachments)
    # computed once, in package_document
    digests = {p.path: p.sha256 for p in packaged} | {a.path: a.sha256 for p in packaged for a in p.attachments}
    manifest = "".join(f"{digests.get(path) or _sha256(data)}  {path}\n" for path, data in sorted(entries.items()))
    buffer = io.BytesIO()
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as zf:
        for path, data in [(MANIFEST, manifest.encode()), *entries.items()]:
            info = zipfile.ZipInfo(path, date_time=stamp if stamp[0] >= 1980 else (1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            # PDFs are mostly compressed streams already: store them (fast, and the digest covers the same bytes)
            info.compress_type = zipfile.ZIP_STORED if path.startswith("documents/") else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buffer.getvalue()


# -- import -----------------------------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    return (bool(name) and not name.startswith(("/", "\\")) and "\\" not in name and ":" not in name
            and "\x00" not in name and all(part not in ("", ".", "..") for part in name.split("/")))


def _read_entries(data: bytes, limits: Limits) -> dict[str, bytes]:
    if len(data) > limits.max_package_bytes:
        raise PackageError([f"gói dài {len(data)} byte, vượt giới hạn {limits.max_package_bytes}"])
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PackageError([f"không phải tệp ZIP hợp lệ: {exc}"]) from exc
    with zf:
        infos = zf.infolist()
        problems: list[str] = []
        if len(infos) > limits.max_entries:
            raise PackageError([f"gói có {len(infos)} mục, vượt giới hạn {limits.max_entries}"])
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            problems.append("gói có mục trùng tên")
        total = 0
        for info in infos:
            mode = info.external_attr >> 16
            if info.is_dir():
                problems.append(f"gói không được chứa thư mục riêng: {info.filename!r}")
            elif not _safe_name(info.filename):
                problems.append(f"đường dẫn không an toàn: {info.filename!r}")
            elif stat.S_ISLNK(mode):
                problems.append(f"gói không được chứa liên kết tượng trưng: {info.filename!r}")
            elif info.flag_bits & 0x1:
                problems.append(f"mục được mã hóa: {info.filename!r}")
            elif info.file_size > limits.max_entry_bytes:
                problems.append(f"mục {info.filename!r} dài {info.file_size} byte, vượt giới hạn "
                                f"{limits.max_entry_bytes}")
            total += info.file_size
        if total > limits.max_total_bytes:
            problems.append(f"tổng dung lượng giải nén {total} byte vượt giới hạn {limits.max_total_bytes}")
        if problems:
            raise PackageError(problems)
        entries: dict[str, bytes] = {}
        for info in infos:
            try:
                with zf.open(info) as fh:
                    # never trust the declared size: read at most one byte more than it and the limit allow
                    content = fh.read(min(info.file_size, limits.max_entry_bytes) + 1)
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
                raise PackageError([f"không đọc được mục {info.filename!r}: {exc}"]) from exc
            if len(content) != info.file_size:
                raise PackageError([f"mục {info.filename!r}: kích thước thực khác kích thước khai báo"])
            entries[info.filename] = content
        return entries


def _parse_manifest(text: bytes) -> dict[str, str]:
    manifest: dict[str, str] = {}
    problems: list[str] = []
    try:
        lines = text.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise PackageError([f"{MANIFEST} không phải UTF-8"]) from None
    for number, line in enumerate(lines, start=1):
        match = re.fullmatch(r"([0-9a-f]{64})  (\S.*)", line)
        if match is None:
            problems.append(f"{MANIFEST} dòng {number}: cần '<sha256>  <đường dẫn>'")
        elif match.group(2) in manifest:
            problems.append(f"{MANIFEST}: {match.group(2)!r} được liệt kê hai lần")
        else:
            manifest[match.group(2)] = match.group(1)
    if problems:
        raise PackageError(problems)
    return manifest


def import_package(data: bytes, *, limits: Limits | None = None) -> ArchivePackage:
    """Take in a package made by :func:`export_package` (here or in another installation).

    :returns: the file's metadata, the documents in ordinal order with their files, the creation time.
    :raises PackageError: anything wrong — limits, unsafe entries, manifest and entries not matching, a digest or
        size mismatch, XML that is unsafe or not valid against the schema, inconsistent codes or totals, a missing
        or extra document file — every problem found, in Vietnamese.
    """
    entries = _read_entries(data, limits or Limits())
    if MANIFEST not in entries or METADATA not in entries:
        raise PackageError([f"gói thiếu {name}" for name in (MANIFEST, METADATA) if name not in entries])
    manifest = _parse_manifest(entries[MANIFEST])
    problems: list[str] = []
    listed, present = set(manifest), set(entries) - {MANIFEST}
    problems += [f"tệp {p!r} có trong danh sách mã băm nhưng thiếu trong gói" for p in sorted(listed - present)]
    problems += [f"tệp {p!r} có trong gói nhưng không có trong danh sách mã băm" for p in sorted(present - listed)]
    digests = {p: _sha256(entries[p]) for p in listed & present}  # each entry hashed once
    problems += [f"mã băm SHA-256 của {p!r} không khớp danh sách" for p in sorted(listed & present)
                 if digests[p] != manifest[p]]
    if problems:
        raise PackageError(problems)
    if len(entries[METADATA]) > (limits or Limits()).max_metadata_bytes:
        raise PackageError([f"{METADATA} quá lớn"])
    file, docs, created = parse_metadata(entries[METADATA])
    packaged: list[PackagedDocument] = []
    used = {METADATA, MANIFEST, SCHEMA_PATH}

    def take(what: str, attrs: dict[str, str], expected_path: str) -> bytes | None:
        """The entry ``attrs`` describes, checked (path, digest, size, format); None after noting a problem."""
        path = attrs["path"]
        if path in used:
            problems.append(f"{what}: tệp {path!r} dùng hai lần")
            return None
        used.add(path)
        if path != expected_path:
            problems.append(f"{what}: tên tệp {path!r} không theo mã văn bản (cần {expected_path!r})")
        body = entries.get(path)
        if body is None:
            problems.append(f"{what}: thiếu tệp {path!r}")
            return None
        if digests.get(path) != attrs["sha256"] or len(body) != int(attrs["size"]):
            problems.append(f"{what}: mã băm hoặc kích thước của {path!r} khác siêu dữ liệu")
        if attrs["format"] == FORMAT_SIGNED and attrs["sha256"] != attrs["originalSha256"]:
            problems.append(f"{what}: bản ký số phải giữ nguyên bản gốc")
        elif attrs["format"] == FORMAT_SIGNED and not is_signed(body):
            problems.append(f"{what}: ghi là bản ký số nhưng tệp không có chữ ký số")
        elif attrs["format"] == FORMAT_PDFA:
            problems.extend(f"{what}: ghi là PDF/A nhưng {p}" for p in check_pdfa(body))
        return body

    for doc, content, attached in docs:
        body = take(f"văn bản {doc.code}", content, content_path(doc.code, content["mediaType"]))
        attachments = []
        for n, a in enumerate(attached, start=1):
            a_body = take(f"văn bản {doc.code}, tệp đính kèm {a['name']!r}", a,
                          attachment_path(doc.code, n, a["mediaType"]))
            if a_body is not None:
                attachments.append(PackagedAttachment(a["name"], a_body, a["mediaType"], a["path"], a["format"],
                                                      a["sha256"], a["originalSha256"]))
        if body is not None:
            packaged.append(PackagedDocument(doc, body, content["mediaType"], content["path"], content["format"],
                                             content["sha256"], content["originalSha256"], tuple(attachments)))
    problems += [f"tệp {p!r} không thuộc văn bản nào" for p in sorted(set(entries) - used)]
    if problems:
        raise PackageError(problems)
    return ArchivePackage(file, tuple(packaged), created, manifest)


__all__ = [
    "FORMAT_ORIGINAL",
    "FORMAT_PDFA",
    "FORMAT_SIGNED",
    "MAX_ATTACHMENTS",
    "NS",
    "ArchivePackage",
    "AttachmentFile",
    "DocumentFile",
    "Limits",
    "PackageError",
    "PackagedAttachment",
    "PackagedDocument",
    "ParsedDocument",
    "attachment_path",
    "content_path",
    "export_package",
    "import_package",
    "metadata_xml",
    "package_document",
    "parse_metadata",
    "schema",
    "schema_bytes",
]
