"""The file plan (danh mục hồ sơ): its outline, numbering and who drafts and approves it.

Decree 30/2020 Art. 28 and Appendix V.II (regulations.md §3.7): large headings are numbered with Roman numerals, small
headings with Arabic numerals; a file's number and notation is its sequence number and the abbreviation of its large
heading (``01.TCCB``), numbered either continuously across the plan or from 01 within each large heading; retention is
permanent (vĩnh viễn) or a number of years. The head of the agency approves the plan and issues it at the start of
the year; from then on it is frozen (a change is a new version, approved again).

Who drafts: Art. 28 gives the approval to the head of the agency and leaves the drafting to the service in charge of
records; in a provincial agency that is the clerk and archive staff (văn thư – lưu trữ, one office, often one person;
Art. 30 makes the agency archive the one that checks deposits against the plan). So both ``clerk`` and ``archivist``
draft; ``leader`` approves (:data:`PLAN_DRAFTERS`, :data:`PLAN_APPROVERS`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.text import clean_text

PLAN_DRAFTERS = frozenset({"clerk", "archivist"})
PLAN_APPROVERS = frozenset({"leader"})
MAX_TITLE = 500
MAX_NOTES = 500
MAX_CREATOR = 200
MAX_HEADINGS = 50
MAX_ENTRIES = 2000
#: Years of retention accepted besides permanent (0): the code list's 70, 50, 30, 20, 10 years or another N (07 Khác),
#: 1–99 as the archive library's ``Retention`` takes them.
MAX_RETENTION_YEARS = 99
#: Chữ viết tắt của đề mục lớn (Decree 30/2020 Appendix V.I.1–2: the agency sets it, "ngắn gọn, dễ hiểu"; the
#: file's số và ký hiệu is the sequence number and this abbreviation, ``01.TCCB``). Vietnamese abbreviations keep the
#: letter Đ (HĐND, QĐ in Appendix I's notations) and drop every other mark (Ủy ban → UBND), and the archive library's
#: FileNotation takes capitals, Đ and digits: so A–Z, Đ and 0–9, nothing else. Checked on what the user typed, before
#: upper-casing, so that no other letter slips in by case folding (``"ß".upper() == "SS"``, ``"ı".upper() == "I"``).
ABBREVIATION = re.compile(r"[A-ZĐ0-9]{1,10}")
ABBREVIATION_TYPED = re.compile(r"[A-Za-zĐđ0-9]{1,10}")
ABBREVIATION_RULE = ("chỉ gồm chữ cái không dấu (A–Z), chữ Đ và chữ số, viết liền, tối đa 10 ký tự (ví dụ TCCB, VP, "
                     "ĐTXD); không dùng chữ có dấu khác (Â, Ê, Ô, Ơ, Ư…), dấu cách hay dấu gạch.")


class PlanState(StrEnum):
    DRAFT = "draft"
    #: Trình duyệt: waiting, unchanged, for a leader to approve or return it.
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class Numbering(StrEnum):
    CONTINUOUS = "continuous"
    PER_HEADING = "per_heading"


STATE_NAMES = {PlanState.DRAFT: "dự thảo", PlanState.SUBMITTED: "chờ duyệt", PlanState.APPROVED: "đã duyệt",
               PlanState.SUPERSEDED: "đã thay thế"}
#: A plan not yet approved (at most one per agency and year): a draft, or one submitted for approval.
PENDING = (PlanState.DRAFT.value, PlanState.SUBMITTED.value)
MAX_REASON = 2000


def state_name(state: object) -> str:
    """A plan state (a :class:`PlanState` or its value) in Vietnamese; an unknown value is kept."""
    try:
        return STATE_NAMES[PlanState(str(state))]
    except ValueError:
        return str(state)


@dataclass
class Entry:
    """A file to be opened (hồ sơ dự kiến): a row of Appendix V.II."""

    id: str
    title: str
    retention_years: int
    creator: str = ""
    notes: str = ""
    number: int = 0
    notation: str = ""
    #: Người lập hồ sơ picked from the directory (their subject); ``creator`` is then their name. Plans written
    #: before have none and keep the free text of ``creator``.
    creator_subject: str = ""


@dataclass
class Subheading:
    title: str
    entries: list[Entry] = field(default_factory=list)
    number: int = 0


@dataclass
class Heading:
    title: str
    abbreviation: str
    entries: list[Entry] = field(default_factory=list)
    subheadings: list[Subheading] = field(default_factory=list)
    numeral: str = ""

    def all_entries(self) -> list[Entry]:
        return [*self.entries, *(e for s in self.subheadings for e in s.entries)]


def roman(number: int) -> str:
    """``number`` (1–3999) in Roman numerals: 1 → I, 4 → IV, 14 → XIV."""
    if not 1 <= number <= 3999:
        raise ValueError(f"{number} has no Roman numeral here")
    out = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def notation(number: int, abbreviation: str) -> str:
    """Số và ký hiệu hồ sơ: the sequence number, two digits at least, a dot, the large heading's abbreviation
    (``notation(1, "TCCB") == "01.TCCB"``)."""
    return f"{number:02d}.{abbreviation}"


def check_retention(field_name: str, years: int) -> int:
    """0 (vĩnh viễn) or 1–100 years; :class:`InvalidArgument` otherwise."""
    if not 0 <= years <= MAX_RETENTION_YEARS:
        raise InvalidArgument(field_name, f"là {years}; chỉ nhận 0 (vĩnh viễn) hoặc từ 1 đến {MAX_RETENTION_YEARS} "
                                          "năm.")
    return years


def retention_text(years: int) -> str:
    """As the plan prints it: "Vĩnh viễn" or "N năm"."""
    return "Vĩnh viễn" if years == 0 else f"{years} năm"


def check_outline(headings: list[Heading]) -> list[Heading]:
    """Clean and check the outline; numbers come from :func:`number_outline`. Raises :class:`InvalidArgument`
    naming the field (``headings[1].subheadings[0].entries[2].title``)."""
    if len(headings) > MAX_HEADINGS:
        raise InvalidArgument("headings", f"tối đa {MAX_HEADINGS} đề mục lớn.")
    total = 0
    seen_abbreviations: set[str] = set()
    for h, heading in enumerate(headings):
        where = f"headings[{h}]"
        heading.title = clean_text(f"{where}.title", heading.title, max_len=MAX_TITLE)
        typed = clean_text(f"{where}.abbreviation", heading.abbreviation, max_len=10)
        heading.abbreviation = typed.upper()
        if not ABBREVIATION_TYPED.fullmatch(typed) or not ABBREVIATION.fullmatch(heading.abbreviation):
            raise InvalidArgument(f"{where}.abbreviation", ABBREVIATION_RULE)
        if heading.abbreviation in seen_abbreviations:
            raise InvalidArgument(f"{where}.abbreviation", f"{heading.abbreviation} đã dùng cho đề mục khác: hãy chọn "
                                                           "chữ viết tắt khác.")
        seen_abbreviations.add(heading.abbreviation)
        groups = [(f"{where}.entries", heading.entries)]
        for s, sub in enumerate(heading.subheadings):
            sub.title = clean_text(f"{where}.subheadings[{s}].title", sub.title, max_len=MAX_TITLE)
            groups.append((f"{where}.subheadings[{s}].entries", sub.entries))
        for prefix, entries in groups:
            for e, entry in enumerate(entries):
                total += 1
                entry.title = clean_text(f"{prefix}[{e}].title", entry.title, max_len=MAX_TITLE)
                entry.creator = clean_text(f"{prefix}[{e}].creator", entry.creator, max_len=MAX_CREATOR,
                                           required=False)
                entry.notes = clean_text(f"{prefix}[{e}].notes", entry.notes, max_len=MAX_NOTES, required=False)
                check_retention(f"{prefix}[{e}].retention_years", entry.retention_years)
    if total > MAX_ENTRIES:
        raise InvalidArgument("headings", f"có {total} mục; chỉ nhận tối đa {MAX_ENTRIES} mục.")
    return headings


def entries_with_paths(headings: list[Heading]) -> list[tuple[str, Entry]]:
    """Every entry with the API path that names it (``headings[0].subheadings[1].entries[2]``)."""
    out = []
    for h, heading in enumerate(headings):
        out += [(f"headings[{h}].entries[{e}]", entry) for e, entry in enumerate(heading.entries)]
        for s, sub in enumerate(heading.subheadings):
            out += [(f"headings[{h}].subheadings[{s}].entries[{e}]", entry) for e, entry in enumerate(sub.entries)]
    return out


def name_creators(headings: list[Heading], people: dict[str, str]) -> list[Heading]:
    """Người lập hồ sơ (Appendix V.II column 4, "Họ và tên"): each entry that names a person by subject gets their
    name from ``people`` (subject → name: the caller's agency's people, as the directory lists them);
    :class:`InvalidArgument` (``…creator_subject``) for a subject that is not one of them."""
    for where, entry in entries_with_paths(headings):
        entry.creator_subject = entry.creator_subject.strip()
        if not entry.creator_subject:
            continue
        name = people.get(entry.creator_subject)
        if name is None:
            raise InvalidArgument(f"{where}.creator_subject", "không phải cán bộ của cơ quan đồng chí: hãy chọn người "
                                                              "lập hồ sơ trong danh sách cán bộ của cơ quan.")
        entry.creator = name[:MAX_CREATOR]
    return headings


def number_outline(headings: list[Heading], numbering: Numbering) -> list[Heading]:
    """Number the outline in place: large headings I, II…; small ones 1, 2… within their large heading; entries
    from 1, continuously or from 1 in each large heading, with their notation."""
    counter = 0
    for h, heading in enumerate(headings, start=1):
        heading.numeral = roman(h)
        if numbering is Numbering.PER_HEADING:
            counter = 0
        for s, sub in enumerate(heading.subheadings, start=1):
            sub.number = s
        for entry in heading.all_entries():
            counter += 1
            entry.number = counter
            entry.notation = notation(counter, heading.abbreviation)
    return headings


def check_editable(state: str) -> None:
    """Only a draft changes: a submitted plan waits unchanged for the leader, an approved plan is frozen (a change is
    a new version)."""
    if state == PlanState.SUBMITTED:
        raise FailedPrecondition("Danh mục hồ sơ đang chờ lãnh đạo duyệt nên không sửa được: hãy đợi lãnh đạo phê "
                                 "duyệt hoặc trả lại.")
    if state != PlanState.DRAFT:
        raise FailedPrecondition(f"Danh mục hồ sơ đang ở trạng thái {STATE_NAMES.get(PlanState(state), state)}; danh "
                                 "mục đã duyệt không sửa được: hãy tạo phiên bản mới của danh mục để sửa.")


#: Số và ký hiệu of a decision: its number, a slash, its notation ("15/QĐ-UBND"; Decree 30/2020 Appendix I).
DECISION_NUMBER = re.compile(r"^\d{1,7}/[^\W_](?:[\w.\-]*[^\W_])?$")


def check_decision_number(value: str) -> str:
    """The issuing decision's number and notation, NFC (``15/QĐ-UBND``); InvalidArgument otherwise."""
    number = unicodedata.normalize("NFC", value.strip())
    if len(number) > 50 or not DECISION_NUMBER.match(number):
        raise InvalidArgument("decision_number", "số và ký hiệu của quyết định, ví dụ 15/QĐ-UBND (tối đa 50 ký tự).")
    return number


