"""The printed forms and the export package of records.

INTERIM: the Appendix V forms (file plan, internal table of contents, handover record, list of deposited files)
and the export/import package (Circular 02/2019 XML + XSD + SHA-256 manifest, PDF/A) belong to ``libs/vanthu-archive``
(built in parallel). Until it is merged these functions give plain tabular PDFs/XLSX with the forms' columns and a
package of the same shape (``metadata.xml`` with the Circular 02/2019 field names, the files, ``manifest-sha256.txt``);
each is one call to replace by the lib's.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.spreadsheet import XLSX_TYPE, text_cell
from vanthu_records.domain import plan as plans
from vanthu_records.domain.files import FileState, check_notation
from vanthu_records.platform import Platform
from vanthu_records.store import Actor, DocumentMeta, FileView, ObjectVersion, PlanView, RecordedFile, RecordsStore

PDF_TYPE = "application/pdf"
FONT = "VanThuRecords"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu-serif-fonts"),
             Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
PLAN_COLUMNS = ("Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Đơn vị/người lập hồ sơ",
                "Ghi chú")
CONTENTS_COLUMNS = ("STT", "Số, ký hiệu văn bản", "Ngày tháng năm văn bản", "Tên loại và trích yếu nội dung",
                    "Tác giả văn bản", "Tờ số/Trang số", "Ghi chú")
LIST_COLUMNS = ("STT", "Số ký hiệu hồ sơ", "Tiêu đề hồ sơ", "Thời gian tài liệu", "Thời hạn bảo quản",
                "Số tờ/Số trang", "Ghi chú")


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    for folder in FONT_DIRS:
        regular = folder / "DejaVuSerif.ttf"
        if regular.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            return FONT
    raise FailedPrecondition("the PDF forms need the DejaVu Serif font (Debian: apt-get install fonts-dejavu-core)")


def table_pdf(title: str, lines: list[str], columns: tuple[str, ...], rows: list[list[str]]) -> bytes:
    """A4 landscape: a title, lines of text, a table with its header repeated on each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    style = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11)
    head = ParagraphStyle("head", fontName=font, fontSize=14, leading=18, alignment=1)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=title)
    data = [[Paragraph(escape(c), style) for c in columns]]
    data += [[Paragraph(escape(c), style) for c in row] for row in rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Any] = [Paragraph(escape(title), head), Spacer(1, 4 * mm)]
    story += [Paragraph(escape(line), style) for line in lines]
    story += [Spacer(1, 4 * mm), table]
    doc.build(story)
    return out.getvalue()


def _plan_rows(view: PlanView) -> list[list[str]]:
    rows: list[list[str]] = []

    def entries(items: list[plans.Entry]) -> None:
        rows.extend([e.notation, e.title, plans.retention_text(e.retention_years), e.creator, e.notes]
                    for e in items)

    for h in view.headings:
        rows.append([h.numeral, h.title.upper(), "", "", ""])
        entries(h.entries)
        for s in h.subheadings:
            rows.append([str(s.number), s.title, "", "", ""])
            entries(s.entries)
    return rows


def plan(view: PlanView, fmt: str) -> tuple[bytes, str, str]:
    """Danh mục hồ sơ (Appendix V.II) as PDF or XLSX: (content, type, file name)."""
    title = f"DANH MỤC HỒ SƠ NĂM {view.row.year}"
    name = f"danh-muc-ho-so-{view.row.year}-v{view.row.plan_version}"
    if fmt == "pdf":
        return (table_pdf(title, [view.row.title, f"Phiên bản {view.row.plan_version} ({view.row.state})"],
                          PLAN_COLUMNS, _plan_rows(view)), PDF_TYPE, name + ".pdf")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = f"Danh mục {view.row.year}"
        for r, row in enumerate([[title], list(PLAN_COLUMNS), *_plan_rows(view)], start=1):
            for c, value in enumerate(row, start=1):
                text_cell(sheet.cell(row=r, column=c), value)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), XLSX_TYPE, name + ".xlsx"
    raise InvalidArgument("format", "pdf or xlsx")


def contents(view: FileView) -> tuple[bytes, str, str]:
    """Mục lục văn bản trong hồ sơ (Appendix V.IV)."""
    rows, page = [], 1
    for d in view.documents:
        m = d.meta
        symbol = "/".join(p for p in (m.code_number, m.code_notation) if p)
        rows.append([str(d.ordinal), symbol, m.issued_date, f"{m.type_name} {m.subject}".strip(), m.organ_name,
                     f"{page}–{page + max(m.page_amount, 1) - 1}", m.description])
        page += max(m.page_amount, 1)
    lines = [f"Mã hồ sơ: {view.code}", f"Tiêu đề: {view.row.title}"]
    return table_pdf("MỤC LỤC VĂN BẢN", lines, CONTENTS_COLUMNS, rows), PDF_TYPE, f"muc-luc-{view.code}.pdf"


