"""The OpenAPI document says what the gateway answers (found by fuzzing every route from it): refusals and failures
are application/problem+json with one documented ``Problem`` schema (not FastAPI's 422 ``HTTPValidationError`` as
application/json, which the gateway never sends), and files and register books are documented with the media types
they come in. The problems checked here are real answers of the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from vanthu_core.ports import free_port
from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
async def api(dev_issuer: DevIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in front of a registry that is not there (so a call to it is a real 503)."""
    common = CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False)
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{free_port()}", call_deadline_s=5), common)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30) as http:
        yield http


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, operation) for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


async def test_every_route_documents_its_refusals_and_failures_as_problems(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    validate_openapi(document)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    api_operations = [(m, p, o) for m, p, o in operations(document) if p.startswith("/api/")]
    assert len(api_operations) > 30
    for method, path, operation in api_operations:
        responses = operation["responses"]
        for status in ("4XX", "5XX"):
            assert responses[status]["content"] == problem, (method, path, status)
        for status, response in responses.items():
            if status[0] in "45":
                assert response["content"] == problem, (method, path, status)
    assert "HTTPValidationError" not in str(document)
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}


async def test_files_and_books_are_documented_with_the_media_types_they_come_in(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    binary = {"schema": {"type": "string", "format": "binary"}}
    for path in ("/api/v1/files/{object_id}/content", "/api/v1/files/{object_id}/shared"):
        responses = paths[path]["get"]["responses"]
        assert responses["200"]["content"] == {"*/*": binary}, path
        assert responses["206"]["content"] == {"*/*": binary}, path
    export = paths["/api/v1/registers/{register_id}/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/pdf",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    dry_run = paths["/api/v1/registers/{register_id}/import"]["post"]["responses"]["200"]["content"]
    assert dry_run["application/json"]["schema"] == {"$ref": "#/components/schemas/ImportOut"}
    ready = paths["/readyz"]["get"]["responses"]
    assert "503" in ready and "application/json" in ready["503"]["content"]


async def test_the_problems_the_gateway_sends_are_the_documented_problem(api: httpx.AsyncClient,
                                                                       dev_issuer: DevIssuer) -> None:
    document = (await api.get("/openapi.json")).json()
    schema = {"$ref": "#/components/schemas/Problem", "components": document["components"]}
    token = {"Authorization": f"Bearer {dev_issuer.token('vanthu.ubnd')}"}
    answers = [
        await api.get("/api/v1/agencies"),  # 401: no token
        await api.get("/api/v1/agencies", params={"page_size": 0}, headers=token),  # 400 naming the field
        await api.post("/api/v1/documents", json={"type_code": "cong_van", "abstract": "x", "nope": 1},
                       headers=token),  # 422: an unknown field
        await api.request("TRACE", "/api/v1/agencies", headers=token),  # 405
        await api.get("/api/v1/nowhere", headers=token),  # 404: no such route
        await api.get("/api/v1/agencies", headers=token),  # 503: the registry is not there
    ]
    assert [a.status_code for a in answers] == [401, 400, 422, 405, 404, 503]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        jsonschema.validate(answer.json(), schema)
