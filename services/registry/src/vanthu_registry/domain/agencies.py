"""Agencies and their identifier codes (mã định danh, QCVN 102:2016/BTTTT, amended 2022).

A code is stored as given (up to 35 characters). The classic 13-character form ``CCC.BB.AA.LNN``
is checked and a code that departs from it is kept with a warning, because real directories hold
such codes (``28.22.H17`` in the national SDK's own samples). The directory is data with effective
dates: agencies merge, split and close (the 2025 reorganisation), so nothing here is hard-coded.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date

from vanthu_core.errors import InvalidArgument, PermissionDenied
from vanthu_core.text import clean_text, fold

MAX_CODE_LENGTH = 35
CLASSIC_CODE = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-K]\d{2})$")
ALLOWED_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME = 200
MAX_SHORT_NAME = 50
#: Địa danh: the longest official names of Vietnamese administrative units are well under this.
MAX_PLACE = 100


@dataclass(frozen=True)
class Agency:
    """One agency or unit (cơ quan, đơn vị)."""

    code: str
    name: str
    short_name: str = ""
    parent_code: str | None = None
    level: int = 1
    valid_from: date | None = None
    valid_to: date | None = None
    code_conforms: bool = True
    address: str = ""
    email: str = ""
    phone: str = ""
    source: str = ""
    #: Địa danh of the date line (Decree 30/2020, Appendix I, Part I, II.4): "Vĩnh Long", "Long Châu".
    place: str = ""

    def active_at(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class Checked:
    agency: Agency
    warnings: list[tuple[str, str]] = field(default_factory=list)


def check_code(value: str, field_name: str = "code") -> tuple[str, bool]:
    """Return the code and whether it has the classic form; raise for what can never be a code."""
    code = clean_text(field_name, value, max_len=MAX_CODE_LENGTH)
    if not ALLOWED_CODE.match(code):
        raise InvalidArgument(field_name, "chỉ gồm chữ, số, '.', '-' và '_' (ví dụ 000.00.00.H61).")
    return code, bool(CLASSIC_CODE.match(code))


def level_of_classic_code(code: str) -> int | None:
    """Level 1–4 read from a classic code (``000.00.00.H61`` → 1, ``000.46.24.H44`` → 3)."""
    match = CLASSIC_CODE.match(code)
    if not match:
        return None
    level4, level3, level2, _ = match.groups()
    if level4 != "000":
        return 4
    if level3 != "00":
        return 3
    if level2 != "00":
        return 2
    return 1


def parse_date(field_name: str, value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidArgument(field_name, "phải là ngày dạng YYYY-MM-DD.") from exc


def check_agency(*, code: str, name: str, short_name: str = "", parent_code: str | None = None,
                 level: int | None = None, valid_from: str | date | None = None, valid_to: str | date | None = None,
                 address: str = "", email: str = "", phone: str = "", source: str = "", place: str = "") -> Checked:
    """Validate and normalise one agency (text NFC); unknown parents are checked by the store.

    ``place`` is the địa danh the agency prints before its date ("Vĩnh Long, ngày …"): the official name of the
    administrative unit where it sits (Decree 30/2020, Appendix I, Part I, II.4), at most :data:`MAX_PLACE`
    characters, without the comma the date line adds. Raises :class:`InvalidArgument` naming the field.
    """
    clean_code, conforms = check_code(code)
    warnings: list[tuple[str, str]] = []
    if not conforms:
        warnings.append(("code", f"mã '{clean_code}' không theo dạng CCC.BB.AA.LNN của QCVN 102:2016; vẫn giữ như đã "
                                 "nhập"))
    parent = None
    if parent_code:
        parent, _ = check_code(parent_code, "parent_code")
        if parent == clean_code:
            raise InvalidArgument("parent_code", "cơ quan không thể là cấp trên của chính mình.")
    derived = level_of_classic_code(clean_code)
    if level in (None, 0):
        level = derived or (1 if parent is None else 2)
    if not 1 <= level <= 4:
        raise InvalidArgument("level", "phải là 1, 2, 3 hoặc 4.")
    if derived is not None and derived != level:
        warnings.append(("level", f"cấp {level} khác cấp {derived} mà mã định danh cho thấy"))
    start = parse_date("valid_from", valid_from)
    end = parse_date("valid_to", valid_to)
    if start and end and end < start:
        raise InvalidArgument("valid_to", "phải bằng hoặc sau ngày hiệu lực từ.")
    if email and "@" not in email:
        raise InvalidArgument("email", "không phải địa chỉ thư điện tử hợp lệ.")
    agency = Agency(
        code=clean_code,
        name=clean_text("name", name, max_len=MAX_NAME),
        short_name=clean_text("short_name", short_name or "", max_len=MAX_SHORT_NAME, required=False),
        parent_code=parent,
        level=level,
        valid_from=start,
        valid_to=end,
        code_conforms=conforms,
        address=clean_text("address", address or "", max_len=300, required=False),
        email=clean_text("email", email or "", max_len=100, required=False),
        phone=clean_text("phone", phone or "", max_len=30, required=False),
        source=clean_text("source", source or "", max_len=300, required=False),
        place=_place(place),
    )
    return Checked(agency, warnings)


def _place(value: str | None) -> str:
    place = clean_text("place", value or "", max_len=MAX_PLACE, required=False)
    if place.endswith(",") or "\n" in place:
        raise InvalidArgument("place", "chỉ ghi tên địa danh, trên một dòng, không có dấu phẩy mà dòng ngày tháng "
                                       "thêm vào (ví dụ Vĩnh Long, Long Châu, Phường 1).")
    return place


def check_no_cycle(code: str, parent_chain: list[str]) -> None:
    """Refuse a parent that is the agency itself or one of its units (the directory is a tree).

    ``parent_chain`` is the new parent followed by its ancestors up to the root, as the directory holds them.
    """
    if code in parent_chain:
        path = " → ".join(parent_chain[:parent_chain.index(code) + 1])
        raise InvalidArgument("parent_code", f"{parent_chain[0]} là đơn vị cấp dưới của {code} ({path}): không đặt "
                                             "được cơ quan dưới một đơn vị của chính nó.")


def check_administrator_change(administrator_of: str | None, changed: Agency, current: Agency | None,
                               current_chain: list[str], parent_chain: list[str]) -> None:
    """Whether the administrator (quản trị) of ``administrator_of`` may write ``changed`` to the directory.

    An agency's administrator manages the entries already under their own agency, judged by the record as it is
    now (``current`` and ``current_chain``: its code and its ancestors up to the root), never by the parent the
    request names; so nobody takes another agency by naming their own as its new parent. They may rename their own
    agency's entry but not move it (its place belongs to the administrator above it), and they may move a unit
    only to another place under their own agency (``parent_chain``: the new parent and its ancestors), so nothing
    leaves the agency of another administrator. New entries go under their own agency; the roots of the directory
    come from the operator's import. Raises :class:`PermissionDenied` saying which rule the change breaks.
    """
    if not administrator_of:
        raise PermissionDenied("Tài khoản của đồng chí chưa thuộc cơ quan nào: chỉ quản trị của một cơ quan mới sửa "
                               "được danh bạ.")
    if current is not None and administrator_of not in current_chain:
        raise PermissionDenied(f"{changed.code} không phải cơ quan của đồng chí hay đơn vị trực thuộc: chỉ quản trị "
                               "của cơ quan cấp trên mới sửa được.")
    if current is not None and current.code == administrator_of:
        if changed.parent_code != current.parent_code:
            raise PermissionDenied("Đồng chí sửa được thông tin cơ quan mình nhưng không chuyển được cấp trên: việc "
                                   "đó do quản trị của cơ quan cấp trên làm.")
        return
    if current is None and changed.code == administrator_of:
        raise PermissionDenied("Cơ quan của đồng chí chưa có trong danh bạ: quản trị của cơ quan cấp trên hoặc bộ "
                               "phận vận hành (nhập danh bạ) sẽ tạo.")
    if administrator_of not in parent_chain:
        raise PermissionDenied("Mã cơ quan cấp trên phải là cơ quan của đồng chí hoặc đơn vị trực thuộc: quản trị "
                               "chỉ thêm được mục dưới cơ quan mình.")


#: Longest word kept for the directory's search (agency_words.word).
MAX_WORD = 64
#: Punctuation trimmed from either end of a word ("Nội," "TP." "(Sở)"); ``%`` and ``_`` are kept, so a LIKE
#: wildcard typed is a character that matches nothing.
_TRIM = ".,;:!?()[]{}\"'-–—…“”‘’/"
_RUNS = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=65_536)
def _fold_word(word: str) -> str:
    return fold(word)


def search_key(name: str, short_name: str = "") -> str:
    """``fold(name + " " + short_name)`` a word at a time, each word's fold remembered: a national directory says
    "Ủy ban nhân dân" 30,000 times, so importing it folds each distinct word once."""
    return " ".join(filter(None, (_fold_word(word) for word in f"{name} {short_name}".split())))


def search_words(code: str, name: str, short_name: str = "") -> set[str]:
    """The words an agency is found by (tìm cơ quan): its name's and short name's words without tones (with and
    without their inner punctuation: "kh&cn", "kh", "cn"), and its code, lower case, whole and each tail after a dot
    ("000.00.01.h62", "00.01.h62", "01.h62", "h62"). A typed word matches an agency when it starts one of them."""
    words: set[str] = set()
    for token in search_key(name, short_name).split():
        trimmed = token.strip(_TRIM)
        if trimmed:
            words.add(trimmed[:MAX_WORD])
            words.update(run[:MAX_WORD] for run in _RUNS.findall(trimmed))
    parts = code.lower().split(".")
    words.update(".".join(parts[i:])[:MAX_WORD] for i in range(len(parts)) if parts[i])
    return words


def query_words(text: str) -> list[str]:
    """The typed words of a directory search, folded like :func:`search_words` (each must start a word of the
    agency's): "Sở Nội vụ," → ["so", "noi", "vu"]; "H61 nội vụ" → ["h61", "noi", "vu"]; "%.H61" → ["%.h61"]."""
    words: list[str] = []
    for token in fold(text).split():
        trimmed = token.strip(_TRIM)[:MAX_WORD]
        if trimmed and trimmed not in words:
            words.append(trimmed)
    return words
