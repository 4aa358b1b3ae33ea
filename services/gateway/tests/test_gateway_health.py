"""The gateway's health endpoints as the chart probes them (issue 17): /healthz — the startup, readiness and
liveness probe — reflects the gateway alone, so one service down does not take the front door out; /readyz, every
configured service's gRPC health, stays for people and dashboards."""

from __future__ import annotations

import httpx
import pytest

from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit


async def test_healthz_answers_while_a_service_is_down_and_readyz_names_it() -> None:
    # nothing listens on port 9 (discard) of the loopback: the registry is down
    app = create_app(GatewaySettings(registry_target="127.0.0.1:9"),
                     CommonSettings(oidc_issuer="http://127.0.0.1:9/realms/vanthu", events_enabled=False))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30) as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json()["services"] == {"registry": "UNAVAILABLE"}
