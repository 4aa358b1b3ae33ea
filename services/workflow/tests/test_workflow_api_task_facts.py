"""What the task list says of each task so that the work lists load no case (issue 14): an extension request (xin
gia hạn) carries the case's hạn xử lý and the one asked for, as dates from the case's own data (not the text of its
step); another agency's people see none of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu.workflow.v1 import workflow_pb2 as pb

from .conftest import Harness

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_an_extension_request_in_the_leaders_list_carries_the_case_deadline_and_the_one_asked_for(
        harness: Harness) -> None:
    h = harness
    case = await h.assigned(lead=pb.Party(kind="person", id=h.subject("chuyenvien.ubnd")))
    assert case.deadline == "2031-06-18"
    lead = h.task(case, "lead")
    case = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=case.version, deadline="2031-07-01", reason="Chờ số liệu của các xã"),
        "chuyenvien.ubnd")).case

    listed = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["extension"]), "lanhdao.ubnd")
    (asked,) = listed.tasks
    assert (asked.kind, asked.case_id) == ("extension", case.id)
    assert (asked.case_deadline, asked.requested_deadline) == ("2031-06-18", "2031-07-01")
    # on the case too; the other tasks carry no such dates
    assert (h.task(case, "extension").case_deadline, h.task(case, "extension").requested_deadline) == (
        "2031-06-18", "2031-07-01")
    officer = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all"), "chuyenvien.ubnd")
    assert [(t.kind, t.case_deadline, t.requested_deadline) for t in officer.tasks] == [("lead", "", "")]

    # another agency's leader sees nothing of it
    other = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all"), "lanhdao.snv")
    assert list(other.tasks) == [] and other.counts.todo == 0

    # granted: the decision is done, the case's deadline moved and nothing is asked any more
    case = (await h.call(h.api.DecideExtension, pb.DecideExtensionRequest(
        case_id=case.id, version=case.version, grant=True), "lanhdao.ubnd")).case
    done = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="done", kinds=["extension"]), "lanhdao.ubnd")
    assert [(t.state, t.case_deadline, t.requested_deadline) for t in done.tasks] == [("done", "2031-07-01", "")]


async def test_each_task_says_who_gave_it_the_leader_who_assigned_the_head_who_handed_it_on_the_one_who_asked(
        harness: Harness) -> None:
    h = harness
    case = await h.assigned(cooperating=[pb.Party(kind="unit", id="NC")])
    assign = case.steps[-1]
    assert (assign.action, assign.actor) == ("assign", "lanhdao.ubnd") and assign.actor_name
    lead = h.task(case, "lead", assignee="TH")
    assert (lead.given_by, lead.given_by_name) == (h.subject("lanhdao.ubnd"), assign.actor_name)
    assert (h.task(case, "cooperating").given_by, h.task(case, "cooperating").given_by_name) == (
        h.subject("lanhdao.ubnd"), assign.actor_name)

    # the head of Phòng Tổng hợp hands the unit's task on: the officer's task is given by the head
    case = (await h.call(h.api.DelegateTask, pb.DelegateTaskRequest(
        task_id=lead.id, version=case.version, subject=h.subject("chuyenvien.ubnd"), comment="Đề nghị tham mưu"),
        "truongphong.ubnd")).case
    handed = case.steps[-1]
    mine = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all"), "chuyenvien.ubnd")
    assert [(t.id, t.given_by, t.given_by_name) for t in mine.tasks] == [
        (lead.id, h.subject("truongphong.ubnd"), handed.actor_name)]

    # the officer asks for more time: the leaders' decision task is given by the officer
    case = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=case.version, days=2, reason="Chờ số liệu"), "chuyenvien.ubnd")).case
    asked = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["extension"]), "lanhdao.ubnd")
    assert [(t.given_by, t.given_by_name) for t in asked.tasks] == [
        (h.subject("chuyenvien.ubnd"), case.steps[-1].actor_name)]
    # another agency's people see none of these tasks
    assert list((await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="all"), "truongphong.snv")).tasks) == []
