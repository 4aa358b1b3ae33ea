"""Indexing: one document at a time, from the registry's word on it now (never from an event's payload).

``handle`` is the durable consumer of ``vanthu.registry.document.*`` (:data:`vanthu_core.subjects.SEARCH_DOCUMENTS`):
for each event it reads the document from the registry with the service's own token and replaces its entry in the
index (metadata, audience and its files' text; OCR of scanned pages queued, :mod:`vanthu_search.ocr`). Idempotent: a
redelivered or late event indexes the same current state again; a document the registry no longer has leaves the
index. Events of one document are handled one after the other (the consumer's key).

``batch`` is the same for a batch of events (the consumer's batch handler, ``VANTHU_SEARCH_BATCH_SIZE``): their
documents read together, then written to the index at once, one commit for all. A commit is what an index write costs
(Tantivy: a new segment, its fsyncs, the searchers reloaded; 130 ms of wall time a document on a loaded 2-core machine
against 5 ms a document in a batch of 50, ``bench/search_freshness.py``): one commit per event let a burst of 200
registrations queue for 30 s before the last was searchable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from google.protobuf.message import Message

from vanthu.registry.v1 import documents_pb2
from vanthu_core.events import meta_of
from vanthu_search.backends.base import Backend
from vanthu_search.domain.access import audience_of
from vanthu_search.domain.model import IndexedDocument
from vanthu_search.extract import extract
from vanthu_search.ocr import OcrJob, OcrStore, OcrWorker
from vanthu_search.sources import File

log = logging.getLogger("vanthu.search")


class Documents(Protocol):
    async def get(self, agency_code: str, document_id: str) -> documents_pb2.Document | None: ...


class Files(Protocol):
    async def read(self, agency_code: str, object_id: str) -> File | None: ...


def document_of(event: Message) -> tuple[str, str]:
    """``(agency code, document id)`` an event of ``vanthu.registry.document.*`` is about (empty id: none)."""
    meta = meta_of(event)
    agency = meta.agency_code
    state: Any = getattr(event, "document", None)
    document_id = getattr(state, "document_id", "") if state is not None else ""
    return agency, document_id or str(getattr(event, "document_id", "") or "")


def key_of(event: Message) -> str:
    """The consumer's ordering key: events of one document one after the other."""
    return "/".join(document_of(event))


class Indexer:
    def __init__(self, backend: Backend, documents: Documents, files: Files | None, *, ocr: OcrWorker | None = None,
                 ocr_store: OcrStore | None = None, max_text_chars: int = 2_000_000, ocr_min_chars: int = 20,
                 reads_at_once: int = 8) -> None:
        self.backend = backend
        self.documents = documents
        self.files = files
        self.ocr = ocr
        self.ocr_store = ocr_store
        self.max_text_chars = max_text_chars
        self.ocr_min_chars = ocr_min_chars
        #: A batch's documents read from the registry (and their files from storage) at most this many at once.
        self.reads_at_once = max(1, reads_at_once)

    async def handle(self, event: Message) -> None:
        agency, document_id = document_of(event)
        if agency and document_id:
            await self.index(agency, document_id)

    async def _content(self, agency: str, doc: documents_pb2.Document) -> str:
        if self.files is None:
            return ""
        parts: list[str] = []
        for entry in doc.files:
            file = await self.files.read(agency, entry.object_id)
            if file is None:
                continue
            found = await asyncio.to_thread(extract, file.data, file.content_type, min_chars=self.ocr_min_chars)
            if found.text:
                parts.append(found.text)
            if found.scanned_pages and self.ocr_store is not None and file.sha256:
                read = self.ocr_store.get(file.sha256)
                if read is not None:
                    parts.extend(p.text for p in read if p.text)
                elif self.ocr is not None:
                    self.ocr.submit(OcrJob(agency, doc.id, file.sha256, file.content_type,
                                           tuple(found.scanned_pages), file.data))
        return "\n".join(parts)[: self.max_text_chars]

    async def batch(self, events: Sequence[Message]) -> list[BaseException | None]:
        """Index the documents of ``events`` (a batch of the consumer, at most one event per document): read
        together, ``reads_at_once`` at a time, then written in one upsert (one commit); a document the registry no
        longer has is removed. Each event's outcome, in order: None (its document's entry is up to date), or the
        exception reading its document met (that event alone is retried). A failed write raises: the consumer then
        handles the batch's events one at a time."""
        gate = asyncio.Semaphore(self.reads_at_once)

        async def read(agency: str, document_id: str) -> IndexedDocument | None:
            async with gate:
                return await self._read(agency, document_id)

        targets = [document_of(event) for event in events]
        wanted = [(agency, document_id) for agency, document_id in targets if agency and document_id]
        results = await asyncio.gather(*(read(a, d) for a, d in wanted), return_exceptions=True)
        read_by_target: dict[tuple[str, str], IndexedDocument | BaseException | None] = {}
        for target, result in zip(wanted, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            read_by_target[target] = result
        upserts = [r for r in read_by_target.values() if isinstance(r, IndexedDocument)]
        gone = [target for target, r in read_by_target.items() if r is None]
        if upserts:
            await asyncio.to_thread(self.backend.upsert, upserts)
        for agency, document_id in gone:
            await asyncio.to_thread(self.backend.delete, agency, document_id)
        outcomes: list[BaseException | None] = []
        for target in targets:
            result = read_by_target.get(target)
            outcomes.append(result if isinstance(result, BaseException) else None)
        return outcomes

    async def index(self, agency: str, document_id: str) -> bool:
        """Bring the document's entry up to date; False when the registry has no such document (entry removed)."""
        indexed = await self._read(agency, document_id)
        if indexed is None:
            await asyncio.to_thread(self.backend.delete, agency, document_id)
            return False
        await asyncio.to_thread(self.backend.upsert, [indexed])
        return True

    async def _read(self, agency: str, document_id: str) -> IndexedDocument | None:
        """The document's entry as the registry has it now (its files' text included); None: no such document."""
        doc = await self.documents.get(agency, document_id)
        if doc is None:
            return None
        return IndexedDocument(
            id=doc.id, agency_code=doc.agency_code or agency,
            audience=audience_of(doc.audience),
            direction=doc.direction, status=doc.status, type_code=doc.type_code, type_name=doc.type_name,
            number_symbol=doc.number_symbol, abstract=doc.abstract, issuing_agency_code=doc.issuing_agency_code,
            issuing_agency_name=doc.issuing_agency_name, signer=doc.signer.name, urgency=doc.urgency,
            register_id=doc.register_id, number=doc.number, document_date=doc.document_date[:10],
            content=await self._content(agency, doc))

    async def reindex_after_ocr(self, agency: str, document_id: str) -> None:
        """The OCR worker read a file of the document: index it again, its scans' text now included."""
        await self.index(agency, document_id)
