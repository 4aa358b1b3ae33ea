"""Register books (sổ đăng ký văn bản) as CSV and as a printable XLSX with the columns of Appendix IV (the PDF
is in :mod:`vanthu_registry.register_pdf`).

Decree 30/2020 requires a register kept in the system to be printed with every column of its template
and bound (Art. 16, 22; Appendix IV.I and IV.VI); the XLSX is set up for that (A4 landscape, header repeated
on each page, gridlines). Text from other agencies (a sender's name, an abstract) goes into the book: a cell
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR; OWASP "CSV
injection") is written as text — with a leading apostrophe in CSV, as a string cell in XLSX — never lost.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from vanthu_core.spreadsheet import formula_safe, text_cell
from vanthu_core.text import fold
from vanthu_core.timeutil import vietnam_time
from vanthu_registry.domain.documents import Direction, format_number
from vanthu_registry.domain.exchange import paper_note
from vanthu_registry.domain.registers import Register

#: Appendix IV.I: the outgoing register book, 10 columns.
OUTGOING_COLUMNS = ("Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản",
                    "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển",
                    "Ký nhận", "Ghi chú")
#: Appendix IV.VI: the incoming register book, 10 columns.
INCOMING_COLUMNS = ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                    "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú")
#: Relative column widths (characters), shared by the XLSX and the PDF.
OUTGOING_WIDTHS = (14, 12, 48, 22, 30, 20, 8, 11, 10, 16)
INCOMING_WIDTHS = (12, 8, 28, 16, 12, 48, 22, 11, 10, 16)


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _note(doc: dict[str, Any]) -> str:
    """Ghi chú: a cancelled document says so; one sent with its paper original too says that (outgoing "Gửi kèm bản
    giấy", incoming "Bản giấy sẽ gửi kèm": the exchange catalogue, :mod:`vanthu_registry.domain.exchange`)."""
    notes = [paper_note(doc["direction"], doc.get("exchange_form") or "")]
    if doc["status"] == "cancelled":
        notes.insert(0, f"Đã hủy: {doc['reason']}" if doc["reason"] else "Đã hủy")
    return "; ".join(n for n in notes if n)


def heading(register: Register) -> str:
    return "SỔ ĐĂNG KÝ VĂN BẢN ĐI" if register.direction is Direction.OUTGOING else "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"


def rows(register: Register, documents: list[dict[str, Any]], type_names: dict[str, str]) -> list[list[str]]:
    """One line per numbered document, in the register's column order (Appendix IV).

    Incoming: "Ngày đến" is the day the document arrived (Vietnam time, dd/mm/yyyy), "Số đến" padded like every
    number below 10 (01, 02 …, Appendix I), "Đơn vị hoặc người nhận" the document's ``receivers`` (the units and
    people it was given to, :meth:`vanthu_registry.documents_store.DocumentStore.register_entries`). "Ngày chuyển" and
    "Ký nhận" are left for the pen: the paper book's handover, signed by hand.
    """
    lines = []
    for doc in documents:
        title = f"{type_names.get(doc['type_code'], doc['type_code'])}: {doc['abstract']}"
        if register.direction is Direction.OUTGOING:
            signer = " ".join(p for p in (doc["signer_competence"], doc["signer_title"], doc["signer_name"]) if p)
            recipients = "; ".join(r["name"] or r["agency_code"] for r in doc["recipients"])
            lines.append([doc["number_symbol"], _day(doc["document_date"]), title, signer, recipients,
                          doc["drafting_unit"], "", "", "", _note(doc)])
        else:
            arrived = vietnam_time(doc.get("arrived_at") or doc["created_at"])
            lines.append([_day(arrived.date()), format_number(doc["number"]),
                          doc["issuing_agency_name"] or doc["issuing_agency_code"], doc["number_symbol"],
                          _day(doc["document_date"]), title, doc.get("receivers", ""), "", "", _note(doc)])
    return lines


def columns(register: Register) -> tuple[str, ...]:
    return OUTGOING_COLUMNS if register.direction is Direction.OUTGOING else INCOMING_COLUMNS


def widths(register: Register) -> tuple[int, ...]:
    return OUTGOING_WIDTHS if register.direction is Direction.OUTGOING else INCOMING_WIDTHS


def to_csv(register: Register, lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns(register))
    writer.writerows([formula_safe(value) for value in line] for line in lines)
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: spreadsheet programs then read UTF-8 correctly


def to_xlsx(register: Register, agency_name: str, date_from: date, date_to: date, lines: list[list[str]]) -> bytes:
    from openpyxl import Workbook  # an export's alone: not imported at every start of the service
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sổ đăng ký"
    width = len(columns(register))
    for row, (text, size) in enumerate(((agency_name.upper(), 12), (heading(register), 14), (register.name, 12),
                                        (f"Từ ngày {_day(date_from)} đến ngày {_day(date_to)}", 12)), start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = text_cell(sheet.cell(row=row, column=1), text)
        cell.font = Font(name="Times New Roman", size=size, bold=row <= 2)
        cell.alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_row = 6
    for col, title in enumerate(columns(register), start=1):
        cell = text_cell(sheet.cell(row=header_row, column=col), title)
        cell.font = Font(name="Times New Roman", size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.cell(row=header_row + 1, column=col, value=col).alignment = Alignment(horizontal="center")
        sheet.cell(row=header_row + 1, column=col).border = border
    for offset, line in enumerate(lines, start=header_row + 2):
        for col, value in enumerate(line, start=1):
            cell = text_cell(sheet.cell(row=offset, column=col), value)
            cell.font = Font(name="Times New Roman", size=11)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = border
    for col, w in enumerate(widths(register), start=1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=col).column_letter].width = w
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.print_title_rows = f"{header_row}:{header_row + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_stem(register_name: str) -> str:
    """A download name for a register book: the register's name without tones, ``so-van-ban-di`` (ASCII, so every
    browser and mail client keeps it)."""
    words = re.findall(r"[a-z0-9]+", fold(register_name))
    return "-".join(words)[:80] or "so-dang-ky"
