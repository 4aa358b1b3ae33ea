"""``GET /api/v1/people`` through the gateway in front of a real registry reading the development issuer's users file:
each person carries their chức vụ (title) and VanThu roles, so the draft form can offer the agency's signers with
their title; another agency's people never appear."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The gateway in front of the registry whose people directory is the issuer's users file."""
    registry = RegistryServer(RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
                                               users_file=str(dev_issuer.users_file)),
                              dev_issuer.service_settings("registry"))
    port = await registry.start()
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{port}"), dev_issuer.service_settings("gateway"))
    clients: list[httpx.AsyncClient] = []

    def as_user(username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=60,
                                   headers={"Authorization": f"Bearer {dev_issuer.token(username)}"})
        clients.append(client)
        return client

    try:
        async with app.router.lifespan_context(app):
            yield as_user
            for client in clients:
                await client.aclose()
    finally:
        await registry.stop()


async def test_people_carry_their_title_and_roles_and_only_the_callers_agency(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    reply = await api("chuyenvien.ubnd").get("/api/v1/people")
    assert reply.status_code == 200, reply.text
    people = {p["username"]: p for p in reply.json()}
    assert set(people) == {f"{r}.ubnd" for r in ("vanthu", "lanhdao", "truongphong", "chuyenvien", "luutru",
                                                  "quantri")}, "another agency's people never appear"
    assert (people["lanhdao.ubnd"]["title"], people["lanhdao.ubnd"]["roles"]) == ("Chủ tịch", ["leader"])
    assert (people["vanthu.ubnd"]["title"], people["vanthu.ubnd"]["roles"]) == ("Văn thư", ["clerk"])
    snv = (await api("chuyenvien.snv").get("/api/v1/people")).json()
    assert {p["username"] for p in snv} >= {"lanhdao.snv"} and all(p["username"].endswith(".snv") for p in snv)
    assert next(p["title"] for p in snv if p["username"] == "lanhdao.snv") == "Giám đốc"
