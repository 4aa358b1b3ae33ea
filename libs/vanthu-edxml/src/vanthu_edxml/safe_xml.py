"""A hardened XML front end for packages received from peers.

The lxml parser never resolves entities, loads a DTD or touches the network, and any ``DOCTYPE`` is refused
before parsing. Sizes are bounded: total bytes, element depth, attachment count and size.

That pre-processing reads the bytes as ASCII, so the input is first brought to UTF-8 by
:func:`vanthu_edxml.charset.to_utf8` (UTF-16, or windows-1258 named in the declaration, are converted; UTF-8,
the normal case, is used as received). The size limit applies to the bytes received and to that UTF-8.

Attachment payloads (``ContentTransferEncoded``) are cut out of the bytes *before* parsing and kept as
``memoryview`` slices of the input: libxml2 refuses text nodes over 10 MB without ``huge_tree`` (which stays
off), and the parser then never copies the base64 text at all. A payload is only cut out when it is plain
character data (no ``<`` and no ``&``), which is exactly the text the parser would have produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .charset import UTF8, text_to_utf8, to_utf8
from .errors import LimitExceeded, MalformedPackage, UnsafeXml, UnsupportedEncoding
from .model import Issue

PLACEHOLDER_PREFIX = "@vanthu-edxml-payload-"
_PLACEHOLDER = re.compile(r"^@vanthu-edxml-payload-(\d+)@$")
_OPEN_PAYLOAD = re.compile(rb"<([A-Za-z_][\w.\-]*:)?ContentTransferEncoded(?:\s[^<>]*)?(?<!/)>")


@dataclass(frozen=True)
class Limits:
    """Bounds applied to every package read. Defaults fit the 50 MB per file gateway practice."""

    max_bytes: int = 128 * 1024 * 1024
    max_depth: int = 256
    max_attachments: int = 100
    max_attachment_bytes: int = 64 * 1024 * 1024
    max_leading_junk: int = 64


DEFAULT_LIMITS = Limits()


@dataclass
class ParsedXml:
    """The parsed tree, the attachment payloads cut out of it, what was tolerated on the way (warnings with the
    path ``edXML``), and the character encoding the package arrived in (``"UTF-8"`` for a ``str``)."""

    root: etree._Element
    payloads: list[memoryview] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    encoding: str = UTF8

    def payload(self, text: str | None) -> memoryview | None:
        """The payload a placeholder text stands for, or ``None`` if the text is not a placeholder."""
        if not text:
            return None
        match = _PLACEHOLDER.match(text.strip())
        if not match:
            return None
        index = int(match.group(1))
        return self.payloads[index] if index < len(self.payloads) else None


def make_parser(*, recover: bool = False, huge_tree: bool = False) -> etree.XMLParser:
    """The one parser configuration used everywhere (``huge_tree`` only for signature checks)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False,
                           huge_tree=huge_tree, recover=recover, remove_pis=False, collect_ids=False)


def _skip_junk(data: bytes, limits: Limits, warnings: list[Issue]) -> bytes:
    """Drop a short non-XML prefix (one official sample starts with ``1212<?xml``); ``data`` is UTF-8.

    Raises :class:`UnsupportedEncoding` when the first ``<`` is followed by a NUL byte: a 16- or 32-bit encoding
    behind the prefix, which libxml2 would detect from those bytes (XML 1.0 Appendix F) although everything
    before the parse has read them as ASCII.
    """
    start = data.find(b"<")
    if start < 0:
        raise MalformedPackage("no XML markup found")
    if data[start + 1:start + 2] == b"\x00":
        raise UnsupportedEncoding(f"a 16- or 32-bit encoding after {start} bytes of non-XML data is not read; "
                                  "send UTF-8, or UTF-16 with a byte order mark and nothing before it")
    if start == 0:
        return data
    prefix = data[:start]
    if prefix.strip():
        if start > limits.max_leading_junk:
            raise MalformedPackage(f"{start} bytes of non-XML data before the first element")
        warnings.append(Issue("edXML", f"ignored {start} bytes before the XML declaration: {prefix[:20]!r}",
                              "warning", "tolerated-input"))
    return data[start:]


def _refuse_doctype(data: bytes) -> None:
    """Walk the prolog (declaration, comments, PIs, whitespace); refuse a DOCTYPE found there."""
    pos, size = 0, len(data)
    while pos < size:
        while pos < size and data[pos] in b" \t\r\n":
            pos += 1
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos)
            if end < 0:
                return
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos)
            if end < 0:
                return
            pos = end + 3
        elif data.startswith(b"<!", pos):
            raise UnsafeXml("DOCTYPE/DTD declarations are refused")
        else:
            return


def _cut_payloads(data: bytes) -> tuple[bytes, list[memoryview]]:
    view = memoryview(data)
    parts: list[bytes] = []
    payloads: list[memoryview] = []
    pos = last = 0
    while True:
        match = _OPEN_PAYLOAD.search(data, pos)
        if not match:
            break
        start = match.end()
        end = data.find(b"<", start)
        if end < 0:
            break
        close = b"</" + (match.group(1) or b"") + b"ContentTransferEncoded"
        if not data.startswith(close, end) or data.find(b"&", start, end) >= 0:
            pos = start
            continue
        parts.append(data[last:start])
        parts.append(f"{PLACEHOLDER_PREFIX}{len(payloads)}@".encode("ascii"))
        payloads.append(view[start:end])
        last = pos = end
    if not payloads:
        return data, payloads
    parts.append(data[last:])
    return b"".join(parts), payloads


