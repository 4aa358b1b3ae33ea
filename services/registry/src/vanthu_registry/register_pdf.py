"""The register book (sổ đăng ký văn bản) as a PDF ready to print and bind (Decree 30/2020 Art. 16, 22).

A4 landscape, the 10 columns of Appendix IV (outgoing IV.I, incoming IV.VI) with their numbers, the header
repeated on each page, page numbers. Vietnamese text is set in DejaVu Serif, which has the precomposed
Vietnamese letters (Liberation Serif 1.07 lacks U+1Exx such as "ả", "ộ"); the fonts are embedded (subset).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vanthu_core.errors import FailedPrecondition
from vanthu_registry.domain.documents import Direction
from vanthu_registry.domain.registers import Register
from vanthu_registry.exports import columns, heading

PDF_TYPE = "application/pdf"
FONT = "VanThuRegisterBook"
FONT_BOLD = "VanThuRegisterBook-Bold"
#: Column widths (mm) on the 273 mm of an A4 landscape line: a number and symbol such as 12/2026/QĐ-UBND and a
#: date stay on one line; the abstract takes the room left.
OUTGOING_MM = (30, 21, 66, 30, 34, 26, 14, 18, 15, 19)
INCOMING_MM = (21, 13, 34, 30, 21, 66, 30, 18, 18, 22)
#: Where Debian (fonts-dejavu-core), Fedora and Alpine put DejaVu Serif.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu-serif-fonts"),
             Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))


def _register_fonts() -> None:
    """Register DejaVu Serif with reportlab once (on first use, not at import)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSerif.ttf", folder / "DejaVuSerif-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            return
    raise FailedPrecondition("Sổ dạng PDF cần phông DejaVu Serif (Debian: apt-get install fonts-dejavu-core): báo "
                             "quản trị hệ thống; tạm thời hãy xuất dạng csv hoặc xlsx.")


def _page_number(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 8 * mm, f"Trang {doc.page}")
    canvas.restoreState()


def to_pdf(register: Register, agency_name: str, date_from: date, date_to: date, lines: list[list[str]]) -> bytes:
    """The book for ``lines`` (from :func:`vanthu_registry.exports.rows`): title block, then one table whose two
    header rows (column titles, column numbers 1–10) repeat on every page."""
    _register_fonts()
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=cell, fontName=FONT_BOLD, alignment=1)
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18, alignment=1)
    line = ParagraphStyle("line", fontName=FONT, fontSize=11, leading=14, alignment=1)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=14 * mm, title=f"{heading(register)} — {register.name}",
                            author=agency_name, initialFontName=FONT, initialFontSize=8)
    span = f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    story: list[object] = [Paragraph(escape(agency_name.upper()), line), Spacer(1, 3 * mm),
                           Paragraph(heading(register), title), Paragraph(escape(register.name), line),
                           Paragraph(span, line), Spacer(1, 5 * mm)]
    col_widths = [w * mm for w in (OUTGOING_MM if register.direction is Direction.OUTGOING else INCOMING_MM)]
    data: list[list[object]] = [[Paragraph(escape(c), head) for c in columns(register)],
                                [Paragraph(str(i), head) for i in range(1, len(col_widths) + 1)]]
    # an empty cell (Ngày chuyển, Ký nhận: left for the pen) is no Paragraph: nothing to wrap again on each page split
    data += [[Paragraph(escape(value).replace("\n", "<br/>"), cell) if value else "" for value in row]
             for row in lines]
    table = Table(data, colWidths=col_widths, repeatRows=2)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("VALIGN", (0, 2), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 1), colors.Color(0.93, 0.93, 0.93)),
    ]))
    story.append(table)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)  # type: ignore[arg-type]
    return buffer.getvalue()
