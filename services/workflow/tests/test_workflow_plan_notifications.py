"""A file plan submitted for approval reaches the agency's leaders; its approval or return reaches whoever submitted
it; each once, in Vietnamese, leading to the plan's year (issue 14's records review)."""

from __future__ import annotations

import pytest

from vanthu.records.v1 import events_pb2 as records_events
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.events import new_meta
from vanthu_workflow.directory import MemberInfo
from vanthu_workflow.plan_notifications import PlanNotifications

from .conftest import UBND, Harness

pytestmark = pytest.mark.integration
PLAN = {"plan_id": "p-1", "year": 2027, "title": "Danh mục hồ sơ năm 2027", "plan_version": 1}


async def notes(h: Harness, user: str) -> list[pb.Notification]:
    return list((await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), user)).notifications)


async def test_a_submitted_plan_reaches_the_leaders_and_its_answer_the_submitter_once(harness: Harness) -> None:
    h = harness
    asked: list[str] = []

    async def people(agency: str) -> list[MemberInfo]:
        asked.append(agency)
        return [MemberInfo("", h.subject("lanhdao.ubnd"), "lanhdao.ubnd", "Nguyễn Văn Hưởng", "", roles=("leader",)),
                MemberInfo("", h.subject("vanthu.ubnd"), "vanthu.ubnd", "Trần Thị Thu Hương", "", roles=("clerk",)),
                MemberInfo("", h.subject("luutru.ubnd"), "luutru.ubnd", "Võ Minh Đường", "", roles=("archivist",))]

    handler = PlanNotifications(h.server.store, people)
    clerk = h.subject("vanthu.ubnd")
    submitted = records_events.PlanSubmitted(meta=new_meta(actor="vanthu.ubnd", agency=UBND), **PLAN,
                                             submitter_subject=clerk, submitter_name="Trần Thị Thu Hương")
    await handler(submitted)
    await handler(submitted)  # redelivered: nothing new
    assert asked == [UBND, UBND]
    [note] = await notes(h, "lanhdao.ubnd")
    assert (note.kind, note.title, note.link) == ("plan_submitted", "Danh mục hồ sơ năm 2027 chờ duyệt",
                                                  "/ho-so?nam=2027")
    assert note.body.startswith("Trần Thị Thu Hương trình duyệt danh mục hồ sơ “Danh mục hồ sơ năm 2027”")
    assert not await notes(h, "vanthu.ubnd") and not await notes(h, "luutru.ubnd")  # leaders only

    await handler(records_events.PlanReturned(meta=new_meta(actor="lanhdao.ubnd", agency=UBND), **PLAN,
                                              submitter_subject=clerk, returner_name="Nguyễn Văn Hưởng",
                                              reason="Bổ sung hồ sơ cải cách hành chính"))
    approved = records_events.PlanApproved(meta=new_meta(actor="lanhdao.ubnd", agency=UBND), **PLAN,
                                           submitter_subject=clerk, approver_name="Nguyễn Văn Hưởng")
    await handler(approved)
    await handler(approved)
    mine = {n.kind: n for n in await notes(h, "vanthu.ubnd")}
    assert sorted(mine) == ["plan_approved", "plan_returned"]
    assert "Lý do: Bổ sung hồ sơ cải cách hành chính" in mine["plan_returned"].body
    assert mine["plan_approved"].title == "Danh mục hồ sơ năm 2027 đã được phê duyệt"
    assert {n.link for n in mine.values()} == {"/ho-so?nam=2027"}
    assert len(await notes(h, "lanhdao.ubnd")) == 1  # the leader is not told of their own answer
    # another agency's people are not told
    assert not await notes(h, "lanhdao.snv")


async def test_a_plan_approved_without_being_submitted_tells_nobody(harness: Harness) -> None:
    h = harness

    async def people(agency: str) -> list[MemberInfo]:
        raise AssertionError("the directory is not read")

    await PlanNotifications(h.server.store, people)(records_events.PlanApproved(
        meta=new_meta(actor="lanhdao.ubnd", agency=UBND), **PLAN, approver_name="Nguyễn Văn Hưởng"))
    assert not await notes(h, "vanthu.ubnd")
