"""Text in spreadsheets the platform exports (CSV and XLSX), kept text.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by spreadsheet programs as
a formula (CSV/formula injection, OWASP "CSV Injection"): a document's summary or an agency's name is data and must
open as the text it is. Every export of the platform writes its text cells through this module.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

#: The media types of the platform's exports (CSV as UTF-8; the XLSX workbook of Office Open XML, ECMA-376).
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The first characters that make a spreadsheet program read a cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


class TextCell(Protocol):
    """What :func:`text_cell` sets on a cell (openpyxl's ``Cell`` has these; typed loosely to keep openpyxl out of
    the core library)."""

    value: Any
    data_type: str
    quotePrefix: Any  # openpyxl's name


C = TypeVar("C", bound=TextCell)


def formula_safe(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: an apostrophe before a formula lead, the text otherwise kept whole.

    >>> formula_safe("=SUM(A1)"), formula_safe("Công văn số 12")
    ("'=SUM(A1)", 'Công văn số 12')
    """
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def unprotect(text: str) -> str:
    """The text :func:`formula_safe` protected, as it was written (for files exported here and imported back)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_LEADS) else text


def text_cell(cell: C, value: str) -> C:
    """Store ``value`` in an XLSX ``cell`` as a string, never a formula (openpyxl makes a formula of text starting with
    "="), and mark formula-leading text with Excel's quote prefix so it stays text when someone edits the cell.

    :returns: the cell, for chaining (font, alignment).
    """
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_LEADS):
        cell.quotePrefix = True
    return cell
