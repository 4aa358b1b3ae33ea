"""The OpenAPI document tells what the gateway answers, errors included (the web client is generated from it).

FastAPI documents a validation error on each route as a 422 ``HTTPValidationError`` in ``application/json``; the
gateway never sends that: it answers every refusal and failure with ``application/problem+json`` (RFC 9457, see
:mod:`vanthu_gateway.problems`): 400 for invalid input naming each field, 422 for unknown fields or a state that
forbids the action, 401, 403, 404, 409, 413, 416, 429, and 500, 502, 503 (with ``Retry-After``), 504. So the document
is rewritten once, here: each ``/api`` operation has ``4XX`` and ``5XX`` responses with the ``Problem`` schema, an
error status a route names itself without saying its content (such as the import's 422) gets that schema too, and
FastAPI's validation-error schemas are dropped.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from vanthu_gateway.problems import Problem

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
RANGES = {
    "4XX": "Refused, nothing changed (problem+json): 400 invalid input (each field in `errors`), 401 no valid token, "
           "403 not allowed for your roles or agency, 404 not found (or not your agency's), 409 conflict, 413 too "
           "large, 416 range not satisfiable, 422 unknown fields or a state that forbids it, 429 too many requests",
    "5XX": "The platform failed (problem+json): 500 with a reference to the log, 502 a service answered wrongly, "
           "503 a service or the identity provider is unavailable (Retry-After), 504 a service was too slow",
}
#: FastAPI's schemas for the 422 it documents by default; the gateway sends Problem instead.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``document`` (in place, and return it) as the module's docstring says."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            responses: dict[str, Any] = operation.get("responses", {})
            default_422 = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if default_422.get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
            for status, response in responses.items():
                if status[0] in "45" and not response.get("content"):
                    response["content"] = PROBLEM_CONTENT
            if path.startswith("/api/"):
                for status, description in RANGES.items():
                    responses.setdefault(status, {"description": description, "content": PROBLEM_CONTENT})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the rewritten document (built once, as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
