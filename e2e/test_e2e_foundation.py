"""The platform foundation through the gateway, with real processes and real tokens."""

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
import nats
import pytest

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.events import decode
from vanthu_devstack import Stack
from vanthu_testing.gateway import bearer

pytestmark = pytest.mark.e2e


def test_health_readiness_and_docs(api: httpx.Client) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["services"]["registry"] == "SERVING"
    assert api.get("/docs").status_code == 200
    assert "/api/v1/agencies" in api.get("/openapi.json").json()["paths"]


def test_a_clerk_lists_the_seeded_agencies(api: httpx.Client, login: Callable[[str], str]) -> None:
    reply = api.get("/api/v1/agencies", params={"page_size": 500}, headers=bearer(login("vanthu.ubnd")))
    assert reply.status_code == 200
    names = {a["code"]: a["name"] for a in reply.json()["items"]}
    assert names["000.00.00.H61"] == "Ủy ban nhân dân tỉnh Vĩnh Long"
    assert names["000.00.02.H61"] == "Sở Nội vụ tỉnh Vĩnh Long"
    one = api.get("/api/v1/agencies/000.00.41.H61", headers=bearer(login("vanthu.snv")))
    assert one.json()["name"] == "Ủy ban nhân dân phường Long Châu" and one.json()["valid_from"] == "2025-07-01"
    found = api.get("/api/v1/agencies", params={"q": "phuong long chau"}, headers=bearer(login("vanthu.snv")))
    assert [a["code"] for a in found.json()["items"]] == ["000.00.41.H61"]


def test_requests_without_a_valid_token_get_401_problem_json(api: httpx.Client, login: Callable[[str], str]) -> None:
    token = login("vanthu.ubnd")
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, bearer(token[:-3] + "abc"), bearer("x.y.z")):
        reply = api.get("/api/v1/agencies", headers=headers)
        assert reply.status_code == 401, headers
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["status"] == 401


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/agencies", {"page_size": 0}, "page_size"),
    ("/api/v1/agencies", {"page_size": "nhiều"}, "page_size"),
    ("/api/v1/agencies", {"level": 9}, "level"),
    ("/api/v1/agencies", {"parent_code": "000 00"}, "parent_code"),
    ("/api/v1/agencies", {"active_at": "30/06/2025"}, "active_at"),
    ("/api/v1/agencies", {"page_token": "@@@"}, "page.page_token"),
])
def test_bad_query_gets_400_naming_the_field(api: httpx.Client, login: Callable[[str], str], path: str,
                                            params: dict[str, object], field: str) -> None:
    reply = api.get(path, params=params, headers=bearer(login("vanthu.ubnd")))
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in reply.json()["errors"]] == [field]


@pytest.mark.parametrize(("code", "body", "field"), [
    ("000 14 00 H61", {"name": "Sở Dân tộc và Tôn giáo"}, "code"),
    ("000.00.14.H61", {"name": "Sở Dân tộc và Tôn giáo", "parent_code": "000.00.99.H61"}, "parent_code"),
    ("000.00.14.H61", {"name": "Ư" * 201, "parent_code": "000.00.00.H61"}, "name"),
])
def test_bad_agency_gets_4xx_naming_the_field_and_writes_nothing(api: httpx.Client, login: Callable[[str], str],
                                                                 code: str, body: dict[str, str], field: str) -> None:
    admin = bearer(login("quantri.ubnd"))
    before = api.get("/api/v1/agencies", params={"page_size": 500}, headers=admin).json()["items"]
    reply = api.put(f"/api/v1/agencies/{code}", json=body, headers=admin)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert api.get("/api/v1/agencies", params={"page_size": 500}, headers=admin).json()["items"] == before


def test_an_officer_cannot_change_the_directory(api: httpx.Client, login: Callable[[str], str]) -> None:
    reply = api.put("/api/v1/agencies/000.00.14.H61", json={"name": "Sở Dân tộc và Tôn giáo",
                                                            "parent_code": "000.00.00.H61"},
                    headers=bearer(login("chuyenvien.ubnd")))
    assert reply.status_code == 403 and reply.headers["content-type"] == "application/problem+json"


def test_body_over_the_limit_is_refused_with_413(api: httpx.Client, login: Callable[[str], str]) -> None:
    reply = api.put("/api/v1/agencies/000.00.14.H61", content=b"{" + b" " * 2_000_000 + b"}",
                    headers={**bearer(login("quantri.ubnd")), "Content-Type": "application/json"})
    assert reply.status_code == 413


def test_request_ids_are_echoed_or_made(api: httpx.Client) -> None:
    assert api.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = api.get("/healthz", headers={"X-Request-ID": "bad id; <script>"}).headers["x-request-id"]
    assert len(made) == 32 and made.isalnum()


