"""Request bodies are checked at the edge with one schema per request (issue 11, items 14 and 16), in front of a
real registry: unknown fields are a 422 naming them, numbers out of their protobuf range or not finite are a 400
naming the field (never a 500), refusals quoting a huge input stay bounded, and refused requests change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_registry.importer import import_directory
from vanthu_registry.server import RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

DRAFT = {"type_code": "cong_van", "abstract": "Về việc kiểm tra công tác văn thư"}
BOX = {"x1": 10, "y1": 10, "x2": 200, "y2": 80}


@pytest.fixture
async def api(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False)
    registry = RegistryServer(RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
                                               storage_target="", signing_target=""), common)
    port = await registry.start()
    await import_directory(registry.settings.database_url,  # the agency of the demo users
                           [{"code": "000.00.00.H61", "name": "Ủy ban nhân dân tỉnh Vĩnh Long"}])
    app = create_app(GatewaySettings(registry_target=f"127.0.0.1:{port}"), common)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30,
            headers={"Authorization": f"Bearer {dev_issuer.token('quantri.ubnd')}"}) as http:
        yield http
    await registry.stop()


async def send(api: httpx.AsyncClient, method: str, path: str, body: Any, token: str | None = None) -> httpx.Response:
    """``body`` as JSON (a str is sent as it is: JSON's Infinity, 1e400 and NaN cannot be built otherwise), as the
    admin or the holder of ``token``."""
    content = body if isinstance(body, str) else json.dumps(body)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    return await api.request(method, path, content=content, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "unknown"), [
    ("POST", "/api/v1/documents", {**DRAFT, "status": "issued", "number": 1}, ["status", "number"]),
    ("POST", "/api/v1/documents", {**DRAFT, "signer": {"name": "Trương Công Lý", "rank": "Giám đốc"}},
     ["signer.rank"]),
    ("POST", "/api/v1/documents", {**DRAFT, "files": [{"object_id": "x", "size": 10}]}, ["files.0.size"]),
    ("PUT", "/api/v1/documents/0190a000-0000-7000-8000-000000000000", {**DRAFT, "version": 3}, ["version"]),
    ("POST", "/api/v1/registers", {"direction": "outgoing", "name": "Sổ văn bản đi", "agency_code": "000.00.02.H61"},
     ["agency_code"]),
    ("PUT", "/api/v1/agencies/000.00.14.H61", {"name": "Sở Dân tộc và Tôn giáo", "parent": "000.00.00.H61"},
     ["parent"]),
    ("POST", "/api/v1/documents/0190a000-0000-7000-8000-000000000000/issue", {"register": "x"}, ["register"]),
    ("POST", "/api/v1/signing/personal", {"object_id": "x", "box": {**BOX, "rotation": 90}}, ["box.rotation"]),
    ("POST", "/api/v1/registers/0190a000-0000-7000-8000-000000000000/start",
     {"next_number": 5, "reason": "sổ cũ", "year": 2020}, ["year"]),
    ("POST", "/api/v1/registers/0190a000-0000-7000-8000-000000000000/close", {"reason": "hết năm", "active": True},
     ["active"]),
])
async def test_unknown_fields_are_refused_with_422_naming_them_and_nothing_is_written(
        api: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], unknown: list[str]) -> None:
    reply = await send(api, method, path, body)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert [e["field"] for e in problem["errors"]] == unknown
    assert all(field in problem["detail"] for field in unknown)
    assert (await api.get("/api/v1/documents")).json()["items"] == []
    assert (await api.get("/api/v1/registers")).json() == []


async def test_an_unknown_field_named_with_100000_characters_is_named_briefly(api: httpx.AsyncClient) -> None:
    reply = await send(api, "POST", "/api/v1/documents", {**DRAFT, "x" * 100_000: 1})
    assert reply.status_code == 422
    assert len(reply.text) < 2_000


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/api/v1/documents/0190a000-0000-7000-8000-000000000000", {**DRAFT, "expected_version": 2147483648},
     "expected_version"),
    ("PUT", "/api/v1/documents/0190a000-0000-7000-8000-000000000000", {**DRAFT, "expected_version": 1e30},
     "expected_version"),
    ("PUT", "/api/v1/documents/0190a000-0000-7000-8000-000000000000", {**DRAFT, "expected_version": -1},
     "expected_version"),
    ("PUT", "/api/v1/agencies/000.00.14.H61", {"name": "Sở Dân tộc và Tôn giáo", "level": 2147483648}, "level"),
    ("PUT", "/api/v1/agencies/000.00.14.H61", {"name": "Sở Dân tộc và Tôn giáo", "level": 1e30}, "level"),
    ("POST", "/api/v1/signing/personal", {"object_id": "x", "box": {**BOX, "page": 2147483648}}, "box.page"),
    ("POST", "/api/v1/signing/personal", {"object_id": "x", "box": {**BOX, "page": 1e30}}, "box.page"),
    ("POST", "/api/v1/signing/prepare", '{"object_id": "x", "box": {"x1": 1e400, "y1": 1, "x2": 2, "y2": 3}}',
     "box.x1"),
    ("POST", "/api/v1/signing/personal", '{"object_id": "x", "box": {"x1": 1, "y1": Infinity, "x2": 2, "y2": 3}}',
     "box.y1"),
    ("POST", "/api/v1/signing/personal", '{"object_id": "x", "box": {"x1": 1, "y1": 1, "x2": -Infinity, "y2": 3}}',
     "box.x2"),
    ("POST", "/api/v1/signing/personal", '{"object_id": "x", "box": {"x1": 1, "y1": 1, "x2": 2, "y2": NaN}}',
     "box.y2"),
    ("POST", "/api/v1/signing/personal", {"object_id": "x", "box": {**BOX, "x2": 1e30}}, "box.x2"),
])
async def test_numbers_out_of_range_or_not_finite_are_a_400_naming_the_field(
        api: httpx.AsyncClient, method: str, path: str, body: Any, field: str) -> None:
    reply = await send(api, method, path, body)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]


async def test_a_refusal_quoting_a_100000_character_type_code_is_a_bounded_400(api: httpx.AsyncClient,
                                                                               dev_issuer: DevIssuer) -> None:
    reply = await send(api, "POST", "/api/v1/documents", {**DRAFT, "type_code": "t" * 100_000},
                       dev_issuer.token("chuyenvien.ubnd"))
    assert reply.status_code == 400, reply.text  # not 429 (the echo no longer overflows gRPC's trailers)
    problem = reply.json()
    assert [e["field"] for e in problem["errors"]] == ["type_code"]
    assert len(problem["detail"]) <= 500 and all(len(e["detail"]) <= 500 for e in problem["errors"])


async def test_the_openapi_document_says_request_bodies_take_no_other_fields(api: httpx.AsyncClient) -> None:
    schemas = (await api.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("DocumentCreate", "DraftUpdate", "Signer", "RegisterIn", "AgencyIn", "Box", "PersonalIn", "CopyIn",
                 "StartIn", "CloseIn"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["Box"]["properties"]["page"]["maximum"] == 2**31 - 1
    assert "additionalProperties" not in schemas["DocumentOut"]


@pytest.mark.parametrize(("method", "path", "params", "body", "field"), [
    ("GET", "/api/v1/agencies", {"active_at": "0"}, None, "active_at"),
    ("GET", "/api/v1/agencies", {"active_at": "1751328000"}, None, "active_at"),
    ("GET", "/api/v1/documents", {"date_to": "0"}, None, "date_to"),
    ("GET", "/api/v1/documents", {"date_from": "2025-07-01T00:00:00"}, None, "date_from"),
    ("GET", "/api/v1/registers/0190a000-0000-7000-8000-000000000000/export",
     {"date_from": "2025-01-01", "date_to": "20"}, None, "date_to"),
    ("PUT", "/api/v1/agencies/000.00.14.H61", None, {"name": "Sở Dân tộc và Tôn giáo", "valid_from": 0},
     "valid_from"),
    ("POST", "/api/v1/documents", None, {**DRAFT, "due_date": 1751328000}, "due_date"),
    ("POST", "/api/v1/documents", None, {**DRAFT, "direction": "incoming", "sender": {"document_date": "0"}},
     "sender.document_date"),
])
async def test_a_date_is_only_yyyy_mm_dd_not_a_unix_time(api: httpx.AsyncClient, method: str, path: str,
                                                         params: dict[str, str] | None, body: Any,
                                                         field: str) -> None:
    """Found by fuzzing: the document says ``format: date``, but ``0`` or ``1751328000`` were read as Unix times
    (1970-01-01, 2025-07-01) and a midnight datetime as its date; a client's mistake went unnoticed."""
    reply = await api.request(method, path, params=params, json=body)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert "YYYY-MM-DD" in reply.json()["errors"][0]["detail"]
    assert (await api.get("/api/v1/documents")).json()["items"] == []


async def test_a_method_a_route_does_not_take_is_a_405_that_names_the_ones_it_does(api: httpx.AsyncClient) -> None:
    """Found by fuzzing: the problem+json of a 405 dropped the ``Allow`` header RFC 9110 requires."""
    reply = await api.request("TRACE", "/api/v1/agencies")
    assert reply.status_code == 405, reply.text
    assert reply.headers["allow"] == "GET"
    assert reply.headers["content-type"] == "application/problem+json"


async def test_a_value_outside_its_choices_names_them_in_vietnamese(api: httpx.AsyncClient) -> None:
    reply = await api.get("/api/v1/documents/export", params={"direction": "sideways"})
    assert reply.status_code == 400
    assert reply.json()["errors"] == [{"field": "direction",
                                       "detail": "phải là một trong 'outgoing' hoặc 'incoming'"}]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/workflow/jobs", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/workflow/jobs", {"date_to": "9999-12-31"}, "date_to"),
    ("/api/v1/workflow/inbox", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/workflow/inbox", {"date_to": "9999-12-31"}, "date_to"),
    ("/api/v1/workflow/dashboard", {"date_from": "0001-01-01", "date_to": "2026-12-01"}, "date_from"),
    ("/api/v1/workflow/deadline", {"start": "9999-12-31", "days": "365"}, "start"),
    ("/api/v1/workflow/deadline", {"start": "0001-01-01", "days": "1"}, "start"),
    ("/api/v1/workflow/deadline", {"date": "1899-12-31"}, "date"),
    ("/api/v1/documents", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/documents", {"date_to": "2200-01-01"}, "date_to"),
])
async def test_a_date_out_of_range_is_a_400_naming_its_field(api: httpx.AsyncClient, path: str,
                                                             params: dict[str, str], field: str) -> None:
    """Found by an attacker's trial: 0001-01-01 and 9999-12-31 overflowed the services' day arithmetic (a 500) or
    were accepted; every date at the edge lies in 1900-01-01 … 2199-12-31."""
    reply = await api.get(path, params=params)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert reply.json()["errors"][0]["detail"] == "phải là ngày từ 01/01/1900 đến 31/12/2199"
    inside = {"date_from": "1900-01-01", "date_to": "2199-12-31"}
    assert (await api.get("/api/v1/documents", params=inside)).status_code == 200


