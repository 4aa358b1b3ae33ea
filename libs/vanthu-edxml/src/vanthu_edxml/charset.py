"""The character encoding (bảng mã) of a received package: detect it, and give the parser UTF-8.

Packages are meant to be UTF-8: every official sample and the VNPT library declare ``encoding="UTF-8"``
(regulations digest §1.3.1, which quotes no QCVN rule on the encoding: another encoding is a warning, not an error).
Peers' builders still send UTF-16 (a .NET ``StringWriter``, "Unicode" in Windows tools) and 8-bit code pages
with a declaration. The pre-processing of :mod:`vanthu_edxml.safe_xml` (DOCTYPE refusal, attachment payloads cut
out as byte slices) reads the bytes as ASCII, so every input is brought to UTF-8 first:

* the encoding is found as XML 1.0 (Fifth Edition) Appendix F describes: a byte order mark (UTF-8, UTF-16
  LE/BE, UTF-32 LE/BE); else the first four bytes (``3C 00 3F 00``: UTF-16LE without a byte order mark, …);
  else the ``encoding`` of the XML declaration, read as ASCII; else UTF-8;
* UTF-8 (the normal case) is returned as received: nothing decoded, nothing copied. libxml2 checks it is
  UTF-8 as it parses, and attachment payloads stay slices of the bytes received;
* anything else is decoded (strictly) with Python's codec of that name, one chunk at a time, and re-encoded
  to UTF-8, the declaration's ``encoding`` rewritten to ``UTF-8``. The UTF-8 produced is held to the same size
  limit as the bytes received, so an encoding that expands (one byte of windows-1258 can become three of
  UTF-8) cannot get past it.

A byte order mark or the first bytes win over a declaration that names another encoding: the bytes cannot be
wrong about themselves, a declaration copied from another file can. XML 1.0 §4.3.3 makes that a fatal error; it
is tolerated here with a warning (``encoding-mismatch``) because decoding is unambiguous. An unknown encoding, one
that is not ASCII-compatible although its declaration was read as ASCII (UTF-7, EBCDIC), and bytes that do not
decode are refused with :class:`UnsupportedEncoding`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from .errors import LimitExceeded, MalformedPackage, UnsupportedEncoding
from .model import Issue

UTF8 = "UTF-8"
_CHUNK = 1 << 20
_DECLARATION_WINDOW = 1024  # a declaration longer than this (all whitespace) is refused as malformed
_S = rb"[ \t\r\n]"
_VALUE = rb"(?:\"[^\"<>]*\"|'[^'<>]*')"
# XMLDecl (XML 1.0 §2.8, §4.3.3): '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>'
_DECLARATION = re.compile(
    rb"<\?xml" + _S + rb"+version" + _S + rb"*=" + _S + rb"*" + _VALUE
    + rb"(?:" + _S + rb"+encoding" + _S + rb"*=" + _S + rb"*(?:\"(?P<dq>[^\"<>]*)\"|'(?P<sq>[^'<>]*)'))?"
    + rb"(?:" + _S + rb"+standalone" + _S + rb"*=" + _S + rb"*" + _VALUE + rb")?" + _S + rb"*\?>")
_ENCODING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._\-]*\Z")  # EncName, XML 1.0 §4.3.3

# (signature, Python codec, name shown): byte order marks, then the first bytes without one (Appendix F).
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32LE"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32BE"),
    (b"\xef\xbb\xbf", "utf-8", UTF8), (b"\xff\xfe", "utf-16-le", "UTF-16LE"), (b"\xfe\xff", "utf-16-be", "UTF-16BE"))
_FIRST_BYTES = (
    (b"\x00\x00\x00<", "utf-32-be", "UTF-32BE"), (b"<\x00\x00\x00", "utf-32-le", "UTF-32LE"),
    (b"\x00<\x00?", "utf-16-be", "UTF-16BE"), (b"<\x00?\x00", "utf-16-le", "UTF-16LE"))
_REFUSED_FIRST_BYTES = {b"\x00\x00<\x00": "UCS-4 in the unusual byte order 2143",
                        b"\x00<\x00\x00": "UCS-4 in the unusual byte order 3412", b"Lo\xa7\x94": "EBCDIC"}
# Names XML allows that Python's codec registry does not know.
_ALIASES = {"ucs-2": "utf-16", "iso-10646-ucs-2": "utf-16", "csunicode": "utf-16", "ucs-4": "utf-32",
            "iso-10646-ucs-4": "utf-32", "csucs4": "utf-32"}
# Text codecs that are transformations rather than character sets; never a package's encoding.
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"})
_ASCII = bytes(range(0x80))
_COMMON_UTF8_DECLARATIONS = tuple(f"<?xml version={q}1.0{q} encoding={q}{name}{q}".encode("ascii")
                                  for q in "\"'" for name in ("UTF-8", "utf-8"))
_ACCEPTED = ("send UTF-8 (QCVN 102:2016); also read: UTF-16 or UTF-32 with a byte order mark, or an "
             "ASCII-compatible encoding named in the XML declaration, such as windows-1258 or ISO-8859-1")


@dataclass
class Utf8Input:
    """What the parser gets: ``data`` in UTF-8 without a byte order mark, its declaration (if any) naming
    UTF-8; ``encoding`` the package arrived in (``"UTF-8"``, ``"UTF-16BE"``, ``"windows-1258"``…); ``warnings``
    what was tolerated (rules ``encoding-not-utf8`` and ``encoding-mismatch``, path ``edXML``)."""

    data: bytes
    encoding: str = UTF8
    warnings: list[Issue] = field(default_factory=list)


def to_utf8(data: bytes, *, max_bytes: int) -> Utf8Input:
    """Bring received bytes to UTF-8 for the parser (see the module docstring for how the encoding is found).

    Raises :class:`UnsupportedEncoding` (unknown or unsupported encoding, undecodable bytes),
    :class:`MalformedPackage` (a malformed XML declaration) or :class:`LimitExceeded` (more than ``max_bytes``
    once in UTF-8). UTF-8 input without a byte order mark is returned as the same ``bytes`` object.
    """
    if data.startswith(_COMMON_UTF8_DECLARATIONS):  # what the writer, lxml and the official samples produce
        return Utf8Input(data)
    head = data[:4]
    for signature, codec, name in _BYTE_ORDER_MARKS:
        if head.startswith(signature):
            return _detected(data, codec, name, len(signature), f"byte order mark {signature.hex(' ').upper()}",
                             max_bytes)
    for signature, codec, name in _FIRST_BYTES:
        if head == signature:
            return _detected(data, codec, name, 0, f"first bytes {signature.hex(' ').upper()}, no byte order mark",
                             max_bytes)
    if head in _REFUSED_FIRST_BYTES:
        raise UnsupportedEncoding(f"the first bytes {head.hex(' ').upper()} are {_REFUSED_FIRST_BYTES[head]}, "
                                  f"which is not read; {_ACCEPTED}")
    return _declared(data, max_bytes)


def text_to_utf8(text: str) -> Utf8Input:
    """A package given as ``str`` has no encoding: its declaration, if it names one, is rewritten to UTF-8.

    Raises :class:`UnsupportedEncoding` for a lone surrogate (no encoding can carry it).
    """
    try:
        data = text.removeprefix("\ufeff").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnsupportedEncoding(f"character {exc.start} of the text is a lone surrogate, which no encoding "
                                  "carries") from None
    match, _label = _declaration(data)
    return Utf8Input(_declare_utf8(data, match))


def _detected(data: bytes, codec: str, name: str, skip: int, how: str, max_bytes: int) -> Utf8Input:
    """The encoding is known from the byte order mark or the first bytes; the declaration is only checked."""
    warnings: list[Issue] = []
    if codec == "utf-8":
        body = data[skip:]
    else:
        body = _transcode(data, skip, codec, name, max_bytes)
        warnings.append(_not_utf8(name, how))
    match, label = _declaration(body)
    if label is not None and not _consistent(_codec(label), codec):
        warnings.append(_mismatch(f'the XML declaration says encoding="{label}" but the {how} says {name}; '
                                  f"read as {name}"))
    return Utf8Input(_declare_utf8(body, match), name, warnings)


def _declared(data: bytes, max_bytes: int) -> Utf8Input:
    """8-bit input: the declaration, read as ASCII, names the encoding (UTF-8 without one)."""
    match, label = _declaration(data)
    if label is None:
        return Utf8Input(data)
    codec = _codec(label)
    if codec is None:
        raise UnsupportedEncoding(f'unknown encoding "{label}" in the XML declaration; {_ACCEPTED}')
    if _family(codec) == "utf-8":  # a copy only for a name libxml2 may not know, such as "utf-8-sig"
        return Utf8Input(_declare_utf8(data, match))
    if _family(codec) in ("utf-16", "utf-32"):
        # What a .NET StringWriter's output saved as UTF-8 looks like; libxml2 reads it as UTF-8 too.
        warning = _mismatch(f'the XML declaration says encoding="{label}" but there is no byte order mark and the '
                            f"first bytes are 8-bit; read as {UTF8}")
        return Utf8Input(_declare_utf8(data, match), UTF8, [warning])
    if not _ascii_compatible(codec):
        raise UnsupportedEncoding(f'encoding "{label}" in the XML declaration is not ASCII-compatible, yet the '
                                  f"declaration was written in ASCII; {_ACCEPTED}")
    body = _transcode(data, 0, codec, label, max_bytes)
    match, again = _declaration(body)
    if again != label:  # cannot happen for an ASCII-compatible codec; refuse rather than guess
        raise UnsupportedEncoding(f'the XML declaration reads differently once decoded as "{label}"')
    return Utf8Input(_declare_utf8(body, match), label, [_not_utf8(label, "named in the XML declaration")])


def _declaration(data: bytes) -> tuple[re.Match[bytes] | None, str | None]:
    """The XML declaration at the first ``<`` (after a junk prefix, if any) and the encoding it names.

    Raises :class:`MalformedPackage` when ``<?xml`` starts a declaration that does not follow XML 1.0 §2.8,
    and :class:`UnsupportedEncoding` when its encoding is not an EncName (§4.3.3).
    """
    start = data.find(b"<")
    if start < 0 or not data.startswith(b"<?xml", start) or data[start + 5:start + 6] not in (b" ", b"\t", b"\r",
                                                                                               b"\n"):
        return None, None
    match = _DECLARATION.match(data, start, start + _DECLARATION_WINDOW)
    if match is None:
        raise MalformedPackage(f"malformed XML declaration: {bytes(data[start:start + 80])!r}")
    raw = match.group("dq") if match.group("dq") is not None else match.group("sq")
    if raw is None:
        return match, None
    label = raw.decode("ascii", "replace")
    if not _ENCODING_NAME.match(label):
        raise UnsupportedEncoding(f'"{label}" in the XML declaration is not an encoding name; {_ACCEPTED}')
    return match, label


def _declare_utf8(data: bytes, match: re.Match[bytes] | None) -> bytes:
    """``data`` with the declaration's encoding set to UTF-8 (a copy only when it named something else)."""
    if match is None:
        return data
    group = "dq" if match.group("dq") is not None else "sq"
    if match.group(group) is None:
        return data
    start, end = match.span(group)
    if data[start:end].upper() in (b"UTF-8", b"UTF8"):
        return data
    return b"".join((data[:start], UTF8.encode("ascii"), data[end:]))


