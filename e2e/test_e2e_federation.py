"""Two VanThu installations exchanging documents over the federation port (mutual TLS, the peers table), each the
whole platform started by the devstack with its own NATS, databases, storage and free ports.

The demo data has one province (Vĩnh Long, H61) and its users, so the two installations split it: A serves the
province but Phường Long Châu (000.00.41.H61), which B serves; each names the other in its peers file with the
agencies it serves, and a throwaway CA (made here, valid around the real clock) signs both certificates.

A also reaches a ministry (Bộ Nội vụ) through the national axis (a fake axis: its contract is reconstructed,
regulations digest §2.3). A's clerk (UBND tỉnh) issues a letter to Sở Nội vụ (an agency of A), to Long Châu (of B)
and to the ministry: each of A's and B's agencies receives it as an arrival with its signature report, the ministry's
system finds it waiting on the axis; Long Châu registers it (A sees 03), its leader assigns it to Văn phòng (A sees
04), the unit's head gives it to a person (the lead's first action: 05) who completes it (06). A second letter Long
Châu returns (A sees 02 with the reason). A revokes a third and Long Châu accepts (15), a fourth and Long Châu refuses
(16). A's timeline shows every step with its time. B's federation port lists the agencies B serves, to a
configured peer only.

B's interchange (its federation port) down for a while: A's deliveries to Long Châu retry (pending, never failed)
and B holds nothing; once B is back each letter arrives once and A sees one 01 per letter, counted in both
installations' registries and interchange tables."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import yaml

from vanthu.interchange.v1 import federation_pb2, federation_pb2_grpc
from vanthu_axis.model import Agency
from vanthu_core.ports import free_port
from vanthu_devstack import Stack, StackConfig
from vanthu_testing import gateway
from vanthu_testing.fake_axis import AxisSystem, FakeAxis
from vanthu_testing.gateway import bearer, token_of
from vanthu_testing.tls import Issued, TestCA

pytestmark = pytest.mark.e2e
UBND, SNV, LONG_CHAU, MINISTRY = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61", "000.00.00.G09"
PROVINCE_SYSTEM, MINISTRY_SYSTEM = "vxp.vinhlong", "vxp.bonoivu"
#: A serves the province but Long Châu; B serves Long Châu.
SERVED_A, SERVED_B = "000.00.[0-3]?.H61,000.00.4[02-9].H61", LONG_CHAU
NAME_A, NAME_B = "vanthu-a.test", "vanthu-b.test"


@dataclass
class Installation:
    stack: Stack
    federation_port: int
    tls: Issued
    tokens: dict[str, dict[str, str]]

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.tokens[username] = bearer(token_of(self.stack.issuer, username))
        return self.tokens[username]

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.stack.gateway_url, timeout=30)


def peers_file(path: Path, name: str, port: int, identity: str, agencies: str) -> Path:
    path.write_text(yaml.safe_dump({"peers": [{"name": name, "target": f"localhost:{port}", "identity": identity,
                                               "agencies": agencies.split(",")}]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def axis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAxis]:
    """The national axis A reaches the ministry through (B has no axis configured)."""
    systems = (AxisSystem(PROVINCE_SYSTEM, "bi-mat-tinh-" + "x" * 24, (
                   Agency(id="1", code=UBND, name="Ủy ban nhân dân tỉnh Vĩnh Long"),)),
               AxisSystem(MINISTRY_SYSTEM, "bi-mat-bo-" + "y" * 24, (Agency(id="2", code=MINISTRY, name="Bộ Nội vụ"),)))
    with FakeAxis(tmp_path_factory.mktemp("axis") / "fake-axis.sqlite3", systems) as fake:
        yield fake


@pytest.fixture(scope="module")
def installations(tmp_path_factory: pytest.TempPathFactory,
                  axis: FakeAxis) -> Iterator[tuple[Installation, Installation]]:
    pki = tmp_path_factory.mktemp("federation-pki")
    ca = TestCA(pki)
    tls_a, tls_b = ca.issue(NAME_A), ca.issue(NAME_B)
    port_a, port_b = free_port(), free_port()
    settings = {"A": (SERVED_A, port_a, tls_a, peers_file(pki / "peers-a.yaml", "tinh-b", port_b, NAME_B, SERVED_B)),
                "B": (SERVED_B, port_b, tls_b, peers_file(pki / "peers-b.yaml", "tinh-a", port_a, NAME_A, SERVED_A))}
    started: list[Installation] = []
    try:
        for label, (served, port, tls, peers) in settings.items():
            config = StackConfig.for_tests(tmp_path_factory.mktemp(f"vanthu-{label}") / "var")
            config.extra_env = {
                "VANTHU_INTERCHANGE_SERVED": served, "VANTHU_INTERCHANGE_FEDERATION_PEERS_FILE": str(peers),
                "VANTHU_INTERCHANGE_FEDERATION_PORT": str(port),
                "VANTHU_INTERCHANGE_FEDERATION_CA_FILE": str(tls.ca_file),
                "VANTHU_INTERCHANGE_FEDERATION_CERT_FILE": str(tls.cert_file),
                "VANTHU_INTERCHANGE_FEDERATION_KEY_FILE": str(tls.key_file),
                "VANTHU_INTERCHANGE_RETRY_POLL_S": "1", "VANTHU_INTERCHANGE_RETRY_INITIAL_S": "1",
                # short retries, and enough of them that the peer's outage below never exhausts them
                "VANTHU_INTERCHANGE_RETRY_MAX_S": "2", "VANTHU_INTERCHANGE_MAX_ATTEMPTS": "100"}
            if label == "A":
                config.extra_env.update({
                    "VANTHU_INTERCHANGE_AXIS_URL": axis.url, "VANTHU_INTERCHANGE_AXIS_SYSTEM_ID": PROVINCE_SYSTEM,
                    "VANTHU_INTERCHANGE_AXIS_SECRET": axis.secret(PROVINCE_SYSTEM),
                    "VANTHU_INTERCHANGE_AXIS_POLL_S": "0.5"})
            started.append(Installation(Stack(config), port, tls, {}))
        # the two installations start side by side (each start waits on its processes more than it computes)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(installation.stack.start) for installation in started]:
                done.result()
        yield started[0], started[1]
    finally:
        with ThreadPoolExecutor(max_workers=2) as pool:  # and stop so
            for done in [pool.submit(installation.stack.stop) for installation in started]:
                done.result()


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 90.0) -> Any:
    return gateway.wait_for(check, what, timeout_s, interval_s=0.3)


def issue_letter(a: Installation, pdf: bytes, abstract: str, recipients: list[dict[str, str]]) -> dict[str, Any]:
    with a.api() as api:
        return gateway.issue_letter(api, a.login, pdf, abstract, recipients)


def arrival_of(where: Installation, clerk: str, number_symbol: str) -> dict[str, Any] | None:
    with where.api() as api:
        found = api.get("/api/v1/documents", headers=where.login(clerk),
                        params={"direction": "incoming", "issuing_agency_code": UBND})
    assert found.status_code == 200, found.text
    return next((d for d in found.json()["items"] if d["number_symbol"] == number_symbol), None)


def document(where: Installation, who: str, document_id: str) -> dict[str, Any]:
    with where.api() as api:
        reply = api.get(f"/api/v1/documents/{document_id}", headers=where.login(who))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def deliveries(a: Installation, document_id: str) -> dict[str, dict[str, Any]]:
    with a.api() as api:
        reply = api.get(f"/api/v1/documents/{document_id}/deliveries", headers=a.login("vanthu.ubnd"))
    assert reply.status_code == 200, reply.text
    return {d["recipient_code"]: d for d in reply.json()}


def codes(a: Installation, document_id: str, recipient: str = LONG_CHAU) -> list[str]:
    return [s["code"] for s in deliveries(a, document_id).get(recipient, {}).get("statuses", [])]


def post(where: Installation, who: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    with where.api() as api:
        reply = api.post(path, headers=where.login(who), json=body)
    assert reply.status_code in (200, 201), reply.text
    return dict(reply.json())


def revoke_and_wait_for_request(a: Installation, b: Installation, doc: dict[str, Any], reason: str) -> dict[str, Any]:
    arrival = wait_for(lambda: arrival_of(b, "vanthu.longchau", doc["number_symbol"]), "the arrival at Long Châu")
    wait_for(lambda: codes(a, doc["id"]) == ["01"], "status 01 from Long Châu")
    with a.api() as api:
        revoked = api.post(f"/api/v1/documents/{doc['id']}/revoke", headers=a.login("vanthu.ubnd"),
                           json={"reason": reason})
    assert revoked.status_code == 200, revoked.text
    (delivery,) = revoked.json()
    assert delivery["revocation"] == "pending" and delivery["route"] == "peer"
    requested = wait_for(lambda: (d := document(b, "vanthu.longchau", arrival["id"]))["revocation"] == "requested"
                         and d, "the revocation request on the arrival at Long Châu")
    assert requested["revocation_reason"] == reason
    return dict(requested)


def ministry_inbox(axis: FakeAxis) -> list[Any]:
    """The packages waiting for the ministry's system on the axis (as that system lists them)."""
    async def run() -> list[Any]:
        async with axis.client(MINISTRY_SYSTEM) as client:
            return list(await client.received("edoc"))
    return asyncio.run(run())


