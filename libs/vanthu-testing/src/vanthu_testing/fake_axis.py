"""A fake national axis (Trục liên thông văn bản quốc gia) served over real HTTP on a free port, for the tests.

It speaks the wire contract of :mod:`vanthu_axis` as reconstructed from the official SDK (regulations.md §2.3;
**unverified against the live axis**, which cannot be reached from here), and enforces what the digest says the
axis enforces:

- every request's signed headers verify with :func:`vanthu_axis.headers.verify` (unknown system, bad hash, stale
  or replayed timestamp → ``{"status": "FAIL", …}`` with HTTP 401);
- ``sendEdoc``'s ``from`` equals the caller's registered system id, else FAIL "Don vi gui … khong dung voi ma da
  dang ky" (the real axis's wording);
- packages are routed to recipient systems by agency code (the ``to`` header, else the package's own ``To``, or
  ``ResponseFor/OrganId`` of a status package), through a map system id → agency codes it serves;
- packages and their delivery state live in a SQLite file, so they survive a :meth:`FakeAxis.restart`;
- a package stays in the recipient's received list until acknowledged ``done`` (``fail`` and ``processing`` keep
  it listed); ``messagetype`` ``edoc`` and ``status`` are listed separately;
- ``getAgenciesList`` serves the directory (the agencies of every registered system);
- :meth:`FakeAxis.fail_next` / :meth:`FakeAxis.hang_next` make the next calls answer 503 or hang (fault tests).

What the fake invents (the real axis's choice is not known): ``ErrorCode`` ``"1"`` for every refusal, the other
error texts, the delivery status words (``pending``/``processing``/``fail``/``done``), the list's time format
(``dd/MM/yyyy HH:mm:ss``, Vietnam time), refusing replays, and refusing recipients nobody serves.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from vanthu_axis import (
    DEFAULT_SCHEME,
    FAIL,
    FILE_PART,
    OK,
    SERVICE_TYPE,
    AckStatus,
    Agency,
    AxisClient,
    AxisSettings,
    Endpoint,
    HeaderScheme,
    MessageType,
    ReplayGuard,
    SignatureRejected,
    verify,
)
from vanthu_testing.ports import free_port, join_thread, port_open, wait_until

__all__ = ["AxisSystem", "FakeAxis", "default_systems", "fake_axis"]

#: Messages of the fake's refusals (the first is the real axis's wording, per regulations.md §2.1).
SENDER_MISMATCH = "Don vi gui {sender} khong dung voi ma da dang ky"
INVALID_MESSAGE_TYPE = "Invalid messageType: value in (edoc,status)"
AUTH_MESSAGES = {
    "unknown-system": "He thong chua dang ky tren truc",
    "bad-hash": "Chu ky header khong hop le",
    "sign-header-mismatch": "Chu ky header khong hop le",
    "missing-header": "Thieu header xac thuc",
    "malformed-timestamp": "Thoi gian yeu cau khong hop le",
    "stale-timestamp": "Thoi gian yeu cau qua han",
    "replayed": "Yeu cau da duoc gui truoc do",
}


@dataclass(frozen=True)
class AxisSystem:
    """One connected system (hệ thống kết nối): its id, secret and the agencies whose packages it receives."""

    system_id: str
    secret: str = field(repr=False)
    agencies: tuple[Agency, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(agency.code for agency in self.agencies)


def default_systems() -> tuple[AxisSystem, AxisSystem]:
    """Two systems with fresh random secrets: ``vxp.test.a`` (Vĩnh Long: UBND tỉnh, Sở Nội vụ) and ``vxp.test.b``
    (Văn phòng Chính phủ, UBND tỉnh Cao Bằng)."""
    a = AxisSystem("vxp.test.a", secrets.token_urlsafe(32), (
        Agency(id="1", code="000.00.00.H61", name="Ủy ban nhân dân tỉnh Vĩnh Long", mail="vanthu@vinhlong.gov.vn"),
        Agency(id="2", pid="1", code="000.00.02.H61", name="Sở Nội vụ tỉnh Vĩnh Long")))
    b = AxisSystem("vxp.test.b", secrets.token_urlsafe(32), (
        Agency(id="3", code="000.00.00.G22", name="Văn phòng Chính phủ", mail="vpcp@chinhphu.vn"),
        Agency(id="4", code="000.00.00.H14", name="Ủy ban nhân dân tỉnh Cao Bằng")))
    return a, b


class _Faults:
    """The next calls to answer with an HTTP error, or to hang before answering (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: list[tuple[int, float]] = []  # (HTTP status or 0, seconds to hang)

    def add(self, count: int, status: int, hang_s: float) -> None:
        with self._lock:
            self._plan.extend([(status, hang_s)] * count)

    def take(self) -> tuple[int, float] | None:
        with self._lock:
            return self._plan.pop(0) if self._plan else None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS packages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL UNIQUE,
    message_type TEXT NOT NULL,
    sender_system TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    content BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    doc_id TEXT NOT NULL REFERENCES packages(doc_id),
    system_id TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, system_id)
);
"""


class _Refused(Exception):
    def __init__(self, desc: str, http_status: int = 200) -> None:
        super().__init__(desc)
        self.desc = desc
        self.http_status = http_status


class FakeAxisState:
    """The fake's behaviour over its SQLite file (no HTTP here); one instance per server run."""

    def __init__(self, db_path: Path, systems: tuple[AxisSystem, ...], *, scheme: HeaderScheme,
                 clock: Callable[[], datetime], max_skew: timedelta) -> None:
        self.db_path = db_path
        self.systems = {system.system_id: system for system in systems}
        self.secrets = {system.system_id: system.secret for system in systems}
        self.route = {code: system.system_id for system in systems for code in system.codes}
        self.scheme = scheme
        self.clock = clock
        self.max_skew = max_skew
        self.replay_guard = ReplayGuard()
        self.faults = _Faults()
        self.calls: Counter[str] = Counter()
        with closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    # -- the endpoints (fields: the signed header fields; raise _Refused) ---------------------------------------

    def authenticate(self, headers: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """The caller's system id and its signed fields. :raises _Refused: HTTP 401 with the reason's text."""
        try:
            system_id = verify(self.scheme, headers, self.secrets, self.clock(), self.max_skew,
                               replay_guard=self.replay_guard)
        except SignatureRejected as exc:
            raise _Refused(f"{AUTH_MESSAGES.get(exc.reason, 'Xac thuc that bai')} ({exc})", 401) from None
        lower = {k.lower(): v for k, v in headers.items()}
        names = lower[self.scheme.sign_key_header.lower()].split(self.scheme.key_separator)
        fields = {name: lower[self.scheme.field_header(name).lower()] for name in names if name}
        return system_id, fields

    def send(self, system_id: str, fields: Mapping[str, str], content: bytes) -> dict[str, Any]:
        sender = fields.get("from", "")
        if sender != system_id:
            raise _Refused(SENDER_MISMATCH.format(sender=sender or "(trong)"))
        message_type = self._message_type(fields)
        if fields.get("servicetype", SERVICE_TYPE) != SERVICE_TYPE:
            raise _Refused(f"Invalid serviceType: {fields['servicetype']}")
        if not content:
            raise _Refused(f"Thieu tep goi tin ({FILE_PART})")
        digest = hashlib.sha256(content).hexdigest()
        declared = fields.get(self.scheme.file_hash_field) if self.scheme.file_hash_field else None
        if declared is not None and declared.lower() != digest:
            raise _Refused("hash-file khong khop voi noi dung goi tin")
        codes = (self.scheme.decode_recipients(fields["to"]) if fields.get("to")
                 else self._recipients_in_package(content, message_type))
        if not codes:
            raise _Refused("Khong co don vi nhan")
        unknown = [code for code in codes if code not in self.route]
        if unknown:
            raise _Refused(f"Don vi nhan {', '.join(unknown)} chua dang ky tren truc")
        doc_id = secrets.token_hex(12)
        now = self.clock().astimezone(UTC).isoformat()
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO packages (doc_id, message_type, sender_system, sender, recipients, content, "
                       "sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (doc_id, message_type, system_id, sender, json.dumps(codes), content, digest, now))
            for recipient in dict.fromkeys(self.route[code] for code in codes):
                db.execute("INSERT INTO deliveries (doc_id, system_id, status, updated_at) VALUES (?, ?, ?, ?)",
                           (doc_id, recipient, "pending", now))
        return {"DocId": doc_id}

    def received(self, system_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
        message_type = self._message_type(fields)
        bounds = []
        for name in ("fromDate", "toDate"):
            try:
                bounds.append(self.scheme.parse_list_date(fields[name]).astimezone(UTC).isoformat()
                              if fields.get(name) else None)
            except ValueError:
                raise _Refused(f"{name} khong dung dinh dang {self.scheme.list_date_format}") from None
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT p.doc_id, p.message_type, p.sender, p.recipients, p.created_at, d.status, d.updated_at "
                "FROM deliveries d JOIN packages p USING (doc_id) WHERE d.system_id = ? AND p.message_type = ? "
                "AND d.status != 'done' AND (? IS NULL OR p.created_at >= ?) AND (? IS NULL OR p.created_at <= ?) "
                "ORDER BY p.seq", (system_id, message_type, bounds[0], bounds[0], bounds[1], bounds[1])).fetchall()
        data = [{"docId": row["doc_id"], "serviceType": SERVICE_TYPE, "messageType": row["message_type"],
                 "from": row["sender"], "to": row["recipients"], "status": row["status"],
                 "status_desc": row["status"], "created_time": self._list_time(row["created_at"]),
                 "updated_time": self._list_time(row["updated_at"])} for row in rows]
        return {"data": data}

    def get(self, system_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
        doc_id = fields.get("docId", "")
        with closing(self._connect()) as db:
            row = db.execute("SELECT p.content FROM deliveries d JOIN packages p USING (doc_id) "
                             "WHERE d.doc_id = ? AND d.system_id = ?", (doc_id, system_id)).fetchone()
        if row is None:
            raise _Refused(f"Khong tim thay van ban {doc_id or '(trong)'}")
        return {"data": base64.b64encode(row["content"]).decode("ascii")}

    def update(self, system_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
        doc_id, status = fields.get("docId", ""), fields.get("status", "")
        if status not in {s.value for s in AckStatus}:
            raise _Refused(f"Invalid status: {status or '(trong)'}, value in (done,fail,processing)")
        now = self.clock().astimezone(UTC).isoformat()
        with closing(self._connect()) as db, db:
            changed = db.execute("UPDATE deliveries SET status = ?, updated_at = ? WHERE doc_id = ? AND system_id = ?",
                                 (status, now, doc_id, system_id)).rowcount
        if not changed:
            raise _Refused(f"Khong tim thay van ban {doc_id or '(trong)'}")
        return {}

    def agencies(self) -> dict[str, Any]:
        return {"data": [agency.to_wire() for system in self.systems.values() for agency in system.agencies]}

    # -- helpers ------------------------------------------------------------------------------------------------

    def deliveries(self, doc_id: str) -> dict[str, str]:
        """Delivery state of one package: recipient system id → status."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT system_id, status FROM deliveries WHERE doc_id = ?", (doc_id,)).fetchall()
        return {row["system_id"]: row["status"] for row in rows}

    def package_count(self) -> int:
        with closing(self._connect()) as db:
            return int(db.execute("SELECT count(*) FROM packages").fetchone()[0])

    @staticmethod
    def _message_type(fields: Mapping[str, str]) -> str:
        value = fields.get("messagetype", "")
        if value not in {m.value for m in MessageType}:
            raise _Refused(INVALID_MESSAGE_TYPE)
        return value

    def _list_time(self, stored: str) -> str:
        return self.scheme.format_list_date(datetime.fromisoformat(stored))

    @staticmethod
    def _recipients_in_package(content: bytes, message_type: str) -> list[str]:
        from vanthu_edxml import DocumentPackage, EdxmlError, read_package

        try:
            package = read_package(content)
        except EdxmlError as exc:
            raise _Refused(f"Goi tin khong hop le: {exc}") from None
        if isinstance(package, DocumentPackage):
            return [org.agency_code for org in package.recipients if org.agency_code]
        code = package.response_for.agency_code if package.response_for else None
        return [code] if code else []


def create_app(state: FakeAxisState) -> Any:
    """The fake's ASGI application (Starlette: every endpoint is a POST, answers are JSON)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def answer(http_status: int = 200, **values: Any) -> JSONResponse:
        body = {"status": OK, "ErrorCode": "0", "ErrorDesc": "Success", **values}
        return JSONResponse(body, status_code=http_status)

    def refusal(desc: str, http_status: int) -> JSONResponse:
        return JSONResponse({"status": FAIL, "ErrorCode": "1", "ErrorDesc": desc}, status_code=http_status)

    async def handle(request: Request) -> JSONResponse:
        operation = request.url.path.strip("/")
        state.calls[operation] += 1
        fault = state.faults.take()
        if fault is not None:
            status, hang_s = fault
            if hang_s:
                await asyncio.sleep(hang_s)
            if status:
                return refusal("He thong tam thoi khong phuc vu (fake fault)", status)
        try:
            system_id, fields = state.authenticate(request.headers)
            if operation == Endpoint.SEND_EDOC:
                form = await request.form()
                upload = form.get(FILE_PART)
                content = await upload.read() if upload is not None and not isinstance(upload, str) else b""
                return answer(**state.send(system_id, fields, content))
            if operation == Endpoint.RECEIVED_LIST:
                return answer(**state.received(system_id, fields))
            if operation == Endpoint.GET_EDOC:
                return answer(**state.get(system_id, fields))
            if operation == Endpoint.UPDATE_STATUS:
                return answer(**state.update(system_id, fields))
            return answer(**state.agencies())
        except _Refused as exc:
            return refusal(exc.desc, exc.http_status)

    paths = (Endpoint.SEND_EDOC, Endpoint.RECEIVED_LIST, Endpoint.GET_EDOC, Endpoint.UPDATE_STATUS,
             Endpoint.AGENCIES)
    return Starlette(routes=[Route(f"/{path.value}", handle, methods=["POST"]) for path in paths])


class FakeAxis:
    """A running fake axis: ``url`` (give it to :class:`vanthu_axis.AxisSettings` as the endpoint), ``systems``
    (system id → :class:`AxisSystem`, secrets included), ``secret(system_id)``, :meth:`client` for a ready client.

    ``clock`` is the server's clock (the timestamps are checked against it, ``max_skew`` either way).
    """

    def __init__(self, db_path: Path, systems: tuple[AxisSystem, ...] | None = None, *,
                 scheme: HeaderScheme = DEFAULT_SCHEME, clock: Callable[[], datetime] | None = None,
                 max_skew: timedelta = timedelta(minutes=5)) -> None:
        self.db_path = db_path
        self.systems = {s.system_id: s for s in (systems or default_systems())}
        self.scheme = scheme
        self._clock = clock or (lambda: datetime.now(UTC))
        self.max_skew = max_skew
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state: FakeAxisState | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FakeAxis({self.url!r}, systems={sorted(self.systems)})"

    def __enter__(self) -> FakeAxis:
        """``with FakeAxis(path, systems) as axis:`` serves for the block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeAxis:
        state = FakeAxisState(self.db_path, tuple(self.systems.values()), scheme=self.scheme, clock=self._clock,
                              max_skew=self.max_skew)
        config = uvicorn.Config(create_app(state), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.state = state
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"fake-axis-{self.port}", daemon=True)
        self._thread.start()
        wait_until(lambda: port_open(self.port), timeout_s=20, what="fake national axis")
        return self

    def stop(self) -> None:
        """Stop serving (the port is closed when this returns); the SQLite file stays."""
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # no wait for clients' keep-alive connections
        if self._thread is not None and self._thread.is_alive():
            join_thread(self._thread, timeout_s=30, what="the fake national axis")
        wait_until(lambda: not port_open(self.port), timeout_s=10, what="fake national axis stopped")

    def restart(self) -> FakeAxis:
        """Stop and start again on the same port and SQLite file (nothing else survives: faults, replay memory)."""
        self.stop()
        return self.start()

    def _state(self) -> FakeAxisState:
        if self.state is None:
            raise RuntimeError("the fake axis is not started")
        return self.state

    def secret(self, system_id: str) -> str:
        return self.systems[system_id].secret

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next ``count`` requests (any endpoint, before authentication) answer HTTP ``status`` with FAIL."""
        self._state().faults.add(count, status, 0.0)

    def hang_next(self, count: int, seconds: float) -> None:
        """The next ``count`` requests wait ``seconds`` before being served normally (timeout tests)."""
        self._state().faults.add(count, 0, seconds)

    def calls(self, endpoint: Endpoint | str) -> int:
        """How many requests reached ``endpoint`` since this run started (faulted ones included)."""
        return self._state().calls[Endpoint(endpoint).value]

    def deliveries(self, doc_id: str) -> dict[str, str]:
        """Delivery state of a package: recipient system id → ``pending``/``processing``/``fail``/``done``."""
        return self._state().deliveries(doc_id)

    def package_count(self) -> int:
        return self._state().package_count()

    def settings(self, system_id: str, **overrides: Any) -> AxisSettings:
        """Client settings of one registered system against this fake (fast retries unless overridden)."""
        values: dict[str, Any] = {"endpoint": self.url, "system_id": system_id, "secret": self.secret(system_id),
                                  "scheme": self.scheme, "retry_initial_s": 0.01, "retry_max_s": 0.05,
                                  "timeout_s": 10.0}
        return AxisSettings(**{**values, **overrides})

    def client(self, system_id: str, *, clock: Callable[[], datetime] | None = None, **overrides: Any) -> AxisClient:
        settings = self.settings(system_id, **overrides)
        return AxisClient(settings, clock=clock) if clock is not None else AxisClient(settings)


@pytest.fixture
def fake_axis(tmp_path: Path) -> Iterator[FakeAxis]:
    """A fake national axis for one test: systems ``vxp.test.a`` and ``vxp.test.b`` (:func:`default_systems`,
    fresh secrets), its SQLite file in the test's temp dir."""
    axis = FakeAxis(tmp_path / "fake-axis.sqlite3").start()
    try:
        yield axis
    finally:
        axis.stop()
