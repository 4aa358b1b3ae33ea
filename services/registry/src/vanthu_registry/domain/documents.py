"""Documents (văn bản đi / văn bản đến): metadata rules, number and symbol, and the state machine.

Rules from Decree 30/2020/NĐ-CP (Art. 15, 16, 22; Appendix I and VI) and the field lengths of QCVN 102
(``regulations.md`` §3.3–3.5, §7.3). No I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.text import clean_text
from vanthu_registry.domain.agencies import CLASSIC_CODE, check_code
from vanthu_registry.domain.doctypes import NAME_ABBREVIATION, DocumentType
from vanthu_registry.domain.exchange import check_form


class Direction(StrEnum):
    OUTGOING = "outgoing"  # văn bản đi
    INCOMING = "incoming"  # văn bản đến
    COPY = "copy"  # sổ bản sao: only registers; copies (not documents) are numbered in it


#: Forms of copy (Decree 30/2020 Art. 25, Appendix I): one yearly number series shared by all three.
COPY_FORMS = {"SY": "sao y", "SL": "sao lục", "TrS": "trích sao"}


def copy_symbol(number: int, form: str, agency_abbreviation: str) -> str:
    """Số và ký hiệu bản sao: ``05/SY-UBND`` (two digits at least, as every register number)."""
    return f"{number:02d}/{form}" + (f"-{agency_abbreviation}" if agency_abbreviation else "")


class Status(StrEnum):
    """The states of a document (``architecture.md``, "Issuing, one act"; regulations.md §7.2).

    Outgoing: draft (dự thảo) → submitted (trình ký) → signed (đã ký số by the competent person) → numbered
    (cấp số, the seal still pending) → issued (ban hành: numbered, dated and sealed); cancelled keeps a number.
    Incoming: arrived (tiếp nhận) → registered (vào sổ) or rejected (trả lại); revoked (thu hồi) when the clerk
    accepts the sender's revocation (:mod:`vanthu_registry.domain.revocation`).
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"  # trình ký: waiting for the competent person's signature
    SIGNED = "signed"  # the competent person signed the main file
    NUMBERED = "numbered"  # has its number and date; the agency's seal is pending (the clerk repeats the issue)
    ISSUED = "issued"  # ban hành: numbered, dated and sealed
    ARRIVED = "arrived"  # tiếp nhận
    REGISTERED = "registered"  # vào sổ: has its arrival number
    REJECTED = "rejected"  # trả lại
    CANCELLED = "cancelled"  # keeps its number; numbers are never reused
    REVOKED = "revoked"  # thu hồi: the sender took the arrival back; its content is removed, its trail kept


class Urgency(StrEnum):
    """Độ khẩn; the value is edXML's Priority."""

    NORMAL = "normal"  # thường
    URGENT = "urgent"  # khẩn
    VERY_URGENT = "very_urgent"  # thượng khẩn
    EXPRESS = "express"  # hỏa tốc


class Confidentiality(StrEnum):
    NONE = "none"
    CONFIDENTIAL = "confidential"  # mật
    SECRET = "secret"  # noqa: S105 (tối mật, not a password)
    TOP_SECRET = "top_secret"  # noqa: S105 (tuyệt mật)


class Competence(StrEnum):
    """Thẩm quyền ký: signing on one's own (empty), or on behalf (Decree 30, Art. 13)."""

    OWN = ""
    TM = "TM."  # thay mặt (a collective)
    KT = "KT."  # ký thay (a deputy)
    TL = "TL."  # thừa lệnh
    TUQ = "TUQ."  # thừa ủy quyền
    Q = "Q."  # quyền (acting head)


class FileRole(StrEnum):
    MAIN = "main"
    ATTACHMENT = "attachment"


