"""Highlighted snippets, the same for every backend: the words of a field that match a clause, exactly or folded,
marked as spans of a window of the field's text (so a query without diacritics marks "Quyết định" in the text)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from vanthu_core.text import fold
from vanthu_search.domain.model import Highlight, IndexedDocument, Span
from vanthu_search.domain.query import WORD, Clause

#: Characters of text shown around the first match of a long field.
WINDOW = 180
#: Each word's folded form, remembered: Vietnamese writes a few thousand syllables over and over, and folding each
#: word of every hit was the larger part of a page's snippets.
_fold_word = lru_cache(maxsize=1 << 16)(fold)


def _matches(text: str, clauses: Sequence[Clause]) -> Iterator[tuple[int, int]]:
    """The matching words of ``text``, in order, as ``(start, end)``: found lazily, so a long text is read only as far
    as its snippet needs (each word is folded: reading a whole file's text for every hit cost milliseconds)."""
    wanted = {w for c in clauses for w in c.folded}
    prefixes = tuple(c.folded[-1] for c in clauses if c.symbol)
    for match in WORD.finditer(text):
        key = _fold_word(match.group())
        if key in wanted or (prefixes and key.startswith(prefixes)):
            yield match.start(), match.end()


def highlight(field: str, text: str, clauses: Sequence[Clause], window: int = WINDOW) -> Highlight | None:
    """The part of ``text`` around its first match, with every match in it as a span; None without a match."""
    found = _matches(text, clauses)
    first = next(found, None)
    if first is None:
        return None
    start = 0
    if len(text) > window:
        start = max(0, min(first[0] - window // 3, len(text) - window))
        while start > 0 and not text[start - 1].isspace():  # begin at a word
            start -= 1
    end = min(len(text), start + window)
    spans = [Span(first[0] - start, first[1] - start)] if first[1] <= end else []
    for a, b in found:
        if b > end:
            break
        spans.append(Span(a - start, b - start))
    return Highlight(field, text[start:end], tuple(spans))


def highlights(doc: IndexedDocument, clauses: Sequence[Clause]) -> tuple[Highlight, ...]:
    """The snippets of a hit: its number and symbol, summary and files' text, those that match."""
    if not clauses:
        return ()
    found = (highlight("number_symbol", doc.number_symbol, clauses), highlight("abstract", doc.abstract, clauses),
             highlight("content", doc.content, clauses))
    return tuple(h for h in found if h is not None)
