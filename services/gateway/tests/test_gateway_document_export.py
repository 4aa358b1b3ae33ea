"""``GET /api/v1/documents/export`` (Xuất Excel) in front of a real registry and storage: the list as filtered, every
page, with Vietnamese headers; only what the caller's agency holds; refused beyond its cap."""

import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from openpyxl import load_workbook

from vanthu_gateway.app import create_app
from vanthu_gateway.routes import documents
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.documents import draft_pdf
from vanthu_testing.gateway import users_of
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2031, 3, 10, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def api(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    from vanthu_storage.server import StorageServer
    from vanthu_storage.settings import StorageSettings

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
        clock=Clock(),
    )
    port = await registry.start()
    app = create_app(
        GatewaySettings(registry_target=f"127.0.0.1:{port}", storage_target=storage_target),
        dev_issuer.service_settings("gateway"),
    )
    try:
        await import_directory(
            registry.settings.database_url,
            [
                {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long", "parent_code": "", "place": "Vĩnh Long"},
                {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND, "place": "Vĩnh Long"},
            ],
        )
        async with users_of(app, dev_issuer.token) as as_user:
            as_user.app = app  # type: ignore[attr-defined]  # for a test that looks at the gateway's own state
            yield as_user
    finally:
        await registry.stop()
        await storage.stop()


async def arrive(clerk: httpx.AsyncClient, abstract: str, type_code: str, symbol: str, day: str) -> dict[str, object]:
    """An arrival entered by the clerk, sent by the provincial People's Committee."""
    upload = await clerk.post(
        "/api/v1/files", files={"file": ("văn bản đến.pdf", draft_pdf(abstract[:60]), "application/pdf")}
    )
    assert upload.status_code == 201, upload.text
    reply = await clerk.post(
        "/api/v1/documents",
        json={
            "direction": "incoming",
            "type_code": type_code,
            "abstract": abstract,
            "sender": {
                "agency_code": UBND,
                "agency_name": "UBND tỉnh Vĩnh Long",
                "number_symbol": symbol,
                "document_date": day,
            },
            "files": [{"object_id": upload.json()["object"]["object_id"]}],
        },
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def sheet(reply: httpx.Response) -> list[list[object]]:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames in (["Văn bản đến"], ["Văn bản đi"])
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    assert int(reply.headers["x-row-count"]) == len(rows) - 1
    return rows


async def test_the_incoming_export_has_every_page_with_vietnamese_columns_and_never_another_agencys_documents(
    api: Callable[[str], httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = api("vanthu.snv")
    register = (await clerk.post("/api/v1/registers", json={"direction": "incoming", "name": "Sổ văn bản đến"})).json()
    first = await arrive(clerk, "V/v rà soát vị trí việc làm năm 2031", "cong_van", "88/UBND-NC", "2031-03-02")
    await arrive(clerk, '=HYPERLINK("http://x") Kế hoạch cải cách hành chính', "ke_hoach", "12/KH-UBND", "2031-03-05")
    await arrive(clerk, "V/v tuyển dụng công chức", "cong_van", "90/UBND-NC", "2031-03-08")
    await arrive(api("vanthu.ubnd"), "V/v của riêng Ủy ban nhân dân tỉnh", "cong_van", "5/BNV-TCBC", "2031-03-03")
    registered = await clerk.post(
        f"/api/v1/documents/{first['id']}/register",
        json={"register_id": register["id"], "confirm_signature_problem": True, "reason": "Đã xác minh qua điện thoại"},
    )
    assert registered.status_code == 200, registered.text
    monkeypatch.setattr(documents, "EXPORT_PAGE", 1)  # one document a page: every page must be in the file

    reply = await clerk.get("/api/v1/documents/export", params={"direction": "incoming", "format": "xlsx"})
    rows = sheet(reply)
    assert rows[0] == [
        "Số đến",
        "Ngày đến",
        "Số/ký hiệu",
        "Ngày văn bản",
        "Cơ quan ban hành",
        "Trích yếu",
        "Loại",
        "Trạng thái",
    ]
    assert len(rows) == 4  # the three of the Sở Nội vụ; the Ủy ban's own arrival is not there
    assert not any("riêng Ủy ban" in str(cell) for line in rows for cell in line)
    by_symbol = {line[2]: line for line in rows[1:]}
    assert by_symbol["88/UBND-NC"][0] == 1 and by_symbol["88/UBND-NC"][7] == "Đã vào sổ"
    assert by_symbol["88/UBND-NC"][1] == datetime(2031, 3, 10)  # arrived 09:00 Vietnam time
    assert by_symbol["88/UBND-NC"][3] == datetime(2031, 3, 2)
    assert by_symbol["88/UBND-NC"][4:7] == ["UBND tỉnh Vĩnh Long", "V/v rà soát vị trí việc làm năm 2031", "Công văn"]
    assert by_symbol["90/UBND-NC"][0] is None and by_symbol["90/UBND-NC"][7] == "Chờ vào sổ"
    assert by_symbol["12/KH-UBND"][5] == '=HYPERLINK("http://x") Kế hoạch cải cách hành chính'  # text, not a formula
    disposition = reply.headers["content-disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Văn bản đến.xlsx"

    # the filters go to the registry as the list's do: type, document dates, words of the abstract, status
    only = sheet(
        await clerk.get(
            "/api/v1/documents/export",
            params={
                "direction": "incoming",
                "type_code": "cong_van",
                "date_from": "2031-03-01",
                "date_to": "2031-03-05",
            },
        )
    )
    assert [line[2] for line in only[1:]] == ["88/UBND-NC"]
    words = sheet(await clerk.get("/api/v1/documents/export", params={"direction": "incoming", "q": "tuyen dung"}))
    assert [line[2] for line in words[1:]] == ["90/UBND-NC"]
    waiting = await clerk.get(
        "/api/v1/documents/export",
        params={"direction": "incoming", "status": "arrived", "date_from": "2031-03-10", "date_field": "arrival"},
    )
    assert sorted(line[2] for line in sheet(waiting)[1:]) == ["12/KH-UBND", "90/UBND-NC"]
    named = await clerk.get(
        "/api/v1/documents/export", params={"direction": "incoming", "date_from": "2031-03-01", "date_to": "2031-03-31"}
    )
    assert unquote(named.headers["content-disposition"].split("filename*=UTF-8''")[1]) == (
        "Văn bản đến_2031-03-01_2031-03-31.xlsx"
    )


async def test_more_lines_than_the_cap_are_refused_in_vietnamese_before_anything_is_written(
    api: Callable[[str], httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = api("vanthu.snv")
    for n in range(3):
        await arrive(clerk, f"V/v báo cáo số {n + 1}", "bao_cao", f"{n + 1}/BC-UBND", "2031-03-02")
    monkeypatch.setattr(documents, "EXPORT_PAGE", 2)
    monkeypatch.setattr(documents, "EXPORT_MAX_ROWS", 3)
    assert len(sheet(await clerk.get("/api/v1/documents/export", params={"direction": "incoming"}))) == 4
    monkeypatch.setattr(documents, "EXPORT_MAX_ROWS", 2)
    refused = await clerk.get("/api/v1/documents/export", params={"direction": "incoming"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "hơn 2 văn bản" in refused.json()["detail"] and "thu hẹp bộ lọc" in refused.json()["detail"]


async def test_the_outgoing_export_names_the_recipients(api: Callable[[str], httpx.AsyncClient]) -> None:
    officer = api("chuyenvien.snv")
    draft = await officer.post(
        "/api/v1/documents",
        json={
            "type_code": "cong_van",
            "abstract": "V/v góp ý dự thảo quy chế làm việc",
            "unit_abbreviation": "TCBC",
            "recipients": [{"agency_code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"}, {"name": "Lưu: VT"}],
        },
    )
    assert draft.status_code == 201, draft.text
    rows = sheet(await officer.get("/api/v1/documents/export", params={"direction": "outgoing", "status": "draft"}))
    assert rows[0] == ["Số/ký hiệu", "Ngày văn bản", "Nơi nhận", "Trích yếu", "Loại", "Trạng thái"]
    assert rows[1] == [
        None,
        None,
        "Ủy ban nhân dân tỉnh Vĩnh Long; Lưu: VT",
        "V/v góp ý dự thảo quy chế làm việc",
        "Công văn",
        "Dự thảo",
    ]
    refused = await officer.get("/api/v1/documents/export", params={"direction": "sideways"})
    assert refused.status_code == 400


async def test_a_second_export_by_the_same_person_while_the_first_is_written_is_429_and_others_are_not_held(
    api: Callable[[str], httpx.AsyncClient],
) -> None:
    clerk, officer = api("vanthu.snv"), api("chuyenvien.snv")
    me = (await clerk.get("/api/v1/me")).json()
    app = api.app  # type: ignore[attr-defined]
    app.state.document_exports = {f"{SNV}/{me['subject']}"}  # the clerk's first export, still being written
    refused = await clerk.get("/api/v1/documents/export", params={"direction": "incoming"})
    assert refused.status_code == 429, refused.text
    assert "đợi tệp đó tải xong" in refused.json()["detail"]
    assert (await officer.get("/api/v1/documents/export", params={"direction": "outgoing"})).status_code == 200
    app.state.document_exports = set()
    assert (await clerk.get("/api/v1/documents/export", params={"direction": "incoming"})).status_code == 200
    assert app.state.document_exports == set()  # nothing is left held after an export
