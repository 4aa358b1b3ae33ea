"""Long-term archival of signed PDFs: augmentation to PAdES B-LTA and re-timestamping (ETSI EN 319 142-1 §5.5,
ETSI EN 319 102-1 §5.6.2.4 "validation process for long-term availability"), with pyHanko.

A signed PDF is augmented in one incremental update that puts the validation data (certificates and CRLs) of every
signature not yet covered by a document timestamp, and of that signature's own timestamp, into the document
security store (``/DSS``), followed by a document timestamp (``/DocTimeStamp``) from the configured TSA and a last
``/DSS`` update with the validation data of that TSA. On a PDF already carrying document timestamps the validation
data of the newest one is added and a new document timestamp is appended (re-timestamping), so that the chain of
timestamps keeps proving the signatures' existence at a time their certificates were valid after those certificates
(and the earlier TSAs') have expired. The previous revisions are never changed: every earlier signature stays intact.

The certificates are judged at the time a trusted timestamp proves (a signature's own timestamp, else the current
time), with the configured CRLs only, offline (no fetching). What a scheduler needs to plan the next re-timestamp is
:attr:`Augmented.timestamp_expires_at`: the newest document timestamp's TSA certificate's ``notAfter``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from vanthu_core.errors import FailedPrecondition
from vanthu_signing.pdfdoc import read_pdf
from vanthu_signing.pki import Revocation, asn1_certificate, x509_certificate
from vanthu_signing.signer import TimestampAuthority
from vanthu_signing.verify import Report, verify_pdf

#: Name of the n-th document timestamp field (1-based): "DauThoiGianLuuTru1", ...
TIMESTAMP_FIELD = "DauThoiGianLuuTru"
MD_ALGORITHM = "sha256"


@dataclass(frozen=True)
class Augmented:
    """A PDF augmented to PAdES B-LTA.

    ``signatures``: the signatures it carries (not counting document timestamps); ``timestamp_time``: the time the
    new document timestamp attests (UTC); ``timestamp_expires_at``: its TSA certificate's ``notAfter`` (UTC), before
    which the next re-timestamp is due; ``document_timestamps``: how many document timestamps the PDF now carries.
    """

    pdf: bytes
    signatures: int
    timestamp_time: dt.datetime
    timestamp_expires_at: dt.datetime
    document_timestamps: int
    #: The new document timestamp's field and its TSA certificate's subject (RFC 4514).
    field_name: str
    tsa_subject: str


def _tst_info(signed_data: cms.SignedData) -> cms.ContentInfo:
    return signed_data["encap_content_info"]["content"].parsed


def timestamp_facts(emb: EmbeddedPdfSignature) -> tuple[dt.datetime, dt.datetime]:
    """The time a document timestamp attests and its TSA certificate's ``notAfter`` (both UTC)."""
    gen_time: dt.datetime = _tst_info(emb.signed_data)["gen_time"].native
    cert: asn1_x509.Certificate = emb.signer_cert
    not_after: dt.datetime = cert["tbs_certificate"]["validity"]["not_after"].native
    return gen_time.astimezone(dt.UTC), not_after.astimezone(dt.UTC)


def _context(revocation: Revocation, trust_roots: list[x509.Certificate],
             at: dt.datetime | None) -> ValidationContext:
    """Offline and strict (every certificate below a root covered by a CRL of its issuer), at ``at`` (default now);
    for a past moment CRLs issued after it are accepted (they still date each revocation)."""
    kwargs: dict[str, object] = {}
    if at is not None:
        kwargs = {"moment": at, "best_signature_time": at, "retroactive_revinfo": True}
    return ValidationContext(trust_roots=[asn1_certificate(c) for c in trust_roots], crls=revocation.asn1_crls(),
                             allow_fetching=False, revocation_mode="require", **kwargs)  # type: ignore[arg-type]


def _refuse_invalid(report: Report) -> None:
    if report.ok:
        return
    problems = "; ".join(f"{s.field_name} ({s.signer}): {', '.join(s.problems) or 'không hợp lệ'}"
                         for s in report.signatures if not s.ok)
    raise FailedPrecondition("chữ ký số trên văn bản không hợp lệ tại thời điểm kiểm tra nên không được gia hạn "
                             f"(PAdES B-LTA chỉ áp dụng cho chữ ký hợp lệ): {problems}")