def check_decision(decided: date, year: int, today: date) -> None:
    """A plan is issued early in its year (Decree 30/2020 Art. 28: ban hành vào đầu năm) or late the year before;
    a decision is never dated after today. InvalidArgument(``decision_date``) otherwise."""
    if decided > today:
        raise InvalidArgument("decision_date", f"{decided.isoformat()} là ngày sau hôm nay.")
    if not year - 1 <= decided.year <= year:
        raise InvalidArgument("decision_date", f"quyết định ban hành danh mục hồ sơ năm {year} phải có ngày trong năm "
                                               f"{year - 1} hoặc {year}.")


def check_approvable(state: str, headings: list[Heading]) -> None:
    """A draft (approved at once, as before the submission step) or a submitted plan, with entries."""
    if state != PlanState.SUBMITTED:
        check_editable(state)
    if not any(h.all_entries() for h in headings):
        raise FailedPrecondition("Danh mục chưa có mục nào: hãy thêm các hồ sơ dự kiến lập trước khi duyệt.")


def check_submittable(state: str, headings: list[Heading]) -> None:
    """Trình duyệt: a draft with entries (a plan submitted already is said to be so, not to be uneditable)."""
    if state == PlanState.SUBMITTED:
        raise FailedPrecondition("Danh mục hồ sơ đã trình, đang chờ lãnh đạo duyệt: không cần trình lại; hãy đợi lãnh "
                                 "đạo phê duyệt hoặc trả lại.")
    check_editable(state)
    if not any(h.all_entries() for h in headings):
        raise FailedPrecondition("Danh mục chưa có mục nào: hãy thêm các hồ sơ dự kiến lập trước khi trình duyệt.")


def check_returnable(state: str) -> None:
    """Trả lại: only a plan submitted for approval."""
    if state != PlanState.SUBMITTED:
        raise FailedPrecondition(f"Danh mục hồ sơ đang ở trạng thái {state_name(state)}: chỉ trả lại được danh mục "
                                 "đang chờ duyệt.")
