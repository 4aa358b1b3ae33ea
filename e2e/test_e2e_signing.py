"""Signing through the gateway on the whole platform: a leader signs a stored file with their own key, anyone in
the agency verifies it; profiles; arrivals verified; digitised copies. Issuing (the seal) is in test_e2e_issuing."""

import io
import sqlite3
import time
from collections.abc import Callable

import httpx
import pytest

from vanthu_devstack import Stack
from vanthu_testing.gateway import bearer

pytestmark = pytest.mark.e2e


def test_sign_and_verify_through_the_gateway(api: httpx.Client, login: Callable[[str], str],
                                              draft_pdf: Callable[[], bytes]) -> None:
    leader, clerk, officer = (bearer(login(u)) for u in ("lanhdao.ubnd", "vanthu.ubnd", "chuyenvien.ubnd"))
    up = api.post("/api/v1/files", headers=officer, files={"file": ("Công văn dự thảo.pdf", draft_pdf(),
                                                                     "application/pdf")})
    assert up.status_code == 201, up.text
    draft = up.json()["object"]["object_id"]

    refused = api.post("/api/v1/signing/personal", headers=officer, json={"object_id": draft})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    signed = api.post("/api/v1/signing/personal", headers=leader, json={"object_id": draft}, timeout=60)
    assert signed.status_code == 201, signed.text
    assert signed.json()["field_name"] == "ChuKyCaNhan" and signed.json()["signed_at"].endswith("+07:00")
    meta = api.get(f"/api/v1/files/{signed.json()['object_id']}", headers=officer).json()
    assert meta["file_name"] == "Công văn dự thảo.signed.pdf" and meta["sha256"] == signed.json()["sha256"]
    assert meta["referenced"] is True  # signing keeps what it made

    verdict = api.post("/api/v1/signing/verify", headers=officer, json={"object_id": signed.json()["object_id"]},
                       timeout=60)
    assert verdict.status_code == 200, verdict.text
    body = verdict.json()
    assert body["valid"] is True and [s["field_name"] for s in body["signatures"]] == ["ChuKyCaNhan"]
    assert "HỢP LỆ" in body["report"]

    other = bearer(login("vanthu.snv"))  # another agency can neither verify nor read UBND's stored file
    assert api.post("/api/v1/signing/verify", headers=other,
                    json={"object_id": signed.json()["object_id"]}).status_code == 404
    for gone in ("/api/v1/signing/issue", "/api/v1/signing/attachment"):  # no number or date is typed by hand
        assert api.post(gone, headers=clerk, json={"object_id": draft, "number_symbol": "999/QĐ-UBND",
                                                   "issued_on": "2020-01-01"}).status_code == 404


def test_signing_profile(api: httpx.Client, login: Callable[[str], str]) -> None:
    profile = api.get("/api/v1/signing/profile", headers=bearer(login("lanhdao.ubnd")))
    assert profile.status_code == 200, profile.text
    assert profile.json()["kind"] == "personal" and profile.json()["custody"] == "server"
    assert profile.json()["has_image"] is True
    from PIL import Image, ImageDraw

    def image(fmt: str, mode: str) -> bytes:
        img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(img).line([(10, 100), (150, 20), (290, 90)], fill=(10, 30, 190, 255), width=6)
        out = io.BytesIO()
        img.convert(mode).save(out, fmt)
        return out.getvalue()

    leader = bearer(login("lanhdao.ubnd"))
    jpeg = api.put("/api/v1/signing/profile/image", headers=leader,
                   files={"image": ("chữ ký.jpg", image("JPEG", "RGB"), "image/jpeg")})
    assert jpeg.status_code == 400 and jpeg.json()["errors"][0]["field"] == "image", jpeg.text
    png = api.put("/api/v1/signing/profile/image", headers=leader,
                  files={"image": ("chữ ký.png", image("PNG", "RGBA"), "image/png")})
    assert png.status_code == 200 and png.json()["has_image"] is True, png.text
    missing = api.get("/api/v1/signing/profile", headers=bearer(login("lanhdao.snv")))
    assert missing.status_code == 422, missing.text
    assert "chưa có hồ sơ ký số cá nhân" in missing.json()["detail"]


def _arrival_check(api: httpx.Client, clerk: dict[str, str], object_id: str, sha256: str, number: str,
                   sender: tuple[str, str] = ("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long")) -> dict:
    """Enter an arrival from ``sender`` (code, name) carrying the file, then wait for the signing service's verdict
    (over NATS)."""
    created = api.post("/api/v1/documents", headers=clerk, json={
        "direction": "incoming", "type_code": "cong_van", "abstract": "V/v tăng cường chuyển đổi số",
        "files": [{"object_id": object_id, "sha256": sha256, "role": "main", "file_name": "công văn đến.pdf"}],
        "sender": {"agency_code": sender[0], "agency_name": sender[1], "number_symbol": number,
                   "document_date": "2026-11-26"}})
    assert created.status_code == 201, created.text
    assert created.json()["signature_check"] == "pending"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        doc = api.get(f"/api/v1/documents/{created.json()['id']}", headers=clerk).json()
        if doc["signature_check"] != "pending":
            return dict(doc)
        time.sleep(0.3)
    raise AssertionError("no signature verdict within 60 s")


