"""Working days (ngày làm việc) in Vietnam, so that every service counts deadlines (hạn xử lý) the same way.

A day is a **working day** unless it is

1. a Saturday or a Sunday — the 40-hour, Monday-to-Friday week of state agencies (Quyết định
   188/1999/QĐ-TTg; cited from knowledge, not from ``regulations.md``), or
2. a public holiday of Bộ luật Lao động 2019, Điều 112 — Tết Dương lịch, the five days of Tết Nguyên đán,
   Giỗ Tổ Hùng Vương (10/3 âm lịch), 30/4, 1/5, the two days of Quốc khánh and, from 2026, Ngày Văn hóa
   Việt Nam (24/11) — together with the days off in lieu (nghỉ bù) of a holiday that falls on a weekend.
   These, lunar dates included, come from the ``holidays`` package (``holidays.country_holidays("VN")``),
   which computes them for any year, or
3. an extra day off the government announced for that year (nghỉ hoán đổi), listed in the data file
   ``vanthu_core/data/vn_workdays.yaml`` with the notice it comes from,

and a day listed in that file as a **swapped working day** (làm bù, usually a Saturday) is a working day
whatever 1–3 say. The ``holidays`` package also carries some of these swaps itself (2024, 2025, 2026 and a few
older years; they agree with the shipped file). For a year the data file lists, the file's swaps *replace*
the library's (its swapped days off and worked Saturdays are ignored; its statutory holidays and days off in
lieu stay); for other years the library's swaps apply.

The operator adds or corrects a year without a code change: ``VANTHU_WORKDAYS_FILE`` names a YAML file of the
same shape, and each year it lists *replaces* the shipped entry of that year (other years are kept).

Dates are Vietnam calendar dates (``datetime.date``); an instant (a timezone-aware ``datetime``) is first
turned into its date in Vietnam time (UTC+07:00, :data:`vanthu_core.timeutil.VIETNAM_TZ`): 23:30 UTC is
already the next day in Vietnam. Naive datetimes are refused (``ValueError``). Nothing here reads the clock:
"now" is always passed in (see :data:`vanthu_core.timeutil.Clock`).

Documents received after working hours: ``regulations.md`` (Decree 30/2020 Art. 4.2.c, 23, 24; QĐ 28/2018)
says only "the same day, at the latest the next working day" and gives **no rule** for a document received
after hours or on a day off. By default the count starts from the Vietnam date of receipt whatever the hour
(a Saturday receipt with n = 1 is due on Monday). A service whose agency's working rules (quy chế làm việc)
set a cut-off passes ``cutoff=`` to :func:`add_working_days` (see there).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import holidays
import yaml

from vanthu_core.timeutil import vietnam_time

__all__ = [
    "DEFAULT_SOON_DAYS",
    "OVERRIDE_ENV",
    "CalendarYear",
    "DayChange",
    "DeadlineState",
    "WorkdaysDataError",
    "WorkingCalendar",
    "add_working_days",
    "deadline_state",
    "default_calendar",
    "is_working_day",
    "load_calendar",
    "load_years",
    "vietnam_date",
    "working_days_between",
    "years_listed",
]

#: Environment variable naming the operator's override file (same shape as the shipped one).
OVERRIDE_ENV = "VANTHU_WORKDAYS_FILE"
#: Default horizon of "due soon", in working days (0 = due today, 1 = due by the next working day).
DEFAULT_SOON_DAYS = 1
_DATA_PACKAGE = "vanthu_core"
_DATA_FILE = "vn_workdays.yaml"
_SATURDAY = 5
#: Longest run of consecutive days off the counting loop accepts before it assumes a broken calendar.
_MAX_DAYS_OFF_RUN = 60


class WorkdaysDataError(ValueError):
    """The working-day data file is malformed; the message names the file, the line and the year."""


class DeadlineState(StrEnum):
    """Where a deadline stands at a given instant (compares equal to its string value)."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DayChange:
    """One day the government moved: a day off (nghỉ hoán đổi) or a working day (làm bù)."""

    day: date
    reason: str


