"""Read a register book exported by a previous system (CSV or XLSX) into lines keyed by column.

The file holds the Appendix IV columns (see :mod:`vanthu_registry.domain.register_book`) under one header row,
which may follow title lines and be followed by the row of column numbers (1, 2 … 10) as printed books have;
VanThu's own CSV and XLSX exports read back the same way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from vanthu_core.errors import InvalidArgument
from vanthu_registry.domain.documents import Direction, direction_name
from vanthu_registry.domain.register_book import REQUIRED_TITLES, map_header, unprotect

#: The header is looked for in the first lines only (title lines come before it).
HEADER_SEARCH = 20
MAX_LINES = 100_000
#: Columns read from a workbook: Appendix IV books have ten, a previous system's export a few more.
MAX_COLUMNS = 40
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BookFile:
    """Lines under the header: (line number as a spreadsheet shows it, column key → text)."""

    lines: list[tuple[int, dict[str, str]]]
    columns: list[str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(content: bytes, file_name: str) -> list[list[str]]:
    if content.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a damaged file
            raise InvalidArgument("file", f"không phải sổ XLSX đọc được ({error.__class__.__name__}): hãy mở và lưu "
                                          "lại bằng Excel.") from None
        sheet = book.worksheets[0]
        # the workbook's own <dimension> is not trusted (A1:XFD1048576 in a 5 KB file padded every row to 16,384
        # cells); rows and columns are read up to the limits and no further
        sheet.reset_dimensions()  # type: ignore[union-attr]
        rows = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_LINES + 1, values_only=True):
            cells = [_cell(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
        book.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidArgument("file", "không phải sổ XLSX cũng không phải văn bản UTF-8: hãy lưu tệp CSV "
                                      "dạng UTF-8.") from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def read_book(content: bytes, file_name: str, direction: Direction) -> BookFile:
    """The lines of a register book file; InvalidArgument("file", …) when no header row names the columns."""
    table = _table(content, file_name)
    if len(table) > MAX_LINES:
        raise InvalidArgument("file", f"có {len(table)} dòng; mỗi lần chỉ nhập tối đa {MAX_LINES} dòng: hãy chia nhỏ "
                                      "tệp.")
    for index, row in enumerate(table[:HEADER_SEARCH]):
        mapping = map_header(row, direction)
        if mapping is None:
            continue
        lines: list[tuple[int, dict[str, str]]] = []
        for number, cells in enumerate(table[index + 1:], start=index + 2):
            values = [unprotect(c).strip() for c in cells]
            if not any(values):
                continue
            if all(v == str(i) for i, v in enumerate((v for v in values if v), start=1)):
                continue  # the row of column numbers under the header (1, 2 … 10)
            lines.append((number, {key: values[i] if i < len(values) else "" for key, i in mapping.items()}))
        return BookFile(lines, sorted(mapping, key=mapping.__getitem__))
    wanted = ", ".join(f"'{t}'" for t in REQUIRED_TITLES[direction])
    raise InvalidArgument("file", f"không thấy dòng tiêu đề có các cột của sổ {direction_name(direction)} (ít nhất "
                                  f"{wanted}, như Phụ lục IV Nghị định 30/2020) trong {HEADER_SEARCH} dòng đầu.")
