"""The exchange catalogue (danh mục gửi nhận) on the whole platform: UBND tỉnh's admin puts decisions (Quyết định) on
the list sent with the paper original too; a decision issued to Sở Nội vụ carries it (the document, the outgoing book's
"Gửi kèm bản giấy"), travels as edXML ``Bussiness/Paper`` 1 (the arrival's form is read from that flag alone), and
arrives flagged: Sở Nội vụ's clerk sees "electronic_and_paper" (bản giấy sẽ gửi kèm) on the arrival and in the
incoming book. Letters stay electronic only (the default), and Sở Nội vụ's own catalogue is untouched."""

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from vanthu_testing.gateway import bearer, wait_for

pytestmark = pytest.mark.e2e
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
PAPER = "electronic_and_paper"


def forms(api: httpx.Client, who: dict[str, str]) -> dict[str, str]:
    reply = api.get("/api/v1/document-types", headers=who)
    assert reply.status_code == 200, reply.text
    return {t["code"]: t["exchange_form"] for t in reply.json()}


def book(api: httpx.Client, clerk: dict[str, str], register_id: str, day: str) -> list[list[str]]:
    reply = api.get(f"/api/v1/registers/{register_id}/export", headers=clerk,
                    params={"date_from": day, "date_to": day, "format": "csv"})
    assert reply.status_code == 200, reply.text
    return list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))


def test_a_decision_on_the_paper_list_arrives_flagged_bản_giấy_sẽ_gửi_kèm(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes]) -> None:
    admin, officer, leader, clerk = (bearer(login(u)) for u in ("quantri.ubnd", "chuyenvien.ubnd", "lanhdao.ubnd",
                                                                 "vanthu.ubnd"))
    snv_clerk = bearer(login("vanthu.snv"))
    assert forms(api, clerk)["quyet_dinh"] == "electronic"  # the default: electronic only
    refused = api.put("/api/v1/document-types/quyet_dinh/exchange-form", headers=clerk, json={"exchange_form": PAPER})
    assert refused.status_code == 403, refused.text  # the admin keeps the catalogue
    bad = api.put("/api/v1/document-types/quyet_dinh/exchange-form", headers=admin, json={"exchange_form": "giay"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "exchange_form", bad.text
    set_ = api.put("/api/v1/document-types/quyet_dinh/exchange-form", headers=admin, json={"exchange_form": PAPER})
    assert set_.status_code == 200, set_.text
    assert (set_.json()["exchange_form"], set_.json()["exchange_form_set_by"]) == (PAPER, "quantri.ubnd")
    assert forms(api, clerk)["quyet_dinh"] == PAPER and forms(api, clerk)["cong_van"] == "electronic"
    assert forms(api, snv_clerk)["quyet_dinh"] == "electronic"  # Sở Nội vụ's catalogue is its own

    up = api.post("/api/v1/files", headers=officer, files={"file": ("Dự thảo quyết định.pdf", draft_pdf(),
                                                                     "application/pdf")})
    assert up.status_code == 201, up.text
    abstract = "Quyết định về việc giao chỉ tiêu biên chế công chức năm 2027 (danh mục gửi kèm bản giấy)"
    created = api.post("/api/v1/documents", headers=officer, json={
        "type_code": "quyet_dinh", "abstract": abstract, "recipients": [{"agency_code": SNV, "name": "Sở Nội vụ"}],
        "files": [{"object_id": up.json()["object"]["object_id"], "role": "main"}]})
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["exchange_form"] == ""  # decided when numbered, from the catalogue
    assert api.post(f"/api/v1/documents/{doc['id']}/submit", headers=officer).status_code == 200
    signed = api.post(f"/api/v1/documents/{doc['id']}/sign", headers=leader, timeout=120)
    assert signed.status_code == 200, signed.text
    issued = api.post(f"/api/v1/documents/{doc['id']}/issue", headers=clerk, json={}, timeout=120)
    assert issued.status_code == 200, issued.text
    outgoing = issued.json()
    assert (outgoing["status"], outgoing["exchange_form"]) == ("issued", PAPER)
    lines = book(api, clerk, outgoing["register_id"], outgoing["document_date"])
    assert [line[9] for line in lines[1:] if line[0] == outgoing["number_symbol"]] == ["Gửi kèm bản giấy"]

    def arrival() -> dict[str, Any] | None:
        found = api.get("/api/v1/documents", headers=snv_clerk, params={
            "direction": "incoming", "issuing_agency_code": UBND, "type_code": "quyet_dinh"})
        assert found.status_code == 200, found.text
        return next((d for d in found.json()["items"] if d["number_symbol"] == outgoing["number_symbol"]), None)

    arrived = wait_for(arrival, "the decision's arrival at Sở Nội vụ")
    assert arrived["exchange_form"] == PAPER  # read from the package's Bussiness/Paper
    wait_for(lambda: api.get(f"/api/v1/documents/{arrived['id']}", headers=snv_clerk).json()[
        "signature_check"] in ("valid", "invalid"), "signing's check of the arrival")
    incoming = next(r["id"] for r in api.get("/api/v1/registers", headers=snv_clerk,
                                             params={"direction": "incoming"}).json())
    registered = api.post(f"/api/v1/documents/{arrived['id']}/register", headers=snv_clerk, json={
        "register_id": incoming, "confirm_signature_problem": True, "reason": "đã đối chiếu với bản giấy"})
    assert registered.status_code == 200, registered.text
    day = registered.json()["numbered_at"][:10]
    lines = book(api, snv_clerk, incoming, day)
    assert [line[9] for line in lines[1:] if line[3] == outgoing["number_symbol"]] == ["Bản giấy sẽ gửi kèm"]
