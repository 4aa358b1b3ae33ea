"""``POST /api/v1/files`` streams the multipart form to a real storage service as it arrives (no spooling in the
gateway): the happy path, the optional ``sha256`` field, and clean 4xx for malformed, incomplete, misordered and
oversized forms — with nothing stored by storage in each of those cases."""

import asyncio
import base64
import hashlib
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import grpc
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
                     dev_issuer.service_settings("gateway"))
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


def part(disposition: str, content: bytes) -> bytes:
    """A one-part form whose Content-Disposition is written exactly as given (UTF-8 on the wire)."""
    return (f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/pdf\r\n\r\n".encode()
            + content + f"\r\n--{BOUNDARY}--\r\n".encode())


B64_TO_TRINH = base64.b64encode("Tờ trình.pdf".encode()).decode()
B64_WITH_SLASH = base64.b64encode("Quyết định phê duyệt đề án.pdf".encode()).decode()  # its base64 has a '/'
assert "/" in B64_WITH_SLASH
PCT_TO_TRINH = quote("Tờ trình.pdf", safe="")


@pytest.mark.parametrize(("disposition", "stored_name"), [
    # .NET's MultipartFormDataContent: an RFC 2047 word in filename and RFC 5987 in filename* (preferred)
    (f'form-data; name="file"; filename="=?utf-8?B?{B64_TO_TRINH}?="; filename*=utf-8\'\'{PCT_TO_TRINH}',
     "Tờ trình.pdf"),
    (f'form-data; name="file"; filename="=?utf-8?B?{B64_WITH_SLASH}?="; '
     f'filename*=utf-8\'\'{quote("Quyết định phê duyệt đề án.pdf", safe="")}', "Quyết định phê duyệt đề án.pdf"),
    (f"form-data; name=\"file\"; filename*=UTF-8''{PCT_TO_TRINH}", "Tờ trình.pdf"),  # only filename*
    (f'form-data; name="file"; filename="=?utf-8?B?{B64_WITH_SLASH}?="', "Quyết định phê duyệt đề án.pdf"),
    ('form-data; name="file"; filename="=?utf-8?Q?T=E1=BB=9D_tr=C3=ACnh.pdf?="', "Tờ trình.pdf"),
    ('form-data; name="file"; filename="Tờ trình.pdf"', "Tờ trình.pdf"),  # browsers: UTF-8 as is
    # decomposed (NFD, as macOS names files) in filename*: stored composed (NFC)
    (f"form-data; name=\"file\"; filename*=utf-8''{quote(unicodedata.normalize('NFD', 'Tờ trình.pdf'), safe='')}",
     "Tờ trình.pdf"),
    # a filename* that does not decode as its charset says: the plain filename is used
    ("form-data; name=\"file\"; filename*=utf-8''T%FF.pdf; filename=\"to-trinh.pdf\"", "to-trinh.pdf"),
])
async def test_file_names_are_read_as_browsers_and_dotnet_send_them(client: httpx.AsyncClient, disposition: str,
                                                                    stored_name: str) -> None:
    reply = await client.post("/api/v1/files", content=part(disposition, pdf_of(1000 + len(disposition))),
                              headers=HEADERS)
    assert reply.status_code == 201, reply.text
    assert reply.json()["object"]["file_name"] == stored_name
    assert unicodedata.is_normalized("NFC", reply.json()["object"]["file_name"])


@pytest.mark.parametrize("disposition", [
    "form-data; name=\"file\"; filename*=utf-8''..%2F..%2Fetc%2Fpasswd",  # a folder, once decoded
    "form-data; name=\"file\"; filename*=utf-8''T%E1%BB%9D%00.pdf",  # a control character, once decoded
    f'form-data; name="file"; filename="=?utf-8?B?{base64.b64encode(b"../a.pdf").decode()}?="',
])
async def test_decoded_file_names_still_follow_the_plain_name_rules(client: httpx.AsyncClient, tmp_path: Path,
                                                                     disposition: str) -> None:
    reply = await client.post("/api/v1/files", content=part(disposition, pdf_of(2000)), headers=HEADERS)
    assert reply.status_code == 400, reply.text
    assert [e["field"] for e in reply.json()["errors"]] == ["metadata.file_name"]
    assert await stored_files(tmp_path) == []


