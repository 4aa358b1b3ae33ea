"""Reading what a person typed into a search box: words, "quoted phrases", numbers and symbols (``123/QĐ``).

Nothing typed is ever handed to an engine's query parser: the text is cut into clauses here and each backend builds
its query from them, so operators of a query language (``AND``, ``field:value``, ``*``, ``~``, brackets) are plain
words to look for ("syntax injection" finds those words or nothing). An unbalanced quote closes at the end of the
text. Every clause must match (AND); within a clause the exact (with diacritics) form ranks above the folded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vanthu_core.errors import InvalidArgument
from vanthu_core.text import clean_text, fold

#: Longest query text accepted (characters, after NFC), and most clauses taken from it.
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 16
#: A word as the index cuts text: letters and digits (Unicode), nothing else; tokens longer than this are dropped
#: by the engines (Tantivy's default tokenizer keeps tokens under 40 bytes).
WORD = re.compile(r"[^\W_]+")
MAX_TOKEN_BYTES = 39
_QUOTED = re.compile(r'"([^"]*)"?')


@dataclass(frozen=True)
class Clause:
    """One thing to find. ``words``: its words as typed, lower case (NFC); ``folded``: the same folded
    (:func:`vanthu_core.text.fold`). ``phrase``: the words must stand next to each other, in order. ``symbol``: the
    clause as typed (lower case, folded) when it looks like a number or symbol (``123/qd``), matched also as the
    beginning of a document's number and symbol; empty otherwise."""

    words: tuple[str, ...]
    folded: tuple[str, ...]
    phrase: bool
    symbol: str = ""


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the index cuts them, lower case (tokens too long for the engines dropped)."""
    return [w for w in WORD.findall(text.lower()) if len(w.encode("utf-8")) <= MAX_TOKEN_BYTES]


def _clause(raw: str, phrase: bool) -> Clause | None:
    words = tokens(raw)
    if not words:
        return None
    folded = tuple(fold(w) for w in words)
    symbolic = any(ch.isdigit() for ch in raw) or "/" in raw
    symbol = fold(raw.strip().lower()) if symbolic and not phrase else ""
    return Clause(tuple(words), folded, phrase or len(words) > 1, symbol)


def parse(query: str) -> list[Clause]:
    """The clauses of ``query`` (empty list for a query without words). Raise :class:`InvalidArgument` (field
    ``query``) for text over :data:`MAX_QUERY_CHARS` characters or with control characters."""
    text = clean_text("query", query, max_len=MAX_QUERY_CHARS, required=False)
    clauses: list[Clause] = []
    position = 0
    for match in _QUOTED.finditer(text):
        clauses.extend(c for part in text[position:match.start()].split() if (c := _clause(part, False)))
        if (quoted := _clause(match.group(1), True)) is not None:
            clauses.append(quoted)
        position = match.end()
    clauses.extend(c for part in text[position:].split() if (c := _clause(part, False)))
    unique = list(dict.fromkeys(clauses))
    if len(unique) > MAX_CLAUSES:
        raise InvalidArgument("query", f"có {len(unique)} từ hoặc cụm từ; mỗi lần chỉ tìm tối đa {MAX_CLAUSES}: hãy "
                                       "bớt từ khóa.")
    return unique
