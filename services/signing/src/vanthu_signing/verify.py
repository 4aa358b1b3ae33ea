"""Verification of every signature in a PDF with pyHanko, and a Vietnamese-labelled text report.

**When** a signature is judged: a signature carrying a valid, trusted signature timestamp (PAdES B-T and up) is
validated at the time of that timestamp (past validation, ETSI EN 319 102-1 §5.5 "validation with time"): a
certificate that expired, or was revoked, *after* the timestamp does not make the signature invalid, one revoked
before it does; documents in the archive do not turn invalid as certificates age. Without such a timestamp the
current time is used. :attr:`SignatureReport.validation_time` says which time was used. The current time is only
the gate before applying a new signature (:func:`vanthu_signing.signer.check_validity`).

With :class:`~vanthu_signing.pki.Revocation` (CRLs) the signer's and the timestamp's certificate chains are
checked for revocation, strictly (no CRL of the issuer: not accepted). The CRLs given are used whatever their
issue date (a CRL issued after the timestamp still tells whether the revocation came before it). Only the CRLs
given are used, not those embedded in the document (which only set :attr:`SignatureReport.ltv`).

**Archived documents** (PAdES B-LTA, ETSI EN 319 102-1 §5.6.2.4): document timestamps (``/DocTimeStamp``) prove
that everything before them existed at their time. They are judged newest first: the newest at the current time,
each earlier one at the time of the one after it, with the validation data embedded in the document's ``/DSS``
(CRLs, OCSP responses, certificates) besides the CRLs given, offline. A signature followed by such a trusted chain
has its own timestamp judged at the time of the earliest document timestamp after it, not now: the signature stays
valid after its signer's and its timestamp authority's certificates have expired, as long as the chain was renewed
(:mod:`vanthu_signing.lta`) before each TSA certificate expired. :attr:`SignatureReport.archive_time` says which
document timestamp was used.

**What later changes** a signature tolerates: form filling and new signatures (pyHanko's difference analysis,
level FORM_FILLING), within the DocMDP permission of a certification signature. As in Acrobat and ISO 32000-1
(DocMDP P=2 permits "filling in forms ... and signing"), a new *visible* signature field after a certification
with P=2 or P=3 is accepted (pyHanko's default is stricter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    FormUpdatingRule,
    GenericFieldModificationRule,
    ModificationLevel,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from vanthu_signing.domain.appearance import iso_vn
from vanthu_signing.pdfdoc import read_pdf
from vanthu_signing.pki import Revocation, asn1_certificate, x509_certificate

REVOKED_TEXT = "chứng thư số đã bị thu hồi"
#: SignatureReport.revocation values
GOOD, REVOKED, UNKNOWN, NOT_CHECKED = "good", "revoked", "unknown", "not_checked"
_REVOCATION_VN = {GOOD: "chưa bị thu hồi", REVOKED: "ĐÃ BỊ THU HỒI", UNKNOWN: "không xác định được",
                  NOT_CHECKED: "không kiểm tra"}

# Later revisions a signature tolerates: filling the number/date fields and adding signatures is form filling.
ACCEPTED_LEVEL = ModificationLevel.FORM_FILLING
#: SignatureReport.validation_basis values
AT_TIMESTAMP, AT_CURRENT_TIME = "timestamp", "current_time"
_BASIS_VN = {AT_TIMESTAMP: "theo dấu thời gian", AT_CURRENT_TIME: "thời điểm hiện tại, không có dấu thời gian hợp lệ"}
#: What the signature covers (pyHanko's ``SignatureCoverageLevel`` names), as the report says it.
_COVERAGE_VN = {"ENTIRE_FILE": "toàn bộ tệp",
                "ENTIRE_REVISION": "toàn bộ bản được ký (phần thêm sau là chữ ký, dấu thời gian hoặc dữ liệu kiểm tra)",
                "CONTIGUOUS_BLOCK_FROM_START": "chỉ một phần đầu tệp", "UNCLEAR": "không xác định", "-": "-"}
#: What was changed after signing (pyHanko's ``ModificationLevel`` names), as the report says it.
_LEVEL_VN = {"NONE": "không có thay đổi", "LTA_UPDATES": "chỉ thêm dữ liệu kiểm tra dài hạn, dấu thời gian",
             "FORM_FILLING": "điền số, ngày và thêm chữ ký", "ANNOTATIONS": "thêm ghi chú lên tài liệu",
             "OTHER": "thay đổi nội dung khác"}
#: pyHanko's default difference analysis, except that new visible signature fields are accepted after a
#: certification that permits signing (DocMDP P=2/P=3), as Acrobat does.
DIFF_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(field_rules=[SigFieldCreationRule(allow_new_visible_after_certify=True),
                                            SigFieldModificationRule(), GenericFieldModificationRule()]),
)


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    organisation: str
    title: str
    intact: bool
    valid: bool
    trusted: bool
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    timestamp_ok: bool
    coverage: str
    modification_level: str
    modification_ok: bool
    problems: list[str] = field(default_factory=list)
    #: "good" | "revoked" | "unknown" (no usable CRL) | "not_checked" (no revocation data given)
    revocation: str = NOT_CHECKED
    #: the document's /DSS holds revocation data (CRL of the signer's issuer, or OCSP responses): PAdES B-LT
    ltv: bool = False
    #: the time at which the certificates were judged: the signature timestamp's, else the current time
    validation_time: dt.datetime | None = None
    #: "timestamp" (past validation at the trusted signature timestamp) or "current_time"
    validation_basis: str = AT_CURRENT_TIME
    #: the time of the trusted document timestamp (PAdES B-LTA) at which the signature's own timestamp was judged;
    #: None when none follows the signature (its timestamp was judged at the current time)
    archive_time: dt.datetime | None = None
    #: the certificate paths that were validated (the signer's, then its timestamp's, when trusted): what
    #: :mod:`vanthu_signing.lta` puts into the document's /DSS
    paths: list[ValidationPath] = field(default_factory=list, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return (self.intact and self.valid and self.trusted and self.timestamp_ok and self.modification_ok
                and self.revocation in (GOOD, NOT_CHECKED))


@dataclass
class Report:
    signatures: list[SignatureReport]

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def text(self) -> str:
        yes = {True: "Có", False: "Không"}
        lines = [f"Số chữ ký: {len(self.signatures)}"]
        for i, s in enumerate(self.signatures, 1):
            lines += [
                f"--- Chữ ký {i} ({s.field_name}) ---",
                f"Người ký: {s.signer}",
                f"Chức vụ: {s.title or '-'}",
                f"Cơ quan, tổ chức: {s.organisation or '-'}",
                f"Thời gian ký: {iso_vn(s.signing_time) if s.signing_time else '-'}",
                f"Dấu thời gian: {iso_vn(s.timestamp_time) if s.timestamp_time else 'không có'}"
                f" ({'hợp lệ' if s.timestamp_ok else 'không hợp lệ'})",
                f"Toàn vẹn: {yes[s.intact]}",
                f"Chữ ký hợp lệ về mật mã: {yes[s.valid]}",
                f"Chứng thư tin cậy: {yes[s.trusted]}",
                f"Thời điểm kiểm tra: {iso_vn(s.validation_time) if s.validation_time else '-'}"
                f" ({_BASIS_VN.get(s.validation_basis, s.validation_basis)})",
                f"Tình trạng thu hồi chứng thư: {_REVOCATION_VN.get(s.revocation, s.revocation)}",
                f"Dữ liệu kiểm tra dài hạn (LTV, PAdES B-LT): {yes[s.ltv]}",
                f"Dấu thời gian lưu trữ (PAdES B-LTA): "
                f"{iso_vn(s.archive_time) if s.archive_time else 'không có'}",
                f"Phạm vi ký: {_COVERAGE_VN.get(s.coverage, s.coverage)}",
                f"Mức thay đổi sau khi ký: {_LEVEL_VN.get(s.modification_level, s.modification_level)}"
                f" ({'chấp nhận' if s.modification_ok else 'không chấp nhận'})",
            ]
            lines += [f"Vấn đề: {p}" for p in s.problems]
            lines.append(f"Kết luận: {'HỢP LỆ' if s.ok else 'KHÔNG HỢP LỆ'}")
        lines.append(f"KẾT LUẬN CHUNG: {'HỢP LỆ' if self.ok else 'KHÔNG HỢP LỆ'}")
        return "\n".join(lines)


def _attr(name: asn1_x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    return value if isinstance(value, str) else ", ".join(value)


@dataclass(frozen=True)
class Embedded:
    """The validation data in a document's /DSS (malformed entries left out)."""

    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    certs: list[asn1_x509.Certificate]


