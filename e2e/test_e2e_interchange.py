"""Interchange inside one installation, through the gateway on the whole platform: UBND tỉnh's clerk issues a letter
to Sở Nội vụ and to Phường Long Châu; each receives it as an arrival (with the sealed file, its signature checked),
UBND tỉnh's timeline shows 01 (đã đến) from each at once; Sở Nội vụ registers it (UBND tỉnh sees 03), Long Châu
returns it with a reason (UBND tỉnh sees 02 and the reason). A recipient no route reaches is a failed delivery,
visible, not a silent drop; and another agency cannot read UBND tỉnh's deliveries."""

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from vanthu_devstack import Stack
from vanthu_testing.gateway import (
    arrivals,
    bearer,
    draft_with_file,
    general_register,
    statuses,
    submit_sign_issue,
    wait_for,
)

pytestmark = pytest.mark.e2e
UBND, SNV, LONG_CHAU, MINISTRY = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61", "000.00.00.G09"


def arrival_of(api: httpx.Client, clerk: dict[str, str], number_symbol: str) -> dict[str, Any] | None:
    return next(iter(arrivals(api, clerk, UBND, number_symbol, "arrived")), None)


def test_an_issued_letter_arrives_at_each_recipient_and_their_answers_come_back(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes]) -> None:
    officer, leader, clerk = (bearer(login(u)) for u in ("chuyenvien.ubnd", "lanhdao.ubnd", "vanthu.ubnd"))
    snv_clerk, lc_clerk = bearer(login("vanthu.snv")), bearer(login("vanthu.longchau"))
    abstract = "V/v tổ chức hội nghị tổng kết công tác văn thư, lưu trữ năm 2026 (đợt ưu tiên)"
    recipients = [{"agency_code": SNV, "name": "Sở Nội vụ"}, {"agency_code": LONG_CHAU, "name": "Phường Long Châu"},
                  {"agency_code": MINISTRY, "name": "Bộ Nội vụ"}, {"agency_code": "", "name": "Lưu: VT, NC."}]
    doc = draft_with_file(api, officer, draft_pdf(), abstract, recipients)
    issued = submit_sign_issue(api, doc, officer, leader, clerk)
    number_symbol = issued["number_symbol"]

    # each served recipient gets an arrival with the sealed file; the ministry has no route: a failed delivery
    snv_arrival = wait_for(lambda: arrival_of(api, snv_clerk, number_symbol), "the arrival at Sở Nội vụ")
    lc_arrival = wait_for(lambda: arrival_of(api, lc_clerk, number_symbol), "the arrival at Long Châu")
    assert snv_arrival["abstract"] == abstract and snv_arrival["issuing_agency_code"] == UBND
    assert snv_arrival["type_code"] == "cong_van" and snv_arrival["files"][0]["content_type"] == "application/pdf"
    assert snv_arrival["document_date"] == issued["document_date"]
    sealed = api.get(f"/api/v1/files/{snv_arrival['files'][0]['object_id']}/content", headers=snv_clerk)
    assert sealed.status_code == 200 and sealed.content.startswith(b"%PDF")
    wait_for(lambda: api.get(f"/api/v1/documents/{snv_arrival['id']}", headers=snv_clerk).json()[
        "signature_check"] in ("valid", "invalid"), "signing's check of the arrival")
    assert api.get(f"/api/v1/documents/{snv_arrival['id']}", headers=clerk).status_code == 404  # not UBND's record

    wait_for(lambda: statuses(api, clerk, doc["id"]).get(SNV) == ["01"]
             and statuses(api, clerk, doc["id"]).get(LONG_CHAU) == ["01"], "status 01 from both")
    deliveries = {d["recipient_code"]: d for d in api.get(f"/api/v1/documents/{doc['id']}/deliveries",
                                                          headers=clerk).json()}
    assert set(deliveries) == {SNV, LONG_CHAU, MINISTRY}  # "Lưu: VT" has no agency code: nothing to send
    assert deliveries[SNV]["state"] == "sent" and deliveries[SNV]["route"] == "local"
    assert deliveries[MINISTRY]["state"] == "failed" and MINISTRY in deliveries[MINISTRY]["last_error"]
    assert deliveries[MINISTRY]["last_error"].startswith("Không có đường gửi đến cơ quan")  # a clerk reads it
    assert deliveries[SNV]["statuses"][0]["name"] == "Đã đến"
    # another agency sees none of UBND tỉnh's deliveries
    assert api.get(f"/api/v1/documents/{doc['id']}/deliveries", headers=snv_clerk).json() == []

    # Sở Nội vụ registers it (vào sổ): 03; Long Châu returns it with a reason: 02
    incoming = next(r["id"] for r in api.get("/api/v1/registers", headers=snv_clerk,
                                             params={"direction": "incoming"}).json())
    registered = api.post(f"/api/v1/documents/{snv_arrival['id']}/register", headers=snv_clerk,
                          json={"register_id": incoming, "confirm_signature_problem": True,
                                "reason": "đã đối chiếu với bản giấy"})
    assert registered.status_code == 200, registered.text
    reason = "Văn bản gửi nhầm đơn vị, đề nghị gửi Sở Tài chính"
    rejected = api.post(f"/api/v1/documents/{lc_arrival['id']}/reject", headers=lc_clerk, json={"reason": reason})
    assert rejected.status_code == 200, rejected.text
    wait_for(lambda: statuses(api, clerk, doc["id"]) == {SNV: ["01", "03"], LONG_CHAU: ["01", "02"], MINISTRY: []},
             "statuses 03 and 02 back at UBND tỉnh")
    timeline = {d["recipient_code"]: d for d in api.get(f"/api/v1/documents/{doc['id']}/deliveries",
                                                        headers=clerk).json()}
    returned = timeline[LONG_CHAU]["statuses"][-1]
    assert returned["description"] == reason and returned["staff"] == "Mai Thị Tường Vi"  # vanthu.longchau, by name
    assert timeline[SNV]["last_status"] == "03" and timeline[SNV]["statuses"][1]["at"].endswith("+07:00")

    # resending the failed delivery: still no route, so it is tried again and fails again, visibly
    resent = api.post(f"/api/v1/deliveries/{deliveries[MINISTRY]['id']}/resend", headers=clerk)
    assert resent.status_code == 200 and resent.json()["state"] == "pending", resent.text
    assert api.post(f"/api/v1/deliveries/{deliveries[MINISTRY]['id']}/resend", headers=snv_clerk).status_code == 404
    not_failed = api.post(f"/api/v1/deliveries/{deliveries[SNV]['id']}/resend", headers=clerk)
    assert not_failed.status_code == 422 and "đã gửi: chỉ gửi lại được" in not_failed.json()["detail"], not_failed.text


