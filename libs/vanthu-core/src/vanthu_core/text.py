"""Vietnamese text is data: NFC-normalise on the way in, never strip diacritics."""

from __future__ import annotations

import unicodedata

from vanthu_core.errors import InvalidArgument


def nfc(value: str) -> str:
    """Return ``value`` in Unicode NFC (precomposed: "ễ" is one code point, as Vietnamese expects)."""
    return unicodedata.normalize("NFC", value)


def clean_text(field: str, value: str, *, max_len: int, required: bool = True, strip: bool = True) -> str:
    """NFC-normalise, trim surrounding blanks and check length; raise :class:`InvalidArgument` naming ``field``."""
    if not isinstance(value, str):
        raise InvalidArgument(field, "must be text")
    text = nfc(value.strip() if strip else value)
    if required and not text:
        raise InvalidArgument(field, "is required")
    if len(text) > max_len:
        raise InvalidArgument(field, f"is {len(text)} characters long; at most {max_len} are accepted")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidArgument(field, "contains control characters")
    return text
