"""``GET /api/v1/workflow/inbox``'s filters through the gateway in front of a real workflow service (SQLite, tokens of
the dev issuer), as the Văn bản đến work tabs send them: words of the trích yếu, type, issuing agency and the days
the task was given narrow the person's own tasks and counts; another agency's leader finds nothing with the same
filters; a filter the API cannot take is a 400 problem naming it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_testing.gateway import asgi_client
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.directory import MemberInfo, UnitInfo
from vanthu_workflow.domain.incoming import Action, Party
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
SO_Y_TE = "000.00.15.H62"


class NoUnits:
    """The workflow's directory for an inbox: agencies without units (the tasks here are the leaders' role's)."""

    async def units(self, token: str) -> list[UnitInfo]:
        return []

    async def members(self, token: str) -> list[MemberInfo]:
        return []

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry is not read otherwise in these tests ({name})")


@pytest.fixture
async def gateway(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[tuple[Any, WorkflowServer]]:
    workflow = WorkflowServer(WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"),
                              dev_issuer.service_settings("workflow"), directory=NoUnits(),  # type: ignore[arg-type]
                              clock=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC), sweeping=False)
    port = await workflow.start()
    app = create_app(GatewaySettings(workflow_target=f"127.0.0.1:{port}"), dev_issuer.service_settings("gateway"))
    try:
        async with app.router.lifespan_context(app):
            yield app, workflow
    finally:
        await workflow.stop()


def client(app: Any, issuer: DevIssuer, username: str) -> httpx.AsyncClient:
    return asgi_client(app, issuer.token(username))


async def test_the_inbox_filters_reach_the_workflow_and_keep_to_the_callers_tasks(
        gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer) -> None:
    app, workflow = gateway
    clerk = Actor(subject=dev_issuer.subject("vanthu.ubnd"), username="vanthu.ubnd", roles=frozenset({"clerk"}))
    made = {}
    for document_id, abstract, type_code, issuer in (
            ("doc-1", "Kế hoạch chuyển đổi số ngành y tế năm 2032", "ke_hoach", SO_Y_TE),
            ("doc-2", "Về việc tổ chức hội nghị tổng kết năm 2031", "cong_van", "000.00.12.H62")):
        case = await workflow.store.submit(UBND, document_id=document_id, abstract=abstract, arrival_number=7,
                                           leader="", actor=clerk, comment="", type_code=type_code,
                                           issuing_agency_code=issuer)
        made[document_id] = case.id
    filters = {"case_kind": "incoming", "bucket": "all", "q": "chuyen doi so", "type_code": "ke_hoach",
               "issuing_agency_code": SO_Y_TE, "date_from": "2031-06-11", "date_to": "2031-06-11"}
    async with client(app, dev_issuer, "lanhdao.ubnd") as leader, client(app, dev_issuer, "lanhdao.snv") as other:
        reply = await leader.get("/api/v1/workflow/inbox", params=filters)
        assert reply.status_code == 200, reply.text
        assert [t["case_id"] for t in reply.json()["tasks"]] == [made["doc-1"]]
        assert reply.json()["counts"]["todo"] == 1
        unfiltered = (await leader.get("/api/v1/workflow/inbox", params={"bucket": "all"})).json()
        assert unfiltered["counts"]["todo"] == 2
        later = (await leader.get("/api/v1/workflow/inbox", params={**filters, "date_from": "2031-06-12",
                                                                   "date_to": "2031-06-30"})).json()
        assert later["tasks"] == [] and later["counts"]["todo"] == 0

        theirs = await other.get("/api/v1/workflow/inbox", params=filters)
        assert theirs.status_code == 200 and theirs.json()["tasks"] == []
        assert theirs.json()["counts"] == {"todo": 0, "due_soon": 0, "overdue": 0, "done": 0}

        wrong = await leader.get("/api/v1/workflow/inbox", params={"date_from": "11/06/2031"})
        assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "date_from"
        reversed_ = await leader.get("/api/v1/workflow/inbox", params={"date_from": "2031-06-12",
                                                                      "date_to": "2031-06-11"})
        assert reversed_.status_code == 400
        assert reversed_.json()["detail"] == "Đến ngày: phải từ Từ ngày trở về sau."


