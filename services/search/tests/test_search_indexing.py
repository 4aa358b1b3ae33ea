"""Indexing from the registry's events: the document read from the registry as it is now (never the event's
payload), its files' text (PDF with pypdfium2, DOCX with python-docx), a scanned PDF read by Tesseract's Vietnamese
model in the background (the document is searchable by its metadata at once, by the scan's words after OCR, with each
page's confidence kept), redeliveries changing nothing, a document the registry no longer has leaving the index."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from vanthu.common.v1 import events_pb2 as common_events
from vanthu.registry.v1 import documents_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.subjects import SEARCH_DOCUMENTS
from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import Caller, Filters, IndexedDocument
from vanthu_search.domain.query import parse
from vanthu_search.extract import DOCX, PDF, extract
from vanthu_search.indexer import Indexer, key_of
from vanthu_search.ocr import OcrStore, OcrWorker
from vanthu_search.server import consumer_options
from vanthu_search.settings import SearchSettings
from vanthu_search.sources import File
from vanthu_testing.nats import NatsServer

from .conftest import AGENCY

pytestmark = pytest.mark.integration
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SCAN_LINES = ["ỦY BAN NHÂN DÂN TỈNH VĨNH LONG", "Về việc kiểm tra công tác phòng cháy chữa cháy",
              "tại các chợ truyền thống trên địa bàn tỉnh"]


def scanned_pdf(lines: list[str]) -> bytes:
    """A PDF with one page that is only an image (no text layer): Vietnamese text drawn with DejaVu Sans at 200 dpi."""
    page = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 44)
    for i, line in enumerate(lines):
        draw.text((150, 200 + i * 90), line, font=font, fill=0)
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=200.0)
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("DejaVuSans", 12)
    pdf.drawString(72, 760, text)
    pdf.save()
    return out.getvalue()


def docx_file(paragraph: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Nơi nhận", "Sở Tài chính"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@dataclass
class FakeSources:
    """The registry and storage as the indexer reads them (counting the registry's reads)."""

    documents: dict[str, documents_pb2.Document] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    reads: int = 0

    async def get(self, agency_code: str, document_id: str) -> documents_pb2.Document | None:
        self.reads += 1
        found = self.documents.get(document_id)
        return found if found is not None and found.agency_code == agency_code else None

    async def read(self, agency_code: str, object_id: str) -> File | None:
        return self.files.get(object_id)

    def add_file(self, object_id: str, data: bytes, content_type: str) -> documents_pb2.DocumentFile:
        self.files[object_id] = File(data, content_type, hashlib.sha256(data).hexdigest())
        return documents_pb2.DocumentFile(object_id=object_id, role="main", content_type=content_type)


def event(document_id: str, agency: str = AGENCY, event_id: str = "e1") -> registry_events.DocumentRegistered:
    return registry_events.DocumentRegistered(meta=common_events.EventMeta(event_id=event_id, agency_code=agency),
                                              document=registry_events.DocumentState(document_id=document_id))


class CountingBackend(TantivyBackend):
    """Tantivy, noting how many documents each write (each commit) held."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.writes: list[int] = []

    def upsert(self, documents: Sequence[IndexedDocument]) -> None:
        self.writes.append(len(documents))
        super().upsert(documents)


def found(backend: TantivyBackend, query: str, roles: tuple[str, ...] = ("clerk",)) -> list[str]:
    caller = Caller(AGENCY, principals_of("sub-x", roles, []))
    return [h.document.id for h in backend.search(caller, parse(query), Filters(), sort="relevance", offset=0,
                                                  limit=10).hits]


def test_pdf_and_docx_text_is_extracted_and_a_scan_is_left_for_ocr() -> None:
    pdf = extract(text_pdf("Về việc quyết toán kinh phí năm 2025"), PDF)
    assert "quyết toán kinh phí" in pdf.text and pdf.scanned_pages == []
    word = extract(docx_file("Kế hoạch tập huấn nghiệp vụ văn thư lưu trữ"), DOCX)
    assert "tập huấn nghiệp vụ" in word.text and "Sở Tài chính" in word.text
    assert extract(scanned_pdf(SCAN_LINES), PDF).scanned_pages == [1]
    assert extract(b"%PDF-1.7 broken", PDF).text == ""  # a damaged file yields nothing, not an error


async def test_a_scanned_pdf_is_found_by_a_word_of_its_text_after_ocr_even_across_a_restart(tmp_path: Path) -> None:
    """Searchable at once by its metadata, by the scan's words after OCR in the background. The OCR queue survives a
    restart: the file queued but not read when the service stopped is read by the next worker on the same directory
    (its document indexed again); a note whose document is gone is dropped."""
    backend = TantivyBackend(tmp_path / "index")
    sources = FakeSources()
    scan = sources.add_file("obj-scan", scanned_pdf(SCAN_LINES), PDF)
    sources.documents["doc-scan"] = documents_pb2.Document(
        id="doc-scan", agency_code=AGENCY, direction="incoming", status="registered", type_code="CV",
        audience=["role:clerk", "role:leader"],
        number_symbol="77/UBND-NC", abstract="Công văn đến (bản quét)", files=[scan], document_date="2025-10-02")
    try:
        store = OcrStore(tmp_path / "ocr")
        indexer = Indexer(backend, sources, sources, ocr_store=store)
        before = OcrWorker(store, indexer.reindex_after_ocr, resubmit=indexer.index)
        indexer.ocr = before  # never started: the service stops with the file still queued
        await indexer.handle(event("doc-scan"))
        assert found(backend, "bản quét") == ["doc-scan"] and found(backend, "phòng cháy") == []
        assert before.pending == 1
        await before.stop()
        store.note("0" * 64, AGENCY, "doc-deleted")  # queued for a document the registry no longer has

        store = OcrStore(tmp_path / "ocr")
        indexer = Indexer(backend, sources, sources, ocr_store=store)
        worker = OcrWorker(store, indexer.reindex_after_ocr, languages="vie", concurrency=1, dpi=200,
                           resubmit=indexer.index)
        indexer.ocr = worker
        worker.start()
        try:
            assert worker.pending == 2
            await worker.idle()
            assert worker.pending == 0 and store.noted() == {}
            assert found(backend, "phòng cháy chữa cháy") == ["doc-scan"]
            assert found(backend, "cho truyen thong") == ["doc-scan"]
            (page,) = store.get(sources.files["obj-scan"].sha256) or []
            assert page.page == 1 and 50 < page.confidence <= 100
            # indexed again later (a redelivery, a reindex): the OCR already read is used, nothing is queued
            await indexer.handle(event("doc-scan"))
            assert worker.pending == 0 and found(backend, "phòng cháy") == ["doc-scan"]
        finally:
            await worker.stop()
    finally:
        backend.close()


async def test_each_event_indexes_the_registrys_current_document_and_a_vanished_one_leaves(tmp_path: Path) -> None:
    backend = TantivyBackend(tmp_path / "index")
    sources = FakeSources()
    indexer = Indexer(backend, sources, sources)
    word = sources.add_file("obj-docx", docx_file("Kế hoạch tập huấn nghiệp vụ văn thư lưu trữ"), DOCX)
    sources.documents["d1"] = documents_pb2.Document(
        id="d1", agency_code=AGENCY, direction="outgoing", status="draft", abstract="Dự thảo kế hoạch tập huấn",
        created_by="drafter.ubnd", drafting_unit="VP", files=[word], audience=["role:clerk", "user:sub-drafter"])
    await indexer.handle(event("d1"))
    await indexer.handle(event("d1"))  # redelivered: the same entry
    assert backend.count() == 1
    assert found(backend, "nghiệp vụ văn thư") == ["d1"]
    # the registry's audience decides: an officer not in it does not find it, the drafter named in it does
    assert found(backend, "tập huấn", roles=("officer",)) == []
    drafter = Caller(AGENCY, principals_of("sub-drafter", ["officer"], []))
    assert backend.search(drafter, parse("tập huấn"), Filters(), sort="relevance", offset=0, limit=5).total == 1
    # changed in the registry (its audience too): the next event brings the entry up to date; empty shows it to nobody
    sources.documents["d1"].audience[:] = []
    sources.documents["d1"].status = "issued"
    await indexer.handle(event("d1"))
    assert found(backend, "tập huấn") == []
    assert (backend.get(AGENCY, "d1") or pytest.fail("missing")).status == "issued"
    # an event of another agency naming the same id reads nothing of this one's
    await indexer.handle(event("d1", agency="000.00.02.H61"))
    assert backend.get(AGENCY, "d1") is not None
    del sources.documents["d1"]
    await indexer.handle(event("d1"))
    assert backend.count() == 0
    assert key_of(event("d1")) == f"{AGENCY}/d1"
    backend.close()





def sealed_letter_pdf() -> bytes:
    """An issued letter as signing leaves it: "Số:" and the place in the page content, the number and the date only as
    filled text fields over where [[SO]] and [[NGAY]] were (form filling, not page content)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("DejaVuSans", 12)
    pdf.drawString(72, 760, "Số:")
    pdf.drawString(320, 760, "Vĩnh Long,")
    pdf.drawString(72, 730, "V/v tổ chức hội nghị tổng kết công tác văn thư năm 2026")
    pdf.drawString(72, 700, "Kính gửi: Sở Nội vụ tỉnh Vĩnh Long")
    pdf.acroForm.textfield(name="SO", value="05/UBND-VP", x=100, y=755, width=150, height=18, borderWidth=0,
                           fontName="Helvetica", fontSize=12)
    pdf.acroForm.textfield(name="NGAY", value="ngay 02 thang 12 nam 2026", x=390, y=755, width=180, height=18,
                           borderWidth=0, fontName="Helvetica", fontSize=12)
    pdf.save()
    return out.getvalue()


def test_an_issued_letters_number_and_date_fields_are_read_where_they_stand() -> None:
    """Trial: a hit's snippet read "Số: V/v …" — the number is a filled form field, which the page's text leaves out.
    The fields' values are read into the text where they stand on the line (after "Số:", after the place)."""
    text = extract(sealed_letter_pdf(), PDF).text
    assert "Số: 05/UBND-VP" in " ".join(text.split()), text
    assert "Vĩnh Long, ngay 02 thang 12 nam 2026" in " ".join(text.split()), text
    assert text.index("05/UBND-VP") < text.index("V/v tổ chức")


ABSTRACTS = ["V/v kiểm định chất lượng nước sinh hoạt", "V/v tuyển dụng công chức cấp xã năm 2026",
             "V/v tăng cường công tác phòng, chống thiên tai", "V/v góp ý dự thảo quy định của Sở Nội vụ",
             "V/v triển khai chuyển đổi số trong cơ quan nhà nước"]


def registered(sources: FakeSources, count: int) -> list[str]:
    ids = [f"d{i}" for i in range(count)]
    for i, document_id in enumerate(ids):
        sources.documents[document_id] = documents_pb2.Document(
            id=document_id, agency_code=AGENCY, direction="incoming", status="registered",
            abstract=f"{ABSTRACTS[i % len(ABSTRACTS)]} đợt {100 + i}", audience=["*"])
    return ids


async def test_a_batch_of_events_is_written_to_the_index_in_one_commit(tmp_path: Path) -> None:
    """Issue 15's freshness: one commit per event (130 ms each on a loaded machine) made a burst of 200 registrations
    wait 30 s; a batch's documents are read together and written at once. A document the registry no longer has
    leaves; one whose read fails is that event's own failure (retried alone), the others are indexed."""
    backend = CountingBackend(tmp_path / "index")
    sources = FakeSources()
    ids = registered(sources, 5)
    backend.upsert([IndexedDocument(id="gone", agency_code=AGENCY, audience=("*",), abstract="V/v thu hồi văn bản")])
    broken = RuntimeError("the registry is unavailable")

    class Failing(FakeSources):
        async def get(self, agency_code: str, document_id: str) -> documents_pb2.Document | None:
            if document_id == "broken":
                raise broken
            return await sources.get(agency_code, document_id)

    indexer = Indexer(backend, Failing(), sources)
    outcomes = await indexer.batch([*(event(d) for d in ids), event("gone"), event("broken")])
    assert outcomes == [None] * 6 + [broken]
    assert backend.writes == [1, 5]  # the set-up's write, then the batch's five in one
    assert backend.get(AGENCY, "gone") is None
    assert found(backend, "kiem dinh chat luong nuoc") == ["d0"]
    assert sorted(found(backend, "đợt")) == ids
    backend.close()


async def test_the_registrys_document_events_are_consumed_in_batches(tmp_path: Path) -> None:
    """Through a real JetStream: 20 events waiting are indexed in at most two writes (the first event, fetched alone,
    then the rest), not twenty; with ``batch_size`` 1, one write each."""
    server = NatsServer(tmp_path / "nats").start()
    registry, search = server.bus("registry", client_name="registry"), server.bus("search", client_name="search")
    backend = CountingBackend(tmp_path / "index")
    sources = FakeSources()
    ids = registered(sources, 20)
    try:
        await registry.connect()
        await search.connect()
        for i, document_id in enumerate(ids):
            await registry.publish(event(document_id, event_id=f"event-{i}"))
        indexer = Indexer(backend, sources, sources)
        settings = SearchSettings(batch_wait_ms=2000)  # what the stream holds comes at once; the wait only bounds it
        await search.consume(SEARCH_DOCUMENTS, indexer.handle, **consumer_options(settings, indexer))
        deadline = time.monotonic() + 60  # a deadline to fail by, not a measure
        while backend.count() < 20:
            assert time.monotonic() < deadline, f"{backend.count()} of 20 indexed, writes {backend.writes}"
            await asyncio.sleep(0.05)
        assert sum(backend.writes) == 20 and len(backend.writes) <= 2, backend.writes
        assert consumer_options(SearchSettings(batch_size=1), indexer) == {"key": key_of}
    finally:
        await search.close()
        await registry.close()
        backend.close()
        server.stop()
