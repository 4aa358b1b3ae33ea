"""The text of a document's files: PDF text with pypdfium2, DOCX with python-docx, plain text as is; images and the
pages of a PDF without a text layer (scans) are left for OCR (:mod:`vanthu_search.ocr`), as page images.
"""

from __future__ import annotations

import ctypes
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vanthu_core.pdfium import PDFIUM_LOCK
from vanthu_core.text import nfc

log = logging.getLogger("vanthu.search")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGES = frozenset({"image/png", "image/jpeg", "image/tiff", "image/bmp", "image/gif", "image/webp"})
TEXT = frozenset({"text/plain", "text/csv"})


@dataclass
class Extracted:
    """``text``: what could be read without OCR, NFC. ``scanned_pages``: 1-based numbers of the PDF pages without
    text (each wants OCR); for an image, page 1."""

    text: str = ""
    scanned_pages: list[int] = field(default_factory=list)


def _field_values(pdf: Any, page: Any) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The filled text fields of a page (value, rect as left, bottom, right, top): an issued document's number and
    date are such fields (signing fills [[SO]] and [[NGAY]] as form filling), which the page's text leaves out."""
    import pypdfium2.raw as raw

    found = []
    form = pdf.formenv.raw if getattr(pdf, "formenv", None) is not None else None
    for index in range(raw.FPDFPage_GetAnnotCount(page.raw)):
        annot = raw.FPDFPage_GetAnnot(page.raw, index)
        if not annot:
            continue
        try:
            if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET:
                continue
            if form is not None:
                size = raw.FPDFAnnot_GetFormFieldValue(form, annot, None, 0)
                buffer = ctypes.create_string_buffer(size)
                raw.FPDFAnnot_GetFormFieldValue(form, annot, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
            else:
                size = raw.FPDFAnnot_GetStringValue(annot, b"V", None, 0)
                buffer = ctypes.create_string_buffer(size)
                raw.FPDFAnnot_GetStringValue(annot, b"V", ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
            value = buffer.raw[:size].decode("utf-16-le", errors="ignore").rstrip("\x00").strip()
            rect = raw.FS_RECTF()
            if value and raw.FPDFAnnot_GetRect(annot, rect):
                found.append((value, (min(rect.left, rect.right), min(rect.bottom, rect.top),
                                      max(rect.left, rect.right), max(rect.bottom, rect.top))))
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return found


def _page_text(textpage: Any, fields: list[tuple[str, tuple[float, float, float, float]]]) -> str:
    """The page's text with each field's value put where it stands: after the last character to its left on its line
    ("Số:" then the number), else before the first to its right, else at the end."""
    text = textpage.get_text_range()
    if not fields:
        return str(text)
    count = textpage.count_chars()
    boxes = [textpage.get_charbox(i) for i in range(count)]
    inserts: list[tuple[int, str]] = []
    for value, (left, bottom, right, top) in fields:
        # the characters of the field's line: their boxes overlap its height (a comma's box sits low but overlaps)
        line = [i for i, (l_, b, r, t) in enumerate(boxes) if min(t, top) > max(b, bottom) and r > l_]
        before = [i for i in line if boxes[i][2] <= left + 1]
        after = [i for i in line if boxes[i][0] >= right - 1]
        if before:
            inserts.append((max(before, key=lambda i: boxes[i][2]) + 1, f" {value} "))
        elif after:
            inserts.append((min(after, key=lambda i: boxes[i][0]), f" {value} "))
        else:
            inserts.append((count, f"\n{value}"))
    pieces, start = [], 0
    for at, value in sorted(inserts, key=lambda x: x[0]):
        pieces.append(textpage.get_text_range(start, at - start) if at > start else "")
        pieces.append(value)
        start = at
    pieces.append(textpage.get_text_range(start, count - start) if count > start else "")
    return "".join(pieces)


def _pdf(data: bytes, min_chars: int) -> Extracted:
    with PDFIUM_LOCK:  # PDFium is not thread-safe: one file at a time in the process (vanthu_core.pdfium)
        return _pdf_locked(data, min_chars)


def _pdf_locked(data: bytes, min_chars: int) -> Extracted:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        try:
            pdf.init_forms()  # the fields' values as pdfium reads them (inherited ones too); before any page loads
        except Exception:
            log.debug("the PDF's form could not be read")
        parts, scanned = [], []
        for number in range(len(pdf)):
            page = pdf[number]
            try:
                textpage = page.get_textpage()
                try:
                    text = _page_text(textpage, _field_values(pdf, page))
                finally:
                    textpage.close()
            finally:
                page.close()
            if len(text.strip()) < min_chars:
                scanned.append(number + 1)
            if text.strip():
                parts.append(text)
        return Extracted(nfc("\n".join(parts)), scanned)
    finally:
        pdf.close()


def _docx(data: bytes) -> Extracted:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return Extracted(nfc("\n".join(lines)))


def extract(data: bytes, content_type: str, *, min_chars: int = 20) -> Extracted:
    """The readable text of one file; a file that cannot be read yields nothing (logged), never an error: the
    document is still indexed by its metadata."""
    try:
        if content_type == PDF:
            return _pdf(data, min_chars)
        if content_type == DOCX:
            return _docx(data)
        if content_type in IMAGES:
            return Extracted("", [1])
        if content_type in TEXT:
            return Extracted(nfc(data.decode("utf-8", errors="replace")))
    except Exception as error:  # a damaged or hostile file must not stop indexing
        log.warning("a file's text could not be extracted", extra={"content_type": content_type,
                                                                    "error": type(error).__name__})
    return Extracted()


def page_images(data: bytes, content_type: str, pages: list[int], dpi: int) -> Iterator[tuple[int, object]]:
    """``(page number, PIL image)`` of the pages to OCR: rendered PDF pages, or the image itself."""
    from PIL import Image

    if content_type == PDF:
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:  # each PDFium call under the process's lock; the caller's OCR of a page runs without it
            pdf = pdfium.PdfDocument(data)
        try:
            for number in pages:
                with PDFIUM_LOCK:
                    page = pdf[number - 1]
                    try:
                        image = page.render(scale=dpi / 72).to_pil()
                    finally:
                        page.close()
                yield number, image
        finally:
            with PDFIUM_LOCK:
                pdf.close()
    elif content_type in IMAGES:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            yield 1, image.convert("RGB")
