"""The forms of Decree 30/2020 Appendix V, produced by the system (Art. 28–30; Appendix VI III.10).

- V.II  the file plan (danh mục hồ sơ): :func:`file_plan_pdf`, :func:`file_plan_xlsx`;
- V.III the list of deposited files (mục lục hồ sơ, tài liệu nộp lưu): :func:`deposit_list_pdf`;
- V.IV  the internal table of contents of a file (mục lục văn bản, tài liệu trong hồ sơ): :func:`contents_pdf`,
  :func:`contents_xlsx`;
- V.V   the handover record (biên bản giao nhận hồ sơ, tài liệu): :func:`handover_record_pdf`.

PDFs are A4 and set in DejaVu Serif (it has every precomposed Vietnamese letter; Liberation Serif 1.07 lacks
U+1Exx), embedded as subsets, like the registry's register book. XLSX cells are written through
:func:`vanthu_core.spreadsheet.text_cell`, so a title starting with ``=`` stays text. Every text is NFC-normalised.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vanthu_core.spreadsheet import text_cell

from .metadata import DocumentMetadata, FileMetadata, Retention

FONT = "VanThuArchive"
FONT_BOLD = "VanThuArchive-Bold"
FONT_ITALIC = "VanThuArchive-Italic"
#: Where Debian (fonts-dejavu-core), Fedora and Alpine put DejaVu Serif.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu-serif-fonts"),
             Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


class FontMissing(RuntimeError):
    """DejaVu Serif is not installed (Debian: ``apt-get install fonts-dejavu-core``)."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _register_fonts() -> None:
    """Register DejaVu Serif with reportlab once (on first use, not at import); italic falls back to regular."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_DIRS:
        regular, bold, italic = folder / "DejaVuSerif.ttf", folder / "DejaVuSerif-Bold.ttf", \
            folder / "DejaVuSerif-Italic.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            pdfmetrics.registerFont(TTFont(FONT_ITALIC, str(italic if italic.exists() else regular)))
            return
    raise FontMissing("the archive forms need the DejaVu Serif font (Debian: apt-get install fonts-dejavu-core)")


# -- words ------------------------------------------------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _three(n: int, full: bool) -> str:
    """0–999 in words; ``full``: a group after a higher one (``không trăm linh năm``)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 4 and tens >= 2:
            words.append("tư")
        else:
            words.append(_DIGITS[units])
    return " ".join(words)


def number_in_words(n: int) -> str:
    """A count in Vietnamese words, as forms write it ("Viết bằng chữ"): 0 ≤ n < 10¹²; ValueError otherwise.

    >>> number_in_words(105), number_in_words(21), number_in_words(1015)
    ('một trăm linh năm', 'hai mươi mốt', 'một nghìn không trăm mười lăm')
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < 10**12:
        raise ValueError(f"number_in_words: {n!r} is outside 0 ≤ n < 10^12")
    if n == 0:
        return "không"
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    names = ("", "nghìn", "triệu", "tỷ")
    words: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        if groups[i] == 0:
            continue
        words.append(_three(groups[i], full=i < len(groups) - 1))
        if names[i]:
            words.append(names[i])
    return " ".join(words)


def roman(n: int) -> str:
    """Roman numeral of 1–3999 (the large headings of a file plan, Appendix V.I.1)."""
    if not 1 <= n <= 3999:
        raise ValueError(f"roman: {n} is outside 1–3999")
    out = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def place_and_date(place: str, day: date) -> str:
    """"Hà Nội, ngày 05 tháng 01 năm 2026": days below 10 and months below 3 take a leading zero (Decree 30
    Appendix I, II.4)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{_nfc(place)}, ngày {day.day:02d} tháng {month} năm {day.year}"


