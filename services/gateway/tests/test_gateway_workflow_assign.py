"""``/api/v1/workflow`` through the gateway in front of a real workflow service (SQLite, tokens of the dev issuer), on
a clock the test sets (issue 14): the deadline preview the assignment forms show is the one the workflow saves (its
calendar: Tết Dương lịch skipped, a day off named), and giao xử lý to a unit without a head (trưởng đơn vị) is a 400
problem naming the unit, the case unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_testing.gateway import asgi_client
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.directory import MemberInfo, UnitInfo
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"


class Units:
    """The workflow's directory: Phòng Tổng hợp with its head, Phòng Nội chính with none (as the seed leaves it)."""

    def __init__(self, issuer: DevIssuer) -> None:
        self.issuer = issuer

    async def units(self, token: str) -> list[UnitInfo]:
        return [
            UnitInfo("TH", "Phòng Tổng hợp", self.issuer.subject("truongphong.ubnd")),
            UnitInfo("NC", "Phòng Nội chính", ""),
        ]

    async def members(self, token: str) -> list[MemberInfo]:
        return [MemberInfo("TH", self.issuer.subject("truongphong.ubnd"), "truongphong.ubnd", "Lê Hoàng Phúc", "head")]

    async def people(self, token: str) -> list[MemberInfo]:
        return [
            MemberInfo("", self.issuer.subject(u), u, u, "", roles=(r,))
            for u, r in (("lanhdao.ubnd", "leader"), ("truongphong.ubnd", "head"))
        ]

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry is not read otherwise in these tests ({name})")


@pytest.fixture
async def gateway(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[tuple[Any, WorkflowServer]]:
    workflow = WorkflowServer(
        WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"),
        dev_issuer.service_settings("workflow"),
        directory=Units(dev_issuer),  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        sweeping=False,
    )
    port = await workflow.start()
    app = create_app(GatewaySettings(workflow_target=f"127.0.0.1:{port}"), dev_issuer.service_settings("gateway"))
    try:
        async with app.router.lifespan_context(app):
            yield app, workflow
    finally:
        await workflow.stop()


def client(app: Any, issuer: DevIssuer, username: str) -> httpx.AsyncClient:
    return asgi_client(app, issuer.token(username))


async def submitted(workflow: WorkflowServer, issuer: DevIssuer, document_id: str, abstract: str, number: int) -> Any:
    """An arrival UBND's clerk submitted to the leaders (its case, as the workflow store answers it)."""
    clerk = Actor(subject=issuer.subject("vanthu.ubnd"), username="vanthu.ubnd", roles=frozenset({"clerk"}))
    return await workflow.store.submit(UBND, document_id=document_id, abstract=abstract, arrival_number=number,
                                       leader="", actor=clerk, comment="")


async def test_the_deadline_preview_is_the_saved_deadline_and_names_a_day_off(
    gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer
) -> None:
    app, workflow = gateway
    case = await submitted(workflow, dev_issuer, "doc-1", "Về việc tổng kết năm 2026", 7)
    async with client(app, dev_issuer, "lanhdao.ubnd") as leader:
        preview = await leader.get("/api/v1/workflow/deadline", params={"days": 23})
        assert preview.status_code == 200, preview.text
        assert preview.json() == {"deadline": "2027-01-04", "today": "2026-12-01", "day_off": ""}
        assigned = await leader.post(
            f"/api/v1/workflow/cases/{case.id}/assign",
            json={"version": case.version, "lead": {"kind": "unit", "id": "TH"}, "deadline_days": 23},
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["deadline"] == "2027-01-04"

        holiday = (await leader.get("/api/v1/workflow/deadline", params={"date": "2027-01-01"})).json()
        assert (holiday["deadline"], holiday["day_off"]) == ("2027-01-01", "Tết Dương lịch")
        for wrong in ({"days": 0}, {"date": "01/01/2027"}, {"date": "2026-11-30"}, {}):
            refused = await leader.get("/api/v1/workflow/deadline", params=wrong)
            assert refused.status_code == 400, (wrong, refused.text)


async def test_giao_xu_ly_to_a_unit_without_a_head_is_a_problem_naming_it(
    gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer
) -> None:
    app, workflow = gateway
    case = await submitted(workflow, dev_issuer, "doc-2", "Về việc phòng, chống tham nhũng", 8)
    async with client(app, dev_issuer, "lanhdao.ubnd") as leader:
        refused = await leader.post(
            f"/api/v1/workflow/cases/{case.id}/assign",
            json={
                "version": case.version,
                "lead": {"kind": "unit", "id": "TH"},
                "cooperating": [{"kind": "unit", "id": "NC"}],
                "deadline_days": 5,
            },
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["detail"] == (
            "Phòng Nội chính chưa có trưởng đơn vị: chưa ai nhận được văn bản. Hãy giao cho người cụ thể hoặc nhờ "
            "quản trị gán trưởng đơn vị."
        )
        assert refused.json()["errors"][0]["field"] == "cooperating[0].id"
    after = await workflow.store.get(UBND, case_id=case.id)
    assert (after.state, after.version) == ("submitted", case.version)


async def test_the_extension_preview_counts_from_the_current_deadline_with_the_services_calendar(
    gateway: tuple[Any, WorkflowServer], dev_issuer: DevIssuer
) -> None:
    """Xin gia hạn's dialog asks for working days more than the current deadline: 3 after Wednesday 30 December 2026
    are Tuesday 5 January 2027 (Tết Dương lịch and the weekend skipped), not 4 January as weekends alone give."""
    app, _ = gateway
    async with client(app, dev_issuer, "chuyenvien.ubnd") as officer:
        preview = await officer.get("/api/v1/workflow/deadline", params={"days": 3, "start": "2026-12-30"})
        assert preview.status_code == 200, preview.text
        assert preview.json() == {"deadline": "2027-01-05", "today": "2026-12-01", "day_off": ""}
        wrong = await officer.get("/api/v1/workflow/deadline", params={"days": 3, "start": "30/12/2026"})
        assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "start"
