"""The gateway application: middleware, error mapping, health, and the routers."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from vanthu.interchange.v1 import interchange_pb2, interchange_pb2_grpc
from vanthu.records.v1 import records_pb2, records_pb2_grpc
from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc, registry_pb2, registry_pb2_grpc
from vanthu.search.v1 import search_pb2, search_pb2_grpc
from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from vanthu_core.auth import JwksVerifier, Principal
from vanthu_core.clients import WEB
from vanthu_core.errors import DomainError, InvalidArgument
from vanthu_core.grpc_client import create_channel
from vanthu_core.grpc_server import current_trace_id
from vanthu_core.labels import field_label
from vanthu_core.service_token import ServiceTokens
from vanthu_core.settings import CommonSettings
from vanthu_core.telemetry import instrument_fastapi
from vanthu_core.text import excerpt
from vanthu_gateway import openapi, web
from vanthu_gateway.access import calls, document_routes
from vanthu_gateway.middleware import BodyLimitMiddleware, RequestIdMiddleware
from vanthu_gateway.problems import HTTP_STATUS, HTTP_TEXTS, problem, problem_from_rpc, validation_text
from vanthu_gateway.routes import (
    agencies,
    deliveries,
    documents,
    files,
    notifications,
    records,
    registers,
    search,
    signing,
    units,
    workflow,
)
from vanthu_gateway.settings import GatewaySettings

log = logging.getLogger("vanthu.gateway")


@dataclass
class Clients:
    """gRPC stubs of the services the gateway fronts; ``channels`` keyed by service name."""

    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    registry: Any = None
    documents: Any = None
    storage: Any = None
    signing: Any = None
    interchange: Any = None
    workflow: Any = None
    search: Any = None
    records: Any = None

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close(grace=None)


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    services: dict[str, str] = Field(description="each service's gRPC health: SERVING, or why not (UNAVAILABLE...)")


#: FastAPI's text when a JSON body cannot be decoded at all (json.loads raising, e.g. RecursionError).
BODY_PARSE_ERROR = "There was an error parsing the body"


def create_app(settings: GatewaySettings, common: CommonSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = Clients()
        targets = {"registry": (settings.registry_target, [registry_pb2, documents_pb2]),
                   "storage": (settings.storage_target, [storage_pb2]),
                   "signing": (settings.signing_target, [signing_pb2]),
                   "interchange": (settings.interchange_target, [interchange_pb2]),
                   "workflow": (settings.workflow_target, [workflow_pb2]),
                   "search": (settings.search_target, [search_pb2]),
                   "records": (settings.records_target, [records_pb2])}
        for name, (target, modules) in targets.items():
            if target:
                clients.channels[name] = create_channel(
                    target, services=[s for m in modules for s in m.DESCRIPTOR.services_by_name.values()],
                    deadline_s=settings.call_deadline_s,
                    # records' packages and forms travel whole (export and import, at most 64 MiB)
                    max_message_bytes=(80 if name == "records" else 16) * 1024 * 1024)
        clients.registry = registry_pb2_grpc.RegistryServiceStub(clients.channels["registry"])
        clients.documents = documents_pb2_grpc.DocumentServiceStub(clients.channels["registry"])
        if "storage" in clients.channels:
            clients.storage = storage_pb2_grpc.StorageServiceStub(clients.channels["storage"])
        if "signing" in clients.channels:
            clients.signing = signing_pb2_grpc.SigningServiceStub(clients.channels["signing"])
        if "interchange" in clients.channels:
            clients.interchange = interchange_pb2_grpc.InterchangeServiceStub(clients.channels["interchange"])
        if "workflow" in clients.channels:
            clients.workflow = workflow_pb2_grpc.WorkflowServiceStub(clients.channels["workflow"])
        if "search" in clients.channels:
            clients.search = search_pb2_grpc.SearchServiceStub(clients.channels["search"])
        if "records" in clients.channels:
            clients.records = records_pb2_grpc.RecordsServiceStub(clients.channels["records"])
        app.state.settings = settings
        app.state.link_secret = settings.download_link_secret.get_secret_value().encode() or secrets.token_bytes(32)
        app.state.service_tokens = ServiceTokens.of(common, "gateway")
        app.state.clients = clients
        app.state.verifier = JwksVerifier(common.oidc_issuer, audience=common.oidc_audience or None)
        yield
        await clients.close()
        await app.state.verifier.aclose()

    app = FastAPI(title="VanThu API", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="REST API of VanThu for web and mobile front ends. Every /api/v1 route takes an "
                              "`Authorization: Bearer <token>` from the identity issuer (Keycloak in production). "
                              "Errors are application/problem+json (RFC 9457) naming the field at fault.")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       large_max_bytes=settings.max_upload_bytes,
                       large_paths=("/api/v1/files", "/api/v1/records/import"))
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID"])
    app.add_middleware(RequestIdMiddleware)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def on_rpc_error(request: Request, error: grpc.aio.AioRpcError) -> JSONResponse:
        response = problem_from_rpc(error, request)
        if response.status_code >= 500:
            log.warning("downstream call failed", extra={"code": error.code().name, "path": request.url.path,
                                                         "status": response.status_code,
                                                         "details": excerpt(error.details() or "", 500)})
        return response

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> JSONResponse:
        status = HTTP_STATUS.get(error.code, 400)
        errors = [{"field": error.field, "detail": error.reason}] if isinstance(error, InvalidArgument) else None
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return problem(status, error.message, request=request, errors=errors, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        """400 naming each field at fault; 422 when the body has fields the route does not take (a client's typo
        or a field of another version must not pass unnoticed, issue 11 item 16)."""
        errors = [{"field": "body", "detail": f"không phải JSON hợp lệ (lỗi ở ký tự thứ {e['loc'][-1]})",
                   "type": e["type"]} if e["type"] == "json_invalid" else  # its loc is ("body", <offset>)
                  {"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "detail": validation_text(e),
                   "type": e["type"]} for e in error.errors()]
        unknown = [e["field"] for e in errors if e["type"] == "extra_forbidden"]
        listed = [{"field": e["field"], "detail": e["detail"]} for e in errors]
        if unknown:
            return problem(422, "Yêu cầu có trường không được nhận ở đây: " + ", ".join(
                excerpt(f, 100) for f in unknown[:20]), request=request, errors=listed)
        return problem(400, "Yêu cầu chưa hợp lệ: " + "; ".join(f"{field_label(e['field'])}: {e['detail']}"
                                                                for e in listed), request=request, errors=listed)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        """Starlette's own refusals (404 no route, 405 with the ``Allow`` header RFC 9110 requires) as problems; a
        page of the web application where no route answers a GET outside the API (``web.app_response``)."""
        if error.status_code == 404 and (page := web.app_response(request)) is not None:
            return page
        detail = HTTP_TEXTS.get(error.status_code, str(error.detail))
        if error.status_code == 400 and error.detail == BODY_PARSE_ERROR:  # FastAPI's, e.g. JSON nested too deep
            detail = "Không đọc được nội dung gửi lên: JSON không hợp lệ hoặc lồng nhau quá sâu."
        return problem(error.status_code, detail, request=request, headers=error.headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        reference = current_trace_id() or uuid.uuid4().hex
        log.error("unexpected error", exc_info=error, extra={"path": request.url.path, "reference": reference})
        return problem(500, "Hệ thống gặp lỗi ngoài dự kiến và đã ghi lại; hãy thử lại sau, nếu vẫn lỗi hãy báo quản "
                       f"trị hệ thống (mã tra cứu {reference}).",
                       request=request)

    @app.get("/healthz", tags=["health"], summary="The gateway process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Every configured service answers its gRPC health check",
             response_model=Readiness, responses={503: {"model": Readiness, "description": "a service is not serving"}})
    async def readyz(request: Request) -> JSONResponse:
        results: dict[str, str] = {}
        for name, channel in request.app.state.clients.channels.items():
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
                results[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.aio.AioRpcError as error:
                results[name] = error.code().name
        ready = all(v == "SERVING" for v in results.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "services": results},
                            status_code=200 if ready else 503)

    from fastapi import Depends

    from vanthu_gateway.auth import authenticated

    @app.get("/api/v1/me", tags=["identity"], summary="Who the token says you are")
    @calls(note="any authenticated caller")
    async def me(principal: Principal = Depends(authenticated)) -> dict[str, Any]:  # noqa: B008
        return {"subject": principal.subject, "username": principal.username, "name": principal.name,
                "agency": principal.agency, "roles": sorted(principal.roles)}

    openapi.install(app)
    web.install(app, web_dir=settings.web_dir, authority=settings.web_oidc_authority or common.oidc_issuer,
                client_id=WEB, signing_tool=settings.web_signing_tool_url)
    # who may call each route, from the access table (the operation's description and x-roles)
    document_routes(app.routes)
    for router in (agencies.router, units.router, documents.router, registers.router, files.router, signing.router,
                   deliveries.router, workflow.router, notifications.router, search.router, records.router):
        document_routes(router.routes)
        app.include_router(router)
    instrument_fastapi(app)
    return app
