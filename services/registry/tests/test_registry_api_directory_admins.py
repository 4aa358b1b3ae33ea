"""Who may change which entry of the agency directory (issue 11, item 1), on a real registry with the dev issuer.

The directory is loaded as the operator's import command loads it; then the administrators of the province
(quantri.ubnd), a department (quantri.snv) and a ward (quantri.longchau) try each other's entries. An administrator
changes only entries already under their own agency (as the record is now, not as the request would place it),
never moves an agency out from under another administrator's agency, and no change makes a cycle. A refusal
changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core.db import create_engine, session_factory
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import AgencyStore
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

PROVINCE, DEPARTMENT, WARD = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"
#: A unit of the department and a unit of the ward.
DEPARTMENT_UNIT, WARD_UNIT = "000.01.02.H61", "000.01.41.H61"
DIRECTORY = [
    {"code": PROVINCE, "name": "Ủy ban nhân dân tỉnh Vĩnh Long", "place": "Vĩnh Long"},
    {"code": DEPARTMENT, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": PROVINCE, "place": "Vĩnh Long"},
    {"code": WARD, "name": "Ủy ban nhân dân phường Long Châu", "parent_code": PROVINCE, "place": "Long Châu"},
    {"code": DEPARTMENT_UNIT, "name": "Phòng Tổ chức cán bộ", "parent_code": DEPARTMENT, "level": 3},
    {"code": WARD_UNIT, "name": "Văn phòng Ủy ban nhân dân phường", "parent_code": WARD, "level": 3},
]
PARENTS = {row["code"]: row.get("parent_code", "") for row in DIRECTORY}
NAMES = {row["code"]: row["name"] for row in DIRECTORY}
ADMINS = {"province": "quantri.ubnd", "department": "quantri.snv", "ward": "quantri.longchau"}


async def load_directory(database_url: str, rows: list[dict[str, object]]) -> None:
    """What ``vanthu_registry import-agencies`` does: the operator's import, straight into the database."""
    await import_directory(database_url, rows)  # type: ignore[arg-type]


@pytest.fixture
async def registry(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[registry_pb2_grpc.RegistryServiceStub]:
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    await load_directory(settings.database_url, DIRECTORY)  # type: ignore[arg-type]
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield registry_pb2_grpc.RegistryServiceStub(channel)
    finally:
        await channel.close()
        await server.stop()


async def directory(stub: registry_pb2_grpc.RegistryServiceStub, token: str) -> dict[str, tuple[str, str]]:
    reply = await stub.ListAgencies(registry_pb2.ListAgenciesRequest(page=common_pb2.PageRequest(page_size=500)),
                                    metadata=bearer_metadata(token))
    return {a.code: (a.name, a.parent_code) for a in reply.agencies}


def put(code: str, parent: str, name: str = "") -> registry_pb2.UpsertAgencyRequest:
    return registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(code=code, name=name or NAMES.get(code, code),
                                                                       parent_code=parent))


#: (whose admin, entry, new parent, allowed?) — the entry keeps its name but for a marker, so a change is visible.
MATRIX = [
    # the example: a ward's admin takes the department by naming their ward as its new parent
    ("ward", DEPARTMENT, WARD, False),
    ("ward", DEPARTMENT, PROVINCE, False),  # another agency's entry, parent unchanged
    ("ward", PROVINCE, "", False),  # the province above it
    ("ward", DEPARTMENT_UNIT, WARD, False),  # a unit of another agency, pulled under the ward
    ("ward", WARD_UNIT, DEPARTMENT, False),  # its own unit, pushed under another admin's agency
    ("ward", WARD, DEPARTMENT, False),  # its own agency, moved out from under the province
    ("ward", WARD, PROVINCE, True),  # its own agency, where it is
    ("ward", WARD_UNIT, WARD, True),  # its own unit, where it is
    ("department", WARD, DEPARTMENT, False),  # a sibling agency taken
    ("department", WARD_UNIT, DEPARTMENT_UNIT, False),
    ("department", DEPARTMENT_UNIT, WARD, False),  # its unit given away
    ("department", DEPARTMENT, WARD, False),  # itself moved under a sibling
    ("department", PROVINCE, "", False),
    ("department", DEPARTMENT_UNIT, DEPARTMENT, True),
    ("department", DEPARTMENT, PROVINCE, True),
    ("province", DEPARTMENT, WARD, True),  # both under the province: its admin reorganises
    ("province", WARD_UNIT, DEPARTMENT, True),
    ("province", DEPARTMENT_UNIT, PROVINCE, True),
    ("province", PROVINCE, "", True),
    ("province", PROVINCE, DEPARTMENT, False),  # the province moved under one of its own departments
]


