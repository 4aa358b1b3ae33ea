"""What records stores, as ``libs/vanthu-archive`` models it: the Circular 02/2019 / Decree 30 Appendix VI metadata
(validated by the lib), the Appendix V forms (file plan PDF/XLSX, internal table of contents, list of deposited
files, handover record) and the export/import package (metadata XML under the lib's XML Schema, SHA-256 manifest,
PDF/A-2b for unsigned PDFs, signed ones unchanged). This module only maps; the rules and the forms are the lib's.

Every computer file of a document goes into a package: the main file and each attachment, in its newest version (the
B-LTA one for a deposited signed PDF); older versions stay in the record and in storage.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import vanthu_archive.forms as archive_forms
import vanthu_archive.package as archive_package
from vanthu_archive.metadata import (
    AccessMode,
    ConfidenceLevel,
    DocumentMetadata,
    DocumentType,
    FileMetadata,
    Language,
    MetadataError,
    Retention,
    Signer,
    check_file_contents,
)
from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.spreadsheet import XLSX_TYPE
from vanthu_records.domain import plan as plans
from vanthu_records.platform import Platform
from vanthu_records.store import Actor, DocumentMeta, FileView, ObjectVersion, PlanView, RecordedFile, RecordsStore

PDF_TYPE = "application/pdf"
#: The confidence levels records stores (Circular 02/2019 ConfidenceLevel) and the lib's code list.
CONFIDENCE = {"goc_dien_tu": ConfidenceLevel.BORN_DIGITAL, "so_hoa": ConfidenceLevel.DIGITISED,
              "hon_hop": ConfidenceLevel.MIXED}
CONFIDENCE_NAMES = {v: k for k, v in CONFIDENCE.items()}


def invalid(error: MetadataError, prefix: str = "") -> InvalidArgument:
    """The lib's problems (all of them, in Vietnamese) as one field error naming the first field; the first field's
    own problems are not prefixed with its name again (the message is the lib's sentence: ``Số và ký hiệu…``)."""
    first = error.problems[0]
    return InvalidArgument(prefix + first.field, "; ".join(p.message if p.field == first.field else str(p)
                                                           for p in error.problems), names_field=True)


def retention(years: int) -> Retention:
    """0 = vĩnh viễn (permanent), else years."""
    return Retention.permanent() if years == 0 else Retention(years)


def retention_years(value: Retention) -> int:
    return 0 if value.is_permanent else int(value.years or 0)


def _coded(kind: Any, label: str, default: Any) -> Any:
    try:
        return kind.from_label(label)
    except ValueError:
        return default


def keywords(text: str) -> tuple[str, ...]:
    """Keywords as the user writes them: separated by commas or semicolons."""
    return tuple(k.strip() for k in re.split(r"[;,]", text) if k.strip())


def file_metadata(view: FileView, *, closed: bool = False) -> FileMetadata:
    r = view.row
    return FileMetadata(
        organ_id=r.agency_code, catalogue=r.year, notation=r.notation, title=r.title,
        retention=retention(r.retention_years), creator=(r.creator_name or r.creator_username)[:30],
        start_date=r.start_date, access_mode=_coded(AccessMode, r.rights, AccessMode.PUBLIC),
        language=_coded(Language, r.language, Language.VIETNAMESE), end_date=r.end_date,
        doc_total=len(view.documents) if closed else None, page_total=r.page_total if closed else None,
        description=r.description, keywords=keywords(r.keywords))


def check_opening(values: dict[str, Any], creator: str) -> None:
    """A file as it is opened (Art. 29.2): the lib's checks of the fields given then (notation ``01.TCCB``…)."""
    try:
        FileMetadata(organ_id=values["agency_code"], catalogue=values["year"], notation=values["notation"],
                     title=values["title"], retention=retention(values["retention_years"]), creator=creator[:30],
                     start_date=values["start_date"],
                     access_mode=_coded(AccessMode, values["rights"], AccessMode.PUBLIC),
                     language=_coded(Language, values["language"], Language.VIETNAMESE),
                     description=values.get("description", "")).validate()
    except MetadataError as error:
        raise invalid(error) from None


def document_metadata(view: FileView, index: int) -> DocumentMetadata:
    d = view.documents[index]
    m = d.meta
    issued = date.fromisoformat(m.issued_date) if m.issued_date else d.added_at.date()
    return DocumentMetadata(
        file_code=view.code, ordinal=d.ordinal, type=_coded(DocumentType, m.type_name, DocumentType.OTHER),
        issued_date=issued, organ_name=m.organ_name, subject=m.subject, page_amount=m.page_amount,
        number=m.code_number, code_notation=m.code_notation,
        language=_coded(Language, m.language, Language.VIETNAMESE),
        mode=_coded(AccessMode, m.mode, AccessMode.PUBLIC),
        confidence_level=CONFIDENCE.get(m.confidence_level, ConfidenceLevel.BORN_DIGITAL),
        signer=Signer(position=m.signer_position[:100], full_name=m.signer[:50]) if m.signer else None,
        description=m.description, keywords=keywords(m.keywords), signed=m.signed)


def check_closing(view: FileView) -> None:
    """The closed file and its documents together (the lib's ``check_file_contents``); InvalidArgument listing
    every problem otherwise."""
    try:
        check_file_contents(file_metadata(view, closed=True),
                            [document_metadata(view, i) for i in range(len(view.documents))], closed=True)
    except MetadataError as error:
        raise invalid(error) from None


# -- forms -------------------------------------------------------------------------------------------------------

def _entry(e: plans.Entry) -> archive_forms.PlanEntry:
    return archive_forms.PlanEntry(notation=e.notation, title=e.title, retention=retention(e.retention_years),
                                   creator=e.creator, notes=e.notes)


def decision_line(number: str, decided: date | None, agency_name: str) -> str:
    """What follows "(Kèm theo Quyết định số" on the plan's form: ``15/QĐ-UBND ngày 05 tháng 01 năm 2031 của
    <agency>``; empty (the form's dotted blanks) when the plan names no decision."""
    if not number or decided is None:
        return ""
    return f"{number} ngày {decided.day:02d} tháng {decided.month:02d} năm {decided.year} của {agency_name}"


def plan(view: PlanView, fmt: str, agency: archive_forms.Agency) -> tuple[bytes, str, str]:
    """Danh mục hồ sơ (Appendix V.II) as PDF or XLSX: (content, type, file name)."""
    form = archive_forms.FilePlan(agency=agency, year=view.row.year, headings=tuple(
        archive_forms.PlanHeading(title=h.title, entries=tuple(_entry(e) for e in h.entries),
                                  subheadings=tuple(archive_forms.PlanSubheading(
                                      title=s.title, entries=tuple(_entry(e) for e in s.entries))
                                      for s in h.subheadings)) for h in view.headings),
        decision=decision_line(view.row.decision_number, view.row.decision_date, agency.name))
    name = f"danh-muc-ho-so-{view.row.year}-v{view.row.plan_version}"
    if fmt == "pdf":
        return archive_forms.file_plan_pdf(form), PDF_TYPE, name + ".pdf"
    if fmt == "xlsx":
        return archive_forms.file_plan_xlsx(form), XLSX_TYPE, name + ".xlsx"
    raise InvalidArgument("format", "phải là 'pdf' hoặc 'xlsx'.")


def contents(view: FileView, agency: archive_forms.Agency) -> tuple[bytes, str, str]:
    """Mục lục văn bản, tài liệu trong hồ sơ (Appendix V.IV), produced at closing (Art. 29.4)."""
    docs = [document_metadata(view, i) for i in range(len(view.documents))]
    return (archive_forms.contents_pdf(file_metadata(view, closed=True), docs, agency), PDF_TYPE,
            f"muc-luc-{view.code}.pdf")


def deposit(form: str, views: list[FileView], agency: archive_forms.Agency, today: date,
            actor: Actor) -> tuple[bytes, str, str]:
    """Mục lục hồ sơ, tài liệu nộp lưu (Appendix V.III) or Biên bản giao nhận (Appendix V.V) of deposited files."""
    files = tuple(file_metadata(v, closed=True) for v in views)
    units = sorted({v.row.unit for v in views if v.row.unit}) or [agency.name]
    years = sorted({v.row.year for v in views})
    if form == "list":
        return (archive_forms.deposit_list_pdf(archive_forms.DepositList(
            agency=agency, unit_name=", ".join(units), year=years[-1], files=files, made_on=today,
            made_by=actor.name or actor.username)), PDF_TYPE, f"muc-luc-nop-luu-{today.isoformat()}.pdf")
    starts = min(v.row.start_date for v in views)
    ends = max(v.row.end_date or v.row.start_date for v in views)
    givers = sorted({v.row.creator_name or v.row.creator_username for v in views})
    record = archive_forms.HandoverRecord(
        agency=agency, signed_on=today, basis="Danh mục hồ sơ của cơ quan", giver_unit=", ".join(units),
        giver_name=", ".join(givers), giver_position="Người lập hồ sơ", receiver_name=actor.name or actor.username,
        receiver_position="Lưu trữ cơ quan", batch_name=f"Hồ sơ, tài liệu năm {', '.join(map(str, years))}",
        period=f"{starts:%d/%m/%Y} – {ends:%d/%m/%Y}", file_count=len(views),
        computer_file_count=sum(len(d.files) for v in views for d in v.documents))
    return (archive_forms.handover_record_pdf(record), PDF_TYPE, f"bien-ban-giao-nhan-{today.isoformat()}.pdf")


# -- the export package ------------------------------------------------------------------------------------------

def _main(files: list[RecordedFile]) -> RecordedFile | None:
    return next((f for f in files if f.role == "main"), files[0] if files else None)


#: The role an imported attachment is recorded with (the registry's ``FileRole.ATTACHMENT``).
ATTACHMENT = "attachment"


async def export_package(view: FileView, platform: Platform, token: str, created: datetime) -> bytes:
    """The file as the lib's ZIP package (metadata.xml, XML Schema, documents/<DocCode>.<ext> and each document's
    attachments documents/<DocCode>-<NN>.<ext>, manifest). Downloads every file with the caller's ``token``.

    :raises FailedPrecondition: a document with no file. :raises InvalidArgument: the lib refused the package."""
    documents = []
    for i, d in enumerate(view.documents):
        main = _main(d.files)
        if main is None:
            raise FailedPrecondition(f"documents[{i}]: văn bản {d.document_code} không có tệp (bản điện tử) để đóng "
                                     "gói; một gói hồ sơ mang tệp của từng văn bản")
        content = await platform.download(token, main.newest.object_id)
        attachments = tuple([
            archive_package.AttachmentFile(name=f.file_name or f"tep-{n}", media_type=f.content_type or PDF_TYPE,
                                           content=await platform.download(token, f.newest.object_id))
            for n, f in enumerate((f for f in d.files if f is not main and f.versions), start=1)])
        documents.append(archive_package.DocumentFile(metadata=document_metadata(view, i), content=content,
                                                      media_type=main.content_type or PDF_TYPE,
                                                      attachments=attachments))
    try:
        return archive_package.export_package(file_metadata(view, closed=True), documents, created=created,
                                              allow_non_pdfa=True)
    except archive_package.PackageError as error:
        raise InvalidArgument("file", "; ".join(error.problems)) from None


async def import_package(content: bytes, store: RecordsStore, platform: Platform, token: str, agency: str,
                         actor: Actor, now_iso: str) -> FileView:
    """Recreate an exported file in ``agency`` (the lib checks the manifest, every digest and the XML against its
    schema first): the files stored, the file recorded closed with the documents' metadata as the package says;
    each document keeps the exporter's document code as its reference (not a registry document here)."""
    try:
        package = archive_package.import_package(content)
    except archive_package.PackageError as error:
        raise InvalidArgument("content", "; ".join(error.problems)) from None
    f = package.file
    values = {"agency_code": agency, "year": f.catalogue, "notation": f.notation, "title": f.title,
              "retention_years": retention_years(f.retention), "rights": f.access_mode.label,
              "language": f.language.label, "start_date": f.start_date, "description": f.description,
              "keywords": ", ".join(f.keywords)}
    # a package already imported is refused before its files are stored: a refusal stores and publishes nothing
    await store.check_notation_free(agency, f.catalogue, f.notation)
    documents: list[tuple[DocumentMeta, list[RecordedFile]]] = []
    for p in package.documents:
        m = p.metadata
        object_id, sha256 = await platform.upload(token, p.content, p.path.rsplit("/", 1)[-1])
        files = [RecordedFile(role="main", file_name=p.path.rsplit("/", 1)[-1], content_type=p.media_type,
                              versions=[ObjectVersion(object_id=object_id, sha256=sha256, size=len(p.content),
                                                      kind="original", created_at=now_iso)])]
        for a in p.attachments:
            a_id, a_sha = await platform.upload(token, a.content, a.name)
            files.append(RecordedFile(role=ATTACHMENT, file_name=a.name, content_type=a.media_type,
                                      versions=[ObjectVersion(object_id=a_id, sha256=a_sha, size=len(a.content),
                                                              kind="original", created_at=now_iso)]))
        meta = DocumentMeta(
            document_id=m.code, direction="", type_name=m.type.label, code_number=m.number,
            code_notation=m.code_notation, issued_date=m.issued_date.isoformat(), organ_name=m.organ_name,
            subject=m.subject, language=m.language.label, page_amount=m.page_amount, description=m.description,
            signer=m.signer.full_name if m.signer else "", signer_position=m.signer.position if m.signer else "",
            keywords=", ".join(m.keywords), mode=m.mode.label,
            confidence_level=CONFIDENCE_NAMES.get(m.confidence_level, "goc_dien_tu"), signed=m.signed)
        documents.append((meta, files))
    view = await store.open_file(values, actor, comment=f"nhập từ gói hồ sơ {f.file_code}")
    view, _ = await store.add_documents(agency, view.row.id, view.row.version, documents, actor)
    return await store.close_file(agency, view.row.id, view.row.version,
                                  {"end_date": f.end_date} if f.end_date else {}, {}, actor)