TRANSITIONS: dict[str, dict[Status, set[Status]]] = {
    "submit": {Status.DRAFT: {Status.SUBMITTED}},
    "return": {Status.SUBMITTED: {Status.DRAFT}},
    "sign": {Status.SUBMITTED: {Status.SIGNED}},
    "number": {Status.SIGNED: {Status.NUMBERED}},
    "issue": {Status.NUMBERED: {Status.ISSUED}},
    "register": {Status.ARRIVED: {Status.REGISTERED}},
    "reject": {Status.ARRIVED: {Status.REJECTED}},
    "cancel": {Status.DRAFT: {Status.CANCELLED}, Status.SUBMITTED: {Status.CANCELLED},
               Status.SIGNED: {Status.CANCELLED}, Status.NUMBERED: {Status.CANCELLED},
               Status.ISSUED: {Status.CANCELLED}, Status.ARRIVED: {Status.CANCELLED},
               Status.REGISTERED: {Status.CANCELLED}},
}
#: States before a number was taken: cancelling one of these ends the document's hold on its files.
UNNUMBERED = frozenset({Status.DRAFT, Status.SUBMITTED, Status.SIGNED})

SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Ids of documents (UUIDv7, lower-case hex with dashes).
DOCUMENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_ABSTRACT = 500
MAX_RECIPIENTS = 500
MAX_FILES = 50


@dataclass(frozen=True)
class Signer:
    name: str = ""
    title: str = ""  # chức vụ
    competence: Competence = Competence.OWN
    subject: str = ""  # the signer's account, when chosen from the agency's people


@dataclass(frozen=True)
class Recipient:
    """An agency by its identifier code, or a named external recipient (nơi nhận)."""

    agency_code: str = ""
    name: str = ""


@dataclass(frozen=True)
class DocumentFile:
    """A file of a document, kept in storage: ``sha256`` and ``content_type`` as storage found them (a draft may
    leave them empty; the registry fills them in when it records its reference)."""

    object_id: str
    sha256: str = ""
    role: FileRole = FileRole.MAIN
    file_name: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class SenderInfo:
    """What an incoming document says about itself (kept exactly as received)."""

    agency_code: str = ""
    agency_name: str = ""
    number_symbol: str = ""  # "05/CT-UBND"
    document_date: date | None = None


@dataclass
class Draft:
    """The metadata a person may set; checked by :func:`check_metadata`."""

    direction: Direction
    type_code: str
    abstract: str
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NONE
    drafting_unit: str = ""
    unit_abbreviation: str = ""  # used in a letter's symbol: 456/UBND-VX
    signer: Signer = field(default_factory=Signer)
    place: str = ""
    recipients: list[Recipient] = field(default_factory=list)
    files: list[DocumentFile] = field(default_factory=list)
    answers_document_id: str = ""
    due_date: date | None = None
    sender: SenderInfo = field(default_factory=SenderInfo)
    #: Văn bản quy phạm pháp luật: numbered in its type's own series, the year in its symbol (12/2026/QĐ-UBND).
    legal_normative: bool = False
    #: Incoming only: the sender's exchange form (edXML Bussiness/Paper), "" when unknown. Outgoing documents take
    #: theirs from the agency's exchange catalogue when numbered (:mod:`vanthu_registry.domain.exchange`).
    exchange_form: str = ""
    #: Incoming only: entered by hand from a paper original, its files scans (no digital signature to verify).
    paper: bool = False


def _file_name(field: str, name: str) -> str:
    """A file's name as shown on a document: NFC text without path separators (it names a file, not a place)."""
    text = clean_text(field, name, max_len=255, required=False)
    if "/" in text or "\\" in text or text in (".", ".."):
        raise InvalidArgument(field, "là tên tệp: không có '/' hay '\\', không là '.' hay '..'.")
    return text


def refuse_classified(confidentiality: Confidentiality) -> None:
    if confidentiality is not Confidentiality.NONE:
        raise InvalidArgument(
            "confidentiality",
            "văn bản mật, tối mật, tuyệt mật không được xử lý trên hệ thống điện tử: hãy vào sổ và gửi bản giấy theo "
            "quy định về bảo vệ bí mật nhà nước.")