@dataclass(frozen=True)
class CalendarYear:
    """The government's changes to one year's working week, with the notice they come from."""

    year: int
    source: str
    verified: bool
    days_off: tuple[DayChange, ...] = ()
    working_days: tuple[DayChange, ...] = ()
    verified_from: tuple[str, ...] = ()
    note: str = ""
    origin: str = ""  # "file:line" the entry was read from


def vietnam_date(value: date | datetime) -> date:
    """The Vietnam calendar date of ``value``: a ``date`` as is, an aware ``datetime`` in UTC+07:00.

    Raises ``ValueError`` for a naive ``datetime`` and ``TypeError`` for anything else.
    """
    if isinstance(value, datetime):
        return vietnam_time(value).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or a timezone-aware datetime, got {type(value).__name__}")


@dataclass(frozen=True)
class _LibraryYear:
    days: Mapping[date, str]  # every Vietnam holiday of the year, date -> Vietnamese name
    worked: frozenset[date]  # weekend days the library itself says are worked (its swaps)
    swapped_off: frozenset[date]  # the library's own swapped days off (nghỉ hoán đổi)


class DateOutOfRange(ValueError):
    """A count of working days that runs past the first or last day ``datetime.date`` holds."""


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """An immutable working-day calendar: weekends + the ``holidays`` package's Vietnam + per-year data.

    Build it with :func:`load_calendar` (or take the process-wide :func:`default_calendar`). The ``years``
    mapping (year → :class:`CalendarYear`) is the government data in force. Thread-safe: the library's
    holidays are computed once per year on first use, under a lock, and kept as frozen sets.
    """

    years: Mapping[int, CalendarYear]
    _days_off: Mapping[date, str] = field(init=False, repr=False)
    _working: frozenset[date] = field(init=False, repr=False)
    _library: dict[int, _LibraryYear] = field(init=False, repr=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", MappingProxyType(dict(sorted(self.years.items()))))
        object.__setattr__(
            self,
            "_days_off",
            MappingProxyType({c.day: c.reason for y in self.years.values() for c in y.days_off}),
        )
        object.__setattr__(self, "_working", frozenset(c.day for y in self.years.values() for c in y.working_days))

    # -- the library ---------------------------------------------------------------------------------

    def library_holidays(self, year: int) -> Mapping[date, str]:
        """The ``holidays`` package's Vietnam public holidays of ``year`` (date → Vietnamese name)."""
        return self._library_year(year).days

    def library_working_weekend_days(self, year: int) -> frozenset[date]:
        """The weekend days the ``holidays`` package itself lists as worked (its own swaps) in ``year``."""
        return self._library_year(year).worked

    def _library_year(self, year: int) -> _LibraryYear:
        with self._lock:
            found = self._library.get(year)
            if found is None:
                vn = holidays.country_holidays("VN", years=year, language="vi")
                days = MappingProxyType({d: str(name) for d, name in vn.items() if d.year == year})
                worked = frozenset(d for d in vn.weekend_workdays if d.year == year)
                # The library's own swapped days off name the worked day they replace ("… thay cho ngày 22/08/2026").
                marks = [w.strftime("%d/%m/%Y") for w in vn.weekend_workdays]
                swapped = frozenset(d for d, name in days.items() if any(m in name for m in marks))
                found = _LibraryYear(days, worked, swapped)
                self._library[year] = found
            return found

    # -- days ----------------------------------------------------------------------------------------

    def day_off_reason(self, value: date | datetime) -> str | None:
        """Why the Vietnam date of ``value`` is not a working day, or ``None`` if it is one.

        Returns e.g. ``"Tết Nguyên Đán"``, ``"Nghỉ hoán đổi dịp 30/4–1/5 (…)"`` or ``"Thứ Bảy"``.
        """
        d = vietnam_date(value)
        if d in self._working:
            return None
        reason = self._days_off.get(d)
        if reason is not None:
            return reason
        library = self._library_year(d.year)
        # For a year the data lists, its swaps replace the library's own (days off in lieu stay).
        ours = d.year in self.years
        name = library.days.get(d)
        if name is not None and not (ours and d in library.swapped_off):
            return name
        if d.weekday() >= _SATURDAY and (ours or d not in library.worked):
            return "Thứ Bảy" if d.weekday() == _SATURDAY else "Chủ nhật"
        return None

    def is_working_day(self, value: date | datetime) -> bool:
        """True if the Vietnam date of ``value`` is a working day (see the module docstring for the rule)."""
        return self.day_off_reason(value) is None

    def next_working_day(self, value: date | datetime) -> date:
        """The first working day strictly after the Vietnam date of ``value``."""
        return self.add_working_days(value, 1)

    def add_working_days(self, start: date | datetime, n: int, *, cutoff: time | None = None) -> date:
        """The date ``n`` working days after ``start`` (the day received / assigned): the deadline.

        - ``start``: a ``date`` or an aware ``datetime`` (taken as its Vietnam date).
        - ``n``: whole working days (``int``). ``n > 0``: the n-th working day strictly after the start
          date, so a document received on Saturday with ``n = 1`` is due on Monday (Decree 30 Art. 4.2.c,
          "at the latest the next working day"). ``n = 0``: the start date itself ("the same day").
          ``n < 0``: the |n|-th working day strictly before it.
        - ``cutoff``: a naive ``time`` (Vietnam wall clock), opt-in, for agencies whose working rules set one
          (the regulations give none): when ``start`` is an instant at or after ``cutoff`` or falls on a day
          that is not a working day, the document counts as received on the next working day, and the ``n``
          days are counted from there. Ignored for a plain ``date``.

        Raises ``TypeError`` if ``n`` is not an ``int``, ``ValueError`` for a naive datetime, and
        :class:`DateOutOfRange` (a ``ValueError``) when the count runs past the calendar (before 0001-01-01 or
        after 9999-12-31).
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be a whole number of working days, got {type(n).__name__}")
        d = vietnam_date(start)
        if cutoff is not None and isinstance(start, datetime):
            local = vietnam_time(start)
            if local.time().replace(tzinfo=None) >= cutoff or not self.is_working_day(d):
                d = self._step(d, 1)
        try:
            return self._step(d, n)
        except OverflowError:
            raise DateOutOfRange(f"{n} working days from {d.isoformat()} fall outside the calendar "
                                 f"({date.min.isoformat()} … {date.max.isoformat()})") from None

    def _step(self, d: date, n: int) -> date:
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        run = 0
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
                run = 0
            else:
                run += 1
                if run > _MAX_DAYS_OFF_RUN:
                    raise WorkdaysDataError(f"more than {_MAX_DAYS_OFF_RUN} days off in a row around {d}")
        return d

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a`` up to and including ``b`` (Vietnam dates); negative if ``b`` is before ``a``.

        The inverse of :meth:`add_working_days`: ``working_days_between(a, add_working_days(a, n)) == n``.
        ``working_days_between(d, d) == 0``.
        """
        start, end = vietnam_date(a), vietnam_date(b)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        d = start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return sign * count

    def deadline_state(
        self, due: date | datetime, now: datetime, *, soon_days: int = DEFAULT_SOON_DAYS
    ) -> DeadlineState:
        """Where the deadline ``due`` stands at the instant ``now`` (injected; never read from the clock).

        - ``due``: the last day to act (a Vietnam date; an instant is taken as its Vietnam date). The whole
          of that day, until 24:00 Vietnam time, is still in time.
        - ``now``: an aware ``datetime``; its Vietnam date is "today" (23:30 UTC is tomorrow in Vietnam).
        - ``soon_days``: ≥ 0 working days; "due soon" when at most that many working days remain after
          today until ``due`` (0: only on the due day itself).

        Returns :attr:`DeadlineState.OVERDUE` when today is after ``due``, :attr:`DeadlineState.DUE_SOON`
        when ``working_days_between(today, due) <= soon_days``, else :attr:`DeadlineState.ON_TIME`.
        Raises ``ValueError`` for a naive ``now`` or a negative ``soon_days``.
        """
        if isinstance(soon_days, bool) or not isinstance(soon_days, int) or soon_days < 0:
            raise ValueError(f"soon_days must be a whole number of working days >= 0, got {soon_days!r}")
        if not isinstance(now, datetime):
            raise TypeError(f"now must be a timezone-aware datetime, got {type(now).__name__}")
        today = vietnam_date(now)
        last = vietnam_date(due)
        if today > last:
            return DeadlineState.OVERDUE
        if self.working_days_between(today, last) <= soon_days:
            return DeadlineState.DUE_SOON
        return DeadlineState.ON_TIME


# -- the data file ----------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its line, not a traceback."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, where: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise WorkdaysDataError(f"{where}: expected a mapping")
    return list(node.value)


def _scalar(origin: str, node: yaml.Node) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError) as error:
        problem = getattr(error, "problem", None) or str(error)
        raise WorkdaysDataError(f"{origin}:{_line(node)}: cannot read this value: {problem}") from None
    finally:
        loader.dispose()


