"""Dashboards of processing (issue 13 item 5): per agency and per unit, the cases started in a period by state, the
overdue rate and the median processing time, as rows or as a CSV or XLSX file.

Pure: :func:`summarise` takes the facts the store reads (:class:`CaseFacts`) and the Vietnam date of today; the
exports write every text cell through :mod:`vanthu_core.spreadsheet` (a unit's name is data, never a formula).

Definitions (stated on the export too, so a reader of the sheet knows what the numbers mean):

- a case is *overdue* when it has a deadline (hạn xử lý) and is still open after it (its Vietnam date is past the
  deadline), or was completed on a later Vietnam date than its deadline (*completed late*); the overdue rate is
  both over the cases with a deadline;
- the processing time of a completed case is from its start (trình / gửi dự thảo) to its completion (hoàn thành /
  ban hành), in days of 24 hours; the median is over the completed cases.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from vanthu_core.spreadsheet import formula_safe, text_cell
from vanthu_core.workdays import vietnam_date

#: Unit code of the cases not given to any unit yet (submitted to the leaders, not assigned).
UNASSIGNED = "-"
UNASSIGNED_NAME = "Chưa giao đơn vị"
#: The states that end a case: it is no longer open.
FINAL_STATES = frozenset({"completed", "withdrawn", "issued", "cancelled"})
#: The state a case is completed in, per kind of case.
COMPLETED_STATE = {"incoming": "completed", "outgoing": "issued", "job": "completed"}


@dataclass(frozen=True)
class CaseFacts:
    """What a dashboard needs of one case: its state, its unit (:data:`UNASSIGNED` when none), deadline (Vietnam
    date or None), start and — when completed — the time it was completed (UTC)."""

    state: str
    unit_code: str
    deadline: date | None
    started_at: datetime
    completed_at: datetime | None


@dataclass
class Row:
    """One line of a dashboard (the agency's, or a unit's)."""

    unit_code: str
    unit_name: str
    total: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    completed: int = 0
    with_deadline: int = 0
    overdue_open: int = 0
    completed_late: int = 0
    _days: list[float] = field(default_factory=list, repr=False)

    @property
    def overdue_rate(self) -> float:
        """(overdue open + completed late) / cases with a deadline, 0 without deadlines."""
        return (self.overdue_open + self.completed_late) / self.with_deadline if self.with_deadline else 0.0

    @property
    def median_processing_days(self) -> float:
        """Median start → completion of the completed cases, in days of 24 h; 0 when none is completed."""
        return statistics.median(self._days) if self._days else 0.0

    def add(self, case: CaseFacts, today: date) -> None:
        self.total += 1
        self.by_state[case.state] += 1
        if case.completed_at is not None:
            self.completed += 1
            self._days.append((case.completed_at - case.started_at).total_seconds() / 86400)
        if case.deadline is None:
            return
        self.with_deadline += 1
        if case.completed_at is not None:
            self.completed_late += vietnam_date(case.completed_at) > case.deadline
        elif case.state not in FINAL_STATES:
            self.overdue_open += today > case.deadline


def summarise(cases: Iterable[CaseFacts], today: date, unit_names: dict[str, str], *,
              units: Callable[[str], bool] = lambda _: True) -> tuple[Row, list[Row]]:
    """The agency's row and one row per unit (sorted by code; :data:`UNASSIGNED` last) of ``cases``; only the units
    ``units`` admits get a row (a head's own units). ``today``: the Vietnam date the overdue cases are counted at."""
    agency = Row("", "Toàn cơ quan")
    rows: dict[str, Row] = {}
    for case in cases:
        agency.add(case, today)
        if units(case.unit_code):
            name = UNASSIGNED_NAME if case.unit_code == UNASSIGNED else unit_names.get(case.unit_code,
                                                                                     case.unit_code)
            rows.setdefault(case.unit_code, Row(case.unit_code, name)).add(case, today)
    ordered = sorted(rows.values(), key=lambda r: (r.unit_code == UNASSIGNED, r.unit_code))
    return agency, ordered


#: The columns of the exports: title, and how a row gives it.
COLUMNS: list[tuple[str, Callable[[Row], object]]] = [
    ("Mã đơn vị", lambda r: r.unit_code),
    ("Đơn vị", lambda r: r.unit_name),
    ("Tổng số", lambda r: r.total),
    ("Đã hoàn thành", lambda r: r.completed),
    ("Có hạn xử lý", lambda r: r.with_deadline),
    ("Quá hạn chưa xong", lambda r: r.overdue_open),
    ("Hoàn thành trễ hạn", lambda r: r.completed_late),
    ("Tỉ lệ quá hạn (%)", lambda r: round(100 * r.overdue_rate, 1)),
    ("Thời gian xử lý trung vị (ngày)", lambda r: round(r.median_processing_days, 2)),
]
TITLE = {"incoming": "THỐNG KÊ XỬ LÝ VĂN BẢN ĐẾN", "outgoing": "THỐNG KÊ XỬ LÝ VĂN BẢN ĐI",
         "job": "THỐNG KÊ THỰC HIỆN CÔNG VIỆC ĐƯỢC GIAO"}
#: The kinds' names in the exports' file names.
FILE_KIND = {"incoming": "van-ban-den", "outgoing": "van-ban-di", "job": "giao-viec"}
NOTE = ("Quá hạn: có hạn xử lý, chưa xong khi đã qua hạn hoặc hoàn thành sau hạn; tỉ lệ trên số văn bản có hạn. "
        "Thời gian xử lý: từ khi trình đến khi hoàn thành, tính theo ngày 24 giờ.")


def _states(rows: list[Row]) -> list[str]:
    return sorted({s for r in rows for s in r.by_state})


def file_name(kind: str, date_from: date, date_to: date, extension: str) -> str:
    return f"thong-ke-xu-ly-{FILE_KIND[kind]}_{date_from:%Y%m%d}-{date_to:%Y%m%d}.{extension}"


def to_csv(rows: list[Row], kind: str, state_names: dict[str, str]) -> bytes:
    """The rows as CSV (UTF-8 with a byte order mark, so spreadsheet programs read the Vietnamese right): the
    columns of :data:`COLUMNS`, then one column per state."""
    states = _states(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for title, _ in COLUMNS] + [state_names.get(s, s) for s in states])
    for row in rows:
        values = [value(row) for _, value in COLUMNS] + [row.by_state.get(s, 0) for s in states]
        writer.writerow([formula_safe(v) if isinstance(v, str) else v for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[Row], kind: str, state_names: dict[str, str], date_from: date, date_to: date) -> bytes:
    """The rows as a workbook: a title, the period, the definitions, a header and a line per row."""
    states = _states(rows)
    from openpyxl import Workbook  # an export's alone: not imported at every start of the service
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thống kê xử lý"
    sheet.cell(row=1, column=1, value=TITLE.get(kind, TITLE["incoming"])).font = Font(bold=True, size=13)
    sheet.cell(row=2, column=1, value=f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}")
    sheet.cell(row=3, column=1, value=NOTE).font = Font(italic=True)
    titles = [title for title, _ in COLUMNS] + [state_names.get(s, s) for s in states]
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=5, column=column, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for offset, row in enumerate(rows, start=6):
        for column, (_, value) in enumerate(COLUMNS, start=1):
            got = value(row)
            if isinstance(got, str):
                text_cell(sheet.cell(row=offset, column=column), got)
            else:
                sheet.cell(row=offset, column=column, value=got)
        for column, state in enumerate(states, start=len(COLUMNS) + 1):
            sheet.cell(row=offset, column=column, value=row.by_state.get(state, 0))
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
