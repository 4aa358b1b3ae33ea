"""The domain event envelope carried on NATS (``vanthu.<service>.<entity>.<event>``)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uuid6


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


@dataclass(frozen=True)
class Event:
    """One domain event: who (actor) did what (subject, data) for which agency, when."""

    subject: str
    actor: str
    agency: str | None
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: str(uuid6.uuid7()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_bytes(self) -> bytes:
        return json.dumps({"id": self.id, "subject": self.subject, "occurred_at": self.occurred_at.isoformat(),
                           "actor": self.actor, "agency": self.agency, "data": _nfc(self.data)},
                          ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, payload: bytes) -> Event:
        raw = json.loads(payload)
        return cls(subject=raw["subject"], actor=raw["actor"], agency=raw.get("agency"), data=raw.get("data") or {},
                   id=raw["id"], occurred_at=datetime.fromisoformat(raw["occurred_at"]))
