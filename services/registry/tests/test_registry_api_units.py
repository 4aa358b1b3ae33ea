"""An agency's units (đơn vị: phòng, ban) and the people in them (issue 13, item 0), on a real registry with the dev
issuer and its users file as the people directory (embedded mode).

The demo units are loaded as ``vanthu-registry seed`` loads them. Everyone of an agency reads its units and members;
only its administrator (quản trị) changes them; another agency's units are not found; a unit has at most one head,
its parent is a unit of the same agency, and its members are people of the agency as the identity provider knows
them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import registry_pb2 as pb
from vanthu.registry.v1 import registry_pb2_grpc
from vanthu_core.db import create_engine, session_factory
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_core.settings import CommonSettings
from vanthu_registry.importer import import_directory
from vanthu_registry.people import UsersFileDirectory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.units_seed import seed_units
from vanthu_registry.units_store import UnitStore
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"
DIRECTORY = [
    {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
    {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND},
    {"code": LONG_CHAU, "name": "Ủy ban nhân dân phường Long Châu", "parent_code": UBND},
]
ROLES = ("vanthu", "lanhdao", "truongphong", "chuyenvien", "luutru", "quantri")


def fields(error: grpc.aio.AioRpcError) -> list[str]:
    return [field for field, _ in field_violations(error)]


@dataclass
class Registry:
    stub: registry_pb2_grpc.RegistryServiceStub
    issuer: DevIssuer
    database_url: str
    users_file: Path

    async def call(self, method: str, request: Any, user: str) -> Any:
        return await getattr(self.stub, method)(request, metadata=bearer_metadata(self.issuer.token(user)))

    async def refused(self, method: str, request: Any, user: str) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await self.call(method, request, user)
        return caught.value

    async def seed(self) -> list[str]:
        engine = create_engine(self.database_url)
        try:
            return await seed_units(UnitStore(session_factory(engine)), UsersFileDirectory(self.users_file))
        finally:
            await engine.dispose()

    async def subject(self, username: str) -> str:
        agency = {"ubnd": UBND, "snv": SNV, "longchau": LONG_CHAU}[username.split(".")[1]]
        people = await UsersFileDirectory(self.users_file).people(agency)
        return next(p.subject for p in people if p.username == username)

    async def members(self, unit: str, user: str = "chuyenvien.ubnd") -> dict[str, str]:
        reply = await self.call("ListUnitMembers", pb.ListUnitMembersRequest(unit_code=unit), user)
        return {m.username: m.position for m in reply.members}


@pytest.fixture
async def registry(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Registry]:
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
                                users_file=str(dev_issuer.users_file))
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    port = await server.start()
    await import_directory(settings.database_url, DIRECTORY)  # type: ignore[arg-type]
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    registry = Registry(registry_pb2_grpc.RegistryServiceStub(channel), dev_issuer, settings.database_url,
                        dev_issuer.users_file)
    await registry.seed()
    try:
        yield registry
    finally:
        await channel.close()
        await server.stop()


async def test_the_seeded_units_and_their_heads_are_read_by_everyone_of_the_agency(registry: Registry) -> None:
    for role in ROLES:
        reply = await registry.call("ListUnits", pb.ListUnitsRequest(), f"{role}.ubnd")
        assert [(u.code, u.name, u.kind, u.head_username) for u in reply.units] == [
            ("NC", "Phòng Nội chính", "division", ""), ("TH", "Phòng Tổng hợp", "division", "truongphong.ubnd"),
            ("VP", "Văn phòng", "office", "")], role
    assert await registry.members("TH", "luutru.ubnd") == {"truongphong.ubnd": "head", "chuyenvien.ubnd": "officer"}
    snv = await registry.call("ListUnits", pb.ListUnitsRequest(), "chuyenvien.snv")
    assert {u.code: u.head_username for u in snv.units} == {"CCHC": "", "TCBC": "truongphong.snv", "VPS": ""}
    every = await registry.call("ListUnitMembers", pb.ListUnitMembersRequest(), "lanhdao.longchau")
    assert {(m.unit_code, m.username, m.position) for m in every.members} >= {
        ("VP", "truongphong.longchau", "head"), ("MC", "chuyenvien.longchau", "officer")}
    assert await registry.seed() == [], "a second seed changes nothing"


async def test_another_agencys_units_are_not_found_and_their_admin_changes_only_their_own(registry: Registry) -> None:
    officer = await registry.subject("chuyenvien.ubnd")
    for method, request in (("ListUnitMembers", pb.ListUnitMembersRequest(unit_code="TH")),
                            ("SetUnitMember", pb.SetUnitMemberRequest(unit_code="TH", subject=officer,
                                                                      position="head")),
                            ("RemoveUnitMember", pb.RemoveUnitMemberRequest(unit_code="TH", subject=officer))):
        error = await registry.refused(method, request, "quantri.snv")
        assert error.code() == grpc.StatusCode.NOT_FOUND, method
    # the same code in Sở Nội vụ is Sở Nội vụ's own unit; UBND's is untouched
    created = await registry.call("UpsertUnit", pb.UpsertUnitRequest(unit=pb.Unit(
        code="TH", name="Phòng Thanh tra", kind="division", active=True, agency_code=UBND)), "quantri.snv")
    assert (created.created, created.unit.agency_code) == (True, SNV)
    ubnd = await registry.call("ListUnits", pb.ListUnitsRequest(), "quantri.ubnd")
    assert {u.code: u.name for u in ubnd.units}["TH"] == "Phòng Tổng hợp"
    assert await registry.members("TH") == {"truongphong.ubnd": "head", "chuyenvien.ubnd": "officer"}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "quantri"])
async def test_only_the_administrator_changes_units_and_members(registry: Registry, role: str) -> None:
    officer = await registry.subject("chuyenvien.ubnd")
    for method, request in (
            ("UpsertUnit", pb.UpsertUnitRequest(unit=pb.Unit(code="KT", name="Phòng Kế toán", active=True))),
            ("SetUnitMember", pb.SetUnitMemberRequest(unit_code="NC", subject=officer, position="officer")),
            ("RemoveUnitMember", pb.RemoveUnitMemberRequest(unit_code="TH", subject=officer))):
        error = await registry.refused(method, request, f"{role}.ubnd")
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, (role, method)
    assert [u.code for u in (await registry.call("ListUnits", pb.ListUnitsRequest(), "quantri.ubnd")).units] == [
        "NC", "TH", "VP"]
    assert await registry.members("TH") == {"truongphong.ubnd": "head", "chuyenvien.ubnd": "officer"}


async def test_a_unit_has_one_head_at_most(registry: Registry) -> None:
    head, officer = await registry.subject("truongphong.ubnd"), await registry.subject("chuyenvien.ubnd")
    error = await registry.refused("SetUnitMember", pb.SetUnitMemberRequest(unit_code="TH", subject=officer,
                                                                            position="head"), "quantri.ubnd")
    assert error.code() == grpc.StatusCode.ABORTED or error.code() == grpc.StatusCode.ALREADY_EXISTS, error
    assert "truongphong.ubnd" in (error.details() or "")
    # the head steps down to deputy, then the officer becomes head; setting the same again changes nothing
    await registry.call("SetUnitMember", pb.SetUnitMemberRequest(unit_code="TH", subject=head, position="deputy"),
                        "quantri.ubnd")
    for created in (False, False):
        reply = await registry.call("SetUnitMember", pb.SetUnitMemberRequest(unit_code="TH", subject=officer,
                                                                             position="head"), "quantri.ubnd")
        assert (reply.created, reply.member.username, reply.member.position) == (created, "chuyenvien.ubnd", "head")
    assert await registry.members("TH") == {"chuyenvien.ubnd": "head", "truongphong.ubnd": "deputy"}
    units = await registry.call("ListUnits", pb.ListUnitsRequest(), "vanthu.ubnd")
    assert {u.code: u.head_username for u in units.units}["TH"] == "chuyenvien.ubnd"
    # a person may be in another unit too, and removal is idempotent
    reply = await registry.call("SetUnitMember", pb.SetUnitMemberRequest(unit_code="NC", subject=head,
                                                                         position="head"), "quantri.ubnd")
    assert reply.created
    removed = [(await registry.call("RemoveUnitMember", pb.RemoveUnitMemberRequest(unit_code="NC", subject=head),
                                    "quantri.ubnd")).removed for _ in range(2)]
    assert removed == [True, False]


async def test_a_units_parent_is_a_unit_of_the_same_agency_and_never_below_it(registry: Registry) -> None:
    def unit(code: str, parent: str, name: str = "Tổ Tổng hợp") -> pb.UpsertUnitRequest:
        return pb.UpsertUnitRequest(unit=pb.Unit(code=code, name=name, kind="other", parent_code=parent, active=True))

    error = await registry.refused("UpsertUnit", unit("TTH", "TCBC"), "quantri.ubnd")  # Sở Nội vụ's unit
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "parent_code" in fields(error)
    reply = await registry.call("UpsertUnit", unit("TTH", "TH"), "quantri.ubnd")
    assert (reply.created, reply.unit.parent_code) == (True, "TH")
    error = await registry.refused("UpsertUnit", unit("TH", "TTH", "Phòng Tổng hợp"), "quantri.ubnd")
    assert "parent_code" in fields(error), "TH under its own sub-unit would be a cycle"
    error = await registry.refused("UpsertUnit", unit("TH", "TH", "Phòng Tổng hợp"), "quantri.ubnd")
    assert "parent_code" in fields(error)
    for bad, field in ((pb.Unit(code="a b", name="X", active=True), "code"),
                       (pb.Unit(code="X", name="  ", active=True), "name"),
                       (pb.Unit(code="X", name="X", kind="department", active=True), "kind")):
        error = await registry.refused("UpsertUnit", pb.UpsertUnitRequest(unit=bad), "quantri.ubnd")
        assert field in fields(error), bad


async def test_names_are_stored_nfc_and_inactive_units_are_listed_on_request(registry: Registry) -> None:
    decomposed = unicodedata.normalize("NFD", "Phòng Kinh tế – Ngân sách")
    reply = await registry.call("UpsertUnit", pb.UpsertUnitRequest(unit=pb.Unit(
        code="KTNS", name=decomposed, kind="division", active=False)), "quantri.ubnd")
    assert reply.unit.name == unicodedata.normalize("NFC", decomposed) != decomposed
    listed = await registry.call("ListUnits", pb.ListUnitsRequest(), "vanthu.ubnd")
    assert "KTNS" not in [u.code for u in listed.units]
    listed = await registry.call("ListUnits", pb.ListUnitsRequest(include_inactive=True), "vanthu.ubnd")
    assert {u.code: u.name for u in listed.units}["KTNS"] == "Phòng Kinh tế – Ngân sách"


async def test_members_are_people_of_the_agency_in_the_identity_providers_directory(registry: Registry) -> None:
    other = await registry.subject("chuyenvien.snv")
    for subject in (other, "00000000-0000-0000-0000-000000000000"):
        error = await registry.refused("SetUnitMember", pb.SetUnitMemberRequest(
            unit_code="NC", subject=subject, position="officer"), "quantri.ubnd")
        assert "subject" in fields(error)
    error = await registry.refused("SetUnitMember", pb.SetUnitMemberRequest(
        unit_code="NC", subject=await registry.subject("luutru.ubnd"), position="boss"), "quantri.ubnd")
    assert "position" in fields(error)
    assert await registry.members("NC") == {}


async def test_the_people_directory_lists_the_agencys_people_from_the_users_file(registry: Registry) -> None:
    for role in ROLES:
        reply = await registry.call("ListPeople", pb.ListPeopleRequest(), f"{role}.ubnd")
        assert sorted(p.username for p in reply.people) == sorted(f"{r}.ubnd" for r in ROLES)
        assert {p.agency_code for p in reply.people} == {UBND}
    for text in ("Ngọc Ánh", "ngoc anh"):
        found = await registry.call("ListPeople", pb.ListPeopleRequest(text=text), "quantri.ubnd")
        assert [(p.username, p.name) for p in found.people] == [("chuyenvien.ubnd", "Phạm Thị Ngọc Ánh")]
    roles = {p.username: tuple(p.roles) for p in reply.people}
    assert roles["lanhdao.ubnd"] == ("leader",) and roles["vanthu.ubnd"] == ("clerk",), "the roles the file grants"
    titles = {p.username: p.title for p in reply.people}
    assert titles["lanhdao.ubnd"] == "Chủ tịch" and titles["chuyenvien.ubnd"] == "Chuyên viên", "the file's chức vụ"
    snv = await registry.call("ListPeople", pb.ListPeopleRequest(), "lanhdao.snv")
    assert all(p.username.endswith(".snv") for p in snv.people) and len(snv.people) == 6


async def test_the_workflow_lists_the_people_of_the_agency_it_names_and_no_other_service_may(
        registry: Registry) -> None:
    """Deposit reminders reach an agency's archivists (issue 16): the workflow's service token names the agency."""
    workflow = bearer_metadata(registry.issuer.service_token("vanthu-workflow"))
    reply = await registry.stub.ListPeople(pb.ListPeopleRequest(agency_code="000.00.02.H61"), metadata=workflow)
    assert {p.username for p in reply.people if "archivist" in p.roles} == {"luutru.snv"}
    with pytest.raises(grpc.aio.AioRpcError) as unnamed:
        await registry.stub.ListPeople(pb.ListPeopleRequest(), metadata=workflow)
    assert fields(unnamed.value) == ["agency_code"]
    with pytest.raises(grpc.aio.AioRpcError) as signing:
        await registry.stub.ListPeople(pb.ListPeopleRequest(agency_code="000.00.02.H61"),
                                       metadata=bearer_metadata(registry.issuer.service_token("vanthu-signing")))
    assert signing.value.code() == grpc.StatusCode.PERMISSION_DENIED
    other = await registry.refused("ListPeople", pb.ListPeopleRequest(agency_code="000.00.02.H61"), "quantri.ubnd")
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED
