"""Free TCP ports and readiness polling (with a deadline, never a bare sleep)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from vanthu_core.ports import free_port

__all__ = ["free_port", "join_thread", "port_open", "wait_until"]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], *, timeout_s: float, what: str, interval_s: float = 0.05,
               last_seen: Callable[[], str] | None = None) -> None:
    """Poll ``check`` until it is true; fail after ``timeout_s`` saying what was last seen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval_s)
    detail = f"; last seen: {last_seen()}" if last_seen else ""
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s{detail}")


def join_thread(thread: threading.Thread, *, timeout_s: float, what: str) -> None:
    """Wait for ``thread`` to end by polling, never with ``Thread.join(timeout)``: under libfaketime (``make
    test-year-ahead``) a timed lock wait takes its deadline from the faked monotonic clock and the C library counts it
    on the real one, so ``join(timeout=10)`` on a thread still finishing waits a year; ``time.sleep`` is faked
    consistently. TimeoutError when the thread is still alive after ``timeout_s``."""
    wait_until(lambda: not thread.is_alive(), timeout_s=timeout_s, what=f"{what} to stop")
