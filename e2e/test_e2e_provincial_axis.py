"""The provincial axis for the province's other document systems (issue 12, item 6), on the whole platform started
by the devstack: Phường Long Châu (000.00.41.H61) runs another vendor's document system connected to this
installation's provincial axis (interchange serves the national axis's REST operations on
``VANTHU_INTERCHANGE_PROVINCIAL_AXIS_PORT``), so interchange does not serve Long Châu itself. UBND tỉnh issues a letter
to Long Châu; the vendor's system (an :class:`vanthu_axis.AxisClient`, unchanged from what it would use against the
national axis) lists it, fetches it and acknowledges it (the delivery becomes ``sent``), then sends status 01 back,
which UBND tỉnh's timeline shows.

The wire contract is the national axis's as reconstructed from the official SDK (regulations.md §2.3), unverified
against the live axis.
"""

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from vanthu_axis import AxisClient, AxisSettings
from vanthu_core.timeutil import VIETNAM_TZ
from vanthu_devstack import Stack, StackConfig
from vanthu_edxml import (
    DocumentPackage,
    Organization,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    read_package,
    write_status,
)
from vanthu_testing.gateway import deliveries, issue_letter, logins, wait_for
from vanthu_testing.ports import free_port

pytestmark = pytest.mark.e2e
UBND, LONG_CHAU = "000.00.00.H61", "000.00.41.H61"
VENDOR, SECRET = "vendor.longchau", "bi-mat-phuong-long-chau-" + "z" * 20
#: Every agency of the dev directory but Long Châu (as in test_e2e_federation.py).
SERVED = "000.00.[0-3]?.H61,000.00.4[02-9].H61"


@pytest.fixture(scope="module")
def axis_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, axis_port: int) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("vanthu-provincial-axis")
    systems = var / "connected-systems.yaml"
    systems.write_text(f'systems:\n  - id: {VENDOR}\n    agencies: [{{code: "{LONG_CHAU}", '
                       f'name: "Ủy ban nhân dân phường Long Châu"}}]\n', encoding="utf-8")
    config = StackConfig.for_tests(var / "var")
    config.extra_env = {
        "VANTHU_INTERCHANGE_SERVED": SERVED, "VANTHU_INTERCHANGE_PROVINCIAL_AXIS_SYSTEMS_FILE": str(systems),
        "VANTHU_INTERCHANGE_PROVINCIAL_AXIS_HOST": "127.0.0.1",
        "VANTHU_INTERCHANGE_PROVINCIAL_AXIS_PORT": str(axis_port),
        "VANTHU_INTERCHANGE_SYSTEM_SECRET_VENDOR_LONGCHAU": SECRET, "VANTHU_INTERCHANGE_RETRY_POLL_S": "1"}
    with Stack(config) as stack:
        yield stack


@pytest.fixture(scope="module")
def login(platform: Stack) -> Callable[[str], dict[str, str]]:
    return logins(platform.issuer)


def vendor(axis_port: int, call: Callable[[AxisClient], Any]) -> Any:
    """Run ``call(client)`` as Long Châu's vendor system on the provincial axis."""
    async def run() -> Any:
        settings = AxisSettings(endpoint=f"http://127.0.0.1:{axis_port}", system_id=VENDOR, secret=SECRET,
                                retry_initial_s=0.05, retry_max_s=0.2)
        async with AxisClient(settings) as client:
            return await call(client)
    return asyncio.run(run())


def test_a_letter_to_long_chau_waits_on_the_provincial_axis_for_its_vendor_system_and_01_comes_back(
        api: httpx.Client, login: Callable[[str], dict[str, str]], axis_port: int,
        draft_pdf: Callable[..., bytes]) -> None:
    clerk = login("vanthu.ubnd")
    abstract = "V/v triển khai hệ thống quản lý văn bản của phường Long Châu trên trục liên thông tỉnh"
    issued = issue_letter(api, login, draft_pdf(), abstract,
                          [{"agency_code": LONG_CHAU, "name": "UBND phường Long Châu"}])

    waiting = wait_for(lambda: (d := deliveries(api, clerk, issued["id"]).get(LONG_CHAU)) and d,
                       "the delivery to Long Châu")
    assert waiting["route"] == "system" and waiting["state"] == "pending"

    listed = wait_for(lambda: vendor(axis_port, lambda c: c.received("edoc")), "the letter listed for the vendor")
    assert len(listed) == 1
    doc_id = listed[0].doc_id
    package = read_package(vendor(axis_port, lambda c: c.get_edoc(doc_id)))
    assert isinstance(package, DocumentPackage) and package.sender.agency_code == UBND
    assert LONG_CHAU in [r.agency_code for r in package.recipients] and package.subject == abstract
    assert package.attachments[0].content().startswith(b"%PDF")
    assert [e.doc_id for e in vendor(axis_port, lambda c: c.received("edoc"))] == [doc_id]  # not acknowledged yet
    vendor(axis_port, lambda c: c.update_status(doc_id, "done"))
    assert vendor(axis_port, lambda c: c.received("edoc")) == []
    sent = wait_for(lambda: (d := deliveries(api, clerk, issued["id"])[LONG_CHAU])["state"] == "sent" and d,
                    "the delivery sent once the vendor acknowledged it")
    assert sent["route"] == "system"

    codes = {a.code for a in vendor(axis_port, lambda c: c.agencies())}
    assert {UBND, LONG_CHAU} <= codes

    status = StatusPackage(
        sender=Organization(agency_code=LONG_CHAU, name="Ủy ban nhân dân phường Long Châu"),
        response_for=ResponseFor(agency_code=UBND, code=str(package.code),
                                 promulgation_date=package.promulgation.date if package.promulgation else None,
                                 document_id=package.document_id),
        staff=StaffInfo(department="Văn phòng UBND phường", staff="Lê Thị Hoa"), status_code="01",
        description="Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
        timestamp=datetime.now(VIETNAM_TZ).replace(microsecond=0, tzinfo=None))
    vendor(axis_port, lambda c: c.send_edoc(write_status(status), "status", to=[UBND]))
    timeline = wait_for(lambda: deliveries(api, clerk, issued["id"])[LONG_CHAU]["statuses"],
                        "status 01 of Long Châu on UBND tỉnh's timeline")
    assert [s["code"] for s in timeline] == ["01"] and timeline[0]["staff"] == "Văn phòng UBND phường, Lê Thị Hoa"


