"""The OpenSearch adapter against recorded request/response contracts (``opensearch_contract.json``), NOT against a
running OpenSearch: no package runs OpenSearch without Docker on this machine. The contract holds the requests the
adapter must send (index creation with the analyzers matching the shared normaliser and the alias, bulk bodies,
search bodies with the access filter, clauses and facet aggregations, the alias swap) and OpenSearch's answers in
the shape its REST API documents (search hits with ``_source``, ``total.value``, terms aggregation buckets). The same
behaviour suite as Tantivy's (``test_search_behaviour.py``) runs against a real OpenSearch whenever
VANTHU_TEST_OPENSEARCH_URL points at one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vanthu_search.backends.opensearch_backend import OpenSearchBackend
from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import Caller, Filters, IndexedDocument
from vanthu_search.domain.query import parse

pytestmark = pytest.mark.unit
CONTRACT = json.loads((Path(__file__).parent / "opensearch_contract.json").read_text(encoding="utf-8"))
AGENCY = "000.00.00.H61"


class RecordingClient:
    """opensearch-py's client surface the adapter uses: records each call, answers from the contract."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers = answers
        self.indices = self

    def _call(self, method: str, /, **kwargs: Any) -> Any:
        self.calls.append((method, kwargs))
        return self.answers.get(method, {})

    def exists_alias(self, **kwargs: Any) -> Any:
        return self._call("exists_alias", **kwargs)

    def create(self, **kwargs: Any) -> Any:
        return self._call("create", **kwargs)

    def get_alias(self, **kwargs: Any) -> Any:
        return self._call("get_alias", **kwargs)

    def update_aliases(self, **kwargs: Any) -> Any:
        return self._call("update_aliases", **kwargs)

    def bulk(self, **kwargs: Any) -> Any:
        return self._call("bulk", **kwargs)

    def delete(self, **kwargs: Any) -> Any:
        return self._call("delete", **kwargs)

    def search(self, **kwargs: Any) -> Any:
        return self._call("search", **kwargs)

    def close(self) -> None:
        pass


def test_the_index_is_created_behind_its_alias_with_the_normalisers_analyzers() -> None:
    client = RecordingClient({"exists_alias": False})
    OpenSearchBackend(client, alias="vanthu-documents").ensure_index()
    assert client.calls[1] == ("create", CONTRACT["create_index"])
    analyzers = CONTRACT["create_index"]["body"]["settings"]["analysis"]
    assert analyzers["filter"]["vi_ascii_folding"] == {"type": "asciifolding", "preserve_original": True}
    assert analyzers["analyzer"]["vi_exact"]["tokenizer"] == "icu_tokenizer"


def test_a_rebuilt_index_replaces_the_old_one_by_moving_the_alias_in_one_request() -> None:
    client = RecordingClient({"get_alias": {"vanthu-documents-v1": {"aliases": {"vanthu-documents": {}}}}})
    OpenSearchBackend(client, alias="vanthu-documents").swap("vanthu-documents-v2")
    assert client.calls[-1] == ("update_aliases", CONTRACT["swap_alias"])


def test_documents_go_in_one_bulk_request_with_exact_and_folded_fields() -> None:
    client = RecordingClient({"bulk": {"errors": False, "items": []}})
    OpenSearchBackend(client).upsert([IndexedDocument(
        id="d1", agency_code=AGENCY, audience=("role:clerk", "unit:VP"), direction="incoming", status="registered",
        type_code="CV", number_symbol="123/QĐ-UBND", abstract="Về việc phòng, chống dịch bệnh",
        issuing_agency_code="000.00.02.H61", document_date="2025-03-12", content="Đề nghị các đơn vị")])
    assert client.calls == [("exists_alias", {"name": "vanthu-documents-building"}), ("bulk", CONTRACT["bulk"])]


def test_a_refused_document_in_a_bulk_answer_is_an_error() -> None:
    client = RecordingClient({"bulk": CONTRACT["bulk_refused_answer"]})
    with pytest.raises(RuntimeError, match="refused 1 of 1"):
        OpenSearchBackend(client).upsert([IndexedDocument(id="d1", agency_code=AGENCY, audience=("*",))])


