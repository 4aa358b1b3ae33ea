"""Exchange statistics (thống kê liên thông) for the provincial office: per agency and period, what was sent,
received, returned, taken back, and which deliveries' acknowledgement (01 đã đến) did not come the same day
(Decree 30/2020 Art. 21.2.c: an arrival is acknowledged the day it arrives). Counts only: no subject, no file, no
content of any document, so the office can watch the axis without reading anyone's documents.

The period is in Vietnam dates, both days included; a delivery belongs to the day it was made, a receipt to the day
it was taken in. A delivery made today whose 01 has not come yet is not overdue before the day ends.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from vanthu.registry.v1.registry_pb2 import Agency
from vanthu_core.spreadsheet import text_cell
from vanthu_core.timeutil import VIETNAM_TZ, Clock, utc_now
from vanthu_interchange.store import DeliveryRow, DeliveryStatusRow, InterchangeStore, ReceiptRow

#: Column titles of the workbook, in the order of :class:`AgencyCounts`'s counters.
TITLES = {
    "packages_sent": "Văn bản đã gửi", "deliveries": "Lượt gửi (theo nơi nhận)",
    "deliveries_failed": "Gửi không thành công", "packages_received": "Văn bản đã nhận",
    "packages_returned": "Văn bản đã trả lại (02)", "returned_by_recipients": "Bị nơi nhận trả lại (02)",
    "revocations_sent": "Yêu cầu lấy lại (13)", "revocations_accepted": "Nơi nhận đồng ý lấy lại (15)",
    "revocations_refused": "Nơi nhận từ chối lấy lại (16)",
    "acknowledgements_overdue": "Chưa báo đã đến trong ngày (01)"}


@dataclass
class AgencyCounts:
    """One agency's counters for the period."""

    agency_code: str
    agency_name: str = ""
    packages_sent: int = 0
    deliveries: int = 0
    deliveries_failed: int = 0
    packages_received: int = 0
    packages_returned: int = 0
    returned_by_recipients: int = 0
    revocations_sent: int = 0
    revocations_accepted: int = 0
    revocations_refused: int = 0
    acknowledgements_overdue: int = 0
    _packages: set[str] = field(default_factory=set, repr=False)

    def counters(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in TITLES}


def _day(instant: datetime | None) -> date | None:
    return instant.astimezone(VIETNAM_TZ).date() if instant else None


def inactive_between(agencies: Iterable[Agency], date_from: date, date_to: date) -> frozenset[str]:
    """The codes of ``agencies`` not active on any day of ``date_from``–``date_to``: created after it, or abolished
    before it (``valid_from``/``valid_to``, ISO dates; an empty or unreadable bound is open). After the 2025
    reorganisation a province's directory keeps its former districts (huyện) with their end date."""
    def bound(text: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None
    inactive = set()
    for agency in agencies:
        start, end = bound(agency.valid_from), bound(agency.valid_to)
        if (start is not None and start > date_to) or (end is not None and end < date_from):
            inactive.add(agency.code)
    return frozenset(inactive)


async def exchange_statistics(store: InterchangeStore, agencies: dict[str, str], date_from: date, date_to: date,
                              clock: Clock = utc_now, *, inactive: frozenset[str] = frozenset()) -> list[AgencyCounts]:
    """The counters of each agency of ``agencies`` (code → name) for ``date_from``–``date_to`` (Vietnam dates,
    included), in the order of ``agencies``; an agency of ``inactive`` (not active in the period) only when it has
    something to count."""
    start = datetime.combine(date_from, time.min, VIETNAM_TZ)
    end = datetime.combine(date_to + timedelta(days=1), time.min, VIETNAM_TZ)
    today = _day(clock())
    counts = {code: AgencyCounts(code, name) for code, name in agencies.items()}
    codes = list(agencies)
    async with store.sessions() as session:
        deliveries = list((await session.scalars(select(DeliveryRow).where(
            DeliveryRow.sender_code.in_(codes), DeliveryRow.created_at >= start, DeliveryRow.created_at < end))).all())
        edoc_ids = [d.id for d in deliveries if d.kind == "edoc"]
        statuses: dict[str, list[DeliveryStatusRow]] = defaultdict(list)
        for status in (await session.scalars(select(DeliveryStatusRow).where(
                DeliveryStatusRow.delivery_id.in_(edoc_ids)).order_by(DeliveryStatusRow.id))).all() if edoc_ids else []:
            statuses[status.delivery_id].append(status)
        receipts = list((await session.scalars(select(ReceiptRow).where(
            ReceiptRow.recipient_code.in_(codes), ReceiptRow.kind == "edoc", ReceiptRow.created_at >= start,
            ReceiptRow.created_at < end))).all())
    for delivery in deliveries:
        row = counts[delivery.sender_code]
        if delivery.kind == "status":
            if delivery.status_code == "02":
                row.packages_returned += 1
            elif delivery.status_code == "13":
                row.revocations_sent += 1
            continue
        row._packages.add(delivery.package_id)
        row.deliveries += 1
        if delivery.state == "failed":
            row.deliveries_failed += 1
        answers = statuses.get(delivery.id, [])
        if any(s.code == "02" for s in answers):
            row.returned_by_recipients += 1
        answered = [s.code for s in answers if s.code in ("15", "16")]
        if answered:  # the last answer counts (a 16 a recipient later turned into 15)
            row.revocations_accepted += int(answered[-1] == "15")
            row.revocations_refused += int(answered[-1] == "16")
        if delivery.state == "sent" and delivery.sent_at is not None:
            sent_day = _day(delivery.sent_at)
            inbox = [_day(s.received_at) for s in answers if s.code == "01"]
            on_time = any(day == sent_day for day in inbox)
            if not on_time and (inbox or (today is not None and sent_day is not None and today > sent_day)):
                row.acknowledgements_overdue += 1
    for receipt in receipts:
        if receipt.outcome == "accepted":
            counts[receipt.recipient_code].packages_received += 1
    for row in counts.values():
        row.packages_sent = len(row._packages)
    return [row for row in counts.values() if row.agency_code not in inactive or any(row.counters().values())]


def to_xlsx(rows: list[AgencyCounts], date_from: date, date_to: date) -> bytes:
    """The statistics as a workbook: a title, the period, one row per agency and a total row."""
    from openpyxl import Workbook  # an export's alone: a second of CPU at every start otherwise
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thống kê liên thông"
    titles = ["Mã định danh", "Cơ quan", *TITLES.values()]
    sheet.cell(row=1, column=1, value="THỐNG KÊ GỬI, NHẬN VĂN BẢN ĐIỆN TỬ").font = Font(bold=True, size=13)
    sheet.cell(row=2, column=1, value=f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}")
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=4, column=column, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for offset, counts in enumerate(rows, start=5):
        # agency codes and names are data: written as strings, never formulas
        text_cell(sheet.cell(row=offset, column=1), counts.agency_code)
        text_cell(sheet.cell(row=offset, column=2), counts.agency_name)
        for column, value in enumerate(counts.counters().values(), start=3):
            sheet.cell(row=offset, column=column, value=value)
    total_row = 5 + len(rows)
    sheet.cell(row=total_row, column=2, value="Tổng cộng").font = Font(bold=True)
    for column, name in enumerate(TITLES, start=3):
        sheet.cell(row=total_row, column=column, value=sum(getattr(r, name) for r in rows)).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