def _dss(reader: PdfFileReader) -> Embedded:
    """The CRLs, OCSP responses and certificates in the document's /DSS."""
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else None
    if not isinstance(dss, DictionaryObject):
        return Embedded([], [], [])

    def load(key: str, kind: Any, part: str) -> list[Any]:
        out = []
        for ref in dss.get(key, []):
            try:
                item = kind.load(ref.get_object().data)
                item[part]  # the outer structure parses (the rest is parsed when used)
                out.append(item)
            except Exception:  # noqa: S112 - a malformed entry is simply not counted
                continue
        return out

    return Embedded(load("/CRLs", asn1_crl.CertificateList, "tbs_cert_list"),
                    load("/OCSPs", asn1_ocsp.OCSPResponse, "response_status"),
                    load("/Certs", asn1_x509.Certificate, "tbs_certificate"))


def _own_check(revocation: Revocation, signer: asn1_x509.Certificate, others: list[asn1_x509.Certificate],
               at: dt.datetime) -> str:
    """The worst CRL status at ``at`` along the chain signer -> ... -> (a certificate issued by) a trust root
    (a revocation dated after ``at`` does not count)."""
    pool = [x509_certificate(c) for c in others]
    cert = x509_certificate(signer)
    roots = {r.subject for r in revocation.trust_roots}
    worst = GOOD
    for _ in range(8):
        status = revocation.status(cert, pool)
        found = status.status
        if found == REVOKED and status.revoked_at is not None and status.revoked_at > at:
            found = GOOD
        if found == REVOKED:
            return REVOKED
        if found == UNKNOWN:
            worst = UNKNOWN
        if cert.issuer in roots:
            break
        parent = next((c for c in pool if c.subject == cert.issuer and c != cert), None)
        if parent is None:
            return UNKNOWN
        cert = parent
    return worst


