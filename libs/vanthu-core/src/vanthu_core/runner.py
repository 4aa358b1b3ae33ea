"""``python -m vanthu_<svc> serve``: start a server, run until SIGTERM/SIGINT, drain, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any, Protocol

from vanthu_core.telemetry import setup_telemetry, shutdown_telemetry


class Server(Protocol):
    async def start(self) -> Any: ...

    async def stop(self) -> None: ...


async def run_until_signalled(server: Server, log: logging.Logger) -> None:
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: draining in-flight calls")
    await server.stop()


def serve(service: str, make_server: Callable[[], Server], log: logging.Logger) -> int:
    """Run a service with telemetry until it is signalled; the exit code of a clean stop is 0."""
    setup_telemetry(service)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_until_signalled(make_server(), log))
    finally:
        shutdown_telemetry()
    return 0
