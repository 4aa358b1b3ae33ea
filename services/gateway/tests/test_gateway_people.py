"""``GET /api/v1/people`` through the gateway in front of a real registry reading the development issuer's users file:
each person carries their chức vụ (title), their units and whether they are a leader, so the draft form can offer
the agency's signers with their title and a clerk the leaders to submit to; their e-mail address and roles go to the
agency's administrator only (issue 14, finding B), to everyone only whether each handles documents (the giao xử lý
picker's people); another agency's people never appear."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.gateway import users_of
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
    try:
        async with users_of(app, dev_issuer.token) as as_user:
            yield as_user
    finally:
        await registry.stop()


async def test_people_carry_their_title_units_and_leadership_and_only_the_callers_agency(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    admin = api("quantri.ubnd")
    assert (await admin.put("/api/v1/units/TH", json={"name": "Phòng Tổng hợp"})).status_code in (200, 201)
    people = {p["username"]: p["subject"] for p in (await admin.get("/api/v1/people")).json()}
    assert (await admin.put(f"/api/v1/units/TH/members/{people['truongphong.ubnd']}",
                            json={"position": "head"})).status_code == 201

    reply = await api("chuyenvien.ubnd").get("/api/v1/people")
    assert reply.status_code == 200, reply.text
    people = {p["username"]: p for p in reply.json()}
    assert set(people) == {f"{r}.ubnd" for r in ("vanthu", "lanhdao", "truongphong", "chuyenvien", "luutru",
                                                  "quantri")}, "another agency's people never appear"
    assert (people["lanhdao.ubnd"]["title"], people["lanhdao.ubnd"]["leader"]) == ("Chủ tịch", True)
    assert (people["vanthu.ubnd"]["title"], people["vanthu.ubnd"]["leader"]) == ("Văn thư", False)
    assert (people["truongphong.ubnd"]["units"], people["vanthu.ubnd"]["units"]) == (["TH"], [])
    snv = (await api("chuyenvien.snv").get("/api/v1/people")).json()
    assert {p["username"] for p in snv} >= {"lanhdao.snv"} and all(p["username"].endswith(".snv") for p in snv)
    assert next(p["title"] for p in snv if p["username"] == "lanhdao.snv") == "Giám đốc"
    assert all(p["units"] == [] for p in snv), "another agency's units are not theirs"


@pytest.mark.parametrize("username", ["chuyenvien.ubnd", "vanthu.ubnd", "lanhdao.ubnd", "truongphong.ubnd"])
async def test_a_colleague_gets_no_emails_nor_roles(api: Callable[[str], httpx.AsyncClient], username: str) -> None:
    people = (await api(username).get("/api/v1/people")).json()
    assert people and all("email" not in p and "roles" not in p for p in people)
    assert set(people[0]) == {"subject", "username", "name", "enabled", "title", "units", "leader", "handler",
                               "signer", "primary_unit"}


async def test_the_agencys_administrator_gets_emails_and_roles(api: Callable[[str], httpx.AsyncClient]) -> None:
    people = {p["username"]: p for p in (await api("quantri.ubnd").get("/api/v1/people")).json()}
    assert (people["lanhdao.ubnd"]["roles"], people["vanthu.ubnd"]["roles"]) == (["leader"], ["clerk"])
    assert all(isinstance(p["email"], str) for p in people.values())
    assert all(p["username"].endswith(".ubnd") for p in people.values())


@pytest.mark.parametrize("username", ["lanhdao.ubnd", "truongphong.ubnd", "chuyenvien.ubnd", "quantri.ubnd"])
async def test_everyone_learns_who_handles_documents_the_clerk_archivist_and_admin_do_not(
        api: Callable[[str], httpx.AsyncClient], username: str) -> None:
    """Giao xử lý offers only handlers (a leader, head or officer); the flag is all a non-admin learns of the roles."""
    people = {p["username"]: p["handler"] for p in (await api(username).get("/api/v1/people")).json()}
    assert people == {"lanhdao.ubnd": True, "truongphong.ubnd": True, "chuyenvien.ubnd": True,
                      "vanthu.ubnd": False, "luutru.ubnd": False, "quantri.ubnd": False}


@pytest.mark.parametrize("username", ["lanhdao.ubnd", "chuyenvien.ubnd", "vanthu.ubnd"])
async def test_everyone_learns_who_may_sign_a_leader_or_a_head_not_the_clerk_nor_an_officer(
        api: Callable[[str], httpx.AsyncClient], username: str) -> None:
    """The draft form offers as người ký only those who sign (lãnh đạo, trưởng đơn vị); a clerk drafting is not."""
    people = {p["username"]: p["signer"] for p in (await api(username).get("/api/v1/people")).json()}
    assert people == {"lanhdao.ubnd": True, "truongphong.ubnd": True, "chuyenvien.ubnd": False,
                      "vanthu.ubnd": False, "luutru.ubnd": False, "quantri.ubnd": False}


async def test_a_person_in_several_units_has_a_primary_unit_where_they_rank_highest(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    """The draft form prefills the ký hiệu of the drafter's own unit: their only unit, else the one where they hold
    their highest position; none when two units tie (then they choose)."""
    admin = api("quantri.ubnd")
    for code, name in (("TH", "Phòng Tổng hợp"), ("KT", "Phòng Kinh tế"), ("VX", "Phòng Văn hóa - Xã hội")):
        assert (await admin.put(f"/api/v1/units/{code}", json={"name": name})).status_code in (200, 201)
    subjects = {p["username"]: p["subject"] for p in (await admin.get("/api/v1/people")).json()}
    for code, username, position in (("TH", "truongphong.ubnd", "head"), ("KT", "truongphong.ubnd", "officer"),
                                      ("KT", "chuyenvien.ubnd", "officer"), ("VX", "chuyenvien.ubnd", "officer"),
                                      ("VX", "luutru.ubnd", "staff")):
        written = await admin.put(f"/api/v1/units/{code}/members/{subjects[username]}", json={"position": position})
        assert written.status_code == 201, written.text

    people = {p["username"]: p for p in (await api("chuyenvien.ubnd").get("/api/v1/people")).json()}
    assert (people["truongphong.ubnd"]["units"], people["truongphong.ubnd"]["primary_unit"]) == (["KT", "TH"], "TH")
    assert (people["chuyenvien.ubnd"]["units"], people["chuyenvien.ubnd"]["primary_unit"]) == (["KT", "VX"], "")
    assert (people["luutru.ubnd"]["primary_unit"], people["vanthu.ubnd"]["primary_unit"]) == ("VX", "")


def test_primary_unit_rule() -> None:
    from vanthu_gateway.routes.units import primary_unit

    assert primary_unit({}) == ""
    assert primary_unit({"TH": "staff"}) == "TH"
    assert primary_unit({"TH": "deputy", "KT": "officer"}) == "TH"
    assert primary_unit({"TH": "officer", "KT": "officer"}) == ""
    assert primary_unit({"TH": "", "KT": "staff"}) == "KT"
