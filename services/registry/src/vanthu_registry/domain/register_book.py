"""Lines of a register book (sổ đăng ký văn bản) kept by a previous system, read back into entries.

A province that goes live mid-year continues its series (Decree 30/2020 Art. 15: numbers run from 01 on 1 January to
31 December; Art. 22: one arrival series a year): the entries of its old register are imported, with the columns of
the Appendix IV books (outgoing IV.I, incoming IV.VI; the CSV/XLSX VanThu exports read back the same way). Each line
becomes an :class:`Entry` or a list of :class:`Refusal` saying what is wrong and what would be accepted. Checks
that need the register's stored state (duplicates, the series' bounds) are the store's. No I/O here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from vanthu_core import spreadsheet
from vanthu_core.errors import InvalidArgument
from vanthu_core.text import clean_text, fold
from vanthu_core.timeutil import VIETNAM_TZ
from vanthu_registry.domain.doctypes import LETTER, DocumentType
from vanthu_registry.domain.documents import MAX_ABSTRACT, MAX_RECIPIENTS, Competence, Direction

#: Column keys of each book and the headings (folded, punctuation dropped) that name them. The first heading of
#: each key is the one of Appendix IV as VanThu prints it.
OUTGOING_HEADINGS: dict[str, tuple[str, ...]] = {
    "number_symbol": ("so ky hieu van ban", "so ky hieu", "so va ky hieu"),
    "document_date": ("ngay thang van ban", "ngay van ban", "ngay ban hanh"),
    "title": ("ten loai va trich yeu noi dung van ban", "ten loai va trich yeu noi dung", "ten loai va trich yeu",
              "trich yeu"),
    "signer": ("nguoi ky",),
    "recipients": ("noi nhan van ban", "noi nhan"),
    "copy_holder": ("don vi nguoi nhan ban luu", "noi luu"),
    "copies": ("so luong ban",),
    "sent_on": ("ngay chuyen",),
    "received_by": ("ky nhan",),
    "note": ("ghi chu",),
    "type_code": ("ma loai", "type code"),
}
INCOMING_HEADINGS: dict[str, tuple[str, ...]] = {
    "arrived_on": ("ngay den",),
    "arrival_number": ("so den",),
    "author": ("tac gia", "co quan ban hanh", "noi gui"),
    "number_symbol": ("so ky hieu", "so ky hieu van ban", "so va ky hieu"),
    "document_date": ("ngay thang van ban", "ngay van ban"),
    "title": ("ten loai va trich yeu noi dung", "ten loai va trich yeu noi dung van ban", "ten loai va trich yeu",
              "trich yeu"),
    "recipient": ("don vi hoac nguoi nhan", "don vi nguoi nhan"),
    "sent_on": ("ngay chuyen",),
    "received_by": ("ky nhan",),
    "note": ("ghi chu",),
    "type_code": ("ma loai", "type code"),
}
REQUIRED = {Direction.OUTGOING: ("number_symbol", "document_date", "title"),
            Direction.INCOMING: ("arrived_on", "arrival_number", "author", "title")}
#: The required columns as the book prints them (for messages).
REQUIRED_TITLES = {Direction.OUTGOING: ("Số, ký hiệu văn bản", "Ngày tháng văn bản",
                                        "Tên loại và trích yếu nội dung văn bản"),
                   Direction.INCOMING: ("Ngày đến", "Số đến", "Tác giả", "Tên loại và trích yếu nội dung")}
#: Columns of the paper book the registry does not model: kept whole in the imported document's history.
KEPT_AS_WRITTEN = ("copy_holder", "copies", "sent_on", "received_by", "note", "recipient")
NUMBER_SYMBOL = re.compile(r"^\s*(\d{1,6})\s*/\s*(?:(\d{4})\s*/\s*)?(\S.*)$")
DATE_FORMS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y",
              "%d.%m.%Y")


def heading_key(text: str) -> str:
    """A heading as compared: folded, punctuation and spacing dropped ("Số, ký hiệu" → "so ky hieu")."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def headings(direction: Direction) -> dict[str, tuple[str, ...]]:
    return OUTGOING_HEADINGS if direction is Direction.OUTGOING else INCOMING_HEADINGS


def map_header(cells: list[str], direction: Direction) -> dict[str, int] | None:
    """Column key → index when ``cells`` is the book's header row (holds every required column), else None."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = heading_key(cell)
        for name, names in headings(direction).items():
            if key in names and name not in found:
                found[name] = index
                break
    return found if all(k in found for k in REQUIRED[direction]) else None


def unprotect(text: str) -> str:
    """A cell as written: NFC, without the apostrophe an export put before formula-leading text."""
    return spreadsheet.unprotect(unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class Refusal:
    """Why a line of the file cannot be imported: ``line`` as a spreadsheet numbers it, ``field`` a column key."""

    line: int
    field: str
    reason: str


@dataclass
class Entry:
    """One imported document: its number in the register's series of ``year`` and what the book says of it."""

    line: int
    number: int
    year: int
    number_symbol: str
    type_code: str
    legal_normative: bool
    abstract: str
    document_date: date | None
    #: When it was numbered: the document's date (outgoing) or the arrival (incoming), Vietnam time.
    numbered_at: datetime
    arrived_at: datetime | None = None
    signer_competence: str = ""
    signer_title: str = ""
    recipients: list[str] = field(default_factory=list)
    drafting_unit: str = ""
    author: str = ""
    #: The book's columns the registry does not model (copies, sent on, signed for, notes…), as written.
    book: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BookContext:
    """What a line is checked against: the register's direction and abbreviation, the agency's types, today."""

    direction: Direction
    agency_abbreviation: str
    types: list[DocumentType]
    today: date
    #: Why the register does not number a document of (type code, legal-normative); None when it does.
    not_covered: Callable[[str, bool], str | None] = lambda _type, _kind: None