def test_gateway_call_and_the_registry_event_share_one_trace_id(platform: Stack, api: httpx.Client,
                                                                login: Callable[[str], str]) -> None:
    trace_id = secrets.token_hex(16)
    code = "000.00.15.H61"
    reply = api.put(f"/api/v1/agencies/{code}",
                    json={"name": "Sở Dân tộc và Tôn giáo tỉnh Vĩnh Long", "parent_code": "000.00.00.H61"},
                    headers={**bearer(login("quantri.ubnd")),
                             "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    assert reply.status_code in (200, 201), reply.text

    async def find_event() -> dict[str, str]:
        connection = await nats.connect(platform.nats_url, user="admin", password=platform.nats_password("admin"))
        try:
            js = connection.jetstream()
            deadline = asyncio.get_running_loop().time() + 30
            last = None
            while asyncio.get_running_loop().time() < deadline:
                try:
                    msg = await js.get_last_msg("VANTHU_EVENTS", "vanthu.registry.agency.upserted")
                    last = msg
                    event = decode(msg.subject, msg.data)
                    if isinstance(event, registry_events.AgencyUpserted) and event.code == code:
                        return dict(msg.headers or {})
                except nats.js.errors.NotFoundError:
                    pass
                await asyncio.sleep(0.1)
            raise AssertionError(f"no event for {code}; last seen: {last}")
        finally:
            await connection.close()

    headers = asyncio.run(find_event())
    assert headers["traceparent"].split("-")[1] == trace_id


def test_each_running_service_holds_only_its_own_client(platform: Stack) -> None:
    """Issue 11, item 2, as ``make dev`` runs it: one client per service process (read from the processes' own
    environment), none holds another's secret, and the shared client of old is gone."""
    def environ(pid: int) -> dict[str, str]:
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        return dict(item.decode().split("=", 1) for item in raw if b"=" in item)

    with_client = {name for name, _module in platform.services} | {"gateway"}
    assert {"registry", "storage", "signing", "interchange", "gateway"} <= with_client
    secrets_seen: dict[str, str] = {}
    for process in platform.processes:
        env = environ(process.popen.pid)
        if process.name in with_client:
            assert env["VANTHU_SERVICE_CLIENT_ID"] == f"vanthu-{process.name}"
            secrets_seen[process.name] = env["VANTHU_SERVICE_CLIENT_SECRET"]
        else:
            assert "VANTHU_SERVICE_CLIENT_SECRET" not in env, process.name
    assert len(set(secrets_seen.values())) == len(secrets_seen) == len(with_client)
    refused = httpx.post(f"{platform.issuer}/protocol/openid-connect/token", data={
        "grant_type": "client_credentials", "client_id": "vanthu-services", "client_secret": secrets_seen["gateway"]})
    assert refused.status_code == 401


def test_make_devs_nats_refuses_strangers_and_gives_each_service_only_its_own_user(platform: Stack) -> None:
    """Issue 11, item 5, as `make dev` runs it: no client without a user; a service's user cannot publish another
    service's subject; each service process has its own NATS user and no other's password; passwords stay private."""
    import os
    import stat

    from vanthu.signing.v1 import events_pb2 as signing_events
    from vanthu_core.events import encode, new_meta
    from vanthu_core.subjects import SIGNING_DOCUMENT_VERIFIED

    async def probe() -> list[str]:
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(platform.nats_url, allow_reconnect=False, max_reconnect_attempts=0)
        seen: list[str] = []
        refused = asyncio.Event()

        async def errors(error: Exception) -> None:
            seen.append(str(error))
            refused.set()

        registry = await nats.connect(platform.nats_url, user="registry", password=platform.nats_password("registry"),
                                      inbox_prefix="_INBOX.registry", error_cb=errors, allow_reconnect=False)
        try:
            forged = signing_events.DocumentVerified(meta=new_meta(actor="vanthu-signing", agency="000.00.02.H61"),
                                                     document_id="d-1", valid=True)
            await registry.publish(SIGNING_DOCUMENT_VERIFIED, encode(forged))
            await registry.flush()
            await asyncio.wait_for(refused.wait(), timeout=10)
        finally:
            await registry.close()
        return seen

    assert any("permissions violation for publish" in e for e in asyncio.run(probe()))
    from vanthu_core.subjects import SERVICES

    assert set(SERVICES) == {"registry", "signing", "storage", "interchange", "workflow", "search",
                             "records"}
    passwords = {user: platform.nats_password(user) for user in ("admin", *SERVICES)}
    for process in platform.processes:
        raw = Path(f"/proc/{process.popen.pid}/environ").read_text(errors="replace")
        environ = dict(line.split("=", 1) for line in raw.split("\0") if "=" in line)
        own = process.name if process.name in SERVICES else None
        assert environ.get("VANTHU_NATS_USER") == own, process.name
        assert {u for u, p in passwords.items() if p in environ.values()} == ({own} if own else set()), process.name
    for path in (platform.var / "nats").rglob("*"):
        if path.is_file() and (path.name == "nats.conf" or path.suffix == ".password"):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
