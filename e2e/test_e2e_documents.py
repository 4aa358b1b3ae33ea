"""Documents through the gateway on the whole platform: a decision drafted, issued, registered on arrival."""

import asyncio
from collections.abc import Callable

import httpx
import nats
import pytest

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.events import decode
from vanthu_devstack import Stack
from vanthu_testing.gateway import bearer

pytestmark = pytest.mark.e2e


def register_id(api: httpx.Client, token: str, direction: str, name: str) -> str:
    registers = api.get("/api/v1/registers", params={"direction": direction}, headers=bearer(token)).json()
    return next(r["id"] for r in registers if r["name"] == name)


def test_a_decision_is_drafted_issued_and_exported(api: httpx.Client, login: Callable[[str], str],
                                                   platform: Stack, draft_pdf: Callable[..., bytes]) -> None:
    officer, clerk = bearer(login("chuyenvien.ubnd")), bearer(login("vanthu.ubnd"))
    upload = api.post("/api/v1/files", headers=officer,
                      files={"file": ("Quyết định.pdf", draft_pdf(), "application/pdf")})
    body = {"type_code": "quyet_dinh", "abstract": "Quyết định về việc thành lập Hội đồng thi đua - khen thưởng tỉnh",
            "signer": {"name": "Trần Thị Thủy", "title": "Chủ tịch", "competence": ""}, "urgency": "urgent",
            "recipients": [{"agency_code": "000.00.02.H61"}, {"name": "Như Điều 3"}],
            "files": [{"object_id": upload.json()["object"]["object_id"]}]}
    draft = api.post("/api/v1/documents", json=body, headers=officer)
    assert draft.status_code == 201, draft.text
    doc = draft.json()
    assert doc["status"] == "draft" and doc["abstract"] == body["abstract"]
    decisions = register_id(api, login("vanthu.ubnd"), "outgoing", "Sổ quyết định")
    assert api.post(f"/api/v1/documents/{doc['id']}/issue", json={"register_id": decisions},
                    headers=officer).status_code == 403
    assert api.post(f"/api/v1/documents/{doc['id']}/submit", headers=officer).status_code == 200
    signed = api.post(f"/api/v1/documents/{doc['id']}/sign", headers=bearer(login("lanhdao.ubnd")), timeout=120)
    assert signed.status_code == 200, signed.text
    issued = api.post(f"/api/v1/documents/{doc['id']}/issue", json={"register_id": decisions}, headers=clerk,
                      timeout=120)
    assert issued.status_code == 200, issued.text
    assert issued.json()["number_symbol"].endswith("/QĐ-UBND")
    history = api.get(f"/api/v1/documents/{doc['id']}/history", headers=officer).json()
    assert [h["action"] for h in history] == ["drafted", "submitted", "signed", "numbered", "issued"]
    assert api.get(f"/api/v1/documents/{doc['id']}", headers=bearer(login("vanthu.snv"))).status_code == 404
    year = issued.json()["document_date"][:4]
    export = api.get(f"/api/v1/registers/{decisions}/export", headers=clerk,
                     params={"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "format": "csv"})
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    assert issued.json()["number_symbol"] in export.content.decode("utf-8-sig")

    async def issued_event() -> registry_events.DocumentIssued:
        connection = await nats.connect(platform.nats_url, user="admin", password=platform.nats_password("admin"))
        try:
            js = connection.jetstream()
            deadline = asyncio.get_running_loop().time() + 30
            while asyncio.get_running_loop().time() < deadline:
                try:
                    msg = await js.get_last_msg("VANTHU_EVENTS", "vanthu.registry.document.issued")
                    event = decode(msg.subject, msg.data)
                    if isinstance(event, registry_events.DocumentIssued) and event.document.document_id == doc["id"]:
                        return event
                except nats.js.errors.NotFoundError:
                    pass
                await asyncio.sleep(0.1)
            raise AssertionError("no issued event")
        finally:
            await connection.close()

    event = asyncio.run(issued_event())
    assert (event.meta.actor, event.meta.agency_code) == ("vanthu.ubnd", "000.00.00.H61")
    assert event.document.number_symbol == issued.json()["number_symbol"] and event.files


def test_an_arrival_entered_from_paper_is_registered(api: httpx.Client, login: Callable[[str], str]) -> None:
    clerk = bearer(login("vanthu.snv"))
    arrival = {"direction": "incoming", "type_code": "cong_van", "abstract": "V/v rà soát biên chế công chức năm 2027",
               "sender": {"agency_code": "000.00.00.H61", "agency_name": "UBND tỉnh Vĩnh Long",
                          "number_symbol": "789/UBND-NC", "document_date": "2026-11-25"}}
    created = api.post("/api/v1/documents", json=arrival, headers=clerk)
    assert created.status_code == 201, created.text
    registered = api.post(f"/api/v1/documents/{created.json()['id']}/register", headers=clerk,
                          json={"register_id": register_id(api, login("vanthu.snv"), "incoming", "Sổ văn bản đến")})
    assert registered.status_code == 200, registered.text
    assert registered.json()["status"] == "registered" and registered.json()["number"] >= 1


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"confidentiality": "top_secret"}, 400, "confidentiality"),
    ({"type_code": "sac_lenh"}, 400, "type_code"),
    ({"urgency": "gấp lắm"}, 400, "urgency"),
    ({"abstract": ""}, 400, "abstract"),
])
def test_bad_documents_get_problem_json_naming_the_field(api: httpx.Client, login: Callable[[str], str],
                                                         change: dict[str, str], status: int, field: str) -> None:
    body = {"type_code": "thong_bao", "abstract": "Thông báo lịch tiếp công dân tháng 12", **change}
    reply = api.post("/api/v1/documents", json=body, headers=bearer(login("chuyenvien.ubnd")))
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in reply.json()["errors"]] == [field]


