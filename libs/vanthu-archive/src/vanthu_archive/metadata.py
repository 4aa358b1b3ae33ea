"""The metadata of a file (hồ sơ) and of each document in it (văn bản trong hồ sơ).

Sources, in order of rank:

- Decree 30/2020/NĐ-CP Appendix VI Part II.III (file) and II.I–II.II (document): field names and lengths
  (``FileCode`` = ``OrganId`` 13 + ``FileCatalog`` 4 + ``FileNotation`` 20, ``Title`` 500, ``Maintenance`` 30,
  ``Rights`` 30, ``Creator`` 30, ``Language`` 50, ``StartDate``/``EndDate``, ``DocTotal`` 4, ``PageTotal`` 4,
  ``Description`` 500; ``DocOrdinal`` 3, ``TypeName`` 100, ``CodeNumber`` 11, ``CodeNotation`` 30,
  ``IssuedDate``, ``OrganName`` 200, ``Subject`` 500, ``PageAmount``, ``SignerInfo`` (``Position`` 100,
  ``FullName`` 50)). ``OrganId`` is widened to 35 as QCVN 102 SĐ1:2022 did for agency codes.
- Appendix V.I.2: the file number and notation is a sequence number in Arabic digits, a dot, and the abbreviation
  of the large heading: ``01.TCCB``.
- Circular 02/2019/TT-BNV (as regulations.md §5.1–5.2 digests it, tag [S]/[R]): the file code is
  ``<OrganId>.<FileCatalog>.<FileNotation>``, the document code is ``<file code>.<DocOrdinal>`` with a three-digit
  ordinal (``G09.2021.01.001.001``); the further fields ``Identifier`` 13, ``InforSign`` 100, ``Keyword`` 100,
  ``Mode`` 20, ``ConfidenceLevel``, ``Autograph``, ``Format`` 50 and the sheet count.
- The code lists for retention (``Maintenance``), mode of use, language and document type are those seen for the
  2025 archival packages (regulations.md §5.4, [S]).

Every text is stripped and NFC-normalised when the object is made; :meth:`FileMetadata.validate` and
:meth:`DocumentMetadata.validate` report every problem at once in one :class:`MetadataError`, in Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from enum import Enum
from typing import Any, Self

# -- errors ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem of one field: ``field`` is the attribute's name (dotted for nested ones, ``signer.full_name``),
    ``message`` says in Vietnamese what is wrong and what would be accepted."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class MetadataError(ValueError):
    """The metadata cannot be accepted. ``problems`` lists every problem found (never empty); ``field`` and
    ``reason`` are the first one's, for callers that map to ``vanthu_core.errors.InvalidArgument(field, reason)``."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        if not problems:
            raise ValueError("MetadataError needs at least one problem")
        self.problems = tuple(problems)
        self.field = self.problems[0].field
        self.reason = "; ".join(str(p) for p in self.problems)
        super().__init__(f"Siêu dữ liệu không hợp lệ ({len(self.problems)} lỗi): {self.reason}")


# -- code lists ------------------------------------------------------------------------------------------------