def test_a_search_sends_the_access_filter_clauses_and_facets_and_reads_the_answer() -> None:
    client = RecordingClient({"search": CONTRACT["search_answer"]})
    caller = Caller(AGENCY, principals_of("sub-1", ["officer"], ["VP"]))
    result = OpenSearchBackend(client).search(caller, parse('quyet dinh "phòng chống" 123/QĐ'),
                                              Filters(type_code="QD", year=2025), sort="relevance", offset=20,
                                              limit=10)
    assert client.calls == [("search", CONTRACT["search"])]
    assert result.total == 31
    assert [h.document.id for h in result.hits] == ["d01"]
    assert result.hits[0].highlights[0].field == "number_symbol"
    assert {f.value: f.count for f in result.facets["year"]} == {"2025": 30, "2024": 1}


def test_a_caller_without_principals_is_answered_without_asking_opensearch() -> None:
    client = RecordingClient({})
    result = OpenSearchBackend(client).search(Caller(AGENCY, frozenset()), parse("x"), Filters(), sort="date",
                                              offset=0, limit=10)
    assert result.total == 0 and client.calls == []


DOC = IndexedDocument(id="d1", agency_code=AGENCY, audience=("*",), abstract="Về việc đôn đốc thực hiện")
BUILDING = "vanthu-documents-v1-20261130t114500"


def test_a_reindex_builds_a_new_index_marked_as_building_and_resumes_it_while_still_marked() -> None:
    client = RecordingClient({"exists_alias": False})
    assert OpenSearchBackend(client).begin_build("", stamp="20261130T114500") == BUILDING
    [(method, request)] = client.calls
    assert (method, request["index"]) == ("create", BUILDING)
    assert request["body"]["aliases"] == {"vanthu-documents-building": {}}  # not the alias searches read
    assert request["body"]["mappings"] == CONTRACT["create_index"]["body"]["mappings"]
    resumed = RecordingClient({"exists_alias": True})
    assert OpenSearchBackend(resumed).begin_build(BUILDING, stamp="20261201t080000") == BUILDING
    assert resumed.calls == [("exists_alias", {"name": "vanthu-documents-building", "index": BUILDING})]


def test_while_a_reindex_builds_the_service_writes_each_change_to_both_indexes_and_the_build_only_to_its_own(
        ) -> None:
    client = RecordingClient({"exists_alias": True, "get_alias": {BUILDING: {"aliases": {}}},
                              "bulk": {"errors": False, "items": []}})
    service = OpenSearchBackend(client)
    service.upsert([DOC])
    bulk = client.calls[-1][1]["body"]
    assert [line["index"]["_index"] for line in bulk[::2]] == ["vanthu-documents", BUILDING]
    assert bulk[1] == bulk[3]  # the same document in both
    client.calls.clear()
    service.delete(AGENCY, "d1")
    assert [c[1]["index"] for c in client.calls if c[0] == "delete"] == ["vanthu-documents", BUILDING]
    build = RecordingClient({"bulk": {"errors": False, "items": []}})
    builder = OpenSearchBackend(build).for_build(BUILDING)
    builder.upsert([DOC])
    assert [c[0] for c in build.calls] == ["bulk"]  # no alias asked: the build writes its index alone
    assert [line["index"]["_index"] for line in build.calls[0][1]["body"][::2]] == [BUILDING]


def test_publishing_moves_the_alias_and_drops_the_building_mark_in_one_request() -> None:
    client = RecordingClient({"get_alias": {"vanthu-documents-v1": {"aliases": {"vanthu-documents": {}}}}})
    OpenSearchBackend(client).publish(BUILDING)
    assert client.calls[-1] == ("update_aliases", {"body": {"actions": [
        {"remove": {"index": "vanthu-documents-v1", "alias": "vanthu-documents"}},
        {"add": {"index": BUILDING, "alias": "vanthu-documents"}},
        {"remove": {"index": BUILDING, "alias": "vanthu-documents-building"}}]}})
