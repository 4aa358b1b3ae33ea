"""Exchange statistics on a real (SQLite) interchange database: what counts where, the same-day acknowledgement
rule in Vietnam time, and the workbook (counts only, names written as text, never formulas)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vanthu.registry.v1.registry_pb2 import Agency
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_interchange.server import MIGRATIONS
from vanthu_interchange.statistics import exchange_statistics, inactive_between, to_xlsx
from vanthu_interchange.store import InterchangeStore, NewDelivery, ReceiptRow

pytestmark = pytest.mark.integration
UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"
AGENCIES = {UBND: "UBND tỉnh Vĩnh Long", SNV: "Sở Nội vụ", LONG_CHAU: "=HYPERLINK(\"x\") Phường Long Châu"}
# 16:30 on 2 December 2026 in Vietnam (09:30 UTC): a working afternoon
SENT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def stats_store(tmp_path: Path) -> AsyncIterator[tuple[InterchangeStore, Clock]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'interchange.db'}"
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    clock = Clock(SENT)
    yield InterchangeStore(session_factory(engine), clock=clock), clock
    await engine.dispose()


async def send(store: InterchangeStore, number: int, recipients: dict[str, str]) -> dict[str, str]:
    """A package of UBND tỉnh to ``recipients`` (code → state); the delivery ids by recipient."""
    rows = await store.add_package(
        package_id=f"pkg-{number}", kind="edoc", sender_code=UBND, edxml_document_id=f"{UBND},2026/12/02,{number}/UBND",
        body=b"<edXML/>", sha256="0" * 64, document_id=f"doc-{number}",
        deliveries=[NewDelivery(f"edoc/doc-{number}/{code}", code, "", "local", state)
                    for code, state in recipients.items()], events=lambda rows: [])
    return {r.recipient_code: r.id for r in rows}


async def answer(store: InterchangeStore, number: int, reporter: str, code: str) -> None:
    delivery, new = await store.add_status(
        kind="edoc", edxml_document_id=f"{UBND},2026/12/02,{number}/UBND", reporter_code=reporter, sender_code=UBND,
        package_id=f"status-{number}-{reporter}-{code}", code=code, description="", staff="", at=None,
        events=lambda delivery: [])
    assert delivery is not None and new


async def test_counts_per_agency_with_the_same_day_acknowledgement_rule(
        stats_store: tuple[InterchangeStore, Clock]) -> None:
    store, clock = stats_store
    await send(store, 1, {SNV: "sent", LONG_CHAU: "sent"})
    await send(store, 2, {SNV: "sent", "000.00.00.G09": "failed"})
    clock.now = SENT + timedelta(hours=1)  # 17:30 in Vietnam: the same day
    await answer(store, 1, SNV, "01")
    for number, outcome in ((1, "accepted"), (2, "accepted"), (1, "returned")):
        await store.add_receipt(ReceiptRow(
            id=f"r-{number}-{outcome}", transport_id=f"pkg-{number}-{outcome}", package_id=f"pkg-{number}",
            kind="edoc", recipient_code=SNV, sender_code=UBND, edxml_document_id="", response_for={}, outcome=outcome,
            document_id=f"arr-{number}", reason=""), [])
    clock.now = SENT + timedelta(hours=8)  # 00:30 the next day in Vietnam, 17:30 UTC the same day: late
    await answer(store, 1, LONG_CHAU, "01")
    await answer(store, 1, LONG_CHAU, "02")
    day = date(2026, 12, 2)
    clock.now = SENT + timedelta(hours=2)  # still 2 December in Vietnam: the 01 of package 2 is not late yet
    rows = {r.agency_code: r for r in await exchange_statistics(store, AGENCIES, day, day, clock)}
    ubnd = rows[UBND]
    assert (ubnd.packages_sent, ubnd.deliveries, ubnd.deliveries_failed) == (2, 4, 1)
    assert ubnd.returned_by_recipients == 1
    assert ubnd.acknowledgements_overdue == 1  # Long Châu's 01 came the next day; package 2's may still come today
    assert rows[SNV].packages_received == 2 and rows[SNV].packages_sent == 0  # a returned one is no arrival

    clock.now = SENT + timedelta(days=1)  # the day after: package 2's delivery to Sở Nội vụ never got its 01
    later = {r.agency_code: r for r in await exchange_statistics(store, AGENCIES, day, day, clock)}
    assert later[UBND].acknowledgements_overdue == 2

    # taken back: Sở Nội vụ gives package 1 back (15), refuses package 2 (16), then gives that back after all
    await answer(store, 1, SNV, "15")
    await answer(store, 2, SNV, "16")
    later = {r.agency_code: r for r in await exchange_statistics(store, AGENCIES, day, day, clock)}
    assert (later[UBND].revocations_accepted, later[UBND].revocations_refused) == (1, 1)
    await answer(store, 2, SNV, "15")
    later = {r.agency_code: r for r in await exchange_statistics(store, AGENCIES, day, day, clock)}
    assert (later[UBND].revocations_accepted, later[UBND].revocations_refused) == (2, 0)

    other_day = await exchange_statistics(store, AGENCIES, day + timedelta(days=1), day + timedelta(days=1), clock)
    assert all(sum(r.counters().values()) == 0 for r in other_day)  # the package belongs to the day it was sent


async def test_the_workbook_has_the_rows_a_total_and_names_as_text(
        stats_store: tuple[InterchangeStore, Clock]) -> None:
    store, clock = stats_store
    await send(store, 1, {SNV: "sent", LONG_CHAU: "failed"})
    rows = await exchange_statistics(store, AGENCIES, date(2026, 12, 1), date(2026, 12, 31), clock)
    sheet = load_workbook(io.BytesIO(to_xlsx(rows, date(2026, 12, 1), date(2026, 12, 31)))).active
    assert sheet is not None
    assert sheet["A2"].value == "Từ ngày 01/12/2026 đến ngày 31/12/2026"
    assert [sheet.cell(row=5 + i, column=1).value for i in range(3)] == [UBND, SNV, LONG_CHAU]
    formula_like = sheet.cell(row=7, column=2)
    assert formula_like.value == AGENCIES[LONG_CHAU] and formula_like.data_type == "s"
    assert sheet.cell(row=8, column=2).value == "Tổng cộng"
    assert sheet.cell(row=8, column=4).value == 2 and sheet.cell(row=8, column=5).value == 1  # deliveries, failed


async def test_an_agency_not_active_in_the_period_is_listed_only_with_something_to_count(
        stats_store: tuple[InterchangeStore, Clock]) -> None:
    """After the 2025 reorganisation the directory keeps the former huyện with their end date: a 2026 period lists
    them only when something of theirs is counted in it (a package dated before the change, say)."""
    store, clock = stats_store
    former, merged = "000.00.14.H61", "000.00.15.H61"
    agencies = [Agency(code=UBND, valid_from="2004-01-01"), Agency(code=SNV),
                Agency(code=former, valid_from="2004-01-01", valid_to="2025-06-30"),
                Agency(code=merged, valid_to="2025-06-30"), Agency(code="000.00.42.H61", valid_from="2027-01-01"),
                Agency(code="000.00.43.H61", valid_from="2026-12-31"), Agency(code="000.00.44.H61", valid_to="thg 6")]
    period = (date(2026, 12, 1), date(2026, 12, 31))
    inactive = inactive_between(agencies, *period)
    assert inactive == {former, merged, "000.00.42.H61"}  # an unreadable end date is open: listed
    names = {a.code: a.code for a in agencies}
    await send(store, 1, {merged: "sent"})
    await store.add_receipt(ReceiptRow(
        id="r-late", transport_id="pkg-late", package_id="pkg-1", kind="edoc", recipient_code=merged,
        sender_code=UBND, edxml_document_id="", response_for={}, outcome="accepted", document_id="arr-late",
        reason=""), [])
    rows = await exchange_statistics(store, names, *period, clock, inactive=inactive)
    assert [r.agency_code for r in rows] == [UBND, SNV, merged, "000.00.43.H61", "000.00.44.H61"]
    assert rows[2].packages_received == 1
