"""edXML packages (QCVN 102:2016/BTTTT) built from issued documents and from answers, and read when received.

Building: :func:`document_package` turns an issued document of the registry (its number and symbol, date, type,
abstract, signer, recipients) and its sealed files into one package with the canonical writer of
:mod:`vanthu_edxml` (regulations digest §1.3); it must pass the strict validation, so nothing malformed leaves.
:func:`status_package` writes a status package (§1.4) answering a package received here.

Reading: :func:`read_received` parses with the safe reader's limits (no DTD, no entities, bounded size and depth)
and validates with the receiving profile (``strict=False``: the known quirks of real peers are warnings); anything
else is a :class:`Refused` with the reason that goes back in the status 02.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_core.timeutil import vietnam_time
from vanthu_edxml import (
    Attachment,
    Business,
    BusinessType,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    EdxmlError,
    Issue,
    LimitExceeded,
    Limits,
    MalformedAttachment,
    MalformedPackage,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    UnsafeXml,
    UnsupportedEncoding,
    WrongNamespace,
    read_package,
    validate,
    write_document,
    write_status,
)

#: Urgency (độ khẩn) of the registry → edXML Priority (0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc; §1.3.2).
PRIORITY = {"normal": 0, "urgent": 1, "very_urgent": 2, "express": 3}
URGENCY = {v: k for k, v in PRIORITY.items()}
#: The Vietnamese name of each status code (the official samples' meaning, §1.4).
STATUS_NAMES = {
    "01": "Đã đến", "02": "Từ chối tiếp nhận", "03": "Đã tiếp nhận (vào sổ)", "04": "Phân công xử lý",
    "05": "Đang xử lý", "06": "Hoàn thành", "13": "Lấy lại (thu hồi)", "15": "Đồng ý cập nhật, lấy lại",
    "16": "Từ chối cập nhật, lấy lại"}
#: What a status package says by default when its sender gives no description (the official samples' text).
STATUS_DESCRIPTIONS = {
    "01": "Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
    "03": "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị"}


class Refused(Exception):
    """A received package that cannot be taken in; ``reason`` (Vietnamese) goes back in a status 02. ``package``: the
    package when it could be read (it failed validation), so the 02 names its DocumentId and goes to its sender."""

    def __init__(self, reason: str, package: DocumentPackage | StatusPackage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.package = package


@dataclass(frozen=True)
class Built:
    """A package's bytes, their SHA-256 (hex) and its DocumentId; a status package's model too (``status``: what
    reading ``body`` back gives)."""

    body: bytes
    sha256: str
    edxml_document_id: str
    status: StatusPackage | None = None


def split_number_symbol(number_symbol: str) -> Code:
    """``"05/QĐ-UBND"`` → Code("05", "QĐ-UBND"); numbers below 10 zero-padded (Decree 30/2020 Appendix I)."""
    number, _, notation = number_symbol.partition("/")
    number = number.strip()
    if number.isdigit() and len(number) < 2:
        number = number.zfill(2)
    return Code(number, notation.strip())


def _organization(agency: registry_pb2.Agency, parent_name: str = "") -> Organization:
    return Organization(agency_code=agency.code, name=agency.name, in_charge=parent_name or None,
                        address=agency.address or None, email=agency.email or None, telephone=agency.phone or None)


def document_package(document: documents_pb2.Document, sender: registry_pb2.Agency, parent_name: str,
                     files: list[tuple[documents_pb2.DocumentFile, bytes]], *, package_time: datetime,
                     paper: bool = False, answers: ResponseFor | None = None) -> Built:
    """The edXML package of an issued document (business type 0, văn bản mới) to every recipient with an agency
    code. ``files``: the sealed main file first, then the attachments, with their bytes. ``answers``: the document
    it answers (văn bản trả lời), when that is an electronic arrival: its ``ResponseFor`` (regulations digest §1.3,
    the arrival's sender, number, date and DocumentId), so its sender links the reply to its own document. Raises
    ValueError when the package would not pass strict validation (the issues listed)."""
    code = split_number_symbol(document.number_symbol)
    issued_on = date.fromisoformat(document.document_date[:10])
    document_id = DocumentId.build(sender.code, issued_on, code)
    recipients = tuple(Organization(agency_code=code, name=name or None)
                       for code, name in recipients_of(document.recipients).items())
    signer = document.signer
    package = DocumentPackage(
        sender=_organization(sender, parent_name), recipients=recipients, document_id=document_id, code=code,
        promulgation=PromulgationInfo(place=document.place or None, date=issued_on),
        document_type=DocumentType(type_code="1", type_detail="0", type_name=document.type_name or None),
        subject=document.abstract, content=document.abstract,
        signer=SignerInfo(competence=signer.competence or None, position=signer.title or None,
                          full_name=signer.name or None),
        due_date=date.fromisoformat(document.due_date[:10]) if document.due_date else None,
        other_info=OtherInfo(priority=PRIORITY.get(document.urgency, 0), promulgation_amount=1),
        to_places=tuple(r.name for r in document.recipients if r.name),
        response_for=(answers,) if answers is not None else (),
        trace=TraceHeaderList(
            trace_headers=(TraceHeader(agency_code=sender.code, timestamp=vietnam_time(package_time)),),
            business=Business(business_type=int(BusinessType.NEW), reason="Văn bản điện tử mới", paper=paper)),
        attachments=tuple(
            Attachment.from_bytes(f"cid:{index}", f.file_name or f"{f.object_id}.pdf", content,
                                  f.content_type or "application/pdf",
                                  "Văn bản chính" if f.role == "main" else "Phụ lục")
            for index, (f, content) in enumerate(files, 1)))
    report = validate(package, strict=True, check_attachments=False)
    if not report.ok:
        raise ValueError(f"the package of {document_id} is not valid edXML: {report}")
    body = write_document(package)
    return Built(body, hashlib.sha256(body).hexdigest(), document_id)


def status_package(*, reporter: Organization, response_for: ResponseFor, code: StatusCode, description: str,
                   staff: StaffInfo | None, at: datetime) -> Built:
    """A status package (§1.4) from ``reporter`` about the document ``response_for`` names."""
    package = StatusPackage(sender=reporter, response_for=response_for, staff=staff, status_code=code.value,
                            description=description or STATUS_DESCRIPTIONS.get(code.value, STATUS_NAMES[code.value]),
                            timestamp=vietnam_time(at).replace(tzinfo=None, microsecond=0))  # as read back
    report = validate(package, strict=True)
    # ResponseFor echoes what the peer sent (a UUID DocumentId, as in the official edoc.edxml, or none when its
    # package could not be read): the peer's key is repeated as received; only what we write ourselves is strict.
    errors = [i for i in report.errors if not i.path.startswith("MessageHeader/ResponseFor")]
    if errors:
        raise ValueError(f"the status package is not valid edXML: {report}")
    body = write_status(package)
    return Built(body, hashlib.sha256(body).hexdigest(), response_for.document_id or "", package)


#: The longest DocumentId kept (the ``edxml_document_id`` columns); the wire form ``<issuer ≤35>,<yyyy/MM/dd>,
#: <number ≤11>/<notation ≤30>`` is under 100 characters.
MAX_DOCUMENT_ID = 300
#: The longest agency code (mã định danh, SĐ1:2022; the ``*_code`` columns).
MAX_AGENCY_CODE = 35


class _Recipient(Protocol):
    """A recipient as the registry's documents and events carry it."""

    agency_code: str
    name: str


def recipients_of(recipients: Iterable[_Recipient]) -> dict[str, str]:
    """The recipients of a document that have an agency code, each code once (the first name given it), in order:
    a code listed twice (an older draft; the registry refuses it now) makes one delivery, not a second one whose
    key is taken (it never left, and the consumer retried it for good)."""
    named: dict[str, str] = {}
    for recipient in recipients:
        code = recipient.agency_code.strip()
        if code and code not in named:
            named[code] = recipient.name
    return named


def _fits(package: DocumentPackage | StatusPackage) -> bool:
    """Whether the sender and DocumentId of ``package`` fit what a receipt keeps (so a 02 can name them)."""
    document_id = package.document_id if isinstance(package, DocumentPackage) else (
        package.response_for.document_id if package.response_for else None)
    return len(package.sender.agency_code or "") <= MAX_AGENCY_CODE and len(document_id or "") <= MAX_DOCUMENT_ID


#: What an error of the edXML reader means, in the words the sender's clerk reads in the 02 (most specific first).
_ERROR_MEANINGS: tuple[tuple[type[EdxmlError], str], ...] = (
    (LimitExceeded, "vượt giới hạn cho phép (kích thước gói tin, số tệp đính kèm hoặc kích thước một tệp)"),
    (UnsafeXml, "dùng khai báo DTD, thực thể (entity) hoặc lồng phần tử quá sâu, bị từ chối để bảo đảm an toàn"),
    (UnsupportedEncoding, "dùng bảng mã ký tự không đọc được"),
    (WrongNamespace, "không thuộc không gian tên (namespace) edXML của QCVN 102:2016"),
    (MalformedAttachment, "tệp đính kèm không được mã hóa base64 hợp lệ"),
    (MalformedPackage, "không phải tài liệu XML edXML đúng cú pháp"),
)

#: What each rule of :func:`vanthu_edxml.validate` finds wrong, as the 02 says it (the rule names of its ``Issue``).
_RULE_MEANINGS = {
    "required": "thiếu thông tin bắt buộc",
    "length": "dài quá giới hạn",
    "attachment-duplicate": "trùng mã tệp đính kèm (ContentId)",
    "attachment-missing": "tệp đính kèm không có nội dung",
    "attachment-base64": "tệp đính kèm không được mã hóa base64 hợp lệ",
    "date-format": "ngày không đúng định dạng yyyy/MM/dd",
    "timestamp-format": "thời điểm không đúng định dạng yyyy/MM/dd HH:mm:ss",
    "integer-format": "không phải số nguyên",
    "boolean-format": "không phải giá trị đúng/sai (true/false hoặc 1/0)",
    "business-type": "loại nghiệp vụ không hợp lệ (0 văn bản mới, 1 thu hồi, 2 cập nhật, 3 thay thế)",
    "priority": "độ khẩn không hợp lệ (từ 0 đến 4)",
    "receiver-type": "loại thay đổi nơi nhận không hợp lệ (0 bỏ, 1 thêm)",
    "status-code": "mã trạng thái không có trong QCVN 102:2016",
    "document-id-form": "mã định danh văn bản (DocumentId) sai định dạng <mã cơ quan>,<yyyy/MM/dd>,<số>/<ký hiệu>",
    "document-id-code": "số, ký hiệu trong mã định danh văn bản (DocumentId) khác số, ký hiệu của văn bản",
    "document-id-date": "ngày trong mã định danh văn bản (DocumentId) khác ngày ban hành",
    "document-id-issuer": "cơ quan trong mã định danh văn bản (DocumentId) khác cơ quan gửi",
}


def edxml_error_meaning(error: EdxmlError) -> str:
    """What ``error`` (raised reading a package or decoding an attachment) means, in Vietnamese, with the reader's
    own words after it as the technical detail: the text a 02 carries back to the sender's clerk."""
    meaning = next((text for kind, text in _ERROR_MEANINGS if isinstance(error, kind)), "không đọc được")
    return f"{meaning} (chi tiết kỹ thuật: {error})"


def issue_meaning(issue: Issue) -> str:
    """A validation ``issue`` as a 02 says it: the element's path, what is wrong in Vietnamese, the rule's own
    words after it."""
    return f"{issue.path}: {_RULE_MEANINGS.get(issue.rule, 'không hợp lệ')} ({issue.message})"


def read_received(body: bytes, limits: Limits) -> DocumentPackage | StatusPackage:
    """Parse and check a received package (receiving profile); :class:`Refused` with the reason when it is not
    usable: not edXML, unsafe, over a limit, or with errors a receiver cannot tolerate."""
    try:
        package = read_package(body, limits)
    except EdxmlError as error:
        raise Refused(f"Gói tin không hợp lệ (không đọc được edXML): {edxml_error_meaning(error)}") from None
    report = validate(package, strict=False)
    if not report.ok:
        raise Refused("Gói tin không hợp lệ theo QCVN 102:2016: " + "; ".join(
            issue_meaning(i) for i in report.errors[:10]),
                      package if _fits(package) else None)
    if not _fits(package):
        raise Refused(f"Gói tin không hợp lệ: mã định danh văn bản (DocumentId) dài hơn {MAX_DOCUMENT_ID} ký tự")
    return package


#: The rules of :func:`vanthu_edxml.validate` that compare a package's own DocumentId with its header.
DOCUMENT_ID_RULES = frozenset({"document-id-form", "document-id-code", "document-id-date", "document-id-issuer"})


def document_id_contradictions(package: DocumentPackage) -> list[str]:
    """How the package's own ``MessageHeader/DocumentId`` contradicts its header (not the form
    ``<From OrganId>,<PromulgationDate yyyy/MM/dd>,<CodeNumber>/<CodeNotation>``, regulations digest §1.3.2); empty
    when it agrees. The receiving profile only warns about these (every official document sample has one); a VanThu
    installation's own writer never produces one, so the federation port refuses them from a peer."""
    report = validate(package, strict=False)
    return [issue.message for issue in (*report.errors, *report.warnings)
            if issue.path == "MessageHeader/DocumentId" and issue.rule in DOCUMENT_ID_RULES]


def response_for_of(package: DocumentPackage) -> ResponseFor:
    """What a status package answering ``package`` names (its sender, number and symbol, date, DocumentId)."""
    return ResponseFor(agency_code=package.sender.agency_code, code=str(package.code) if package.code else None,
                       promulgation_date=package.promulgation.date if package.promulgation else None,
                       document_id=package.document_id)
