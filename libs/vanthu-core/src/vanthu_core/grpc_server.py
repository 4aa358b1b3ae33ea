"""gRPC server bootstrap: health, reflection, graceful shutdown and the standard interceptor.

The interceptor authenticates every call (except health and reflection) with the caller's bearer token, refuses the
call unless the access table (:mod:`vanthu_core.policy`) lets that caller call that method (a method the table does
not list is refused), makes the principal available through :func:`vanthu_core.auth.current_principal`, logs the
call, and turns :class:`~vanthu_core.errors.DomainError` into a gRPC status with ``google.rpc.BadRequest`` field
details. Anything else a servicer raises is a bug: it is logged with its traceback and the trace id, and the caller
gets INTERNAL with a generic message naming that trace id (never the exception's class or text, which may carry
internals). Messages and field details are cut to :data:`MAX_DETAIL_BYTES` so that an error quoting a long input
still fits gRPC's trailers (issue 11, items 10 and 14).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import trace

from vanthu_core import policy
from vanthu_core.auth import JwksVerifier, Principal, bearer_token, reset_principal, set_principal
from vanthu_core.errors import DomainError, InvalidArgument, PermissionDenied, Unauthenticated, Unavailable
from vanthu_core.text import clip_utf8

log = logging.getLogger("vanthu.grpc")

PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
#: Bounds of what a status carries, in UTF-8 bytes. The message travels twice (``grpc-message``, percent-encoded:
#: up to 3 bytes per byte, and inside ``grpc-status-details-bin``, base64), so 600 + 600 + 200 bytes stay well
#: under gRPC's default 8 KiB metadata limit, past which the caller would see RESOURCE_EXHAUSTED instead.
MAX_DETAIL_BYTES = 600
MAX_FIELD_BYTES = 200


def status_for(error: DomainError) -> grpc.Status:
    """The rich status of a domain error (field violations for :class:`InvalidArgument`), its texts cut to
    :data:`MAX_DETAIL_BYTES` (field names to :data:`MAX_FIELD_BYTES`)."""
    status = status_pb2.Status(code=getattr(code_pb2, error.code.name),
                               message=clip_utf8(error.message, MAX_DETAIL_BYTES))
    if isinstance(error, InvalidArgument):
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.BadRequest(field_violations=[error_details_pb2.BadRequest.FieldViolation(
            field=clip_utf8(error.field, MAX_FIELD_BYTES), description=clip_utf8(error.reason, MAX_DETAIL_BYTES))]))
        status.details.append(detail)
    return rpc_status.to_status(status)


def current_trace_id() -> str | None:
    """The W3C trace id of the current span (32 hex digits), or None outside a trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


#: How long a caller's connection lives (ms) before the server asks it to reconnect, so the connections of long-lived
#: callers spread over replicas the autoscaler adds (a Kubernetes Service balances connections, not calls).
MAX_CONNECTION_AGE_MS = 300_000
#: How long calls under way on a closing connection may still run (ms).
MAX_CONNECTION_AGE_GRACE_MS = 600_000

class InternalError(DomainError):
    """What the caller is told about a bug: nothing but where to look in the logs."""

    code = grpc.StatusCode.INTERNAL

    def __init__(self, reference: str) -> None:
        super().__init__(f"an internal error occurred; it has been logged (reference {reference})")
        self.reference = reference


