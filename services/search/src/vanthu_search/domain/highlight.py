"""Highlighted snippets, the same for every backend: the words of a field that match a clause, exactly or folded,
marked as spans of a window of the field's text (so a query without diacritics marks "Quyết định" in the text)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from vanthu_core.text import D_LOOK_ALIKES, fold
from vanthu_search.domain.model import Highlight, IndexedDocument, Span
from vanthu_search.domain.query import WORD, Clause

#: Characters of text shown around the first match of a long field.
WINDOW = 180
#: A file's text is looked through for its snippet up to here (a 2,000,000-character text cost 40 ms a hit).
SCAN_CHARS = 100_000
#: Each word's folded form, remembered: Vietnamese writes a few thousand syllables over and over, and folding each
#: word of every hit was the larger part of a page's snippets.
_fold_word = lru_cache(maxsize=1 << 16)(fold)


def _letter_classes() -> dict[str, str]:
    """Each folded letter → every Latin letter that folds to it (``d`` → d D đ Đ ð Ð …, ``a`` → a A á à ả ã ạ ă …)."""
    letters = [*map(chr, range(0x20, 0x250)), *map(chr, range(0x1D00, 0x1DC0)), *map(chr, range(0x1E00, 0x1F00)),
               *map(chr, range(0xA720, 0xA800)), *D_LOOK_ALIKES]
    classes: dict[str, set[str]] = {}
    for letter in letters:
        folded = fold(letter)
        if len(folded) == 1:
            classes.setdefault(folded, {folded}).add(letter)
    return {key: "".join(sorted(members)) for key, members in classes.items()}


_CLASSES = _letter_classes()
#: Combining marks a text not in NFC may carry after a letter (fold drops them).
_MARKS = "[\u0300-\u036f]*"


@lru_cache(maxsize=256)
def _somewhere(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern finding any of the folded ``words`` inside a text as written (diacritics, case, đ's look-alikes),
    as a substring: where no word of a field can match, the field is skipped at the regular expression engine's
    speed instead of folding its every word (a 40,000-character text without the word cost 3 ms a hit)."""
    return re.compile("|".join("".join(("[" + re.escape(_CLASSES[c]) + "]" if c in _CLASSES else re.escape(c)) + _MARKS
                                       for c in word) for word in sorted(set(words), key=len, reverse=True)))


def _matches(text: str, clauses: Sequence[Clause]) -> Iterator[tuple[int, int]]:
    """The matching words of ``text``, in order, as ``(start, end)``: found lazily, so a long text is read only as far
    as its snippet needs, and from the first place one of the words appears in it."""
    wanted = {w for c in clauses for w in c.folded}
    prefixes = tuple(c.folded[-1] for c in clauses if c.symbol)
    first = _somewhere(tuple(wanted)).search(text)
    if first is None:
        return
    begin = max(text.rfind(" ", 0, first.start()), text.rfind("\n", 0, first.start()),
                text.rfind("\t", 0, first.start())) + 1  # a word starts there or later
    for match in WORD.finditer(text, begin):
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
    end = min(len(text), max(start + window, first[1]))  # the first match whole, even after the step back
    spans = [Span(first[0] - start, first[1] - start)] if first[1] <= end else []
    for a, b in found:
        if b > end:
            break
        spans.append(Span(a - start, b - start))
    return Highlight(field, text[start:end], tuple(spans))


def highlights(doc: IndexedDocument, clauses: Sequence[Clause]) -> tuple[Highlight, ...]:
    """The snippets of a hit: its number and symbol, summary and files' text, those that match. The summary (trích
    yếu) comes whole, however long: the results list shows it as the hit's title, and a title cut at a window dropped
    its start ("…phí sửa chữa đường" for "V/v đề nghị hỗ trợ kinh phí sửa chữa đường…")."""
    if not clauses:
        return ()
    found = (highlight("number_symbol", doc.number_symbol, clauses),
             highlight("abstract", doc.abstract, clauses, window=max(WINDOW, len(doc.abstract))),
             highlight("content", doc.content[:SCAN_CHARS], clauses))
    return tuple(h for h in found if h is not None)
