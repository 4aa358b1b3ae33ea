"""Typed model of the edXML document package (gói tin văn bản) and status package (gói tin trạng thái).

The model is what the reader produces and the writer consumes. Values are kept as received where the
official samples are loose (agency codes, ``CodeNumber``, ``DocumentId`` are opaque strings), and typed where
the wire format is fixed (dates, timestamps, integers). All text is NFC-normalised and stripped of outer
whitespace on construction; Vietnamese characters are never folded.
"""

from __future__ import annotations

import binascii
import dataclasses
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import Any, Literal

from .errors import MalformedAttachment

Date = date  # alias: some dataclasses have a field named ``date``

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
"""The QCVN 102:2016 namespace used by every official sample."""

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

_PLAIN_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")
_PLAIN_TIMESTAMP = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


def parse_date(text: str) -> date:
    """A ``yyyy/MM/dd`` date, as ``datetime.strptime(text, DATE_FORMAT).date()`` reads it (ValueError when it is not
    one). The form every writer uses (four, two and two ASCII digits) is read without strptime, which costs ~20 µs
    a call (its locale check and regular expressions): a package carries several dates."""
    match = _PLAIN_DATE.fullmatch(text)
    if match is None:
        return _strptime(text, DATE_FORMAT).date()
    return date(int(match[1]), int(match[2]), int(match[3]))


def parse_timestamp(text: str) -> datetime:
    """A ``yyyy/MM/dd HH:mm:ss`` timestamp, as ``datetime.strptime(text, TIMESTAMP_FORMAT)`` reads it (see
    :func:`parse_date`)."""
    match = _PLAIN_TIMESTAMP.fullmatch(text)
    if match is None:
        return _strptime(text, TIMESTAMP_FORMAT)
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    return datetime(year, month, day, hour, minute, second)


def _strptime(text: str, form: str) -> datetime:
    """The forms :func:`parse_date` and :func:`parse_timestamp` do not read themselves (one digit for a month…)."""
    return datetime.strptime(text, form)


AGENCY_CODE_MAX = 35
QCVN_AGENCY_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-K]\d{2}$")
COMPETENCES = ("KT.", "TM.", "TL.", "TUQ.", "Q.")


class BusinessType(IntEnum):
    """``BussinessDocType``: loại nghiệp vụ."""

    NEW = 0  # văn bản mới
    REVOKE = 1  # thu hồi
    UPDATE = 2  # cập nhật
    REPLACE = 3  # thay thế


class StatusCode(StrEnum):
    """``StatusCode`` of a status package (trạng thái), as in the official sample file names."""

    INBOX = "01"  # đã đến
    REJECTION = "02"  # từ chối tiếp nhận
    ACCEPTANCE = "03"  # đã tiếp nhận (vào sổ)
    ASSIGNMENT = "04"  # phân công
    PROCESSING = "05"  # đang xử lý
    FINISH = "06"  # hoàn thành
    CANCELLATION = "13"  # lấy lại / thu hồi (sent by the sender)
    CHANGE_ACCEPTANCE = "15"  # đồng ý cập nhật / lấy lại
    CHANGE_REJECTION = "16"  # từ chối cập nhật / lấy lại


STATUS_CODES = frozenset(code.value for code in StatusCode)


class Priority(IntEnum):
    """``OtherInfo/Priority``: độ khẩn."""

    NORMAL = 0  # thường
    URGENT = 1  # khẩn
    VERY_URGENT = 2  # thượng khẩn
    EXPRESS = 3  # hỏa tốc
    EXPRESS_TIMED = 4  # hỏa tốc hẹn giờ


def normalize_text(value: str) -> str:
    """NFC-normalise and strip outer whitespace (never removes or folds Vietnamese letters)."""
    return unicodedata.normalize("NFC", value).strip()


VIETNAM_TIME = timezone(timedelta(hours=7))


