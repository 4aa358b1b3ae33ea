"""How a finished task ended (issue 14 review item 1): a task a head returned (trả lại) is done, like one approved or
completed, but its ``outcome`` — the action of the step that closed it — says it was returned, in the inbox's done
bucket (the head's Đã xong) and on the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from vanthu.workflow.v1 import workflow_pb2 as pb

from .conftest import Harness

pytestmark = pytest.mark.integration
HEAD, DRAFTER, LEADER = "truongphong.ubnd", "chuyenvien.ubnd", "lanhdao.ubnd"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def done(h: Harness, user: str) -> list[tuple[str, str, str]]:
    """(kind, state, outcome) of the person's finished tasks, newest first."""
    inbox = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="done"), user)
    return [(t.kind, t.state, t.outcome) for t in inbox.tasks]


async def test_a_review_the_head_returned_is_done_with_the_outcome_returned_and_one_approved_says_approved(
    harness: Harness,
) -> None:
    h = harness
    case = await h.started()
    case = (
        await h.call(
            h.api.ReviewOutgoing,
            pb.ReviewOutgoingRequest(
                case_id=case.id, version=case.version, approve=False, comment="Bổ sung số liệu quý III"
            ),
            HEAD,
        )
    ).case
    assert await done(h, HEAD) == [("review", "done", "return_draft")]
    assert [(t.kind, t.outcome) for t in case.tasks if t.kind == "review"] == [("review", "return_draft")]
    assert [t.outcome for t in case.tasks if t.state != "done"] == [""]  # the drafter's open task: none yet

    case = (
        await h.call(
            h.api.ResendOutgoing,
            pb.ResendOutgoingRequest(case_id=case.id, version=case.version, comment="Đã bổ sung"),
            DRAFTER,
        )
    ).case
    case = (
        await h.call(
            h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(case_id=case.id, version=case.version, approve=True), HEAD
        )
    ).case
    assert await done(h, HEAD) == [("review", "done", "approve"), ("review", "done", "return_draft")]
    assert ("draft", "done", "resend") in await done(h, DRAFTER)


async def test_an_arrivals_task_the_head_returned_to_the_leader_says_returned_and_the_leaders_direct_task_none(
    harness: Harness,
) -> None:
    h = harness
    case = await h.assigned()
    lead = h.task(case, "lead")
    case = (
        await h.call(
            h.api.ReturnIncoming,
            pb.ReturnIncomingRequest(task_id=lead.id, version=case.version, reason="Không thuộc chức năng của phòng"),
            HEAD,
        )
    ).case
    assert ("lead", "done", "return") in await done(h, HEAD)
    # the leader's first direct task was closed by their own assignment, a step on no task: no outcome to tell
    assert ("direct", "done", "") in await done(h, LEADER)
