"""A job completed with a result file (báo cáo kết quả) through the gateway, in front of a real workflow and a real
storage service (SQLite, tokens of the dev issuer): the officer uploads a PDF and completes with it; storage keeps
it under ``workflow/task/<task id>``; the giver sees it on the job and downloads it; another agency's person does
not (404, as for any file of another agency), nor does a colleague outside the job (404 too); an upload of another
person of the agency is refused (400, as a file not in the store), the job left open and nothing referred to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from vanthu.storage.v1 import events_pb2 as storage_events
from vanthu.storage.v1 import storage_pb2, storage_pb2_grpc
from vanthu_core.db import session_factory
from vanthu_core.grpc_client import bearer_metadata, create_channel
from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_storage.store import outbox
from vanthu_testing.events import outbox_events
from vanthu_testing.gateway import asgi_client
from vanthu_testing.identity import DevIssuer
from vanthu_workflow.directory import MemberInfo, UnitInfo
from vanthu_workflow.domain.incoming import Party
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


class Units:
    """The workflow's directory: Phòng Tổng hợp, its head and an officer."""

    def __init__(self, issuer: DevIssuer) -> None:
        self.issuer = issuer

    async def units(self, token: str) -> list[UnitInfo]:
        return [UnitInfo("TH", "Phòng Tổng hợp", self.issuer.subject("truongphong.ubnd"))]

    async def members(self, token: str) -> list[MemberInfo]:
        return [MemberInfo("TH", self.issuer.subject("truongphong.ubnd"), "truongphong.ubnd", "Lê Hoàng Phúc", "head"),
                MemberInfo("TH", self.issuer.subject("chuyenvien.ubnd"), "chuyenvien.ubnd", "Võ Minh Đường",
                           "officer")]

    async def people(self, token: str) -> list[MemberInfo]:
        return [MemberInfo("", self.issuer.subject("lanhdao.ubnd"), "lanhdao.ubnd", "lanhdao.ubnd", "",
                           roles=("leader",))]

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the registry is not read otherwise in these tests ({name})")


@pytest.fixture
async def platform(tmp_path: Path,
                   dev_issuer: DevIssuer) -> AsyncIterator[tuple[Any, WorkflowServer, int, StorageServer]]:
    storage = StorageServer(StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
                                            data_dir=tmp_path / "data"),
                            CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    storage_port = await storage.start()
    workflow = WorkflowServer(
        WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
                         storage_target=f"127.0.0.1:{storage_port}"),
        dev_issuer.service_settings("workflow"), directory=Units(dev_issuer),  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 12, 1, 3, 0, tzinfo=UTC), sweeping=False)
    port = await workflow.start()
    app = create_app(GatewaySettings(workflow_target=f"127.0.0.1:{port}", storage_target=f"127.0.0.1:{storage_port}"),
                     dev_issuer.service_settings("gateway"))
    try:
        async with app.router.lifespan_context(app):
            yield app, workflow, storage_port, storage
    finally:
        await workflow.stop()
        await storage.stop()


async def upload(app: Any, issuer: DevIssuer, username: str, name: str, data: bytes = PDF) -> str:
    async with asgi_client(app, issuer.token(username)) as http:
        reply = await http.post("/api/v1/files", files={"file": (name, data, "application/pdf")})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["object"]["object_id"])