# -- inputs -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """The issuing agency of a form: its name, its managing body's name (``parent_name``, "TÊN CQ, TC CHỦ QUẢN",
    may be empty) and the place written before the date."""

    name: str
    parent_name: str = ""
    place: str = ""


@dataclass(frozen=True)
class PlanEntry:
    """One file in the plan: number and notation (``01.TCCB``), title, retention, creator (unit or person), notes."""

    notation: str
    title: str
    retention: Retention
    creator: str
    notes: str = ""


@dataclass(frozen=True)
class PlanSubheading:
    """A small heading (Arabic numerals) and its entries."""

    title: str
    entries: tuple[PlanEntry, ...] = ()


@dataclass(frozen=True)
class PlanHeading:
    """A large heading (Roman numerals): entries directly under it, then its small headings."""

    title: str
    entries: tuple[PlanEntry, ...] = ()
    subheadings: tuple[PlanSubheading, ...] = ()

    def all_entries(self) -> list[PlanEntry]:
        return [*self.entries, *(e for sub in self.subheadings for e in sub.entries)]


@dataclass(frozen=True)
class FilePlan:
    """Danh mục hồ sơ of one agency and year (Appendix V.I–II); ``decision`` fills "(Kèm theo Quyết định số …)"."""

    agency: Agency
    year: int
    headings: tuple[PlanHeading, ...]
    decision: str = ""

    def entries(self) -> list[PlanEntry]:
        return [e for h in self.headings for e in h.all_entries()]

    def totals(self) -> tuple[int, int, int]:
        """(files, permanent ones, ones with a term) — the sentence under the title."""
        entries = self.entries()
        permanent = sum(1 for e in entries if e.retention.is_permanent)
        return len(entries), permanent, len(entries) - permanent


@dataclass(frozen=True)
class HandoverRecord:
    """Biên bản giao nhận hồ sơ, tài liệu (Appendix V.V). Counts of paper files default to 0 (an electronic deposit
    states the number of files and of computer files, Art. 30)."""

    agency: Agency
    signed_on: date
    basis: str
    giver_unit: str
    giver_name: str
    giver_position: str
    receiver_name: str
    receiver_position: str
    batch_name: str
    period: str
    file_count: int
    computer_file_count: int
    condition: str = "Đầy đủ, nguyên vẹn"
    paper_boxes: int = 0
    paper_files: int = 0
    paper_metres: str = "0"


@dataclass(frozen=True)
class DepositList:
    """Mục lục hồ sơ, tài liệu nộp lưu (Appendix V.III): the depositing unit, the year, the files."""

    agency: Agency
    unit_name: str
    year: int
    files: tuple[FileMetadata, ...]
    made_on: date | None = None
    made_by: str = ""
    made_by_position: str = ""


# -- rows (shared by the PDF and XLSX forms) -----------------------------------------------------------------------

PLAN_COLUMNS = ("Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Người lập hồ sơ",
                "Ghi chú")
DEPOSIT_COLUMNS = ("Số TT", "Số, ký hiệu hồ sơ", "Tiêu đề hồ sơ", "Thời gian tài liệu", "Thời hạn bảo quản",
                   "Số tờ/ Số trang", "Ghi chú")
CONTENTS_COLUMNS = ("STT", "Số, ký hiệu văn bản", "Ngày tháng năm văn bản", "Tên loại và trích yếu nội dung văn bản",
                    "Tác giả văn bản", "Tờ số/ Trang số", "Ghi chú")


@dataclass(frozen=True)
class Row:
    """One table row: ``kind`` is ``heading`` (large), ``subheading`` or ``entry``."""

    cells: tuple[str, ...]
    kind: str = "entry"


def plan_rows(plan: FilePlan) -> list[Row]:
    """The plan's table body: "I. TÊN ĐỀ MỤC LỚN", "1. Tên đề mục nhỏ", then the entries (Appendix V.II)."""
    rows: list[Row] = []
    for i, heading in enumerate(plan.headings, start=1):
        rows.append(Row(("", f"{roman(i)}. {_nfc(heading.title).upper()}", "", "", ""), "heading"))
        rows += [_plan_entry(e) for e in heading.entries]
        for j, sub in enumerate(heading.subheadings, start=1):
            rows.append(Row(("", f"{j}. {_nfc(sub.title)}", "", "", ""), "subheading"))
            rows += [_plan_entry(e) for e in sub.entries]
    return rows


def _plan_entry(entry: PlanEntry) -> Row:
    return Row(tuple(_nfc(v) for v in (entry.notation, entry.title, entry.retention.label, entry.creator,
                                       entry.notes)))