# -- the scenario --------------------------------------------------------------------------------------------------
def test_two_installations_exchange_documents_their_statuses_and_revocations(
        installations: tuple[Installation, Installation], axis: FakeAxis, draft_pdf: Callable[..., bytes]) -> None:
    a, b = installations

    # 1. one letter to an agency of A and an agency of B: each sees it arrive, with its signature report
    abstract = "V/v triển khai liên thông văn bản điện tử giữa hai hệ thống (đợt 1)"
    doc = issue_letter(a, draft_pdf(), abstract, [{"agency_code": SNV, "name": "Sở Nội vụ"},
                                                  {"agency_code": LONG_CHAU, "name": "Phường Long Châu"},
                                                  {"agency_code": MINISTRY, "name": "Bộ Nội vụ"}])
    snv = wait_for(lambda: arrival_of(a, "vanthu.snv", doc["number_symbol"]), "the arrival at Sở Nội vụ (A)")
    lc = wait_for(lambda: arrival_of(b, "vanthu.longchau", doc["number_symbol"]), "the arrival at Long Châu (B)")
    assert lc["abstract"] == abstract and lc["status"] == "arrived" and lc["issuing_agency_code"] == UBND
    for where, clerk, arrival in ((a, "vanthu.snv", snv), (b, "vanthu.longchau", lc)):
        checked = wait_for(lambda w=where, c=clerk, x=arrival: document(w, c, x["id"])["signature_check"]
                           in ("valid", "invalid"), "the signature report of the arrival")
        assert checked
    with b.api() as api:
        sealed = api.get(f"/api/v1/files/{lc['files'][0]['object_id']}/content", headers=b.login("vanthu.longchau"))
    assert sealed.status_code == 200 and sealed.content.startswith(b"%PDF")
    wait_for(lambda: deliveries(a, doc["id"])[MINISTRY]["state"] == "sent", "the delivery to the ministry")
    waiting = wait_for(lambda: ministry_inbox(axis), "the letter waiting for the ministry's system on the axis")
    assert any(k.sender == PROVINCE_SYSTEM for k in waiting)
    sent = deliveries(a, doc["id"])
    assert (sent[SNV]["route"], sent[LONG_CHAU]["route"], sent[MINISTRY]["route"]) == ("local", "peer", "axis")
    assert sent[LONG_CHAU]["state"] == "sent" and sent[LONG_CHAU]["last_error"] == ""

    # B registers it: A sees 03 after 01
    with b.api() as api:
        incoming = next(r["id"] for r in api.get("/api/v1/registers", headers=b.login("vanthu.longchau"),
                                                 params={"direction": "incoming"}).json())
    post(b, "vanthu.longchau", f"/api/v1/documents/{lc['id']}/register",
         {"register_id": incoming, "confirm_signature_problem": True, "reason": "đã đối chiếu với bản giấy"})
    wait_for(lambda: codes(a, doc["id"]) == ["01", "03"], "statuses 01 and 03 from Long Châu at A")
    wait_for(lambda: codes(a, doc["id"], SNV) == ["01"], "status 01 from Sở Nội vụ")

    # B processes it (workflow): submitted to the leader, assigned to Văn phòng (04), its head gives it to an officer
    # (the lead's first action: 05), the officer completes it (06); the instruction stays inside B
    instruction = "Văn phòng chủ trì tham mưu, báo cáo trước ngày 05/12 (nội bộ)"
    case = post(b, "vanthu.longchau", "/api/v1/workflow/incoming", {"document_id": lc["id"], "comment": "Kính trình"})
    case = post(b, "lanhdao.longchau", f"/api/v1/workflow/cases/{case['id']}/assign", {
        "version": case["version"], "lead": {"kind": "unit", "id": "VP"}, "deadline_days": 5,
        "instruction": instruction})
    wait_for(lambda: codes(a, doc["id"]) == ["01", "03", "04"], "status 04 (assigned) from Long Châu at A")
    with b.api() as api:
        head = b.login("truongphong.longchau")
        lead = next(t for t in api.get("/api/v1/workflow/inbox", params={"kind": "lead"}, headers=head).json()["tasks"]
                    if t["case_id"] == case["id"])
        people = {p["username"]: p["subject"] for p in api.get("/api/v1/people", headers=head).json()}
    case = post(b, "truongphong.longchau", f"/api/v1/workflow/tasks/{lead['id']}/delegate", {
        "version": case["version"], "subject": people["vanthu.longchau"], "comment": "Đề nghị tham mưu"})
    case = post(b, "vanthu.longchau", f"/api/v1/workflow/tasks/{lead['id']}/complete", {
        "version": case["version"], "result": "Đã báo cáo UBND tỉnh"})
    wait_for(lambda: codes(a, doc["id"]) == ["01", "03", "04", "05", "06"], "statuses 05 and 06 at A")
    processing = deliveries(a, doc["id"])[LONG_CHAU]["statuses"]
    assert "chủ trì: Văn phòng" in processing[2]["description"] and instruction not in processing[2]["description"]
    # who acted, by name (lanhdao.longchau assigned, truongphong.longchau acted first as lead, vanthu.longchau
    # completed): the person, never the login
    assert [s["staff"] for s in processing[2:]] == ["Hồ Văn Nghĩa", "Dương Thị Ơn", "Mai Thị Tường Vi"]

    # 2. a second letter B's clerk returns with a reason: A sees 02 and the reason
    second = issue_letter(a, draft_pdf(), "V/v báo cáo số liệu liên thông (đợt 2)",
                          [{"agency_code": LONG_CHAU, "name": "Phường Long Châu"}])
    arrival = wait_for(lambda: arrival_of(b, "vanthu.longchau", second["number_symbol"]), "the second arrival")
    reason = "Văn bản gửi nhầm đơn vị, đề nghị gửi Sở Tài chính"
    post(b, "vanthu.longchau", f"/api/v1/documents/{arrival['id']}/reject", {"reason": reason})
    wait_for(lambda: codes(a, second["id"]) == ["01", "02"], "status 02 from Long Châu at A")
    returned = deliveries(a, second["id"])[LONG_CHAU]["statuses"][-1]
    assert returned["description"] == reason and returned["staff"] == "Mai Thị Tường Vi"

    # 3. A revokes a third; B accepts: 13 then 15 at A, the arrival at B loses its content
    third = issue_letter(a, draft_pdf(), "V/v cử cán bộ dự tập huấn (đợt 3, thu hồi)",
                         [{"agency_code": LONG_CHAU, "name": "Phường Long Châu"}])
    requested = revoke_and_wait_for_request(a, b, third, "Văn bản ban hành chưa đúng thể thức")
    gone = post(b, "vanthu.longchau", f"/api/v1/documents/{requested['id']}/revocation/accept")
    assert gone["status"] == "revoked" and gone["files"] == []
    wait_for(lambda: codes(a, third["id"]) == ["01", "13", "15"], "13 sent and 15 back at A")
    assert deliveries(a, third["id"])[LONG_CHAU]["revocation"] == "accepted"
    wait_for(lambda: document(a, "vanthu.ubnd", third["id"])["revocation"] == "settled", "A's document unfrozen")

    # 4. a fourth; B refuses with a reason: 13 then 16 at A
    fourth = issue_letter(a, draft_pdf(), "V/v kế hoạch kiểm tra công tác văn thư (đợt 4, thu hồi)",
                          [{"agency_code": LONG_CHAU, "name": "Phường Long Châu"}])
    requested = revoke_and_wait_for_request(a, b, fourth, "Gửi nhầm nơi nhận")
    refusal = "Văn bản đã được phân công xử lý, đề nghị ban hành văn bản đính chính"
    kept = post(b, "vanthu.longchau", f"/api/v1/documents/{requested['id']}/revocation/refuse", {"reason": refusal})
    assert kept["revocation"] == "refused" and kept["files"]
    wait_for(lambda: codes(a, fourth["id"]) == ["01", "13", "16"], "13 sent and 16 back at A")
    refused = deliveries(a, fourth["id"])[LONG_CHAU]
    assert refused["revocation"] == "refused" and refused["revocation_reason"] == refusal

    # A's timeline shows every step with its time (the recipient's, +07:00, and when A received it)
    for issued, expected in ((doc, ["01", "03", "04", "05", "06"]), (second, ["01", "02"]), (third, ["01", "13", "15"]),
                             (fourth, ["01", "13", "16"])):
        delivery = deliveries(a, issued["id"])[LONG_CHAU]
        assert [s["code"] for s in delivery["statuses"]] == expected
        assert delivery["sent_at"] and delivery["route"] == "peer"
        assert all(s["at"].endswith("+07:00") and s["received_at"] for s in delivery["statuses"])