def parse_day(value: str, column: str) -> tuple[date, time | None]:
    """A date (and time) as registers write them: 05/03/2026, 05/03/2026 14:30, 2026-03-05."""
    text = value.strip()
    for form in DATE_FORMS:
        try:
            parsed = datetime.strptime(text, form)  # a calendar day in Vietnam, not an instant
        except ValueError:
            continue
        return parsed.date(), (parsed.time() if "%H" in form else None)
    raise InvalidArgument(column, f"{value!r} không phải ngày: hãy ghi dd/mm/yyyy (ví dụ 05/03/2026).")


def _type_from_title(title: str, types: list[DocumentType]) -> tuple[DocumentType, str] | None:
    if ":" not in title:
        return None
    name, rest = title.split(":", 1)
    wanted = heading_key(name)
    for t in types:
        if heading_key(t.name) == wanted and rest.strip():
            return t, rest.strip()
    return None


def _type_from_symbol(symbol: str, context: BookContext) -> DocumentType | None:
    first = symbol.split("-", 1)[0].strip()
    by_abbreviation = {t.abbreviation: t for t in context.types if t.abbreviation}
    if first in by_abbreviation:
        return by_abbreviation[first]
    letter = next(t for t in context.types if t.code == LETTER)
    if context.direction is Direction.INCOMING or first == context.agency_abbreviation:
        return letter  # a letter's symbol starts with the agency, not a type (456/UBND-VX)
    return None


def _signer(text: str) -> tuple[str, str]:
    for competence in sorted((c.value for c in Competence if c.value), key=len, reverse=True):
        if text.startswith(competence + " "):
            return competence, text[len(competence):].strip()
    return "", text


def _symbol_mismatch(symbol: str, doc_type: DocumentType, agency_abbreviation: str) -> str:
    """Why a symbol (``QĐ-UBND``, ``UBND-VP``) cannot be this register's for a document of ``doc_type`` (Decree
    30/2020 Art. 15, Appendix I: the type's abbreviation first, then the agency's), or "" when it can. An entry
    under another register's or another agency's symbol would block that series' numbers."""
    groups = symbol.split("-")
    if doc_type.abbreviation and groups[0] != doc_type.abbreviation:
        return (f"ký hiệu của {doc_type.name.lower()} bắt đầu bằng {doc_type.abbreviation!r} "
                f"(ví dụ 05/{doc_type.abbreviation}-{agency_abbreviation or 'UBND'})")
    if agency_abbreviation and agency_abbreviation not in groups[1 if doc_type.abbreviation else 0:]:
        return f"sổ này cấp số theo ký hiệu của {agency_abbreviation!r}; ký hiệu này là của cơ quan khác"
    return ""