async def uploaded(client: httpx.AsyncClient, data: bytes) -> dict[str, object]:
    reply = await client.post("/api/v1/files", files={"file": ("a.pdf", data, "application/pdf")})
    assert reply.status_code == 201, reply.text
    stored: dict[str, object] = reply.json()["object"]
    return stored


@pytest.mark.parametrize("first", ["99999999999999999999", "9" * 5000, "9223372036854775808", "{size}", "{size_plus}"])
async def test_a_range_starting_past_the_end_is_416_with_the_size(client: httpx.AsyncClient, first: str) -> None:
    data = pdf_of(10_000)
    stored = await uploaded(client, data)
    start = first.format(size=len(data), size_plus=len(data) + 1)
    reply = await client.get(f"/api/v1/files/{stored['object_id']}/content", headers={"Range": f"bytes={start}-"})
    assert reply.status_code == 416, reply.text
    assert reply.headers["content-range"] == f"bytes */{len(data)}"
    assert reply.headers["content-type"] == "application/problem+json"


async def test_a_range_ending_past_the_end_is_served_to_the_end(client: httpx.AsyncClient) -> None:
    data = pdf_of(10_000)
    stored = await uploaded(client, data)
    reply = await client.get(f"/api/v1/files/{stored['object_id']}/content",
                             headers={"Range": "bytes=9000-99999999999999999999"})
    assert reply.status_code == 206, reply.text
    assert reply.content == data[9000:] and reply.headers["content-range"] == f"bytes 9000-9999/{len(data)}"


async def test_a_huge_range_on_another_agencys_file_is_still_404(client: httpx.AsyncClient,
                                                                 dev_issuer: DevIssuer) -> None:
    stored = await uploaded(client, pdf_of(5000))
    reply = await client.get(f"/api/v1/files/{stored['object_id']}/content",
                             headers={"Range": "bytes=99999999999999999999-",
                                      "Authorization": f"Bearer {dev_issuer.token('vanthu.snv')}"})
    assert reply.status_code == 404, reply.text


async def test_a_stored_file_found_damaged_is_a_500_data_loss_not_a_bad_gateway(client: httpx.AsyncClient,
                                                                                tmp_path: Path) -> None:
    data = pdf_of(20_000)
    stored = await uploaded(client, data)
    [path] = [p for p in (tmp_path / "data" / "objects").rglob("*") if p.is_file()]
    damaged = bytearray(path.read_bytes())
    damaged[15_000] ^= 0x80
    path.write_bytes(bytes(damaged))
    reply = await client.get(f"/api/v1/files/{stored['object_id']}/content")
    assert reply.status_code == 500, reply.text
    assert reply.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def linking(storage: StorageServer, dev_issuer: DevIssuer) -> AsyncIterator[
        tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The gateway with its own client (``vanthu-gateway``), and a second one holding the registry's credential."""
    target = f"127.0.0.1:{storage.port}"  # type: ignore[attr-defined]
    own = create_app(GatewaySettings(storage_target=target), dev_issuer.service_settings("gateway"))
    wrong = create_app(GatewaySettings(storage_target=target), dev_issuer.service_settings(
        "gateway", service_client_id="vanthu-registry",
        service_client_secret=dev_issuer.client_secret("vanthu-registry")))
    headers = {"Authorization": f"Bearer {dev_issuer.token('vanthu.ubnd')}"}
    async with own.router.lifespan_context(own), wrong.router.lifespan_context(wrong), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=own), base_url="http://gateway", headers=headers,
                              timeout=60) as first, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=wrong), base_url="http://gateway", headers=headers,
                              timeout=60) as second:
        yield first, second


