"""A file (hồ sơ) from opening to the archive: states, who acts, codes, ordinals and deposit deadlines.

The dossier state machine of regulations.md §7.2 (Decree 30/2020 Art. 29–31):

```
open --add--> collecting --add/remove--> collecting
open|collecting --close--> closed                      (Art. 29.4: metadata completed, table of contents produced)
closed|retained|returned --submit--> submitted         (Art. 30: the unit deposits into the agency archive)
closed --retain--> retained                            (kept ≤ 2 more years with the leader's approval)
submitted --accept--> deposited [terminal]             (the archive checks against the plan, locks the objects)
submitted --return--> returned                         (with reasons)
returned --reopen--> collecting                        (the creator mends the file)
```

"Due for deposit" (§7.2's DUE_FOR_DEPOSIT) is not a stored state but a property of a closed, returned or retained
file whose deadline is within :data:`DUE_SOON_DAYS` (Appendix VI I.III.5.b: notified 30 days ahead): the reminders
say so and the file carries ``deposit_due``/``deposit_overdue``.

Codes (Decree 30 Appendix VI II.III; Circular 02/2019): the file code (mã hồ sơ) is ``<agency code>.<year>.<file
notation>``; a document's code (mã định danh văn bản) is ``<file code>.<ordinal, 3 digits>``; ordinals run from 1
without gaps in the order documents were added.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

from vanthu_core.errors import FailedPrecondition, InvalidArgument

#: Who opens, fills, closes and submits files (the person handling the work, Art. 29.1).
FILE_KEEPERS = frozenset({"officer", "head", "clerk", "leader"})
#: Who runs the agency archive: accepts or returns deposits (Art. 30).
ARCHIVISTS = frozenset({"archivist"})
#: Who sees every file of the agency (the others see the files they created).
FILE_READERS = frozenset({"archivist", "leader", "clerk", "admin"})
DUE_SOON_DAYS = 30
#: Deposit within one year after closing; a unit may keep a file at most two more years (Art. 30).
DEPOSIT_YEARS = 1
MAX_RETAIN_YEARS = 2
MAX_DOCUMENTS = 999  # DocOrdinal is Number(3)
MAX_NOTATION = 20  # FileNotation String(20)


class FileState(StrEnum):
    OPEN = "open"
    COLLECTING = "collecting"
    CLOSED = "closed"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RETAINED = "retained"
    DEPOSITED = "deposited"


class FileAction(StrEnum):
    OPEN = "open"
    ADD = "add"
    REMOVE = "remove"
    CLOSE = "close"
    SUBMIT = "submit"
    RETAIN = "retain"
    ACCEPT = "accept"
    RETURN = "return"
    REOPEN = "reopen"
    IMPORT = "import"
    RENEW = "renew"


STATE_NAMES = {
    FileState.OPEN: "đang mở", FileState.COLLECTING: "đang cập nhật", FileState.CLOSED: "đã kết thúc",
    FileState.SUBMITTED: "đã nộp lưu, chờ tiếp nhận", FileState.RETURNED: "bị trả lại",
    FileState.RETAINED: "giữ lại tại đơn vị", FileState.DEPOSITED: "đã tiếp nhận vào lưu trữ"}

#: Each action as the screens say it, for messages.
ACTION_NAMES = {
    FileAction.OPEN: "mở hồ sơ", FileAction.ADD: "thêm văn bản", FileAction.REMOVE: "bỏ văn bản",
    FileAction.CLOSE: "kết thúc hồ sơ", FileAction.SUBMIT: "nộp lưu", FileAction.RETAIN: "giữ lại tại đơn vị",
    FileAction.ACCEPT: "tiếp nhận vào lưu trữ", FileAction.RETURN: "trả lại", FileAction.REOPEN: "mở lại hồ sơ",
    FileAction.IMPORT: "nhập hồ sơ", FileAction.RENEW: "gia hạn giữ lại"}


def state_name(state: object) -> str:
    """A file state (a :class:`FileState` or its value) as the screens say it; an unknown value is kept."""
    try:
        return STATE_NAMES[FileState(str(state))]
    except ValueError:
        return str(state)


_TRANSITIONS: dict[tuple[FileState, FileAction], FileState] = {
    (FileState.OPEN, FileAction.ADD): FileState.COLLECTING,
    (FileState.COLLECTING, FileAction.ADD): FileState.COLLECTING,
    (FileState.COLLECTING, FileAction.REMOVE): FileState.COLLECTING,
    (FileState.OPEN, FileAction.CLOSE): FileState.CLOSED,
    (FileState.COLLECTING, FileAction.CLOSE): FileState.CLOSED,
    (FileState.CLOSED, FileAction.SUBMIT): FileState.SUBMITTED,
    (FileState.RETAINED, FileAction.SUBMIT): FileState.SUBMITTED,
    (FileState.RETURNED, FileAction.SUBMIT): FileState.SUBMITTED,
    (FileState.CLOSED, FileAction.RETAIN): FileState.RETAINED,
    (FileState.SUBMITTED, FileAction.ACCEPT): FileState.DEPOSITED,
    (FileState.SUBMITTED, FileAction.RETURN): FileState.RETURNED,
    (FileState.RETURNED, FileAction.REOPEN): FileState.COLLECTING,
    (FileState.DEPOSITED, FileAction.RENEW): FileState.DEPOSITED,
}


def next_state(state: str, action: FileAction) -> FileState:
    """The state ``action`` leads to from ``state``; :class:`FailedPrecondition` naming the current state when the
    step is not allowed."""
    current = FileState(state)
    try:
        return _TRANSITIONS[(current, action)]
    except KeyError:
        allowed = sorted(ACTION_NAMES[a] for (s, a) in _TRANSITIONS if s is current)
        raise FailedPrecondition(
            f"Hồ sơ đang ở trạng thái {STATE_NAMES[current]}: lúc này không thể {ACTION_NAMES[action]}"
            + (f"; chỉ có thể: {', '.join(allowed)}." if allowed else "; hồ sơ không thay đổi được nữa.")) from None


def check_notation(field_name: str, value: str) -> str:
    """FileNotation: 1–20 characters without spaces (``01.TCCB``)."""
    text = value.strip()
    if not text or len(text) > MAX_NOTATION or any(ch.isspace() for ch in text):
        raise InvalidArgument(field_name, f"từ 1 đến {MAX_NOTATION} ký tự, không có dấu cách, ví dụ 01.TCCB.")
    return text


def file_code(agency_code: str, year: int, notation: str) -> str:
    """Mã hồ sơ: ``<mã định danh cơ quan>.<năm hình thành>.<số và ký hiệu hồ sơ>``
    (``000.00.02.H61.2031.01.TCCB``)."""
    return f"{agency_code}.{year:04d}.{notation}"


def document_code(code_of_file: str, ordinal: int) -> str:
    """Mã định danh văn bản: the file code, a dot, the ordinal in 3 digits (``….01.TCCB.007``)."""
    if not 1 <= ordinal <= MAX_DOCUMENTS:
        raise InvalidArgument("ordinal", f"là {ordinal}; chỉ nhận từ 1 đến {MAX_DOCUMENTS}.")
    return f"{code_of_file}.{ordinal:03d}"


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def deposit_deadline(closed_on: date, retained_years: int = 0) -> date:
    """Hạn nộp lưu: one year after the file was closed, plus the years the unit was allowed to keep it."""
    return add_years(closed_on, DEPOSIT_YEARS + retained_years)


def deposit_flags(state: str, deadline: date | None, today: date) -> tuple[bool, bool]:
    """(due, overdue) for a file not yet in the archive: due from :data:`DUE_SOON_DAYS` before the deadline, overdue
    after it."""
    if deadline is None or state not in (FileState.CLOSED, FileState.RETURNED, FileState.RETAINED):
        return False, False
    overdue = today > deadline
    return (not overdue and today >= deadline - timedelta(days=DUE_SOON_DAYS)), overdue


def retain_until(deposited_on: date, retention_years: int) -> date | None:
    """Until when storage retains an archived object: the retention period counted from the deposit; None for
    permanent retention (vĩnh viễn), which has no end date and is kept by a legal hold instead."""
    return None if retention_years == 0 else add_years(deposited_on, retention_years)


def check_retain_years(years: int) -> int:
    if not 1 <= years <= MAX_RETAIN_YEARS:
        raise InvalidArgument("years", f"là {years}; đơn vị chỉ giữ lại hồ sơ thêm 1 đến {MAX_RETAIN_YEARS} năm (Nghị "
                                       "định 30/2020 Điều 30).")
    return years