def test_the_exchange_statistics_count_without_content_for_the_agency_and_those_under_it(
        api: httpx.Client, login: Callable[[str], str]) -> None:
    """Runs after the letter above: UBND tỉnh sent it (a return among its deliveries), Sở Nội vụ took it in, Long
    Châu returned it."""
    import io
    from datetime import UTC, datetime, timedelta, timezone

    from openpyxl import load_workbook

    today = datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date().isoformat()
    period = {"date_from": today, "date_to": today}
    office = bearer(login("quantri.ubnd"))
    rows = api.get("/api/v1/interchange/statistics", headers=office, params=period)
    assert rows.status_code == 200, rows.text
    by_code = {r["agency_code"]: r for r in rows.json()}
    assert {UBND, SNV, LONG_CHAU} <= set(by_code)  # the province's office sees the agencies under it
    assert by_code[UBND]["packages_sent"] >= 1 and by_code[UBND]["deliveries"] >= 3  # the ministry's is retried
    assert by_code[UBND]["returned_by_recipients"] >= 1
    assert by_code[SNV]["packages_received"] >= 1 and by_code[LONG_CHAU]["packages_returned"] >= 1
    assert not any("abstract" in key or "subject" in key for key in rows.json()[0])  # counts only

    own = api.get("/api/v1/interchange/statistics", headers=bearer(login("quantri.snv")), params=period)
    assert own.status_code == 200 and UBND not in {r["agency_code"] for r in own.json()}
    assert api.get("/api/v1/interchange/statistics", headers=bearer(login("chuyenvien.ubnd")),
                   params=period).status_code == 403
    assert api.get("/api/v1/interchange/statistics", headers=office,
                   params={"date_from": today, "date_to": "2020-01-01"}).status_code == 400

    export = api.get("/api/v1/interchange/statistics/export", headers=office, params=period)
    assert export.status_code == 200 and "thong-ke-lien-thong" in export.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None and sheet["A1"].value == "THỐNG KÊ GỬI, NHẬN VĂN BẢN ĐIỆN TỬ"
    codes = [sheet.cell(row=r, column=1).value for r in range(5, sheet.max_row)]
    assert UBND in codes and SNV in codes


