"""Which gRPC methods each REST route calls, and so who may call it: the access table
(:data:`vanthu_core.policy.TABLE`) as the API documentation shows it.

Each ``/api/v1`` route declares the methods it calls with :func:`calls`; :func:`document_routes` adds to its OpenAPI
operation who may call it (the description, and ``x-roles``: the roles allowed by every method it calls) and the
methods (``x-grpc-methods``). The services check the same table themselves; the gateway only tells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from vanthu_core import policy

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class RouteAccess:
    """The gRPC methods a route calls (``vanthu.<svc>.v1.<Service>/<Method>``), with the caller's token unless
    ``client`` says the gateway calls them with its own client (a signed download link needs no token); ``note``
    describes a route that calls none."""

    methods: tuple[str, ...]
    client: str = ""
    note: str = ""

    @property
    def roles(self) -> frozenset[str]:
        """The person roles that may call the route (none for a route the gateway serves with its own client)."""
        return frozenset() if self.client else policy.roles_of(self.methods)

    def description(self) -> str:
        """Markdown for the operation: who may call, the cases and the rules of each method."""
        if self.client:
            rules = "".join(f"\n- {policy.short_name(m)}: {policy.access(m).rule}." for m in self.methods
                            if policy.access(m).rule)
            return f"**Who may call**: {self.note} (the gateway calls with its own client, {self.client}).{rules}"
        if not self.methods:
            return f"**Who may call**: {self.note}."
        return policy.describe(self.methods)


#: The attribute :func:`calls` sets on a route's endpoint.
ATTRIBUTE = "__vanthu_access__"


def calls(*methods: str, client: str = "", note: str = "") -> Callable[[F], F]:
    """Declare the gRPC methods a route's endpoint calls (put it under the router's decorator)."""
    unknown = [m for m in methods if m not in policy.TABLE]
    if unknown:
        raise ValueError(f"not in the access table: {', '.join(unknown)}")
    if client and any(client not in policy.TABLE[m].clients for m in methods):
        raise ValueError(f"the access table does not let {client} call {', '.join(methods)}")
    if not methods and not note:
        raise ValueError("a route that calls no gRPC method says who may call it (note)")

    def mark(endpoint: F) -> F:
        setattr(endpoint, ATTRIBUTE, RouteAccess(tuple(methods), client, note))
        return endpoint

    return mark


def route_access(route: APIRoute) -> RouteAccess | None:
    """What a route declared with :func:`calls`, or None."""
    found = getattr(route.endpoint, ATTRIBUTE, None)
    return found if isinstance(found, RouteAccess) else None


def document_routes(routes: Iterable[BaseRoute]) -> None:
    """Add who may call each declared ``/api/v1`` route to its OpenAPI operation: a router's routes before it is
    included (FastAPI copies them then), the application's own after. A route documented once is left alone."""
    order = list(policy.ROLE_NAMES)
    for route in routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(API_PREFIX):
            continue
        declared = route_access(route)
        if declared is None or "x-grpc-methods" in (route.openapi_extra or {}):
            continue
        text = declared.description()
        route.description = f"{route.description.rstrip()}\n\n{text}" if route.description else text
        extra: dict[str, Any] = {"x-roles": sorted(declared.roles, key=order.index),
                                 "x-grpc-methods": list(declared.methods)}
        cases = {f"{policy.short_name(m)}.{case}": sorted(roles & declared.roles, key=order.index)
                 for m in declared.methods for case, roles in policy.access(m).cases.items()}
        if cases:
            extra["x-role-cases"] = cases
        route.openapi_extra = {**(route.openapi_extra or {}), **extra}