def recipient_code(value: str, field_name: str) -> str:
    """An agency code a document is sent to, checked as :func:`check_code` checks it;
    one of the QCVN 102 form typed in lower case (``000.00.41.h61``) is the code in upper case, as the directory
    and every peer write it (regulations digest §1.2.3): in lower case it matched no agency, and an issued
    document to it failed with "no route" after its number was taken."""
    code = check_code(value, field_name)[0]
    return code.upper() if CLASSIC_CODE.match(code.upper()) else code


def check_metadata(draft: Draft) -> Draft:
    """Normalise (NFC) and check a draft; raise InvalidArgument naming the first bad field."""
    refuse_classified(draft.confidentiality)
    draft.abstract = clean_text("abstract", draft.abstract, max_len=MAX_ABSTRACT)
    draft.drafting_unit = clean_text("drafting_unit", draft.drafting_unit, max_len=200, required=False)
    draft.unit_abbreviation = clean_text("unit_abbreviation", draft.unit_abbreviation, max_len=20, required=False)
    if draft.unit_abbreviation and not NAME_ABBREVIATION.match(draft.unit_abbreviation):
        raise InvalidArgument("unit_abbreviation", "chỉ gồm chữ, số và '&' giữa hai chữ, không có dấu cách (ví dụ "
                                                   "VX, TC&KH).")
    draft.signer = Signer(name=clean_text("signer.name", draft.signer.name, max_len=50, required=False),
                          title=clean_text("signer.title", draft.signer.title, max_len=100, required=False),
                          competence=draft.signer.competence,
                          subject=clean_text("signer.subject", draft.signer.subject, max_len=64, required=False))
    draft.place = clean_text("place", draft.place, max_len=100, required=False)
    if len(draft.recipients) > MAX_RECIPIENTS:
        raise InvalidArgument("recipients", f"tối đa {MAX_RECIPIENTS} nơi nhận.")
    recipients: list[Recipient] = []
    first_of: dict[str, int] = {}  # each agency code's place in the list
    for i, r in enumerate(draft.recipients):
        code = recipient_code(r.agency_code, f"recipients[{i}].agency_code") if r.agency_code else ""
        name = clean_text(f"recipients[{i}].name", r.name, max_len=200, required=not code)
        if code in first_of:
            raise InvalidArgument(f"recipients[{i}].agency_code", f"{code} đã có trong danh sách nơi nhận (nơi nhận "
                                                                  f"thứ {first_of[code] + 1}); mỗi cơ quan chỉ nhận "
                                                                  "một lần.")
        if code:
            first_of[code] = i
        recipients.append(Recipient(code, name))
    draft.recipients = recipients
    if len(draft.files) > MAX_FILES:
        raise InvalidArgument("files", f"tối đa {MAX_FILES} tệp.")
    for i, f in enumerate(draft.files):
        if not f.object_id or len(f.object_id) > 64:
            raise InvalidArgument(f"files[{i}].object_id", "chưa có: hãy tải tệp lên trước.")
        if f.sha256 and not SHA256.match(f.sha256):
            raise InvalidArgument(f"files[{i}].sha256", "phải gồm 64 chữ số thập lục phân viết thường (hoặc để "
                                                        "trống: lấy mã băm do kho lưu tính).")
    if len({f.object_id for f in draft.files}) != len(draft.files):
        raise InvalidArgument("files", "một tệp được đính kèm hai lần: hãy bỏ bớt một.")
    draft.files = [DocumentFile(f.object_id, f.sha256, f.role, _file_name(f"files[{i}].file_name", f.file_name),
                                f.content_type)
                   for i, f in enumerate(draft.files)]
    if draft.answers_document_id and not DOCUMENT_ID.match(draft.answers_document_id):
        raise InvalidArgument("answers_document_id", "phải là mã (UUID) của một văn bản của cơ quan này.")
    if sum(f.role is FileRole.MAIN for f in draft.files) > 1:
        raise InvalidArgument("files", "văn bản chỉ có một văn bản chính; các tệp khác là phụ lục đính kèm.")
    if draft.direction is Direction.INCOMING:
        s = draft.sender
        draft.sender = SenderInfo(
            agency_code=check_code(s.agency_code, "sender.agency_code")[0] if s.agency_code else "",
            agency_name=clean_text("sender.agency_name", s.agency_name, max_len=200),
            number_symbol=clean_text("sender.number_symbol", s.number_symbol, max_len=42, required=False),
            document_date=s.document_date)
        form = check_form("exchange_form", draft.exchange_form, required=False)
        draft.exchange_form = form.value if form else ""
    elif draft.exchange_form.strip():
        raise InvalidArgument("exchange_form", "văn bản đi lấy hình thức gửi theo danh mục gửi nhận của cơ quan khi "
                                               "được cấp số: hãy để trống.")
    if draft.paper and draft.direction is not Direction.INCOMING:
        raise InvalidArgument("paper", "chỉ văn bản đến mới được nhập từ bản giấy.")
    return draft


