"""Interchange through the national axis (Trục liên thông văn bản quốc gia), on the whole platform started by the
devstack with interchange pointed at a fake axis (``vanthu_testing.fake_axis``) on which a ministry's system is
registered: UBND tỉnh issues a letter to Bộ Nội vụ (000.00.00.G09), which the axis holds for the ministry's system;
the ministry's status 01 comes back through the axis onto UBND tỉnh's timeline; a letter the ministry sends to Sở Nội
vụ through the axis becomes an arrival there, is acknowledged ``done`` on the axis only once taken in (listed again,
it is acknowledged again without a second arrival), and the ministry receives status 01 through the axis.

The axis's wire contract is reconstructed from the official SDK (regulations.md §2.3), not recorded from the live
axis, which cannot be reached from here: the fake follows that reconstruction, and so does this test.
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_axis import Agency
from vanthu_core.timeutil import VIETNAM_TZ
from vanthu_devstack import Stack, StackConfig
from vanthu_edxml import (
    Attachment,
    Business,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    read_package,
    validate,
    write_document,
    write_status,
)
from vanthu_testing.fake_axis import AxisSystem, FakeAxis
from vanthu_testing.gateway import arrivals, deliveries, issue_letter, logins, wait_for

pytestmark = pytest.mark.e2e
UBND, SNV, MINISTRY = "000.00.00.H61", "000.00.02.H61", "000.00.00.G09"
PROVINCE_SYSTEM, MINISTRY_SYSTEM = "vxp.vinhlong", "vxp.bonoivu"


@pytest.fixture(scope="module")
def axis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAxis]:
    """The fake national axis: the province's system (UBND tỉnh, Sở Nội vụ) and the ministry's (Bộ Nội vụ)."""
    systems = (
        AxisSystem(PROVINCE_SYSTEM, "bi-mat-tinh-vinh-long-" + "x" * 20, (
            Agency(id="1", code=UBND, name="Ủy ban nhân dân tỉnh Vĩnh Long"),
            Agency(id="2", pid="1", code=SNV, name="Sở Nội vụ tỉnh Vĩnh Long"))),
        AxisSystem(MINISTRY_SYSTEM, "bi-mat-bo-noi-vu-" + "y" * 20, (Agency(id="3", code=MINISTRY, name="Bộ Nội vụ"),)))
    with FakeAxis(tmp_path_factory.mktemp("axis") / "fake-axis.sqlite3", systems) as fake:
        yield fake


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, axis: FakeAxis) -> Iterator[Stack]:
    config = StackConfig.for_tests(tmp_path_factory.mktemp("vanthu-axis") / "var")
    config.extra_env = {
        "VANTHU_INTERCHANGE_AXIS_URL": axis.url, "VANTHU_INTERCHANGE_AXIS_SYSTEM_ID": PROVINCE_SYSTEM,
        "VANTHU_INTERCHANGE_AXIS_SECRET": axis.secret(PROVINCE_SYSTEM), "VANTHU_INTERCHANGE_AXIS_POLL_S": "0.5",
        "VANTHU_INTERCHANGE_RETRY_POLL_S": "1"}
    with Stack(config) as stack:
        yield stack


@pytest.fixture(scope="module")
def login(platform: Stack) -> Callable[[str], dict[str, str]]:
    return logins(platform.issuer)


def ministry(axis: FakeAxis, call: Callable[[Any], Any]) -> Any:
    """Run ``call(client)`` as the ministry's system on the axis."""
    async def run() -> Any:
        async with axis.client(MINISTRY_SYSTEM) as client:
            return await call(client)
    return asyncio.run(run())


def ministry_letter(pdf: bytes, abstract: str) -> DocumentPackage:
    """A letter of Bộ Nội vụ to Sở Nội vụ tỉnh Vĩnh Long, as the ministry's own system would build it."""
    now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
    code = Code("215", "BNV-VTLTNN")
    sender = Organization(agency_code=MINISTRY, name="Bộ Nội vụ")
    package = DocumentPackage(
        sender=sender, recipients=(Organization(agency_code=SNV, name="Sở Nội vụ tỉnh Vĩnh Long"),),
        document_id=DocumentId.build(MINISTRY, now.date(), code), code=code,
        promulgation=PromulgationInfo(place="Hà Nội", date=now.date()),
        document_type=DocumentType(type_code="1", type_detail="0", type_name="Công văn"), subject=abstract,
        content=abstract, signer=SignerInfo(competence="KT. BỘ TRƯỞNG", position="Thứ trưởng",
                                            full_name="Nguyễn Văn Minh"),
        other_info=OtherInfo(priority=0, promulgation_amount=1), to_places=("Sở Nội vụ tỉnh Vĩnh Long",),
        trace=TraceHeaderList(trace_headers=(TraceHeader(agency_code=MINISTRY, timestamp=now),),
                              business=Business(business_type=0, reason="Văn bản điện tử mới")),
        attachments=(Attachment.from_bytes("cid:1", "215-BNV-VTLTNN.pdf", pdf, "application/pdf", "Văn bản chính"),))
    report = validate(package, strict=True, check_attachments=False)
    assert report.ok, report
    return package