def _changes(node: yaml.Node | None, year: int, kind: str, where: str, origin: str) -> tuple[DayChange, ...]:
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise WorkdaysDataError(f"{where}: year {year}: {kind} must be a list of {{date, reason}}")
    out: list[DayChange] = []
    for item in node.value:
        at = f"{origin}:{_line(item)}"
        value = _scalar(origin, item)
        if not isinstance(value, dict) or set(value) - {"date", "reason"} or "date" not in value:
            raise WorkdaysDataError(f"{at}: year {year}: each {kind} entry is {{date: YYYY-MM-DD, reason: text}}")
        raw = value["date"]
        try:
            day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise WorkdaysDataError(f"{at}: year {year}: {kind} date {raw!r} is not a YYYY-MM-DD date")
        if day.year != year:
            raise WorkdaysDataError(f"{at}: year {year}: {kind} date {day.isoformat()} is not in {year}")
        reason = value.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise WorkdaysDataError(f"{at}: year {year}: {kind} {day.isoformat()} needs a reason")
        out.append(DayChange(day, reason.strip()))
    return tuple(out)


def _year(key: yaml.Node, node: yaml.Node, origin: str) -> CalendarYear:
    at = f"{origin}:{_line(key)}"
    raw_year = _scalar(origin, key)
    if isinstance(raw_year, bool) or not isinstance(raw_year, int) or not 1995 <= raw_year <= 2200:
        raise WorkdaysDataError(f"{at}: {raw_year!r} is not a year (a whole number like 2025)")
    year = raw_year
    fields = {_scalar(origin, k): (k, v) for k, v in _mapping(node, f"{at}: year {year}")}
    unknown = set(fields) - {"source", "verified", "verified_from", "note", "days_off", "working_days"}
    if unknown:
        raise WorkdaysDataError(f"{at}: year {year}: unknown keys {sorted(map(str, unknown))}")
    values = {name: _scalar(origin, v) for name, (_, v) in fields.items() if name not in ("days_off", "working_days")}
    source = values.get("source")
    if not isinstance(source, str) or not source.strip():
        raise WorkdaysDataError(f"{at}: year {year}: source (the notice number, or UNVERIFIED …) is required")
    verified = values.get("verified")
    if not isinstance(verified, bool):
        raise WorkdaysDataError(f"{at}: year {year}: verified must be true or false")
    verified_from = values.get("verified_from") or []
    if not isinstance(verified_from, list) or not all(isinstance(u, str) for u in verified_from):
        raise WorkdaysDataError(f"{at}: year {year}: verified_from must be a list of texts")
    note = values.get("note") or ""
    days_off = _changes(fields.get("days_off", (None, None))[1], year, "days_off", at, origin)
    working = _changes(fields.get("working_days", (None, None))[1], year, "working_days", at, origin)
    both = {c.day for c in days_off} & {c.day for c in working}
    if both:
        listed = ", ".join(sorted(d.isoformat() for d in both))
        raise WorkdaysDataError(f"{at}: year {year}: {listed} listed both as a day off and as a working day")
    for change in days_off:
        if change.day.weekday() >= _SATURDAY:
            raise WorkdaysDataError(
                f"{at}: year {year}: days_off {change.day.isoformat()} is a weekend day, already off"
            )
    return CalendarYear(
        year=year,
        source=source.strip(),
        verified=verified,
        days_off=days_off,
        working_days=working,
        verified_from=tuple(verified_from),
        note=str(note),
        origin=at,
    )