async def test_the_jobs_given_are_filtered_and_paged_on_the_server_only_among_the_callers_own(
        gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer) -> None:
    """Giao việc's list (GET /jobs) takes q (title words, tones optional), state and the days given, page after page;
    another agency's leader finds nothing with the same filters; a state the API does not know is a 400."""
    app, workflow = gateway
    leader = Actor(subject=dev_issuer.subject("lanhdao.ubnd"), username="lanhdao.ubnd", name="Nguyễn Văn Hưởng",
                   roles=frozenset({"leader"}))
    officer = Party("person", dev_issuer.subject("chuyenvien.ubnd"), "Phạm Thị Ngọc Ánh")
    made = []
    for title in ("Báo cáo tổng kết công tác năm 2031", "Chuẩn bị hội nghị tổng kết", "Kế hoạch chuyển đổi số"):
        job = await workflow.store.give_job(UBND, title=title, description="", lead=officer, cooperating=[],
                                            for_information=[], deadline=None, unit_code="", actor=leader)
        made.append(job.id)
    filters = {"q": "tong ket", "state": "assigned", "date_from": "2031-06-11", "date_to": "2031-06-11",
               "page_size": 1}
    async with client(app, dev_issuer, "lanhdao.ubnd") as mine, client(app, dev_issuer, "lanhdao.snv") as other:
        first = await mine.get("/api/v1/workflow/jobs", params=filters)
        assert first.status_code == 200, first.text
        assert [j["id"] for j in first.json()["jobs"]] == [made[1]] and first.json()["next_page_token"]
        second = (await mine.get("/api/v1/workflow/jobs", params={
            **filters, "page_token": first.json()["next_page_token"]})).json()
        assert [j["id"] for j in second["jobs"]] == [made[0]] and not second["next_page_token"]
        none = (await mine.get("/api/v1/workflow/jobs", params={**filters, "state": "completed"})).json()
        assert none["jobs"] == []
        theirs = await other.get("/api/v1/workflow/jobs", params={"q": "tong ket"})
        assert theirs.status_code == 200 and theirs.json()["jobs"] == []
        wrong = await mine.get("/api/v1/workflow/jobs", params={"state": "done"})
        assert wrong.status_code == 400, wrong.text


async def test_an_extension_request_in_the_givers_list_carries_its_dates_and_another_agency_sees_none(
        gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer) -> None:
    """The xin gia hạn a job's giver decides carries the job's hạn xử lý and the one asked for (TaskOut's case_deadline
    and requested_deadline) and who asked (given_by, given_by_name), so the work lists load no case and parse no
    step's text; another agency sees nothing."""
    app, workflow = gateway
    leader = Actor(subject=dev_issuer.subject("lanhdao.ubnd"), username="lanhdao.ubnd", name="Nguyễn Văn Hưởng",
                   roles=frozenset({"leader"}))
    officer = Actor(subject=dev_issuer.subject("chuyenvien.ubnd"), username="chuyenvien.ubnd",
                    name="Phạm Thị Ngọc Ánh", roles=frozenset({"officer"}))
    job = await workflow.store.give_job(UBND, title="Báo cáo tổng kết công tác năm 2031", description="",
                                        lead=Party("person", officer.subject, officer.name), cooperating=[],
                                        for_information=[], deadline=date(2031, 6, 18), unit_code="", actor=leader)
    (lead,) = [t for t in job.tasks if t.kind == "lead"]
    await workflow.store.act_on_task(UBND, lead.id, job.version, Action.REQUEST_EXTENSION, actor=officer,
                                     comment="Chờ số liệu của các xã", requested=date(2031, 7, 1))
    async with client(app, dev_issuer, "lanhdao.ubnd") as mine, client(app, dev_issuer, "lanhdao.snv") as other:
        reply = await mine.get("/api/v1/workflow/inbox", params={"kind": "extension", "case_kind": "job"})
        assert reply.status_code == 200, reply.text
        assert [(t["kind"], t["case_id"], t["case_deadline"], t["requested_deadline"])
                for t in reply.json()["tasks"]] == [("extension", job.id, "2031-06-18", "2031-07-01")]
        # người giao: the one who asked, as the workflow recorded them
        assert [(t["given_by"], t["given_by_name"]) for t in reply.json()["tasks"]] == [
            (officer.subject, "Phạm Thị Ngọc Ánh")]
        theirs = await other.get("/api/v1/workflow/inbox", params={"bucket": "all"})
        assert theirs.status_code == 200 and theirs.json()["tasks"] == []