@pytest.mark.parametrize(("admin", "code", "parent", "allowed"), MATRIX,
                         ids=[f"{a}-{c}-under-{p or 'nothing'}" for a, c, p, _ in MATRIX])
async def test_an_admin_changes_only_entries_already_under_their_agency_and_keeps_them_there(
        registry: registry_pb2_grpc.RegistryServiceStub, dev_issuer: DevIssuer, admin: str, code: str, parent: str,
        allowed: bool) -> None:
    token = dev_issuer.token(ADMINS[admin])
    before = await directory(registry, token)
    request = put(code, parent, name=NAMES[code] + " (đã sửa)")
    if allowed:
        reply = await registry.UpsertAgency(request, metadata=bearer_metadata(token))
        assert not reply.created and reply.agency.parent_code == parent
        after = await directory(registry, token)
        assert after[code] == (NAMES[code] + " (đã sửa)", parent)
        assert {c: v for c, v in after.items() if c != code} == {c: v for c, v in before.items() if c != code}
        return
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.UpsertAgency(request, metadata=bearer_metadata(token))
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, error.value.details()
    assert await directory(registry, token) == before


@pytest.mark.parametrize(("admin", "parent", "allowed"), [
    ("ward", WARD, True), ("ward", WARD_UNIT, True), ("ward", DEPARTMENT, False), ("ward", PROVINCE, False),
    ("ward", "", False), ("department", WARD_UNIT, False), ("department", DEPARTMENT_UNIT, True),
    ("province", WARD_UNIT, True), ("province", "", False),
])
async def test_an_admin_creates_entries_only_under_their_own_agency(
        registry: registry_pb2_grpc.RegistryServiceStub, dev_issuer: DevIssuer, admin: str, parent: str,
        allowed: bool) -> None:
    token = dev_issuer.token(ADMINS[admin])
    request = put("000.02.41.H61", parent, name="Tổ dân phố số 2")
    if allowed:
        assert (await registry.UpsertAgency(request, metadata=bearer_metadata(token))).created
        return
    before = await directory(registry, token)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.UpsertAgency(request, metadata=bearer_metadata(token))
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, error.value.details()
    assert await directory(registry, token) == before


@pytest.mark.parametrize(("admin", "code", "parent"), [
    ("province", DEPARTMENT, DEPARTMENT_UNIT),  # the department under its own unit
    ("province", WARD, WARD_UNIT),
])
async def test_a_move_that_would_make_a_cycle_is_refused_naming_the_parent(
        registry: registry_pb2_grpc.RegistryServiceStub, dev_issuer: DevIssuer, admin: str, code: str,
        parent: str) -> None:
    token = dev_issuer.token(ADMINS[admin])
    before = await directory(registry, token)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await registry.UpsertAgency(put(code, parent), metadata=bearer_metadata(token))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(error.value)] == ["parent_code"]
    assert await directory(registry, token) == before


async def test_the_import_refuses_a_directory_with_a_cycle(tmp_path: Path) -> None:
    from vanthu_core.errors import InvalidArgument

    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await load_directory(url, DIRECTORY)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument) as error:
        await load_directory(url, [{"code": DEPARTMENT, "name": "Sở Nội vụ", "parent_code": DEPARTMENT_UNIT}])
    assert error.value.field == "row 1.parent_code"  # the import names the file's row
    engine = create_engine(url)
    try:
        assert (await AgencyStore(session_factory(engine)).get(DEPARTMENT)).parent_code == PROVINCE
    finally:
        await engine.dispose()


async def test_no_service_changes_the_directory(registry: registry_pb2_grpc.RegistryServiceStub,
                                                dev_issuer: DevIssuer) -> None:
    """Only administrators (and the operator's import command, which writes the database itself) change it."""
    before = await directory(registry, dev_issuer.token("quantri.ubnd"))
    for client in ("vanthu-registry", "vanthu-storage", "vanthu-signing", "vanthu-gateway"):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.UpsertAgency(put(DEPARTMENT, WARD), metadata=bearer_metadata(
                dev_issuer.service_token(client)))
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED, client
    assert await directory(registry, dev_issuer.token("quantri.ubnd")) == before