def _transcode(data: bytes, start: int, codec: str, name: str, max_bytes: int) -> bytes:
    """Decode ``data[start:]`` strictly and encode it to UTF-8, chunk by chunk, stopping past ``max_bytes``."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    parts: list[bytes] = []
    size = 0
    for offset in range(start, len(data), _CHUNK):
        end = min(offset + _CHUNK, len(data))
        pending = len(decoder.getstate()[0])  # bytes of an incomplete character carried from the last chunk
        try:
            text = decoder.decode(data[offset:end], final=end == len(data))
        except UnicodeDecodeError as exc:
            raise UnsupportedEncoding(f"bytes at offset {offset - pending + exc.start} cannot be decoded as {name}: "
                                      f"{exc.reason}") from None
        try:
            chunk = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UnsupportedEncoding(f"{name} decodes to a lone surrogate near offset {offset}: "
                                      f"{exc.reason}") from None
        size += len(chunk)
        if size > max_bytes:
            raise LimitExceeded(f"package of {len(data)} bytes in {name} is more than the limit of {max_bytes} bytes "
                                f"once converted to {UTF8}")
        parts.append(chunk)
    return b"".join(parts)


def _codec(label: str) -> str | None:
    """Python's name for an encoding named in a declaration, or ``None`` if it is unknown."""
    name = label.lower()
    try:
        return codecs.lookup(_ALIASES.get(name, name)).name
    except LookupError:
        return None