def test_an_update_from_the_peer_is_applied_when_the_clerk_accepts(
        installations: tuple[Installation, Installation], draft_pdf: Callable[..., bytes]) -> None:
    """A letter arrives at Long Châu (B); its sender submits an update package (edXML business type 2) naming it,
    over B's federation port with A's certificate, as another system would (VanThu sends none itself): B's clerk sees
    the request with nothing changed yet, accepts it, and the arrival then carries the update's subject, number,
    date, signer and file (the previous values in its history, the new file verified again); A sees 15."""
    from vanthu_edxml import (
        Attachment,
        Business,
        BusinessDocumentInfo,
        Code,
        PromulgationInfo,
        SignerInfo,
        TraceHeaderList,
        read_document,
        write_document,
    )

    a, b = installations
    letter = issue_letter(a, draft_pdf(), "V/v tổng hợp số liệu liên thông (bản đầu)",
                          [{"agency_code": LONG_CHAU, "name": "Phường Long Châu"}])
    arrival = wait_for(lambda: arrival_of(b, "vanthu.longchau", letter["number_symbol"]), "the arrival at Long Châu")
    wait_for(lambda: codes(a, letter["id"]) == ["01"], "status 01 from Long Châu")
    with interchange_db(a) as db:
        (body,) = db.execute("SELECT p.body FROM packages p JOIN deliveries d ON d.package_id = p.id WHERE "
                             "d.kind = 'edoc' AND d.document_id = ?", (letter["id"],)).fetchone()
    sent = read_document(body)
    subject = "V/v tổng hợp số liệu liên thông (bản cập nhật)"
    number = f"{int(sent.code.number) + 500}"
    day = sent.promulgation.date if sent.promulgation and sent.promulgation.date else None
    assert day is not None
    pdf = draft_pdf("Bản cập nhật")
    update = write_document(sent.replace(
        document_id=f"{UBND},{day:%Y/%m/%d},{number}/{sent.code.notation}", code=Code(number, sent.code.notation),
        promulgation=PromulgationInfo("Vĩnh Long", day), subject=subject, content=subject,
        signer=SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", "Trần Thị Hạnh"),
        trace=TraceHeaderList(sent.trace.trace_headers if sent.trace else (), Business(
            business_type=2, reason="Cập nhật số liệu phụ lục", document_id=sent.document_id, paper=False,
            document_info=BusinessDocumentInfo(document_info=True, document_receiver=False))),
        attachments=(Attachment.from_bytes("cid:1", "ban-cap-nhat.pdf", pdf, "application/pdf", "Bản cập nhật"),)))
    credentials = grpc.ssl_channel_credentials(a.tls.ca, a.tls.key, a.tls.cert)
    with grpc.secure_channel(f"localhost:{b.federation_port}", credentials) as channel:
        reply = federation_pb2_grpc.FederationServiceStub(channel).SubmitPackage(
            federation_pb2.SubmitPackageRequest(package_id=str(uuid.uuid4()), kind="edoc",
                                                recipient_codes=[LONG_CHAU], package=update), timeout=120)
    assert [(o.recipient_code, o.accepted) for o in reply.recipients] == [(LONG_CHAU, True)]

    asked = document(b, "vanthu.longchau", arrival["id"])
    assert (asked["revocation"], asked["revocation_kind"]) == ("requested", "update")
    assert (asked["abstract"], asked["number_symbol"]) == (arrival["abstract"], letter["number_symbol"])
    accepted = post(b, "vanthu.longchau", f"/api/v1/documents/{arrival['id']}/revocation/accept")
    assert (accepted["revocation"], accepted["abstract"]) == ("accepted", subject)
    assert (accepted["number_symbol"], accepted["document_date"]) == (f"{number}/{sent.code.notation}",
                                                                      day.isoformat())
    assert accepted["signer"]["name"] == "Trần Thị Hạnh"
    assert [f["file_name"] for f in accepted["files"]] == ["ban-cap-nhat.pdf"]
    with b.api() as api:
        content = api.get(f"/api/v1/files/{accepted['files'][0]['object_id']}/content",
                          headers=b.login("vanthu.longchau"))
        history = api.get(f"/api/v1/documents/{arrival['id']}/history", headers=b.login("vanthu.longchau")).json()
    assert content.status_code == 200 and content.content == pdf
    (applied,) = [h for h in history if h["action"] == "revocation_accepted"]
    assert applied["changes"]["abstract"] == [arrival["abstract"], subject]
    assert applied["changes"]["number_symbol"] == [letter["number_symbol"], accepted["number_symbol"]]
    wait_for(lambda: document(b, "vanthu.longchau", arrival["id"])["signature_check"] in ("valid", "invalid"),
             "the updated file verified")
    wait_for(lambda: codes(a, letter["id"]) == ["01", "15"], "15 (the update accepted) back at A")