def field_violations(error: grpc.aio.AioRpcError | grpc.RpcError) -> list[tuple[str, str]]:
    """Read back ``(field, description)`` pairs from a failed call (client side)."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    result: list[tuple[str, str]] = []
    if status is None:
        return result
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            result.extend((v.field, v.description) for v in bad.field_violations)
    return result


class VanthuServerInterceptor(grpc.aio.ServerInterceptor):
    """Authentication, the access table's check, principal context, error mapping and access logging for every
    RPC. ``access`` is the table to check (:data:`vanthu_core.policy.TABLE`; a test server of its own passes its
    own)."""

    def __init__(self, verifier: JwksVerifier | None, service: str,
                 access: Mapping[str, policy.Access] = policy.TABLE) -> None:
        self.verifier = verifier
        self.service = service
        self.access = access

    def _authorize(self, method: str, principal: Principal) -> None:
        """Refuse before the servicer runs unless the table lets ``principal`` call ``method`` (a method without an
        entry is refused); the servicer's :func:`vanthu_core.policy.require` applies the cases and resource rules."""
        entry = self.access.get(method.lstrip("/"))
        if entry is None:
            log.error("a method without an entry in the access table was called", extra={"method": method})
            raise PermissionDenied(f"Thao tác {method} chưa có trong bảng phân quyền nên bị từ chối: báo quản trị hệ "
                                   "thống.")
        policy.check(entry, principal, method, deputies=None)  # a delegable entry: the service decides on deputies

    async def _voucher(self, context: grpc.aio.ServicerContext, method: str, principal: Principal) -> str:
        """The client id of the service vouching for a person's call (:data:`vanthu_core.policy.VIA_HEADER`, its
        token verified like the caller's and admitted by the entry's ``vouched_by``); "" when none was sent.
        PermissionDenied for a voucher the entry does not name, or beside a service's own call."""
        value = dict(context.invocation_metadata() or ()).get(policy.VIA_HEADER)
        if not value:
            return ""
        if self.verifier is None or principal.is_service:
            raise PermissionDenied("Chỉ lời gọi thay mặt một người mới kèm mã bảo lãnh của dịch vụ.")
        voucher = await self.verifier.verify(bearer_token(value if isinstance(value, str) else None))
        return policy.check_voucher(self.access[method.lstrip("/")], voucher, method)

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(PUBLIC_PREFIXES):
            return handler
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_unary(handler.stream_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        return grpc.stream_stream_rpc_method_handler(
            self._wrap_stream(handler.stream_stream, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)

    async def _authenticate(self, context: grpc.aio.ServicerContext) -> Any:
        if self.verifier is None:
            raise Unauthenticated("Máy chủ chưa được cấu hình kiểm tra mã xác thực: báo quản trị hệ thống.")
        metadata = dict(context.invocation_metadata() or ())
        value = metadata.get("authorization")
        token = bearer_token(value if isinstance(value, str) else None)
        return await self.verifier.verify(token)

    async def _fail(self, context: grpc.aio.ServicerContext, method: str, error: DomainError, started: float,
                    subject: str | None) -> None:
        level = logging.WARNING if isinstance(error, Unauthenticated | Unavailable) else logging.INFO
        log.log(level, "rpc refused", extra={"method": method, "code": error.code.name,
                                             "reason": clip_utf8(error.message, MAX_DETAIL_BYTES), "subject": subject,
                                             "ms": round((time.perf_counter() - started) * 1e3, 2)})
        status = status_for(error)
        await context.abort(status.code, status.details, status.trailing_metadata)

    async def _crash(self, context: grpc.aio.ServicerContext, method: str, error: Exception, started: float,
                     subject: str | None) -> None:
        """A servicer raised something that is not a domain error: log it whole, answer INTERNAL generically."""
        trace_id = current_trace_id()
        reference = trace_id or uuid.uuid4().hex  # the trace id, which finds every log line of the call
        log.error("rpc failed with an unexpected error", exc_info=error,
                  extra={"method": method, "code": "INTERNAL", "trace_id": trace_id, "reference": reference,
                         "subject": subject, "ms": round((time.perf_counter() - started) * 1e3, 2)})
        status = status_for(InternalError(reference))
        await context.abort(status.code, status.details, status.trailing_metadata)

    def _wrap_unary(self, behavior: Callable[..., Awaitable[Any]], method: str) -> Callable[..., Awaitable[Any]]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            subject = None
            try:
                principal = await self._authenticate(context)
                subject = principal.subject
                self._authorize(method, principal)
                via = policy.enter_via(await self._voucher(context, method, principal))
                token, entered = set_principal(principal), policy.enter(method)
                try:
                    response = await behavior(request, context)
                finally:
                    policy.leave(entered)
                    reset_principal(token)
                    policy.leave_via(via)
            except grpc.aio.AbortError:
                raise  # the servicer ended the call itself with context.abort
            except DomainError as error:
                await self._fail(context, method, error, started, subject)
                raise AssertionError("unreachable: context.abort raises") from error
            except Exception as error:
                await self._crash(context, method, error, started, subject)
                raise AssertionError("unreachable: context.abort raises") from error
            log.debug("rpc", extra={"method": method, "subject": subject,
                                    "ms": round((time.perf_counter() - started) * 1e3, 2)})
            return response

        return wrapped

    def _wrap_stream(
        self, behavior: Callable[..., AsyncIterator[Any]], method: str
    ) -> Callable[..., AsyncIterator[Any]]:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            subject = None
            try:
                principal = await self._authenticate(context)
                subject = principal.subject
                self._authorize(method, principal)
                via = policy.enter_via(await self._voucher(context, method, principal))
                token, entered = set_principal(principal), policy.enter(method)
                try:
                    async for item in behavior(request, context):
                        yield item
                finally:
                    policy.leave(entered)
                    reset_principal(token)
                    policy.leave_via(via)
            except grpc.aio.AbortError:
                raise
            except DomainError as error:
                await self._fail(context, method, error, started, subject)
            except Exception as error:
                await self._crash(context, method, error, started, subject)

        return wrapped


class GrpcServer:
    """An asyncio gRPC server with standard health checking, reflection and graceful shutdown."""

    def __init__(self, *, service: str, host: str, port: int, verifier: JwksVerifier | None,
                 service_names: Sequence[str], max_message_bytes: int = MAX_MESSAGE_BYTES,
                 access: Mapping[str, policy.Access] = policy.TABLE) -> None:
        from opentelemetry.instrumentation.grpc import aio_server_interceptor

        self.service = service
        self.host = host
        self.requested_port = port
        self.service_names = list(service_names)
        self.server = grpc.aio.server(
            interceptors=[aio_server_interceptor(), VanthuServerInterceptor(verifier, service, access)],
            options=[("grpc.max_receive_message_length", max_message_bytes),
                     ("grpc.max_send_message_length", max_message_bytes),
                     ("grpc.so_reuseport", 0),
                     # callers move to new replicas: a connection is closed after 5 minutes (GOAWAY: new calls go on
                     # a new connection, balanced again), calls under way get 10 more (a watched stream reconnects)
                     ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
                     ("grpc.max_connection_age_grace_ms", MAX_CONNECTION_AGE_GRACE_MS)],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.port = 0

    async def start(self) -> int:
        """Bind, enable reflection, start, and mark every service SERVING; return the bound port."""
        reflection.enable_server_reflection(
            [*self.service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME], self.server)
        self.port = self.server.add_insecure_port(f"{self.host}:{self.requested_port}")
        if self.port == 0:
            raise RuntimeError(f"cannot listen on {self.host}:{self.requested_port}")
        await self.server.start()
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("gRPC server listening", extra={"address": f"{self.host}:{self.port}", "grpc_service": self.service})
        return self.port

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop taking calls (health goes NOT_SERVING), let in-flight calls finish for ``grace_s``."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace_s)
