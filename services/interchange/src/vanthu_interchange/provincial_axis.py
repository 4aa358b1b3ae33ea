"""The provincial axis for other systems (issue 12, item 6): this installation serves the national axis's REST
operations (regulations.md §2.3, reconstructed from the official SDK, as :mod:`vanthu_axis` speaks them) to the other
document systems of the province, so that a department running another vendor's system joins the provincial axis
unchanged: the same endpoints, the same signed ``XroadVnpt-*`` headers (HMAC-SHA256 with its system id and secret),
the same answers as the national axis (and :mod:`vanthu_testing.fake_axis`).

Served by interchange under uvicorn on its own port (``VANTHU_INTERCHANGE_PROVINCIAL_AXIS_PORT``), only when a
connected-systems file is configured (:mod:`vanthu_interchange.connected_systems`). Every request's headers are
checked with :func:`vanthu_axis.headers.verify` (unknown system, bad hash, stale timestamp) and must not have been
used before (a replay, remembered in the database so every replica refuses it): HTTP 401, ``status`` FAIL. Every
endpoint is a POST answering JSON ``{status: OK|FAIL, ErrorCode, ErrorDesc, …}``.

- ``sendEdoc``: ``from`` must be the caller's system id, and the package's sender (a document's From, a status
  package's reporter) one of the agencies it serves. Recipients (the ``to`` field, else those the package names) served
  by this installation are taken in (the package kept under its DocID, then
  :meth:`~vanthu_interchange.receiving.Receiver.take_in` with transport id ``system/<system id>/<DocID>``); recipients
  served by another connected system are queued for it (deliveries on route ``system``); a recipient served by
  neither refuses the whole package (FAIL, no effect). The DocID is derived from the caller and the bytes, so the same
  package sent twice is the same DocID and is taken in (or queued) once.
- ``getReceivedEdocList`` (``messagetype`` edoc or status, ``fromDate``/``toDate`` optional): what waits for the
  caller: pending deliveries on route ``system`` to agencies it serves (documents issued here, status answers from
  here, packages other connected systems sent), one entry per package (``docId``).
- ``getEdoc``: the package, base64 in ``data``; only a system a delivery of it is for may fetch it.
- ``updateStatus``: ``done`` marks its deliveries ``sent`` (the sender's timeline shows it); ``fail`` counts a failed
  attempt (listed again; after ``VANTHU_INTERCHANGE_MAX_ATTEMPTS`` the delivery is failed, visibly, and the operator
  resends it); ``processing`` changes nothing. Unacknowledged packages stay listed.
- ``getAgenciesList``: the agencies this installation serves (the registry's directory filtered by the served
  patterns) and those of the connected systems.

What this server invents where the national axis's behaviour is unknown is what the fake axis invents: the refusal
texts (in the real axis's unaccented style), ``ErrorCode`` ``"1"``, the list's status words.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from google.protobuf.message import Message

from vanthu_axis import (
    DEFAULT_SCHEME,
    FAIL,
    FILE_PART,
    OK,
    SERVICE_TYPE,
    AckStatus,
    Agency,
    Endpoint,
    HeaderScheme,
    MessageType,
    SignatureRejected,
    verify,
)
from vanthu_core.timeutil import Clock, utc_now
from vanthu_edxml import DocumentPackage, Limits, StatusPackage
from vanthu_interchange import events
from vanthu_interchange.connected_systems import ConnectedSystem, ConnectedSystems
from vanthu_interchange.packages import Refused, read_received
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.routing import SYSTEM, Router
from vanthu_interchange.store import DeliveryRow, InterchangeStore, NewDelivery

log = logging.getLogger("vanthu.interchange")

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


class AxisRefusal(Exception):
    """A request refused: FAIL with ``desc``, HTTP ``http_status``."""

    def __init__(self, desc: str, http_status: int = 200) -> None:
        super().__init__(desc)
        self.desc = desc
        self.http_status = http_status


def doc_id_of(system_id: str, content: bytes) -> str:
    """The DocID of a package a connected system sends (24 hex digits, like the national axis's): the same bytes from
    the same system are the same DocID."""
    return hashlib.sha256(system_id.encode() + b"\n" + content).hexdigest()[:24]


def transport_id(system_id: str, doc_id: str) -> str:
    return f"system/{system_id}/{doc_id}"


def _relay_sender(row: DeliveryRow) -> str | None:
    """The system id that sent a relayed package (its delivery key ``system/<id>/<DocID>/<recipient>``)."""
    parts = row.key.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == "system" else None


def _announce_edoc(row: DeliveryRow) -> list[Message]:
    return [events.delivery_updated(row)] if row.kind == "edoc" and row.document_id else []


class ProvincialAxis:
    """The operations, over interchange's store (no HTTP here)."""

    def __init__(self, store: InterchangeStore, receiver: Receiver | None, router: Router,
                 systems: ConnectedSystems, *, limits: Limits, registry: Any = None,
                 scheme: HeaderScheme = DEFAULT_SCHEME, clock: Clock = utc_now,
                 max_skew: timedelta = timedelta(minutes=5), max_attempts: int = 8,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.store = store
        self.receiver = receiver
        self.router = router
        self.systems = systems
        self.limits = limits
        self.registry = registry
        self.scheme = scheme
        self.clock = clock
        self.max_skew = max_skew
        self.max_attempts = max_attempts
        self.on_commit = on_commit or (lambda: None)

    # -- authentication --------------------------------------------------------------------------------------------
    async def authenticate(self, headers: Mapping[str, str]) -> tuple[ConnectedSystem, dict[str, str]]:
        """The calling system and its signed fields, once the headers are verified (:func:`vanthu_axis.verify`) and
        were not used before: their hash is remembered in interchange's database until their timestamp is stale
        (``2 × max_skew`` from now), so a replay is refused by whichever replica it reaches.
        :raises AxisRefusal: HTTP 401 with the reason."""
        now = self.clock()
        try:
            system_id = verify(self.scheme, headers, self.systems.secrets, now, self.max_skew)
        except SignatureRejected as exc:
            log.warning("provincial axis: request refused", extra={"reason": exc.reason})
            raise AxisRefusal(f"{AUTH_MESSAGES.get(exc.reason, 'Xac thuc that bai')} ({exc})", 401) from None
        lower = {k.lower(): v for k, v in headers.items()}
        digest = lower[self.scheme.hash_header.lower()].strip().lower()
        if not await self.store.first_use(digest, system_id, expires_at=now + 2 * self.max_skew, now=now):
            log.warning("provincial axis: request refused", extra={"reason": "replayed", "system_id": system_id})
            raise AxisRefusal(f"{AUTH_MESSAGES['replayed']} (these signed headers were already used)", 401)
        system = self.systems.get(system_id)
        if system is None:  # verify knows only the systems' secrets: cannot happen
            raise AxisRefusal(AUTH_MESSAGES["unknown-system"], 401)
        names = lower[self.scheme.sign_key_header.lower()].split(self.scheme.key_separator)
        fields = {name: lower[self.scheme.field_header(name).lower()] for name in names if name}
        return system, fields

    # -- sendEdoc --------------------------------------------------------------------------------------------------
    async def send(self, system: ConnectedSystem, fields: Mapping[str, str], content: bytes) -> dict[str, Any]:
        sender_field = fields.get("from", "")
        if sender_field != system.system_id:
            raise AxisRefusal(SENDER_MISMATCH.format(sender=sender_field or "(trong)"))
        message_type = self._message_type(fields)
        if fields.get("servicetype", SERVICE_TYPE) != SERVICE_TYPE:
            raise AxisRefusal(f"Invalid serviceType: {fields['servicetype']}")
        if not content:
            raise AxisRefusal(f"Thieu tep goi tin ({FILE_PART})")
        if len(content) > self.limits.max_bytes:
            raise AxisRefusal(f"Goi tin vuot qua {self.limits.max_bytes} byte")
        digest = hashlib.sha256(content).hexdigest()
        if self.scheme.file_hash_field:
            # The package's digest must be among the signed fields (the SDK always signs it): without it, whoever
            # sees a system's signed headers on their way could attach a package of their own to them.
            declared = fields.get(self.scheme.file_hash_field)
            if declared is None:
                raise AxisRefusal(f"Thieu truong {self.scheme.file_hash_field} trong header da ky")
            if declared.strip().lower() != digest:
                raise AxisRefusal(f"{self.scheme.file_hash_field} khong khop voi noi dung goi tin")
        package = self._read(content)
        kind = "status" if isinstance(package, StatusPackage) else "edoc"
        if kind != message_type:
            raise AxisRefusal(f"Goi tin la goi {kind}, khong phai {message_type}")
        sender = package.sender.agency_code or ""
        if not system.serves(sender):
            raise AxisRefusal(f"Don vi gui goi tin {sender or '(trong)'} khong thuoc he thong {system.system_id}")
        if fields.get("to"):
            recipients = self.scheme.decode_recipients(fields["to"])
        elif isinstance(package, DocumentPackage):
            recipients = [r.agency_code for r in package.recipients if r.agency_code]
        else:
            recipients = [package.response_for.agency_code] if package.response_for and \
                package.response_for.agency_code else []
        recipients = list(dict.fromkeys(code.strip()[:35] for code in recipients if code.strip()))
        if not recipients:
            raise AxisRefusal("Khong co don vi nhan")
        if isinstance(package, DocumentPackage):
            # ``to`` names whom to deliver the package to, among those it is addressed to: a code the package does
            # not name would only be returned (02) one by one, each a receipt and an answer, so one signed request
            # of a few KB of made-up codes made a thousand rows and answers
            named = {r.agency_code for r in package.recipients if r.agency_code}
            strangers = [code for code in recipients if code not in named]
            if strangers:
                raise AxisRefusal(f"Don vi nhan {', '.join(strangers[:20])[:400]} khong co trong goi tin (To)")
        local = [code for code in recipients if self.router.serves(code)]
        relayed = {code: target for code in recipients if code not in local
                   for target in [self.router.system(code)] if target is not None}
        unknown = [code for code in recipients if code not in local and code not in relayed]
        if unknown:
            raise AxisRefusal(f"Don vi nhan {', '.join(unknown)} chua dang ky tren truc")
        if local and self.receiver is None:
            raise AxisRefusal("He thong khong nhan goi tin cho don vi noi bo", 503)
        doc_id = doc_id_of(system.system_id, content)
        edxml_document_id = (package.document_id if isinstance(package, DocumentPackage)
                             else package.response_for.document_id if package.response_for else "") or ""
        if relayed:
            await self.store.add_relay(
                package_id=doc_id, kind=kind, sender_code=sender[:35], edxml_document_id=edxml_document_id[:300],
                body=content, sha256=digest,
                deliveries=[NewDelivery(f"{transport_id(system.system_id, doc_id)}/{code}", code, "", SYSTEM,
                                        "pending") for code in relayed])
        if local and self.receiver is not None:
            await self.store.store_received(package_id=doc_id, kind=kind, sender_code=sender[:35],
                                            edxml_document_id=edxml_document_id[:300], body=content, sha256=digest)
            for code in local:
                try:
                    await self.receiver.take_in(transport_id(system.system_id, doc_id), doc_id, code)
                except Exception as error:  # the registry or storage unreachable: the system sends again
                    log.warning("provincial axis: package not taken in yet", extra={
                        "system_id": system.system_id, "doc_id": doc_id, "recipient": code, "error": str(error)})
                    raise AxisRefusal(f"He thong tam thoi khong nhan duoc goi tin, gui lai sau ({error})",
                                      503) from None
        log.info("provincial axis: package received from a connected system", extra={
            "system_id": system.system_id, "doc_id": doc_id, "kind": kind, "local": local,
            "relayed": {code: s.system_id for code, s in relayed.items()}})
        return {"DocId": doc_id}

    def _read(self, content: bytes) -> DocumentPackage | StatusPackage:
        try:
            package: Any = read_received(content, self.limits)
        except Refused as refusal:
            package = refusal.package  # readable but refused for its recipients: the Receiver returns it with 02
            if package is None:
                raise AxisRefusal(f"Goi tin khong hop le: {refusal.reason}") from None
        if not isinstance(package, DocumentPackage | StatusPackage):
            raise AxisRefusal("Goi tin khong phai goi van ban hay goi trang thai")
        return package

    # -- the received list, getEdoc, updateStatus ------------------------------------------------------------------
    async def _waiting(self, system: ConnectedSystem, kind: str) -> dict[str, list[DeliveryRow]]:
        """The pending deliveries of ``kind`` for the agencies of ``system``, by package (its DocID)."""
        by_package: dict[str, list[DeliveryRow]] = {}
        for row in await self.store.waiting_for_systems(kind):
            if self.router.system(row.recipient_code) == system:
                by_package.setdefault(row.package_id, []).append(row)
        return by_package

    async def received(self, system: ConnectedSystem, fields: Mapping[str, str]) -> dict[str, Any]:
        kind = self._message_type(fields)
        bounds: list[datetime | None] = []
        for name in ("fromDate", "toDate"):
            try:
                bounds.append(self.scheme.parse_list_date(fields[name]) if fields.get(name) else None)
            except ValueError:
                raise AxisRefusal(f"{name} khong dung dinh dang {self.scheme.list_date_format}") from None
        data = []
        for package_id, rows in (await self._waiting(system, kind)).items():
            created = rows[0].created_at
            if (bounds[0] is not None and created < bounds[0]) or (bounds[1] is not None and created > bounds[1]):
                continue
            updated = max((r.next_attempt_at or r.created_at) for r in rows) if any(r.attempts for r in rows) \
                else created
            status = "fail" if any(r.attempts for r in rows) else "pending"
            data.append({"docId": package_id, "serviceType": SERVICE_TYPE, "messageType": kind,
                         "from": _relay_sender(rows[0]) or rows[0].sender_code,
                         "to": json.dumps([r.recipient_code for r in rows]), "status": status,
                         "status_desc": status, "created_time": self.scheme.format_list_date(created),
                         "updated_time": self.scheme.format_list_date(min(updated, self.clock()))})
        return {"data": data}

    async def _mine(self, system: ConnectedSystem, doc_id: str) -> list[DeliveryRow]:
        # a cancelled delivery (the sender revoked the document before the system acknowledged it) is not the
        # system's any more: its package is not served again
        rows = [r for r in await self.store.deliveries_of_package(doc_id) if r.route == SYSTEM
                and r.state != "cancelled" and self.router.system(r.recipient_code) == system] if doc_id else []
        if not rows:
            raise AxisRefusal(f"Khong tim thay van ban {doc_id or '(trong)'}")
        return rows

    async def get(self, system: ConnectedSystem, fields: Mapping[str, str]) -> dict[str, Any]:
        doc_id = fields.get("docId", "")
        await self._mine(system, doc_id)
        package = await self.store.package(doc_id)
        if package is None:
            raise AxisRefusal(f"Khong tim thay van ban {doc_id}")
        return {"data": base64.b64encode(package.body).decode("ascii")}

    async def update(self, system: ConnectedSystem, fields: Mapping[str, str]) -> dict[str, Any]:
        doc_id, status = fields.get("docId", ""), fields.get("status", "")
        if status not in {s.value for s in AckStatus}:
            raise AxisRefusal(f"Invalid status: {status or '(trong)'}, value in (done,fail,processing)")
        rows = await self._mine(system, doc_id)
        changed = 0
        for row in rows:
            if row.state != "pending":
                continue
            if status == AckStatus.DONE:
                done = await self.store.mark_sent(row.id, _announce_edoc,
                                                  transport_id=transport_id(system.system_id, doc_id))
                changed += done is not None
            elif status == AckStatus.FAIL:
                failed = await self.store.record_attempt(
                    row.id, error=f"Hệ thống kết nối {system.system_id} báo không tiếp nhận được gói tin (fail)",
                    max_attempts=self.max_attempts, backoff=timedelta(0), events=_announce_edoc)
                changed += failed is not None
        if changed:
            self.on_commit()
        log.info("provincial axis: acknowledged", extra={"system_id": system.system_id, "doc_id": doc_id,
                                                         "status": status, "deliveries": changed})
        return {}

    # -- getAgenciesList -------------------------------------------------------------------------------------------
    async def agencies(self) -> dict[str, Any]:
        listed: dict[str, Agency] = {}
        if self.registry is not None:
            for agency in await served_agencies(self.registry, self.router):
                listed.setdefault(agency.code, agency)
        for system in self.systems.systems:
            for agency in system.directory:
                listed.setdefault(agency.code, agency)
            for code in system.agencies:  # an exact code (not a pattern) without a name in the file
                if not any(c in code for c in "*?["):
                    listed.setdefault(code, Agency(id=code, code=code))
        return {"data": [agency.to_wire() for agency in listed.values()]}

    @staticmethod
    def _message_type(fields: Mapping[str, str]) -> str:
        value = fields.get("messagetype", "")
        if value not in {m.value for m in MessageType}:
            raise AxisRefusal(INVALID_MESSAGE_TYPE)
        return value


async def served_agencies(registry: Any, router: Router, limit: int = 20000) -> list[Agency]:
    """The agencies of the registry's directory served here (``registry``: :class:`vanthu_interchange.peers
    .Registry`). :raises AxisRefusal: HTTP 503 when the registry cannot be reached."""
    import grpc

    from vanthu.common.v1 import common_pb2
    from vanthu.registry.v1 import registry_pb2
    from vanthu_core.grpc_client import bearer_metadata

    found: list[Agency] = []
    token = ""
    while len(found) < limit:
        try:
            reply = await registry.directory.ListAgencies(
                registry_pb2.ListAgenciesRequest(page=common_pb2.PageRequest(page_size=500, page_token=token)),
                metadata=bearer_metadata(await registry.tokens.token()), timeout=60)
        except grpc.aio.AioRpcError as error:
            raise AxisRefusal(f"Danh ba don vi tam thoi khong doc duoc ({error.code().name})", 503) from None
        found.extend(Agency(id=a.code, code=a.code, name=a.name, pid=a.parent_code or None)
                     for a in reply.agencies if router.serves(a.code))
        token = reply.page.next_page_token
        if not token:
            break
    return found


#: What a sendEdoc body may hold beyond the package itself: the multipart framing and the part's headers.
FORM_OVERHEAD_BYTES = 64 * 1024


def _capped(request: Any, limit: int) -> Any:
    """``request`` reading at most ``limit`` bytes of body: a declared ``Content-Length`` over it, or a body that
    grows over it while it arrives, is refused (HTTP 413) before it is spooled to disk and read into memory whole.
    (Starlette bounds a multipart form's plain fields, not its files: a signed sendEdoc of 5 GB was written to a
    temporary file, then read into memory, and only then found over ``max_package_bytes``.)"""
    from starlette.requests import Request

    too_large = AxisRefusal(f"Goi tin vuot qua {limit - FORM_OVERHEAD_BYTES} byte", 413)
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise too_large
    received = 0

    async def receive() -> Any:
        nonlocal received
        message = await request.receive()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large
        return message

    return Request(request.scope, receive)


def create_app(axis: ProvincialAxis) -> Any:
    """The ASGI application (Starlette): every endpoint is a POST answering JSON."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def answer(**values: Any) -> JSONResponse:
        return JSONResponse({"status": OK, "ErrorCode": "0", "ErrorDesc": "Success", **values})

    def refusal(desc: str, http_status: int) -> JSONResponse:
        return JSONResponse({"status": FAIL, "ErrorCode": "1", "ErrorDesc": desc}, status_code=http_status)

    async def handle(request: Request) -> JSONResponse:
        operation = request.url.path.strip("/")
        try:
            system, fields = await axis.authenticate(request.headers)
            if operation == Endpoint.SEND_EDOC:
                request = _capped(request, axis.limits.max_bytes + FORM_OVERHEAD_BYTES)
                async with request.form(max_part_size=axis.limits.max_bytes + 1) as form:
                    upload = form.get(FILE_PART)
                    content = await upload.read() if upload is not None and not isinstance(upload, str) else b""
                return answer(**await axis.send(system, fields, content))
            if operation == Endpoint.RECEIVED_LIST:
                return answer(**await axis.received(system, fields))
            if operation == Endpoint.GET_EDOC:
                return answer(**await axis.get(system, fields))
            if operation == Endpoint.UPDATE_STATUS:
                return answer(**await axis.update(system, fields))
            return answer(**await axis.agencies())
        except AxisRefusal as exc:
            return refusal(exc.desc, exc.http_status)

    paths = (Endpoint.SEND_EDOC, Endpoint.RECEIVED_LIST, Endpoint.GET_EDOC, Endpoint.UPDATE_STATUS,
             Endpoint.AGENCIES)
    return Starlette(routes=[Route(f"/{path.value}", handle, methods=["POST"]) for path in paths])


class ProvincialAxisServer:
    """The provincial axis served by uvicorn inside interchange's event loop (its own port; no signal handlers: the
    service's own handle them)."""

    def __init__(self, axis: ProvincialAxis, host: str, port: int) -> None:
        import uvicorn

        class _Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Any:
                yield

        self.server = _Server(uvicorn.Config(create_app(axis), host=host, port=port, log_level="warning",
                                             lifespan="off", access_log=False))
        self.task: Any = None

    async def start(self) -> None:
        import asyncio

        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises why it could not start
                raise RuntimeError("provincial axis: the server stopped at start")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task