def test_a_registered_arrival_is_searchable_by_its_own_agency_only(
        api: httpx.Client, login: Callable[[str], str]) -> None:
    """Issue 15: registered through the gateway, found through the gateway's search (polled, no fixed sleep) with or
    without diacritics and by its symbol; another agency's clerk finds and counts nothing of it. The wait is a wait,
    not the 2 s freshness aim (a timing assertion failed on a loaded machine; speed belongs in bench/)."""
    import secrets

    from vanthu_testing.ports import wait_until

    clerk = bearer(login("vanthu.snv"))
    number = f"9{secrets.randbelow(10**6):06d}"
    arrival = {"direction": "incoming", "type_code": "cong_van",
               "abstract": f"V/v kiểm định chất lượng nước sinh hoạt đợt {number}",
               "sender": {"agency_code": "000.00.00.H61", "agency_name": "UBND tỉnh Vĩnh Long",
                          "number_symbol": f"{number}/UBND-KGVX", "document_date": "2026-11-25"}}
    created = api.post("/api/v1/documents", json=arrival, headers=clerk)
    assert created.status_code == 201, created.text
    registered = api.post(f"/api/v1/documents/{created.json()['id']}/register", headers=clerk,
                          json={"register_id": register_id(api, login("vanthu.snv"), "incoming", "Sổ văn bản đến")})
    assert registered.status_code == 200, registered.text
    seen: list[object] = []

    def found() -> bool:
        reply = api.get("/api/v1/search", params={"q": f"kiem dinh chat luong nuoc {number}"}, headers=clerk)
        seen[:] = [reply.status_code, reply.text[:300]]
        return reply.status_code == 200 and [h["document_id"] for h in reply.json()["hits"]] == [
            created.json()["id"]]

    wait_until(found, timeout_s=30.0, what="the registered arrival in the search", last_seen=lambda: str(seen))
    by_symbol = api.get("/api/v1/search", params={"q": f"{number}/UBND"}, headers=clerk).json()
    assert by_symbol["hits"][0]["number_symbol"] == f"{number}/UBND-KGVX"
    other = api.get("/api/v1/search", params={"q": f"kiểm định {number}"}, headers=bearer(login("vanthu.ubnd")))
    assert other.status_code == 200 and other.json()["total"] == 0
    assert all(v["count"] == 0 for values in other.json()["facets"].values() for v in values)
