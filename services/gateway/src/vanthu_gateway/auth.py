"""Bearer authentication at the gateway (the services check the same token again)."""

from __future__ import annotations

from fastapi import Request

from vanthu_core.auth import JwksVerifier, Principal, bearer_token


async def authenticated(request: Request) -> Principal:
    """FastAPI dependency: the verified principal of the request, or 401 problem+json."""
    verifier: JwksVerifier = request.app.state.verifier
    return await verifier.verify(bearer_token(request.headers.get("authorization")))


def forward(principal: Principal) -> tuple[tuple[str, str], ...]:
    """gRPC metadata carrying the caller's own token to the service."""
    return (("authorization", f"Bearer {principal.token}"),)