def test_one_trace_follows_a_package_from_the_issuing_call_to_the_status_back(
        api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes], platform: Stack) -> None:
    """The clerk's issuing request carries a W3C traceparent; the issued event, the package dispatched to each
    recipient, the arrivals the registry records and the 01 answers taken in for the sender all carry the same trace
    id (in the NATS message headers the outbox relay writes), so the operator follows one package across the
    services. Each event once per change: per recipient one delivery.updated (its delivery written ``sent``; the 01
    changes no state), one package.dispatched (the 01 travels nowhere: the recipient's side takes it in for the
    sender, served here too, with the arrival) and two package.received (the letter, the 01)."""
    officer, leader, clerk = (bearer(login(u)) for u in ("chuyenvien.ubnd", "lanhdao.ubnd", "vanthu.ubnd"))
    doc = draft_with_file(api, officer, draft_pdf(), "V/v theo dõi một gói tin qua các dịch vụ",
                          [{"agency_code": SNV, "name": "Sở Nội vụ"}, {"agency_code": LONG_CHAU, "name": "Long Châu"}])
    assert api.post(f"/api/v1/documents/{doc['id']}/submit", headers=officer).status_code == 200
    assert api.post(f"/api/v1/documents/{doc['id']}/sign", headers=leader, timeout=120).status_code == 200
    first_sequence = platform.events_last_sequence() + 1
    trace_id = secrets.token_hex(16)
    issued = api.post(f"/api/v1/documents/{doc['id']}/issue", json=general_register(api, clerk), timeout=120,
                      headers={**clerk, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    assert issued.status_code == 200, issued.text
    wait_for(lambda: statuses(api, clerk, doc["id"]) == {SNV: ["01"], LONG_CHAU: ["01"]}, "01 from both")

    def traced() -> list[str] | None:
        subjects = [subject for _, subject in platform.events_by_trace_id(first_sequence).get(trace_id, [])]
        # 2 packages dispatched, each taken in with its answer: the consumers handle several messages at once, so
        # the count waits for the last of each kind
        whole = (subjects.count("vanthu.interchange.package.dispatched") == 2
                 and subjects.count("vanthu.interchange.package.received") == 4
                 and subjects.count("vanthu.registry.document.arrived") == 2)
        return subjects if whole else None

    subjects = wait_for(traced, "the package's events in the stream with the issuing call's trace id")
    assert subjects.count("vanthu.registry.document.issued") == 1
    assert subjects.count("vanthu.registry.document.arrived") == 2  # one arrival per recipient, same trace
    assert subjects.count("vanthu.interchange.package.received") == 4  # 2 packages taken in, 2 answers recorded
    assert subjects.count("vanthu.interchange.package.dispatched") == 2  # the letter to each; the 01s travel nowhere
    assert subjects.count("vanthu.interchange.delivery.updated") == 2  # each delivery written sent, once
