"""Records and the agency archive through the gateway on the running platform (issue 16, "done when"): the leader
approves the file plan; an officer opens a file from it, adds an issued outgoing letter and, with the one action of
a completed processing case, the incoming letter it answered; closes it; the archivist accepts the deposit; the
archived objects are locked in storage (deleting one is refused by storage) and the signed PDFs were augmented to
PAdES B-LTA as new locked versions; the exported package validates against the archive library's schema and its
digests match; importing it gives the same metadata.

The import goes into the province's other demo agency (Sở Nội vụ) of the same installation: starting a second
platform costs about 40 s of CI time, and the package path (export → bytes → import) is the same.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from lxml import etree

from vanthu_archive.package import import_package, schema
from vanthu_devstack import Stack
from vanthu_testing.gateway import arrivals, bearer, issue_letter, wait_for

pytestmark = pytest.mark.e2e
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
RECORDS = "/api/v1/records"


def ok(reply: httpx.Response) -> Any:
    assert reply.is_success, f"{reply.request.method} {reply.request.url}: {reply.status_code} {reply.text[:500]}"
    return reply.json() if "json" in reply.headers.get("content-type", "") else reply.content


def test_a_file_goes_from_the_approved_plan_into_the_archive_locked_exported_and_imported(
        api: httpx.Client, login: Callable[[str], str], platform: Stack,
        draft_pdf: Callable[..., bytes]) -> None:
    clerk, leader, officer = (bearer(login(u)) for u in ("vanthu.ubnd", "lanhdao.ubnd", "chuyenvien.ubnd"))
    archivist, other_archivist = bearer(login("luutru.ubnd")), bearer(login("luutru.snv"))
    year = (datetime.now(UTC) + timedelta(hours=7)).year  # this year in Vietnam, by the platform's clock

    # the plan: drafted by the clerk, approved by the leader, frozen
    plan = ok(api.post(f"{RECORDS}/plans", headers=clerk, json={"year": year, "title": "Danh mục hồ sơ"}))
    plan = ok(api.put(f"{RECORDS}/plans/{plan['id']}", headers=clerk, json={
        "version": plan["version"], "title": plan["title"], "headings": [
            {"title": "Tổng hợp", "abbreviation": "TH", "entries": [
                {"title": "Hồ sơ báo cáo chuyển đổi số", "retention_years": 20, "creator": "Phòng Tổng hợp"}]}]}))
    assert api.post(f"{RECORDS}/plans/{plan['id']}/approve", headers=officer,
                    json={"version": plan["version"]}).status_code == 403
    plan = ok(api.post(f"{RECORDS}/plans/{plan['id']}/approve", headers=leader, json={"version": plan["version"]}))
    entry = plan["headings"][0]["entries"][0]
    assert (plan["state"], entry["notation"]) == ("approved", "01.TH")

    # the documents: a letter UBND sends itself, registered on arrival and processed by the officer, and the
    # officer's own issued reply
    letter = issue_letter(api, lambda u: bearer(login(u)), draft_pdf("V/v báo cáo chuyển đổi số (hồ sơ)"),
                          "V/v báo cáo chuyển đổi số (hồ sơ)", [{"agency_code": UBND}])
    arrival = wait_for(lambda: arrivals(api, clerk, UBND, letter["number_symbol"]), "the letter's arrival")[0]
    wait_for(lambda: ok(api.get(f"/api/v1/documents/{arrival['id']}", headers=clerk))["signature_check"] == "valid",
             "the arrival's signatures verified")
    registers = ok(api.get("/api/v1/registers", params={"direction": "incoming"}, headers=clerk))
    ok(api.post(f"/api/v1/documents/{arrival['id']}/register", headers=clerk,
                json={"register_id": next(r["id"] for r in registers if r["name"] == "Sổ văn bản đến")}))
    case = ok(api.post("/api/v1/workflow/incoming", headers=clerk, json={"document_id": arrival["id"]}))
    people = {p["username"]: p["subject"] for p in ok(api.get("/api/v1/people", headers=leader))}
    case = ok(api.post(f"/api/v1/workflow/cases/{case['id']}/assign", headers=leader, json={
        "version": case["version"], "lead": {"kind": "person", "id": people["chuyenvien.ubnd"]},
        "deadline_days": 5}))
    lead = next(t for t in case["tasks"] if t["kind"] == "lead")
    case = ok(api.post(f"/api/v1/workflow/tasks/{lead['id']}/complete", headers=officer,
                       json={"version": case["version"], "result": "Đã báo cáo"}))
    assert case["state"] == "completed"
    wait_for(lambda: api.get(f"/api/v1/documents/{arrival['id']}", headers=officer).status_code == 200,
             "the arrival in the officer's audience")

    # the officer opens the file from the plan, adds the reply and the case's documents, closes it
    file = ok(api.post(f"{RECORDS}/files", headers=officer, json={"plan_entry_id": entry["id"]}))
    assert file["file_code"] == f"{UBND}.{year}.01.TH"
    added = ok(api.post(f"{RECORDS}/files/{file['id']}/documents", headers=officer, json={
        "version": file["version"], "document_ids": [letter["id"]], "case_id": case["id"]}))
    file = added["file"]
    assert [d["document_id"] for d in file["documents"]] == [letter["id"], arrival["id"]]
    assert [d["document_code"] for d in file["documents"]] == [f"{file['file_code']}.001", f"{file['file_code']}.002"]
    file = ok(api.post(f"{RECORDS}/files/{file['id']}/close", headers=officer, json={
        "version": file["version"], "page_amounts": {d["document_id"]: 1 for d in file["documents"]}}))
    assert file["state"] == "closed" and file["page_total"] == 2
    assert ok(api.get(f"{RECORDS}/files/{file['id']}/contents", headers=officer)).startswith(b"%PDF-")

    # deposit: the creator submits, the archivist accepts
    file = ok(api.post(f"{RECORDS}/files/{file['id']}/submit", headers=officer, json={"version": file["version"]}))
    file = ok(api.post(f"{RECORDS}/files/{file['id']}/accept", headers=archivist, json={"version": file["version"]},
                       timeout=300))
    assert file["state"] == "deposited"
    for document in file["documents"]:
        (main,) = [f for f in document["files"] if f["role"] == "main"]
        kinds = [v["kind"] for v in main["versions"]]
        assert kinds == ["deposited", "augmented"], main  # both letters are signed: B-LTA versions
        assert main["object_id"] == main["versions"][-1]["object_id"]
        assert main["versions"][-1]["timestamp_expires_at"]
        for version in main["versions"]:
            stored = ok(api.get(f"/api/v1/files/{version['object_id']}", headers=archivist))
            assert stored["retain_until"][:4] == str(year + 20), stored  # 20 years from the deposit
            refused = api.delete(f"/api/v1/files/{version['object_id']}", headers=archivist)
            assert refused.status_code == 422, refused.text  # storage keeps a retained object (FailedPrecondition)
            assert ok(api.get(f"/api/v1/files/{version['object_id']}", headers=archivist))["sha256"] == \
                version["sha256"]
    ok(api.get(f"{RECORDS}/files/{file['id']}", headers=leader))
    log = ok(api.get(f"{RECORDS}/files/{file['id']}/access-log", headers=archivist))["entries"]
    assert ("read", "lanhdao.ubnd") in [(e["action"], e["actor"]) for e in log]

    # export: the package validates against the library's schema, its digests match
    package = ok(api.get(f"{RECORDS}/files/{file['id']}/export", headers=archivist, timeout=300))
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        metadata = etree.fromstring(z.read("metadata.xml"))
        assert schema().validate(metadata), schema().error_log
        for line in z.read("manifest-sha256.txt").decode().splitlines():
            digest, path = line.split("  ", 1)
            assert hashlib.sha256(z.read(path)).hexdigest() == digest, path
    checked = import_package(package)
    assert checked.file.file_code == file["file_code"]

    # import into the province's other agency: the same metadata
    imported = ok(api.post(f"{RECORDS}/import", headers={**other_archivist, "Content-Type": "application/zip"},
                           content=package, timeout=300))
    assert imported["agency_code"] == SNV and imported["file_code"] == f"{SNV}.{year}.01.TH"
    same = ("title", "notation", "year", "retention_years", "start_date", "end_date", "page_total",
            "document_total", "language", "rights")
    assert {k: imported[k] for k in same} == {k: file[k] for k in same}
    fields = ("ordinal", "type_name", "code_number", "code_notation", "issued_date", "organ_name", "subject",
              "page_amount", "confidence_level", "signer")
    assert [{k: d[k] for k in fields} for d in imported["documents"]] == \
        [{k: d[k] for k in fields} for d in file["documents"]]
    assert api.get(f"{RECORDS}/files/{file['id']}", headers=other_archivist).status_code == 404


def test_the_plan_submitted_for_approval_reaches_the_leader_and_the_answers_reach_the_clerk(
        api: httpx.Client, login: Callable[[str], str], platform: Stack) -> None:
    """Issue 14's records review: trình duyệt notifies the agency's leaders (records → NATS → workflow), the return
    and the approval notify the clerk who submitted, each leading to the plan's year; the entry's người lập hồ sơ is
    a person of the agency picked by subject and named from the directory (the registry, with the clerk's token)."""
    clerk, leader = bearer(login("vanthu.ubnd")), bearer(login("lanhdao.ubnd"))
    # one plan per agency and year on the session's platform: this year's is the test above's, next year's
    # test_e2e_web's; this one is the year after
    year = (datetime.now(UTC) + timedelta(hours=7)).year + 2
    people = {p["username"]: p for p in ok(api.get("/api/v1/people", headers=clerk))}
    officer = people["chuyenvien.ubnd"]
    plan = ok(api.post(f"{RECORDS}/plans", headers=clerk, json={"year": year, "title": f"Danh mục hồ sơ năm {year}"}))
    plan = ok(api.put(f"{RECORDS}/plans/{plan['id']}", headers=clerk, json={
        "version": plan["version"], "title": plan["title"], "headings": [
            {"title": "Đào tạo, bồi dưỡng", "abbreviation": "ĐTBD", "entries": [
                {"title": "Hồ sơ bồi dưỡng công chức", "retention_years": 10,
                 "creator_subject": officer["subject"]}]}]}))
    entry = plan["headings"][0]["entries"][0]
    assert (entry["notation"], entry["creator"]) == ("01.ĐTBD", officer["name"])
    another = ok(api.get("/api/v1/people", headers=bearer(login("vanthu.snv"))))[0]
    refused = api.put(f"{RECORDS}/plans/{plan['id']}", headers=clerk, json={
        "version": plan["version"], "title": plan["title"], "headings": [
            {"title": "Đào tạo", "abbreviation": "ĐT", "entries": [
                {"title": "Hồ sơ", "retention_years": 10, "creator_subject": another["subject"]}]}]})
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["headings[0].entries[0].creator_subject"]

    def note(headers: dict[str, str], kind: str) -> dict[str, Any] | None:
        found = [n for n in ok(api.get("/api/v1/notifications", headers=headers))["notifications"]
                 if n["kind"] == kind and n["link"] == f"/ho-so?nam={year}"]
        return found[0] if found else None

    plan = ok(api.post(f"{RECORDS}/plans/{plan['id']}/submit", headers=clerk, json={"version": plan["version"]}))
    assert plan["state"] == "submitted"
    submitted = wait_for(lambda: note(leader, "plan_submitted"), "the leader told of the submitted plan")
    assert submitted["title"] == f"Danh mục hồ sơ năm {year} chờ duyệt"
    plan = ok(api.post(f"{RECORDS}/plans/{plan['id']}/return", headers=leader,
                       json={"version": plan["version"], "reason": "Bổ sung hồ sơ cải cách hành chính"}))
    returned = wait_for(lambda: note(clerk, "plan_returned"), "the clerk told of the return")
    assert "Bổ sung hồ sơ cải cách hành chính" in returned["body"]
    plan = ok(api.post(f"{RECORDS}/plans/{plan['id']}/submit", headers=clerk, json={"version": plan["version"]}))
    plan = ok(api.post(f"{RECORDS}/plans/{plan['id']}/approve", headers=leader, json={"version": plan["version"]}))
    assert plan["state"] == "approved"
    wait_for(lambda: note(clerk, "plan_approved"), "the clerk told of the approval")