_DONE = {"submit": "trình ký", "return": "trả lại người soạn", "sign": "ký số", "number": "cấp số",
         "issue": "phát hành", "register": "vào sổ", "reject": "trả lại", "cancel": "hủy"}

#: Each status as the screens say it (ux.md's lists), for messages.
STATUS_NAMES = {Status.DRAFT: "dự thảo", Status.SUBMITTED: "đã trình ký", Status.SIGNED: "đã ký số",
                Status.NUMBERED: "đã cấp số (chờ đóng dấu)", Status.ISSUED: "đã ban hành",
                Status.ARRIVED: "mới tiếp nhận", Status.REGISTERED: "đã vào sổ", Status.REJECTED: "đã trả lại",
                Status.CANCELLED: "đã hủy", Status.REVOKED: "đã thu hồi"}

#: Each direction as the register books name it.
DIRECTION_NAMES = {"outgoing": "văn bản đi", "incoming": "văn bản đến", "copy": "bản sao"}


def status_name(status: object) -> str:
    """A document status (a :class:`Status` or its value) in Vietnamese; an unknown value is kept as spelled."""
    try:
        return STATUS_NAMES[Status(str(status))]
    except ValueError:
        return str(status)


def direction_name(direction: object) -> str:
    """A direction (a :class:`Direction` or its value) as the register books name it ("văn bản đi")."""
    return DIRECTION_NAMES.get(str(getattr(direction, "value", direction)), str(direction))


def transition(action: str, current: Status) -> Status:
    """The status after ``action``; FailedPrecondition when it does not apply to ``current``."""
    allowed = TRANSITIONS[action].get(current)
    if not allowed:
        raise FailedPrecondition(f"Văn bản đang ở trạng thái {status_name(current)} nên không thể {_DONE[action]}.")
    return next(iter(allowed))


#: The acts the workflow's outgoing circuit performs on the registry, in the words of the refusal of a direct one.
CIRCUIT_ACTS = {"submit": "trình ký", "return": "trả lại dự thảo", "sign": "ký số", "issue": "phát hành",
                "update": "sửa dự thảo"}


def check_circuit(act: str, in_circuit: bool, through_circuit: bool) -> None:
    """An outgoing document the workflow's circuit governs (quy trình trình ký, issue 13 item 2) is changed,
    submitted, returned, signed and issued only through it: a direct ``act`` (a key of :data:`CIRCUIT_ACTS`) on it is
    refused with FailedPrecondition saying where to do it. ``through_circuit``: the workflow vouched for the call
    (:func:`vanthu_core.policy.vouched_by`). A document no circuit governs keeps the direct acts."""
    if in_circuit and not through_circuit:
        words = CIRCUIT_ACTS[act]
        raise FailedPrecondition(f"Văn bản này đang theo quy trình trình ký: hãy {words} trong hồ sơ công việc của "
                                 f"văn bản (mục Công việc), nơi quy trình giao bước này cho người có thẩm quyền; "
                                 f"không {words} trực tiếp trên văn bản.")


