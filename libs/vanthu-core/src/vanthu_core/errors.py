"""Domain errors shared by every service.

Services raise these; the gRPC interceptor (:mod:`vanthu_core.grpc_server`) turns them into status
codes with ``google.rpc.BadRequest`` field details, and the gateway turns those into problem+json.
Messages name the field and say what would be accepted.
"""

from __future__ import annotations

import grpc


class DomainError(Exception):
    """Base of every error a caller can cause or see; ``code`` is the gRPC status it maps to."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """The caller sent something that cannot be accepted; ``field`` names it (dotted path)."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
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
