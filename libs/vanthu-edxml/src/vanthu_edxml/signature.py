"""XML-DSig transport signature of a package (§1.3.4): an enveloped signature over the whole package
(``Reference URI=""``), placed in ``edXMLHeader`` after ``TraceHeaderList`` as in the official samples.

The samples use RSA-SHA1; this module signs with RSA-SHA256 (what signxml accepts by default) and verifies
SHA-2 signatures only. The legal signatures of the document itself are the PAdES signatures in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from .errors import EdxmlError, MalformedPackage, SignatureError
from .safe_xml import DEFAULT_LIMITS, Limits, parse_for_signature

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
_C14N = CanonicalizationMethod.CANONICAL_XML_1_0


@dataclass(frozen=True)
class VerifyOutcome:
    """``valid``, ``invalid`` (with the reason) or ``unsigned`` (no slot, or an empty one)."""

    status: Literal["valid", "invalid", "unsigned"]
    reason: str = ""
    signer: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _header(root: etree._Element) -> etree._Element:
    for envelope in root:
        if _local(envelope) == "edXMLEnvelope":
            for header in envelope:
                if _local(header) == "edXMLHeader":
                    return header
    raise MalformedPackage("missing", "edXMLEnvelope/edXMLHeader")


def _slots(header: etree._Element) -> list[etree._Element]:
    return [child for child in header if _local(child) in ("Signature", "DigitalSignature")]


def sign(package: bytes, key_pem: bytes, cert_pem: bytes, *, passphrase: bytes | None = None,
         limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Sign a package with a private key and its X.509 certificate (PEM); replaces any existing slot.

    The package may be in any encoding the reader accepts (:mod:`vanthu_edxml.charset`); the signed package
    returned is UTF-8. Raises :class:`EdxmlError` for unreadable input, :class:`SignatureError` for a bad key.
    """
    root = parse_for_signature(package, limits)
    header = _header(root)
    position = len(header)
    for slot in _slots(header):
        position = header.index(slot)
        header.remove(slot)
    for index, child in enumerate(header):
        if _local(child) == "TraceHeaderList":
            position = index + 1
    placeholder = etree.Element(f"{{{DSIG_NS}}}Signature", Id="placeholder", nsmap={None: DSIG_NS})
    header.insert(min(position, len(header)), placeholder)
    try:
        signer = XMLSigner(c14n_algorithm=_C14N)
        signed = signer.sign(root, key=key_pem, passphrase=passphrase, cert=cert_pem.decode("ascii"))
    except (InvalidInput, ValueError, TypeError) as exc:
        raise SignatureError(f"cannot sign: {exc}") from None
    for slot in signed.iter(f"{{{DSIG_NS}}}Signature"):
        slot.attrib.pop("Id", None)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify(package: bytes, cert_pem: bytes | None = None, *, ca_pem_file: str | None = None,
           limits: Limits = DEFAULT_LIMITS) -> VerifyOutcome:
    """Verify the package signature against a pinned certificate (or a CA bundle).

    Unsafe or malformed input still raises :class:`EdxmlError`; a bad signature is an ``invalid`` outcome.
    A package in UTF-16 or an 8-bit encoding is read as the reader reads it (converted to UTF-8 first, never
    by byte position): the signature covers the canonical form, which is UTF-8 whatever the encoding received
    (Canonical XML 1.0 §1.1), so the outcome is that of the same package in UTF-8.
    """
    root = parse_for_signature(package, limits)
    slots = _slots(_header(root))
    if not slots or all(len(slot) == 0 for slot in slots):
        return VerifyOutcome("unsigned", "no signature in edXMLHeader" if not slots else "empty signature slot")
    slot = slots[0]
    if etree.QName(slot).namespace != DSIG_NS:
        return VerifyOutcome("invalid", f"signature element is not in the XML-DSig namespace {DSIG_NS}")
    try:
        cert = x509.load_pem_x509_certificate(cert_pem) if cert_pem else None
        result = XMLVerifier().verify(root, x509_cert=cert, ca_pem_file=ca_pem_file)
    except (InvalidSignature, InvalidInput) as exc:
        return VerifyOutcome("invalid", str(exc) or type(exc).__name__)
    except (ValueError, TypeError) as exc:
        return VerifyOutcome("invalid", f"cannot verify: {exc}")
    results = result if isinstance(result, list) else [result]
    signed = results[0].signed_xml
    if signed is None or _local(signed) != "edXML":
        return VerifyOutcome("invalid", "the signature does not cover the whole package")
    signer = cert.subject.rfc4514_string() if cert is not None else None
    return VerifyOutcome("valid", "", signer)


__all__ = ["EdxmlError", "VerifyOutcome", "sign", "verify"]
