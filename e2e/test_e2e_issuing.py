"""Issuing as one act, through the gateway on the whole platform: an officer drafts with a PDF and submits it, the
leader signs, the clerk issues with one call and gets the number, the date and a sealed file that verifies; the
files stay while the document refers to them (a sweep a week later keeps them); a seal that fails leaves the
document numbered, and the same call completes it with the same number."""

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from vanthu_devstack import Stack
from vanthu_testing.gateway import bearer

pytestmark = pytest.mark.e2e
VN = timezone(timedelta(hours=7))


def draft_with_file(api: httpx.Client, officer: dict[str, str], pdf: bytes, abstract: str) -> dict:
    up = api.post("/api/v1/files", headers=officer, files={"file": ("Dự thảo công văn.pdf", pdf, "application/pdf")})
    assert up.status_code == 201, up.text
    created = api.post("/api/v1/documents", headers=officer, json={
        "type_code": "cong_van", "abstract": abstract, "unit_abbreviation": "VP",
        "files": [{"object_id": up.json()["object"]["object_id"], "role": "main"}]})
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["files"][0]["sha256"] == up.json()["object"]["sha256"]  # storage's digest, filled in
    assert doc["files"][0]["content_type"] == "application/pdf"
    return dict(doc)


def general_register(api: httpx.Client, clerk: dict[str, str]) -> dict[str, str]:
    registers = api.get("/api/v1/registers", headers=clerk, params={"direction": "outgoing"}).json()
    return {"register_id": next(r["id"] for r in registers if not r["type_codes"])}


