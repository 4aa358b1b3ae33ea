"""OCR of scans (Tesseract's Vietnamese model, Debian's ``tesseract-ocr-vie``), in the background.

Indexing never waits for OCR: a document is indexed at once with the text its files give without it, and each file
with scanned pages goes to :class:`OcrWorker`, which reads at most ``concurrency`` pages at once (worker threads)
and then asks for the document to be indexed again. Results are kept per file (by its SHA-256) and page, with
Tesseract's mean word confidence (0–100), in ``VANTHU_SEARCH_OCR_DIR``: a file is read once, and a reindex uses
what was read before.

The queue is durable: each queued file leaves a small note (agency, document, SHA-256) in
``VANTHU_SEARCH_OCR_DIR/queue/`` until it is read. A worker that starts finds the notes of a stopped run and has
their documents indexed again (``resubmit``: the indexer reads the document and its files afresh and queues the
scans still unread), in the background, so a restart loses no OCR and delays no indexing. The file's bytes are not
copied: storage keeps them, and a note is a few bytes.
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

    # -- the queue's notes: a file waiting for OCR, by its SHA-256 --------------------------------------------------
    @property
    def queue_directory(self) -> Path:
        return self.directory / "queue"

    def note(self, sha256: str, agency_code: str, document_id: str) -> None:
        """Remember (durably) that the file waits for OCR, for the document ``(agency_code, document_id)``."""
        path = self.queue_directory / self._path(sha256).name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"agency_code": agency_code, "document_id": document_id}), encoding="utf-8")
        temporary.replace(path)

    def forget(self, sha256: str) -> None:
        (self.queue_directory / self._path(sha256).name).unlink(missing_ok=True)

    def noted(self) -> dict[str, tuple[str, str]]:
        """The files waiting for OCR: SHA-256 → (agency code, document id). Unreadable notes are dropped."""
        found: dict[str, tuple[str, str]] = {}
        for path in sorted(self.queue_directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                found[path.stem] = (str(data["agency_code"]), str(data["document_id"]))
            except (ValueError, KeyError, OSError):
                path.unlink(missing_ok=True)
        return found


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
    """A durable queue of files to OCR and ``concurrency`` tasks reading them; ``on_done(agency, document id)`` is
    awaited after each file (the indexer indexes the document again). ``resubmit(agency, document id)`` is awaited at
    :meth:`start` for each document whose file a stopped run left queued (the indexer indexes it again, which queues
    its unread scans anew); without it, such notes wait for a reindex."""

    def __init__(self, store: OcrStore, on_done: Callable[[str, str], Awaitable[None]], *, languages: str = "vie",
                 concurrency: int = 1, dpi: int = 200, queue_size: int = 10_000,
                 resubmit: Callable[[str, str], Awaitable[object]] | None = None) -> None:
        self.store = store
        self.on_done = on_done
        self.resubmit = resubmit
        self.languages = languages
        self.dpi = dpi
        self.queue: asyncio.Queue[OcrJob] = asyncio.Queue(queue_size)
        self.concurrency = concurrency
        self._tasks: list[asyncio.Task[None]] = []
        self._queued: set[str] = set()
        self._recovering: set[str] = set()
        self._recovery: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Files waiting for OCR, those a stopped run left included."""
        return len(self._queued | self._recovering)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name=f"ocr-{i}") for i in range(self.concurrency)]
        if self.resubmit is not None:
            self._recovering = set(self.store.noted())
            if self._recovering:
                self._recovery = asyncio.create_task(self._recover(), name="ocr-recover")
                self._tasks.append(self._recovery)

    async def _recover(self) -> None:
        """Queue again what a stopped run left: index each noted document again (its unread scans are queued by the
        indexer); a note no document queued again (the document or file is gone, or the file is read) is dropped."""
        assert self.resubmit is not None
        for sha256, (agency, document_id) in self.store.noted().items():
            try:
                if sha256 not in self._queued:
                    await self.resubmit(agency, document_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the note stays for the next start or reindex
                log.warning("a document left in the OCR queue could not be indexed again",
                            extra={"document_id": document_id, "error": type(error).__name__})
                continue
            finally:
                self._recovering.discard(sha256)
            if sha256 not in self._queued:
                self.store.forget(sha256)

    def submit(self, job: OcrJob) -> bool:
        """Queue a file (once while it waits), noted durably first; False when the in-memory queue is full (the note
        stays: the next start or reindex picks it up)."""
        if job.sha256 in self._queued:
            return True
        self.store.note(job.sha256, job.agency_code, job.document_id)
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            log.warning("the OCR queue is full; the file waits for a restart or reindex",
                        extra={"document_id": job.document_id})
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
                self.store.forget(job.sha256)  # read: a restart from here on needs no OCR (a reindex uses the pages)
                await self.on_done(job.agency_code, job.document_id)
            except asyncio.CancelledError:
                raise  # stopped while reading: the note stays, the next start reads it
            except Exception as error:
                self.store.forget(job.sha256)  # a file Tesseract cannot read is not retried at every start
                log.warning("OCR of a file failed", extra={"document_id": job.document_id,
                                                           "error": type(error).__name__})
            finally:
                self._queued.discard(job.sha256)
                self.queue.task_done()

    async def idle(self) -> None:
        """Wait until every queued file is read, those a stopped run left included (tests, ``reindex``)."""
        if self._recovery is not None:
            await self._recovery
        await self.queue.join()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
