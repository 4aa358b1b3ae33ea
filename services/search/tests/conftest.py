"""Fixtures of the search suite: the relevance set, a backend (Tantivy always; a real OpenSearch when
VANTHU_TEST_OPENSEARCH_URL points at one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from vanthu_search.backends.base import Backend
from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.domain.model import IndexedDocument

HERE = Path(__file__).parent
RELEVANCE = yaml.safe_load((HERE / "relevance.yaml").read_text(encoding="utf-8"))
AGENCY = "000.00.00.H61"


def relevance_documents() -> list[IndexedDocument]:
    return [IndexedDocument(id=d["id"], agency_code=AGENCY, audience=("*",), direction=d["dir"], status="issued",
                            type_code=d["type"], number_symbol=d["symbol"], abstract=d["abstract"],
                            issuing_agency_code=d["from"], document_date=str(d["date"]))
            for d in RELEVANCE["documents"]]


def _opensearch(alias: str) -> Any:
    url = os.environ.get("VANTHU_TEST_OPENSEARCH_URL", "")
    if not url:
        pytest.skip("VANTHU_TEST_OPENSEARCH_URL is not set: the behaviour suite runs on a real OpenSearch only when "
                    "it points at one (its adapter is tested against recorded contracts otherwise)")
    from vanthu_search.backends.opensearch_backend import OpenSearchBackend

    return OpenSearchBackend.connect(url, alias=alias)


@pytest.fixture(params=["tantivy", "opensearch"])
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of empty backends of the parametrised kind (closed after the test)."""
    made: list[Backend] = []

    def make() -> Backend:
        if request.param == "tantivy":
            backend: Backend = TantivyBackend(tmp_path / f"index-{len(made)}")
        else:
            backend = _opensearch(f"vanthu-test-{uuid.uuid4().hex[:8]}")
        made.append(backend)
        return backend

    yield make
    for backend in made:
        if backend.name == "opensearch":
            backend.client.indices.delete(index=backend.index_name)  # type: ignore[attr-defined]
        backend.close()
