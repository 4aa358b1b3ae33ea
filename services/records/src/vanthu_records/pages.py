"""Page counts (PageAmount, Circular 02/2019 Art. 9; Decree 30/2020 Appendix VI) read from the documents' PDFs when a
file is closed and its creator gave none: the pages of the document's main file (its first PDF when none is marked
main), counted by PDFium (pypdfium2). A file that is not a PDF PDFium opens (damaged, encrypted) gives no count, and
the creator is asked for it as before."""

from __future__ import annotations

import asyncio
import logging

from vanthu_core.pdfium import PDFIUM_LOCK
from vanthu_records.platform import Platform
from vanthu_records.store import FileDocumentView, RecordedFile

log = logging.getLogger("vanthu.records")
PDF = "application/pdf"
#: The most pages a document's count may say (the API's bound on page_amounts).
MAX_PAGES = 9999


def pdf_pages(data: bytes) -> int | None:
    """The number of pages of ``data`` (1–9999), or None when PDFium cannot open it or it has none."""
    import pypdfium2  # on closing a file only: not at every start of the service

    with PDFIUM_LOCK:  # PDFium is not thread-safe (vanthu_core.pdfium)
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return None
        try:
            count = len(document)
        finally:
            document.close()
    return count if 1 <= count <= MAX_PAGES else None


def _main_pdf(doc: FileDocumentView) -> RecordedFile | None:
    pdfs = [f for f in doc.files if f.content_type == PDF or f.file_name.lower().endswith(".pdf")]
    return next((f for f in pdfs if f.role == "main"), pdfs[0] if pdfs else None)


async def read_page_counts(platform: Platform, token: str, documents: list[FileDocumentView],
                           given: dict[str, int]) -> dict[str, int]:
    """document id → pages, for each document without a count (in its metadata or ``given``) whose main PDF PDFium
    reads; read with ``token`` (the creator's: storage lets them read their agency's files)."""
    counted: dict[str, int] = {}
    for doc in documents:
        if doc.meta.page_amount > 0 or doc.meta.document_id in given:
            continue
        main = _main_pdf(doc)
        if main is None or not main.versions:
            continue
        data = await platform.download(token, main.newest.object_id)
        pages = await asyncio.to_thread(pdf_pages, data)
        if pages is not None:
            counted[doc.meta.document_id] = pages
        else:
            log.info("a document's page count could not be read from its PDF",
                     extra={"document_id": doc.meta.document_id})
    return counted