def test_a_letter_to_a_ministry_goes_through_the_axis_and_its_status_comes_back(
        api: httpx.Client, login: Callable[[str], dict[str, str]], axis: FakeAxis,
        draft_pdf: Callable[..., bytes]) -> None:
    clerk = login("vanthu.ubnd")
    abstract = "V/v báo cáo công tác văn thư, lưu trữ năm 2026 của tỉnh Vĩnh Long"
    issued = issue_letter(api, login, draft_pdf(), abstract, [
        {"agency_code": MINISTRY, "name": "Bộ Nội vụ"}, {"agency_code": SNV, "name": "Sở Nội vụ"}])

    sent = wait_for(lambda: (d := deliveries(api, clerk, issued["id"]).get(MINISTRY)) and d["state"] == "sent" and d,
                    "the delivery to the ministry sent through the axis")
    assert sent["route"] == "axis" and sent["attempts"] == 1 and sent["last_error"] == ""
    assert deliveries(api, clerk, issued["id"])[SNV]["route"] == "local"  # a recipient served here stays local

    # the axis holds it for the ministry's system: listed, the package names the ministry, the number and the file
    listed = ministry(axis, lambda c: c.received("edoc"))
    assert len(listed) == 1 and listed[0].sender == PROVINCE_SYSTEM
    doc_id = listed[0].doc_id
    assert axis.deliveries(doc_id) == {MINISTRY_SYSTEM: "pending"}
    package = read_package(ministry(axis, lambda c: c.get_edoc(doc_id)))
    assert isinstance(package, DocumentPackage)
    assert package.sender.agency_code == UBND and MINISTRY in [r.agency_code for r in package.recipients]
    assert str(package.code) == issued["number_symbol"] and package.subject == abstract
    assert package.attachments[0].content().startswith(b"%PDF")

    # the ministry takes it, acknowledges it and answers 01 through the axis: UBND tỉnh's timeline shows it
    ministry(axis, lambda c: c.update_status(doc_id, "done"))
    status = StatusPackage(
        sender=Organization(agency_code=MINISTRY, name="Bộ Nội vụ"),
        response_for=ResponseFor(agency_code=UBND, code=str(package.code),
                                 promulgation_date=package.promulgation.date if package.promulgation else None,
                                 document_id=package.document_id),
        staff=StaffInfo(department="Văn phòng Bộ", staff="Trần Thị Lan"), status_code="01",
        description="Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
        timestamp=datetime.now(VIETNAM_TZ).replace(microsecond=0, tzinfo=None))
    status_id = ministry(axis, lambda c: c.send_edoc(write_status(status), "status", to=[UBND]))
    timeline = wait_for(lambda: deliveries(api, clerk, issued["id"])[MINISTRY]["statuses"],
                        "status 01 of the ministry on UBND tỉnh's timeline")
    assert [s["code"] for s in timeline] == ["01"] and timeline[0]["staff"] == "Văn phòng Bộ, Trần Thị Lan"
    assert timeline[0]["at"].endswith("+07:00")
    wait_for(lambda: axis.deliveries(status_id) == {PROVINCE_SYSTEM: "done"}, "the status acknowledged done")
    # Sở Nội vụ's 01 went locally, not through the axis: the ministry's status list is empty
    assert ministry(axis, lambda c: c.received("status")) == []


def test_a_letter_of_the_ministry_arrives_through_the_axis_is_acknowledged_and_answered_01(
        api: httpx.Client, login: Callable[[str], dict[str, str]], axis: FakeAxis,
        draft_pdf: Callable[..., bytes]) -> None:
    snv_clerk = login("vanthu.snv")
    abstract = "V/v hướng dẫn xác định cơ quan, tổ chức thuộc nguồn nộp lưu hồ sơ vào Lưu trữ lịch sử"
    letter = ministry_letter(draft_pdf(), abstract)
    doc_id = ministry(axis, lambda c: c.send_edoc(write_document(letter), "edoc", to=[SNV]))

    found = wait_for(lambda: arrivals(api, snv_clerk, MINISTRY, "215/BNV-VTLTNN"), "the arrival at Sở Nội vụ")
    assert len(found) == 1
    arrival = found[0]
    assert arrival["abstract"] == abstract and arrival["status"] == "arrived" and arrival["type_code"] == "cong_van"
    content = api.get(f"/api/v1/files/{arrival['files'][0]['object_id']}/content", headers=snv_clerk)
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
    wait_for(lambda: axis.deliveries(doc_id) == {PROVINCE_SYSTEM: "done"}, "the package acknowledged done")

    # the ministry receives status 01 from Sở Nội vụ through the axis
    listed = wait_for(lambda: ministry(axis, lambda c: c.received("status")), "status 01 at the ministry's system")
    assert len(listed) == 1
    answer = read_package(ministry(axis, lambda c: c.get_edoc(listed[0].doc_id)))
    assert isinstance(answer, StatusPackage) and answer.status_code == "01"
    assert answer.sender.agency_code == SNV and answer.response_for is not None
    assert answer.response_for.document_id == letter.document_id and answer.response_for.agency_code == MINISTRY
    ministry(axis, lambda c: c.update_status(listed[0].doc_id, "done"))

    # listed again (an axis that lost the acknowledgement): acknowledged again, no second arrival, no second 01
    with closing(sqlite3.connect(Path(axis.db_path))) as db, db:
        db.execute("UPDATE deliveries SET status = 'pending' WHERE doc_id = ?", (doc_id,))
    wait_for(lambda: axis.deliveries(doc_id) == {PROVINCE_SYSTEM: "done"}, "the package acknowledged done again")
    time.sleep(2)  # give a wrong second answer the time to reach the axis
    assert len(arrivals(api, snv_clerk, MINISTRY, "215/BNV-VTLTNN")) == 1
    assert ministry(axis, lambda c: c.received("status")) == []