def _family(codec: str) -> str:
    if codec in ("utf-8", "utf-8-sig"):
        return "utf-8"
    for family in ("utf-16", "utf-32"):
        if codec.startswith(family):
            return family
    return codec


def _consistent(declared: str | None, found: str) -> bool:
    """Whether a declaration naming ``declared`` agrees with ``found`` (``utf-16`` agrees with either order)."""
    if declared is None:
        return False
    return declared == found or (declared in ("utf-16", "utf-32") and _family(found) == declared) or (
        _family(declared) == _family(found) == "utf-8")


def _ascii_compatible(codec: str) -> bool:
    """Whether ``codec`` is a character set whose bytes 00–7F are ASCII, each on its own and in sequence."""
    if codec in _NOT_CHARSETS:
        return False
    try:
        return _ASCII.decode(codec) == _ASCII.decode("ascii") and all(
            bytes((byte,)).decode(codec) == chr(byte) for byte in _ASCII)
    except (LookupError, ValueError):  # LookupError: a bytes-to-bytes codec such as base64
        return False


def _not_utf8(name: str, how: str) -> Issue:
    return Issue("edXML", f"the package is encoded in {name} ({how}), not in {UTF8} as QCVN 102:2016 expects; "
                 f"it was converted to {UTF8} to be read", "warning", "encoding-not-utf8")


def _mismatch(message: str) -> Issue:
    return Issue("edXML", message, "warning", "encoding-mismatch")