def run(platform: Stack, module: str, *args: str) -> str:
    """A service's command line against the running platform's data (as an operator runs it)."""
    proc = subprocess.run([sys.executable, "-m", module, *args], env=platform.env(), cwd=platform.var.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_draft_submit_sign_issue_in_one_act_and_the_files_survive_a_sweep(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes], platform: Stack,
        tmp_path: Path) -> None:
    officer, leader, clerk = (bearer(login(u)) for u in ("chuyenvien.ubnd", "lanhdao.ubnd", "vanthu.ubnd"))
    doc = draft_with_file(api, officer, draft_pdf(), "V/v triển khai chữ ký số trong cơ quan nhà nước")
    draft_file = doc["files"][0]["object_id"]
    doc_id = doc["id"]

    early = api.post(f"/api/v1/documents/{doc_id}/sign", headers=leader)
    assert early.status_code == 422 and "dự thảo" in early.json()["detail"]  # not submitted yet
    assert api.post(f"/api/v1/documents/{doc_id}/submit", headers=bearer(login("chuyenvien.snv"))).status_code == 404
    submitted = api.post(f"/api/v1/documents/{doc_id}/submit", headers=officer)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    assert api.post(f"/api/v1/documents/{doc_id}/sign", headers=officer).status_code == 403
    assert api.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk, json={}).status_code == 422  # not signed

    signed = api.post(f"/api/v1/documents/{doc_id}/sign", headers=leader, timeout=120)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed" and signed.json()["signed_by"] == "lanhdao.ubnd"
    personal_file = signed.json()["files"][0]["object_id"]
    assert personal_file != draft_file

    issued = api.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk, json=general_register(api, clerk),
                      timeout=120)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    today = datetime.now(UTC).astimezone(VN).date().isoformat()
    assert body["status"] == "issued" and body["document_date"] == today
    assert body["number_symbol"].endswith("/UBND-VP") and body["number"] >= 1 and body["seal_error"] == ""
    sealed = body["files"][0]["object_id"]
    again = api.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk, json={}, timeout=120)
    assert again.status_code == 200 and again.json()["number_symbol"] == body["number_symbol"]  # never a second
    assert again.json()["files"][0]["object_id"] == sealed

    verdict = api.post("/api/v1/signing/verify", headers=officer, json={"object_id": sealed}, timeout=60).json()
    assert verdict["valid"] is True, verdict["report"]
    assert [s["field_name"] for s in verdict["signatures"]] == ["ChuKyCaNhan", "ChuKyCoQuan"]
    history = [h["action"] for h in api.get(f"/api/v1/documents/{doc_id}/history", headers=clerk).json()]
    assert history == ["drafted", "submitted", "signed", "numbered", "issued"]

    # a file a document uses cannot be deleted, whoever uploaded it
    refused = api.delete(f"/api/v1/files/{sealed}", headers=clerk)
    assert refused.status_code == 422 and f"registry/document/{doc_id}" in refused.json()["detail"], refused.text

    # a week later the sweep removes only what nothing refers to any more: the draft and the personally signed
    # version, superseded by the sealed file that contains them
    week_ahead = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    out = run(platform, "vanthu_storage", "sweep", "--now", week_ahead)
    assert "objects nothing refers to" in out
    content = api.get(f"/api/v1/files/{sealed}/content", headers=officer)
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
    for superseded in (draft_file, personal_file):
        assert api.get(f"/api/v1/files/{superseded}", headers=officer).status_code == 404, superseded
    pdf = tmp_path / "issued.pdf"
    pdf.write_bytes(content.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert body["number_symbol"] in text and "[[" not in text  # the placeholders are gone from the text layer


def test_a_failed_seal_keeps_the_number_and_the_same_call_completes_it(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes], platform: Stack,
        tmp_path: Path) -> None:
    """UBND phường Long Châu has no seal profile yet: the issue numbers the document and stops; once the operator
    binds the seal, the clerk repeats the issue and the document is sealed with the same number."""
    agency = "000.00.41.H61"
    signature = tmp_path / "chu-ky.png"
    seal = tmp_path / "con-dau.png"
    from vanthu_signing.devseed import seal_png, signature_png

    signature.write_bytes(signature_png())
    seal.write_bytes(seal_png())
    run(platform, "vanthu_signing", "profile", "set", "--agency", agency, "--user", "lanhdao.longchau",
        "--key", "personal", "--image", str(signature))
    officer, leader, clerk = (bearer(login(u)) for u in ("chuyenvien.longchau", "lanhdao.longchau",
                                                         "vanthu.longchau"))
    doc = draft_with_file(api, officer, draft_pdf("Về việc tổ chức ngày hội đại đoàn kết toàn dân tộc."),
                          "V/v tổ chức ngày hội đại đoàn kết")
    assert api.post(f"/api/v1/documents/{doc['id']}/submit", headers=officer).status_code == 200
    assert api.post(f"/api/v1/documents/{doc['id']}/sign", headers=leader, timeout=120).status_code == 200

    failed = api.post(f"/api/v1/documents/{doc['id']}/issue", headers=clerk, json=general_register(api, clerk),
                      timeout=120)
    assert failed.status_code == 422, failed.text
    assert "chưa có hồ sơ ký số của cơ quan" in failed.json()["detail"]
    pending = api.get(f"/api/v1/documents/{doc['id']}", headers=clerk).json()
    assert pending["status"] == "numbered" and pending["number_symbol"] in failed.json()["detail"]
    assert "chưa có hồ sơ ký số của cơ quan" in pending["seal_error"]

    run(platform, "vanthu_signing", "profile", "set", "--agency", agency, "--seal", "--key", "agency",
        "--image", str(seal))
    done = api.post(f"/api/v1/documents/{doc['id']}/issue", headers=clerk, json={}, timeout=120)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "issued" and done.json()["number_symbol"] == pending["number_symbol"]
    assert done.json()["number"] == pending["number"] and done.json()["seal_error"] == ""
    history = [h["action"] for h in api.get(f"/api/v1/documents/{doc['id']}/history", headers=clerk).json()]
    assert history == ["drafted", "submitted", "signed", "numbered", "seal_failed", "issued"]
