"""A register book file is read within limits whatever it claims about itself: a 5 KB workbook whose <dimension>
says A1:XFD… once padded every row to 16,384 cells and took the registry to gigabytes."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from vanthu_registry.domain.documents import Direction
from vanthu_registry.register_import import MAX_COLUMNS, read_book

pytestmark = pytest.mark.unit
HEADER = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản"]


def forged_dimension(rows: int) -> bytes:
    """An outgoing book with one entry and a last cell far below, whose sheet claims to span A1:XFD<rows>."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["01/QĐ-UBND", "05/01/2026", "Quyết định: Quyết định về việc thành lập Ban chỉ đạo"])
    sheet.cell(row=rows, column=1, value="")
    sheet.cell(row=rows, column=2, value="cuối")
    plain = io.BytesIO()
    book.save(plain)
    forged = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', f'<dimension ref="A1:XFD{rows}"/>'.encode(), data)
            target.writestr(item, data)
    return forged.getvalue()


def test_a_workbook_claiming_the_whole_sheet_is_read_within_the_column_limit() -> None:
    content = forged_dimension(300)
    assert len(content) < 10_000
    book = read_book(content, "so-di.xlsx", Direction.OUTGOING)
    (line, first), *_ = book.lines
    assert (line, first["number_symbol"]) == (2, "01/QĐ-UBND")
    assert book.lines[-1][0] == 300 and book.lines[-1][1]["document_date"] == "cuối"  # read to its real last row
    assert len(book.columns) <= MAX_COLUMNS


@pytest.mark.parametrize(("cells", "column"), [
    ({"note": "ghi chú\x00\x1b[2J"}, "note"),  # kept as written, but never with control characters
    ({"recipients": "; ".join(f"Sở {i}" for i in range(501))}, "recipients"),
    ({"received_by": "Nguyễn Văn A\u202e"}, "received_by"),
])
def test_every_column_of_an_imported_line_is_checked_like_typed_text(cells: dict[str, str], column: str) -> None:
    from datetime import date

    from vanthu_registry.domain.doctypes import STANDARD_TYPES
    from vanthu_registry.domain.register_book import BookContext, Refusal, check_line

    line = {"number_symbol": "01/QĐ-UBND", "document_date": "05/01/2026",
            "title": "Quyết định: Quyết định về việc thành lập Ban chỉ đạo", **cells}
    context = BookContext(Direction.OUTGOING, "UBND", list(STANDARD_TYPES), date(2026, 6, 1))
    refused = check_line(3, line, context)
    assert isinstance(refused, list) and [r.field for r in refused if isinstance(r, Refusal)] == [column]


@pytest.mark.parametrize(("symbol", "title", "accepted"), [
    ("24/UBND-VP", "Quyết định: về việc thử", False),  # a letter's symbol under a decision: it would block 24/UBND-VP
    ("24/QĐ-SNV", "Quyết định: về việc thử", False),  # another agency's symbol
    ("24/QĐ-UBND", "Quyết định: về việc khen thưởng", True),
    ("25/UBND-VP", "Công văn: V/v tổng hợp báo cáo", True),
    ("26/SNV-VP", "Công văn: V/v tổng hợp báo cáo", False),
])
def test_an_imported_symbol_must_be_the_types_and_the_registers(symbol: str, title: str, accepted: bool) -> None:
    from datetime import date

    from vanthu_registry.domain.doctypes import STANDARD_TYPES
    from vanthu_registry.domain.register_book import BookContext, Entry, check_line

    context = BookContext(Direction.OUTGOING, "UBND", list(STANDARD_TYPES), date(2026, 6, 1))
    checked = check_line(3, {"number_symbol": symbol, "document_date": "05/01/2026", "title": title}, context)
    assert isinstance(checked, Entry) is accepted, checked
    if not accepted:
        assert [r.field for r in checked] == ["number_symbol"]  # type: ignore[union-attr]
