"""Retention (thời hạn bảo quản) and legal hold: what may be deleted, locked, swept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vanthu_core.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object's metadata."""

    object_id: str
    agency_code: str
    sha256: str
    size: int
    content_type: str
    file_name: str
    uploaded_by: str
    created_at: datetime
    attached: bool = False
    retain_until: datetime | None = None
    legal_hold: bool = False

    def retained_at(self, now: datetime) -> bool:
        return self.legal_hold or (self.retain_until is not None and self.retain_until > now)


def check_deletable(obj: ObjectInfo, now: datetime) -> None:
    if obj.legal_hold:
        raise FailedPrecondition("the object is on legal hold; clear the hold before deleting it")
    if obj.retain_until is not None and obj.retain_until > now:
        raise FailedPrecondition(f"the object is retained until {obj.retain_until.isoformat()}; "
                                 "it cannot be deleted before that date")


def parse_retain_until(value: str, now: datetime) -> datetime:
    """An ISO date (end of that day is not implied: midnight UTC) or date-time; must lie in the future."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidArgument("retain_until", "must be an ISO 8601 date or date-time, e.g. 2036-01-01") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed <= now:
        raise InvalidArgument("retain_until", "must lie in the future")
    return parsed


def extended_retention(current: datetime | None, requested: datetime) -> datetime:
    """Retention only grows (as S3 COMPLIANCE mode): shortening it is refused."""
    if current is not None and requested < current:
        raise FailedPrecondition(f"the object is already retained until {current.isoformat()}; "
                                 "retention can be extended, never shortened")
    return requested


def sweepable(obj: ObjectInfo, now: datetime, grace: timedelta) -> bool:
    """An unattached object older than the grace period, neither retained nor on hold."""
    return not obj.attached and obj.created_at <= now - grace and not obj.retained_at(now)