def normalize_timestamp(value: datetime) -> datetime:
    """Wire timestamps are local Vietnam time to the second: convert aware values, drop microseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(VIETNAM_TIME).replace(tzinfo=None)
    return value.replace(microsecond=0)


class _Normalised:
    """Mixin for frozen dataclasses: NFC-normalise every ``str`` and tuple-of-``str`` field."""

    def __post_init__(self) -> None:
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
        for name in names:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, str):
                object.__setattr__(self, name, normalize_text(value))
            elif isinstance(value, datetime):
                object.__setattr__(self, name, normalize_timestamp(value))
            elif isinstance(value, list):
                value = tuple(value)
                object.__setattr__(self, name, value)
            if isinstance(value, tuple) and any(isinstance(v, str) for v in value):
                object.__setattr__(self, name, tuple(normalize_text(v) if isinstance(v, str) else v for v in value))


#: The field names of each model class (``dataclasses.fields`` builds its list anew at every call; a package makes
#: some twenty model objects).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Organization(_Normalised):
    """``From`` / ``To``: an agency (cơ quan, đơn vị) with its identifier code (mã định danh, ≤ 35 chars)."""

    agency_code: str = ""
    name: str | None = None
    in_charge: str | None = None
    address: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None

    @property
    def code_conforms(self) -> bool:
        """True when the code has the 13-character QCVN 102 form ``CCC.BB.AA.LNN``."""
        return bool(QCVN_AGENCY_CODE.match(self.agency_code))


@dataclass(frozen=True)
class Code(_Normalised):
    """``Code``: number (số) and notation (ký hiệu); ``7816`` and ``VPCP-TTĐT`` → ``7816/VPCP-TTĐT``."""

    number: str = ""
    notation: str = ""

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}"


@dataclass(frozen=True)
class DocumentId:
    """Parsed ``DocumentId``: ``<issuer code>,<yyyy/MM/dd>,<number>/<notation>``."""

    issuer: str
    date: Date
    number: str
    notation: str

    _PATTERN = re.compile(r"^([^,]+),(\d{4}/\d{2}/\d{2}),([^/]+)/(.+)$")

    @classmethod
    def parse(cls, value: str) -> DocumentId | None:
        """Parse the wire form; ``None`` when it does not have the QCVN shape (e.g. a UUID)."""
        match = cls._PATTERN.match(value.strip())
        if not match:
            return None
        try:
            day = parse_date(match.group(2))
        except ValueError:
            return None
        return cls(match.group(1), day, match.group(3), match.group(4))

    @classmethod
    def build(cls, issuer: str, promulgation_date: Date, code: Code) -> str:
        return str(cls(issuer, promulgation_date, code.number, code.notation))

    def __str__(self) -> str:
        return f"{self.issuer},{self.date.strftime(DATE_FORMAT)},{self.number}/{self.notation}"


@dataclass(frozen=True)
class PromulgationInfo(_Normalised):
    """``PromulgationInfo``: place and date of issue (ban hành)."""

    place: str | None = None
    date: Date | None = None


@dataclass(frozen=True)
class DocumentType(_Normalised):
    """``DocumentType``: QCVN type code, detail code and the type name (e.g. "Công văn")."""

    type_code: str | None = None
    type_detail: str | None = None
    type_name: str | None = None


@dataclass(frozen=True)
class SignerInfo(_Normalised):
    """``SignerInfo``: người ký; competence (thẩm quyền ký) starts with TM., KT., TL., TUQ. or Q."""

    competence: str | None = None
    position: str | None = None
    full_name: str | None = None

    @property
    def competence_prefix(self) -> str | None:
        """The recognised competence prefix (``"KT."``…), or ``None``."""
        if not self.competence:
            return None
        head = self.competence.upper()
        return next((c for c in COMPETENCES if head.startswith(c)), None)


@dataclass(frozen=True)
class OtherInfo(_Normalised):
    """``OtherInfo``: urgency (độ khẩn 0–4), circulation, typist, amounts, direction flag, appendixes."""

    priority: int | None = None
    sphere: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor(_Normalised):
    """``ResponseFor``: the document this package answers or reports on."""

    agency_code: str | None = None
    code: str | None = None
    promulgation_date: date | None = None
    document_id: str | None = None


@dataclass(frozen=True)
class StaffInfo(_Normalised):
    """``StaffInfo``: the clerk (văn thư) handling the package."""

    department: str | None = None
    staff: str | None = None
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class TraceHeader(_Normalised):
    """``TraceHeader``: one system the package passed through."""

    agency_code: str = ""
    timestamp: datetime | None = None


@dataclass(frozen=True)
class ReceiverChange(_Normalised):
    """``ReceiverList/Receiver``: recipient delta of an update; type 0 = removed, 1 = added."""

    agency_code: str = ""
    receiver_type: int | None = None


@dataclass(frozen=True)
class BusinessDocumentInfo:
    """``BussinessDocumentInfo`` of an update: what changed, and the recipient delta."""

    document_info: bool | None = None
    document_receiver: bool | None = None
    receivers: tuple[ReceiverChange, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "receivers", tuple(self.receivers))


@dataclass(frozen=True)
class ReplacementInfo(_Normalised):
    """``ReplacementInfo``: a replaced document and the agencies that had received it."""

    document_id: str = ""
    agency_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business(_Normalised):
    """``Bussiness`` (sic): business type (new / revoke / update / replace) and its details."""

    business_type: int | None = None
    reason: str | None = None
    document_id: str | None = None
    paper: bool | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()
    staff: StaffInfo | None = None


@dataclass(frozen=True)
class TraceHeaderList:
    """``TraceHeaderList``: the trace headers and the business block."""

    trace_headers: tuple[TraceHeader, ...] = ()
    business: Business | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "trace_headers", tuple(self.trace_headers))


class EncodedData:
    """Base64 text of an attachment, decoded only on demand.

    Holds a reference to the text as received (a ``memoryview`` into the package bytes when read), so
    reading a package with a large attachment copies nothing until :meth:`decode` is called.
    """

    __slots__ = ("_raw", "_sha256", "canonical")

    def __init__(self, raw: bytes | memoryview | str) -> None:
        self._raw: bytes | memoryview = raw.encode("ascii", "replace") if isinstance(raw, str) else raw
        #: The decoded bytes' SHA-256 (hex) once :meth:`check` or :meth:`sha256` decoded them (the bytes are not kept).
        self._sha256: str | None = None
        #: True when the text is known to be canonical base64 (made here by :meth:`from_bytes`): the writer copies it
        #: without looking at it again.
        self.canonical = False

    @classmethod
    def from_bytes(cls, data: bytes) -> EncodedData:
        encoded = cls(binascii.b2a_base64(data, newline=False))
        encoded.canonical = True
        return encoded

    @property
    def raw(self) -> bytes | memoryview:
        return self._raw

    @property
    def encoded_size(self) -> int:
        return len(self._raw)

    @property
    def estimated_size(self) -> int:
        """Upper bound of the decoded size, computed without decoding."""
        return len(self._raw) * 3 // 4

    def text(self) -> str:
        return bytes(self._raw).decode("ascii", "replace")

    def decode(self) -> bytes:
        """Decode the base64 text (whitespace ignored); raise :class:`MalformedAttachment` if invalid.

        The text is decoded where it lies (no copy) when it holds no whitespace, as a package written by a canonical
        writer does; otherwise, or when it is not valid, it is decoded without its whitespace, as
        ``base64.b64decode(…, validate=True)`` decodes it."""
        try:
            return binascii.a2b_base64(self._raw, strict_mode=True)
        except (binascii.Error, ValueError):
            pass
        try:
            return binascii.a2b_base64(_without_whitespace(self._raw), strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedAttachment(f"invalid base64: {exc}") from None

    def check(self) -> str | None:
        """Return why the text is not valid base64, or ``None`` if it is (decodes once, keeps only the decoded
        bytes' digest for :meth:`sha256`, so a large file is not held in memory)."""
        try:
            self.sha256()
        except MalformedAttachment as exc:
            return str(exc)
        return None

    def sha256(self) -> str:
        """The SHA-256 (64 lowercase hex digits) of the decoded bytes, decoding them the first time only (a package
        validated with its attachments checked is not decoded again to name its files by digest); raises
        :class:`MalformedAttachment` on bad base64."""
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.decode()).hexdigest()
        return self._sha256

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EncodedData):
            return NotImplemented
        return bytes(self._raw) == bytes(other._raw)

    def __hash__(self) -> int:
        return hash(bytes(self._raw))

    def __repr__(self) -> str:
        return f"EncodedData(<{len(self._raw)} base64 bytes>)"