def deposit(form: str, views: list[FileView], agency: str, today: date) -> tuple[bytes, str, str]:
    """Mục lục hồ sơ, tài liệu nộp lưu or Biên bản giao nhận (Appendix V) for deposited files."""
    rows = [[str(n), v.row.notation, v.row.title,
             f"{v.row.start_date.isoformat()} – {v.row.end_date.isoformat() if v.row.end_date else ''}",
             plans.retention_text(v.row.retention_years), str(v.row.page_total), ""]
            for n, v in enumerate(views, start=1)]
    if form == "list":
        return (table_pdf("MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU", [f"Cơ quan: {agency}"], LIST_COLUMNS, rows),
                PDF_TYPE, f"muc-luc-nop-luu-{today.isoformat()}.pdf")
    files = sum(len(d.files) for v in views for d in v.documents)
    lines = [f"Ngày {today.day:02d} tháng {today.month:02d} năm {today.year}", f"Cơ quan: {agency}",
             f"Tổng số hồ sơ: {len(views)}; tổng số tệp tin (tệp máy tính): {files}",
             f"Bên giao: {', '.join(sorted({v.row.creator_name or v.row.creator_username for v in views}))}",
             f"Bên nhận: {', '.join(sorted({v.row.deposited_by for v in views}))}"]
    return (table_pdf("BIÊN BẢN GIAO NHẬN TÀI LIỆU", lines, LIST_COLUMNS, rows), PDF_TYPE,
            f"bien-ban-giao-nhan-{today.isoformat()}.pdf")


# -- the export package ------------------------------------------------------------------------------------------

FILE_FIELDS = (("FileCode", "code"), ("FileCatalog", "year"), ("FileNotation", "notation"), ("Title", "title"),
               ("Maintenance", "maintenance"), ("Rights", "rights"), ("Language", "language"),
               ("Creator", "creator"), ("StartDate", "start"), ("EndDate", "end"), ("DocTotal", "doc_total"),
               ("PageTotal", "page_total"), ("Description", "description"), ("Keyword", "keywords"))
DOC_FIELDS = (("DocCode", "code"), ("DocOrdinal", "ordinal"), ("TypeName", "type_name"),
              ("CodeNumber", "code_number"), ("CodeNotation", "code_notation"), ("IssuedDate", "issued_date"),
              ("OrganName", "organ_name"), ("Subject", "subject"), ("Language", "language"),
              ("PageAmount", "page_amount"), ("Description", "description"), ("Keyword", "keywords"),
              ("Mode", "mode"), ("ConfidenceLevel", "confidence_level"), ("Autograph", "signer"))


def _metadata_xml(view: FileView, names: dict[tuple[str, int], str]) -> bytes:
    r = view.row
    root = ET.Element("ArchiveFile")
    values = {"code": view.code, "year": str(r.year), "notation": r.notation, "title": r.title,
              "maintenance": plans.retention_text(r.retention_years), "rights": r.rights, "language": r.language,
              "creator": r.creator_name, "start": r.start_date.isoformat(),
              "end": r.end_date.isoformat() if r.end_date else "", "doc_total": str(len(view.documents)),
              "page_total": str(r.page_total), "description": r.description, "keywords": r.keywords}
    head = ET.SubElement(root, "File", OrganId=r.agency_code)
    for tag, key in FILE_FIELDS:
        ET.SubElement(head, tag).text = values[key]
    for d in view.documents:
        m = d.meta
        doc = ET.SubElement(root, "Document", DocumentId=m.document_id, Direction=m.direction)
        mv = {"code": d.document_code, "ordinal": str(d.ordinal), **{k: str(v) for k, v in vars(m).items()}}
        for tag, key in DOC_FIELDS:
            ET.SubElement(doc, tag).text = mv.get(key, "")
        for n, f in enumerate(d.files):
            ET.SubElement(doc, "Computer_File", Role=f.role, Name=f.file_name, Type=f.content_type,
                          Path=names[(m.document_id, n)], Sha256=f.newest.sha256)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