def test_arrivals_are_verified_and_a_failure_is_flagged(api: httpx.Client, login: Callable[[str], str],
                                                        draft_pdf: Callable[[], bytes]) -> None:
    leader, clerk = bearer(login("lanhdao.ubnd")), bearer(login("vanthu.ubnd"))
    up = api.post("/api/v1/files", headers=clerk, files={"file": ("đến.pdf", draft_pdf(), "application/pdf")}).json()
    signed = api.post("/api/v1/signing/personal", headers=leader, json={"object_id": up["object"]["object_id"]},
                      timeout=60).json()
    good = _arrival_check(api, clerk, signed["object_id"], signed["sha256"], "101/UBND-VP")
    assert good["signature_check"] == "valid", good["signature_note"]
    bad = _arrival_check(api, clerk, up["object"]["object_id"], up["object"]["sha256"], "102/UBND-VP")
    assert bad["signature_check"] == "invalid" and "không có chữ ký số" in bad["signature_note"]
    # the province's leader's signature on a letter filed under Sở Nội vụ's code is not Sở Nội vụ's, whatever name
    # the clerk typed: the code names the agency the signatures are compared with (the typed name is kept)
    for number, typed in (("103/SNV-VP", "Sở Nội vụ tỉnh Vĩnh Long"), ("104/SNV-VP", "Ủy ban nhân dân tỉnh Vĩnh Long")):
        other = _arrival_check(api, clerk, signed["object_id"], signed["sha256"], number,
                               sender=("000.00.02.H61", typed))
        assert other["signature_check"] == "invalid", other["signature_note"]
        assert other["signature_note"].startswith("KHÔNG HỢP LỆ: không chữ ký nào là của cơ quan gửi «Sở Nội vụ tỉnh "
                                                  "Vĩnh Long»"), other["signature_note"]
        assert other["issuing_agency_name"] == typed
    history = api.get(f"/api/v1/documents/{bad['id']}/history", headers=clerk)
    assert history.status_code == 200, history.text
    assert "signature_invalid" in [h["action"] for h in history.json()]


def test_a_digitised_copy_is_signed_and_numbered_in_the_copy_register(api: httpx.Client,
                                                                       login: Callable[[str], str],
                                                                       draft_pdf: Callable[[], bytes],
                                                                       platform: Stack) -> None:
    clerk = bearer(login("vanthu.ubnd"))
    registers = api.get("/api/v1/registers", headers=clerk, params={"direction": "copy"}).json()
    assert [r["name"] for r in registers] == ["Sổ bản sao"]
    scan = api.post("/api/v1/files", headers=clerk, files={"file": ("bản chụp.pdf", draft_pdf(), "application/pdf")})
    copies = []
    for form in ("SY", "TrS"):
        reply = api.post("/api/v1/signing/copy", headers=clerk, timeout=60, json={
            "object_id": scan.json()["object"]["object_id"], "form": form, "copy_register_id": registers[0]["id"]})
        assert reply.status_code == 201, reply.text
        copies.append(reply.json())
    first, second = (int(c["copy_number_symbol"].split("/")[0]) for c in copies)
    assert second == first + 1 and copies[0]["copy_number_symbol"].endswith("/SY-UBND")
    assert copies[1]["copy_number_symbol"].endswith("/TrS-UBND") and copies[1]["field_name"] == "ChuKySaoVanBan"
    verdict = api.post("/api/v1/signing/verify", headers=clerk, json={"object_id": copies[0]["object_id"]}, timeout=60)
    assert verdict.json()["valid"] is True
    signings = journal_size(platform)
    incoming = api.get("/api/v1/registers", headers=clerk, params={"direction": "incoming"}).json()[0]["id"]
    for register_id, source in ((incoming, ""), ("0190f0e0-0000-7000-8000-000000000000", ""),
                                (registers[0]["id"], "0190f0e0-0000-7000-8000-000000000001")):
        wrong = api.post("/api/v1/signing/copy", headers=clerk, timeout=60, json={
            "object_id": scan.json()["object"]["object_id"], "form": "SY", "copy_register_id": register_id,
            "source_document_id": source})
        assert wrong.status_code in (400, 404), wrong.text
        if wrong.status_code == 400:
            assert wrong.json()["errors"][0]["field"] == "copy_register_id"  # as the REST body names it
    assert journal_size(platform) == signings  # a refused copy is not signed, stored or published


def journal_size(platform: Stack) -> int:
    """Signings the signing service journalled (its own SQLite database in the platform's var/)."""
    with sqlite3.connect(platform.var / "signing" / "signing.db") as db:
        return int(db.execute("SELECT count(*) FROM signings").fetchone()[0])
