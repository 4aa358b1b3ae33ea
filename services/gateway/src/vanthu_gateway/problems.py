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
from vanthu_core.labels import is_vietnamese
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

#: Each status in words, in Vietnamese (a civil servant may see the title where a problem has no detail).
TITLES = {400: "Yêu cầu không hợp lệ", 401: "Chưa đăng nhập", 403: "Không có quyền", 404: "Không tìm thấy",
          409: "Xung đột dữ liệu", 413: "Dữ liệu gửi lên quá lớn", 416: "Đoạn tệp yêu cầu không có",
          422: "Không thực hiện được ở trạng thái hiện tại", 429: "Quá nhiều yêu cầu",
          499: "Yêu cầu đã bị hủy", 500: "Lỗi hệ thống", 501: "Chưa hỗ trợ", 502: "Dịch vụ phía sau bị lỗi",
          503: "Dịch vụ tạm thời không sẵn sàng", 504: "Quá thời gian chờ"}

#: Starlette's own refusals (no such route, method not allowed…), told in Vietnamese instead of its English phrase.
HTTP_TEXTS = {404: "Không có đường dẫn này: hãy kiểm tra lại địa chỉ.",
              405: "Đường dẫn này không nhận thao tác đó.",
              406: "Không trả được dữ liệu ở dạng yêu cầu.",
              415: "Kiểu dữ liệu gửi lên không được nhận ở đây."}

#: Pydantic's error types (a request body or query the gateway refuses itself) → a Vietnamese reason; ``{…}`` are
#: filled from the error's context (``ctx``).
_VALIDATION_TEXTS = {
    "missing": "chưa nhập: đây là thông tin bắt buộc",
    "string_type": "phải là chuỗi ký tự", "int_type": "phải là số nguyên", "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên", "float_type": "phải là số", "float_parsing": "phải là số",
    "bool_type": "phải là đúng hoặc sai (true/false)", "bool_parsing": "phải là đúng hoặc sai (true/false)",
    "string_too_long": "dài quá {max_length} ký tự", "string_too_short": "phải có ít nhất {min_length} ký tự",
    "too_long": "có quá {max_length} mục", "too_short": "phải có ít nhất {min_length} mục",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}", "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "greater_than": "phải lớn hơn {gt}", "less_than": "phải nhỏ hơn {lt}",
    "literal_error": "phải là một trong {expected}", "enum": "phải là một trong {expected}",
    "string_pattern_mismatch": "không đúng dạng yêu cầu", "uuid_parsing": "phải là mã UUID",
    "uuid_type": "phải là mã UUID", "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD", "date_type": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm theo ISO 8601",
    "datetime_from_date_parsing": "phải là thời điểm theo ISO 8601",
    "list_type": "phải là danh sách", "dict_type": "phải là một đối tượng", "model_type": "phải là một đối tượng",
    "model_attributes_type": "phải là một đối tượng", "json_invalid": "không phải JSON hợp lệ",
    "extra_forbidden": "không được nhận ở đây: hãy bỏ trường này", "url_parsing": "phải là địa chỉ URL",
}


def validation_text(error: dict[str, Any]) -> str:
    """The Vietnamese reason of one pydantic validation error (its ``type``, ``ctx`` and ``msg``); a value error of
    the gateway's own validators is already Vietnamese; an unknown type keeps pydantic's text after a Vietnamese
    lead-in."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return excerpt(str(ctx["error"]), MAX_DETAIL_CHARS)
    template = _VALIDATION_TEXTS.get(kind)
    if template is None:
        return "giá trị không hợp lệ (" + excerpt(str(error.get("msg", kind)), MAX_DETAIL_CHARS) + ")"
    values = {k: excerpt(str(v), 200) for k, v in ctx.items()}
    if "expected" in values:  # pydantic lists the choices in English: "'a', 'b' or 'c'"
        values["expected"] = " hoặc ".join(values["expected"].rsplit(" or ", 1))
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template.split(" {")[0]


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
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Lỗi"), "status": status,
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


#: The statuses of an outage (the callee unreachable, out of time, overloaded): told in a service's own Vietnamese
#: words when it gave some, else with :data:`OUTAGE_TEXT` (never gRPC's English, which names the cluster's inside).
OUTAGES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                     grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNIMPLEMENTED})
OUTAGE_TEXT = "Dịch vụ tạm thời không phản hồi, hãy thử lại sau ít phút."


def problem_from_rpc(error: grpc.aio.AioRpcError, request: Request) -> JSONResponse:
    status = http_status(error)
    errors = [{"field": f, "detail": d} for f, d in field_violations(error)]
    detail = error.details() or error.code().name
    if status == 413:
        detail = "Dữ liệu gửi lên lớn hơn mức dịch vụ nhận trong một lần: hãy gửi tệp nhỏ hơn hoặc chia nhỏ yêu cầu."
    elif error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
        reference = _REFERENCE.search(detail)
        detail = ("Hệ thống gặp lỗi ngoài dự kiến và đã ghi lại; hãy thử lại sau, nếu vẫn lỗi hãy báo quản trị hệ "
                  "thống" + (f" (mã tra cứu {reference.group(1)})." if reference else "."))
    elif status == 502:
        detail = "Một dịch vụ phía sau bị lỗi: hãy thử lại sau ít phút."
    elif error.code() in OUTAGES and not is_vietnamese(detail):
        # gRPC's own words of an outage name the cluster's addresses, ports and names: the log keeps them
        detail = OUTAGE_TEXT
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, detail, request=request, errors=errors or None, headers=headers)
