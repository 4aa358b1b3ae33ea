"""Entity ids are UUIDv7 (time-ordered); official numbers are data, never ids."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())
