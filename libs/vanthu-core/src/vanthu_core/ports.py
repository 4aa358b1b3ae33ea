"""Free TCP ports for servers started on one machine (the tests' servers, ``make dev`` on free ports).

A port the kernel hands out for ``bind(("", 0))`` lies in its ephemeral range, which outgoing connections draw from
too: between choosing such a port and the server binding it, a client connection may take it ("address already in
use", seen on a busy machine). Ports are therefore chosen below the ephemeral range, where only servers bind.

Between choosing a port and binding it a server may take many seconds (a whole platform: half a minute), and in
that window another process of ours (a second pytest worker) could choose the same port, since nothing listens on
it yet. So each chosen port is also *reserved* for :data:`RESERVATION_S` by a file in a directory every process of
this user on the machine shares (``<tmp>/vanthu-ports-<uid>/<port>``), created exclusively; a port reserved by
anyone else in that time is not chosen again. Whoever starts servers should still retry on a bind failure (the
launcher does): a process that is not ours may take any port at any time.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import tempfile
from pathlib import Path

#: Lowest port chosen (below: the well-known ports and common development servers such as 8080).
LOWEST = 10_000
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: How long a chosen port stays reserved for whoever chose it (long enough to start a platform on a loaded machine).
RESERVATION_S = 600.0


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections (Linux default 32768–60999)."""
    try:
        low, high = (int(v) for v in EPHEMERAL_RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32_768, 60_999


def reservations_dir() -> Path:
    """Where chosen ports are reserved (one per user, shared by every process of that user on the machine)."""
    return Path(tempfile.gettempdir()) / f"vanthu-ports-{os.getuid()}"


def _file_clock(folder: Path) -> float:
    """Now, as the file system stamps it: reservations' ages are told by their files' times, which the kernel
    writes with the real clock even where this process's clock is faked (``make test-year-ahead``)."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".clock-")  # a new file: stamped by the kernel (utime on an
    try:                                                          # old one is faked along with the clock)
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        os.unlink(name)


def _reserve(port: int) -> bool:
    """Reserve ``port`` (False when another process reserved it less than :data:`RESERVATION_S` ago)."""
    folder = reservations_dir()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        now = _file_clock(folder)
    except OSError:
        return True  # no shared place to note it: the bind check alone
    path = folder / str(port)
    for _attempt in range(2):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            return True
        except FileExistsError:
            try:
                if now - path.stat().st_mtime < RESERVATION_S:
                    return False
            except FileNotFoundError:
                continue  # released meanwhile: try again
            with contextlib.suppress(FileNotFoundError):  # an old reservation: take it over
                path.unlink()
        except OSError:
            return True
    return False


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` now and no other process of ours chose lately (reserved for
    :data:`RESERVATION_S`), below the ephemeral range when there is room there."""
    low, _ = ephemeral_range()
    candidates = list(range(LOWEST, low))
    random.shuffle(candidates)
    for port in candidates[:200]:
        if _bindable(host, port) and _reserve(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # no room below: let the kernel choose
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