def _span(start: date, end: date | None) -> str:
    if end is None or end == start:
        return f"{start:%d/%m/%Y}"
    return f"{start:%d/%m/%Y} - {end:%d/%m/%Y}"


def deposit_rows(files: Sequence[FileMetadata]) -> list[Row]:
    """Appendix V.III columns for each file: STT, number and notation, title, time span, retention, sheets/pages."""
    rows = []
    for i, f in enumerate(files, start=1):
        sheets = "" if f.sheet_total is None else str(f.sheet_total)
        pages = "" if f.page_total is None else str(f.page_total)
        rows.append(Row((str(i), f.notation, f.title, _span(f.start_date, f.end_date), f.retention.label,
                         f"{sheets}/{pages}" if sheets else pages, f.description)))
    return rows


def contents_rows(documents: Sequence[DocumentMetadata]) -> list[Row]:
    """Appendix V.IV columns for the documents in ordinal order; "Tờ số/Trang số" is the page range each document
    takes in the file (1-2, 3-5…), "Tên loại và trích yếu" joins the type name and the summary."""
    rows = []
    page = 1
    for doc in sorted(documents, key=lambda d: d.ordinal):
        last = page + doc.page_amount - 1
        pages = str(page) if last == page else f"{page}-{last}"
        rows.append(Row((str(doc.ordinal), doc.number_notation, f"{doc.issued_date:%d/%m/%Y}",
                         f"{doc.type.label} {doc.subject}", doc.organ_name, pages, doc.description)))
        page = last + 1
    return rows


# -- PDF --------------------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self) -> None:
        _register_fonts()
        self.cell = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=12.5)
        self.cell_center = ParagraphStyle("cellc", parent=self.cell, alignment=1)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=FONT_BOLD, alignment=1)
        self.heading = ParagraphStyle("heading", parent=self.cell, fontName=FONT_BOLD)
        self.subheading = ParagraphStyle("subheading", parent=self.cell, fontName=FONT_ITALIC)
        self.title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18, alignment=1,
                                    spaceBefore=4 * mm)
        self.center = ParagraphStyle("center", fontName=FONT, fontSize=12, leading=16, alignment=1)
        self.center_bold = ParagraphStyle("centerb", parent=self.center, fontName=FONT_BOLD)
        self.center_italic = ParagraphStyle("centeri", parent=self.center, fontName=FONT_ITALIC)
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=17)
        self.block = ParagraphStyle("block", fontName=FONT_BOLD, fontSize=10.5, leading=13.5, alignment=1)
        self.block_plain = ParagraphStyle("blockp", parent=self.block, fontName=FONT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(_nfc(text)).replace("\n", "<br/>"), style)


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 8 * mm, f"Trang {doc.page}")
    canvas.restoreState()


#: Tables set their cells' font even when the cells hold paragraphs; without this they reference Helvetica,
#: which is not embedded.
_TABLE_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT)


def _header(st: _Styles, agency: Agency, width: float, dated: str = "") -> Table:
    """The two-column block: managing body and agency | nation and motto (and the place and date)."""
    left = [_p(agency.parent_name.upper(), st.block_plain)] if agency.parent_name else []
    left.append(_p(agency.name.upper(), st.block))
    right = [_p(NATION, st.block), _p(MOTTO, st.block)]
    if dated:
        right.append(Spacer(1, 2 * mm))
        right.append(_p(dated, ParagraphStyle("dated", parent=st.block_plain, fontName=FONT_ITALIC)))
    table = Table([[left, right]], colWidths=[width * 0.46, width * 0.54])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), _TABLE_FONT]))
    return table


def _grid(st: _Styles, columns: Sequence[str], rows: Sequence[Row], widths_mm: Sequence[float],
          center: Sequence[int] = ()) -> Table:
    data: list[list[object]] = [[_p(c, st.head) for c in columns],
                                [_p(f"({i})", st.head) for i in range(1, len(columns) + 1)]]
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        _TABLE_FONT,
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("VALIGN", (0, 2), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in rows:
        style = {"heading": st.heading, "subheading": st.subheading}.get(row.kind, st.cell)
        data.append([_p(v, st.cell_center if c in center and row.kind == "entry" else style)
                     for c, v in enumerate(row.cells)])
    return Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=2, style=TableStyle(commands))


