"""The file name of a multipart part, as browsers and .NET clients actually send it.

RFC 7578 §4.2 says a form's file name travels in ``filename`` (UTF-8 as is, in practice) and forbids the RFC 5987
``filename*`` form; .NET's ``MultipartFormDataContent`` sends both anyway — ``filename`` as an RFC 2047 encoded
word (``=?utf-8?B?…?=``) and ``filename*=utf-8''T%E1%BB%9D…`` — and other clients send only ``filename*``.
Receivers are liberal (RFC 9110 §5.5 robustness; RFC 6266 §4.3: "when both are present, prefer ``filename*``"):

1. ``filename*`` (RFC 8187 ext-value: ``charset'language'percent-encoded``, UTF-8 or ISO-8859-1; RFC 2231
   continuations ``filename*0*``, ``filename*1*``… joined), when present and decodable;
2. otherwise ``filename``: its bytes as UTF-8 (ISO-8859-1 if they are not UTF-8), and RFC 2047 encoded words in
   it decoded;
3. then NFC. The plain-name rules (no folders, no control characters, a length limit) are applied after
   decoding, by storage (``vanthu_storage.domain.content.check_file_name``), so an encoded ``/`` is refused
   like a plain one.
"""

from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from email.errors import HeaderParseError
from email.header import decode_header
from urllib.parse import quote, unquote_to_bytes

#: One ``; name=value`` parameter: a quoted string (with backslash escapes) or a token.
_PARAMETER = re.compile(rb';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', re.DOTALL)
_EXT_VALUE = re.compile(rb"^([A-Za-z0-9!#$%&+^_`{}~-]*)'[^']*'(.*)$", re.DOTALL)
_CONTINUATION = re.compile(rb"^filename\*(\d{1,3})(\*?)$")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)\s+(?==\?[^?\s]+\?[BbQq]\?)")
#: Character sets RFC 8187 requires a recipient to support (and the only ones accepted here).
_EXT_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1"}


def parameters(header: bytes) -> dict[bytes, bytes]:
    """The parameters of a ``Content-Disposition`` value (names lower-cased, quotes and escapes removed)."""
    found: dict[bytes, bytes] = {}
    for match in _PARAMETER.finditer(header):
        name, value = match.group(1).lower(), match.group(2).strip()
        if len(value) >= 2 and value.startswith(b'"') and value.endswith(b'"'):
            # only \" and \\ are unescaped (as browsers write them); other backslashes are kept as sent
            value = value[1:-1].replace(b"\\\\", b"\\").replace(b'\\"', b'"')
        found.setdefault(name, value)
    return found


def file_name(header: bytes) -> str | None:
    """The file name a ``Content-Disposition`` header gives its part (NFC), or None if it gives none."""
    options = parameters(header)
    extended = _extended(options)
    if extended is not None:
        return unicodedata.normalize("NFC", extended)
    if b"filename" not in options:
        return None
    name = _encoded_words(_text(options[b"filename"]))
    if name[1:3] == ":\\" or name.startswith("\\\\"):  # a full Windows path (old Internet Explorer): its last part
        name = name.rsplit("\\", 1)[-1]
    return unicodedata.normalize("NFC", name)


def _extended(options: dict[bytes, bytes]) -> str | None:
    """``filename*`` (or its RFC 2231 continuations) decoded; None when absent or not decodable."""
    value = options.get(b"filename*")
    if value is None:
        pieces = sorted((int(m.group(1)), m.group(2), v) for k, v in options.items() if (m := _CONTINUATION.match(k)))
        if not pieces or pieces[0][0] != 0 or not pieces[0][1]:
            return None
        # the first piece carries the charset; the others are percent-encoded (``*``) or plain
        value = pieces[0][2] + b"".join(v if star else v.replace(b"%", b"%25") for _, star, v in pieces[1:])
    match = _EXT_VALUE.match(value)
    if match is None:
        return None
    charset = _EXT_CHARSETS.get(match.group(1).decode("ascii").lower())
    if charset is None:
        return None
    try:
        return unquote_to_bytes(match.group(2)).decode(charset)
    except UnicodeDecodeError:
        return None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _encoded_words(value: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?B?…?=``, ``=?utf-8?Q?…?=``) decoded in place, blanks between adjacent
    words dropped (RFC 2047 §6.2); a word that does not decode is kept as sent."""
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("", value))


def _decode_word(match: re.Match[str]) -> str:
    try:
        [(raw, charset)] = decode_header(match.group(0))
        if not isinstance(raw, bytes) or not raw:  # the email package turns bad base64 into nothing
            return match.group(0)
        return raw.decode(codecs.lookup(charset or "ascii").name)
    except (HeaderParseError, LookupError, UnicodeDecodeError, binascii.Error, ValueError):
        return match.group(0)


def attachment(name: str) -> str:
    """The ``Content-Disposition`` value of a download named ``name`` (any Unicode, e.g. a file code with Đ,
    ``muc-luc-000.00.00.H61.2026.02.TĐKT.pdf``): ``attachment; filename="<ASCII fallback>";
    filename*=UTF-8''<percent-encoded NFC name>`` (RFC 6266 §4.3, RFC 8187). A header value must be ISO-8859-1
    (Starlette encodes it so and raises otherwise), so the name never goes in raw: the fallback drops diacritics
    (Đ → D) and replaces quotes, backslashes, control and other non-ASCII characters with ``_``."""
    nfc = unicodedata.normalize("NFC", name)
    folded = unicodedata.normalize("NFKD", nfc.replace("Đ", "D").replace("đ", "d"))
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_"
                       for ch in folded if not unicodedata.combining(ch))
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(nfc, safe='')}"
