"""The gateway in front of a real registry (on an injected clock): each agency's place in the directory JSON,
registers that say what they number, arrivals whose signatures are not checked, register books as PDF, and going
live mid-year (start, import, history) — as problem+json where the registry refuses."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.documents import draft_pdf
from vanthu_testing.gateway import users_of
from vanthu_testing.identity import DevIssuer
from vanthu_testing.ports import free_port

pytestmark = pytest.mark.integration
UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2031, 3, 10, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def api(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """The gateway in front of the registry (on the injected clock), storage and signing (dev PKI, demo profiles)."""
    from vanthu_signing.server import SigningServer
    from vanthu_signing.settings import SigningSettings
    from vanthu_storage.server import StorageServer
    from vanthu_storage.settings import StorageSettings

    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                            data_dir=tmp_path / "storage"), dev_issuer.service_settings("storage"))
    storage_target = f"127.0.0.1:{await storage.start()}"
    port, signing_port = free_port(), free_port()
    signing = SigningServer(SigningSettings(
        grpc_port=signing_port, dev_pki_dir=str(tmp_path / "pki"), dev_profiles=True,
        users_file=str(dev_issuer.users_file), storage_target=storage_target,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}", registry_target=f"127.0.0.1:{port}"),
        dev_issuer.service_settings("signing"))
    await signing.start()
    registry = RegistryServer(RegistrySettings(grpc_port=port, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
                                               storage_target=storage_target,
                                               signing_target=f"127.0.0.1:{signing_port}"),
                              dev_issuer.service_settings("registry"), clock=Clock())
    await registry.start()
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{port}", storage_target=storage_target,
                                     signing_target=f"127.0.0.1:{signing_port}"),
                     dev_issuer.service_settings("gateway"))
    try:
        await import_directory(registry.settings.database_url, [
            {"code": code, "name": name, "parent_code": parent, "place": place}
            for code, name, parent, place in ((UBND, "Ủy ban nhân dân tỉnh Vĩnh Long", "", "Vĩnh Long"),
                                              (SNV, "Sở Nội vụ tỉnh Vĩnh Long", UBND, "Vĩnh Long"),
                                              (LONG_CHAU, "Ủy ban nhân dân phường Long Châu", UBND, "Long Châu"))])
        async with users_of(app, dev_issuer.token) as as_user:
            yield as_user
    finally:
        await registry.stop()
        await signing.stop()
        await storage.stop()


async def upload(client: httpx.AsyncClient, abstract: str) -> str:
    reply = await client.post("/api/v1/files", files={"file": ("dự thảo.pdf", draft_pdf(abstract), "application/pdf")})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["object"]["object_id"])


async def signed(api: Callable[[str], httpx.AsyncClient], body: dict[str, object]) -> dict[str, object]:
    """Drafted with its PDF by the officer, submitted, and signed by the leader, through the gateway."""
    officer = api("chuyenvien.ubnd")
    draft = await officer.post("/api/v1/documents", json={
        **body, "files": [{"object_id": await upload(officer, str(body["abstract"])[:60])}]})
    assert draft.status_code == 201, draft.text
    assert (await officer.post(f"/api/v1/documents/{draft.json()['id']}/submit")).status_code == 200
    reply = await api("lanhdao.ubnd").post(f"/api/v1/documents/{draft.json()['id']}/sign")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


async def test_each_agency_shows_its_own_place(api: Callable[[str], httpx.AsyncClient]) -> None:
    clerk = api("vanthu.longchau")
    ward, province = (await clerk.get(f"/api/v1/agencies/{LONG_CHAU}")).json(), \
        (await clerk.get(f"/api/v1/agencies/{UBND}")).json()
    assert (ward["place"], province["place"]) == ("Long Châu", "Vĩnh Long")
    changed = await api("quantri.longchau").put(f"/api/v1/agencies/{LONG_CHAU}", json={
        "name": "Ủy ban nhân dân phường Long Châu", "parent_code": UBND, "place": "Phường Long Châu"})
    assert changed.status_code == 200 and changed.json()["agency"]["place"] == "Phường Long Châu"
    comma = await api("quantri.longchau").put(f"/api/v1/agencies/{LONG_CHAU}", json={
        "name": "Ủy ban nhân dân phường Long Châu", "parent_code": UBND, "place": "Long Châu,"})
    assert comma.status_code == 400 and comma.json()["errors"][0]["field"] == "place"


async def test_registers_say_what_they_number_and_issuing_finds_the_one(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    clerk = api("vanthu.ubnd")
    general = (await clerk.post("/api/v1/registers", json={"direction": "outgoing", "name": "Sổ văn bản đi",
                                                           "agency_abbreviation": "UBND"})).json()
    normative = await clerk.post("/api/v1/registers", json={
        "direction": "outgoing", "name": "Sổ quyết định quy phạm pháp luật", "agency_abbreviation": "UBND",
        "type_codes": ["quyet_dinh"], "legal_normative": True})
    assert normative.status_code == 201 and normative.json()["legal_normative"] is True
    again = await clerk.post("/api/v1/registers", json={"direction": "outgoing", "name": "Sổ đi 2",
                                                        "agency_abbreviation": "UBND"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert f"sổ 'Sổ văn bản đi' (mã {general['id']})" in again.json()["detail"]
    draft = await signed(api, {"type_code": "quyet_dinh", "legal_normative": True,
                               "abstract": "Quyết định ban hành Quy định phân cấp quản lý tài sản công"})
    wrong = await clerk.post(f"/api/v1/documents/{draft['id']}/issue", json={"register_id": general["id"]})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "register_id"
    issued = await clerk.post(f"/api/v1/documents/{draft['id']}/issue")  # no body: the covering register
    assert issued.status_code == 200, issued.text
    assert (issued.json()["number_symbol"], issued.json()["legal_normative"]) == ("01/2031/QĐ-UBND", True)
    assert issued.json()["status"] == "issued"
    book = await clerk.get(f"/api/v1/registers/{normative.json()['id']}/export",
                           params={"date_from": "2031-01-01", "date_to": "2031-12-31", "format": "pdf"})
    assert book.status_code == 200 and book.headers["content-type"] == "application/pdf"
    assert book.content.startswith(b"%PDF") and book.headers["x-row-count"] == "1"


async def test_an_unchecked_arrival_is_registered_only_with_a_reason(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    clerk = api("vanthu.snv")
    incoming = (await clerk.post("/api/v1/registers", json={"direction": "incoming", "name": "Sổ văn bản đến"})).json()
    second = await clerk.post("/api/v1/registers", json={"direction": "incoming", "name": "Sổ đến (một cửa)"})
    assert second.status_code == 409 and "dãy số đến riêng" in second.json()["detail"]
    arrival = (await clerk.post("/api/v1/documents", json={
        "direction": "incoming", "type_code": "cong_van", "abstract": "V/v rà soát vị trí việc làm",
        "sender": {"agency_code": UBND, "agency_name": "UBND tỉnh Vĩnh Long", "number_symbol": "88/UBND-NC",
                   "document_date": "2031-03-09"},
        "files": [{"object_id": await upload(clerk, "V/v rà soát vị trí việc làm")}]})).json()
    assert arrival["signature_check"] == "pending" and arrival["arrived_at"].endswith("+07:00")
    path = f"/api/v1/documents/{arrival['id']}/register"
    refused = await clerk.post(path, json={"register_id": incoming["id"]})
    assert refused.status_code == 422 and "chưa được kiểm tra xong" in refused.json()["detail"]
    registered = await clerk.post(path, json={"confirm_signature_problem": True,  # the one incoming register
                                              "reason": "Văn bản hỏa tốc, đã xác minh qua điện thoại"})
    assert registered.status_code == 200 and registered.json()["number"] == 1
    assert registered.json()["register_id"] == incoming["id"]
    history = (await clerk.get(f"/api/v1/documents/{arrival['id']}/history")).json()
    assert "đã xác minh qua điện thoại" in history[-1]["note"]


async def test_going_live_mid_year_through_the_gateway(api: Callable[[str], httpx.AsyncClient]) -> None:
    clerk = api("vanthu.ubnd")
    general = (await clerk.post("/api/v1/registers", json={"direction": "outgoing", "name": "Sổ văn bản đi",
                                                           "agency_abbreviation": "UBND"})).json()
    decisions = (await clerk.post("/api/v1/registers", json={"direction": "outgoing", "name": "Sổ quyết định",
                                                             "agency_abbreviation": "UBND",
                                                             "type_codes": ["quyet_dinh"]})).json()
    started = await clerk.post(f"/api/v1/registers/{decisions['id']}/start",
                               json={"next_number": 31, "reason": "Hệ thống cũ cấp đến 30/QĐ-UBND ngày 09/03/2031"})
    assert started.status_code == 200 and started.json() == {"register_id": decisions["id"], "year": 2031,
                                                             "next_number": 31}
    listed = (await clerk.get("/api/v1/registers", params={"direction": "outgoing"})).json()
    assert {r["id"]: r["next_number"] for r in listed} == {general["id"]: 1, decisions["id"]: 31}
    assert (await api("chuyenvien.ubnd").post(f"/api/v1/registers/{decisions['id']}/start", json={
        "next_number": 5, "reason": "x"})).status_code == 403
    twice = await clerk.post(f"/api/v1/registers/{decisions['id']}/start", json={"next_number": 40, "reason": "x"})
    assert twice.status_code == 422
    book = ('"Số, ký hiệu văn bản","Ngày tháng văn bản","Tên loại và trích yếu nội dung văn bản"\n'
            '01/UBND-TH,02/01/2031,Công văn: V/v tổng hợp báo cáo năm\n'
            '02/TB-UBND,03/01/2031,Thông báo: Thông báo lịch trực Tết\n'
            '03/QĐ-UBND,04/01/2031,Quyết định: Quyết định về việc khen thưởng\n').encode()
    url = f"/api/v1/registers/{general['id']}/import"
    dry = await clerk.post(url, params={"dry_run": "true", "file_name": "so-di-cu.csv"}, content=book,
                           headers={"Content-Type": "text/csv"})
    assert dry.status_code == 200 and dry.json()["lines"] == 3
    assert [(r["line"], r["field"]) for r in dry.json()["refusals"]] == [(4, "title")]  # a decision: not here
    refused = await clerk.post(url, params={"file_name": "so-di-cu.csv"}, content=book)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "line 4.title"
    done = await clerk.post(url, params={"file_name": "so-di-cu.csv"}, content=book.rsplit(b"03/", 1)[0])
    assert done.status_code == 201 and done.json()["imported"] == 2
    assert done.json()["years"] == [{"year": 2031, "first_number": 1, "last_number": 2}]
    history = (await api("lanhdao.ubnd").get(f"/api/v1/registers/{general['id']}/history")).json()
    assert [h["action"] for h in history] == ["created", "imported"] and history[1]["changes"]["file"] == \
        "so-di-cu.csv"
    started_history = (await clerk.get(f"/api/v1/registers/{decisions['id']}/history")).json()
    assert started_history[1]["note"] == "Hệ thống cũ cấp đến 30/QĐ-UBND ngày 09/03/2031"
    notice = await signed(api, {"type_code": "thong_bao", "abstract": "Thông báo kết quả tuyển dụng viên chức"})
    assert (await clerk.post(f"/api/v1/documents/{notice['id']}/issue")).json()["number_symbol"] == "03/TB-UBND"
    closed = await clerk.post(f"/api/v1/registers/{decisions['id']}/close", json={"reason": "Gộp vào sổ chung"})
    assert closed.status_code == 200 and closed.json()["active"] is False
    again = await clerk.post(f"/api/v1/registers/{decisions['id']}/close", json={"reason": "Gộp vào sổ chung"})
    assert again.status_code == 422 and "đã đóng rồi" in again.json()["detail"]


async def test_a_document_and_its_files_go_only_to_its_audience_and_each_view_and_download_is_logged(
        api: Callable[[str], httpx.AsyncClient]) -> None:
    """Issue 13 item 7 through the gateway: a draft is its drafter's, the clerks' and the leaders' (no workflow case
    gives it to anyone else yet); the head of another unit of the agency lists, opens, reads the history of and
    downloads nothing of it, not even by its file's id or a link; the leader's view and download are logged."""
    officer, head, leader, clerk = (api(u) for u in ("chuyenvien.snv", "truongphong.snv", "lanhdao.snv",
                                                     "vanthu.snv"))
    file_id = await upload(officer, "V/v đề xuất biên chế năm 2032")
    draft = (await officer.post("/api/v1/documents", json={
        "type_code": "cong_van", "abstract": "V/v đề xuất biên chế năm 2032", "unit_abbreviation": "TCBC",
        "files": [{"object_id": file_id}]})).json()
    doc = f"/api/v1/documents/{draft['id']}"
    assert "role:clerk" in draft["audience"] and "role:leader" in draft["audience"]
    assert draft["id"] not in [d["id"] for d in (await head.get("/api/v1/documents")).json()["items"]]
    for path in (doc, f"{doc}/history", f"/api/v1/files/{file_id}/content"):
        assert (await head.get(path)).status_code == 404, path
    assert (await head.post(f"/api/v1/files/{file_id}/link")).status_code == 404
    assert (await head.get(f"{doc}/access-log")).status_code == 403  # and a head does not read access logs

    assert (await leader.get(doc)).status_code == 200
    download = await leader.get(f"/api/v1/files/{file_id}/content")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert (await officer.get(f"/api/v1/files/{file_id}/content")).status_code == 200
    log = (await clerk.get(f"{doc}/access-log")).json()["items"]
    assert sorted((e["username"], e["action"]) for e in log) == [
        ("chuyenvien.snv", "download"), ("lanhdao.snv", "download"), ("lanhdao.snv", "view")]
    assert {e["object_id"] for e in log if e["action"] == "download"} == {file_id}