async def test_a_download_link_is_served_with_the_gateways_own_client_and_no_other(
        linking: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    """Issue 11, item 2: the gateway's service token reads the one object a signed link names; a gateway holding
    another service's credential (the registry's, which storage lets only record references) serves nothing."""
    gateway, misconfigured = linking
    data = pdf_of(70_000)
    stored = await gateway.post("/api/v1/files", content=form(("file", data, "công văn.pdf")), headers=HEADERS)
    assert stored.status_code == 201, stored.text
    object_id = stored.json()["object"]["object_id"]
    link = (await gateway.post(f"/api/v1/files/{object_id}/link")).json()["url"].replace("http://gateway", "")
    anonymous = {"Authorization": ""}
    whole = await gateway.get(link, headers=anonymous)
    assert whole.status_code == 200 and whole.content == data
    part = await gateway.get(link, headers={**anonymous, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    tampered = link.replace("000.00.00.H61", "000.00.41.H61")
    assert (await gateway.get(tampered, headers=anonymous)).status_code == 403
    other = (await misconfigured.post(f"/api/v1/files/{object_id}/link")).json()["url"].replace("http://gateway", "")
    refused = await misconfigured.get(other, headers=anonymous)
    assert refused.status_code == 403 and "vanthu-registry" in refused.json()["detail"]


@pytest.mark.parametrize("signature", ["ä", "ñ" * 43, "\x00", "Ȧ" + "A" * 42, "A" * 43],
                         ids=["one-non-ascii", "all-non-ascii", "nul", "non-ascii-first", "ascii"])
async def test_a_download_link_with_a_forged_signature_is_a_403_whatever_its_characters(
        client: httpx.AsyncClient, signature: str) -> None:
    """Found by fuzzing: a signature with a non-ASCII character was a 500 (``hmac.compare_digest`` refuses to compare
    such strings) instead of the 403 any other forged signature gets."""
    stored = await uploaded(client, pdf_of(3000))
    link = httpx.URL((await client.post(f"/api/v1/files/{stored['object_id']}/link")).json()["url"])
    reply = await client.get(link.path, params={**dict(link.params), "signature": signature})
    assert reply.status_code == 403, reply.text
    assert reply.headers["content-type"] == "application/problem+json"



class AbandonedStreams:
    """A storage channel whose uploads end the way gRPC ends a call the server refused while the gateway was still
    sending: gRPC's writer stops reading the gateway's message stream where it is (suspended at a ``yield``), the
    stream's finalizer closes it (GeneratorExit), and the refusal reaches the gateway after that. Under load the
    order is a matter of scheduling (the fuzzer met it); here it is certain. Storage and its refusal are real: it
    gets the messages read so far (the metadata and the first chunk), which is all it reads before refusing."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.channel = channel

    def stream_unary(self, *args: Any, **kwargs: Any) -> Callable[..., Awaitable[Any]]:
        call = self.channel.stream_unary(*args, **kwargs)

        async def invoke(requests: Any, **options: Any) -> Any:
            stream = requests.__aiter__()
            read = [await anext(stream), await anext(stream)]

            async def so_far() -> AsyncIterator[Any]:
                for message in read:
                    yield message

            try:
                return await call(so_far(), **options)
            except grpc.aio.AioRpcError:
                await stream.aclose()  # the abandoned stream's finalizer, before the gateway sees the error
                raise

        return invoke

    def __getattr__(self, name: str) -> Any:
        return getattr(self.channel, name)


@pytest.fixture
async def abandoning_client(storage: StorageServer, dev_issuer: DevIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(GatewaySettings(storage_target=f"127.0.0.1:{storage.port}",  # type: ignore[attr-defined]
                                     max_upload_bytes=LIMIT + 64 * 1024),
                     dev_issuer.service_settings("gateway"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=60,
            headers={"Authorization": f"Bearer {dev_issuer.token('vanthu.ubnd')}"}) as http:
        channels = app.state.clients.channels
        channels["storage"] = AbandonedStreams(channels["storage"])
        yield http


@pytest.mark.parametrize(("file_name", "content", "field"), [
    ("../a.pdf", pdf_of(2 * 1024 * 1024), "metadata.file_name"),  # refused on the first message
    ("setup.pdf", b"MZ\x90\x00" + bytes(2 * 1024 * 1024), "content"),  # refused on the first chunk
])
async def test_an_upload_storage_refuses_while_the_form_still_streams_is_a_clean_400(
        abandoning_client: httpx.AsyncClient, tmp_path: Path, file_name: str, content: bytes, field: str) -> None:
    """Found by fuzzing: when storage refused an upload before the gateway had sent all of it and the message stream
    gRPC gave up was closed before the gateway saw the refusal, the GeneratorExit was taken for the cause and raised
    on: a bare 500 "Internal Server Error" (text/plain) instead of storage's 400 naming the field."""
    reply = await abandoning_client.post("/api/v1/files", content=form(("file", content, file_name)),
                                          headers=HEADERS)
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert await stored_files(tmp_path) == []
