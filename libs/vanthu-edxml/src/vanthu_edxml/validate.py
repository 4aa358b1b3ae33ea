"""Validation of packages (§1.2.3, §1.3, §1.4 and §7.3 of the regulations digest).

Errors are what a conforming sender must never produce; warnings are what a receiver tolerates.
``strict=False`` is the receiving profile: the interoperability quirks of real peers (a ``DocumentId`` that is a
UUID or does not match ``Code`` and the promulgation date, as in every official sample) become warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .model import (
    AGENCY_CODE_MAX,
    QCVN_AGENCY_CODE,
    STATUS_CODES,
    BusinessType,
    DocumentId,
    DocumentPackage,
    Issue,
    Organization,
    Package,
    ResponseFor,
    StatusCode,
    StatusPackage,
)

# Field lengths (§7.3 item 6, Appendix VI of ND 30/2020).
MAX_SUBJECT = 500
MAX_TYPE_NAME = 100
MAX_CODE_NUMBER = 11
MAX_CODE_NOTATION = 30
MAX_ORGAN_NAME = 200
MAX_POSITION = 100
MAX_FULL_NAME = 50
MAX_TO_PLACES = 1000
MAX_AMOUNT = 999


@dataclass(frozen=True)
class ValidationReport:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = [str(issue) for issue in (*self.errors, *self.warnings)]
        return "\n".join(lines) if lines else "ok"


@dataclass
class _Collector:
    strict: bool
    issues: list[Issue] = field(default_factory=list)

    def add(self, path: str, message: str, severity: Literal["error", "warning"], rule: str) -> None:
        self.issues.append(Issue(path, message, severity, rule))

    def error(self, path: str, message: str, rule: str) -> None:
        self.add(path, message, "error", rule)

    def warn(self, path: str, message: str, rule: str) -> None:
        self.add(path, message, "warning", rule)

    def interop(self, path: str, message: str, rule: str) -> None:
        """An error when sending, a warning when receiving (``strict=False``)."""
        self.add(path, message, "error" if self.strict else "warning", rule)

    def length(self, path: str, value: str | None, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.error(path, f"{len(value)} characters, at most {limit} allowed", "length")

    def agency_code(self, path: str, code: str | None, required: bool = True) -> None:
        if not code:
            if required:
                self.error(path, "agency code (mã định danh) is missing", "required")
            return
        if len(code) > AGENCY_CODE_MAX:
            self.error(path, f"agency code of {len(code)} characters, at most {AGENCY_CODE_MAX}", "length")
        elif not QCVN_AGENCY_CODE.match(code):
            self.warn(path, f"agency code {code!r} does not have the QCVN 102 form CCC.BB.AA.LNN",
                      "agency-code-form")

    def organization(self, path: str, org: Organization) -> None:
        self.agency_code(f"{path}/OrganId", org.agency_code)
        self.length(f"{path}/OrganName", org.name, MAX_ORGAN_NAME)
        if not org.name:
            self.warn(f"{path}/OrganName", "agency name is empty", "empty-optional")

    def response_for(self, path: str, item: ResponseFor, required: bool) -> None:
        fields = (item.agency_code, item.code, item.promulgation_date, item.document_id)
        if not required and not any(fields):
            self.warn(path, "ResponseFor is present but empty", "empty-optional")
            return
        self.agency_code(f"{path}/OrganId", item.agency_code, required)
        if required and not item.document_id:
            self.error(f"{path}/DocumentId", "missing", "required")
        if item.document_id and DocumentId.parse(item.document_id) is None:
            self.interop(f"{path}/DocumentId", f"{item.document_id!r} is not <issuer>,<yyyy/MM/dd>,<number>/<notation>",
                         "document-id-form")


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out: list[Issue] = []
    for issue in issues:
        key = (issue.path, issue.rule)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def _document(pkg: DocumentPackage, c: _Collector, check_attachments: bool) -> None:
    mh = "MessageHeader"
    c.organization(f"{mh}/From", pkg.sender)
    if not pkg.recipients:
        c.error(f"{mh}/To", "at least one recipient is required", "required")
    for i, recipient in enumerate(pkg.recipients, 1):
        c.organization(f"{mh}/To" + (f"[{i}]" if len(pkg.recipients) > 1 else ""), recipient)

    if pkg.code is None:
        c.error(f"{mh}/Code", "missing", "required")
    else:
        for name, value, limit in (("CodeNumber", pkg.code.number, MAX_CODE_NUMBER),
                                   ("CodeNotation", pkg.code.notation, MAX_CODE_NOTATION)):
            if not value:
                c.error(f"{mh}/Code/{name}", "missing", "required")
            c.length(f"{mh}/Code/{name}", value, limit)
        if pkg.code.number and not pkg.code.number.isdigit():
            c.warn(f"{mh}/Code/CodeNumber", f"{pkg.code.number!r} is not numeric", "code-number-form")

    promulgation_date = pkg.promulgation.date if pkg.promulgation else None
    if promulgation_date is None:
        c.error(f"{mh}/PromulgationInfo/PromulgationDate", "missing", "required")

    if not pkg.document_id:
        c.error(f"{mh}/DocumentId", "missing", "required")
    else:
        parsed = DocumentId.parse(pkg.document_id)
        if parsed is None:
            c.interop(f"{mh}/DocumentId", f"{pkg.document_id!r} is not <issuer>,<yyyy/MM/dd>,<number>/<notation>",
                      "document-id-form")
        else:
            if pkg.code and (parsed.number, parsed.notation) != (pkg.code.number, pkg.code.notation):
                c.interop(f"{mh}/DocumentId", f"number/notation {parsed.number}/{parsed.notation} does not match "
                          f"Code {pkg.code}", "document-id-code")
            if promulgation_date and parsed.date != promulgation_date:
                c.interop(f"{mh}/DocumentId", f"date {parsed.date:%Y/%m/%d} does not match PromulgationDate "
                          f"{promulgation_date:%Y/%m/%d}", "document-id-date")
            if pkg.sender.agency_code and parsed.issuer != pkg.sender.agency_code:
                c.warn(f"{mh}/DocumentId", f"issuer {parsed.issuer!r} is not the sender "
                       f"{pkg.sender.agency_code!r}", "document-id-issuer")

    if pkg.document_type is None:
        c.error(f"{mh}/DocumentType", "missing", "required")
    else:
        c.length(f"{mh}/DocumentType/TypeName", pkg.document_type.type_name, MAX_TYPE_NAME)
        if not pkg.document_type.type_name:
            c.warn(f"{mh}/DocumentType/TypeName", "document type name is empty", "empty-optional")
    if not pkg.subject:
        c.error(f"{mh}/Subject", "abstract (trích yếu) is missing", "required")
    c.length(f"{mh}/Subject", pkg.subject, MAX_SUBJECT)

    if pkg.signer is None:
        c.warn(f"{mh}/SignerInfo", "signer is missing", "empty-optional")
    else:
        c.length(f"{mh}/SignerInfo/Position", pkg.signer.position, MAX_POSITION)
        c.length(f"{mh}/SignerInfo/FullName", pkg.signer.full_name, MAX_FULL_NAME)
        if pkg.signer.competence and pkg.signer.competence_prefix is None:
            c.warn(f"{mh}/SignerInfo/Competence", f"{pkg.signer.competence!r} does not start with TM., KT., TL., "
                   "TUQ. or Q.", "competence")

    other = pkg.other_info
    if other is not None:
        if other.priority is not None and not 0 <= other.priority <= 4:
            c.error(f"{mh}/OtherInfo/Priority", f"{other.priority} is not an urgency 0–4", "priority")
        for name, amount in (("PromulgationAmount", other.promulgation_amount), ("PageAmount", other.page_amount)):
            if amount is not None and not 0 <= amount <= MAX_AMOUNT:
                c.error(f"{mh}/OtherInfo/{name}", f"{amount} is outside 0–{MAX_AMOUNT}", "length")
    if pkg.to_places:
        joined = "; ".join(pkg.to_places)
        c.length(f"{mh}/ToPlaces", joined, MAX_TO_PLACES)
    for i, item in enumerate(pkg.response_for, 1):
        c.response_for(f"{mh}/ResponseFor" + (f"[{i}]" if len(pkg.response_for) > 1 else ""), item, required=False)

    _trace(pkg, c)
    _attachments(pkg, c, check_attachments)


def _trace(pkg: DocumentPackage, c: _Collector) -> None:
    if pkg.trace is None:
        c.warn("TraceHeaderList", "missing", "empty-optional")
        return
    for i, header in enumerate(pkg.trace.trace_headers, 1):
        path = "TraceHeaderList/TraceHeader" + (f"[{i}]" if len(pkg.trace.trace_headers) > 1 else "")
        c.agency_code(f"{path}/OrganId", header.agency_code)
        if header.timestamp is None:
            c.error(f"{path}/Timestamp", "missing", "required")
    business = pkg.trace.business
    if business is None:
        return
    path = "TraceHeaderList/Bussiness"
    known = {int(t) for t in BusinessType}
    if business.business_type is None:
        c.error(f"{path}/BussinessDocType", "missing", "required")
    elif business.business_type not in known:
        c.error(f"{path}/BussinessDocType", f"{business.business_type} is not a business type "
                "(0 new, 1 revoke, 2 update, 3 replace)", "business-type")
    if business.document_id and DocumentId.parse(business.document_id) is None:
        c.interop(f"{path}/DocumentId", f"{business.document_id!r} is not <issuer>,<yyyy/MM/dd>,<number>/<notation>"
                  " (or not a real date)", "document-id-form")
    if business.business_type in (BusinessType.REVOKE, BusinessType.UPDATE) and not (
            business.document_id or any(r.document_id for r in pkg.response_for)):
        c.warn(f"{path}/DocumentId", "revoke/update names no target document (DocumentId or ResponseFor)",
               "business-target")
    if business.business_type == BusinessType.REPLACE and not business.replacements:
        c.warn(f"{path}/ReplacementInfoList", "replace package lists no replaced document", "business-target")
    if business.document_info:
        for i, receiver in enumerate(business.document_info.receivers, 1):
            rpath = f"{path}/BussinessDocumentInfo/ReceiverList/Receiver[{i}]"
            c.agency_code(f"{rpath}/OrganId", receiver.agency_code)
            if receiver.receiver_type not in (0, 1):
                c.error(f"{rpath}/ReceiverType", f"{receiver.receiver_type} is not 0 (removed) or 1 (added)",
                        "receiver-type")


def _attachments(pkg: DocumentPackage, c: _Collector, check_attachments: bool) -> None:
    seen: set[str] = set()
    for i, att in enumerate(pkg.attachments, 1):
        path = f"AttachmentEncoded/Attachment[{i}]"
        if not att.content_id:
            c.error(f"{path}/ContentId", "missing", "required")
        elif att.bare_id in seen:
            c.error(f"{path}/ContentId", f"duplicate content id {att.content_id!r}", "attachment-duplicate")
        seen.add(att.bare_id)
        if not att.name:
            c.warn(f"{path}/AttachmentName", "attachment name is empty", "empty-optional")
        if att.data is None:
            c.error(f"{path}/ContentTransferEncoded", "attachment content is missing", "attachment-missing")
        elif check_attachments:
            problem = att.data.check()
            if problem:
                c.error(f"{path}/ContentTransferEncoded", problem, "attachment-base64")


def _status(pkg: StatusPackage, c: _Collector) -> None:
    mh = "MessageHeader"
    c.organization(f"{mh}/From", pkg.sender)
    if pkg.response_for is None:
        c.error(f"{mh}/ResponseFor", "missing", "required")
    else:
        c.response_for(f"{mh}/ResponseFor", pkg.response_for, required=True)
    if not pkg.status_code:
        c.error(f"{mh}/StatusCode", "missing", "required")
    elif pkg.status_code not in STATUS_CODES:
        c.error(f"{mh}/StatusCode", f"{pkg.status_code!r} is not a status code ({', '.join(sorted(STATUS_CODES))})",
                "status-code")
    if pkg.timestamp is None:
        c.error(f"{mh}/Timestamp", "missing", "required")
    if not pkg.description and pkg.status_code in (StatusCode.REJECTION.value, StatusCode.CANCELLATION.value,
                                                    StatusCode.CHANGE_REJECTION.value):
        c.warn(f"{mh}/Description", "a refusal or take-back should give its reason", "empty-optional")
    if pkg.staff is None:
        c.warn(f"{mh}/StaffInfo", "missing", "empty-optional")


def validate(pkg: Package, *, strict: bool = True, check_attachments: bool = True) -> ValidationReport:
    """Validate a package; ``strict=False`` for packages received from peers (see module docstring).

    Problems found while reading (bad date formats, non-integers) are included from ``pkg.read_issues``.
    ``check_attachments`` decodes every attachment once to check its base64.
    """
    c = _Collector(strict)
    c.issues.extend(pkg.read_issues)
    if isinstance(pkg, StatusPackage):
        _status(pkg, c)
    else:
        _document(pkg, c, check_attachments)
    issues = _dedupe(c.issues)
    return ValidationReport(tuple(i for i in issues if i.severity == "error"),
                            tuple(i for i in issues if i.severity == "warning"))