def _field_name(reader: PdfFileReader) -> str:
    taken = {str(e.field_name) for e in reader.embedded_signatures}
    n = len(reader.embedded_timestamp_signatures) + 1
    while f"{TIMESTAMP_FIELD}{n}" in taken:
        n += 1
    return f"{TIMESTAMP_FIELD}{n}"


def _collect(emb: EmbeddedPdfSignature, vc: ValidationContext, what: str, *, skip_timestamp: bool) -> list:
    """The validation paths of a signature's (or document timestamp's) certificate and, unless ``skip_timestamp``,
    of its signature timestamp's; the CRLs used stay in ``vc`` for the DSS."""
    try:
        return asyncio.run(collect_validation_info(emb, vc, skip_timestamp=skip_timestamp))
    except (PathBuildingError, PathValidationError) as exc:
        reason = Revocation.explain(exc) or str(exc)
        raise FailedPrecondition(f"không thu thập được dữ liệu kiểm tra dài hạn cho {what}: {reason}") from exc


def augment_lta(pdf: bytes, trust_roots: list[x509.Certificate], tsa: TimestampAuthority,
                revocation: Revocation | None, *, report: Report | None = None) -> Augmented:
    """``pdf`` augmented to PAdES B-LTA, or re-timestamped when it already is (see the module docstring).

    ``report``: :func:`~vanthu_signing.verify.verify_pdf`'s report on ``pdf`` when the caller has it. Errors:
    InvalidArgument("pdf") for input that is not a readable PDF; FailedPrecondition (Vietnamese) for a PDF without
    signatures, one whose signatures do not validate now (an invalid signature is never extended), when no CRLs are
    configured (B-LTA needs revocation data for every certificate) and when the TSA fails.
    """
    reader = read_pdf(pdf)
    regular = list(reader.embedded_regular_signatures)
    if not regular:
        raise FailedPrecondition("tệp PDF chưa có chữ ký số nào: chỉ văn bản đã ký số mới được bổ sung dữ liệu "
                                 "kiểm tra dài hạn và dấu thời gian lưu trữ (PAdES B-LTA)")
    if revocation is None:
        raise FailedPrecondition("dịch vụ ký số chưa được cấu hình danh sách thu hồi chứng thư (CRL, "
                                 "VANTHU_SIGNING_CRL_FILES): PAdES B-LTA cần dữ liệu thu hồi của mọi chứng thư")
    report = report or verify_pdf(pdf, trust_roots, revocation=revocation)
    _refuse_invalid(report)
    judged_at = {s.field_name: s.validation_time for s in report.signatures}
    stamps = list(reader.embedded_timestamp_signatures)
    covered_up_to = max((t.signed_revision for t in stamps), default=-1)
    now_vc = _context(revocation, trust_roots, None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for emb in regular:
        if emb.signed_revision < covered_up_to:
            continue  # its validation data went in before an earlier document timestamp
        vc = _context(revocation, trust_roots, judged_at.get(emb.field_name))
        paths = _collect(emb, vc, f"chữ ký {emb.field_name}", skip_timestamp=False)
        DocumentSecurityStore.supply_dss_in_writer(writer, emb.pkcs7_content.hex().encode("ascii"), paths=paths,
                                                   validation_context=vc)
    if stamps:
        last = stamps[-1]
        paths = _collect(last, now_vc, f"dấu thời gian lưu trữ {last.field_name}", skip_timestamp=True)
        DocumentSecurityStore.supply_dss_in_writer(writer, last.pkcs7_content.hex().encode("ascii"), paths=paths,
                                                   validation_context=now_vc)
    field_name = _field_name(reader)
    stamper = PdfTimeStamper(tsa.timestamper(), field_name=field_name)
    out = io.BytesIO()
    try:
        stamper.timestamp_pdf(writer, MD_ALGORITHM, validation_context=now_vc, output=out)
    except (SigningError, PathBuildingError, PathValidationError) as exc:
        raise FailedPrecondition(f"không lấy được dấu thời gian lưu trữ: {Revocation.explain(exc) or exc}") from exc
    except OSError as exc:  # the TSA over HTTP
        raise FailedPrecondition(f"máy chủ cấp dấu thời gian không phản hồi: {exc}") from exc
    data = out.getvalue()
    after = read_pdf(data)
    newest = after.embedded_timestamp_signatures[-1]
    when, expires = timestamp_facts(newest)
    subject = x509_certificate(newest.signer_cert).subject.rfc4514_string()
    return Augmented(data, len(regular), when, expires, len(after.embedded_timestamp_signatures), field_name,
                     subject)
