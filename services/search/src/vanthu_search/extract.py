"""The text of a document's files: PDF text with pypdfium2, DOCX with python-docx, plain text as is; images and the
pages of a PDF without a text layer (scans) are left for OCR (:mod:`vanthu_search.ocr`), as page images.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

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


def _pdf(data: bytes, min_chars: int) -> Extracted:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        parts, scanned = [], []
        for number in range(len(pdf)):
            page = pdf[number]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
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

        pdf = pdfium.PdfDocument(data)
        try:
            for number in pages:
                page = pdf[number - 1]
                try:
                    yield number, page.render(scale=dpi / 72).to_pil()
                finally:
                    page.close()
        finally:
            pdf.close()
    elif content_type in IMAGES:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            yield 1, image.convert("RGB")
