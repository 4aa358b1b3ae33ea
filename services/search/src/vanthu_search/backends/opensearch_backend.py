"""Scale mode: OpenSearch through ``opensearch-py``.

The index is reached by an alias (``VANTHU_SEARCH_OPENSEARCH_ALIAS``) over a versioned index
(``<alias>-v<SCHEMA_VERSION>``), so a rebuilt index replaces the old one by moving the alias (no downtime,
:meth:`OpenSearchBackend.swap`). ``vanthu-search reindex`` builds a new index (:meth:`OpenSearchBackend.begin_build`)
marked by the alias ``<alias>-building`` while the service answers from the old one; meanwhile the service writes
each change to both, so the new index misses nothing, and :meth:`OpenSearchBackend.publish` moves the alias and
drops the mark in one request. The mapping mirrors Tantivy's fields; its analyzers match the shared normaliser:
ICU tokenizer, ICU normaliser (NFC) and lowercase for the exact fields, and for the folded ones ASCII folding that
keeps the original token besides (the text sent there is already :func:`vanthu_core.text.fold`-ed, which also folds
đ and its look-alikes, something ASCII folding alone does not do for all of them). Queries are built from the
clauses of :mod:`vanthu_search.domain.query`, never from the user's text as query syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vanthu_core.text import fold
from vanthu_search.backends.base import EXACT_CONTENT, EXACT_META, FOLDED_CONTENT, FOLDED_META, SYMBOL
from vanthu_search.domain.highlight import highlights
from vanthu_search.domain.model import FACETS, Caller, FacetCount, Filters, Hit, IndexedDocument, Result
from vanthu_search.domain.query import Clause

SCHEMA_VERSION = 1
FACET_SIZE = 50
_KEYWORDS = ("id", "agency", "audience", "type_code", "issuing_agency_code", "direction", "status", "symbol")

SETTINGS: dict[str, Any] = {
    "analysis": {
        "analyzer": {
            "vi_exact": {"type": "custom", "tokenizer": "icu_tokenizer",
                         "filter": ["icu_normalizer", "lowercase"]},
            "vi_folded": {"type": "custom", "tokenizer": "icu_tokenizer",
                          "filter": ["icu_normalizer", "lowercase", "vi_ascii_folding"]},
        },
        "filter": {"vi_ascii_folding": {"type": "asciifolding", "preserve_original": True}},
    },
}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        **{name: {"type": "keyword"} for name in _KEYWORDS},
        "year": {"type": "integer"},
        "date": {"type": "integer"},
        "meta_exact": {"type": "text", "analyzer": "vi_exact"},
        "meta_folded": {"type": "text", "analyzer": "vi_folded"},
        "content_exact": {"type": "text", "analyzer": "vi_exact"},
        "content_folded": {"type": "text", "analyzer": "vi_folded"},
        "source": {"type": "object", "enabled": False},
    },
}


def _key(agency_code: str, document_id: str) -> str:
    return f"{agency_code}:{document_id}"


def body_of(doc: IndexedDocument) -> dict[str, Any]:
    """The indexed form of a document (the same fields as Tantivy's)."""
    meta = doc.metadata_text
    return {"id": doc.id, "agency": doc.agency_code, "audience": list(doc.audience), "type_code": doc.type_code,
            "issuing_agency_code": doc.issuing_agency_code, "direction": doc.direction, "status": doc.status,
            "symbol": fold(doc.number_symbol.lower()), "year": doc.year, "date": doc.date_key,
            "meta_exact": meta, "meta_folded": fold(meta), "content_exact": doc.content,
            "content_folded": fold(doc.content), "source": {**doc.__dict__, "audience": list(doc.audience)}}


def _words(field: str, words: Sequence[str], boost: float) -> dict[str, Any]:
    if len(words) == 1:
        return {"term": {field: {"value": words[0], "boost": boost}}}
    return {"match_phrase": {field: {"query": " ".join(words), "boost": boost}}}


def clause_query(clause: Clause) -> dict[str, Any]:
    should = [_words("meta_exact", clause.words, EXACT_META), _words("content_exact", clause.words, EXACT_CONTENT),
              _words("meta_folded", clause.folded, FOLDED_META),
              _words("content_folded", clause.folded, FOLDED_CONTENT)]
    if clause.symbol:
        should.append({"prefix": {"symbol": {"value": clause.symbol, "boost": SYMBOL}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def search_body(caller: Caller, clauses: Sequence[Clause], filters: Filters, *, sort: str, offset: int,
                limit: int, facets: bool = True) -> dict[str, Any]:
    """The request body of one search: the access filter and the filters as non-scoring filters, each clause a
    ``must``, the facets as terms aggregations over the same query."""
    filter_: list[dict[str, Any]] = [{"term": {"agency": caller.agency_code}},
                                     {"terms": {"audience": sorted(caller.principals)}}]
    for field in ("type_code", "issuing_agency_code", "direction", "status"):
        if value := getattr(filters, field):
            filter_.append({"term": {field: value}})
    if filters.year:
        filter_.append({"term": {"year": filters.year}})
    body: dict[str, Any] = {
        "query": {"bool": {"filter": filter_, "must": [clause_query(c) for c in clauses]}},
        "from": offset, "size": limit, "track_total_hits": True, "_source": ["source"],
        "aggs": {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACETS}}
    if not facets:
        del body["aggs"]
    if sort == "date" or not clauses:
        body["sort"] = [{"date": "desc"}, {"id": "asc"}]
    return body


def result_of(reply: dict[str, Any], clauses: Sequence[Clause]) -> Result:
    hits = []
    for found in reply["hits"]["hits"]:
        data = dict(found["_source"]["source"])
        data["audience"] = tuple(data["audience"])
        doc = IndexedDocument(**data)
        hits.append(Hit(doc, float(found.get("_score") or 0.0), highlights(doc, clauses)))
    facets = {name: [FacetCount(str(b["key"]), int(b["doc_count"]))
                     for b in reply.get("aggregations", {}).get(name, {}).get("buckets", []) if b["key"] not in ("", 0)]
              for name in FACETS}
    return Result(hits, int(reply["hits"]["total"]["value"]), facets)


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, client: Any, *, alias: str = "vanthu-documents", write_index: str = "") -> None:
        self.client = client
        self.alias = alias
        #: A reindex's backend writes only the index it builds (:meth:`for_build`); empty: the service's.
        self.write_index = write_index

    @property
    def building_alias(self) -> str:
        """The alias marking the index a reindex is building (at most one)."""
        return f"{self.alias}-building"

    def begin_build(self, resume: str = "", *, stamp: str) -> str:
        """The index a reindex fills: ``resume`` (a stopped run's) while it is still marked as building, else a new
        ``<alias>-v<SCHEMA_VERSION>-<stamp>`` (``stamp``: e.g. ``20261130t1145``, lower case) created with the
        mapping and the building mark. From then on the service writes every change to it as well."""
        if resume and self.client.indices.exists_alias(name=self.building_alias, index=resume):
            return resume
        name = f"{self.index_name}-{stamp}".lower()
        self.client.indices.create(index=name, body={"settings": SETTINGS, "mappings": MAPPINGS,
                                                     "aliases": {self.building_alias: {}}})
        return name

    def for_build(self, name: str) -> OpenSearchBackend:
        """This backend writing only the index ``name`` a reindex builds."""
        return OpenSearchBackend(self.client, alias=self.alias, write_index=name)

    def publish(self, name: str) -> None:
        """Point the alias at the built index ``name`` and drop the building mark, in one request (searches move
        from the old index to the new one at once; the old index is kept for the operator to delete)."""
        current = list(self.client.indices.get_alias(name=self.alias))
        actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": self.alias}} for old in current]
        actions += [{"add": {"index": name, "alias": self.alias}},
                    {"remove": {"index": name, "alias": self.building_alias}}]
        self.client.indices.update_aliases(body={"actions": actions})

    def _targets(self) -> list[str]:
        """Where a change goes: the index a reindex builds (its own backend), else the alias and, while a reindex
        builds one, that index too (asked at each write, so no change made during the build is missed)."""
        if self.write_index:
            return [self.write_index]
        if self.client.indices.exists_alias(name=self.building_alias):
            return [self.alias, *sorted(self.client.indices.get_alias(name=self.building_alias))]
        return [self.alias]

    @classmethod
    def connect(cls, url: str, *, alias: str) -> OpenSearchBackend:
        from opensearchpy import OpenSearch

        backend = cls(OpenSearch(hosts=[url], timeout=30), alias=alias)
        backend.ensure_index()
        return backend

    @property
    def index_name(self) -> str:
        return f"{self.alias}-v{SCHEMA_VERSION}"

    def ensure_index(self) -> None:
        """Create the versioned index and point the alias at it, unless the alias exists."""
        if self.client.indices.exists_alias(name=self.alias):
            return
        self.client.indices.create(index=self.index_name, body={"settings": SETTINGS, "mappings": MAPPINGS,
                                                                "aliases": {self.alias: {}}})

    def swap(self, new_index: str) -> None:
        """Point the alias at a rebuilt index, in one step (searches never see no index)."""
        current = list(self.client.indices.get_alias(name=self.alias))
        actions = [{"remove": {"index": old, "alias": self.alias}} for old in current]
        actions.append({"add": {"index": new_index, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})

    def upsert(self, documents: Sequence[IndexedDocument]) -> None:
        if not documents:
            return
        lines: list[dict[str, Any]] = []
        targets = self._targets()
        for doc in documents:
            body = body_of(doc)
            for target in targets:
                lines.append({"index": {"_index": target, "_id": _key(doc.agency_code, doc.id)}})
                lines.append(body)
        reply = self.client.bulk(body=lines, refresh="wait_for")
        if reply.get("errors"):
            failed = [item for item in reply["items"] if item.get("index", {}).get("error")]
            raise RuntimeError(f"OpenSearch refused {len(failed)} of {len(documents) * len(targets)} writes")

    def delete(self, agency_code: str, document_id: str) -> None:
        for target in self._targets():
            self.client.delete(index=target, id=_key(agency_code, document_id), refresh="wait_for",
                               params={"ignore": 404})

    def search(self, caller: Caller, clauses: Sequence[Clause], filters: Filters, *, sort: str, offset: int,
               limit: int, facets: bool = True) -> Result:
        if not caller.principals:
            return Result([], 0, {})
        body = search_body(caller, clauses, filters, sort=sort, offset=offset, limit=limit, facets=facets)
        return result_of(self.client.search(index=self.alias, body=body), clauses)

    def get(self, agency_code: str, document_id: str) -> IndexedDocument | None:
        reply = self.client.get(index=self.alias, id=_key(agency_code, document_id), params={"ignore": 404})
        if not reply.get("found"):
            return None
        data = dict(reply["_source"]["source"])
        data["audience"] = tuple(data["audience"])
        return IndexedDocument(**data)

    def count(self) -> int:
        return int(self.client.count(index=self.alias)["count"])

    def close(self) -> None:
        self.client.close()
