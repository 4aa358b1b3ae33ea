"""OCR of scans (Tesseract's Vietnamese model, Debian's ``tesseract-ocr-vie``), in the background.

Indexing never waits for OCR: a document is indexed at once with the text its files give without it, and each file
with scanned pages goes to :class:`OcrWorker`, which reads at most ``concurrency`` pages at once (worker threads)
and then asks for the document to be indexed again. Results are kept per file (by its SHA-256) and page, with
Tesseract's mean word confidence (0–100), in ``VANTHU_SEARCH_OCR_DIR``: a file is read once, and a reindex uses
what was read before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vanthu_core.text import nfc

log = logging.getLogger("vanthu.search")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PageText:
    page: int
    text: str
    #: Tesseract's mean confidence of the page's words, 0–100 (-1: no word found).
    confidence: float


def read_page(image: Any, languages: str) -> PageText:
    """OCR one page image (blocking). Lines as Tesseract found them; words joined by spaces."""
    import pytesseract

    data = pytesseract.image_to_data(image, lang=languages, output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences = []
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if word.strip() and conf >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(word)
            confidences.append(conf)
    text = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else -1.0
    return PageText(0, nfc(text), confidence)


class OcrStore:
    """What OCR read, per file (SHA-256) and page, on disk."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("a file is known by its SHA-256 (64 hexadecimal digits)")
        return self.directory / f"{sha256}.json"

    def get(self, sha256: str) -> list[PageText] | None:
        path = self._path(sha256)
        if not path.exists():
            return None
        return [PageText(**p) for p in json.loads(path.read_text(encoding="utf-8"))["pages"]]

    def put(self, sha256: str, pages: list[PageText]) -> None:
        path = self._path(sha256)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"pages": [asdict(p) for p in pages]}, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    def done(self) -> int:
        return sum(1 for _ in self.directory.glob("*.json"))


@dataclass(frozen=True)
class OcrJob:
    """A file with scanned pages, of a document to index again when they are read."""

    agency_code: str
    document_id: str
    sha256: str
    content_type: str
    pages: tuple[int, ...]
    data: bytes


class OcrWorker:
    """A queue of files to OCR and ``concurrency`` tasks reading them; ``on_done(agency, document id)`` is awaited
    after each file (the indexer indexes the document again)."""

    def __init__(self, store: OcrStore, on_done: Callable[[str, str], Awaitable[None]], *, languages: str = "vie",
                 concurrency: int = 1, dpi: int = 200, queue_size: int = 10_000) -> None:
        self.store = store
        self.on_done = on_done
        self.languages = languages
        self.dpi = dpi
        self.queue: asyncio.Queue[OcrJob] = asyncio.Queue(queue_size)
        self.concurrency = concurrency
        self._tasks: list[asyncio.Task[None]] = []
        self._queued: set[str] = set()

    @property
    def pending(self) -> int:
        return len(self._queued)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name=f"ocr-{i}") for i in range(self.concurrency)]

    def submit(self, job: OcrJob) -> bool:
        """Queue a file (once while it waits); False when the queue is full (a reindex picks it up later)."""
        if job.sha256 in self._queued:
            return True
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            log.warning("the OCR queue is full; the file waits for a reindex", extra={"document_id": job.document_id})
            return False
        self._queued.add(job.sha256)
        return True

    def read_file(self, job: OcrJob) -> list[PageText]:
        """OCR every scanned page of a file (blocking)."""
        from vanthu_search.extract import page_images

        pages = []
        for number, image in page_images(job.data, job.content_type, list(job.pages), self.dpi):
            read = read_page(image, self.languages)
            pages.append(PageText(number, read.text, read.confidence))
        return pages

    async def _run(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                pages = await asyncio.to_thread(self.read_file, job)
                self.store.put(job.sha256, pages)
                await self.on_done(job.agency_code, job.document_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("OCR of a file failed", extra={"document_id": job.document_id,
                                                           "error": type(error).__name__})
            finally:
                self._queued.discard(job.sha256)
                self.queue.task_done()

    async def idle(self) -> None:
        """Wait until every queued file is read (tests, ``reindex``)."""
        await self.queue.join()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
