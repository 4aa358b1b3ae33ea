"""Thu hồi inside one installation, through the gateway on the whole platform (regulations digest §1.4, §7.2):
UBND tỉnh issues a letter to Sở Nội vụ and revokes it (status 13 with the reason); Sở Nội vụ's clerk sees the
request on the arrival and accepts: UBND tỉnh's timeline shows 13 sent and 15 back, the arrival's content is gone
(abstract replaced by a note, no file) and its revocation trail kept in its history. A second letter: Sở Nội vụ
refuses with a reason, UBND tỉnh sees 16 with that reason. While a revocation is pending the document is frozen: a
second revocation and a cancellation are refused."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from vanthu_testing.gateway import arrivals, bearer, issue_letter, statuses, wait_for

pytestmark = pytest.mark.e2e
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


def arrival_of(api: httpx.Client, clerk: dict[str, str], number_symbol: str) -> dict[str, Any] | None:
    return next(iter(arrivals(api, clerk, UBND, number_symbol, "arrived")), None)


# -- revocation -------------------------------------------------------------------------------------------------


def issued_to_snv(api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes],
                  abstract: str) -> dict[str, Any]:
    return issue_letter(api, lambda username: bearer(login(username)), draft_pdf(), abstract,
                        [{"agency_code": SNV, "name": "Sở Nội vụ"}])


def document(api: httpx.Client, who: dict[str, str], document_id: str) -> dict[str, Any]:
    reply = api.get(f"/api/v1/documents/{document_id}", headers=who)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def name_of(api: httpx.Client, headers: dict[str, str]) -> str:
    """The signed-in person's name as the timeline should show them (never their login)."""
    me = api.get("/api/v1/me", headers=headers).json()
    assert me["name"] and me["name"] != me["username"], me
    return str(me["name"])


def revoked_and_requested(api: httpx.Client, clerk: dict[str, str], snv_clerk: dict[str, str],
                          doc: dict[str, Any], reason: str) -> dict[str, Any]:
    """Wait for the arrival (and its 01), revoke, and wait for the request on the arrival."""
    arrival = wait_for(lambda: arrival_of(api, snv_clerk, doc["number_symbol"]), "the arrival at Sở Nội vụ")
    wait_for(lambda: statuses(api, clerk, doc["id"]).get(SNV) == ["01"], "status 01 from Sở Nội vụ")
    revoked = api.post(f"/api/v1/documents/{doc['id']}/revoke", headers=clerk, json={"reason": reason})
    assert revoked.status_code == 200, revoked.text
    (delivery,) = revoked.json()
    assert delivery["revocation"] == "pending" and delivery["statuses"][-1]["code"] == "13"
    assert delivery["statuses"][-1]["staff"] == name_of(api, clerk)  # who took it back, by name
    history = api.get(f"/api/v1/documents/{doc['id']}/history", headers=clerk).json()
    (asked,) = [e for e in history if e["action"] == "revocation_pending"]
    assert asked["actor"] == "vanthu.ubnd"  # the sender's history credits the clerk, not the interchange service
    requested = wait_for(lambda: (d := document(api, snv_clerk, arrival["id"]))["revocation"] == "requested" and d,
                         "the revocation request on the arrival")
    assert requested["revocation_reason"] == reason and requested["revocation_kind"] == "revoke"
    return dict(requested)


