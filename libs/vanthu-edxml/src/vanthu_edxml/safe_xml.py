"""A hardened XML front end for packages received from peers.

The lxml parser never resolves entities, loads a DTD or touches the network, and any ``DOCTYPE`` is refused
before parsing. Sizes are bounded: total bytes, element depth, attachment count and size.

Attachment payloads (``ContentTransferEncoded``) are cut out of the bytes *before* parsing and kept as
``memoryview`` slices of the input: libxml2 refuses text nodes over 10 MB without ``huge_tree`` (which stays
off), and the parser then never copies the base64 text at all. A payload is only cut out when it is plain
character data (no ``<`` and no ``&``), which is exactly the text the parser would have produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .errors import LimitExceeded, MalformedPackage, UnsafeXml

PLACEHOLDER_PREFIX = "@vanthu-edxml-payload-"
_PLACEHOLDER = re.compile(r"^@vanthu-edxml-payload-(\d+)@$")
_OPEN_PAYLOAD = re.compile(rb"<([A-Za-z_][\w.\-]*:)?ContentTransferEncoded(?:\s[^<>]*)?(?<!/)>")
_BOM = b"\xef\xbb\xbf"


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
    """The parsed tree, the attachment payloads cut out of it, and what was tolerated on the way."""

    root: etree._Element
    payloads: list[memoryview] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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


def _skip_junk(data: bytes, limits: Limits, warnings: list[str]) -> bytes:
    """Drop a short non-XML prefix (one official sample starts with ``1212<?xml``)."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    start = data.find(b"<")
    if start < 0:
        raise MalformedPackage("no XML markup found")
    if start == 0:
        return data
    prefix = data[:start]
    if prefix.strip():
        if start > limits.max_leading_junk:
            raise MalformedPackage(f"{start} bytes of non-XML data before the first element")
        warnings.append(f"ignored {start} bytes before the XML declaration: {prefix[:20]!r}")
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
    return MalformedPackage(f"not well-formed XML: {message}")


def parse(data: bytes | bytearray | memoryview | str, limits: Limits = DEFAULT_LIMITS, *,
          cut_payloads: bool = True) -> ParsedXml:
    """Parse untrusted bytes into an lxml tree, refusing anything unsafe. Raises only ``EdxmlError``s."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > limits.max_bytes:
        raise LimitExceeded(f"package of {len(data)} bytes exceeds the limit of {limits.max_bytes}")
    warnings: list[str] = []
    data = _skip_junk(data, limits, warnings)
    _refuse_doctype(data)
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
        warnings.extend(f"namespace error tolerated: {entry.message}" for entry in parser.error_log)
    except (ValueError, TypeError) as exc:
        raise MalformedPackage(f"cannot parse: {exc}") from None
    if root is None:
        raise MalformedPackage("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXml("DOCTYPE/DTD declarations are refused")
    if limits.max_depth < 256:
        _max_depth(root, limits.max_depth)
    return ParsedXml(root, payloads, warnings)


def parse_for_signature(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse the exact bytes (payloads left in place) for signing or verifying.

    Runs the same refusals first (size, DOCTYPE, and a full safe parse that also bounds depth); only then
    re-parses with ``huge_tree`` so that a base64 text node over 10 MB is accepted.
    """
    parse(data, limits)
    stripped = _skip_junk(data.removeprefix(_BOM), limits, [])
    try:
        return etree.fromstring(stripped, make_parser(huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise _classify(exc) from None
