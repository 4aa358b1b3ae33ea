"""Files through the gateway on the whole platform: upload, metadata, download, ranges, links, tenancy."""

import hashlib
from collections.abc import Callable

import httpx
import pytest

from vanthu_testing.gateway import bearer

pytestmark = pytest.mark.e2e

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
       b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n" + "Quyết định số 05/QĐ-UBND".encode() * 2000)


def test_a_file_goes_up_and_comes_back_verified_and_stays_in_its_agency(api: httpx.Client,
                                                                       login: Callable[[str], str]) -> None:
    clerk = bearer(login("vanthu.ubnd"))
    reply = api.post("/api/v1/files", headers=clerk,
                     files={"file": ("Quyết định 05.pdf", PDF, "application/pdf")})
    assert reply.status_code == 201, reply.text
    stored = reply.json()["object"]
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest() and stored["content_type"] == "application/pdf"
    assert stored["file_name"] == "Quyết định 05.pdf" and stored["agency_code"] == "000.00.00.H61"
    again = api.post("/api/v1/files", headers=clerk, files={"file": ("copy.pdf", PDF, "application/pdf")})
    assert again.json()["deduplicated"] is True

    content = api.get(f"/api/v1/files/{stored['object_id']}/content", headers=clerk)
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["x-content-sha256"] == stored["sha256"]
    part = api.get(f"/api/v1/files/{stored['object_id']}/content", headers={**clerk, "Range": "bytes=5-104"})
    assert part.status_code == 206 and part.content == PDF[5:105]

    other = bearer(login("vanthu.snv"))
    assert api.get(f"/api/v1/files/{stored['object_id']}", headers=other).status_code == 404
    assert api.get(f"/api/v1/files/{stored['object_id']}/content", headers=other).status_code == 404

    link = api.post(f"/api/v1/files/{stored['object_id']}/link", headers=clerk).json()
    shared = httpx.get(link["url"], timeout=30)
    assert shared.status_code == 200 and shared.content == PDF
    forged = link["url"].replace("agency=000.00.00.H61", "agency=000.00.02.H61")
    assert httpx.get(forged, timeout=30).status_code == 403


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("empty.pdf", b"", "application/pdf"),
    ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
])
def test_bad_uploads_are_refused_with_problem_json(api: httpx.Client, login: Callable[[str], str], name: str,
                                                   data: bytes, content_type: str) -> None:
    reply = api.post("/api/v1/files", headers=bearer(login("chuyenvien.ubnd")),
                     files={"file": (name, data, content_type)})
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"] == "application/problem+json"


def test_files_need_a_token(api: httpx.Client) -> None:
    assert api.post("/api/v1/files", files={"file": ("a.pdf", PDF, "application/pdf")}).status_code == 401
