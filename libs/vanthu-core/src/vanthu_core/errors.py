"""Domain errors shared by every service.

Services raise these; the gRPC interceptor (:mod:`vanthu_core.grpc_server`) turns them into status
codes with ``google.rpc.BadRequest`` field details, and the gateway turns those into problem+json.
Messages are Vietnamese (NFC), in the clerks' terms, name the field as the screen does and say what would be accepted
or what to do next; they keep the values that help (numbers, codes) and never echo unbounded input. Operators' logs
may stay English.
"""

from __future__ import annotations

import grpc

from vanthu_core.labels import field_label


class DomainError(Exception):
    """Base of every error a caller can cause or see; ``code`` is the gRPC status it maps to."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """The caller sent something that cannot be accepted; ``field`` names it as the API does (dotted path, kept for
    integrators), ``reason`` says in Vietnamese what is wrong and what would be accepted. The message a person reads
    starts with the field's name as the screen says it (:func:`vanthu_core.labels.field_label`): "Trích yếu: dài 812
    ký tự; chỉ nhận tối đa 500 ký tự". A reason that is a whole sentence naming the field itself (a library's
    Vietnamese problems: "Số và ký hiệu hồ sơ …") says so with ``names_field`` and is the message as it is."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, reason: str, *, names_field: bool = False) -> None:
        super().__init__(reason if names_field else f"{field_label(field)}: {reason}")
        self.field = field
        self.reason = reason


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class Conflict(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class Aborted(Conflict):
    """Someone changed the thing first (optimistic concurrency: the version the caller read is stale); read it
    again and retry."""

    code = grpc.StatusCode.ABORTED


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