def check_line(line: int, cells: dict[str, str], context: BookContext) -> Entry | list[Refusal]:
    """One line of the book, checked on its own (Decree 30/2020 Art. 15, 16, 22; Appendix IV).

    Refused: a number and symbol (outgoing) or arrival number (incoming) that is not a number from 01; a missing,
    unreadable or future date, or an outgoing year in the symbol that is not the date's; a type that is neither
    named before the abstract ("Quyết định: …"), nor in the type_code column, nor read from the symbol's
    abbreviation; a type the register does not number; an empty abstract; text over the registry's lengths.
    """
    refusals: list[Refusal] = []

    def refuse(column: str, reason: str) -> None:
        refusals.append(Refusal(line, column, reason))

    def text(column: str, max_len: int) -> str:
        try:
            return clean_text(column, cells.get(column, ""), max_len=max_len, required=False)
        except InvalidArgument as error:
            refuse(column, error.reason)
            return ""

    outgoing = context.direction is Direction.OUTGOING
    symbol_text = text("number_symbol", 42)
    number_column = "number_symbol" if outgoing else "arrival_number"
    number: int | None = None
    year_in_symbol, symbol_rest = None, ""
    match = NUMBER_SYMBOL.match(symbol_text)
    if match:
        year_in_symbol, symbol_rest = match[2], match[3]
    if outgoing:
        if not match:
            refuse("number_symbol", f"{symbol_text!r} không phải số, ký hiệu dạng 05/QĐ-UBND hoặc "
                                    "12/2026/QĐ-UBND")
        else:
            number = int(match[1])
    else:
        raw = cells.get("arrival_number", "").strip()
        if not raw.isdigit():
            refuse("arrival_number", f"{raw!r} không phải số đến dạng 01 hoặc 125")
        else:
            number = int(raw)
    if number is not None and number < 1:
        refuse(number_column, f"{number} nhỏ hơn dãy số: số bắt đầu từ 01")

    day_column = "document_date" if outgoing else "arrived_on"
    day: date | None = None
    at: time | None = None
    if not cells.get(day_column, "").strip():
        refuse(day_column, "chưa nhập: hãy ghi ngày dạng dd/mm/yyyy")
    else:
        try:
            day, at = parse_day(cells[day_column], day_column)
        except InvalidArgument as error:
            refuse(day_column, error.reason)
    if day is not None and day > context.today:
        refuse(day_column, f"{day:%d/%m/%Y} là ngày sau hôm nay ({context.today:%d/%m/%Y}): chỉ nhập được các mục "
                           "đã được cấp số")
        day = None
    document_date = day if outgoing else None
    if not outgoing and cells.get("document_date", "").strip():
        try:
            document_date = parse_day(cells["document_date"], "document_date")[0]
        except InvalidArgument as error:
            refuse("document_date", error.reason)
        if document_date and day and document_date > day:
            refuse("document_date", f"{document_date:%d/%m/%Y} là ngày sau ngày đến ({day:%d/%m/%Y})")
    legal_normative = year_in_symbol is not None
    if outgoing and day and year_in_symbol and int(year_in_symbol) != day.year:
        refuse("number_symbol", f"năm trong {symbol_text} khác năm của ngày văn bản ({day:%d/%m/%Y})")

    title = text("title", 1000)
    doc_type, abstract = None, title
    explicit = cells.get("type_code", "").strip()
    if explicit:
        doc_type = next((t for t in context.types if t.code == explicit), None)
        if doc_type is None:
            refuse("type_code", f"loại văn bản {explicit!r} không có: hãy dùng loại của Nghị định 30/2020 hoặc "
                                         "loại cơ quan đã thêm")
    elif (named := _type_from_title(title, context.types)) is not None:
        doc_type, abstract = named
    elif symbol_rest:
        doc_type = _type_from_symbol(symbol_rest, context)
        if doc_type is None:
            refuse("title", f"chưa rõ loại văn bản: hãy ghi tên loại trước trích yếu (\"Quyết định: …\"), hoặc "
                            f"điền cột type_code; {symbol_rest.split('-', 1)[0]!r} trong {symbol_text} không phải "
                            "chữ viết tắt của loại nào")
    elif title:
        refuse("title", "chưa rõ loại văn bản: hãy ghi tên loại trước trích yếu (\"Công văn: …\") hoặc "
                        "điền cột type_code")
    if not abstract.strip():
        refuse("title", "trích yếu đang để trống")
    elif len(abstract) > MAX_ABSTRACT:
        refuse("title", f"trích yếu dài {len(abstract)} ký tự; chỉ nhận tối đa {MAX_ABSTRACT} ký tự")
    if doc_type is not None and outgoing:
        why = context.not_covered(doc_type.code, legal_normative)
        if why:
            refuse("title", why)
        elif symbol_rest:
            mismatch = _symbol_mismatch(symbol_rest, doc_type, context.agency_abbreviation)
            if mismatch:
                refuse("number_symbol", f"{symbol_text}: {mismatch}")

    signer_competence, signer_title = _signer(text("signer", 100)) if outgoing else ("", "")
    recipients = [r.strip(" -–•") for r in re.split(r"[;\n]", text("recipients", 100_000)) if r.strip(" -–•")]
    for r in recipients:
        if len(r) > 200:
            refuse("recipients", "có nơi nhận dài quá 200 ký tự; hãy ngăn cách các nơi nhận bằng dấu ';'")
            break
    if len(recipients) > MAX_RECIPIENTS:
        refuse("recipients", f"tối đa {MAX_RECIPIENTS} nơi nhận")
    drafting_unit = text("copy_holder", 200) if outgoing else ""
    author = text("author", 200) if not outgoing else ""
    if not outgoing and not author:
        refuse("author", "chưa nhập: hãy ghi cơ quan gửi văn bản (tác giả)")
    kept = {k: text(k, 1000) for k in KEPT_AS_WRITTEN if cells.get(k, "").strip()}  # checked like every column
    if refusals or doc_type is None or day is None or number is None:
        return refusals or [Refusal(line, "title", "chưa rõ loại văn bản")]
    instant = datetime.combine(day, at or time(0, 0), tzinfo=VIETNAM_TZ)
    return Entry(line=line, number=number, year=day.year, number_symbol=symbol_text, type_code=doc_type.code,
                 legal_normative=legal_normative, abstract=abstract.strip(), document_date=document_date,
                 numbered_at=instant, arrived_at=None if outgoing else instant,
                 signer_competence=signer_competence, signer_title=signer_title, recipients=recipients,
                 drafting_unit=drafting_unit, author=author,
                 book=kept)
