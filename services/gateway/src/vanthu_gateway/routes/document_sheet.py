"""A list of documents (văn bản đến / văn bản đi) as filtered on screen, as an XLSX workbook (``Xuất Excel``).

The rows are what the registry's ListDocuments answers to the caller's own token, page after page: tenancy and the
audience stay the registry's. Text goes in through :func:`vanthu_core.spreadsheet.text_cell`, so an abstract
starting with "=" opens as the text it is; dates are real dates shown dd/mm/yyyy, in Vietnam time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from typing import IO, TYPE_CHECKING, Any, Literal

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu_core.spreadsheet import text_cell

if TYPE_CHECKING:  # openpyxl is imported by an export, not at every start of the gateway
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Direction = Literal["incoming", "outgoing"]

#: Each status as the lists' tabs name it (services/web/src/components/messages.ts).
STATUS_NAMES = {
    "draft": "Dự thảo",
    "submitted": "Chờ ký",
    "signed": "Đã ký",
    "numbered": "Đã cấp số",
    "issued": "Đã phát hành",
    "arrived": "Chờ vào sổ",
    "registered": "Đã vào sổ",
    "rejected": "Đã trả lại",
    "cancelled": "Đã hủy",
    "revoked": "Đã thu hồi",
}

INCOMING_COLUMNS = (
    ("Số đến", 9),
    ("Ngày đến", 12),
    ("Số/ký hiệu", 18),
    ("Ngày văn bản", 12),
    ("Cơ quan ban hành", 32),
    ("Trích yếu", 60),
    ("Loại", 16),
    ("Trạng thái", 14),
)
OUTGOING_COLUMNS = (
    ("Số/ký hiệu", 18),
    ("Ngày văn bản", 12),
    ("Nơi nhận", 40),
    ("Trích yếu", 60),
    ("Loại", 16),
    ("Trạng thái", 14),
)
SHEET_TITLES = {"incoming": "Văn bản đến", "outgoing": "Văn bản đi"}
#: Bytes handed to the response at a time; a workbook larger than the spool's memory part goes to a temporary file.
CHUNK = 64 * 1024
SPOOL_MEMORY = 8 * 1024 * 1024


def columns(direction: Direction) -> list[str]:
    """The header row of the sheet for ``direction``."""
    return [title for title, _ in (INCOMING_COLUMNS if direction == "incoming" else OUTGOING_COLUMNS)]


def _date(text: str) -> date | str:
    """``2026-11-30`` or an instant in Vietnam time (``2026-11-30T08:05:00+07:00``, as the registry gives arrivals)
    → the day; empty stays empty; anything else is kept as its text."""
    try:
        return date.fromisoformat(text[:10]) if text else ""
    except ValueError:
        return text


def row(document: pb.Document, direction: Direction, type_names: dict[str, str]) -> list[str | int | date]:
    """One line of the sheet: what the list shows, in the columns' order."""
    kind = type_names.get(document.type_code) or document.type_name or document.type_code
    status = STATUS_NAMES.get(document.status, document.status)
    if direction == "incoming":
        return [
            document.number or "",
            _date(document.arrived_at),
            document.number_symbol,
            _date(document.document_date),
            document.issuing_agency_name or document.issuing_agency_code,
            document.abstract,
            kind,
            status,
        ]
    recipients = "; ".join(r.name or r.agency_code for r in document.recipients)
    return [document.number_symbol, _date(document.document_date), recipients, document.abstract, kind, status]


def _cells(sheet: WriteOnlyWorksheet, values: Sequence[str | int | date], font: Font) -> list[WriteOnlyCell]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet)
        if isinstance(value, str):
            text_cell(cell, value)
        else:
            cell.value = value
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
        cell.font = font
        cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
        cells.append(cell)
    return cells


def workbook(direction: Direction, documents: Sequence[pb.Document], type_names: dict[str, str]) -> IO[bytes]:
    """The workbook (one sheet, a header row, a line per document), written as it goes (openpyxl's write-only mode)
    into a spooled temporary file, rewound."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet(SHEET_TITLES[direction])
    widths = INCOMING_COLUMNS if direction == "incoming" else OUTGOING_COLUMNS
    for index, (_, width) in enumerate(widths, start=1):
        sheet.column_dimensions[chr(ord("A") + index - 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(_cells(sheet, columns(direction), Font(name="Times New Roman", size=11, bold=True)))
    plain = Font(name="Times New Roman", size=11)
    for document in documents:
        sheet.append(_cells(sheet, row(document, direction, type_names), plain))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 (closed by chunks(), once sent)
    book.save(spool)
    spool.seek(0)
    return spool


def chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The workbook's bytes, a chunk at a time; the spool is closed at the end (or when the client goes away)."""
    try:
        while block := spool.read(CHUNK):
            yield block
    finally:
        spool.close()
