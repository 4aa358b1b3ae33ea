"""Search keys for Vietnamese text: match with or without diacritics."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, without tones and marks (``đ`` → ``d``): "Ủy ban Nhân dân" → "uy ban nhan dan"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
