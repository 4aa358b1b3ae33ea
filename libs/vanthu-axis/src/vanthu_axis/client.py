"""Async client of the national axis (Trục liên thông văn bản quốc gia) over httpx.

One :class:`AxisClient` per connected system (``systemid`` + ``secret``). Every request is signed afresh by
:func:`vanthu_axis.headers.sign` with a timestamp from the injected clock, strictly increasing per client (a
request in the same millisecond as the previous one is stamped one millisecond later, so no two requests of a
client carry the same signed headers). Wire details are reconstructed from the official SDK (regulations.md §2.3,
unverified against the live axis; see :mod:`vanthu_axis.headers`).

Errors: :class:`~vanthu_axis.errors.AxisError` when the axis answers FAIL (with its ``ErrorDesc``),
:class:`~vanthu_axis.errors.AxisAuthError` when it refuses the signature (HTTP 401/403),
:class:`~vanthu_axis.errors.AxisUnavailable` for transport failures, timeouts and HTTP 5xx/429 (retried first, with
exponential back-off and jitter, for the idempotent calls only: never ``sendEdoc``, which could deliver twice),
:class:`~vanthu_axis.errors.AxisLimitExceeded` for an answer over ``max_download_bytes``. Logs name the operation,
the HTTP status, the attempt and the doc id; never a header, the secret or a hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from .errors import AxisAuthError, AxisError, AxisLimitExceeded, AxisProtocolError, AxisUnavailable
from .headers import DEFAULT_SCHEME, HeaderScheme, sign
from .model import FILE_PART, OK, SERVICE_TYPE, AckStatus, Agency, Endpoint, Knobstick, MessageType

__all__ = ["MIB", "AxisClient", "AxisSettings", "Clock", "system_clock"]

log = logging.getLogger("vanthu.axis")

MIB = 1024 * 1024
#: A clock returns the current instant (timezone-aware); injected so tests can move time.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real clock (UTC); the default of :class:`AxisClient`."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class AxisSettings:
    """How to reach the axis as one connected system.

    ``endpoint``: the service endpoint (``https://…``, paths are appended). ``sender_code``: the ``from`` of
    ``sendEdoc`` (the axis refuses one that is not the registered system id: "Don vi gui … khong dung voi ma da dang
    ky"; empty: the system id). Timeouts in seconds (``timeout_s`` per read/write, ``connect_timeout_s`` to
    connect). ``max_download_bytes``: the largest package ``getEdoc`` may return, decoded (default 100 MiB; any
    answer's body may be at most its base64 size plus 1 MiB). ``max_attempts``: tries of an idempotent call (the
    SDK's ``client.max-error-retry`` accepts 3–5), waiting ``retry_initial_s`` doubling up to ``retry_max_s``.
    """

    endpoint: str
    system_id: str
    secret: str = field(repr=False)
    sender_code: str = ""
    scheme: HeaderScheme = DEFAULT_SCHEME
    timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    max_download_bytes: int = 100 * MIB
    max_attempts: int = 3
    retry_initial_s: float = 0.5
    retry_max_s: float = 8.0

    def __post_init__(self) -> None:
        if not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(f"AxisSettings.endpoint: expected an http(s) URL, got {self.endpoint!r}")
        if not self.system_id or not self.secret:
            raise ValueError("AxisSettings: system_id and secret are required")
        if self.max_download_bytes < 1:
            raise ValueError("AxisSettings.max_download_bytes: must be at least 1")
        if not 1 <= self.max_attempts <= 10:
            raise ValueError(f"AxisSettings.max_attempts: {self.max_attempts} is not within 1–10")
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("AxisSettings: timeouts must be positive")

    @property
    def sender(self) -> str:
        return self.sender_code or self.system_id

    @property
    def max_response_bytes(self) -> int:
        """The largest answer body read: the base64 form of ``max_download_bytes`` plus 1 MiB for the JSON."""
        return (self.max_download_bytes + 2) // 3 * 4 + MIB


class AxisClient:
    """The national axis as one connected system sees it. Use ``async with AxisClient(settings) as axis:``.

    ``clock`` gives ``now`` for the signed timestamp (default: :func:`system_clock`); ``transport`` replaces
    httpx's network transport (tests).
    """

    def __init__(self, settings: AxisSettings, *, clock: Clock = system_clock,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._last_stamp: datetime | None = None
        timeout = httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)

    def __repr__(self) -> str:
        return f"AxisClient({self.settings.endpoint!r}, system_id={self.settings.system_id!r})"

    async def __aenter__(self) -> AxisClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- operations ---------------------------------------------------------------------------------------------

    async def send_edoc(self, package_bytes: bytes, message_type: MessageType | str = MessageType.EDOC,
                        to: Sequence[str] = ()) -> str:
        """Send a package (``sendEdoc``); return the axis's doc id (``DocId``).

        ``message_type``: ``edoc`` for a document package, ``status`` for a status package. ``to``: recipient
        agency codes for the ``to`` header (the package's own ``To`` also names them; empty: no header). Never
        retried: on :class:`AxisUnavailable` the package may have been taken, so look before sending again.

        :raises ValueError: an empty package or an unknown message type.
        """
        kind = _message_type(message_type)
        if not package_bytes:
            raise ValueError("package_bytes: an empty package cannot be sent")
        scheme = self.settings.scheme
        header: dict[str, str | Sequence[str]] = {}
        if scheme.content_type_field:
            header[scheme.content_type_field] = scheme.file_content_type
        header.update({"from": self.settings.sender, "servicetype": SERVICE_TYPE, "messagetype": kind.value})
        if to:
            header["to"] = [code.strip() for code in to]
        digest = hashlib.sha256(package_bytes).hexdigest()
        if scheme.file_hash_field:
            header[scheme.file_hash_field] = digest
        files = {FILE_PART: (f"{digest[:24]}.edxml", package_bytes, scheme.file_content_type)}
        answer = await self._call(Endpoint.SEND_EDOC, header, files=files, idempotent=False)
        doc_id = _field(answer, "DocId", "DocID", "docId")
        if not doc_id:
            raise AxisProtocolError(Endpoint.SEND_EDOC.value, f"the answer has no DocId: {_keys(answer)}")
        log.info("axis sendEdoc: %s %s bytes → doc id %s", kind.value, len(package_bytes), doc_id)
        return doc_id

    async def received(self, message_type: MessageType | str = MessageType.EDOC, from_date: datetime | None = None,
                       to_date: datetime | None = None) -> list[Knobstick]:
        """The packages waiting for this system (``getReceivedEdocList``), optionally sent between two instants
        (aware; sent as ``dd/MM/yyyy HH:mm:ss`` Vietnam time). A package stays listed until acknowledged ``done``."""
        kind = _message_type(message_type)
        header = self._json_header({"servicetype": SERVICE_TYPE, "messagetype": kind.value})
        if from_date is not None:
            header["fromDate"] = self.settings.scheme.format_list_date(from_date)
        if to_date is not None:
            header["toDate"] = self.settings.scheme.format_list_date(to_date)
        answer = await self._call(Endpoint.RECEIVED_LIST, header)
        try:
            return [Knobstick.from_wire(entry) for entry in _list(answer, Endpoint.RECEIVED_LIST)]
        except ValueError as exc:
            raise AxisProtocolError(Endpoint.RECEIVED_LIST.value, str(exc)) from None

    async def get_edoc(self, doc_id: str) -> bytes:
        """The package ``doc_id`` exactly as sent (``getEdoc``: base64 in ``data``), at most ``max_download_bytes``.

        :raises AxisLimitExceeded: the answer or the package is larger than the limit.
        """
        if not doc_id:
            raise ValueError("doc_id: must not be empty")
        answer = await self._call(Endpoint.GET_EDOC, self._json_header({"docId": doc_id}))
        data = answer.get("data")
        if not isinstance(data, str):
            raise AxisProtocolError(Endpoint.GET_EDOC.value, f"the answer has no base64 data: {_keys(answer)}")
        if len(data) * 3 // 4 > self.settings.max_download_bytes + 2:
            raise AxisLimitExceeded(Endpoint.GET_EDOC.value,
                                    f"package {doc_id} is over the limit of {self.settings.max_download_bytes} bytes")
        try:
            package = base64.b64decode("".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AxisProtocolError(Endpoint.GET_EDOC.value, f"data of {doc_id} is not base64: {exc}") from None
        if len(package) > self.settings.max_download_bytes:
            raise AxisLimitExceeded(Endpoint.GET_EDOC.value,
                                    f"package {doc_id} is {len(package)} bytes, over the limit of "
                                    f"{self.settings.max_download_bytes} bytes")
        log.info("axis getEdoc: doc id %s, %s bytes", doc_id, len(package))
        return package

    async def update_status(self, doc_id: str, status: AckStatus | str) -> None:
        """Acknowledge a received package (``updateStatus``): ``done`` once it is persisted (it leaves the list),
        ``fail`` when it could not be taken in, ``processing`` meanwhile. Idempotent, hence retried."""
        if status not in {a.value for a in AckStatus}:
            raise ValueError(f"status: {status!r} is not one of {', '.join(a.value for a in AckStatus)}")
        ack = AckStatus(status)
        if not doc_id:
            raise ValueError("doc_id: must not be empty")
        await self._call(Endpoint.UPDATE_STATUS, self._json_header({"docId": doc_id, "status": ack.value}))
        log.info("axis updateStatus: doc id %s → %s", doc_id, ack.value)

    async def agencies(self) -> list[Agency]:
        """The axis's agency directory (``getAgenciesList``)."""
        answer = await self._call(Endpoint.AGENCIES, self._json_header({}))
        try:
            return [Agency.from_wire(entry) for entry in _list(answer, Endpoint.AGENCIES)]
        except ValueError as exc:
            raise AxisProtocolError(Endpoint.AGENCIES.value, str(exc)) from None

    # -- transport ----------------------------------------------------------------------------------------------

    def _json_header(self, values: Mapping[str, str]) -> dict[str, str | Sequence[str]]:
        scheme = self.settings.scheme
        header: dict[str, str | Sequence[str]] = {}
        if scheme.content_type_field:
            header[scheme.content_type_field] = scheme.json_content_type
        header.update(values)
        return header

    def _stamp(self) -> datetime:
        """``now`` from the clock to the millisecond, later than the previous request's."""
        now = self._clock()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = now
        return now

    async def _call(self, endpoint: Endpoint, header: Mapping[str, str | Sequence[str]], *,
                    files: Mapping[str, tuple[str, bytes, str]] | None = None,
                    idempotent: bool = True) -> dict[str, Any]:
        if not idempotent:
            return await self._attempt(endpoint, header, files, 1)
        settings = self.settings
        attempt_number = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(settings.max_attempts),
            wait=wait_exponential(multiplier=settings.retry_initial_s, max=settings.retry_max_s)
            + wait_random(0, settings.retry_initial_s),
            retry=retry_if_exception_type(AxisUnavailable), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    attempt_number = attempt.retry_state.attempt_number
                    return await self._attempt(endpoint, header, files, attempt_number)
        except AxisUnavailable as exc:
            raise AxisUnavailable(exc.operation, exc.reason, attempts=attempt_number) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    async def _attempt(self, endpoint: Endpoint, header: Mapping[str, str | Sequence[str]],
                       files: Mapping[str, tuple[str, bytes, str]] | None, attempt: int) -> dict[str, Any]:
        settings = self.settings
        operation = endpoint.value
        headers = sign(settings.scheme, settings.system_id, settings.secret, self._stamp(), header)
        if files is None:
            headers["Content-Type"] = settings.scheme.json_content_type
        url = f"{settings.endpoint.rstrip('/')}/{operation}"
        started = time.monotonic()
        try:
            async with self._http.stream("POST", url, headers=headers, files=files) as response:
                body = await self._read_limited(response, operation)
        except httpx.TimeoutException as exc:
            log.warning("axis %s: timed out (attempt %d)", operation, attempt)
            raise AxisUnavailable(operation, f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            log.warning("axis %s: %s (attempt %d)", operation, type(exc).__name__, attempt)
            raise AxisUnavailable(operation, f"{type(exc).__name__}: {exc}") from None
        elapsed_ms = (time.monotonic() - started) * 1000
        status = response.status_code
        log.debug("axis %s: HTTP %d, %d bytes in %.0f ms (attempt %d)", operation, status, len(body), elapsed_ms,
                  attempt)
        answer = _json_object(body)
        desc = (_field(answer, "ErrorDesc") if answer is not None else None) or _snippet(body)
        code = _field(answer, "ErrorCode") if answer is not None else None
        if status >= 500 or status == 429:
            log.warning("axis %s: HTTP %d (attempt %d)", operation, status, attempt)
            raise AxisUnavailable(operation, f"HTTP {status}: {desc}")
        if status in (401, 403):
            raise AxisAuthError(operation, desc, error_code=code, http_status=status)
        if answer is None:
            raise AxisProtocolError(operation, f"the answer is not a JSON object: {_snippet(body)}",
                                    http_status=status)
        if status >= 400 or str(answer.get("status", "")).upper() != OK:
            log.warning("axis %s: refused (HTTP %d, ErrorCode %s): %s", operation, status, code, desc)
            raise AxisError(operation, desc, error_code=code, http_status=status)
        return answer

    async def _read_limited(self, response: httpx.Response, operation: str) -> bytes:
        limit = self.settings.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise AxisLimitExceeded(operation, f"the answer is {declared} bytes, over the limit {limit}",
                                    http_status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise AxisLimitExceeded(operation, f"the answer is over the limit of {limit} bytes",
                                        http_status=response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)


def _message_type(value: MessageType | str) -> MessageType:
    if value not in {m.value for m in MessageType}:
        raise ValueError(f"message_type: {value!r} is not one of {', '.join(m.value for m in MessageType)}")
    return MessageType(value)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _field(answer: Mapping[str, Any], *keys: str) -> str | None:
    lower = {str(k).lower(): v for k, v in answer.items()}
    for key in keys:
        value = lower.get(key.lower())
        if value is not None and value != "":
            return str(value)
    return None


def _list(answer: Mapping[str, Any], endpoint: Endpoint) -> list[Mapping[str, Any]]:
    data = answer.get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise AxisProtocolError(endpoint.value, "data is not a list of objects")
    return data


def _keys(answer: Mapping[str, Any]) -> str:
    return "keys " + ", ".join(sorted(map(str, answer))) if answer else "an empty object"


def _snippet(body: bytes, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace").strip()
    return text + ("…" if len(body) > limit else "") if text else "(empty body)"