@pytest.mark.parametrize(("method", "path", "params", "body", "field", "said"), [
    ("GET", "/api/v1/documents", {"issuer_q": "\x00"}, None, "issuer_q", "ký tự điều khiển"),
    ("GET", "/api/v1/documents", {"q": "báo cáo\x00"}, None, "q", "ký tự điều khiển"),
    ("GET", "/api/v1/workflow/jobs", {"q": "\x00"}, None, "q", "ký tự điều khiển"),
    ("GET", "/api/v1/workflow/inbox", {"q": "\x00"}, None, "q", "ký tự điều khiển"),
    ("POST", "/api/v1/workflow/tasks/0190a000-0000-7000-8000-000000000000/complete", None,
     {"version": 1, "reply_document_id": "x\x00"}, "reply_document_id", "phải là mã (UUID) của một văn bản"),
    ("GET", "/api/v1/documents", {"ids": "a,b"}, None, "ids.0", "lặp lại tham số: ids=…&ids=…"),
])
async def test_malformed_query_words_and_ids_are_a_400_naming_the_parameter(
        api: httpx.AsyncClient, method: str, path: str, params: dict[str, str] | None, body: Any, field: str,
        said: str) -> None:
    """Found by an attacker's trial: issuer_q was named by the registry's issuer_text, a NUL in the workflow's q was
    ignored, a NUL in a reply's id came back in a 404, and ids=a,b was "too long" rather than a list."""
    reply = await api.request(method, path, params=params, json=body)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert said in reply.json()["errors"][0]["detail"]