def test_a_revoked_letter_accepted_by_its_recipient_loses_its_content_and_keeps_its_trail(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes]) -> None:
    clerk, snv_clerk = bearer(login("vanthu.ubnd")), bearer(login("vanthu.snv"))
    abstract = "V/v cử cán bộ tham dự tập huấn nghiệp vụ lưu trữ (đợt thu hồi)"
    doc = issued_to_snv(api, login, draft_pdf, abstract)
    reason = "Văn bản ban hành chưa đúng thể thức, sẽ ban hành văn bản thay thế"
    arrival = revoked_and_requested(api, clerk, snv_clerk, doc, reason)

    # frozen while pending: a second revocation and a cancellation are refused, with the reason said
    again = api.post(f"/api/v1/documents/{doc['id']}/revoke", headers=clerk, json={"reason": reason})
    assert again.status_code == 422 and "đang chờ" in again.text, again.text
    cancel = api.post(f"/api/v1/documents/{doc['id']}/cancel", headers=clerk, json={"reason": "Hủy"})
    assert cancel.status_code == 422 and "thu hồi" in cancel.text, cancel.text
    assert document(api, clerk, doc["id"])["revocation"] == "pending"
    # another agency's clerk cannot answer for Sở Nội vụ; nor can a leader of Sở Nội vụ
    assert api.post(f"/api/v1/documents/{arrival['id']}/revocation/accept", headers=clerk).status_code == 404
    leader = bearer(login("lanhdao.snv"))
    assert api.post(f"/api/v1/documents/{arrival['id']}/revocation/accept", headers=leader).status_code == 403

    files = [f["object_id"] for f in document(api, snv_clerk, arrival["id"])["files"]]
    assert files and api.get(f"/api/v1/files/{files[0]}", headers=snv_clerk).status_code == 200
    accepted = api.post(f"/api/v1/documents/{arrival['id']}/revocation/accept", headers=snv_clerk)
    assert accepted.status_code == 200, accepted.text
    gone = accepted.json()
    # its files are let go of: nobody reads them any more, by id or by link (issue 14 attacker review)
    archivist = bearer(login("luutru.snv"))
    for user in (snv_clerk, archivist):
        for oid in files:
            assert api.get(f"/api/v1/files/{oid}", headers=user).status_code == 404
            assert api.get(f"/api/v1/files/{oid}/content", headers=user).status_code == 404
            assert api.post(f"/api/v1/files/{oid}/link", headers=user).status_code == 404
    assert gone["status"] == "revoked" and gone["files"] == [] and abstract not in gone["abstract"]
    assert "thu hồi" in gone["abstract"] and gone["number_symbol"] == doc["number_symbol"]
    history = api.get(f"/api/v1/documents/{arrival['id']}/history", headers=snv_clerk).json()
    trail = [h for h in history if h["action"].startswith("revocation_")]  # signing's check may come between
    assert [h["action"] for h in trail] == ["revocation_requested", "revocation_accepted"]
    assert reason in trail[0]["note"] and trail[1]["actor"] == "vanthu.snv"
    assert abstract not in str(history)

    wait_for(lambda: statuses(api, clerk, doc["id"]).get(SNV) == ["01", "13", "15"], "13 sent and 15 back")
    (delivery,) = api.get(f"/api/v1/documents/{doc['id']}/deliveries", headers=clerk).json()
    assert delivery["revocation"] == "accepted" and delivery["statuses"][1]["description"] == reason
    assert [s["name"] for s in delivery["statuses"]][1:] == ["Lấy lại (thu hồi)", "Đồng ý cập nhật, lấy lại"]
    assert all(s["at"].endswith("+07:00") for s in delivery["statuses"])
    wait_for(lambda: document(api, clerk, doc["id"])["revocation"] == "settled", "the sender's document unfrozen")


def test_a_revocation_refused_by_its_recipient_comes_back_as_16_with_the_reason(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes]) -> None:
    clerk, snv_clerk = bearer(login("vanthu.ubnd")), bearer(login("vanthu.snv"))
    abstract = "V/v báo cáo tình hình thực hiện chế độ công vụ quý IV (đợt từ chối thu hồi)"
    doc = issued_to_snv(api, login, draft_pdf, abstract)
    arrival = revoked_and_requested(api, clerk, snv_clerk, doc, "Gửi nhầm nơi nhận")
    refusal = "Văn bản đã được lãnh đạo Sở phân công xử lý, đề nghị ban hành văn bản đính chính"
    refused = api.post(f"/api/v1/documents/{arrival['id']}/revocation/refuse", headers=snv_clerk,
                       json={"reason": refusal})
    assert refused.status_code == 200, refused.text
    kept = refused.json()
    assert (kept["status"], kept["revocation"], kept["abstract"]) == ("arrived", "refused", abstract)
    assert kept["files"]

    wait_for(lambda: statuses(api, clerk, doc["id"]).get(SNV) == ["01", "13", "16"], "13 sent and 16 back")
    (delivery,) = api.get(f"/api/v1/documents/{doc['id']}/deliveries", headers=clerk).json()
    assert delivery["statuses"][-1]["description"] == refusal
    assert delivery["statuses"][-1]["staff"] == name_of(api, snv_clerk)  # the person, not their login
    assert delivery["revocation"] == "refused" and delivery["revocation_reason"] == refusal
    wait_for(lambda: document(api, clerk, doc["id"])["revocation"] == "settled", "the sender's document unfrozen")
