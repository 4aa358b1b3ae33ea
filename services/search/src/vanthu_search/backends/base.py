from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vanthu_search.domain.model import Caller, Filters, IndexedDocument, Result
from vanthu_search.domain.query import Clause

#: Boosts: a match with the query's own diacritics weighs more than a folded one, the metadata more than the files'
#: text, and the beginning of a number and symbol most.
EXACT_META, EXACT_CONTENT, FOLDED_META, FOLDED_CONTENT, SYMBOL = 8.0, 4.0, 2.0, 1.0, 16.0


class Backend(Protocol):
    """An index of documents. Methods are blocking (the service calls them in a worker thread)."""

    name: str

    def upsert(self, documents: Sequence[IndexedDocument]) -> None:
        """Add or replace (by id) and make them searchable before returning."""

    def delete(self, agency_code: str, document_id: str) -> None: ...

    def search(self, caller: Caller, clauses: Sequence[Clause], filters: Filters, *, sort: str, offset: int,
               limit: int, facets: bool = True) -> Result:
        """The documents of ``caller.agency_code`` whose audience holds one of ``caller.principals`` and that match
        every clause and filter; ``total`` and facets count exactly those. ``facets=False`` (a cursor's next pages:
        the first page gave them): no facet is counted, ``Result.facets`` is empty."""
        ...

    def get(self, agency_code: str, document_id: str) -> IndexedDocument | None: ...

    def count(self) -> int: ...

    def close(self) -> None: ...