@pytest.mark.parametrize(("path", "body", "where"), [
    ("/api/v1/documents", '{"type_code": "cong_van", "abstract": "V\\ud800 vi\\u1ec7c"}', "abstract"),
    ("/api/v1/documents", '{"type_code": "cong_van", "abstract": "x", "recipients": [{"agency_code": "\\udfff"}]}',
     "recipients.0.agency_code"),
    ("/api/v1/documents", '{"type_code": "cong_van", "abstract": "x", "\\ud800": 1}', "body"),
    ("/api/v1/documents/0190a000-0000-7000-8000-000000000000/revoke", '{"reason": "\\ud800"}', "reason"),
])
async def test_a_lone_surrogate_in_a_json_string_is_a_400_naming_where(api: httpx.AsyncClient, path: str, body: str,
                                                                        where: str) -> None:
    """JSON's ``\\ud800`` parses into a str no UTF-8 can carry: putting it into a protobuf message was a 500 (found
    attacking interchange's revoke)."""
    reply = await send(api, "POST", path, body)
    assert reply.status_code == 400, reply.text
    problem = reply.json()
    assert f"“{where}”" in problem["detail"] and "không hợp lệ" in problem["detail"]


@pytest.mark.parametrize(("body", "words"), [
    ('{"type_code": ', "không phải JSON hợp lệ"),
    ('{"abstract":' + "[" * 100_000 + "]" * 100_000 + "}", "lồng nhau quá sâu"),
])
async def test_a_body_that_is_not_json_is_refused_in_vietnamese_naming_the_body(api: httpx.AsyncClient, body: str,
                                                                                 words: str) -> None:
    """Malformed JSON named the field "11" (its character offset), and JSON nested 100,000 deep answered FastAPI's
    English "There was an error parsing the body" (found attacking interchange's revoke)."""
    reply = await send(api, "POST", "/api/v1/documents", body)
    assert reply.status_code == 400, reply.text
    problem = reply.json()
    assert words in problem["detail"] and "There was" not in problem["detail"]
    assert all(e["field"] == "body" for e in problem.get("errors") or [])


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_json_body_over_the_limit_is_413_whether_its_length_is_declared_or_not(
        api: httpx.AsyncClient, chunked: bool) -> None:
    """A 3 MB body streamed without Content-Length to a JSON route was answered 400 "JSON không hợp lệ" (FastAPI
    caught the limit's error while parsing and answered itself): the clerk looked for a syntax error that was not
    there (found attacking the gateway)."""
    body = json.dumps({**DRAFT, "abstract": "Về việc kiểm tra công tác văn thư " * 100_000}).encode()
    assert len(body) > 1_048_576

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    reply = await api.post("/api/v1/documents", content=streamed() if chunked else body,
                           headers={"Content-Type": "application/json"})
    assert reply.status_code == 413, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["title"] == "Dữ liệu gửi lên quá lớn" and "1048576 byte" in reply.json()["detail"]
    assert (await api.get("/api/v1/documents")).json()["items"] == []