def main_file(files: list[DocumentFile]) -> DocumentFile | None:
    """The document's main file (văn bản chính), if it has one."""
    return next((f for f in files if f.role is FileRole.MAIN), None)


def check_ready_to_submit(files: list[DocumentFile]) -> None:
    """A draft goes for signature with its main file as a PDF and every attachment as a PDF: the competent person
    signs the main file, the agency signs each separate attachment (Decree 30/2020 Appendix I, II.8.b)."""
    main = main_file(files)
    if main is None:
        raise FailedPrecondition("Dự thảo chưa có văn bản chính: hãy tải lên tệp PDF cần ký và gắn vào dự thảo (vai "
                                 "trò văn bản chính) trước khi trình ký.")
    for f in files:
        if f.content_type and f.content_type != "application/pdf":
            what = "Văn bản chính" if f.role is FileRole.MAIN else f"Phụ lục {f.file_name or f.object_id}"
            raise FailedPrecondition(f"{what} là {file_kind(f.file_name, f.content_type)}; tệp của văn bản đi được "
                                     f"ký số dưới dạng PDF: hãy chuyển sang PDF.")


#: The kinds of file a civil servant knows by name, by extension and by the content type storage found.
_KINDS = {"docx": "tệp Word (.docx)", "doc": "tệp Word (.doc)", "xlsx": "tệp Excel (.xlsx)",
          "xls": "tệp Excel (.xls)", "odt": "tệp văn bản OpenDocument (.odt)"}
_KIND_OF_TYPE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.text": "odt",
}


def file_kind(file_name: str, content_type: str = "") -> str:
    """A file's kind in plain Vietnamese for a refusal a civil servant reads: "tệp Word (.docx)", "tệp Excel
    (.xlsx)", else its extension ("tệp .png"); never a MIME type. The web app's draft form says the same
    (``services/web/src/features/outgoing/fileKind.ts``)."""
    name = file_name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not extension:
        extension = _KIND_OF_TYPE.get(content_type, "")
    if extension in _KINDS:
        return _KINDS[extension]
    return f"tệp .{extension}" if extension else "tệp không phải PDF"


def format_number(number: int) -> str:
    """Numbers below 10 take a leading zero: 5 → "05" (Decree 30, Appendix I)."""
    if number < 1:
        raise ValueError("document numbers start at 1")
    return f"{number:02d}"


def build_symbol(doc_type: DocumentType, agency_abbreviation: str, unit_abbreviation: str = "") -> str:
    """Ký hiệu: ``QĐ-UBND`` for typed documents, ``UBND-VX`` for letters (no type abbreviation).

    A typed document may carry the drafting unit too (``QĐ-UBND-VP``) when the agency's rules say so; a
    letter needs it (a letter's symbol without a unit is the agency abbreviation alone).
    """
    parts = [doc_type.abbreviation] if doc_type.abbreviation else []
    parts.append(agency_abbreviation)
    if unit_abbreviation:
        parts.append(unit_abbreviation)
    symbol = "-".join(parts)
    if len(symbol) > 30:
        raise InvalidArgument("unit_abbreviation", f"ký hiệu {symbol} dài quá 30 ký tự: hãy dùng chữ viết tắt ngắn "
                                                   "hơn.")
    return symbol


def number_and_symbol(number: int, symbol: str) -> str:
    return f"{format_number(number)}/{symbol}"


def issued_number_symbol(number: int, symbol: str, *, year: int, legal_normative: bool) -> str:
    """Số và ký hiệu as issued: ``05/QĐ-UBND``; a legal-normative document (VB QPPL) carries the year of issue
    between number and symbol: ``12/2026/QĐ-UBND`` (Decree 30/2020 Art. 15, ``regulations.md`` §3.3; the VB QPPL
    presentation of Decree 34/2016/NĐ-CP as amended). ``year`` is the year in Vietnam time when it is numbered."""
    if legal_normative:
        return f"{format_number(number)}/{year:04d}/{symbol}"
    return number_and_symbol(number, symbol)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """What changed, as ``{field: [old, new]}`` for the history."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
