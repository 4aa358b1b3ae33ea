"""One lock for every PDFium call of a process.

PDFium (through pypdfium2) must not be called from two threads at once, not even on different documents: pypdfium2's
documentation says so ("pdfium is not thread-safe"), and the search service's indexer, reading files in worker threads
(``asyncio.to_thread``) at the consumers' concurrency, crashed in ``libpdfium.so`` (a segfault that stopped the
service), aborted (``munmap_chunk(): invalid pointer``), lost pages ("Failed to load page") or cut text short when
several files were read at once. Every use of pypdfium2 (opening a document, reading, rendering, closing) holds
:data:`PDFIUM_LOCK`; work between calls that does not touch PDFium (OCR of a rendered page) runs without it.
"""

from __future__ import annotations

import threading

#: Held around every call into PDFium in this process (a plain lock: no PDFium call holds it twice).
PDFIUM_LOCK = threading.Lock()