def _build(story: list[Flowable], *, title: str, author: str, wide: bool = False) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4) if wide else A4, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=_nfc(title), author=_nfc(author),
                            creator="VanThu", initialFontName=FONT)
    # the canvas starts in the font named here, so no unembedded Helvetica is referenced (check_pdfa: fonts embedded)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number,  # type: ignore[arg-type]
              canvasmaker=partial(Canvas, initialFontName=FONT, initialFontSize=10))
    return buffer.getvalue()


def _signature_block(st: _Styles, dated: str, who: str, name: str, width: float) -> Table:
    right = [_p(dated, st.center_italic), _p(who, st.center_bold),
             _p("(Ký và ghi rõ họ và tên, chức vụ)", st.center_italic), Spacer(1, 18 * mm), _p(name, st.center_bold)]
    return Table([["", right]], colWidths=[width * 0.45, width * 0.55], style=TableStyle([_TABLE_FONT]))


def file_plan_pdf(plan: FilePlan) -> bytes:
    """Danh mục hồ sơ (Appendix V.II) as a PDF: header block, title and year, the decision it is attached to, the
    totals sentence, the 5-column table with headings (Roman, Arabic) and entries. :class:`FontMissing` without
    DejaVu Serif."""
    st = _Styles()
    width = A4[0] - 35 * mm
    total, permanent, term = plan.totals()
    decision = plan.decision or "…… ngày …… tháng …… năm …… của ……"
    story: list[Flowable] = [
        _header(st, plan.agency, width), _p("DANH MỤC HỒ SƠ", st.title), _p(f"Năm {plan.year}", st.center_bold),
        _p(f"(Kèm theo Quyết định số {decision})", st.center_italic), Spacer(1, 4 * mm),
        _p(f"Danh mục hồ sơ này có {total} hồ sơ, bao gồm:", st.body),
        _p(f"{permanent} hồ sơ bảo quản vĩnh viễn;", st.body),
        _p(f"{term} hồ sơ bảo quản có thời hạn.", st.body), Spacer(1, 4 * mm),
        _grid(st, PLAN_COLUMNS, plan_rows(plan), (26, 74, 24, 31, 20), center=(0, 2)),
    ]
    return _build(story, title=f"Danh mục hồ sơ năm {plan.year}", author=plan.agency.name)


def contents_pdf(file: FileMetadata, documents: Sequence[DocumentMetadata], agency: Agency) -> bytes:
    """Mục lục văn bản, tài liệu trong hồ sơ (Appendix V.IV) of one file, produced by the system at closing
    (Art. 29.4): title with the file's number and notation and year, the 7-column table."""
    st = _Styles()
    year = file.end_date.year if file.end_date else file.start_date.year
    story: list[Flowable] = [
        _p(agency.name.upper(), st.block), _p("MỤC LỤC VĂN BẢN, TÀI LIỆU", st.title),
        _p(f"Số, ký hiệu hồ sơ: {file.notation}", st.center_bold), _p(f"Năm {year}", st.center_bold),
        _p(file.title, st.center_italic), Spacer(1, 5 * mm),
        _grid(st, CONTENTS_COLUMNS, contents_rows(documents), (12, 30, 24, 60, 30, 16, 18), center=(0, 2, 5)),
    ]
    return _build(story, title=f"Mục lục văn bản hồ sơ {file.file_code}", author=agency.name)