async def export_package(view: FileView, platform: Platform, token: str) -> bytes:
    """The file as a ZIP: ``metadata.xml``, ``files/<document code>.<n>.<ext>`` (the newest version of each),
    ``manifest-sha256.txt`` (``<digest>  <path>`` per line, sha256sum's format)."""
    out = io.BytesIO()
    manifest: list[str] = []
    names: dict[tuple[str, int], str] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for d in view.documents:
            for n, f in enumerate(d.files):
                data = await platform.download(token, f.newest.object_id)
                suffix = Path(f.file_name).suffix or ".bin"
                path = f"files/{d.document_code}.{n + 1}{suffix}"
                names[(d.meta.document_id, n)] = path
                package.writestr(path, data)
                manifest.append(f"{hashlib.sha256(data).hexdigest()}  {path}")
        xml = _metadata_xml(view, names)
        package.writestr("metadata.xml", xml)
        manifest.append(f"{hashlib.sha256(xml).hexdigest()}  metadata.xml")
        package.writestr("manifest-sha256.txt", "\n".join(manifest) + "\n")
    return out.getvalue()


def _text(element: Any, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


async def import_package(content: bytes, store: RecordsStore, platform: Platform, token: str, agency: str,
                         actor: Actor, now_iso: str) -> FileView:
    """Recreate an exported file in ``agency``: every digest of the manifest checked, the files stored, the file
    recorded closed with the documents' metadata as the package says (documents not in this agency's registry keep
    the exporter's ids as their reference)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
        manifest = package.read("manifest-sha256.txt").decode("utf-8")
        xml = package.read("metadata.xml")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise InvalidArgument("content", "not an exported package (ZIP with metadata.xml and its manifest): "
                                         f"{exc}") from None
    digests = {}
    for line in manifest.splitlines():
        digest, _, path = line.partition("  ")
        digests[path] = digest
    for path, digest in digests.items():
        try:
            data = package.read(path)
        except KeyError:
            raise InvalidArgument("content", f"the manifest names {path}, which the package lacks") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise InvalidArgument("content", f"{path} does not match its SHA-256 in the manifest")
    from lxml import etree

    try:  # no entities, no network, no huge trees: the package comes from outside
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise InvalidArgument("content", f"metadata.xml: {exc}") from None
    head = root.find("File")
    if head is None:
        raise InvalidArgument("content", "metadata.xml has no File")
    maintenance = _text(head, "Maintenance")
    years = 0 if maintenance == "Vĩnh viễn" else int(maintenance.split()[0] or 0)
    values = {"agency_code": agency, "year": int(_text(head, "FileCatalog")),
              "notation": check_notation("FileNotation", _text(head, "FileNotation")), "title": _text(head, "Title"),
              "retention_years": plans.check_retention("Maintenance", years), "rights": _text(head, "Rights"),
              "language": _text(head, "Language"), "start_date": date.fromisoformat(_text(head, "StartDate")),
              "description": _text(head, "Description"), "keywords": _text(head, "Keyword")}
    documents: list[tuple[DocumentMeta, list[RecordedFile]]] = []
    for doc in root.findall("Document"):
        meta = DocumentMeta(document_id=doc.get("DocumentId", ""), direction=doc.get("Direction", ""),
                            type_name=_text(doc, "TypeName"), code_number=_text(doc, "CodeNumber"),
                            code_notation=_text(doc, "CodeNotation"), issued_date=_text(doc, "IssuedDate"),
                            organ_name=_text(doc, "OrganName"), subject=_text(doc, "Subject"),
                            language=_text(doc, "Language"), page_amount=int(_text(doc, "PageAmount") or 0),
                            description=_text(doc, "Description"), keywords=_text(doc, "Keyword"),
                            mode=_text(doc, "Mode"), confidence_level=_text(doc, "ConfidenceLevel"),
                            signer=_text(doc, "Autograph"))
        files = []
        for f in doc.findall("Computer_File"):
            object_id, sha256 = await platform.upload(token, package.read(f.get("Path", "")), f.get("Name", ""))
            files.append(RecordedFile(role=f.get("Role", ""), file_name=f.get("Name", ""),
                                      content_type=f.get("Type", ""),
                                      versions=[ObjectVersion(object_id=object_id, sha256=sha256, size=0,
                                                              kind="original", created_at=now_iso)]))
        documents.append((meta, files))
    view = await store.open_file(values, actor, state=FileState.OPEN, comment="nhập từ gói hồ sơ")
    view, _ = await store.add_documents(agency, view.row.id, view.row.version, documents, actor)
    end = _text(head, "EndDate")
    return await store.close_file(agency, view.row.id, view.row.version,
                                  {"end_date": date.fromisoformat(end)} if end else {}, {}, actor)
