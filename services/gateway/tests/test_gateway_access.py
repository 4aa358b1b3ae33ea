"""Every ``/api/v1`` route declares the gRPC methods it calls, and its OpenAPI operation shows who may call it as the
access table (:data:`vanthu_core.policy.TABLE`) says: ``x-roles``, ``x-grpc-methods`` and the description."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from vanthu_core import policy
from vanthu_core.auth import ROLES
from vanthu_core.settings import CommonSettings
from vanthu_gateway.access import calls
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(GatewaySettings(), CommonSettings())


def operations(app: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    document = app.openapi()
    return {(verb.upper(), path): op for path, item in document["paths"].items() if path.startswith("/api/v1")
            for verb, op in item.items()}


def test_every_api_route_declares_the_grpc_methods_it_calls(app: FastAPI) -> None:
    ops = operations(app)
    assert len(ops) >= 38
    assert sorted(f"{verb} {path}" for (verb, path), op in ops.items() if "x-grpc-methods" not in op) == []


def test_each_operation_shows_the_roles_the_table_allows_for_every_method_it_calls(app: FastAPI) -> None:
    for (verb, path), op in operations(app).items():
        methods = op["x-grpc-methods"]
        assert all(m in policy.TABLE for m in methods)
        gateway_client = "the gateway calls with its own client" in op["description"]
        expected = set() if gateway_client else policy.roles_of(methods)
        assert set(op["x-roles"]) == expected, f"{verb} {path}"
        assert "**Who may call**" in op["description"], f"{verb} {path}"


def test_creating_the_application_twice_documents_each_route_once() -> None:
    create_app(GatewaySettings(), CommonSettings())  # the routers are module-level: documented on the first
    again = operations(create_app(GatewaySettings(), CommonSettings()))
    assert again[("POST", "/api/v1/documents/{document_id}/sign")]["description"].count("**Who may call**") == 1


@pytest.mark.parametrize(("verb", "path", "roles"), [
    ("POST", "/api/v1/documents/{document_id}/sign", ["leader", "head"]),
    ("POST", "/api/v1/documents/{document_id}/issue", ["clerk"]),
    ("POST", "/api/v1/signing/copy", ["clerk"]),
    ("PUT", "/api/v1/agencies/{code}", ["admin"]),
    ("GET", "/api/v1/documents", list(policy.ROLE_NAMES)),
    ("GET", "/api/v1/files/{object_id}/shared", []),
])
def test_the_documented_roles_of_some_routes(app: FastAPI, verb: str, path: str, roles: list[str]) -> None:
    assert operations(app)[(verb, path)]["x-roles"] == roles


def test_cases_and_rules_are_documented_beside_the_roles(app: FastAPI) -> None:
    ops = operations(app)
    create = ops[("POST", "/api/v1/documents")]
    assert create["x-role-cases"] == {"CreateDocument.incoming": ["clerk"]}
    assert "case `incoming`: clerk only" in create["description"]
    assert "only the document's drafter submits it" in ops[("POST", "/api/v1/documents/{document_id}/submit")][
        "description"]
    delete = ops[("DELETE", "/api/v1/files/{object_id}")]
    assert set(delete["x-roles"]) == ROLES and delete["x-role-cases"] == {
        "Delete.not_uploader": ["clerk", "archivist", "admin"]}
    shared = ops[("GET", "/api/v1/files/{object_id}/shared")]["description"]
    assert "no token" in shared and "vanthu-gateway" in shared
    upload = ops[("POST", "/api/v1/files")]
    assert upload["requestBody"]["content"]["multipart/form-data"]  # the route's own openapi_extra is kept
    assert upload["description"].startswith("The form is parsed while it arrives")  # and its docstring


def test_a_route_cannot_declare_a_method_the_table_does_not_list() -> None:
    with pytest.raises(ValueError, match="not in the access table"):
        calls("vanthu.registry.v1.DocumentService/DeleteEverything")
    with pytest.raises(ValueError, match="does not let vanthu-gateway call"):
        calls(policy.DOCUMENTS + "GetDocument", client="vanthu-gateway")
