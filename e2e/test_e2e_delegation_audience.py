"""Ủy quyền and who sees the document, on the whole platform (issue 14, finding A): the leader's deputy opens the
arrival submitted to the leader while the delegation is in force (the workflow publishes the open case's audience
again when the delegation is created; the registry keeps it), and after the delegation is revoked, never having acted
on it, gets 404 again. Another agency's person never sees it."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from vanthu_devstack import Stack
from vanthu_testing.gateway import bearer, wait_for

pytestmark = pytest.mark.e2e


def test_the_leaders_deputy_opens_the_arrival_submitted_to_the_leader_until_the_delegation_is_revoked(
    api: httpx.Client, login: Callable[[str], str], platform: Stack
) -> None:
    clerk, leader = bearer(login("vanthu.ubnd")), bearer(login("lanhdao.ubnd"))
    deputy, outsider = bearer(login("chuyenvien.ubnd")), bearer(login("lanhdao.snv"))

    def ok(reply: httpx.Response) -> Any:
        assert reply.is_success, f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text}"
        return reply.json()

    arrival = ok(
        api.post(
            "/api/v1/documents",
            headers=clerk,
            json={
                "direction": "incoming",
                "type_code": "cong_van",
                "abstract": "V/v đề nghị hỗ trợ kinh phí tổ chức hội nghị (ủy quyền xử lý)",
                "sender": {
                    "agency_code": "000.00.41.H61",
                    "agency_name": "UBND phường Long Châu",
                    "number_symbol": "412/UBND-VP",
                    "document_date": "2026-11-25",
                },
            },
        )
    )
    registers = ok(api.get("/api/v1/registers", params={"direction": "incoming"}, headers=clerk))
    incoming = next(r["id"] for r in registers if r["name"] == "Sổ văn bản đến")
    ok(api.post(f"/api/v1/documents/{arrival['id']}/register", json={"register_id": incoming}, headers=clerk))
    people = {p["username"]: p["subject"] for p in ok(api.get("/api/v1/people", headers=clerk))}
    case = ok(
        api.post(
            "/api/v1/workflow/incoming",
            headers=clerk,
            json={"document_id": arrival["id"], "leader": people["lanhdao.ubnd"], "comment": "Kính trình Chủ tịch"},
        )
    )
    document = f"/api/v1/documents/{arrival['id']}"

    def status(who: dict[str, str]) -> int:
        return api.get(document, headers=who).status_code

    wait_for(
        lambda: any(h["action"] == "workflow" for h in ok(api.get(f"{document}/history", headers=clerk))),
        "the submit step in the registry",
    )
    assert (status(deputy), status(outsider)) == (404, 404)

    # the platform runs on the real clock: the delegation is in force from today (Vietnam date) for a week
    today = (datetime.now(UTC) + timedelta(hours=7)).date()
    delegation = ok(
        api.post(
            "/api/v1/workflow/delegations",
            headers=leader,
            json={
                "deputy": people["chuyenvien.ubnd"],
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=7)).isoformat(),
                "competence": "TUQ.",
                "reason": "Đi công tác",
            },
        )
    )
    try:
        assert delegation["active"]
        wait_for(lambda: status(deputy) == 200, "the arrival given to the leader's deputy")
        assert ok(api.get(f"/api/v1/workflow/cases/{case['id']}", headers=deputy))["id"] == case["id"]
        inbox = ok(api.get("/api/v1/workflow/inbox", headers=deputy))
        assert case["id"] in [t["case_id"] for t in inbox["tasks"]]  # what they see is what they may act on
        assert status(outsider) == 404
    finally:
        ok(api.post(f"/api/v1/workflow/delegations/{delegation['id']}/revoke", headers=leader))

    # revoked, and the deputy never acted on it: the arrival is the leader's again
    wait_for(lambda: status(deputy) == 404, "the arrival taken back from the former deputy")
    assert status(leader) == 200 and status(outsider) == 404
    history = ok(api.get(f"{document}/history", headers=clerk))
    assert [h["changes"]["step"] for h in history if h["action"] == "workflow"] == ["submit"]
