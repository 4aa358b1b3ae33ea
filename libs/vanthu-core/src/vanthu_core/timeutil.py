"""Time: stored in UTC, shown and signed in Vietnam time (UTC+07:00)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
#: The days a request may name (a filter, a deadline's start): no administrative document lies outside them, and
#: near ``date.min``/``date.max`` day arithmetic overflows. The gateway and the services check the same range.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)

#: A clock returns the current instant (timezone-aware). Injected so tests can move time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def vietnam_time(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: VanThu only handles timezone-aware instants")
    return instant.astimezone(VIETNAM_TZ)


def iso_vietnam(instant: datetime) -> str:
    """ISO 8601 with the +07:00 offset, seconds precision (as signatures and registers show it)."""
    return vietnam_time(instant).isoformat(timespec="seconds")