def load_years(text: str, origin: str = "<data>") -> dict[int, CalendarYear]:
    """Parse a working-day data file (YAML text; shape in ``vanthu_core/data/vn_workdays.yaml``).

    ``origin`` names the file in errors. Raises :class:`WorkdaysDataError` naming ``origin:line`` and the year.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise WorkdaysDataError(f"{origin}{line}: not valid YAML: {problem}") from None
    if root is None:
        raise WorkdaysDataError(f"{origin}: empty file (expected version: 1 and years: …)")
    top = {_scalar(origin, k): v for k, v in _mapping(root, f"{origin}:{_line(root)}")}
    version = _scalar(origin, top["version"]) if "version" in top else None
    if version != 1:
        raise WorkdaysDataError(f"{origin}:{_line(root)}: version must be 1, got {version!r}")
    years_node = top.get("years")
    if years_node is None:
        raise WorkdaysDataError(f"{origin}:{_line(root)}: years: is required")
    years: dict[int, CalendarYear] = {}
    for key, value in _mapping(years_node, f"{origin}:{_line(years_node)}: years"):
        entry = _year(key, value, origin)
        if entry.year in years:
            raise WorkdaysDataError(f"{entry.origin}: year {entry.year} is listed twice")
        years[entry.year] = entry
    return years


def _shipped_text() -> str:
    return (resources.files(_DATA_PACKAGE) / "data" / _DATA_FILE).read_text(encoding="utf-8")


def load_calendar(
    override: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> WorkingCalendar:
    """Build a calendar from the shipped data and, if given, an operator's override file.

    ``override`` defaults to ``environ[VANTHU_WORKDAYS_FILE]`` (``environ`` defaults to ``os.environ``).
    Each year of the override replaces the shipped entry of that year. Raises :class:`WorkdaysDataError`
    for a malformed file and ``FileNotFoundError`` for a missing override file.
    """
    years = load_years(_shipped_text(), f"vanthu_core/data/{_DATA_FILE}")
    env = os.environ if environ is None else environ
    path = override if override is not None else env.get(OVERRIDE_ENV) or None
    if path is not None:
        p = Path(path)
        years.update(load_years(p.read_text(encoding="utf-8"), str(p)))
    return WorkingCalendar(years)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The process-wide calendar (shipped data + ``VANTHU_WORKDAYS_FILE``), loaded on first use, then kept."""
    return load_calendar()


