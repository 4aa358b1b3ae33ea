"""An object's life: references (what refers to it), retention (thời hạn bảo quản) and legal hold decide what may
be deleted, locked and swept.

An object stays while anything refers to it (a document's file, a signing result, a copy, a package, a record;
``architecture.md``, "Files belong to what refers to them"); only uploads nothing refers to any more are swept,
after the grace period counted from the upload or from the last release, whichever is later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vanthu_core.errors import FailedPrecondition, InvalidArgument

#: ``<service>/<kind>/<id>``: what refers to an object, e.g. ``registry/document/0193a1f0-…``.
HOLDER = re.compile(r"[a-z][a-z0-9_-]{0,30}/[a-z][a-z0-9_-]{0,30}/[A-Za-z0-9._:-]{1,120}")


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
    retain_until: datetime | None = None
    legal_hold: bool = False
    #: What refers to the object (holders, see :data:`HOLDER`), sorted.
    references: tuple[str, ...] = ()
    #: When the last reference was released (None: never referenced, or still referenced).
    released_at: datetime | None = None

    @property
    def referenced(self) -> bool:
        return bool(self.references)

    def retained_at(self, now: datetime) -> bool:
        return self.legal_hold or (self.retain_until is not None and self.retain_until > now)


def check_holder(holder: str) -> str:
    """A reference holder, checked: ``<service>/<kind>/<id>``; InvalidArgument("holder") otherwise."""
    holder = holder.strip()
    if not HOLDER.fullmatch(holder):
        raise InvalidArgument("holder", "phải có dạng <dịch vụ>/<loại>/<mã> (ví dụ registry/document/<mã văn bản>): "
                                        "dịch vụ và loại viết thường, mã gồm chữ, số và ._:-")
    return holder


def describe_references(references: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(references[:limit])
    return shown + (f" và {len(references) - limit} tham chiếu khác" if len(references) > limit else "")


def check_deletable(obj: ObjectInfo, now: datetime) -> None:
    """Refuse deleting an object something refers to, or one retained or on legal hold (FailedPrecondition)."""
    if obj.references:
        raise FailedPrecondition(f"Tệp đang được dùng ({describe_references(obj.references)}); tệp chỉ bị xóa khi "
                                 "không còn gì tham chiếu đến: tệp của dự thảo khi đã gỡ khỏi dự thảo hoặc dự thảo "
                                 "bị hủy; văn bản đã ban hành giữ nguyên tệp của nó.")
    if obj.legal_hold:
        raise FailedPrecondition("Tệp đang bị phong tỏa: hãy gỡ phong tỏa trước khi xóa.")
    if obj.retain_until is not None and obj.retain_until > now:
        raise FailedPrecondition(f"Tệp được giữ đến {obj.retain_until.isoformat()}; không xóa được trước ngày đó.")


def parse_retain_until(value: str, now: datetime) -> datetime:
    """An ISO date (end of that day is not implied: midnight UTC) or date-time; must lie in the future."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidArgument("retain_until", "phải là ngày hoặc ngày giờ theo ISO 8601, ví dụ 2036-01-01.") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed <= now:
        raise InvalidArgument("retain_until", "phải là một thời điểm trong tương lai.")
    return parsed


def extended_retention(current: datetime | None, requested: datetime) -> datetime:
    """Retention only grows (as S3 COMPLIANCE mode): shortening it is refused."""
    if current is not None and requested < current:
        raise FailedPrecondition(f"Tệp đã được giữ đến {current.isoformat()}; thời hạn giữ chỉ kéo dài được, không "
                                 "rút ngắn được.")
    return requested


def sweepable(obj: ObjectInfo, now: datetime, grace: timedelta) -> bool:
    """Nothing refers to the object, its upload and its last release are older than the grace period, and it is
    neither retained nor on hold."""
    cutoff = now - grace
    return (not obj.references and obj.created_at <= cutoff
            and (obj.released_at is None or obj.released_at <= cutoff) and not obj.retained_at(now))
