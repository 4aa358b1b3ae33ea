"""gRPC client channels: deadlines, retries of transient failures, tracing and token forwarding.

Only methods the proto declares safe to repeat (``option idempotency_level = NO_SIDE_EFFECTS`` or ``IDEMPOTENT``)
are retried when the callee is UNAVAILABLE: repeating any other call after a failure the callee may have survived
(a timeout after it committed) would do the work twice — sign twice, store twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions

from vanthu_core.auth import optional_principal
from vanthu_core.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger("vanthu.grpc")

DEFAULT_DEADLINE_S = 10.0

RETRY_POLICY = {"maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "2s", "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"]}
SAFE_TO_REPEAT = (MethodOptions.NO_SIDE_EFFECTS, MethodOptions.IDEMPOTENT)


def repeatable(method: MethodDescriptor) -> bool:
    """Whether the proto declares ``method`` safe to call again (its ``idempotency_level``)."""
    return method.GetOptions().idempotency_level in SAFE_TO_REPEAT


def service_config(services: Iterable[ServiceDescriptor]) -> str:
    """The channel's service config: a retry policy for the repeatable methods of ``services``, none for others."""
    names = [{"service": service.full_name, "method": method.name}
             for service in services for method in service.methods if repeatable(method)]
    return json.dumps({"methodConfig": [{"name": names, "retryPolicy": RETRY_POLICY}] if names else []})


class _DefaultsInterceptor(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor,
                           grpc.aio.StreamUnaryClientInterceptor):
    """Sets a deadline when the caller gave none, and forwards the acting principal's token."""

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = list(details.metadata or ())
        if not any(key == "authorization" for key, _ in metadata):
            principal = optional_principal()
            if principal is not None:
                metadata.append(("authorization", f"Bearer {principal.token}"))
        return grpc.aio.ClientCallDetails(
            method=details.method,
            timeout=details.timeout if details.timeout is not None else self.deadline_s,
            metadata=grpc.aio.Metadata(*metadata),
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
        )

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await continuation(self._details(client_call_details), request)

    async def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return await continuation(self._details(client_call_details), request)

    async def intercept_stream_unary(self, continuation: Any, client_call_details: Any, request_iterator: Any) -> Any:
        return await continuation(self._details(client_call_details), request_iterator)


def create_channel(target: str, *, services: Iterable[ServiceDescriptor] = (), deadline_s: float = DEFAULT_DEADLINE_S,
                   max_message_bytes: int = 8 * 1024 * 1024) -> grpc.aio.Channel:
    """An insecure (in-cluster, mTLS by the mesh) asyncio channel with VanThu's client defaults; the repeatable
    methods of ``services`` (the services called over it) are retried while the callee is UNAVAILABLE."""
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return grpc.aio.insecure_channel(
        target,
        options=[("grpc.service_config", service_config(services)), ("grpc.enable_retries", 1),
                 ("grpc.max_receive_message_length", max_message_bytes),
                 ("grpc.max_send_message_length", max_message_bytes)],
        interceptors=[*aio_client_interceptors(), _DefaultsInterceptor(deadline_s)],
    )


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def vouched_metadata(token: str, service_token: str) -> tuple[tuple[str, str], ...]:
    """A person's call (their ``token``) that this service vouches for with its own ``service_token``
    (:attr:`vanthu_core.policy.Access.vouched_by`): the callee knows it comes through this service."""
    from vanthu_core.policy import VIA_HEADER

    return (("authorization", f"Bearer {token}"), (VIA_HEADER, f"Bearer {service_token}"))


#: Statuses that tell a failure of the call rather than the callee's verdict.
_TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL,
                        grpc.StatusCode.UNKNOWN, grpc.StatusCode.CANCELLED, grpc.StatusCode.RESOURCE_EXHAUSTED,
                        grpc.StatusCode.UNIMPLEMENTED})


#: The refusals a person caused (a field, a state, a permission, something missing, someone else's edit): the callee
#: already says in its own words what to do, so they reach the person without the service's name in front (issue 14:
#: "Chưa trình ký được. …", not "Dịch vụ văn bản: Chưa trình ký được. …").
PERSON_CODES = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE,
                          grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND,
                          grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.ALREADY_EXISTS,
                          grpc.StatusCode.ABORTED})


def domain_error(error: grpc.aio.AioRpcError, prefix: str = "") -> DomainError:
    """Another service's refusal as this service's :class:`DomainError` (same status, the field kept), so the
    caller sees what the callee said. ``prefix`` says which service or what was being done ("Dịch vụ ký số: ") and
    is put in front of an outage only: a refusal the person caused (:data:`PERSON_CODES`) is passed on in the
    callee's own words, the same rule for every service's refusals.

    A failure gRPC itself describes (the callee unreachable, out of time, failing unexpectedly: UNAVAILABLE,
    DEADLINE_EXCEEDED, INTERNAL, UNKNOWN…, with no Vietnamese text of a service's own) is told in Vietnamese with
    what to do; gRPC's own words (the cluster's addresses, ports and names) go to the log only, never to the person.
    """
    from vanthu_core.grpc_server import field_violations
    from vanthu_core.labels import is_vietnamese
    from vanthu_core.text import excerpt

    code = error.code()
    if code in PERSON_CODES:
        prefix = ""
    detail = prefix + (error.details() or code.name.lower())
    if code in _TRANSIENT and not is_vietnamese(error.details() or ""):
        log.warning("a call to another service failed", extra={
            "code": code.name, "prefix": prefix, "details": excerpt(error.details() or "", 500)})
        detail = f"{prefix}{'dịch vụ' if prefix else 'Dịch vụ'} tạm thời không phản hồi, hãy thử lại sau ít phút."
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        violations = field_violations(error)
        if violations:
            return InvalidArgument(violations[0][0], prefix + violations[0][1])
        return InvalidArgument("request", detail)
    return _REFUSALS.get(code, Unavailable)(detail)


#: A callee's status as the :class:`DomainError` raised for it (the rest: Unavailable, retried).
_REFUSALS: dict[grpc.StatusCode, type[DomainError]] = {
    grpc.StatusCode.NOT_FOUND: NotFound, grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated, grpc.StatusCode.ALREADY_EXISTS: Conflict,
    grpc.StatusCode.ABORTED: Conflict, grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.DATA_LOSS: FailedPrecondition}


def item_error(code: int, message: str, field: str = "", prefix: str = "") -> DomainError:
    """What one item of another service's batch call met (a gRPC status ``code`` with its ``message`` and the
    ``field`` at fault, e.g. storage's ``ItemError``) as the :class:`DomainError` :func:`domain_error` raises for the
    same refusal of the single call; ``prefix`` as there."""
    status = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    if status in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE):
        return InvalidArgument(field or "request", prefix + message, names_field=True)
    return _REFUSALS.get(status, Unavailable)(prefix + message)
