"""A real PostgreSQL server (Debian's binaries) in a temp directory, on a free port.

PostgreSQL refuses to run as root: when the tests run as root the cluster is owned by and started as
the ``postgres`` system user (created by Debian's package).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vanthu_testing.ports import free_port, port_open, wait_until


def postgres_bin_dir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for candidate in candidates:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresServer:
    """Start with :meth:`start`; :attr:`url` is an asyncpg SQLAlchemy URL to the ``vanthu`` database."""

    def __init__(self, workdir: Path) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        self.bin_dir = bin_dir
        self.workdir = workdir
        self.data = workdir / "pgdata"
        self.port = free_port()
        self.run_as: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root but there is no 'postgres' user to own the cluster") from exc
            self.run_as = "postgres"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def start(self) -> PostgresServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.run_as:
            shutil.chown(self.workdir, self.run_as)
            os.chmod(self.workdir, 0o700)
        subprocess.run(self._cmd(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "vanthu", "-A", "trust",
                                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
                       check=True, capture_output=True)
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options,
                                 "-l", str(self.workdir / "postgres.log"), "-w", "start"),
                       check=True, capture_output=True)
        wait_until(lambda: port_open(self.port), timeout_s=30, what="PostgreSQL")
        subprocess.run(self._cmd(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                 "-U", "vanthu",
                                 "vanthu"), check=True, capture_output=True)
        return self

    def create_database(self, name: str, *, attempts: int = 4) -> str:
        """Create the empty database ``name``; its URL. ``createdb`` copies ``template1``, which PostgreSQL refuses
        while anything else is connected to it (a year-ahead run saw one such refusal in 2,000 tests): tried again
        up to ``attempts`` times (a try unanswered after 60 s counts as refused), then RuntimeError with PostgreSQL's
        own words."""
        command = self._cmd(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "vanthu",
                            name)
        for attempt in range(attempts):
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired as exc:  # never wait on it for the test's whole timeout
                done = subprocess.CompletedProcess(command, -1, "", f"no answer in {exc.timeout:.0f} s")
            if done.returncode == 0:
                return self.url_for(name)
            if "already exists" in done.stderr and attempt:
                return self.url_for(name)  # an earlier attempt made it before it answered
            time.sleep(0.2 * 2 ** attempt)  # a pause between tries
        raise RuntimeError(f"createdb {name} failed {attempts} times: {done.stderr.strip()}")

    def url_for(self, database: str) -> str:
        return f"postgresql+asyncpg://vanthu@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        return self.url_for("vanthu")

    def stop(self) -> None:
        subprocess.run(self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session (each test takes its own database).

    Its directory is made directly under the system temp dir: pytest's own temp dirs are private to root,
    and the server runs as the ``postgres`` user when the tests run as root.
    """
    if postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries are not installed (make test installs Debian's postgresql)")
    workdir = Path(tempfile.mkdtemp(prefix="vanthu-pg-"))
    server = PostgresServer(workdir)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


_counter = 0


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database for one test."""
    global _counter
    _counter += 1
    return postgres_server.create_database(f"t{os.getpid()}_{_counter}")
