"""Vietnamese text is data: NFC-normalise on the way in, never strip diacritics from what is stored.

Search keys are the one exception: :func:`fold` is the one shared normaliser every search uses (the registry's
search keys today, the search service's index later), so a query with or without tones finds the same text.
"""

from __future__ import annotations

import re
import unicodedata

from vanthu_core.errors import InvalidArgument


def nfc(value: str) -> str:
    """Return ``value`` in Unicode NFC (precomposed: "ễ" is one code point, as Vietnamese expects)."""
    return unicodedata.normalize("NFC", value)


#: Bidirectional embedding, override and isolate controls: they reorder what a reader sees ("hop-dong\u202efdp.exe"
#: shows as "hop-dongexe.pdf"), and Vietnamese text never needs them (Unicode TR #36, "Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Unicode's control characters (category Cc: U+0000–U+001F and U+007F–U+009F) but newline and tab; one regular
#: expression instead of a category look-up per character (a national directory import checks 1 million fields).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Characters that show nothing: blanks (category Z, and what ``str.isspace`` takes) and the invisible format
#: characters (category Cf: zero-width space and joiners, word joiner, byte order mark, soft hyphen, …), and the
#: Hangul fillers fonts draw as blank. A required text made only of them reads as empty to everyone after.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0")


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has no visible character (empty, blanks, zero-width and other format characters only)."""
    return all(c.isspace() or c in _INVISIBLE_EXTRA or unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp")
               for c in text)


def clean_text(field: str, value: str, *, max_len: int, required: bool = True, strip: bool = True) -> str:
    """NFC-normalise, trim surrounding blanks and check length; refuse control characters (but newline and tab) and
    bidirectional controls; raise :class:`InvalidArgument` naming ``field``."""
    if not isinstance(value, str):
        raise InvalidArgument(field, "phải là văn bản (chuỗi ký tự).")
    text = nfc(value.strip() if strip else value)
    if required and shows_nothing(text):
        raise InvalidArgument(field, "chưa nhập: đây là thông tin bắt buộc (chỉ có khoảng trắng hoặc ký tự vô hình "
                                     "không tính là đã nhập)." if text else "chưa nhập: đây là thông tin bắt buộc.")
    if len(text) > max_len:
        raise InvalidArgument(field, f"dài {len(text)} ký tự; chỉ nhận tối đa {max_len} ký tự, hãy rút gọn.")
    if _CONTROLS.search(text):
        raise InvalidArgument(field, "có ký tự điều khiển: hãy xóa chúng (chỉ nhận xuống dòng và tab).")
    if not BIDI_CONTROLS.isdisjoint(text):
        raise InvalidArgument(field, "có ký tự điều khiển chiều chữ (U+202A–U+202E, U+2066–U+2069), làm người đọc "
                                     "thấy khác nội dung thật: hãy xóa chúng.")
    return text


#: Letters that look like đ/Đ or are typed for it (the Icelandic eth of keyboard layouts and fonts without Đ),
#: folded to ``d`` like đ itself: UTS #39's confusables for Đ (Ð, Ɖ), their lower cases, and the other Latin
#: d-shapes with a stroke, tail, tilde, hook or curl (Latin Extended-B, IPA, Phonetic Extensions, Extended-D).
D_LOOK_ALIKES = {
    "\u0110": "d",  # Đ LATIN CAPITAL LETTER D WITH STROKE (the Vietnamese letter)
    "\u0111": "d",  # đ LATIN SMALL LETTER D WITH STROKE (the Vietnamese letter)
    "\u00d0": "d",  # Ð LATIN CAPITAL LETTER ETH (identical glyph to Đ)
    "\u00f0": "d",  # ð LATIN SMALL LETTER ETH (the lower case of Ð)
    "\u0189": "d",  # Ɖ LATIN CAPITAL LETTER AFRICAN D (identical glyph to Đ)
    "\u0256": "d",  # ɖ LATIN SMALL LETTER D WITH TAIL (the lower case of Ɖ)
    "\u1d6d": "d",  # ᵭ LATIN SMALL LETTER D WITH MIDDLE TILDE
    "\u1d06": "d",  # ᴆ LATIN LETTER SMALL CAPITAL ETH
    "\u0257": "d",  # ɗ LATIN SMALL LETTER D WITH HOOK
    "\u018a": "d",  # Ɗ LATIN CAPITAL LETTER D WITH HOOK
    "\u1d81": "d",  # ᶁ LATIN SMALL LETTER D WITH PALATAL HOOK
    "\u1d91": "d",  # ᶑ LATIN SMALL LETTER D WITH HOOK AND TAIL
    "\u0221": "d",  # ȡ LATIN SMALL LETTER D WITH CURL
    "\ua7c7": "d",  # Ꟈ LATIN CAPITAL LETTER D WITH SHORT STROKE OVERLAY
    "\ua7c8": "d",  # ꟈ LATIN SMALL LETTER D WITH SHORT STROKE OVERLAY
}
_FOLD_TABLE = str.maketrans(D_LOOK_ALIKES)


def fold(text: str) -> str:
    """The search key of ``text``: lower case, without tones and marks, đ and its look-alikes → ``d``, blanks
    collapsed: "Ủy ban Nhân dân" → "uy ban nhan dan", "ÐỀ ÁN" (with an eth) → "de an".

    Composed and decomposed input fold alike (combining marks, strokes included, are dropped after NFD).
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def excerpt(value: str, max_chars: int = 200) -> str:
    """``value`` cut to at most ``max_chars`` characters (an ellipsis marks the cut), for messages that quote
    what a caller sent: an error never echoes unbounded input (issue 11, item 14)."""
    if len(value) <= max_chars:
        return value
    return value[: max(0, max_chars - 1)] + "…"


def clip_utf8(value: str, max_bytes: int) -> str:
    """``value`` cut so that its UTF-8 encoding is at most ``max_bytes`` bytes (at a character boundary, an
    ellipsis marking the cut): for what goes into size-limited places such as gRPC trailers."""
    encoded = value.encode("utf-8")
    if len(encoded) <= max_bytes:
        return value
    return encoded[: max(0, max_bytes - 3)].decode("utf-8", errors="ignore") + "…"


#: What cannot stand in a file name on the systems a clerk saves to (Windows' reserved characters, '/', controls and
#: white space), each run of them one '-'.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')


def symbol_file_name(number_symbol: str, suffix: str = ".pdf") -> str:
    """The file name an issued document's main file takes from its số, ký hiệu (Decree 30/2020 Appendix I, box 3):
    "15/QĐ-UBND" → "15-QĐ-UBND.pdf", "07/2026/TT-UBND" → "07-2026-TT-UBND.pdf" ('/' and whatever a file name
    cannot hold become '-'; Vietnamese letters are kept, in NFC). "" when the number is empty."""
    stem = _NOT_IN_FILE_NAMES.sub("-", nfc(number_symbol).strip()).strip("-.")
    return f"{stem}{suffix}" if stem else ""
