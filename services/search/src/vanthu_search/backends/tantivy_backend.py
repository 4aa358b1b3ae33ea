"""The embedded index: Tantivy on disk (``VANTHU_SEARCH_INDEX_DIR``, under ``var/search`` in ``make dev``).

Text is indexed twice, as written (NFC; Tantivy's default tokenizer: letters and digits, lower case) and folded
(:func:`vanthu_core.text.fold`: no tones, đ → d), for the metadata and for the files' text; a clause matches either
form, the exact one weighing more. The number and symbol is kept whole and folded too, for prefix matches
(``123/qd`` finds ``123/QĐ-UBND``). Filters and facets use raw fast fields; the access filter (agency and
audience) is part of every query, so counts and facets never see what the caller may not open.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from vanthu_core.text import fold
from vanthu_search.backends.base import EXACT_CONTENT, EXACT_META, FOLDED_CONTENT, FOLDED_META, SYMBOL
from vanthu_search.domain.highlight import highlights
from vanthu_search.domain.model import FACETS, Caller, FacetCount, Filters, Hit, IndexedDocument, Result
from vanthu_search.domain.query import Clause

#: Bumped when the schema changes: an index of another version is rebuilt (``vanthu-search reindex``).
SCHEMA_VERSION = 1
_RAW = ("id", "key", "agency", "audience", "type_code", "issuing_agency_code", "direction", "status", "symbol")
#: Facet buckets returned per facet.
FACET_SIZE = 50
_AGGREGATIONS = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACETS}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in _RAW:
        builder.add_text_field(name, stored=name in ("id", "agency"), tokenizer_name="raw",
                               fast=name in FACETS, index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("date", indexed=True, fast=True)
    for name in ("meta_exact", "meta_folded", "content_exact", "content_folded"):
        builder.add_text_field(name, stored=False, tokenizer_name="default", index_option="position")
    builder.add_text_field("source", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _key(agency_code: str, document_id: str) -> str:
    return f"{agency_code}\x1f{document_id}"


def _to_source(doc: IndexedDocument) -> str:
    return json.dumps({**doc.__dict__, "audience": list(doc.audience)}, ensure_ascii=False)


def _from_source(source: str) -> IndexedDocument:
    data = json.loads(source)
    data["audience"] = tuple(data["audience"])
    return IndexedDocument(**data)


class TantivyBackend:
    name = "tantivy"

    def __init__(self, directory: Path | str, *, writer_heap_bytes: int = 50_000_000, writable: bool = True) -> None:
        """Open (or create) the index in ``directory``; ``writable=False``: read only, no writer (whose lock file
        allows one per index), for reading an index another process writes or wrote."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        version = path / "vanthu-schema-version"
        if version.exists() and version.read_text().strip() != str(SCHEMA_VERSION):
            raise RuntimeError(f"the index in {path} is of schema {version.read_text().strip()}, this service writes "
                               f"{SCHEMA_VERSION}: remove the directory and run `vanthu-search reindex`")
        self.directory = path
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        self._writer: Any = None
        if writable:
            version.write_text(str(SCHEMA_VERSION))
            self._writer = self.index.writer(heap_size=writer_heap_bytes, num_threads=1)
        self._lock = threading.Lock()
        self._prefixes: dict[str, tantivy.Query] = {}
        self._facets = ThreadPoolExecutor(max_workers=4, thread_name_prefix="search-facets")

    # -- writing -------------------------------------------------------------------------------------------------
    def _document(self, doc: IndexedDocument) -> tantivy.Document:
        meta, content = doc.metadata_text, doc.content
        return tantivy.Document(
            id=doc.id, key=_key(doc.agency_code, doc.id), agency=doc.agency_code, audience=list(doc.audience),
            type_code=doc.type_code, issuing_agency_code=doc.issuing_agency_code, direction=doc.direction,
            status=doc.status, symbol=fold(doc.number_symbol.lower()), year=doc.year, date=doc.date_key,
            meta_exact=meta, meta_folded=fold(meta), content_exact=content, content_folded=fold(content),
            source=_to_source(doc))

    def _writing(self) -> Any:
        if self._writer is None:
            raise RuntimeError(f"the index in {self.directory} is open read only")
        return self._writer

    def upsert(self, documents: Sequence[IndexedDocument]) -> None:
        if not documents:
            return
        with self._lock:
            writer = self._writing()
            for doc in documents:
                writer.delete_documents_by_term("key", _key(doc.agency_code, doc.id))
                writer.add_document(self._document(doc))
            writer.commit()
        self.index.reload()

    def delete(self, agency_code: str, document_id: str) -> None:
        with self._lock:
            writer = self._writing()
            writer.delete_documents_by_term("key", _key(agency_code, document_id))
            writer.commit()
        self.index.reload()

    # -- reading -------------------------------------------------------------------------------------------------
    def _term(self, field: str, value: Any) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field, value)

    def _words(self, field: str, words: Sequence[str]) -> tantivy.Query:
        if len(words) == 1:
            return self._term(field, words[0])
        return tantivy.Query.phrase_query(self.schema, field, list(words))

    def _prefix(self, symbol: str) -> tantivy.Query:
        """The symbols beginning with ``symbol``: a regular expression (its automaton costs 0.2–9 ms to build, so the
        query is kept for the next search; Tantivy's phrase-prefix query would stop at 50 symbols)."""
        query = self._prefixes.get(symbol)
        if query is None:
            if len(self._prefixes) >= 1024:
                self._prefixes.clear()
            query = self._prefixes[symbol] = tantivy.Query.regex_query(self.schema, "symbol",
                                                                       re.escape(symbol) + ".*")
        return query

    def _clause(self, clause: Clause, *, match_only: bool = False) -> tantivy.Query:
        """Either form of the clause, the exact one weighing more. ``match_only`` (counting and facets, where no score
        is kept): the folded forms alone, which match whatever the exact ones match (fold is applied to both sides),
        at half the phrase work. A phrase (several words) must match folded, as a phrase; its exact forms only add to
        the score, as words (no positions: checking the phrase again in the exact fields was a third of its cost)."""
        folded = [
            tantivy.Query.boost_query(self._words("meta_folded", clause.folded), FOLDED_META),
            tantivy.Query.boost_query(self._words("content_folded", clause.folded), FOLDED_CONTENT)]
        if clause.symbol:
            folded.append(tantivy.Query.boost_query(self._prefix(clause.symbol), SYMBOL))
        if match_only:
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in folded])
        exact = [tantivy.Query.boost_query(self._all_words("meta_exact", clause.words), EXACT_META),
                 tantivy.Query.boost_query(self._all_words("content_exact", clause.words), EXACT_CONTENT)]
        if len(clause.words) == 1:
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in exact + folded])
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in folded]))]
            + [(tantivy.Occur.Should, q) for q in exact])

    def _all_words(self, field: str, words: Sequence[str]) -> tantivy.Query:
        if len(words) == 1:
            return self._term(field, words[0])
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, self._term(field, w)) for w in words])

    def _query(self, caller: Caller, clauses: Sequence[Clause], filters: Filters, *,
               match_only: bool = False) -> tantivy.Query:
        audience = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, self._term("audience", p)) for p in sorted(caller.principals)])
        must = [self._term("agency", caller.agency_code), audience]
        for field in ("type_code", "issuing_agency_code", "direction", "status"):
            if value := getattr(filters, field):
                must.append(self._term(field, value))
        if filters.year:
            must.append(self._term("year", filters.year))
        must.extend(self._clause(c, match_only=match_only) for c in clauses)
        scored = [(tantivy.Occur.Must, q) for q in must]
        return tantivy.Query.boolean_query(scored)

    def search(self, caller: Caller, clauses: Sequence[Clause], filters: Filters, *, sort: str, offset: int,
               limit: int, facets: bool = True) -> Result:
        if not caller.principals:
            return Result([], 0, {})
        query = self._query(caller, clauses, filters)
        searcher = self.index.searcher()
        # the facets are counted in another thread meanwhile (Tantivy releases the GIL while it searches)
        facets_future = self._facets.submit(searcher.aggregate, self._query(caller, clauses, filters, match_only=True),
                                            _AGGREGATIONS) if facets else None
        if sort == "date" or not clauses:
            found = searcher.search(query, limit=limit, count=True, order_by_field="date", offset=offset,
                                    order=tantivy.Order.Desc)
        else:
            found = searcher.search(query, limit=limit, count=True, offset=offset)
        hits = []
        for key, address in found.hits:
            doc = _from_source(searcher.doc(address)["source"][0])
            score = float(key) if sort != "date" and clauses else 0.0
            hits.append(Hit(doc, score, highlights(doc, clauses)))
        if facets_future is None:
            return Result(hits, int(getattr(found, "count", 0) or 0), {})
        aggregations = facets_future.result()
        counted = {name: [FacetCount(str(int(b["key"])) if isinstance(b["key"], float) else str(b["key"]),
                                    int(b["doc_count"]))
                         for b in aggregations.get(name, {}).get("buckets", []) if b["key"] not in ("", 0, 0.0)]
                  for name in FACETS}
        return Result(hits, int(getattr(found, "count", 0) or 0), counted)

    def get(self, agency_code: str, document_id: str) -> IndexedDocument | None:
        searcher = self.index.searcher()
        found = searcher.search(self._term("key", _key(agency_code, document_id)), limit=1)
        if not found.hits:
            return None
        return _from_source(searcher.doc(found.hits[0][1])["source"][0])

    def count(self) -> int:
        return int(self.index.searcher().num_docs)

    def release_writer(self) -> None:
        """Give up writing (its merges finished, the writer's lock released); searches go on."""
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    def close(self) -> None:
        self._facets.shutdown(wait=True)
        self.release_writer()
