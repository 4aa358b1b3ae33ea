"""Ủy quyền and who the case gives its document to (issue 13 item 7): a deputy acts on the delegator's tasks during
the delegation's period only, each step so taken records the delegation, and every step tells the registry who the
document is given to (the audience it keeps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import grpc
import pytest

from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb

from .conftest import UBND, Harness

pytestmark = pytest.mark.integration
HEAD, OFFICER, LEADER = "truongphong.ubnd", "chuyenvien.ubnd", "lanhdao.ubnd"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def delegate(h: Harness, *, user: str = HEAD, deputy: str = OFFICER, unit: str = "TH",
                   valid_from: str = "2031-06-11", valid_to: str = "2031-06-13") -> pb.Delegation:
    return (await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(deputy), unit_code=unit, valid_from=valid_from, valid_to=valid_to, competence="TUQ.",
        reason="Đi công tác"), user)).delegation


async def inbox(h: Harness, user: str) -> list[str]:
    return [t.id for t in (await h.call(h.api.ListInbox, pb.ListInboxRequest(), user)).tasks]


async def test_a_deputy_acts_on_the_units_task_during_the_delegation_and_the_step_records_it(harness: Harness) -> None:
    h = harness
    delegation = await delegate(h)
    assert (delegation.active, delegation.unit_code, delegation.competence) == (True, "TH", "TUQ.")
    case = await h.assigned()  # Phòng Tổng hợp leads: the task is in its head's inbox
    lead = h.task(case, "lead")
    assert lead.id in await inbox(h, OFFICER)  # ... and in the deputy's, under the delegation

    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Đang tổng hợp"), OFFICER)).case
    step = case.steps[-1]
    assert (step.actor, step.on_behalf_of, step.delegation_id) == (OFFICER, HEAD, delegation.id)
    recorded = [e for e in await h.events() if isinstance(e, ev.StepRecorded)]
    assert recorded[-1].on_behalf_of == HEAD
    assert {"unit:TH", "unit:NC", "unit:VP"} <= set(recorded[-1].audience)

    # the day after the period: nothing any more
    h.clock.now += timedelta(days=3)
    assert lead.id not in await inbox(h, OFFICER)
    refused = await h.refused(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Vẫn đang tổng hợp"), OFFICER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    listed = (await h.call(h.api.ListDelegations, pb.ListDelegationsRequest(), HEAD)).delegations
    assert [(d.id, d.active) for d in listed] == [(delegation.id, False)]


async def test_a_delegation_not_yet_begun_or_revoked_gives_nothing(harness: Harness) -> None:
    h = harness
    later = await delegate(h, valid_from="2031-06-12", valid_to="2031-06-20")
    case = await h.assigned()
    lead = h.task(case, "lead")
    assert lead.id not in await inbox(h, OFFICER)  # starts tomorrow
    h.clock.now += timedelta(days=1)
    assert lead.id in await inbox(h, OFFICER)
    revoked = (await h.call(h.api.RevokeDelegation, pb.RevokeDelegationRequest(id=later.id), HEAD)).delegation
    assert (revoked.active, revoked.revoked_by) == (False, HEAD)
    assert lead.id not in await inbox(h, OFFICER)


async def test_who_may_delegate_what(harness: Harness) -> None:
    h = harness
    async def code(**kwargs: str) -> grpc.StatusCode:
        try:
            await delegate(h, **kwargs)
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    assert await code(user=OFFICER, deputy=HEAD) == grpc.StatusCode.PERMISSION_DENIED  # an officer delegates nothing
    assert await code(unit="NC") == grpc.StatusCode.PERMISSION_DENIED  # not the head of Phòng Nội chính
    assert await code(deputy="vanthu.ubnd") == grpc.StatusCode.INVALID_ARGUMENT  # not a member of the unit
    assert await code(deputy=HEAD) == grpc.StatusCode.INVALID_ARGUMENT  # oneself
    assert await code(valid_from="2031-06-01", valid_to="2031-06-05") == grpc.StatusCode.INVALID_ARGUMENT  # ended
    assert await code(user=HEAD, unit="") == grpc.StatusCode.PERMISSION_DENIED  # a head names the unit
    assert await code(user=LEADER, deputy=HEAD, unit="") == grpc.StatusCode.OK  # a leader: their own tasks
    refused = await h.refused(h.api.RevokeDelegation, pb.RevokeDelegationRequest(
        id=(await delegate(h)).id), OFFICER)  # the deputy does not end it (nor may an officer call it)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_head_signs_for_the_leader_under_a_delegation_with_its_competence(harness: Harness) -> None:
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         OFFICER)).case
    sign = pb.SignOutgoingRequest(case_id=case.id, version=case.version)
    assert (await h.refused(h.api.SignOutgoing, sign, HEAD)).code() == grpc.StatusCode.PERMISSION_DENIED  # leaders'
    delegation = (await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(HEAD), valid_from="2031-06-11", valid_to="2031-06-11", competence="TUQ.",
        deputy_position="Chánh Văn phòng"), LEADER)).delegation
    assert delegation.deputy_position == "Chánh Văn phòng"
    assert h.task(case, "sign").id in await inbox(h, HEAD)
    case = (await h.call(h.api.SignOutgoing, sign, HEAD)).case
    assert case.state == "signed"
    assert (case.steps[-1].actor, case.steps[-1].on_behalf_of, case.steps[-1].delegation_id) == (
        HEAD, LEADER, delegation.id)
    assert case.steps[-1].competence == "TUQ."
    assert h.directory.competences[-1] == ("TUQ.", LEADER)  # the registry records the signature's competence
    assert h.directory.positions[-1] == "Chánh Văn phòng"  # ... and signing stamps "TUQ. <title>" over it


async def test_kt_is_refused_to_a_head_and_to_a_units_deputy_and_a_kt_given_earlier_signs_nothing(
        harness: Harness) -> None:
    """Decree 30/2020 Art. 13: KT. (ký thay) is a deputy of the agency's head signing for them. The leader's
    delegation to a head of a unit (not a deputy of the agency's head) and a head's delegation of their unit's tasks
    are refused with KT. and given with TUQ.; a KT. delegation to a head recorded before the rule was checked lets
    them neither prepare nor sign, and nothing is recorded."""
    h = harness
    kt = pb.CreateDelegationRequest(deputy=h.subject(HEAD), valid_from="2031-06-11", valid_to="2031-06-11",
                                    competence="KT.")
    refused = await h.refused(h.api.CreateDelegation, kt, LEADER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "không phải lãnh đạo cơ quan" in refused.details()
    unit_kt = pb.CreateDelegationRequest(deputy=h.subject(OFFICER), unit_code="TH", valid_from="2031-06-11",
                                         valid_to="2031-06-11", competence="KT.")
    refused = await h.refused(h.api.CreateDelegation, unit_kt, HEAD)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "'TUQ.'" in refused.details()
    assert (await h.call(h.api.ListDelegations, pb.ListDelegationsRequest(), LEADER)).delegations == []

    await h.server.api.delegations.create(  # as the service recorded it before KT. was checked
        agency_code=UBND, delegator=h.subject(LEADER), delegator_username=LEADER, delegator_name="Nguyễn Văn Hưởng",
        unit_code="", deputy=h.subject(HEAD), deputy_name="Lê Hoàng Phúc", valid_from=date(2031, 6, 11),
        valid_to=date(2031, 6, 11), competence="KT.", reason="")
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         OFFICER)).case
    for method, request in ((h.api.PrepareSignOutgoing, pb.PrepareSignOutgoingRequest(case_id=case.id,
                                                                                       version=case.version)),
                            (h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version))):
        refused = await h.refused(method, request, HEAD)
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "'TUQ.'" in (refused.details() or "")
    assert h.directory.prepared == [] and h.directory.competences == []
    assert (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), LEADER)).case.state == "submitted"


async def test_a_deputy_preparing_a_usb_token_signing_gets_the_delegations_competence_and_nothing_is_recorded(
        harness: Harness) -> None:
    """Two-step signing under a delegation: the workflow, not the client, gives the registry the delegation in force
    (its competence over the deputy's position: the "TUQ. CHỦ TỊCH" line the signed PDF shows); the leader in their
    own right prepares with none; someone who does not hold the signing task is refused; nothing is recorded."""
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         OFFICER)).case
    prepare = pb.PrepareSignOutgoingRequest(case_id=case.id, version=case.version)
    assert (await h.refused(h.api.PrepareSignOutgoing, prepare, HEAD)).code() == grpc.StatusCode.PERMISSION_DENIED
    assert h.directory.prepared == []
    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(HEAD), valid_from="2031-06-11", valid_to="2031-06-11", competence="TUQ.",
        deputy_position="Chánh Văn phòng"), LEADER)
    prepared = await h.call(h.api.PrepareSignOutgoing, prepare, HEAD)
    assert h.directory.prepared == [("TUQ.", LEADER, "Chánh Văn phòng")]
    assert list(prepared.authority) == ["TUQ. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"] and prepared.handle
    await h.call(h.api.PrepareSignOutgoing, prepare, LEADER)
    assert h.directory.prepared[-1] == ("", "", "")  # the leader in their own right
    after = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), LEADER)).case
    assert (after.version, after.state, len(after.steps)) == (case.version, "submitted", len(case.steps))
    stale = pb.PrepareSignOutgoingRequest(case_id=case.id, version=case.version - 1)
    assert (await h.refused(h.api.PrepareSignOutgoing, stale, HEAD)).code() == grpc.StatusCode.ABORTED


async def test_an_officer_deputising_for_the_leader_directs_the_case_in_the_leaders_name(harness: Harness) -> None:
    """The access table lets AssignIncoming, DecideExtension and RecallIncoming through to the service for a person
    without the leader's role (delegable), and the service lets them act only under a leader's delegation in
    force: without it they are refused exactly as before, and nothing is written nor published."""
    h = harness
    case = await h.submitted()
    assign = pb.AssignIncomingRequest(case_id=case.id, version=case.version, lead=pb.Party(kind="unit", id="TH"),
                                      deadline_days=5, instruction="Phòng Tổng hợp chủ trì")
    events = len(await h.events())
    assert (await h.refused(h.api.AssignIncoming, assign, OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    assert len(await h.events()) == events  # a refused step publishes nothing
    delegation = (await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(OFFICER), valid_from="2031-06-11", valid_to="2031-06-12", competence="TUQ.",
        reason="Lãnh đạo đi công tác"), LEADER)).delegation

    case = (await h.call(h.api.AssignIncoming, assign, OFFICER)).case
    assert case.state == "assigned"
    step = case.steps[-1]
    assert (step.action, step.actor, step.on_behalf_of, step.delegation_id) == (
        "assign", OFFICER, LEADER, delegation.id)
    recorded = [e for e in await h.events() if isinstance(e, ev.StepRecorded)][-1]
    assert (recorded.action, recorded.on_behalf_of, recorded.competence) == ("assign", LEADER, "TUQ.")  # history
    assert step.competence == "TUQ."

    lead = h.task(case, "lead")
    case = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=case.version, reason="Chờ số liệu của các sở", days=3), HEAD)).case
    assert h.task(case, "extension").id in await inbox(h, OFFICER)  # the leaders' task reaches the deputy
    case = (await h.call(h.api.DecideExtension, pb.DecideExtensionRequest(
        case_id=case.id, version=case.version, grant=True), OFFICER)).case
    assert (case.steps[-1].action, case.steps[-1].on_behalf_of) == ("grant_extension", LEADER)
    case = (await h.call(h.api.RecallIncoming, pb.RecallIncomingRequest(
        case_id=case.id, version=case.version, comment="Thu hồi để giao lại"), OFFICER)).case
    assert (case.state, case.steps[-1].on_behalf_of, case.steps[-1].delegation_id) == (
        "submitted", LEADER, delegation.id)

    h.clock.now += timedelta(days=2)  # the period is over: refused again, as anyone without the role
    assign = pb.AssignIncomingRequest(case_id=case.id, version=case.version, lead=pb.Party(kind="unit", id="TH"))
    events = len(await h.events())
    assert (await h.refused(h.api.AssignIncoming, assign, OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    assert len(await h.events()) == events


async def test_a_unit_delegation_lets_the_deputy_give_the_units_task_but_not_another_units(harness: Harness) -> None:
    h = harness
    case = await h.assigned()  # Phòng Tổng hợp leads, Phòng Nội chính cooperates
    lead, other = h.task(case, "lead"), h.task(case, "cooperating", assignee="NC")
    give = pb.DelegateTaskRequest(task_id=lead.id, version=case.version, subject=h.subject(OFFICER),
                                  comment="Đồng chí Ánh xử lý")
    assert (await h.refused(h.api.DelegateTask, give, OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    delegation = await delegate(h)  # the head of Phòng Tổng hợp: the unit's tasks
    refused = await h.refused(h.api.DelegateTask, pb.DelegateTaskRequest(
        task_id=other.id, version=case.version, subject=h.subject(OFFICER)), OFFICER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # Phòng Nội chính's task: not the delegation's
    case = (await h.call(h.api.DelegateTask, give, OFFICER)).case
    step = case.steps[-1]
    assert (step.action, step.actor, step.on_behalf_of, step.delegation_id) == (
        "delegate", OFFICER, HEAD, delegation.id)
    assert h.task(case, "lead").assignee == h.subject(OFFICER)


async def test_a_leaders_deputy_gives_and_directs_work_in_the_leaders_name(harness: Harness) -> None:
    h = harness
    job = pb.GiveJobRequest(title="Chuẩn bị báo cáo tổng kết năm 2031", lead=pb.Party(kind="unit", id="NC"),
                            deadline_days=5)
    assert (await h.refused(h.api.GiveJob, job, OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    delegation = (await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(OFFICER), valid_from="2031-06-11", valid_to="2031-06-11"), LEADER)).delegation
    given = (await h.call(h.api.GiveJob, job, OFFICER)).case
    assert (given.drafter, given.unit_code) == (h.subject(LEADER), "")  # the leader's job, for the whole agency
    assert (given.steps[-1].actor, given.steps[-1].on_behalf_of, given.steps[-1].delegation_id) == (
        OFFICER, LEADER, delegation.id)
    assert given.id in [j.id for j in (await h.call(h.api.ListJobs, pb.ListJobsRequest(), LEADER)).jobs]
    recalled = (await h.call(h.api.RecallJob, pb.RecallJobRequest(case_id=given.id, version=given.version,
                                                                  comment="Thu hồi"), OFFICER)).case
    assert (recalled.state, recalled.steps[-1].on_behalf_of) == ("submitted", LEADER)
    h.clock.now += timedelta(days=1)  # over: the job is not the officer's to direct any more
    refused = await h.refused(h.api.RecallJob, pb.RecallJobRequest(case_id=given.id, version=recalled.version),
                              OFFICER)
    assert refused.code() == grpc.StatusCode.NOT_FOUND  # nor to see


async def test_deputies_review_a_draft_for_the_leaders_and_answer_a_consultation_for_the_unit(
        harness: Harness) -> None:
    """ReviewOutgoing and AnswerConsultation are delegable: an archivist deputising for the leader reviews a draft
    the leaders review (its drafter's unit has no head), and the officer deputising for the head of Phòng Tổng hợp
    answers the consultation of that unit."""
    h = harness
    h.directory.without_head("000.00.00.H61", "VP")  # as in the seed
    case = await h.started(drafter="vanthu.ubnd")  # Văn phòng has no head: the leaders review
    assert h.task(case, "review").assignee == "leader"
    approve = pb.ReviewOutgoingRequest(case_id=case.id, version=case.version, approve=True, consult=["TH"],
                                       comment="Đề nghị Phòng Tổng hợp góp ý")
    assert (await h.refused(h.api.ReviewOutgoing, approve, "luutru.ubnd")).code() == grpc.StatusCode.PERMISSION_DENIED
    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject("luutru.ubnd"), valid_from="2031-06-11", valid_to="2031-06-11"), LEADER)
    case = (await h.call(h.api.ReviewOutgoing, approve, "luutru.ubnd")).case
    assert (case.state, case.steps[-1].on_behalf_of, case.steps[-1].competence) == ("consulting", LEADER, "TUQ.")

    consult = h.task(case, "consult")
    answer = pb.AnswerConsultationRequest(task_id=consult.id, version=case.version, opinion="Nhất trí với dự thảo")
    assert (await h.refused(h.api.AnswerConsultation, answer, OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    delegation = await delegate(h)  # the head of Phòng Tổng hợp: the unit's tasks, to the officer
    case = (await h.call(h.api.AnswerConsultation, answer, OFFICER)).case
    step = case.steps[-1]
    assert (step.actor, step.on_behalf_of, step.delegation_id, step.competence) == (
        OFFICER, HEAD, delegation.id, "TUQ.")


async def test_a_deputy_of_two_leaders_signs_for_the_signer_the_draft_names_or_not_at_all(harness: Harness) -> None:
    """Issue 13 review item 4: a head deputising for two leaders at once signs under the delegation of the signer the
    draft designates (người ký), not the one that began first; a draft naming another signer, or none, is refused in
    words saying why, and nothing is signed."""
    h = harness
    await h.server.api.delegations.create(  # a second leader's delegation, begun the day before
        agency_code=UBND, delegator="s-pho-chu-tich", delegator_username="phochutich.ubnd",
        delegator_name="Trần Văn Hai", unit_code="", deputy=h.subject(HEAD), deputy_name="Lê Hoàng Phúc",
        valid_from=date(2031, 6, 10), valid_to=date(2031, 6, 12), competence="TUQ.", reason="Đi công tác")
    leaders = (await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(HEAD), valid_from="2031-06-11", valid_to="2031-06-11", competence="TUQ."), LEADER)).delegation

    async def submitted(signer: str, subject: str = "") -> pb.Case:
        case = await h.started()
        h.directory.documents[case.document_id] = replace(h.directory.documents[case.document_id],
                                                          signer_name=signer, signer_subject=subject)
        case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
            case_id=case.id, version=case.version, approve=True), HEAD)).case
        return (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                             OFFICER)).case

    case = await submitted("nguyễn văn  HƯỞNG")  # lanhdao.ubnd, as the drafter typed it
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         HEAD)).case
    assert (case.steps[-1].on_behalf_of, case.steps[-1].delegation_id, case.steps[-1].competence) == (
        LEADER, leaders.id, "TUQ.")
    assert h.directory.competences[-1] == ("TUQ.", LEADER)

    for signer, words in (("Lê Văn Ba", "dự thảo ghi người ký là Lê Văn Ba"), ("", "dự thảo chưa ghi người ký")):
        case = await submitted(signer)
        for method, request in (
                (h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version)),
                (h.api.PrepareSignOutgoing, pb.PrepareSignOutgoingRequest(case_id=case.id, version=case.version))):
            refused = await h.refused(method, request, HEAD)
            assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and words in (refused.details() or ""), \
                refused.details()
            assert "Trần Văn Hai, Nguyễn Văn Hưởng" in (refused.details() or "")
    assert len(h.directory.competences) == 1 and h.directory.prepared == []

    # chosen from the agency's people, the signer's account decides, whatever name is printed (two people may share
    # a name; a leader's name may be written differently): here Trần Văn Hai's, under the leader's printed name
    case = await submitted("Nguyễn Văn Hưởng", subject="s-pho-chu-tich")
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         HEAD)).case
    assert (case.steps[-1].on_behalf_of, case.steps[-1].competence) == ("phochutich.ubnd", "TUQ.")
    case = await submitted("Trần Văn Hai", subject="s-someone-else")  # an account the deputy holds nothing from
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version), HEAD)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED


async def audiences(h: Harness, case_id: str, action: str = "") -> list[set[str]]:
    """The audiences the steps of a case published, in order (``action``: only those of that action)."""
    return [set(e.audience) for e in await h.events()
            if isinstance(e, ev.StepRecorded) and e.case_id == case_id and (not action or e.action == action)]


async def test_a_leaders_deputy_is_given_the_arrival_submitted_to_the_leader_until_the_delegation_is_revoked(
        harness: Harness) -> None:
    h = harness
    deputy, leader = f"user:{h.subject(HEAD)}", f"user:{h.subject(LEADER)}"
    case = (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(
        document_id=h.registered(), leader=h.subject(LEADER), comment="Kính trình Chủ tịch"), "vanthu.ubnd")).case
    assert (await audiences(h, case.id))[-1] == {leader}

    # the delegation is created: the open case is published again, with the deputy who may now act on it
    delegation = await delegate(h, user=LEADER, deputy=HEAD, unit="")
    assert (await audiences(h, case.id, "audience")) == [{leader, deputy}]
    # a step taken while it is in force says so too
    other = (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(
        document_id=h.registered(), leader=h.subject(LEADER), comment="Kính trình Chủ tịch"), "vanthu.ubnd")).case
    assert (await audiences(h, other.id))[-1] == {leader, deputy}

    # revoked before the deputy acted: both cases are published again without them
    await h.call(h.api.RevokeDelegation, pb.RevokeDelegationRequest(id=delegation.id), LEADER)
    assert (await audiences(h, case.id, "audience"))[-1] == {leader}
    assert (await audiences(h, other.id, "audience"))[-1] == {leader}
    assert all(e.meta.actor == LEADER for e in await h.events()
               if isinstance(e, ev.StepRecorded) and e.action == "audience")


async def test_a_units_delegation_not_yet_begun_gives_the_audience_when_it_begins_and_takes_it_when_it_ends(
        harness: Harness) -> None:
    h = harness
    deputy = f"user:{h.subject(OFFICER)}"
    case = await h.assigned()  # Phòng Tổng hợp leads
    await delegate(h, valid_from="2031-06-12", valid_to="2031-06-13")
    assert await audiences(h, case.id, "audience") == []  # pending: nothing to act on yet
    assert deputy not in (await audiences(h, case.id))[-1]

    h.clock.now += timedelta(days=1)  # it begins: the sweep publishes the unit's open case with the deputy
    await h.server.api.sweep()
    assert deputy in (await audiences(h, case.id, "audience"))[-1]
    await h.server.api.sweep()  # once
    assert len(await audiences(h, case.id, "audience")) == 1

    h.clock.now += timedelta(days=2)  # it ended (the deputy never acted): published again without them
    await h.server.api.sweep()
    published = await audiences(h, case.id, "audience")
    assert len(published) == 2 and deputy not in published[-1] and "unit:TH" in published[-1]


async def test_a_deputy_who_acted_keeps_seeing_the_document_after_the_delegation_ends(harness: Harness) -> None:
    h = harness
    deputy = f"user:{h.subject(OFFICER)}"
    delegation = await delegate(h)
    case = await h.assigned()
    lead = h.task(case, "lead")
    assert deputy in (await audiences(h, case.id))[-1]  # the unit's deputy may act on the lead task
    # the head's own step (PostgreSQL: the one-statement path) names the deputy too
    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Đang tổng hợp"), HEAD)).case
    assert deputy in (await audiences(h, case.id))[-1]
    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Đã xin ý kiến"), OFFICER)).case

    await h.call(h.api.RevokeDelegation, pb.RevokeDelegationRequest(id=delegation.id), HEAD)
    assert deputy in (await audiences(h, case.id, "audience"))[-1]  # they acted: they keep it
    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Sắp xong"), HEAD)).case
    assert deputy in (await audiences(h, case.id))[-1]


async def test_another_agencys_delegation_publishes_nothing_of_this_agency(harness: Harness) -> None:
    h = harness
    case = (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(
        document_id=h.registered(), comment="Kính trình lãnh đạo"), "vanthu.ubnd")).case
    await delegate(h, user="lanhdao.snv", deputy="chuyenvien.snv", unit="")
    assert await audiences(h, case.id, "audience") == []
    assert f"user:{h.subject('chuyenvien.snv')}" not in (await audiences(h, case.id))[-1]


async def test_every_audience_a_case_publishes_is_ordered_after_the_one_before_so_a_redelivery_undoes_nothing(
        harness: Harness) -> None:
    """The registry keeps the audience with the highest ``audience_seq``: re-publications at the same version (a
    delegation created, revoked, created again) and the steps around them must each carry a higher one than the
    last, or a redelivered earlier one would give a revoked deputy the document again."""
    h = harness
    case = await h.assigned()  # Phòng Tổng hợp leads
    lead = h.task(case, "lead")
    first = await delegate(h)
    await h.call(h.api.RevokeDelegation, pb.RevokeDelegationRequest(id=first.id), HEAD)
    await delegate(h)
    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(  # PostgreSQL: the one-statement path
        task_id=lead.id, version=case.version, comment="Đang tổng hợp"), HEAD)).case
    await h.call(h.api.RecordProgress, pb.RecordProgressRequest(  # a step through the ORM's path
        task_id=lead.id, version=case.version, comment="Đã xin ý kiến các phòng"), OFFICER)

    published = [(e.action, e.audience_seq) for e in await h.events()
                 if isinstance(e, ev.StepRecorded) and e.case_id == case.id]
    assert [a for a, _ in published][-5:] == ["audience", "audience", "audience", "progress", "progress"]
    seqs = [s for _, s in published]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), published
