from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class SearchSettings(ServiceSettings):
    """``VANTHU_SEARCH_*``.

    The index is derived data (issue 15): fed by the registry's document events, rebuilt at will with
    ``vanthu-search reindex``. ``backend=tantivy`` (the embedded default) keeps it on disk in ``index_dir``;
    ``backend=opensearch`` (scale mode) writes to ``opensearch_url`` through the alias ``opensearch_alias``.
    """

    model_config = SettingsConfigDict(env_prefix="VANTHU_SEARCH_", extra="ignore")

    grpc_port: int = 50058
    backend: Literal["tantivy", "opensearch"] = "tantivy"
    #: Tantivy's index and the OCR results (per file, per page, with Tesseract's confidence).
    index_dir: str = "var/search/index"
    ocr_dir: str = "var/search/ocr"
    #: Where ``reindex`` notes how far it got (it resumes from there); empty: ``reindex.state`` in ``ocr_dir``.
    reindex_state_file: str = ""
    opensearch_url: str = ""
    opensearch_alias: str = "vanthu-documents"
    #: The registry (host:port): each event's document is read from it; empty: nothing is indexed from events.
    registry_target: str = ""
    #: The storage service (host:port): the files' text is read from it; empty: metadata only.
    storage_target: str = ""
    #: Largest file whose text is extracted (bigger ones are indexed by their metadata only).
    max_file_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    #: At most this many characters of a document's files' text are indexed.
    max_text_chars: int = Field(default=2_000_000, gt=0)
    #: OCR: Tesseract's languages, how many pages at once, the rendering resolution.
    ocr_enabled: bool = True
    ocr_languages: str = "vie"
    ocr_concurrency: int = Field(default=1, ge=1, le=16)
    ocr_dpi: int = Field(default=200, ge=72, le=600)
    #: A PDF page with fewer extracted characters than this is taken for a scan and sent to OCR.
    ocr_min_chars: int = Field(default=20, ge=0)
    #: The registry's document events are indexed in batches of up to this many (their documents read together, one
    #: index commit for all: a commit costs as much as a batch of 50 documents); 1: one event at a time.
    batch_size: int = Field(default=64, ge=1, le=256)
    #: Milliseconds a batch waits for more events after its first (a lone event waits this long).
    batch_wait_ms: int = Field(default=20, ge=1, le=5000)
    #: How long the caller's units (from the registry's directory) are remembered, seconds.
    principals_ttl_s: float = Field(default=30.0, ge=0, le=3600)