def _without_whitespace(raw: bytes | memoryview) -> bytes:
    """Base64 text without the whitespace a line-wrapping writer puts in it."""
    return bytes(raw).translate(None, b" \t\r\n")


@dataclass(frozen=True)
class Attachment(_Normalised):
    """A file: manifest ``Reference`` joined with its ``AttachmentEncoded/Attachment`` by content id."""

    content_id: str = ""
    name: str | None = None
    content_type: str | None = None
    description: str | None = None
    data: EncodedData | None = None

    @classmethod
    def from_bytes(cls, content_id: str, name: str, content: bytes, content_type: str = "application/pdf",
                   description: str | None = None) -> Attachment:
        return cls(content_id, name, content_type, description, EncodedData.from_bytes(content))

    @property
    def bare_id(self) -> str:
        """The content id without its ``cid:`` prefix (the xlink variant omits it in ``AttachmentEncoded``)."""
        return bare_content_id(self.content_id)

    def content(self) -> bytes:
        """The decoded file; raises :class:`MalformedAttachment` on bad base64."""
        if self.data is None:
            raise MalformedAttachment("no ContentTransferEncoded for this attachment", self.content_id)
        return self.data.decode()

    def sha256(self) -> str:
        """The decoded file's SHA-256 (hex), decoded at most once (:meth:`EncodedData.sha256`); raises
        :class:`MalformedAttachment` on bad base64 or no content."""
        if self.data is None:
            raise MalformedAttachment("no ContentTransferEncoded for this attachment", self.content_id)
        return self.data.sha256()


