"""Two-step (interrupted) personal signing for keys the server does not hold: a USB token in the browser, a
remote-signing provider.

1. :func:`prepare_personal` lays out the personal signature exactly as :func:`signer.sign_personal` does (blue
   image at ``[[CHU_KY]]``, empty ``[[SO]]``/``[[NGAY]]`` text fields), reserves the signature container, hashes
   the ``/ByteRange`` and builds the CMS signed attributes. It returns ``to_sign`` (DER of the signed attributes,
   the bytes the remote party signs), its SHA-256 ``digest`` (what a token signs with RSA PKCS#1 v1.5 /
   SHA-256) and an opaque ``state`` blob that the service keeps between the two calls.
2. :func:`complete` checks the remote signature value against the certificate, builds the CMS with the RFC 3161
   signature timestamp (PAdES B-T) and writes it into the reserved ``/Contents``.

The state is JSON (UTF-8) with base64 fields, never pickle; see :func:`_encode_state` for its fields. It is
checked on :func:`complete` (a SHA-256 checksum over the other fields; then the ``/ByteRange`` digest of the
stored PDF, the message digest of the signed attributes and the signer certificate hash must agree), so a
damaged state is reported as ``InvalidArgument("handle")``. It carries no secrets, but it is not authenticated
against deliberate forgery by whoever can write the database: the service must keep it server-side (the
signature value itself is always checked against the certificate kept in the state).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.pki import Revocation, asn1_certificate

STATE_FORMAT = "vanthu-two-step-signing/1"
DIGEST_ALGORITHM = "sha256"
# placeholder signature length for ECDSA size estimation (DER SEQUENCE of two integers, P-521 worst case)
_ECDSA_MAX_SIG = 139


@dataclass(frozen=True)
class Prepared:
    state: bytes  # opaque; keep it server-side and pass it back to complete()
    to_sign: bytes  # DER of the CMS signed attributes (SET OF): the exact bytes the remote party signs
    digest: bytes  # SHA-256 of to_sign (what a token signs with RSA PKCS#1 v1.5 / SHA-256)
    page: int  # where the signature will appear (0-based page, PDF user-space box)
    box: ap.Box
    digest_algorithm: str = DIGEST_ALGORITHM
    signature_algorithm: str = "sha256_rsa"  # or "sha256_ecdsa" for an EC certificate
    field_name: str = sg.FIELD_PERSONAL


def _der(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.DER)


def _signature_algorithm(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "sha256_rsa"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "sha256_ecdsa"
    raise InvalidArgument("signer_cert", f"có khóa {type(key).__name__}; chỉ khóa RSA và ECDSA ký được.")


def _placeholder_length(cert: x509.Certificate) -> int:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    return _ECDSA_MAX_SIG


def _run(coro: Any) -> Any:
    # same constraint as PdfSigner.sign_pdf (which also calls asyncio.run): call from a worker thread
    return asyncio.run(coro)


def prepare_personal(pdf: bytes, signer_cert: x509.Certificate, chain: list[x509.Certificate], signature_png: bytes,
                     tsa: sg.TimestampAuthority, *, placeholder: str = ap.PLACEHOLDER_SIGNATURE,
                     page: int | None = None, box: ap.Box | None = None, when: dt.datetime | None = None,
                     authority: tuple[str, ...] = (), authority_above: bool = False) -> Prepared:
    """First step of a personal signature whose key is elsewhere; see the module docstring.

    ``chain`` are the intermediate certificates to embed (not the root). ``when`` (default now) is the time at
    which the certificate must be valid. ``authority``/``authority_above``: the signing authority lines (Decree
    30/2020 Appendix I, box 7a/7b) drawn as :func:`signer.sign_personal` draws them, kept in the state so that
    :func:`prepared_authority` tells the completion what the document will show.
    """
    now = when or dt.datetime.now(dt.UTC)
    algorithm = _signature_algorithm(signer_cert)
    cert = asn1_certificate(signer_cert)
    sg.check_validity(cert, now)
    w, page, box, stamp = sg.prepare_personal_appearance(pdf, signature_png, placeholder=placeholder, page=page,
                                                         box=box, authority=authority,
                                                         authority_above=authority_above)
    mechanism = algos.SignedDigestAlgorithm({"algorithm": algorithm})
    registry = SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain])
    ext = signers.ExternalSigner(cert, registry, signature_value=_placeholder_length(signer_cert),
                                 signature_mechanism=mechanism)
    meta = signers.PdfSignatureMetadata(field_name=sg.FIELD_PERSONAL, md_algorithm=DIGEST_ALGORITHM,
                                        reason=sg.REASON_PERSONAL, subfilter=fields.SigSeedSubFilter.PADES,
                                        location="Việt Nam")
    pdf_signer = signers.PdfSigner(meta, signer=ext, timestamper=tsa.timestamper(), stamp_style=stamp,
                                   new_field_spec=fields.SigFieldSpec(sg.FIELD_PERSONAL, on_page=page,
                                                                      box=box.as_tuple()))
    signing_time = dt.datetime.now(dt.UTC)
    output = io.BytesIO()

    async def digest_and_attrs() -> tuple[PreparedByteRangeDigest, PdfTBSDocument, cms.CMSAttributes]:
        prepared, tbs, _ = await pdf_signer.async_digest_doc_for_signing(w, output=output)
        attrs = await ext.signed_attrs(prepared.document_digest, DIGEST_ALGORITHM,
                                       attr_settings=PdfCMSSignedAttributes(signing_time=signing_time),
                                       use_pades=True, timestamper=tbs.timestamper)
        return prepared, tbs, attrs

    try:
        prepared, tbs, attrs = _run(digest_and_attrs())
    except SigningError as exc:
        raise FailedPrecondition(f"Ký số không thành công: {exc}") from exc
    # PAdES B-T only: nothing (DSS, document timestamp) would have to happen after the signature is embedded
    assert tbs.post_sign_instructions is None
    to_sign = attrs.dump()
    state = _encode_state(pdf=output.getvalue(), prepared=prepared, to_sign=to_sign, cert=signer_cert, chain=chain,
                          algorithm=algorithm, page=page, box=box, created=signing_time, authority=authority)
    return Prepared(state=state, to_sign=to_sign, digest=hashlib.sha256(to_sign).digest(),
                    signature_algorithm=algorithm, page=page, box=box)


def prepared_authority(state: bytes) -> tuple[str, ...]:
    """The signing authority lines the prepared document shows (empty: none), read from a state of
    :func:`prepare_personal`; ``InvalidArgument("handle")`` for a damaged state."""
    authority: tuple[str, ...] = _decode_state(state)["authority"]
    return authority


def complete(state: bytes, signature_value: bytes, tsa: sg.TimestampAuthority, *,
             revocation: Revocation | None = None) -> sg.Signed:
    """Second step: embed ``signature_value`` (over ``Prepared.to_sign``), the certificates and the signature
    timestamp. A value that does not verify against the certificate is refused before any output is made.

    With ``revocation`` (CRLs) a revoked certificate is refused and the CRLs and certificates are then added in a
    /DSS revision (PAdES B-LT, an LTA update the signature permits).
    """
    st = _decode_state(state)
    cert: x509.Certificate = st["cert"]
    if not signature_value:
        raise InvalidArgument("signature_value", "chưa có: hãy gửi chữ ký trên dữ liệu cần ký (to_sign).")
    if not _verifies(cert, signature_value, st["to_sign"], st["algorithm"]):
        raise InvalidArgument("signature_value", "không khớp khóa công khai trong chứng thư số của người ký trên dữ "
                                                 "liệu cần ký (sai khóa, sai dữ liệu hoặc sai thuật toán; cần RSA "
                                                 "PKCS#1 v1.5 với SHA-256).")
    signer_asn1 = asn1_certificate(cert)
    chain_asn1 = [asn1_certificate(c) for c in st["chain"]]
    sg.check_validity(signer_asn1, dt.datetime.now(dt.UTC))
    if revocation is not None:
        revocation.refuse_revoked(signer_asn1, chain_asn1)
    ext = signers.ExternalSigner(signer_asn1, SimpleCertificateStore.from_certs(chain_asn1),
                                 signature_value=signature_value,
                                 signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": st["algorithm"]}))
    try:
        signed_cms = _run(ext.async_sign_prescribed_attributes(DIGEST_ALGORITHM, st["attrs"],
                                                               timestamper=tsa.timestamper()))
        output = io.BytesIO(st["pdf"])
        PdfTBSDocument.finish_signing(output, st["prepared"], signed_cms)
        if revocation is not None:
            output = _run(_add_ltv(output.getvalue(), revocation))
    except SigningError as exc:
        raise FailedPrecondition(f"Ký số không thành công: {exc}") from exc
    return sg.Signed(output.getvalue(), sg.FIELD_PERSONAL, st["page"], st["box"])


async def _add_ltv(pdf: bytes, revocation: Revocation) -> io.BytesIO:
    """The CRLs and certificates of the new signature (and of its timestamp) in a /DSS revision."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    embedded = reader.embedded_regular_signatures[-1]
    out = io.BytesIO()
    try:
        await async_add_validation_info(embedded, revocation.validation_context(), output=out, embed_roots=False)
    except Exception as exc:
        reason = Revocation.explain(exc) or str(exc)
        raise FailedPrecondition(f"Không thêm được dữ liệu kiểm tra (CRL): {reason}") from exc
    return out


