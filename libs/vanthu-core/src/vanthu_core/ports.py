"""Free TCP ports for servers started on one machine (the tests' servers, ``make dev`` on free ports).

A port the kernel hands out for ``bind(("", 0))`` lies in its ephemeral range, which outgoing connections draw from
too: between choosing such a port and the server binding it, a client connection may take it ("address already in
use", seen on a busy machine). Ports are therefore chosen below the ephemeral range, where only servers bind.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Lowest port chosen (below: the well-known ports and common development servers such as 8080).
LOWEST = 10_000
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections (Linux default 32768–60999)."""
    try:
        low, high = (int(v) for v in EPHEMERAL_RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32_768, 60_999


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``host`` now, below the ephemeral range when there is room there."""
    low, _ = ephemeral_range()
    candidates = list(range(LOWEST, low))
    random.shuffle(candidates)
    for port in candidates[:200]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # no room below: let the kernel choose
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
