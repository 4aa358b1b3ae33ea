"""problem+json (RFC 9457) for every error the gateway returns, mapped from gRPC statuses.

Each gRPC status maps to the HTTP status its meaning calls for, as ``google.rpc.Code`` documents it
(googleapis/google/rpc/code.proto, "HTTP Mapping"), with two deliberate refinements:

- FAILED_PRECONDITION is 422 (the request is understood but the resource's state forbids it: "not signed
  yet", "still referenced"), where Google says 400;
- RESOURCE_EXHAUSTED is 413 when gRPC refused the request message as too large, 502 when the service's answer
  was too large for the gateway, and 429 otherwise (a quota or rate limit).

Problem texts never echo unbounded input: ``detail`` and each error's field and text are cut (issue 11, item 14).
Errors of the platform itself (INTERNAL, UNKNOWN) are told generically, with the reference to look up in the logs.
"""

from __future__ import annotations

import re
from typing import Any

import grpc
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vanthu_core.grpc_server import field_violations
from vanthu_core.text import excerpt

HTTP_STATUS = {
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 422,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}

TITLES = {400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found", 409: "Conflict",
          413: "Payload too large", 416: "Range not satisfiable", 422: "Unprocessable", 429: "Too many requests",
          499: "Client closed request", 500: "Internal error", 501: "Not implemented", 502: "Bad gateway",
          503: "Service unavailable", 504: "Deadline exceeded"}

#: How much of a text a problem carries (characters), and how many field errors.
MAX_DETAIL_CHARS = 500
MAX_FIELD_CHARS = 100
MAX_ERRORS = 50
#: Seconds a client should wait before retrying a 503 (the identity issuer's or a service's blip).
RETRY_AFTER_S = 5

#: gRPC's own refusal of a request over the size limit, by the service ("SERVER: Received message larger than max
#: (9000000 vs. 8388608)") or already by the gateway's channel ("CLIENT: Sent message larger than max ..."); and
#: of an answer too large for the gateway's channel ("CLIENT: Received message larger than max ...").
_REQUEST_TOO_LARGE = re.compile(r"SERVER: Received message larger than max|Sent message larger than max")
_ANSWER_TOO_LARGE = re.compile(r"CLIENT: Received message larger than max")
_REFERENCE = re.compile(r"\(reference ([0-9a-f]{32})\)")


class FieldProblem(BaseModel):
    field: str = Field(description="the field at fault, as the request names it (a.b.0.c for nested ones)")
    detail: str = Field(description="what is wrong and what would be accepted")


class Problem(BaseModel):
    """What every refusal and failure of the gateway says (RFC 9457, ``application/problem+json``)."""

    type: str = Field(description="always about:blank: the status says what kind of problem it is")
    title: str = Field(description="the status in words")
    status: int = Field(description="the HTTP status")
    detail: str = Field(description="what went wrong, for a person (at most 500 characters)")
    instance: str | None = Field(None, description="the path requested")
    request_id: str | None = Field(None, description="the X-Request-ID of the request, to find it in the logs")
    errors: list[FieldProblem] | None = Field(None, description="one entry per field at fault (400, 422)")


def problem(status: int, detail: str, *, request: Request | None = None,
            errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem+json response; ``detail`` and ``errors`` are cut to bounded lengths."""
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
                            "detail": excerpt(detail, MAX_DETAIL_CHARS)}
    if request is not None:
        body["instance"] = excerpt(request.url.path, MAX_DETAIL_CHARS)
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = [{"field": excerpt(e["field"], MAX_FIELD_CHARS),
                           "detail": excerpt(e["detail"], MAX_DETAIL_CHARS)} for e in errors[:MAX_ERRORS]]
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def http_status(error: grpc.aio.AioRpcError) -> int:
    """The HTTP status of a failed call (see the module's docstring); 502 for a status gRPC does not define."""
    code = error.code()
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        if _REQUEST_TOO_LARGE.search(error.details() or ""):
            return 413
        if _ANSWER_TOO_LARGE.search(error.details() or ""):
            return 502
    return HTTP_STATUS.get(code, 502)


def problem_from_rpc(error: grpc.aio.AioRpcError, request: Request) -> JSONResponse:
    status = http_status(error)
    errors = [{"field": f, "detail": d} for f, d in field_violations(error)]
    detail = error.details() or error.code().name
    if status == 413:
        detail = "the request is larger than the service accepts in one message"
    elif error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
        reference = _REFERENCE.search(detail)
        detail = "a service failed unexpectedly; it has been logged" + (
            f" (reference {reference.group(1)})" if reference else "")
    elif status == 502:
        detail = "a downstream service failed"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, detail, request=request, errors=errors or None, headers=headers)