def _revocation_status(st: PdfSignatureStatus, revocation: Revocation, signer: asn1_x509.Certificate,
                       others: list[asn1_x509.Certificate], at: dt.datetime) -> tuple[str, str]:
    """The reported status, and what the CRLs alone say (UNKNOWN there: no current CRL covers the chain)."""
    if st.revoked:
        return REVOKED, REVOKED
    if st.trusted:
        return GOOD, GOOD
    # not trusted (no CRL, or another reason such as an unknown root): look at the CRLs directly
    found = _own_check(revocation, signer, others, at)
    return (REVOKED if found == REVOKED else UNKNOWN), found


def _context(roots: list[asn1_x509.Certificate], revocation: Revocation | None,
             at: dt.datetime | None = None, embedded: Embedded | None = None) -> ValidationContext:
    """Offline validation context at ``at`` (default now); with CRLs strict ("require") and, for a past moment,
    accepting CRLs issued after it (they still date each revocation). ``embedded``: the document's /DSS data, used
    besides the CRLs given (archived documents)."""
    kwargs: dict[str, Any] = {}
    if at is not None:
        kwargs = {"moment": at, "best_signature_time": at, "retroactive_revinfo": True}
    if revocation is not None:
        kwargs["revocation_mode"] = "require"
    crls = revocation.asn1_crls() if revocation is not None else []
    if embedded is not None:
        kwargs |= {"ocsps": embedded.ocsps, "other_certs": embedded.certs}
        crls = crls + embedded.crls
    return ValidationContext(trust_roots=roots, crls=crls, allow_fetching=False, **kwargs)  # type: ignore[arg-type]