def _verifies(cert: x509.Certificate, signature: bytes, data: bytes, algorithm: str) -> bool:
    key = cert.public_key()
    try:
        if algorithm == "sha256_rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "sha256_ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------- state blob


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode_state(*, pdf: bytes, prepared: PreparedByteRangeDigest, to_sign: bytes, cert: x509.Certificate,
                  chain: list[x509.Certificate], algorithm: str, page: int, box: ap.Box, created: dt.datetime,
                  authority: tuple[str, ...] = ()) -> bytes:
    doc = {
        "format": STATE_FORMAT,
        "created": created.isoformat(),
        "field_name": sg.FIELD_PERSONAL,
        "page": page,
        "box": [box.x1, box.y1, box.x2, box.y2],
        "digest_algorithm": DIGEST_ALGORITHM,
        "signature_algorithm": algorithm,
        "document_digest": _b64(prepared.document_digest),  # SHA-256 over the /ByteRange of "pdf"
        "reserved_region": [prepared.reserved_region_start, prepared.reserved_region_end],  # the <00…> /Contents
        "signed_attrs": _b64(to_sign),
        "signer_cert": _b64(_der(cert)),
        "chain": [_b64(_der(c)) for c in chain],
        "pdf": _b64(pdf),  # the document in its final pre-signing state
        "authority": list(authority),  # the signing authority lines drawn (none: absent from older states)
    }
    doc["check"] = _checksum(doc)
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def _checksum(doc: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of every other field: detects a damaged state (not a forged one)."""
    body = {k: v for k, v in doc.items() if k != "check"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _bad(reason: str) -> InvalidArgument:
    return InvalidArgument("handle", f"trạng thái phiên ký {reason}: hãy bắt đầu ký lại.")


def _decode_state(state: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise _bad("không đọc được (không phải JSON)") from exc
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise _bad(f"không phải trạng thái {STATE_FORMAT}")
    if not isinstance(doc.get("check"), str) or not hmac.compare_digest(doc["check"], _checksum(doc)):
        raise _bad("bị hỏng (sai mã kiểm tra)")
    try:
        def raw(name: str) -> bytes:
            value = doc[name]
            if not isinstance(value, str):
                raise TypeError(name)
            return base64.b64decode(value, validate=True)

        pdf = raw("pdf")
        document_digest = raw("document_digest")
        to_sign = raw("signed_attrs")
        cert = x509.load_der_x509_certificate(raw("signer_cert"))
        chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in doc["chain"]]
        start, end = (int(v) for v in doc["reserved_region"])
        page = int(doc["page"])
        x1, y1, x2, y2 = (float(v) for v in doc["box"])
        algorithm = str(doc["signature_algorithm"])
        attrs = cms.CMSAttributes.load(to_sign, strict=True)
        attrs_by_type = {a["type"].native: a["values"][0] for a in attrs}
        message_digest = attrs_by_type["message_digest"].native
        ess = attrs_by_type.get("signing_certificate_v2")
    except (KeyError, TypeError, ValueError, binascii.Error, IndexError) as exc:
        raise _bad(f"bị hỏng ({type(exc).__name__}: {exc})") from exc
    if doc.get("digest_algorithm") != DIGEST_ALGORITHM or algorithm not in ("sha256_rsa", "sha256_ecdsa"):
        raise _bad("ghi thuật toán không được hỗ trợ")
    if not (0 < start < end <= len(pdf)) or pdf[start:start + 1] != b"<" or pdf[end - 1:end] != b">" \
            or pdf[start + 1:end - 1].strip(b"0"):
        raise _bad("không có ô chữ ký trống ở vị trí đã ghi")
    actual = hashlib.sha256(pdf[:start] + pdf[end:]).digest()
    if not (hmac.compare_digest(actual, document_digest) and hmac.compare_digest(message_digest, document_digest)):
        raise _bad("không khớp văn bản (sai mã băm)")
    if ess is not None:
        cert_hash = ess.native["certs"][0]["cert_hash"]
        if not hmac.compare_digest(cert_hash, hashlib.sha256(_der(cert)).digest()):
            raise _bad("không khớp chứng thư số của người ký")
    authority = doc.get("authority", [])
    if not isinstance(authority, list) or not all(isinstance(line, str) for line in authority):
        raise _bad("bị hỏng (thẩm quyền ký)")
    return {
        "authority": tuple(authority),
        "pdf": pdf, "to_sign": to_sign, "attrs": attrs, "cert": cert, "chain": chain, "algorithm": algorithm,
        "page": page, "box": ap.Box(x1, y1, x2, y2),
        "prepared": PreparedByteRangeDigest(document_digest=document_digest, reserved_region_start=start,
                                            reserved_region_end=end),
    }
