"""Soạn văn bản trả lời (issue 14, a fresh user's trial): the officer who leads an arrival drafts its reply and links it
when completing, through the gateway in front of a real registry, storage and workflow (the workflow reads documents
from the registry with the caller's token). The server is the judge: a reply to another agency's arrival, or to one
the officer is not given, is refused; only the officer's own reply to that very arrival completes the task."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from vanthu_core.service_token import ServiceTokens
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.directory import RegistryDirectory
from vanthu_workflow.domain.audience import HeldTask, case_audience
from vanthu_workflow.domain.incoming import PERSON, Party
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


class Documents:
    """The workflow's directory: documents from the real registry; the agency has no units in these tests."""

    def __init__(self, real: RegistryDirectory) -> None:
        self.document = real.document

    async def units(self, token: str) -> list[Any]:
        return []

    async def members(self, token: str) -> list[Any]:
        return []

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry is not read otherwise in these tests ({name})")


@dataclass
class Platform:
    registry: RegistryServer
    workflow: WorkflowServer
    as_user: Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def platform(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Platform]:
    from vanthu_storage.server import StorageServer
    from vanthu_storage.settings import StorageSettings

    clock = Clock()
    storage = StorageServer(
        StorageSettings(
            grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}", data_dir=tmp_path / "storage"
        ),
        dev_issuer.service_settings("storage"),
    )
    storage_target = f"127.0.0.1:{await storage.start()}"
    registry = RegistryServer(
        RegistrySettings(
            grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", storage_target=storage_target
        ),
        dev_issuer.service_settings("registry"),
        clock=clock,
    )
    registry_target = f"127.0.0.1:{await registry.start()}"
    channel = grpc.aio.insecure_channel(registry_target)
    real = RegistryDirectory(channel, ServiceTokens.of(dev_issuer.service_settings("workflow"), "workflow"))
    workflow = WorkflowServer(
        WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"),
        dev_issuer.service_settings("workflow"),
        directory=Documents(real),  # type: ignore[arg-type]
        clock=clock,
        sweeping=False,
    )
    workflow_target = f"127.0.0.1:{await workflow.start()}"
    app = create_app(
        GatewaySettings(
            registry_target=registry_target, storage_target=storage_target, workflow_target=workflow_target
        ),
        dev_issuer.service_settings("gateway"),
    )
    clients: list[httpx.AsyncClient] = []

    def as_user(username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gateway",
            timeout=60,
            headers={"Authorization": f"Bearer {dev_issuer.token(username)}"},
        )
        clients.append(client)
        return client

    try:
        await import_directory(
            registry.settings.database_url,
            [
                {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long", "parent_code": "", "place": "Vĩnh Long"},
                {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND, "place": "Vĩnh Long"},
            ],
        )
        async with app.router.lifespan_context(app):
            yield Platform(registry, workflow, as_user)
            for client in clients:
                await client.aclose()
    finally:
        await channel.close()
        await workflow.stop()
        await registry.stop()
        await storage.stop()


async def arrival(client: httpx.AsyncClient, abstract: str, number_symbol: str) -> dict[str, Any]:
    """A paper arrival the agency's clerk enters by hand, sent by Sở Nội vụ."""
    created = await client.post(
        "/api/v1/documents",
        json={
            "direction": "incoming",
            "type_code": "cong_van",
            "abstract": abstract,
            "paper": True,
            "sender": {
                "agency_code": SNV,
                "agency_name": "Sở Nội vụ tỉnh Vĩnh Long",
                "number_symbol": number_symbol,
                "document_date": "2026-11-28",
            },
        },
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def reply(answers: str, abstract: str = "V/v trả lời về việc rà soát biên chế năm 2027") -> dict[str, Any]:
    return {
        "type_code": "cong_van",
        "abstract": abstract,
        "answers_document_id": answers,
        "recipients": [{"agency_code": SNV}],
    }


async def given(platform: Platform, issuer: DevIssuer, document_id: str, *usernames: str) -> None:
    """The workflow gave the arrival to these people (as its step event tells the registry)."""
    await platform.registry.documents.record_workflow_step(
        agency_code=UBND,
        document_id=document_id,
        actor="lanhdao.ubnd",
        at=Clock().now,
        step="assign",
        from_state="submitted",
        to_state="assigned",
        comment="",
        audience=[f"user:{issuer.subject(u)}" for u in usernames],
        audience_seq=1,
    )


async def test_a_reply_answers_only_an_arrival_the_officer_is_given_and_lists_as_theirs(
    platform: Platform, dev_issuer: DevIssuer
) -> None:
    ubnd = await arrival(platform.as_user("vanthu.ubnd"), "V/v rà soát biên chế năm 2027", "15/SNV-TCBC")
    other = await arrival(platform.as_user("vanthu.snv"), "V/v báo cáo công tác cải cách hành chính", "7/UBND-KT")
    officer = platform.as_user("chuyenvien.ubnd")

    refused = await officer.post("/api/v1/documents", json=reply(other["id"]))  # another agency's arrival
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["answers_document_id"]
    not_given = await officer.post("/api/v1/documents", json=reply(ubnd["id"]))  # not (yet) given to them
    assert not_given.status_code == 400, not_given.text
    assert (await officer.get("/api/v1/documents", params={"direction": "outgoing"})).json()["items"] == []

    await given(platform, dev_issuer, ubnd["id"], "chuyenvien.ubnd", "truongphong.ubnd")
    mine = await officer.post("/api/v1/documents", json=reply(ubnd["id"]))
    assert mine.status_code == 201, mine.text
    assert mine.json()["answers_document_id"] == ubnd["id"]
    theirs = await platform.as_user("truongphong.ubnd").post(
        "/api/v1/documents", json=reply(ubnd["id"], "V/v góp ý dự thảo trả lời về biên chế")
    )
    assert theirs.status_code == 201, theirs.text
    await officer.post("/api/v1/documents", json=reply("", "V/v đăng ký thi đua năm 2027"))  # answers nothing

    listed = await officer.get("/api/v1/documents", params={"answers_document_id": ubnd["id"], "mine": "true"})
    assert listed.status_code == 200, listed.text
    assert [d["id"] for d in listed.json()["items"]] == [mine.json()["id"]]
    # the other agency's officer lists nothing of UBND's, whatever they name
    elsewhere = await platform.as_user("chuyenvien.snv").get(
        "/api/v1/documents", params={"answers_document_id": ubnd["id"]}
    )
    assert elsewhere.json()["items"] == []
    wrong = await officer.get("/api/v1/documents", params={"answers_document_id": "không-phải-mã\x00"})
    assert wrong.status_code == 400, wrong.text
    assert [e["field"] for e in wrong.json()["errors"]] == ["answers_document_id"]


async def test_completing_links_only_the_officers_own_reply_to_that_arrival(
    platform: Platform, dev_issuer: DevIssuer
) -> None:
    ubnd = await arrival(platform.as_user("vanthu.ubnd"), "V/v rà soát biên chế năm 2027", "15/SNV-TCBC")
    await given(platform, dev_issuer, ubnd["id"], "chuyenvien.ubnd", "truongphong.ubnd")
    officer = platform.as_user("chuyenvien.ubnd")
    mine = (await officer.post("/api/v1/documents", json=reply(ubnd["id"]))).json()
    unrelated = (await officer.post("/api/v1/documents", json=reply("", "V/v đăng ký thi đua năm 2027"))).json()
    theirs = (
        await platform.as_user("truongphong.ubnd").post(
            "/api/v1/documents", json=reply(ubnd["id"], "V/v góp ý dự thảo trả lời về biên chế")
        )
    ).json()

    store = platform.workflow.store
    case, lead = await assigned_to_the_officer(platform, dev_issuer, ubnd)

    async def complete(reply_id: str) -> httpx.Response:
        current = await store.get(UBND, case_id=case.id)
        return await officer.post(
            f"/api/v1/workflow/tasks/{lead.id}/complete",
            json={"version": current.version, "result": "Đã dự thảo văn bản trả lời", "reply_document_id": reply_id},
        )

    for wrong in (theirs["id"], unrelated["id"], "0190f0e0-0000-7000-8000-000000000001"):
        refused = await complete(wrong)
        assert refused.status_code in (400, 404), (wrong, refused.text)
        if refused.status_code == 400:
            assert [e["field"] for e in refused.json()["errors"]] == ["reply_document_id"], refused.text
    assert (await store.get(UBND, case_id=case.id)).state == "assigned"

    done = await complete(mine["id"])
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["reply_document_id"]) == ("completed", mine["id"])


async def test_the_lead_still_drafts_a_reply_after_completing_the_arrivals_task(
    platform: Platform, dev_issuer: DevIssuer
) -> None:
    """The web app keeps "Soạn văn bản trả lời" on a completed lead task: the server allows it, since a finished
    task's holder stays in the arrival's audience (the workflow publishes it with the completion step)."""
    ubnd = await arrival(platform.as_user("vanthu.ubnd"), "V/v rà soát biên chế năm 2027", "15/SNV-TCBC")
    store = platform.workflow.store
    case, lead = await assigned_to_the_officer(platform, dev_issuer, ubnd)
    officer = platform.as_user("chuyenvien.ubnd")
    done = await officer.post(
        f"/api/v1/workflow/tasks/{lead.id}/complete",
        json={"version": case.version, "result": "Đã trao đổi trực tiếp với Sở Nội vụ", "reply_document_id": ""},
    )
    assert done.status_code == 200, done.text
    # the audience the workflow publishes with the completion step (its relay is not running here)
    completed = await store.get(UBND, case_id=case.id)
    audience = case_audience([HeldTask(t.assignee_kind, t.assignee, t.unit_code, t.state) for t in completed.tasks])
    assert f"user:{dev_issuer.subject('chuyenvien.ubnd')}" in audience
    await platform.registry.documents.record_workflow_step(
        agency_code=UBND,
        document_id=ubnd["id"],
        actor="chuyenvien.ubnd",
        at=Clock().now,
        step="complete",
        from_state="assigned",
        to_state="completed",
        comment="",
        audience=audience,
        audience_seq=2,
    )

    later = await officer.post("/api/v1/documents", json=reply(ubnd["id"]))
    assert later.status_code == 201, later.text
    assert later.json()["answers_document_id"] == ubnd["id"]
    # someone the arrival was never given to is still refused
    stranger = await platform.as_user("truongphong.ubnd").post("/api/v1/documents", json=reply(ubnd["id"]))
    assert stranger.status_code == 400, stranger.text


def test_the_reply_filters_reach_the_registry_request() -> None:
    from vanthu_gateway.routes.documents import document_filters

    request = document_filters(date_field="document", answers_document_id="doc-1", mine=True)
    assert (request.answers_document_id, request.mine) == ("doc-1", True)
    assert (
        document_filters(date_field="document").answers_document_id,
        document_filters(date_field="document").mine,
    ) == ("", False)


async def test_a_draft_is_cancelled_by_a_clerk_or_leader_and_its_drafter_is_refused_in_vietnamese(
    platform: Platform,
) -> None:
    """Hủy văn bản: the access table's CancelDocument admits the clerk and the leader; the officer who drafted it is
    refused (403) with a Vietnamese sentence naming who may, and the draft is unchanged. The web app offers the action
    to exactly those roles (components/roles.ts CANCELLERS)."""
    officer = platform.as_user("chuyenvien.ubnd")
    created = await officer.post("/api/v1/documents", json=reply("", "V/v đăng ký thi đua năm 2027"))
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]

    refused = await officer.post(f"/api/v1/documents/{draft_id}/cancel", json={"reason": "Không gửi nữa"})
    assert refused.status_code == 403, refused.text
    assert "không có quyền" in refused.json()["detail"] and "lãnh đạo, văn thư" in refused.json()["detail"]
    assert (await officer.get(f"/api/v1/documents/{draft_id}")).json()["status"] == "draft"

    cancelled = await platform.as_user("lanhdao.ubnd").post(
        f"/api/v1/documents/{draft_id}/cancel", json={"reason": "Không ban hành nữa theo chỉ đạo"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"


async def test_asking_whether_an_arrival_has_a_case_answers_null_until_it_is_submitted(
    platform: Platform, dev_issuer: DevIssuer
) -> None:
    """The document page asks for an arrival's case with ``if_exists``: none yet is null, not a 404 the browser's
    console logs; without it the route still answers 404 (the access matrix's contract)."""
    clerk = platform.as_user("vanthu.ubnd")
    ubnd = await arrival(clerk, "V/v rà soát biên chế năm 2027", "15/SNV-TCBC")
    path = f"/api/v1/workflow/documents/{ubnd['id']}/case"

    none = await clerk.get(path, params={"if_exists": "true"})
    assert (none.status_code, none.json()) == (200, None), none.text
    assert (await clerk.get(path)).status_code == 404
    elsewhere = await platform.as_user("vanthu.snv").get(path, params={"if_exists": "true"})
    assert (elsewhere.status_code, elsewhere.json()) == (200, None), "another agency learns nothing more"

    actor = Actor(subject=dev_issuer.subject("vanthu.ubnd"), username="vanthu.ubnd", roles=frozenset({"clerk"}))
    case = await platform.workflow.store.submit(
        UBND, document_id=ubnd["id"], abstract=ubnd["abstract"], arrival_number=3, leader="", actor=actor, comment=""
    )
    found = await clerk.get(path, params={"if_exists": "true"})
    assert found.status_code == 200, found.text
    assert found.json()["id"] == case.id


async def assigned_to_the_officer(
    platform: Platform, dev_issuer: DevIssuer, arrived: dict[str, Any]
) -> tuple[Any, Any]:
    """UBND's ``arrived`` document submitted by the clerk and assigned by the leader to chuyenvien.ubnd as lead:
    the case and its lead task (through the workflow's store)."""
    clerk = Actor(subject=dev_issuer.subject("vanthu.ubnd"), username="vanthu.ubnd", roles=frozenset({"clerk"}))
    leader = Actor(subject=dev_issuer.subject("lanhdao.ubnd"), username="lanhdao.ubnd", roles=frozenset({"leader"}))
    store = platform.workflow.store
    case = await store.submit(
        UBND,
        document_id=arrived["id"],
        abstract=arrived["abstract"],
        arrival_number=3,
        leader="",
        actor=clerk,
        comment="",
    )
    case = await store.assign(
        UBND,
        case.id,
        case.version,
        lead=Party(PERSON, dev_issuer.subject("chuyenvien.ubnd")),
        cooperating=[],
        for_information=[],
        deadline=None,
        instruction="",
        actor=leader,
    )
    return case, next(t for t in case.tasks if t.kind == "lead")
