"""problem+json (RFC 9457) for every error the gateway returns, mapped from gRPC statuses."""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import Request
from fastapi.responses import JSONResponse

from vanthu_core.grpc_server import field_violations

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 422,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}

TITLES = {400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found", 409: "Conflict",
          413: "Payload too large", 422: "Unprocessable", 429: "Too many requests", 500: "Internal error",
          501: "Not implemented", 503: "Service unavailable", 504: "Deadline exceeded"}


def problem(status: int, detail: str, *, request: Request | None = None,
            errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
                            "detail": detail}
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def problem_from_rpc(error: grpc.aio.AioRpcError, request: Request) -> JSONResponse:
    status = HTTP_STATUS.get(error.code(), 502)
    errors = [{"field": f, "detail": d} for f, d in field_violations(error)]
    detail = error.details() or error.code().name
    if status == 502:
        detail = "a downstream service failed"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, detail, request=request, errors=errors or None, headers=headers)