def deposit_list_pdf(deposit: DepositList) -> bytes:
    """Mục lục hồ sơ, tài liệu nộp lưu (Appendix V.III): header, title, the depositing unit and year, the count in
    digits and in words, the 7-column table, the maker's signature block."""
    st = _Styles()
    width = landscape(A4)[0] - 35 * mm
    count = len(deposit.files)
    story: list[Flowable] = [
        _header(st, deposit.agency, width), _p("MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU", st.title),
        _p(deposit.unit_name.upper(), st.center_bold), _p(f"Năm {deposit.year}", st.center_bold), Spacer(1, 4 * mm),
        _p(f"Mục lục này gồm: {count} hồ sơ (đơn vị bảo quản).", st.body),
        _p(f"Viết bằng chữ: {number_in_words(count)} hồ sơ (đơn vị bảo quản).", st.body), Spacer(1, 4 * mm),
        _grid(st, DEPOSIT_COLUMNS, deposit_rows(deposit.files), (14, 32, 90, 42, 30, 26, 28), center=(0, 3, 4, 5)),
        Spacer(1, 6 * mm),
    ]
    dated = place_and_date(deposit.agency.place or "……", deposit.made_on) if deposit.made_on else \
        "………, ngày …… tháng …… năm ……"
    story.append(KeepTogether([_signature_block(st, dated, "Người lập", deposit.made_by, width)]))
    return _build(story, title=f"Mục lục hồ sơ nộp lưu năm {deposit.year} — {deposit.unit_name}",
                  author=deposit.agency.name, wide=True)


def handover_record_pdf(record: HandoverRecord) -> bytes:
    """Biên bản giao nhận hồ sơ, tài liệu (Appendix V.V): the two parties, the batch, its period, the counts (paper;
    electronic: files and computer files), its condition, the list attached, both parties' signature blocks."""
    st = _Styles()
    width = A4[0] - 35 * mm
    r = record
    lines = [
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
        f"Căn cứ {r.basis},", "Chúng tôi gồm:", f"BÊN GIAO: {r.giver_unit}", f"Ông (bà): {r.giver_name}",
        f"Chức vụ công tác: {r.giver_position}", "BÊN NHẬN: Lưu trữ cơ quan", f"Ông (bà): {r.receiver_name}",
        f"Chức vụ công tác: {r.receiver_position}",
        "Thống nhất lập biên bản giao nhận tài liệu với những nội dung như sau:",
        f"1. Tên khối tài liệu giao nộp: {r.batch_name}", f"2. Thời gian của hồ sơ, tài liệu: {r.period}",
        "3. Số lượng tài liệu:", "a) Đối với hồ sơ, tài liệu giấy", f"- Tổng số hộp (cặp): {r.paper_boxes}",
        f"- Tổng số hồ sơ (đơn vị bảo quản): {r.paper_files}. Quy ra mét giá: {r.paper_metres} mét.",
        "b) Đối với hồ sơ, tài liệu điện tử", f"- Tổng số hồ sơ: {r.file_count}",
        f"- Tổng số tệp tin trong hồ sơ: {r.computer_file_count}", f"4. Tình trạng tài liệu giao nộp: {r.condition}",
        "5. Mục lục hồ sơ, tài liệu nộp lưu kèm theo.",
        "Biên bản này được lập thành hai bản; bên giao giữ một bản, bên nhận giữ một bản./.",
    ]
    story: list[Flowable] = [
        _header(st, r.agency, width, place_and_date(r.agency.place or "……", r.signed_on)),
        _p("BIÊN BẢN", st.title), _p("Giao nhận hồ sơ, tài liệu", st.center_bold), Spacer(1, 5 * mm),
        *(_p(line, st.body) for line in lines), Spacer(1, 6 * mm),
    ]
    signatures = Table([[[_p("ĐẠI DIỆN BÊN GIAO", st.center_bold), _p("(Ký và ghi rõ họ và tên)", st.center_italic),
                          Spacer(1, 18 * mm), _p(r.giver_name, st.center_bold)],
                         [_p("ĐẠI DIỆN BÊN NHẬN", st.center_bold), _p("(Ký và ghi rõ họ và tên)", st.center_italic),
                          Spacer(1, 18 * mm), _p(r.receiver_name, st.center_bold)]]],
                       colWidths=[width / 2, width / 2], style=TableStyle([_TABLE_FONT]))
    story.append(KeepTogether([signatures]))
    return _build(story, title=f"Biên bản giao nhận hồ sơ, tài liệu — {r.batch_name}", author=r.agency.name)


# -- XLSX -------------------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TNR = "Times New Roman"


