"""The JetStream streams VanThu uses, declared by the NATS administrator (never by the services).

``VANTHU_EVENTS`` holds every domain event (``vanthu.>``), ``VANTHU_DLQ`` the dead letters; both have limits (age
and bytes, configurable with ``VANTHU_EVENTS_*``) so they never fill their volume: past a limit the oldest
messages go. Consumers are expected to keep up well within the age limit.

Who declares them: ``make dev`` (the launcher), the test fixtures, and in Kubernetes the chart's ``vanthu-streams``
Job, which runs ``python -m vanthu_core.streams`` as the NATS ``admin`` user. The services' own NATS users may only
look the streams up (:meth:`vanthu_core.bus.EventBus.wait_for_streams`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import nats
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vanthu_core.settings import CommonSettings
from vanthu_core.subjects import DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, EVENTS_STREAM

DAY_S = 86400.0
GIB = 1024**3


class StreamSettings(BaseSettings):
    """``VANTHU_EVENTS_*``: the limits of the event and dead-letter streams."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_EVENTS_", extra="ignore")

    #: Events older than this are dropped from the stream (consumers must have read them by then).
    max_age_days: float = Field(default=30.0, gt=0)
    #: The stream keeps at most this many bytes (the oldest go first).
    max_bytes: int = Field(default=4 * GIB, gt=0)
    #: A re-publish of the same event id within this window is dropped (JetStream deduplication).
    duplicate_window_s: float = Field(default=120.0, gt=0)
    #: Copies of each stream in a NATS cluster (3 in the chart, 1 for a single server).
    replicas: int = Field(default=1, ge=1, le=5)
    dead_letter_max_age_days: float = Field(default=90.0, gt=0)
    dead_letter_max_bytes: int = Field(default=GIB // 2, gt=0)

    def configs(self) -> list[StreamConfig]:
        """The two streams' configurations."""
        return [
            StreamConfig(name=EVENTS_STREAM, subjects=["vanthu.>"], storage=StorageType.FILE,
                         duplicate_window=self.duplicate_window_s, num_replicas=self.replicas,
                         max_age=self.max_age_days * DAY_S, max_bytes=self.max_bytes, discard=DiscardPolicy.OLD),
            StreamConfig(name=DEAD_LETTER_STREAM, subjects=[f"{DEAD_LETTER_PREFIX}.>"], storage=StorageType.FILE,
                         num_replicas=self.replicas, max_age=self.dead_letter_max_age_days * DAY_S,
                         max_bytes=self.dead_letter_max_bytes, discard=DiscardPolicy.OLD),
        ]


async def declare_streams(js: JetStreamContext, settings: StreamSettings | None = None) -> None:
    """Create the streams, or bring an existing one in line with ``settings`` (idempotent)."""
    for config in (settings or StreamSettings()).configs():
        try:
            await js.stream_info(config.name or "")
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


async def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vanthu_core.streams",
                                     description="Declare VanThu's JetStream streams (as the NATS admin user; "
                                                 "VANTHU_NATS_URL, VANTHU_NATS_USER, VANTHU_NATS_PASSWORD, "
                                                 "VANTHU_EVENTS_*).")
    parser.parse_args(argv)
    common = CommonSettings()
    settings = StreamSettings()
    connection = await nats.connect(common.nats_url, user=common.nats_user or None,
                                    password=common.nats_password.get_secret_value() or None, connect_timeout=10,
                                    max_reconnect_attempts=30)
    try:
        await declare_streams(connection.jetstream(timeout=10), settings)
    finally:
        await connection.close()
    print(f"streams declared: {EVENTS_STREAM} (max age {settings.max_age_days} days, {settings.max_bytes} bytes), "
          f"{DEAD_LETTER_STREAM}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
