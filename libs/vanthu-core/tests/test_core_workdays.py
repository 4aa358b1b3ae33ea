"""Deadlines in working days (issue 13, item 4): weekends, the lunar and solar public holidays from the
``holidays`` package, and the government's per-year swaps from the shipped data file or an operator's file.

Every date is fixed in the test; nothing reads today's date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from vanthu_core import workdays
from vanthu_core.timeutil import VIETNAM_TZ
from vanthu_core.workdays import (
    OVERRIDE_ENV,
    DeadlineState,
    WorkdaysDataError,
    WorkingCalendar,
    add_working_days,
    deadline_state,
    load_calendar,
    load_years,
    working_days_between,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return load_calendar(environ={})


# -- Tết 2027 ---------------------------------------------------------------------------------------


def test_tet_2027_falls_on_6_february_and_its_break_runs_4_to_10_february(cal: WorkingCalendar) -> None:
    # Lunar New Year (Đinh Mùi) is Saturday 6/2/2027. Bộ luật Lao động 2019 Art. 112: one day before and four
    # after; the library moves the Saturday to the previous workday (Thu 4/2, "29 Tết") and the Sunday to the
    # next (Wed 10/2, mùng 5). So Thu 4/2 .. Wed 10/2 are all off, Wed 3/2 and Thu 11/2 are working days.
    assert cal.library_holidays(2027)[date(2027, 2, 6)] == "Tết Nguyên Đán"
    off = [date(2027, 2, 4) + timedelta(days=i) for i in range(7)]
    assert [cal.is_working_day(d) for d in off] == [False] * 7
    assert cal.is_working_day(date(2027, 2, 3))
    assert cal.is_working_day(date(2027, 2, 11))


def test_a_deadline_counted_across_tet_2027_skips_every_holiday_and_weekend(cal: WorkingCalendar) -> None:
    # Received Monday 1/2/2027, 5 working days:
    #   Tue 2/2 (1), Wed 3/2 (2),
    #   Thu 4/2 29 Tết, Fri 5/2 Giao thừa, Sat 6/2 Tết, Sun 7/2 mùng 2, Mon 8/2 mùng 3, Tue 9/2 mùng 4,
    #   Wed 10/2 mùng 5 (in lieu of the Sunday) — all off,
    #   Thu 11/2 (3), Fri 12/2 (4), Sat 13/2 and Sun 14/2 weekend, Mon 15/2 (5).
    assert add_working_days(date(2027, 2, 1), 5, calendar=cal) == date(2027, 2, 15)
    assert working_days_between(date(2027, 2, 1), date(2027, 2, 15), calendar=cal) == 5
    # Received on the eve (a day off itself), 1 working day: the first working day after the break.
    assert add_working_days(date(2027, 2, 5), 1, calendar=cal) == date(2027, 2, 11)
    # Counted backwards over the break: 2 working days before Thu 11/2 is Tue 2/2.
    assert add_working_days(date(2027, 2, 11), -2, calendar=cal) == date(2027, 2, 2)


def test_an_instant_received_late_on_the_evening_before_tet_is_counted_from_its_vietnam_date(
    cal: WorkingCalendar,
) -> None:
    # 2027-02-02 17:30 UTC is Wed 3/2 00:30 in Vietnam: the count starts on Wed 3/2, so 1 working day → Thu 11/2.
    received = datetime(2027, 2, 2, 17, 30, tzinfo=UTC)
    assert cal.add_working_days(received, 1) == date(2027, 2, 11)
    # 16:59 UTC is still Tue 2/2 in Vietnam (23:59): 1 working day → Wed 3/2.
    assert cal.add_working_days(datetime(2027, 2, 2, 16, 59, tzinfo=UTC), 1) == date(2027, 2, 3)


# -- Hùng Kings, 30/4–1/5, swaps ------------------------------------------------------------------------


def test_hung_kings_day_is_a_day_off_in_2025_and_2027(cal: WorkingCalendar) -> None:
    # 10/3 âm lịch: Monday 7/4/2025 and Friday 16/4/2027.
    assert cal.day_off_reason(date(2025, 4, 7)) == "Ngày Giỗ Tổ Hùng Vương"
    assert cal.day_off_reason(date(2027, 4, 16)) == "Ngày Giỗ Tổ Hùng Vương"
    # Thursday 15/4/2027 + 1 working day: Fri 16/4 off, weekend, → Monday 19/4/2027.
    assert cal.add_working_days(date(2027, 4, 15), 1) == date(2027, 4, 19)


def test_30_april_1_may_2025_with_the_swap_of_friday_2_may_for_saturday_26_april(cal: WorkingCalendar) -> None:
    entry = cal.years[2025]
    assert entry.verified and "8726/VPCP-KGVX" in entry.source
    assert [c.day for c in entry.days_off] == [date(2025, 5, 2)]
    assert [c.day for c in entry.working_days] == [date(2025, 4, 26)]
    # Saturday 26/4/2025 is worked (làm bù); Friday 2/5/2025 is off (nghỉ hoán đổi).
    assert cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 5, 2))
    # Received Friday 25/4/2025, 2 working days: Sat 26/4 (1, làm bù), Sun 27/4 off, Mon 28/4 (2).
    assert cal.add_working_days(date(2025, 4, 25), 2) == date(2025, 4, 28)
    # Received Tuesday 29/4/2025, 1 working day: Wed 30/4, Thu 1/5 holidays, Fri 2/5 swapped off,
    # Sat 3/5, Sun 4/5 weekend → Monday 5/5/2025.
    assert cal.add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_30_april_1_may_2024_monday_29_april_off_and_saturday_4_may_worked(cal: WorkingCalendar) -> None:
    assert "2450/VPCP-KGVX" in cal.years[2024].source
    # Fri 26/4/2024 + 1: Sat 27, Sun 28, Mon 29 (swapped off), Tue 30/4, Wed 1/5 (holidays) → Thu 2/5/2024.
    assert cal.add_working_days(date(2024, 4, 26), 1) == date(2024, 5, 2)
    # Fri 3/5/2024 + 1: Saturday 4/5 is worked (làm bù) → Saturday 4/5/2024.
    assert cal.add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 4)
    assert working_days_between(date(2024, 4, 26), date(2024, 5, 6), calendar=cal) == 4  # 2, 3, 4/5 and 6/5


def test_a_saturday_is_not_worked_unless_the_data_says_so(cal: WorkingCalendar) -> None:
    assert cal.day_off_reason(date(2025, 4, 19)) == "Thứ Bảy"
    assert cal.day_off_reason(date(2025, 4, 20)) == "Chủ nhật"
    assert cal.day_off_reason(date(2025, 4, 26)) is None


def test_unverified_years_say_so(cal: WorkingCalendar) -> None:
    assert cal.years[2026].verified is False
    assert cal.years[2026].source.startswith("UNVERIFIED")


# -- due soon / overdue ------------------------------------------------------------------------------


def test_due_soon_and_overdue_change_at_midnight_vietnam_time_not_utc(cal: WorkingCalendar) -> None:
    due = date(2025, 4, 29)  # Tuesday
    # 23:30 UTC on Mon 28/4 is Tue 29/4 06:30 in Vietnam: the due day itself.
    assert cal.deadline_state(due, datetime(2025, 4, 28, 23, 30, tzinfo=UTC)) == DeadlineState.DUE_SOON
    # 16:59:59 UTC on Tue 29/4 is 23:59:59 in Vietnam: still due (due soon), not overdue.
    assert cal.deadline_state(due, datetime(2025, 4, 29, 16, 59, 59, tzinfo=UTC)) == "due_soon"
    # 17:00 UTC on Tue 29/4 is Wed 30/4 00:00 in Vietnam: overdue.
    assert cal.deadline_state(due, datetime(2025, 4, 29, 17, 0, tzinfo=UTC)) == "overdue"
    # 23:30 UTC on Tue 29/4 is already Wed 30/4 in Vietnam: overdue, though UTC still says the 29th.
    assert cal.deadline_state(due, datetime(2025, 4, 29, 23, 30, tzinfo=UTC)) == "overdue"


def test_due_soon_counts_working_days_so_a_long_holiday_does_not_make_a_deadline_seem_far(
    cal: WorkingCalendar,
) -> None:
    due = date(2025, 5, 5)  # Monday after the 30/4–4/5 break
    # On Tuesday 29/4 (Vietnam) only 1 working day remains (Mon 5/5): due soon with soon_days=1.
    now = datetime(2025, 4, 29, 9, 0, tzinfo=VIETNAM_TZ)
    assert cal.deadline_state(due, now, soon_days=1) == "due_soon"
    assert cal.deadline_state(due, now, soon_days=0) == "on_time"
    # On Friday 25/4: Sat 26/4 (làm bù), Mon 28, Tue 29, Mon 5/5 → 4 working days remain.
    friday = datetime(2025, 4, 25, 9, 0, tzinfo=VIETNAM_TZ)
    assert deadline_state(due, friday, soon_days=3, calendar=cal) == DeadlineState.ON_TIME
    assert deadline_state(due, friday, soon_days=4, calendar=cal) == DeadlineState.DUE_SOON


def test_deadline_state_refuses_naive_instants_and_negative_horizons(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        cal.deadline_state(date(2025, 5, 5), datetime(2025, 4, 29, 9, 0))
    with pytest.raises(ValueError, match="soon_days"):
        cal.deadline_state(date(2025, 5, 5), datetime(2025, 4, 29, 9, 0, tzinfo=UTC), soon_days=-1)


# -- after hours ---------------------------------------------------------------------------------------


def test_without_a_cutoff_the_hour_of_receipt_does_not_matter(cal: WorkingCalendar) -> None:
    late = datetime(2025, 4, 22, 18, 0, tzinfo=VIETNAM_TZ)  # Tuesday 18:00
    assert cal.add_working_days(late, 1) == date(2025, 4, 23)


def test_with_a_cutoff_a_document_received_after_hours_counts_from_the_next_working_day(
    cal: WorkingCalendar,
) -> None:
    cutoff = time(17, 0)
    assert cal.add_working_days(datetime(2025, 4, 22, 16, 59, tzinfo=VIETNAM_TZ), 1, cutoff=cutoff) == date(2025, 4, 23)
    # Tuesday 17:00: received Wed 23/4, 1 working day → Thu 24/4.
    assert cal.add_working_days(datetime(2025, 4, 22, 17, 0, tzinfo=VIETNAM_TZ), 1, cutoff=cutoff) == date(2025, 4, 24)
    # Sunday 27/4/2025: received Mon 28/4, 1 working day → Tue 29/4.
    assert cal.add_working_days(datetime(2025, 4, 27, 10, 0, tzinfo=VIETNAM_TZ), 1, cutoff=cutoff) == date(2025, 4, 29)


def test_n_must_be_a_whole_number(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        cal.add_working_days(date(2025, 4, 22), 1.5)  # type: ignore[arg-type]
    assert cal.add_working_days(date(2025, 4, 27), 0) == date(2025, 4, 27)


# -- the data file -------------------------------------------------------------------------------------

_OVERRIDE_2027 = """\
version: 1
years:
  2027:
    source: "Test notice 1/TB-TEST"
    verified: false
    days_off:
      - {date: 2027-02-03, reason: "Nghỉ hoán đổi dịp Tết (test)"}
    working_days:
      - {date: 2027-02-20, reason: "Làm bù cho thứ Tư 03/02/2027 (test)"}