def _max_depth(root: etree._Element, limit: int) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limit:
            raise UnsafeXml(f"element nesting deeper than {limit}")
        stack.extend((child, depth + 1) for child in element)


def _only_namespace_errors(log: etree._ListErrorLog) -> bool:
    return len(log) > 0 and all(entry.domain_name == "NAMESPACE" for entry in log)


def _classify(exc: etree.XMLSyntaxError) -> MalformedPackage | UnsafeXml:
    message = str(exc)
    lowered = message.lower()
    if "depth" in lowered or "huge" in lowered or ("entity" in lowered and "loop" in lowered):
        return UnsafeXml(message)
    if "amplification" in lowered or "resource limit" in lowered:
        return UnsafeXml(message)
    if "invalid bytes in character encoding" in lowered or "not proper utf-8" in lowered:
        # The input reached libxml2 as UTF-8 (no byte order mark, no other encoding declared) but is not.
        return MalformedPackage(f"not valid {UTF8}, and no byte order mark or XML declaration names another "
                                f"encoding: {message}")
    return MalformedPackage(f"not well-formed XML: {message}")


@dataclass
class _Prepared:
    data: bytes  # UTF-8, from the first markup on, prolog checked
    encoding: str
    warnings: list[Issue]


def _prepare(data: bytes | bytearray | memoryview | str, limits: Limits) -> _Prepared:
    """Size limit on the input as received, conversion to UTF-8, junk prefix, DOCTYPE refusal."""
    if isinstance(data, str):
        if len(data) > limits.max_bytes:  # a character is at least one byte in any encoding
            raise LimitExceeded(f"package of {len(data)} characters exceeds the limit of {limits.max_bytes} bytes")
        utf8 = text_to_utf8(data)
        if len(utf8.data) > limits.max_bytes:
            raise LimitExceeded(f"package of {len(utf8.data)} bytes exceeds the limit of {limits.max_bytes}")
    else:
        raw = data if isinstance(data, bytes) else bytes(data)
        if len(raw) > limits.max_bytes:
            raise LimitExceeded(f"package of {len(raw)} bytes exceeds the limit of {limits.max_bytes}")
        utf8 = to_utf8(raw, max_bytes=limits.max_bytes)
    warnings = list(utf8.warnings)
    body = _skip_junk(utf8.data, limits, warnings)
    _refuse_doctype(body)
    return _Prepared(body, utf8.encoding, warnings)


def parse(data: bytes | bytearray | memoryview | str, limits: Limits = DEFAULT_LIMITS, *,
          cut_payloads: bool = True) -> ParsedXml:
    """Parse an untrusted package into an lxml tree, refusing anything unsafe.

    ``data`` may be in any encoding :func:`vanthu_edxml.charset.to_utf8` reads; a ``str`` is taken as text
    (its declaration's encoding is ignored). Payload views point into the input when it is UTF-8 ``bytes``
    without a byte order mark, into its UTF-8 conversion otherwise.

    Raises only ``EdxmlError``s: :class:`LimitExceeded` (size as received or once in UTF-8),
    :class:`UnsupportedEncoding` (unknown encoding, undecodable bytes), :class:`UnsafeXml` (DTD, depth),
    :class:`MalformedPackage` (not well-formed, including not valid UTF-8 when nothing names another encoding).
    """
    prepared = _prepare(data, limits)
    return _parse_prepared(prepared, limits, cut_payloads=cut_payloads)


def _parse_prepared(prepared: _Prepared, limits: Limits, *, cut_payloads: bool) -> ParsedXml:
    data, warnings = prepared.data, prepared.warnings
    payloads: list[memoryview] = []
    if cut_payloads:
        data, payloads = _cut_payloads(data)
    parser = make_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # Undeclared prefixes (``xlink:href`` without ``xmlns:xlink`` in a sample) are namespace errors, not
        # well-formedness errors: accept them, and nothing else, by re-parsing in recovery mode.
        if not _only_namespace_errors(parser.error_log):
            raise _classify(exc) from None
        parser = make_parser(recover=True)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as again:
            raise _classify(again) from None
        if root is None or not _only_namespace_errors(parser.error_log):
            raise MalformedPackage(f"not well-formed XML: {exc}") from None
        warnings.extend(Issue("edXML", f"namespace error tolerated: {entry.message}", "warning", "tolerated-input")
                        for entry in parser.error_log)
    except (ValueError, TypeError) as exc:
        raise MalformedPackage(f"cannot parse: {exc}") from None
    if root is None:
        raise MalformedPackage("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXml("DOCTYPE/DTD declarations are refused")
    if limits.max_depth < 256:
        _max_depth(root, limits.max_depth)
    return ParsedXml(root, payloads, warnings, prepared.encoding)


def parse_for_signature(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse a whole package (payloads left in place) for signing or verifying.

    Runs the same conversion to UTF-8 and the same refusals first (size, DOCTYPE, and a full safe parse that
    also bounds depth); only then re-parses that UTF-8 with ``huge_tree`` so that a base64 text node over
    10 MB is accepted. The tree does not depend on the encoding the package arrived in, nor does the canonical
    form an XML signature covers (Canonical XML 1.0 §1.1: it is UTF-8, without the XML declaration).
    """
    prepared = _prepare(data, limits)
    _parse_prepared(prepared, limits, cut_payloads=True)
    try:
        return etree.fromstring(prepared.data, make_parser(huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise _classify(exc) from None