def _archive_chain(stamps: list[EmbeddedPdfSignature], roots: list[asn1_x509.Certificate],
                   revocation: Revocation | None, embedded: Embedded) -> list[tuple[int, dt.datetime]]:
    """The trusted tail of the document timestamp chain as (signed revision, time), oldest first: the newest
    judged now, each earlier one at the time of the one after it; the chain stops at the first that is not intact,
    valid and trusted (those before it prove nothing)."""
    stamps = sorted(stamps, key=lambda e: e.signed_revision)
    proven: list[tuple[int, dt.datetime]] = []
    at: dt.datetime | None = None
    for emb in reversed(stamps):
        try:
            st = validate_pdf_timestamp(emb, validation_context=_context(roots, revocation, at, embedded),
                                        diff_policy=DIFF_POLICY)
        except Exception:
            break
        if not (st.intact and st.valid and st.trusted):
            break
        at = st.timestamp
        proven.append((emb.signed_revision, at))
    return proven[::-1]


def _archive_time(chain: list[tuple[int, dt.datetime]], revision: int) -> dt.datetime | None:
    """The time of the earliest trusted document timestamp after the signature of ``revision``."""
    return next((at for rev, at in chain if rev > revision), None)


def _claimed_timestamp(emb: EmbeddedPdfSignature) -> dt.datetime | None:
    """The time the signature's first signature timestamp states (not checked here), None without one."""
    try:
        for tst in extract_tst_data_iter(emb.signer_info, signed=False):
            return tst["encap_content_info"]["content"].parsed["gen_time"].native  # type: ignore[no-any-return]
    except Exception:
        return None
    return None


def _trusted_time(ts: TimestampSignatureStatus | None) -> dt.datetime | None:
    """The time of the signature timestamp when the token is intact, valid and trusted, else None."""
    if isinstance(ts, TimestampSignatureStatus) and ts.intact and ts.valid and ts.trusted:
        return ts.timestamp
    return None