"""


def test_an_override_file_adds_a_year_without_a_code_change(tmp_path: Path) -> None:
    path = tmp_path / "workdays.yaml"
    path.write_text(_OVERRIDE_2027, encoding="utf-8")
    cal = load_calendar(environ={OVERRIDE_ENV: str(path)})
    assert 2027 in cal.years and 2025 in cal.years  # added, and the shipped years kept
    assert not cal.is_working_day(date(2027, 2, 3))
    assert cal.is_working_day(date(2027, 2, 20))
    # Mon 1/2/2027 + 5 now: Tue 2/2 (1), Wed 3/2 swapped off, break to Wed 10/2, Thu 11 (2), Fri 12 (3),
    # Mon 15 (4), Tue 16 (5).
    assert cal.add_working_days(date(2027, 2, 1), 5) == date(2027, 2, 16)


def test_the_default_calendar_reads_the_override_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "workdays.yaml"
    path.write_text(_OVERRIDE_2027, encoding="utf-8")
    monkeypatch.setenv(OVERRIDE_ENV, str(path))
    workdays.default_calendar.cache_clear()
    try:
        assert not workdays.is_working_day(date(2027, 2, 3))
    finally:
        workdays.default_calendar.cache_clear()


def test_an_override_year_replaces_the_shipped_entry_of_that_year(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("version: 1\nyears:\n  2025:\n    source: corrected\n    verified: false\n", encoding="utf-8")
    cal = load_calendar(path, environ={})
    assert cal.years[2025].source == "corrected"
    # The corrected 2025 lists no swap: the library's own (2/5 off for Saturday 26/4) no longer applies ...
    assert not cal.is_working_day(date(2025, 4, 26))
    assert cal.is_working_day(date(2025, 5, 2))
    # ... but its statutory holidays do.
    assert not cal.is_working_day(date(2025, 5, 1))


def test_years_the_data_does_not_list_keep_the_librarys_own_swaps(cal: WorkingCalendar) -> None:
    # 2019 (not in the data file): the library's swap of Mon 29/4/2019 for Sat 4/5/2019.
    assert not cal.is_working_day(date(2019, 4, 29))
    assert cal.is_working_day(date(2019, 5, 4))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nyears:\n  2025:\n    verified: true\n", r"<t>:3: year 2025: source .* is required"),
        (
            "version: 1\nyears:\n  2025:\n    source: x\n    verified: true\n    days_off:\n"
            "      - {date: 2024-05-02, reason: x}\n",
            r"<t>:7: year 2025: days_off date 2024-05-02 is not in 2025",
        ),
        (
            "version: 1\nyears:\n  2025:\n    source: x\n    verified: true\n    working_days:\n"
            "      - {date: 2025-13-01, reason: x}\n",
            r"<t>:7: year 2025: working_days date '2025-13-01' is not a YYYY-MM-DD date",
        ),
        (
            "version: 1\nyears:\n  2025:\n    source: x\n    verified: yes please\n",
            r"<t>:3: year 2025: verified must be true or false",
        ),
        (
            "version: 1\nyears:\n  2025:\n    source: x\n    verified: true\n    days_off:\n"
            "      - {date: 2025-04-26, reason: x}\n",
            r"<t>:3: year 2025: days_off 2025-04-26 is a weekend day",
        ),
        (
            "version: 1\nyears:\n  2025:\n    source: x\n    verified: true\n    days_off:\n"
            "      - {date: 2025-05-02, reason: x}\n    working_days:\n      - {date: 2025-05-02, reason: x}\n",
            r"<t>:3: year 2025: 2025-05-02 listed both",
        ),
        ("version: 1\nyears:\n  twenty:\n    source: x\n", r"<t>:3: 'twenty' is not a year"),
        ("version: 1\nyears:\n  2025:\n    source: [x\n", r"<t>:\d+: not valid YAML"),
        ("version: 2\nyears: {}\n", r"<t>:1: version must be 1"),
        ("version: 1\nyears:\n  2025:\n    source: !!python/object/apply:os.getcwd []\n", r"<t>:4: cannot read"),
        ("", r"<t>: empty file"),
    ],
)
def test_a_malformed_data_file_is_refused_naming_the_line_and_the_year(text: str, expected: str) -> None:
    with pytest.raises(WorkdaysDataError, match=expected):
        load_years(text, "<t>")


def test_a_malformed_override_file_names_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nyears:\n  2030:\n    source: x\n    verified: maybe\n", encoding="utf-8")
    with pytest.raises(WorkdaysDataError, match=rf"{path}:3: year 2030"):
        load_calendar(environ={OVERRIDE_ENV: str(path)})


def test_the_shipped_data_file_loads_and_every_year_names_its_source(cal: WorkingCalendar) -> None:
    assert set(cal.years) >= {2024, 2025, 2026}
    for entry in cal.years.values():
        assert entry.source
        assert entry.verified == bool(entry.verified_from)


def test_counting_past_the_calendar_is_a_clear_error_not_an_overflow() -> None:
    """Found by an attacker's trial: deadline?start=9999-12-31&days=365 was an OverflowError (a 500)."""
    with pytest.raises(workdays.DateOutOfRange, match="365 working days from 9999-12-31"):
        workdays.add_working_days(date(9999, 12, 31), 365)
    with pytest.raises(ValueError, match="outside the calendar"):
        workdays.add_working_days(date(1, 1, 1), -1)
