"""The gateway's notification routes in front of a real workflow service (SQLite, tokens of the dev issuer): the list,
marks and e-mail choice of the caller only, and the server-sent event stream driven through the ASGI interface as a
browser's EventSource uses it — it relays a new notification, and ends (its gRPC watch cancelled) when the client
leaves."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_testing.gateway import asgi_client
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"


class NoRegistry:
    """The workflow's directory, never read here: the notifications are made through its store."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry is not read in these tests ({name})")


async def eventually(check: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


class Gateway:
    def __init__(self, app: Any, issuer: DevIssuer, workflow: WorkflowServer) -> None:
        self.app, self.issuer, self.workflow = app, issuer, workflow

    def client(self, username: str) -> httpx.AsyncClient:
        return asgi_client(self.app, self.issuer.token(username))

    async def submitted_to(self, leader: str) -> str:
        """An incoming document submitted by the clerk to ``leader`` by name: a notification of a new task for them.
        Returns the case's id."""
        clerk = Actor(subject=self.issuer.subject("vanthu.ubnd"), username="vanthu.ubnd", roles=frozenset({"clerk"}))
        case = await self.workflow.store.submit(
            UBND, document_id=f"doc-{time.monotonic_ns()}", abstract="Về việc tổ chức hội nghị tổng kết năm 2031",
            arrival_number=7, leader=self.issuer.subject(leader), actor=clerk, comment="Kính trình lãnh đạo")
        return case.id


@pytest.fixture
async def gateway(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[Gateway]:
    workflow = WorkflowServer(WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
                                               notification_keepalive_s=0.05),
                              dev_issuer.service_settings("workflow"), directory=NoRegistry(),  # type: ignore[arg-type]
                              clock=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC), sweeping=False)
    port = await workflow.start()
    app = create_app(GatewaySettings(workflow_target=f"127.0.0.1:{port}"), dev_issuer.service_settings("gateway"))
    try:
        async with app.router.lifespan_context(app):
            yield Gateway(app, dev_issuer, workflow)
    finally:
        await workflow.stop()


async def test_each_person_lists_marks_and_chooses_for_themselves_only(gateway: Gateway) -> None:
    case_id = await gateway.submitted_to("lanhdao.ubnd")
    async with gateway.client("lanhdao.ubnd") as leader, gateway.client("truongphong.ubnd") as head:
        listed = (await leader.get("/api/v1/notifications")).json()
        assert listed["unread"] == 1
        [note] = listed["notifications"]
        assert (note["case_id"], note["kind"], note["read"]) == (case_id, "new_task", False)
        assert note["title"] == "Nhiệm vụ mới: cho ý kiến chỉ đạo xử lý văn bản đến"
        assert (await head.get("/api/v1/notifications")).json() == {"notifications": [], "next_page_token": "",
                                                                     "unread": 0}
        assert (await head.post("/api/v1/notifications/read", json={"ids": [note["id"]]})).json() == {
            "marked": 0, "unread": 0}
        assert (await leader.post("/api/v1/notifications/read", json={"all": True})).json() == {
            "marked": 1, "unread": 0}
        refused = await leader.post("/api/v1/notifications/read", json={})
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
        assert (await head.get("/api/v1/notifications/settings")).json() == {"email": True}
        assert (await head.put("/api/v1/notifications/settings", json={"email": False})).json() == {"email": False}
        assert (await head.get("/api/v1/notifications/settings")).json() == {"email": False}
        assert (await leader.get("/api/v1/notifications/settings")).json() == {"email": True}


class EventSource:
    """One GET of the stream through the ASGI interface: what the app sends, and the client leaving on demand."""

    def __init__(self, app: Any, token: str | None) -> None:
        headers = [(b"host", b"gateway"), (b"accept", b"text/event-stream")]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        self.scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                      "scheme": "http", "path": "/api/v1/notifications/stream",
                      "raw_path": b"/api/v1/notifications/stream", "query_string": b"", "root_path": "",
                      "headers": headers, "client": ("127.0.0.1", 50000), "server": ("gateway", 80)}
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.requested = False
        self.task = asyncio.create_task(app(self.scope, self.receive, self.send))

    async def receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        await self.sent.put(message)

    async def start(self) -> tuple[int, dict[bytes, bytes]]:
        message = await self.sent.get()
        assert message["type"] == "http.response.start"
        return message["status"], dict(message["headers"])

    async def event(self) -> dict[str, Any]:
        """The next ``event: notification`` (past keep-alive comments)."""
        while True:
            message = await self.sent.get()
            assert message["type"] == "http.response.body" and message.get("more_body", False)
            chunk = message["body"].decode()
            if chunk.startswith(": keep-alive"):
                continue
            lines = dict(line.split(": ", 1) for line in chunk.strip().split("\n"))
            assert lines["event"] == "notification"
            data: dict[str, Any] = json.loads(lines["data"])
            assert lines["id"] == data["id"]
            return data

    async def leave(self) -> None:
        self.gone.set()
        await self.task


async def test_the_stream_relays_a_new_notification_and_ends_when_the_client_leaves(gateway: Gateway) -> None:
    hub = gateway.workflow.hub
    subject = gateway.issuer.subject("lanhdao.ubnd")
    source = EventSource(gateway.app, gateway.issuer.token("lanhdao.ubnd"))
    status, headers = await source.start()
    assert status == 200 and headers[b"content-type"].startswith(b"text/event-stream")
    assert headers[b"cache-control"] == b"no-cache"
    assert hub.watching(UBND, subject) == 1
    case_id = await gateway.submitted_to("lanhdao.ubnd")
    note = await source.event()
    assert (note["case_id"], note["kind"], note["read"]) == (case_id, "new_task", False)
    assert note["title"] == "Nhiệm vụ mới: cho ý kiến chỉ đạo xử lý văn bản đến"
    await source.leave()

    def unwatched() -> bool:
        return hub.watching(UBND, subject) == 0

    await eventually(unwatched, "the workflow's watch cancelled")


async def test_the_stream_without_a_token_is_refused_as_a_problem(gateway: Gateway) -> None:
    source = EventSource(gateway.app, None)
    status, headers = await source.start()
    assert status == 401 and headers[b"content-type"] == b"application/problem+json"
    await source.leave()

