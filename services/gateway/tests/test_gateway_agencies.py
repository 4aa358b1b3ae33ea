"""``PUT /api/v1/agencies/{code}`` through the gateway in front of a real registry (issue 11, item 1): a ward's
administrator cannot take the department by naming the ward as its new parent; the refusal is a 403
problem+json and the directory is unchanged when re-read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.gateway import users_of
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
PROVINCE, DEPARTMENT, WARD = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"


@pytest.fixture
async def api(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    registry = RegistryServer(RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"),
                              dev_issuer.service_settings("registry"))
    port = await registry.start()
    await import_directory(registry.settings.database_url, [
        {"code": PROVINCE, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
        {"code": DEPARTMENT, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": PROVINCE},
        {"code": WARD, "name": "Ủy ban nhân dân phường Long Châu", "parent_code": PROVINCE}])
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{port}"), dev_issuer.service_settings("gateway"))
    try:
        async with users_of(app, dev_issuer.token) as as_user:
            yield as_user
    finally:
        await registry.stop()


async def test_a_ward_admin_cannot_take_the_department_by_naming_the_ward_as_its_parent(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    ward_admin = api("quantri.longchau")
    before = (await ward_admin.get(f"/api/v1/agencies/{DEPARTMENT}")).json()
    reply = await ward_admin.put(f"/api/v1/agencies/{DEPARTMENT}",
                                 json={"name": "Sở Nội vụ (của phường)", "parent_code": WARD})
    assert reply.status_code == 403, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert "trực thuộc" in reply.json()["detail"]
    assert (await ward_admin.get(f"/api/v1/agencies/{DEPARTMENT}")).json() == before
    moved = await api("quantri.ubnd").put(f"/api/v1/agencies/{DEPARTMENT}",
                                          json={"name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": PROVINCE,
                                                "place": "Vĩnh Long"})
    assert moved.status_code == 200 and moved.json()["agency"]["place"] == "Vĩnh Long"  # the province's admin may
