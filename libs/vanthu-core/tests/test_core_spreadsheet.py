"""Exported text stays text in spreadsheets (CSV/formula injection): the one helper every export uses."""

from __future__ import annotations

import io

import pytest

from vanthu_core.spreadsheet import formula_safe, text_cell, unprotect

pytestmark = pytest.mark.unit

LEADING = ["=HYPERLINK(\"http://x\")", "+84 912 345 678", "-Sở Nội vụ", "@SUM(A1)", "\tđơn", "\rđơn"]


@pytest.mark.parametrize("text", LEADING)
def test_formula_leading_text_is_protected_in_csv_and_read_back_whole(text: str) -> None:
    assert formula_safe(text) == "'" + text
    assert unprotect(formula_safe(text)) == text


@pytest.mark.parametrize("text", ["Công văn số 12/UBND-VP", "Sở Nội vụ - Phòng Tổ chức", "'trích dẫn", ""])
def test_other_text_is_kept_whole(text: str) -> None:
    assert formula_safe(text) == text
    assert unprotect(text) == text


def test_an_xlsx_cell_holds_formula_leading_text_as_a_string() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    text_cell(sheet.cell(row=1, column=1), "=1+1 Quyết định")
    text_cell(sheet.cell(row=2, column=1), "Ủy ban nhân dân tỉnh Hà Giang")
    out = io.BytesIO()
    book.save(out)
    read = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    first, second = read.cell(row=1, column=1), read.cell(row=2, column=1)
    assert (first.value, first.data_type, first.quotePrefix) == ("=1+1 Quyết định", "s", True)
    assert (second.value, second.data_type, second.quotePrefix) == ("Ủy ban nhân dân tỉnh Hà Giang", "s", False)