def verify_pdf(pdf: bytes, trust_roots: list[x509.Certificate], *, revocation: Revocation | None = None,
               reader: PdfFileReader | None = None, signatures: list[EmbeddedPdfSignature] | None = None) -> Report:
    """Every signature of the document, judged at its trusted timestamp's time (else now); see the module
    docstring. ``reader`` and its ``signatures``: what the caller already read of ``pdf`` (read once).
    InvalidArgument("pdf") for input that is not a readable PDF."""
    reader = reader or read_pdf(pdf)
    roots = [asn1_certificate(c) for c in trust_roots]
    embedded = _dss(reader)
    signatures = signatures if signatures is not None else list(reader.embedded_signatures)
    stamps = [e for e in signatures if e.sig_object_type == "/DocTimeStamp"]
    chain = _archive_chain(stamps, roots, revocation, embedded) if stamps else []
    out: list[SignatureReport] = []
    for emb in (e for e in signatures if e.sig_object_type != "/DocTimeStamp"):
        archived_at = _archive_time(chain, emb.signed_revision)
        archive = embedded if archived_at is not None else None
        ts_vc = _context(roots, revocation, archived_at, archive)
        problems: list[str] = []
        cert = emb.signer_cert
        ltv = bool(embedded.ocsps) or any(c["tbs_cert_list"]["issuer"] == cert.issuer for c in embedded.crls)
        stamped_at: dt.datetime | None = None
        try:
            # judged at the time its timestamp claims, which is then checked: a timestamp that turns out not to be
            # trusted (or another one that is) means judging again, at the right time
            claimed = _claimed_timestamp(emb)
            st = validate_pdf_signature(emb, signer_validation_context=_context(roots, revocation, claimed, archive),
                                        ts_validation_context=ts_vc, diff_policy=DIFF_POLICY)
            stamped_at = _trusted_time(st.timestamp_validity)
            if stamped_at != claimed:
                st = validate_pdf_signature(emb, ts_validation_context=ts_vc, diff_policy=DIFF_POLICY,
                                            signer_validation_context=_context(roots, revocation, stamped_at, archive))
        except Exception as exc:
            stamped_at = None
            out.append(SignatureReport(emb.field_name, cert.subject.native.get("common_name", "?"), "", "", False,
                                       False, False, None, None, False, "-", "-", False, [f"lỗi kiểm tra: {exc}"],
                                       revocation=NOT_CHECKED if revocation is None else UNKNOWN, ltv=ltv,
                                       validation_time=dt.datetime.now(dt.UTC), validation_basis=AT_CURRENT_TIME))
            continue
        at = stamped_at or dt.datetime.now(dt.UTC)
        basis = AT_TIMESTAMP if stamped_at is not None else AT_CURRENT_TIME
        rev_status, no_revinfo = NOT_CHECKED, False
        if revocation is not None:
            rev_status, crl_status = _revocation_status(st, revocation, cert, list(emb.other_embedded_certs), at)
            details = st.revocation_details
            if rev_status == REVOKED:
                whose = "của CA cấp trên" if details is not None and details.ca_revoked else "của người ký"
                when = f" từ {iso_vn(details.revocation_date)}" if details is not None else ""
                reason = f", lý do: {details.revocation_reason.native}" if details is not None else ""
                problems.append(f"{REVOKED_TEXT} ({whose}{when}{reason})")
            elif crl_status == UNKNOWN:
                no_revinfo = True
                problems.append("không xác định được tình trạng thu hồi của chứng thư số "
                                "(không có CRL hiện hành của CA cấp chứng thư)")
        subj = st.signing_cert.subject
        ts = st.timestamp_validity
        ts_ok = bool(ts and ts.intact and ts.valid and ts.trusted)
        if ts is None:
            problems.append("không có dấu thời gian (PAdES B-T yêu cầu)")
        elif not ts_ok:
            problems.append("dấu thời gian không hợp lệ hoặc không tin cậy")
        if not st.trusted and rev_status != REVOKED and not no_revinfo:
            problems.append("chứng thư không chuỗi về CA gốc tin cậy")
        if not st.intact:
            problems.append("nội dung đã bị sửa đổi (băm không khớp)")
        diff = st.diff_result
        if isinstance(diff, SuspiciousModification):
            level, mod_ok = "đáng ngờ", False
            problems.append(f"thay đổi đáng ngờ sau khi ký: {diff}")
        else:
            mod = st.modification_level
            level = mod.name if mod is not None else "NONE"
            mod_ok = mod is None or mod <= ACCEPTED_LEVEL
            if not mod_ok:
                problems.append(f"tài liệu bị thay đổi sau khi ký: {_LEVEL_VN.get(level, level)}")
            elif st.docmdp_ok is False:
                mod_ok = False
                problems.append(f"thay đổi sau khi ký ({_LEVEL_VN.get(level, level)}) vượt quá mức chữ ký chứng thực "
                                "cho phép (DocMDP)")
        out.append(SignatureReport(
            field_name=emb.field_name, signer=_attr(subj, "common_name"), organisation=_attr(subj, "organization_name"),
            title=_attr(subj, "title"), intact=st.intact, valid=st.valid, trusted=st.trusted,
            signing_time=st.signer_reported_dt, timestamp_time=ts.timestamp if ts else None, timestamp_ok=ts_ok,
            coverage=st.coverage.name if st.coverage else "-", modification_level=level, modification_ok=mod_ok,
            problems=problems, revocation=rev_status, ltv=ltv, validation_time=at, validation_basis=basis,
            archive_time=archived_at if stamped_at is not None else None,
            paths=[p for p in (st.validation_path, ts.validation_path if ts else None) if p is not None]))
    return Report(out)