class _Coded(Enum):
    """A code list entry: ``value`` is the two-digit code, ``label`` the Vietnamese name."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        obj = object.__new__(cls)
        obj._value_ = code
        obj.label = label
        return obj

    @classmethod
    def from_code(cls, code: str) -> Self:
        """The entry of ``code`` (``"01"``); ValueError when the list has no such code."""
        for member in cls:
            if member.value == code:
                return member
        raise ValueError(f"{code!r} is not a {cls.__name__} code")

    @classmethod
    def from_label(cls, label: str) -> Self:
        """The entry whose label equals ``label`` (case- and NFC-insensitive); ValueError otherwise."""
        wanted = unicodedata.normalize("NFC", label).strip().casefold()
        for member in cls:
            if member.label.casefold() == wanted:
                return member
        raise ValueError(f"{label!r} is not a {cls.__name__} label")


class AccessMode(_Coded):
    """Chế độ sử dụng (``Rights`` of a file, ``Mode`` of a document). ``SECRET`` exists in the code list but is
    refused by :meth:`validate`: state secrets are never handled electronically (Decision 28/2018 Art. 1.2)."""

    PUBLIC = ("01", "Công khai")
    RESTRICTED = ("02", "Có điều kiện")
    SECRET = ("03", "Mật")


class Language(_Coded):
    """Ngôn ngữ (regulations.md §5.4)."""

    VIETNAMESE = ("01", "Tiếng Việt")
    ENGLISH = ("02", "Tiếng Anh")
    FRENCH = ("03", "Tiếng Pháp")
    RUSSIAN = ("04", "Tiếng Nga")
    CHINESE = ("05", "Tiếng Trung")
    VIETNAMESE_ENGLISH = ("06", "Tiếng Việt - Tiếng Anh")
    VIETNAMESE_RUSSIAN = ("07", "Tiếng Việt - Tiếng Nga")
    VIETNAMESE_FRENCH = ("08", "Tiếng Việt - Tiếng Pháp")
    HAN_NOM = ("09", "Hán Nôm")
    VIETNAMESE_CHINESE = ("10", "Tiếng Việt - Tiếng Trung")
    OTHER = ("11", "Khác")


class DocumentType(_Coded):
    """Tên loại văn bản, the archival code list 01–32 (regulations.md §5.4; not the edXML ``DocumentType``)."""

    RESOLUTION = ("01", "Nghị quyết")
    DECISION = ("02", "Quyết định")
    DIRECTIVE = ("03", "Chỉ thị")
    REGULATION = ("04", "Quy định")
    CIRCULAR = ("05", "Thông tư")
    JOINT_CIRCULAR = ("06", "Thông tư liên tịch")
    NOTICE = ("07", "Thông báo")
    GUIDANCE = ("08", "Hướng dẫn")
    PROGRAMME = ("09", "Chương trình")
    PLAN = ("10", "Kế hoạch")
    SCHEME = ("11", "Phương án")
    PROPOSAL = ("12", "Đề án")
    PROJECT = ("13", "Dự án")
    REPORT = ("14", "Báo cáo")
    SUBMISSION = ("15", "Tờ trình")
    AUTHORISATION = ("16", "Giấy ủy quyền")
    DISPATCH_SLIP = ("17", "Phiếu gửi")
    TRANSFER_SLIP = ("18", "Phiếu chuyển")
    NOTICE_SLIP = ("19", "Phiếu báo")
    MINUTES = ("20", "Biên bản")
    CONTRACT = ("21", "Hợp đồng")
    OFFICIAL_LETTER = ("22", "Công văn")
    TELEGRAM = ("23", "Công điện")
    MEMORANDUM = ("24", "Bản ghi nhớ")
    AGREEMENT = ("25", "Bản thỏa thuận")
    INVITATION = ("26", "Giấy mời")
    INTRODUCTION = ("27", "Giấy giới thiệu")
    LEAVE = ("28", "Giấy nghỉ phép")
    PUBLIC_LETTER = ("29", "Thư công")
    MAP = ("30", "Bản đồ")
    TECHNICAL_DRAWING = ("31", "Bản vẽ kỹ thuật")
    OTHER = ("32", "Khác")


class ConfidenceLevel(_Coded):
    """Mức độ tin cậy of a document (Circular 02/2019, [R]): born digital, digitised from paper, or mixed."""

    BORN_DIGITAL = ("01", "Gốc điện tử")
    DIGITISED = ("02", "Số hóa")
    MIXED = ("03", "Hỗn hợp")


class CopyKind(_Coded):
    """Loại bản: which copy the archive holds (Decree 30 Art. 3, 25: bản gốc, bản chính, bản sao y, sao lục,
    trích sao)."""

    ORIGINAL = ("01", "Bản gốc")
    MASTER = ("02", "Bản chính")
    TRUE_COPY = ("03", "Bản sao y")
    COPY_OF_COPY = ("04", "Bản sao lục")
    EXTRACT = ("05", "Bản trích sao")
    OTHER_COPY = ("06", "Bản sao khác")


class Confidentiality(_Coded):
    """Độ mật (information security level). Only ``NONE`` passes :meth:`validate`: documents marked mật, tối mật
    or tuyệt mật are never handled in this system (Decision 28/2018 Art. 1.2; Decree 63/2026 gives them a separate
    system)."""

    NONE = ("00", "Thường")
    SECRET = ("01", "Mật")
    TOP_SECRET = ("02", "Tối mật")
    MOST_SECRET = ("03", "Tuyệt mật")


# -- retention -------------------------------------------------------------------------------------------------

#: The retention code list (``Maintenance``, regulations.md §5.4): code → years (``None``: permanent); any other
#: number of years has code 07 "Khác".
RETENTION_CODES: dict[str, int | None] = {"01": None, "02": 70, "03": 50, "04": 30, "05": 20, "06": 10}
RETENTION_OTHER = "07"
MAX_RETENTION_YEARS = 99
_RETENTION_TEXT = re.compile(r"^(\d{1,2}) năm$")


@dataclass(frozen=True)
class Retention:
    """Thời hạn bảo quản: permanent (``years is None``, "Vĩnh viễn") or a number of years, 1–99 ("20 năm";
    Appendix V.I.4: "Vĩnh viễn hoặc thời hạn bằng số năm cụ thể"). Files kept ≥ 5 years must be deposited
    (Art. 31.3.c): :attr:`must_deposit`."""

    years: int | None = None

    @classmethod
    def permanent(cls) -> Retention:
        return cls(None)

    @classmethod
    def parse(cls, text: str) -> Retention:
        """``"Vĩnh viễn"`` or ``"N năm"`` (NFC, any case); ValueError otherwise."""
        norm = unicodedata.normalize("NFC", text).strip()
        if norm.casefold() == "vĩnh viễn":
            return cls(None)
        match = _RETENTION_TEXT.match(norm.casefold())
        if match is None:
            raise ValueError(f"thời hạn bảo quản {text!r}: cần 'Vĩnh viễn' hoặc 'N năm'")
        return cls(int(match.group(1)))

    @classmethod
    def from_code(cls, code: str, years: int | None = None) -> Retention:
        """From the code list; code 07 ("Khác") needs ``years``."""
        if code in RETENTION_CODES:
            return cls(RETENTION_CODES[code])
        if code == RETENTION_OTHER and years is not None:
            return cls(years)
        raise ValueError(f"mã thời hạn bảo quản {code!r} không có trong danh mục (01–07)")

    @property
    def is_permanent(self) -> bool:
        return self.years is None

    @property
    def code(self) -> str:
        for code, years in RETENTION_CODES.items():
            if years == self.years:
                return code
        return RETENTION_OTHER

    @property
    def label(self) -> str:
        """``"Vĩnh viễn"`` or ``"N năm"``, as the plan and the XML show it."""
        return "Vĩnh viễn" if self.years is None else f"{self.years} năm"

    @property
    def must_deposit(self) -> bool:
        return self.years is None or self.years >= 5

    def problems(self, name: str) -> list[Problem]:
        if self.years is None:
            return []
        years = self.years
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_RETENTION_YEARS:
            return [Problem(name, f"số năm bảo quản phải từ 1 đến {MAX_RETENTION_YEARS}, hoặc 'Vĩnh viễn'; "
                                  f"nhận được {self.years!r}")]
        return []

    def __str__(self) -> str:
        return self.label


# -- codes -----------------------------------------------------------------------------------------------------

#: Agency code (mã định danh / mã phông): letters, digits and dots, e.g. ``000.00.12.H41`` (QĐ 20/2020), 35 chars.
_ORGAN_ID = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$")
#: File number and notation (Appendix V.I.2): two or more digits, a dot, the heading's abbreviation (capitals,
#: Đ, digits; parts joined by ``-``), e.g. ``01.TCCB``, ``12.VP-HC``.
_NOTATION = re.compile(r"^(\d{2,4})\.([A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*)$")
_FILE_CODE = re.compile(r"^(?P<organ>[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*?)\.(?P<catalogue>\d{1,4})"
                        r"\.(?P<notation>\d{2,4}\.[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*)$")
_DOC_CODE = re.compile(r"^(?P<file>.+)\.(?P<ordinal>\d{3})$")

ORGAN_ID_MAX = 35
NOTATION_MAX = 20
CATALOGUE_MAX = 9999
ORDINAL_MAX = 999


def file_code(organ_id: str, catalogue: int, notation: str) -> str:
    """Mã hồ sơ = ``<OrganId>.<FileCatalog>.<FileNotation>`` (Circular 02/2019; Appendix VI II.III.1):
    ``file_code("000.00.12.H41", 2026, "01.TCCB") == "000.00.12.H41.2026.01.TCCB"``. No validation here."""
    return f"{organ_id}.{catalogue}.{notation}"


def parse_file_code(code: str) -> tuple[str, int, str]:
    """Split a file code into (organ id, catalogue or year, number and notation); :class:`MetadataError` when it
    does not have that shape."""
    norm = unicodedata.normalize("NFC", code).strip()
    match = _FILE_CODE.match(norm)
    if match is None or len(match.group("organ")) > ORGAN_ID_MAX or len(match.group("notation")) > NOTATION_MAX:
        raise MetadataError([Problem("file_code", f"mã hồ sơ {code!r} không đúng dạng <mã cơ quan>.<năm hoặc mục "
                                                  "lục số>.<số và ký hiệu hồ sơ>, ví dụ 000.00.12.H41.2026.01.TCCB")])
    return match.group("organ"), int(match.group("catalogue")), match.group("notation")


def document_code(file_code_: str, ordinal: int) -> str:
    """Mã định danh văn bản = ``<file code>.<ordinal on three digits>`` (Circular 02/2019): ``….01.TCCB.007``."""
    return f"{file_code_}.{ordinal:03d}"


def parse_document_code(code: str) -> tuple[str, int]:
    """Split a document code into (file code, ordinal); :class:`MetadataError` when either part is malformed."""
    norm = unicodedata.normalize("NFC", code).strip()
    match = _DOC_CODE.match(norm)
    if match is None or int(match.group("ordinal")) < 1:
        raise MetadataError([Problem("document_code", f"mã văn bản {code!r} không đúng dạng <mã hồ sơ>.<số thứ "
                                                      "tự 3 chữ số từ 001>, ví dụ 000.00.12.H41.2026.01.TCCB.001")])
    parse_file_code(match.group("file"))
    return match.group("file"), int(match.group("ordinal"))


# -- helpers ---------------------------------------------------------------------------------------------------

#: Vietnamese names of the fields, for messages and forms.
LABELS: dict[str, str] = {
    "organ_id": "Mã phông (mã cơ quan)",
    "catalogue": "Mục lục số hoặc năm hình thành hồ sơ",
    "notation": "Số và ký hiệu hồ sơ",
    "title": "Tiêu đề hồ sơ",
    "retention": "Thời hạn bảo quản",
    "access_mode": "Chế độ sử dụng",
    "creator": "Người lập hồ sơ",
    "language": "Ngôn ngữ",
    "start_date": "Thời gian bắt đầu",
    "end_date": "Thời gian kết thúc",
    "doc_total": "Tổng số văn bản",
    "page_total": "Tổng số trang",
    "sheet_total": "Số lượng tờ",
    "description": "Ghi chú",
    "keywords": "Từ khóa",
    "info_sign": "Ký hiệu thông tin",
    "physical_state": "Tình trạng vật lý",
    "archive_identifier": "Mã cơ quan lưu trữ lịch sử",
    "file_code": "Mã hồ sơ",
    "ordinal": "Số thứ tự văn bản trong hồ sơ",
    "type": "Tên loại văn bản",
    "number": "Số của văn bản",
    "code_notation": "Ký hiệu của văn bản",
    "issued_date": "Ngày, tháng, năm văn bản",
    "organ_name": "Tên cơ quan, tổ chức ban hành",
    "subject": "Trích yếu nội dung",
    "page_amount": "Số trang",
    "mode": "Chế độ sử dụng",
    "confidence_level": "Mức độ tin cậy",
    "copy_kind": "Loại bản",
    "signer": "Người ký",
    "signer.position": "Chức vụ người ký",
    "signer.full_name": "Họ và tên người ký",
    "autograph": "Bút tích",
    "confidentiality": "Độ mật",
    "signed": "Chữ ký số",
}

KEYWORDS_MAX = 100  # Keyword: 100 characters, the keywords joined by "; "


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return tuple(unicodedata.normalize("NFC", v).strip() for v in value if v.strip())
    return value


def _normalise(obj: object) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        norm = _nfc(value)
        if norm is not value:
            object.__setattr__(obj, f.name, norm)


class _Checker:
    """Collects problems with Vietnamese messages."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, name: str, message: str) -> None:
        self.problems.append(Problem(name, f"{LABELS.get(name, name)}: {message}"))

    def text(self, name: str, value: object, max_len: int, *, required: bool = False) -> None:
        if not isinstance(value, str):
            self.add(name, f"phải là chuỗi ký tự, nhận được {type(value).__name__}")
        elif required and not value:
            self.add(name, "bắt buộc, không được để trống")
        elif len(value) > max_len:
            self.add(name, f"dài {len(value)} ký tự, tối đa {max_len}")
        elif any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
            self.add(name, "chứa ký tự điều khiển")

    def number(self, name: str, value: object, low: int, high: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(name, "bắt buộc, chưa có giá trị")
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(name, f"phải là số nguyên, nhận được {type(value).__name__}")
        elif not low <= value <= high:
            self.add(name, f"phải từ {low} đến {high}, nhận được {value}")

    def coded(self, name: str, value: object, kind: type[_Coded]) -> None:
        if not isinstance(value, kind):
            codes = ", ".join(f"{m.value} {m.label}" for m in kind)
            self.add(name, f"phải thuộc danh mục ({codes}); nhận được {value!r}")

    def day(self, name: str, value: object, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(name, "bắt buộc, chưa có giá trị")
        elif not isinstance(value, date):
            self.add(name, f"phải là một ngày, nhận được {type(value).__name__}")

    def keywords(self, value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            self.add("keywords", "phải là danh sách các từ khóa")
        elif len("; ".join(value)) > KEYWORDS_MAX:
            self.add("keywords", f"tổng độ dài {len('; '.join(value))} ký tự, tối đa {KEYWORDS_MAX}")
        elif any(";" in v for v in value):
            self.add("keywords", "một từ khóa không được chứa dấu ';'")

    def raise_if_any(self) -> None:
        if self.problems:
            raise MetadataError(self.problems)


# -- the file --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileMetadata:
    """Siêu dữ liệu hồ sơ (Appendix VI II.III; Circular 02/2019).

    Required from opening (Art. 29.2): ``organ_id``, ``catalogue``, ``notation``, ``title``, ``retention``,
    ``creator``, ``start_date``, ``access_mode``, ``language``. Filled when the file is closed (Art. 29.4;
    Appendix VI III.1.g fills 9 and 10 automatically): ``end_date``, ``doc_total``, ``page_total`` —
    ``validate(closed=True)`` requires them. Lengths in characters after NFC; totals 0–9999 (``Number 4``).
    ``confidence_level`` (mức độ tin cậy) is among the file data of Circular 05/2025/TT-BNV (MoHA, 14/05/2025).
    """

    organ_id: str
    catalogue: int
    notation: str
    title: str
    retention: Retention
    creator: str
    start_date: date
    access_mode: AccessMode = AccessMode.PUBLIC
    language: Language = Language.VIETNAMESE
    end_date: date | None = None
    doc_total: int | None = None
    page_total: int | None = None
    sheet_total: int | None = None
    description: str = ""
    keywords: tuple[str, ...] = ()
    info_sign: str = ""
    physical_state: str = ""
    archive_identifier: str = ""
    confidence_level: ConfidenceLevel = ConfidenceLevel.BORN_DIGITAL

    def __post_init__(self) -> None:
        _normalise(self)

    @property
    def file_code(self) -> str:
        """Mã hồ sơ, ``<organ_id>.<catalogue>.<notation>``."""
        return file_code(self.organ_id, self.catalogue, self.notation)

    def problems(self, *, closed: bool = False) -> list[Problem]:
        """Every problem, in field order (empty when valid); see :meth:`validate`."""
        c = _Checker()
        c.text("organ_id", self.organ_id, ORGAN_ID_MAX, required=True)
        if isinstance(self.organ_id, str) and self.organ_id and not _ORGAN_ID.match(self.organ_id):
            c.add("organ_id", f"{self.organ_id!r}: chỉ gồm chữ cái không dấu, chữ số và dấu chấm (000.00.12.H41)")
        c.number("catalogue", self.catalogue, 1, CATALOGUE_MAX)
        c.text("notation", self.notation, NOTATION_MAX, required=True)
        if isinstance(self.notation, str) and self.notation and not _NOTATION.match(self.notation):
            c.add("notation", f"{self.notation!r}: cần số thứ tự (01, 02…), dấu chấm và chữ viết tắt in hoa của đề "
                              "mục lớn, ví dụ 01.TCCB (Phụ lục V, mục I.2)")
        elif isinstance(self.notation, str) and self.notation and int(self.notation.split(".")[0]) < 1:
            c.add("notation", "số thứ tự hồ sơ bắt đầu từ 01")
        c.text("title", self.title, 500, required=True)
        if isinstance(self.retention, Retention):
            c.problems.extend(Problem("retention", f"{LABELS['retention']}: {p.message}")
                              for p in self.retention.problems("retention"))
        else:
            c.add("retention", "phải là 'Vĩnh viễn' hoặc một số năm")
        c.coded("access_mode", self.access_mode, AccessMode)
        if self.access_mode is AccessMode.SECRET:
            c.add("access_mode", "hồ sơ mật không được quản lý trên hệ thống này")
        c.text("creator", self.creator, 30, required=True)
        c.coded("language", self.language, Language)
        c.day("start_date", self.start_date)
        c.day("end_date", self.end_date, required=closed)
        if isinstance(self.start_date, date) and isinstance(self.end_date, date) and self.end_date < self.start_date:
            c.add("end_date", f"{self.end_date:%d/%m/%Y} trước thời gian bắt đầu {self.start_date:%d/%m/%Y}")
        c.number("doc_total", self.doc_total, 0, 9999, required=closed)
        c.number("page_total", self.page_total, 0, 9999, required=closed)
        c.number("sheet_total", self.sheet_total, 0, 9999, required=False)
        c.text("description", self.description, 500)
        c.keywords(self.keywords)
        c.text("info_sign", self.info_sign, 100)
        c.text("physical_state", self.physical_state, 50)
        c.text("archive_identifier", self.archive_identifier, 13)
        c.coded("confidence_level", self.confidence_level, ConfidenceLevel)
        return c.problems

    def validate(self, *, closed: bool = False) -> Self:
        """Return ``self`` when valid; raise :class:`MetadataError` listing every problem otherwise. ``closed``:
        also require what closing fills in (end date, document and page totals)."""
        problems = self.problems(closed=closed)
        if problems:
            raise MetadataError(problems)
        return self


# -- the document ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """Chức vụ, họ tên người ký (``SignerInfo``: ``Position`` 100, ``FullName`` 50)."""

    position: str
    full_name: str

    def __post_init__(self) -> None:
        _normalise(self)


@dataclass(frozen=True)
class DocumentMetadata:
    """Siêu dữ liệu văn bản trong hồ sơ (Appendix VI II.I–II.II; Circular 02/2019).

    ``file_code`` and ``ordinal`` (1–999) make the document code (:attr:`code`). Required: type, issued date,
    issuing agency, summary, language, page count (1–9999), mode of use, confidence level. ``number`` (≤ 11) and
    ``code_notation`` (≤ 30) may be empty for documents without them. ``signed`` says whether the stored PDF carries
    a digital signature (then it is archived unchanged).
    """

    file_code: str
    ordinal: int
    type: DocumentType
    issued_date: date
    organ_name: str
    subject: str
    page_amount: int
    number: str = ""
    code_notation: str = ""
    language: Language = Language.VIETNAMESE
    mode: AccessMode = AccessMode.PUBLIC
    confidence_level: ConfidenceLevel = ConfidenceLevel.BORN_DIGITAL
    copy_kind: CopyKind = CopyKind.ORIGINAL
    signer: Signer | None = None
    description: str = ""
    keywords: tuple[str, ...] = ()
    info_sign: str = ""
    autograph: str = ""
    physical_state: str = ""
    confidentiality: Confidentiality = Confidentiality.NONE
    signed: bool = False

    def __post_init__(self) -> None:
        _normalise(self)

    @property
    def code(self) -> str:
        """Mã định danh văn bản, ``<file code>.<ordinal on three digits>``."""
        return document_code(self.file_code, self.ordinal)

    @property
    def number_notation(self) -> str:
        """"Số, ký hiệu" as forms show it: ``05/CT-UBND``, or whichever part exists."""
        return "/".join(p for p in (self.number, self.code_notation) if p)

    def problems(self) -> list[Problem]:
        """Every problem, in field order (empty when valid)."""
        c = _Checker()
        c.text("file_code", self.file_code, ORGAN_ID_MAX + 1 + 4 + 1 + NOTATION_MAX, required=True)
        if isinstance(self.file_code, str) and self.file_code:
            try:
                parse_file_code(self.file_code)
            except MetadataError as exc:
                c.problems.extend(exc.problems)
        c.number("ordinal", self.ordinal, 1, ORDINAL_MAX)
        c.coded("type", self.type, DocumentType)
        c.day("issued_date", self.issued_date)
        c.text("organ_name", self.organ_name, 200, required=True)
        c.text("subject", self.subject, 500, required=True)
        c.number("page_amount", self.page_amount, 1, 9999)
        c.text("number", self.number, 11)
        c.text("code_notation", self.code_notation, 30)
        c.coded("language", self.language, Language)
        c.coded("mode", self.mode, AccessMode)
        if self.mode is AccessMode.SECRET:
            c.add("mode", "văn bản mật không được quản lý trên hệ thống này")
        c.coded("confidence_level", self.confidence_level, ConfidenceLevel)
        c.coded("copy_kind", self.copy_kind, CopyKind)
        if self.signer is not None:
            if isinstance(self.signer, Signer):
                c.text("signer.position", self.signer.position, 100)
                c.text("signer.full_name", self.signer.full_name, 50, required=True)
            else:
                c.add("signer", "phải gồm chức vụ và họ tên")
        c.text("description", self.description, 500)
        c.keywords(self.keywords)
        c.text("info_sign", self.info_sign, 100)
        c.text("autograph", self.autograph, 500)
        c.text("physical_state", self.physical_state, 50)
        c.coded("confidentiality", self.confidentiality, Confidentiality)
        if isinstance(self.confidentiality, Confidentiality) and self.confidentiality is not Confidentiality.NONE:
            c.add("confidentiality", f"văn bản {self.confidentiality.label.lower()} không được quản lý trên hệ thống "
                                     "này (Quyết định 28/2018/QĐ-TTg, Điều 1.2)")
        if not isinstance(self.signed, bool):
            c.add("signed", "phải là có hoặc không")
        return c.problems

    def validate(self) -> Self:
        """Return ``self`` when valid; raise :class:`MetadataError` listing every problem otherwise."""
        problems = self.problems()
        if problems:
            raise MetadataError(problems)
        return self


def check_file_contents(file: FileMetadata, documents: list[DocumentMetadata] | tuple[DocumentMetadata, ...],
                        *, closed: bool = True) -> None:
    """Check a file and its documents together, as closing and deposit need them (Art. 29.4, 30; Appendix VI
    III.4.b–c): each valid; every document carries the file's code; ordinals are 1…n without gaps or repeats; when
    ``closed``, the totals equal the count and the sum of pages, and each document's date lies within the file's
    start and end dates. Raises one :class:`MetadataError` listing every problem (document problems are prefixed
    ``documents[i].``)."""
    problems = list(file.problems(closed=closed))
    for i, doc in enumerate(documents):
        problems.extend(Problem(f"documents[{i}].{p.field}", p.message) for p in doc.problems())
        if doc.file_code != file.file_code:
            problems.append(Problem(f"documents[{i}].file_code",
                                    f"Mã hồ sơ: văn bản thuộc {doc.file_code!r}, không phải {file.file_code!r}"))
    ordinals = sorted(d.ordinal for d in documents if isinstance(d.ordinal, int))
    if ordinals != list(range(1, len(documents) + 1)):
        problems.append(Problem("documents", "Số thứ tự văn bản trong hồ sơ phải liên tục từ 1 đến "
                                             f"{len(documents)}, không trùng; nhận được {ordinals[:20]}"))
    if closed:
        if file.doc_total is not None and file.doc_total != len(documents):
            problems.append(Problem("doc_total", f"Tổng số văn bản: ghi {file.doc_total}, hồ sơ có {len(documents)}"))
        pages = sum(d.page_amount for d in documents if isinstance(d.page_amount, int))
        if file.page_total is not None and file.page_total != pages:
            problems.append(Problem("page_total", f"Tổng số trang: ghi {file.page_total}, các văn bản có {pages}"))
        if isinstance(file.start_date, date) and isinstance(file.end_date, date):
            for i, doc in enumerate(documents):
                if isinstance(doc.issued_date, date) and not file.start_date <= doc.issued_date <= file.end_date:
                    problems.append(Problem(f"documents[{i}].issued_date",
                                            f"Ngày văn bản {doc.issued_date:%d/%m/%Y} ngoài thời gian của hồ sơ "
                                            f"({file.start_date:%d/%m/%Y} – {file.end_date:%d/%m/%Y})"))
    if problems:
        raise MetadataError(problems)


__all__ = [
    "LABELS",
    "RETENTION_CODES",
    "AccessMode",
    "ConfidenceLevel",
    "Confidentiality",
    "CopyKind",
    "DocumentMetadata",
    "DocumentType",
    "FileMetadata",
    "Language",
    "MetadataError",
    "Problem",
    "Retention",
    "Signer",
    "check_file_contents",
    "document_code",
    "file_code",
    "parse_document_code",
    "parse_file_code",
]