def _calendar(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return default_calendar() if calendar is None else calendar


def is_working_day(d: date | datetime, *, calendar: WorkingCalendar | None = None) -> bool:
    """:meth:`WorkingCalendar.is_working_day` on ``calendar`` (default: :func:`default_calendar`)."""
    return _calendar(calendar).is_working_day(d)


def add_working_days(
    start: date | datetime, n: int, *, cutoff: time | None = None, calendar: WorkingCalendar | None = None
) -> date:
    """:meth:`WorkingCalendar.add_working_days` on ``calendar`` (default: :func:`default_calendar`)."""
    return _calendar(calendar).add_working_days(start, n, cutoff=cutoff)


def working_days_between(a: date | datetime, b: date | datetime, *, calendar: WorkingCalendar | None = None) -> int:
    """:meth:`WorkingCalendar.working_days_between` on ``calendar`` (default: :func:`default_calendar`)."""
    return _calendar(calendar).working_days_between(a, b)


def deadline_state(
    due: date | datetime,
    now: datetime,
    *,
    soon_days: int = DEFAULT_SOON_DAYS,
    calendar: WorkingCalendar | None = None,
) -> DeadlineState:
    """:meth:`WorkingCalendar.deadline_state` on ``calendar`` (default: :func:`default_calendar`)."""
    return _calendar(calendar).deadline_state(due, now, soon_days=soon_days)


def years_listed(calendar: WorkingCalendar | None = None) -> Iterable[int]:
    """The years for which government data (swaps, extra days off) is loaded."""
    return tuple(_calendar(calendar).years)