def interchange_db(where: Installation) -> sqlite3.Connection:
    """The installation's interchange database, read-only (the devstack's SQLite file)."""
    path = where.stack.var / "interchange" / "interchange.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def test_the_peer_installation_down_for_a_while(
        installations: tuple[Installation, Installation], draft_pdf: Callable[..., bytes]) -> None:
    """B's interchange (its federation port) stops; A issues letters to Long Châu meanwhile: A's deliveries stay
    pending with failed attempts counted (retrying, not failed) and B has nothing. B comes back: every letter arrives
    exactly once in B's registry, A sees one 01 for each, and neither installation holds a duplicate."""
    a, b = installations
    count = 2
    b.stack.stop_service("interchange")
    try:
        letters = [issue_letter(a, draft_pdf(), f"V/v kiểm thử hệ thống B tạm ngừng (văn bản {index + 1})",
                                [{"agency_code": LONG_CHAU, "name": "Phường Long Châu"}]) for index in range(count)]
        ids = [doc["id"] for doc in letters]
        # A retries each one: pending, at least two failed attempts each, the peer named in the error
        retrying = wait_for(lambda: (found := [deliveries(a, i)[LONG_CHAU] for i in ids]) and all(
            d["attempts"] >= 2 for d in found) and found, "A's deliveries to B retried at least twice each")
        for delivery in retrying:
            assert (delivery["state"], delivery["route"], delivery["statuses"]) == ("pending", "peer", [])
            assert "tinh-b" in delivery["last_error"], delivery
        # B has nothing of them: no arrival in its registry, no receipt in its interchange
        for doc in letters:
            assert arrival_of(b, "vanthu.longchau", doc["number_symbol"]) is None
        with interchange_db(b) as db:
            before_b = db.execute("SELECT count(*) FROM receipts").fetchone()[0]
        assert not [d for i in ids for d in [deliveries(a, i)[LONG_CHAU]] if d["state"] != "pending"]
    finally:
        b.stack.start_service("interchange")

    # every letter arrives once and A sees its 01
    wait_for(lambda: all(codes(a, i) == ["01"] for i in ids), "status 01 for every letter at A", 120)
    numbers = {doc["id"]: doc["number_symbol"] for doc in letters}
    with b.api() as api:
        found = api.get("/api/v1/documents", headers=b.login("vanthu.longchau"),
                        params={"direction": "incoming", "issuing_agency_code": UBND, "page_size": 500})
    assert found.status_code == 200, found.text
    held = Counter(d["number_symbol"] for d in found.json()["items"])
    assert {n: held[n] for n in numbers.values()} == dict.fromkeys(numbers.values(), 1), held
    arrivals = {d["number_symbol"]: d["id"] for d in found.json()["items"] if d["number_symbol"] in numbers.values()}

    # B: one receipt per letter (accepted, for its arrival), one 01 answer per arrival, sent back to A
    with interchange_db(b) as db:
        assert db.execute("SELECT count(*) FROM receipts").fetchone()[0] == before_b + count
        for arrival_id in arrivals.values():
            receipts = db.execute("SELECT transport_id, outcome FROM receipts WHERE kind = 'edoc' AND "
                                  "document_id = ?", (arrival_id,)).fetchall()
            assert len(receipts) == 1 and receipts[0][1] == "accepted" and receipts[0][0].startswith("tinh-a/")
            answers = db.execute("SELECT state, route FROM deliveries WHERE kind = 'status' AND status_code = '01' "
                                 "AND document_id = ?", (arrival_id,)).fetchall()
            assert answers == [("sent", "peer")], answers
    # A: one package and one delivery per letter, sent, with exactly one 01 taken in
    with interchange_db(a) as db:
        for doc_id in ids:
            rows = db.execute("SELECT package_id, recipient_code, state, edxml_document_id FROM deliveries WHERE "
                              "kind = 'edoc' AND document_id = ?", (doc_id,)).fetchall()
            assert [(r[1], r[2]) for r in rows] == [(LONG_CHAU, "sent")], rows
            assert db.execute("SELECT count(*) FROM receipts WHERE kind = 'status' AND edxml_document_id = ? AND "
                              "sender_code = ?", (rows[0][3], LONG_CHAU)).fetchone()[0] == 1
    for doc_id in ids:
        delivery = deliveries(a, doc_id)[LONG_CHAU]
        assert delivery["state"] == "sent" and delivery["attempts"] >= 2 and codes(a, doc_id) == ["01"]


def test_the_federation_port_lists_the_agencies_it_serves_to_a_peer_only(
        installations: tuple[Installation, Installation]) -> None:
    a, b = installations
    credentials = grpc.ssl_channel_credentials(a.tls.ca, a.tls.key, a.tls.cert)
    with grpc.secure_channel(f"localhost:{b.federation_port}", credentials) as channel:
        listed = federation_pb2_grpc.FederationServiceStub(channel).ListAgencies(
            federation_pb2.ListAgenciesRequest(), timeout=30)
    assert [agency.code for agency in listed.agencies] == [LONG_CHAU]
    # B's own certificate is not a peer of B: refused
    own = grpc.ssl_channel_credentials(b.tls.ca, b.tls.key, b.tls.cert)
    with grpc.secure_channel(f"localhost:{b.federation_port}", own) as channel, \
            pytest.raises(grpc.RpcError) as refused:
        federation_pb2_grpc.FederationServiceStub(channel).ListAgencies(federation_pb2.ListAgenciesRequest(),
                                                                         timeout=30)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
