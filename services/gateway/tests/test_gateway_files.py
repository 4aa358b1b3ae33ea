"""``POST /api/v1/files`` streams the multipart form to a real storage service as it arrives (no spooling in the
gateway): the happy path, the optional ``sha256`` field, and clean 4xx for malformed, incomplete, misordered and
oversized forms — with nothing stored by storage in each of those cases."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from vanthu_core.settings import CommonSettings
from vanthu_gateway.app import create_app
from vanthu_gateway.settings import GatewaySettings
from vanthu_storage.server import StorageServer
from vanthu_storage.settings import StorageSettings
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration

LIMIT = 3 * 1024 * 1024
BOUNDARY = "vanthu-boundary-7f3a"


def pdf_of(size: int) -> bytes:
    return (b"%PDF-1.7\n" + bytes(range(256)) * (size // 256 + 1))[:size]


def form(*parts: tuple[str, bytes, str | None], close: bool = True) -> bytes:
    """A multipart body by hand: (name, content, file name or None for a plain field)."""
    body = b""
    for name, content, file_name in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{file_name}"' if file_name is not None else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if file_name is not None:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
async def storage(tmp_path: Path, dev_issuer: DevIssuer) -> AsyncIterator[StorageServer]:
    settings = StorageSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'storage.db'}",
                               data_dir=tmp_path / "data", max_object_bytes=LIMIT)
    server = StorageServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    server.port = await server.start()  # type: ignore[attr-defined]
    yield server
    await server.stop()


@pytest.fixture
async def client(storage: StorageServer, dev_issuer: DevIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(GatewaySettings(storage_target=f"127.0.0.1:{storage.port}",  # type: ignore[attr-defined]
                                     max_upload_bytes=LIMIT + 64 * 1024),
                     CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False))
    token = dev_issuer.token("vanthu.ubnd")
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway",
            headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        yield http


async def stored_files(tmp_path: Path) -> list[Path]:
    """What storage holds (objects and staging), once a cancelled upload had time to clean up."""
    found: list[Path] = []
    for _ in range(50):
        found = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
        if not found:
            break
        await asyncio.sleep(0.1)
    return found


async def test_a_file_streams_up_and_comes_back(client: httpx.AsyncClient) -> None:
    data = pdf_of(2 * 1024 * 1024 + 17)
    digest = hashlib.sha256(data).hexdigest()
    reply = await client.post("/api/v1/files", files={"file": ("Quyết định 05.pdf", data, "application/pdf")},
                              data={"sha256": digest})
    assert reply.status_code == 201, reply.text
    stored = reply.json()["object"]
    assert (stored["sha256"], stored["size"], stored["file_name"]) == (digest, len(data), "Quyết định 05.pdf")
    assert stored["content_type"] == "application/pdf"
    content = await client.get(f"/api/v1/files/{stored['object_id']}/content")
    assert content.status_code == 200 and content.content == data
    # a streamed body (chunked, no Content-Length) works as well
    again = form(("file", data, "again.pdf"))

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(again), 10_000):
            yield again[start:start + 10_000]

    reply = await client.post("/api/v1/files", content=pieces(), headers=HEADERS)
    assert reply.status_code == 201, reply.text
    assert reply.json()["deduplicated"] is True


async def test_a_wrong_digest_is_refused_and_nothing_is_stored(client: httpx.AsyncClient, tmp_path: Path) -> None:
    reply = await client.post("/api/v1/files", content=form(("sha256", b"0" * 64, None),
                                                            ("file", pdf_of(100_000), "a.pdf")), headers=HEADERS)
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in reply.json()["errors"]] == ["metadata.claimed_sha256"]
    assert await stored_files(tmp_path) == []


@pytest.mark.parametrize(("body", "headers", "field"), [
    (form(("file", pdf_of(300_000), "a.pdf"), ("sha256", b"0" * 64, None)), HEADERS, "sha256"),  # digest too late
    (form(("sha256", b"0" * 65, None), ("file", pdf_of(1000), "a.pdf")), HEADERS, "sha256"),
    (form(("other", b"x", None)), HEADERS, "file"),  # no file part
    (form(("file", pdf_of(1000), None)), HEADERS, "file"),  # a plain field, not a file
    (form(("file", pdf_of(200_000), "a.pdf"), ("file", pdf_of(1000), "b.pdf")), HEADERS, "file"),  # two files
    (form(("file", pdf_of(300_000), "a.pdf"), close=False), HEADERS, "file"),  # broken off mid-file
    (b"--" + BOUNDARY.encode() + b"\r\nnot a header line\r\n\r\n", HEADERS, "file"),  # malformed
    (b'{"file": "a.pdf"}', {"Content-Type": "application/json"}, "file"),  # not a form
])
async def test_bad_forms_get_a_clean_400_and_store_nothing(client: httpx.AsyncClient, tmp_path: Path, body: bytes,
                                                           headers: dict[str, str], field: str) -> None:
    reply = await client.post("/api/v1/files", content=body, headers=headers)
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert await stored_files(tmp_path) == []


async def test_an_oversized_upload_is_413_and_stores_nothing(client: httpx.AsyncClient, tmp_path: Path) -> None:
    body = form(("file", pdf_of(LIMIT + 128 * 1024), "big.pdf"))

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: the limit is found while streaming
        for start in range(0, len(body), 256 * 1024):
            yield body[start:start + 256 * 1024]

    reply = await client.post("/api/v1/files", content=streamed(), headers=HEADERS)
    assert reply.status_code == 413, reply.text
    assert await stored_files(tmp_path) == []