async def test_a_result_file_is_kept_shown_and_downloaded_within_the_agency_only(
    platform: tuple[Any, WorkflowServer, int, StorageServer], dev_issuer: DevIssuer
) -> None:
    app, workflow, storage_port, storage = platform
    leader = Actor(subject=dev_issuer.subject("lanhdao.ubnd"), username="lanhdao.ubnd", roles=frozenset({"leader"}))
    job = await workflow.store.give_job(
        UBND, title="Báo cáo tình hình cải cách hành chính", description="",
        lead=Party("person", dev_issuer.subject("chuyenvien.ubnd")), cooperating=[], for_information=[],
        deadline=date(2026, 12, 8), unit_code="", actor=leader)
    lead = next(t for t in job.tasks if t.kind == "lead")
    # the same bytes uploaded first by the head: the officer's upload is still their own object (issue 14 item 2:
    # it used to be the head's, and the completion refused it as not the officer's upload)
    others = await upload(app, dev_issuer, "truongphong.ubnd", "Tệp của trưởng phòng.pdf")
    report = await upload(app, dev_issuer, "chuyenvien.ubnd", "Báo cáo kết quả.pdf")
    assert report != others

    async with asgi_client(app, dev_issuer.token("chuyenvien.ubnd")) as officer:
        refused = await officer.post(f"/api/v1/workflow/tasks/{lead.id}/complete",
                                     json={"version": job.version, "result": "Xong", "result_file_ids": [others]})
        # refused as a file not in the store would be: nothing said of the colleague's file (its name, that it is)
        assert refused.status_code == 400, refused.text
        assert "không phải tệp đồng chí đã tải lên kho của cơ quan" in refused.json()["detail"]
        assert "Tệp của trưởng phòng" not in refused.text
        done = await officer.post(f"/api/v1/workflow/tasks/{lead.id}/complete",
                                  json={"version": job.version, "result": "Đã gửi báo cáo",
                                        "result_file_ids": [report]})
        assert done.status_code == 200, done.text
        assert (done.json()["state"], done.json()["result_file_ids"]) == ("completed", [report])

    channel = create_channel(f"127.0.0.1:{storage_port}")
    try:
        stub = storage_pb2_grpc.StorageServiceStub(channel)
        clerk = bearer_metadata(dev_issuer.token("vanthu.ubnd"))
        kept = (await stub.Stat(storage_pb2.StatRequest(object_id=report), metadata=clerk)).object
        assert list(kept.references) == [f"workflow/task/{lead.id}"]
        other = (await stub.Stat(storage_pb2.StatRequest(object_id=others), metadata=clerk)).object
        assert list(other.references) == []
    finally:
        await channel.close()

    async with asgi_client(app, dev_issuer.token("lanhdao.ubnd")) as giver:
        seen = await giver.get(f"/api/v1/workflow/jobs/{job.id}")
        assert seen.status_code == 200, seen.text
        assert seen.json()["result_file_ids"] == [report]
        content = await giver.get(f"/api/v1/files/{report}/content")
        assert (content.status_code, content.content) == (200, PDF)
    async with asgi_client(app, dev_issuer.token("vanthu.longchau")) as stranger:
        assert (await stranger.get(f"/api/v1/files/{report}/content")).status_code == 404
        assert (await stranger.get(f"/api/v1/workflow/jobs/{job.id}")).status_code == 404
    # a colleague outside the job (the clerk, the officer's own head: neither gave it nor holds a task of it) gets
    # 404 as for a file that does not exist, for its bytes, its metadata and a download link (issue 14 item 1)
    for colleague in ("vanthu.ubnd", "truongphong.ubnd"):
        async with asgi_client(app, dev_issuer.token(colleague)) as outside:
            for reply in (await outside.get(f"/api/v1/files/{report}/content"),
                          await outside.get(f"/api/v1/files/{report}"),
                          await outside.post(f"/api/v1/files/{report}/link"),
                          # nor a deletion: a clerk was told 422 "Tệp đang được dùng (workflow/task/<id>)", the head
                          # 403 (not the uploader), either way that it exists
                          await outside.delete(f"/api/v1/files/{report}")):
                assert reply.status_code == 404, (colleague, reply.status_code, reply.text)
                assert lead.id not in reply.text and job.id not in reply.text
            # nor a range past its end (416 told its size, so that it exists): 404 too, whatever the range
            for first in ("99999999999999999999", str(len(PDF)), "0"):
                reply = await outside.get(f"/api/v1/files/{report}/content", headers={"Range": f"bytes={first}-"})
                assert reply.status_code == 404, (colleague, first, reply.status_code, reply.text)
                assert str(len(PDF)) not in reply.text and "Content-Range" not in reply.headers
    # kept by the archive (retained): storage announces each read for the archive's access log (Decree 30/2020
    # Appendix VI); a refused colleague's download must not be written there as a read of the file
    channel = create_channel(f"127.0.0.1:{storage_port}")
    try:
        await storage_pb2_grpc.StorageServiceStub(channel).Lock(
            storage_pb2.LockRequest(object_id=report, retain_until="2040-01-01"),
            metadata=bearer_metadata(dev_issuer.token("luutru.ubnd")))
    finally:
        await channel.close()
    async with asgi_client(app, dev_issuer.token("truongphong.ubnd")) as outside:
        assert (await outside.get(f"/api/v1/files/{report}/content")).status_code == 404
        ranged = await outside.get(f"/api/v1/files/{report}/content", headers={"Range": "bytes=5-9"})
        assert ranged.status_code == 404
    async with asgi_client(app, dev_issuer.token("chuyenvien.ubnd")) as officer:  # the lead reads what they sent
        content = await officer.get(f"/api/v1/files/{report}/content")
        assert (content.status_code, content.content) == (200, PDF)
    reads = [e.reader for e in await outbox_events(session_factory(storage.engine), outbox)
             if isinstance(e, storage_events.ObjectRead)]
    assert reads == ["chuyenvien.ubnd"], reads
    async with asgi_client(app, dev_issuer.token("chuyenvien.ubnd")) as officer:
        assert (await officer.post(f"/api/v1/files/{report}/link")).status_code == 200