def _xlsx(sheet_title: str, preamble: Sequence[tuple[str, int, bool]], columns: Sequence[str], rows: Sequence[Row],
          widths: Sequence[int], after: Sequence[str] = (), landscape_page: bool = False,
          center: Sequence[int] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    width = len(columns)
    row = 1
    for text, size, bold in preamble:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = text_cell(sheet.cell(row=row, column=1), _nfc(text))
        cell.font = Font(name=_TNR, size=size, bold=bold)
        cell.alignment = Alignment(horizontal="center" if size > 11 or bold else "left", wrap_text=False)
        row += 1
    header = row + 1
    for col, title in enumerate(columns, start=1):
        cell = text_cell(sheet.cell(row=header, column=col), title)
        cell.font = Font(name=_TNR, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        number = text_cell(sheet.cell(row=header + 1, column=col), f"({col})")
        number.alignment = Alignment(horizontal="center")
        number.border = _BORDER
    for offset, line in enumerate(rows, start=header + 2):
        for col, value in enumerate(line.cells, start=1):
            cell = text_cell(sheet.cell(row=offset, column=col), _nfc(value))
            cell.font = Font(name=_TNR, size=11, bold=line.kind == "heading", italic=line.kind == "subheading")
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="center" if col - 1 in center and line.kind == "entry" else None)
            cell.border = _BORDER
    row = header + 2 + len(rows) + 1
    for text in after:
        text_cell(sheet.cell(row=row, column=1), _nfc(text)).font = Font(name=_TNR, size=11)
        row += 1
    for col, w in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=header, column=col).column_letter].width = w
    sheet.page_setup.orientation = "landscape" if landscape_page else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = f"{header}:{header + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_plan_xlsx(plan: FilePlan) -> bytes:
    """The file plan (Appendix V.II) as an XLSX workbook, one sheet: the title lines, the totals, the table with
    its column numbers, headings in bold (large) and italics (small). Every cell is text."""
    total, permanent, term = plan.totals()
    preamble = [(plan.agency.parent_name.upper(), 11, False), (plan.agency.name.upper(), 12, True),
                ("DANH MỤC HỒ SƠ", 14, True), (f"Năm {plan.year}", 12, True),
                (f"(Kèm theo Quyết định số {plan.decision or '……'})", 12, False),
                (f"Danh mục hồ sơ này có {total} hồ sơ, bao gồm: {permanent} hồ sơ bảo quản vĩnh viễn; "
                 f"{term} hồ sơ bảo quản có thời hạn.", 11, False)]
    if not plan.agency.parent_name:
        preamble = preamble[1:]
    return _xlsx("Danh mục hồ sơ", preamble, PLAN_COLUMNS, plan_rows(plan), (16, 60, 16, 24, 16), center=(0, 2))


def contents_xlsx(file: FileMetadata, documents: Sequence[DocumentMetadata], agency: Agency) -> bytes:
    """The internal table of contents (Appendix V.IV) as XLSX."""
    year = file.end_date.year if file.end_date else file.start_date.year
    preamble = [(agency.name.upper(), 12, True), ("MỤC LỤC VĂN BẢN, TÀI LIỆU", 14, True),
                (f"Số, ký hiệu hồ sơ: {file.notation}", 12, True), (f"Năm {year}", 12, True)]
    return _xlsx("Mục lục văn bản", preamble, CONTENTS_COLUMNS, contents_rows(documents), (6, 18, 14, 50, 24, 10, 14),
                 landscape_page=True, center=(0, 2, 5))


__all__ = [
    "CONTENTS_COLUMNS",
    "DEPOSIT_COLUMNS",
    "PLAN_COLUMNS",
    "Agency",
    "DepositList",
    "FilePlan",
    "FontMissing",
    "HandoverRecord",
    "PlanEntry",
    "PlanHeading",
    "PlanSubheading",
    "Row",
    "contents_pdf",
    "contents_rows",
    "contents_xlsx",
    "deposit_list_pdf",
    "deposit_rows",
    "file_plan_pdf",
    "file_plan_xlsx",
    "handover_record_pdf",
    "number_in_words",
    "place_and_date",
    "plan_rows",
    "roman",
]