def bare_content_id(content_id: str) -> str:
    return content_id[4:] if content_id.lower().startswith("cid:") else content_id


SignatureSlot = Literal["absent", "empty", "present"]


@dataclass(frozen=True)
class Issue:
    """One validation finding, naming the element path (e.g. ``MessageHeader/To[2]/OrganId``)."""

    path: str
    message: str
    severity: Literal["error", "warning"] = "error"
    rule: str = ""

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@dataclass(frozen=True)
class DocumentPackage(_Normalised):
    """The e-document package (gói tin văn bản điện tử).

    ``signature_slot`` and ``read_issues`` describe the bytes the model was read from; they do not take part
    in equality, so a read → write → read round trip compares the content only.
    """

    sender: Organization = field(default_factory=Organization)
    recipients: tuple[Organization, ...] = ()
    document_id: str | None = None
    code: Code | None = None
    promulgation: PromulgationInfo | None = None
    document_type: DocumentType | None = None
    subject: str | None = None
    content: str | None = None
    signer: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo | None = None
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()
    trace: TraceHeaderList | None = None
    attachments: tuple[Attachment, ...] = ()
    signature_slot: SignatureSlot = field(default="absent", compare=False)
    read_issues: tuple[Issue, ...] = field(default=(), compare=False, repr=False)

    @property
    def business_type(self) -> int | None:
        return self.trace.business.business_type if self.trace and self.trace.business else None

    @property
    def parsed_document_id(self) -> DocumentId | None:
        return DocumentId.parse(self.document_id) if self.document_id else None

    def replace(self, **changes: Any) -> DocumentPackage:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class StatusPackage(_Normalised):
    """The status package (gói tin trạng thái): what happened to a document at the reporting agency."""

    sender: Organization = field(default_factory=Organization)
    response_for: ResponseFor | None = None
    staff: StaffInfo | None = None
    status_code: str = ""
    description: str | None = None
    timestamp: datetime | None = None
    read_issues: tuple[Issue, ...] = field(default=(), compare=False, repr=False)

    @property
    def status(self) -> StatusCode | None:
        return StatusCode(self.status_code) if self.status_code in STATUS_CODES else None

    def replace(self, **changes: Any) -> StatusPackage:
        return dataclasses.replace(self, **changes)


Package = DocumentPackage | StatusPackage
