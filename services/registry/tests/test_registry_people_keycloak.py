"""The people directory in scale mode: python-keycloak with a view-only client, against Keycloak's recorded contract.

Keycloak cannot run here, so a real HTTP server answers as Keycloak 26 answers (``contracts/keycloak_26_users.json``:
the client credentials token, and the users search with full representations, paged with ``first``/``max``), and
records every request. What is pinned: the registry asks for a client credentials token with its own client, then
only reads (GET ``/admin/realms/{realm}/users`` with ``q=agency:<code>``, then each person's effective realm roles,
``…/users/{id}/role-mappings/realm/composite``, kept to VanThu's roles): no request could change an account; a
person's agency is the ``agency`` attribute, checked again on the answer; names are Vietnamese order (họ, then tên);
an identity provider that refuses is UNAVAILABLE, not a 500. With ``VANTHU_TEST_KEYCLOAK_URL`` (and
``VANTHU_TEST_KEYCLOAK_REALM``, ``…_CLIENT_ID``, ``…_CLIENT_SECRET``, ``…_AGENCY``) the same adapter runs against a
real Keycloak.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from vanthu_core.errors import Unavailable
from vanthu_registry.people import KeycloakDirectory, person_of
from vanthu_testing.ports import join_thread

CONTRACT = json.loads((Path(__file__).parent / "contracts" / "keycloak_26_users.json").read_text(encoding="utf-8"))
UBND, SNV = "000.00.00.H61", "000.00.02.H61"


@dataclass
class RecordedKeycloak:
    """Answers as the contract says; ``loose``: ignores the search (a server whose search is wider than asked)."""

    url: str = ""
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    loose: bool = False
    refuse: bool = False


@pytest.fixture
def keycloak() -> Iterator[RecordedKeycloak]:
    state = RecordedKeycloak()
    realm = CONTRACT["realm"]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
            state.requests.append(("POST", urlsplit(self.path).path, form))
            if urlsplit(self.path).path != f"/realms/{realm}/protocol/openid-connect/token":
                return self._answer(405, {"error": "RESTEASY003650: No resource method found"})
            if state.refuse or form.get("client_secret") != [CONTRACT["client_secret"]]:
                return self._answer(401, {"error": "unauthorized_client",
                                          "error_description": "Invalid client or Invalid client credentials"})
            if form.get("grant_type") != ["client_credentials"] or form.get("client_id") != [CONTRACT["client_id"]]:
                return self._answer(400, {"error": "unsupported_grant_type"})
            return self._answer(200, CONTRACT["token"])

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            state.requests.append(("GET", parts.path, query))
            if self.headers.get("Authorization") != f"Bearer {CONTRACT['token']['access_token']}":
                return self._answer(401, {"error": "HTTP 401 Unauthorized"})
            prefix, suffix = f"/admin/realms/{realm}/users/", "/role-mappings/realm/composite"
            if parts.path.startswith(prefix) and parts.path.endswith(suffix):
                user_id = parts.path[len(prefix):-len(suffix)]
                if user_id not in CONTRACT["role_mappings"]:
                    return self._answer(404, {"error": "User not found"})
                return self._answer(200, CONTRACT["role_mappings"][user_id])
            if parts.path != f"/admin/realms/{realm}/users":
                return self._answer(404, {"error": "Resource not found"})
            users = CONTRACT["users"]
            if not state.loose:  # Keycloak's q: attribute key:value, exact
                terms = dict(t.split(":", 1) for t in query.get("q", [""])[0].split() if ":" in t)
                users = [u for u in users if all(v in (u.get("attributes") or {}).get(k, []) for k, v in terms.items())]
            first, size = int(query.get("first", ["0"])[0]), int(query.get("max", ["100"])[0])
            return self._answer(200, users[first:first + size])

        def _refuse(self) -> None:
            state.requests.append((self.command, urlsplit(self.path).path, {}))
            self._answer(405, {"error": "not recorded"})

        do_PUT = do_DELETE = do_PATCH = _refuse

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        join_thread(thread, timeout_s=10, what="the recorded Keycloak")


def directory(keycloak: RecordedKeycloak, secret: str = CONTRACT["client_secret"]) -> KeycloakDirectory:
    return KeycloakDirectory(keycloak.url, CONTRACT["realm"], CONTRACT["client_id"], secret, cache_s=0)


async def test_the_agencys_people_are_read_with_a_client_credentials_token_and_gets_only(
        keycloak: RecordedKeycloak) -> None:
    people = await directory(keycloak).people(UBND)
    assert [(p.username, p.name, p.subject, p.email, p.enabled) for p in people] == [
        ("chuyenvien.ubnd", "Phạm Thị Ngọc Ánh", "b30701f7-331a-5c8a-b5c2-3d8e043d2714",
         "chuyenvien.ubnd@vinhlong.gov.vn", True),
        ("nghihuu.ubnd", "Đỗ Văn Tâm", "0d2b8c9e-2f0e-4d61-9a53-6d4b7c1e9f10", "", False),
        ("truongphong.ubnd", "Lê Hoàng Phúc", "209a6637-1956-5479-9240-866a3ba61648", "", True)]
    assert {p.agency_code for p in people} == {UBND}
    # Keycloak's own default roles are not VanThu's; a head of unit is also an officer
    assert [p.roles for p in people] == [("officer",), (), ("head", "officer")]
    token, *reads = keycloak.requests
    assert token[:2] == ("POST", "/realms/vanthu/protocol/openid-connect/token")
    assert token[2]["grant_type"] == ["client_credentials"] and token[2]["client_id"] == [CONTRACT["client_id"]]
    assert reads and all(method == "GET" for method, _, _ in reads)
    searches = [r for r in reads if r[1] == "/admin/realms/vanthu/users"]
    assert searches[0][2]["q"] == [f"agency:{UBND}"] and searches[0][2]["briefRepresentation"] == ["false"]
    assert "first" in searches[0][2] and "max" in searches[0][2], "paged"
    roles_read = sorted(path.split("/")[5] for _, path, _ in reads if path.endswith("/role-mappings/realm/composite"))
    assert roles_read == sorted(p.subject for p in people), "one role read per person of the agency, no other's"


async def test_a_wider_answer_than_asked_never_lets_another_agencys_people_in(keycloak: RecordedKeycloak) -> None:
    keycloak.loose = True
    people = await directory(keycloak).people(SNV)
    assert [p.username for p in people] == ["chuyenvien.snv"]


def test_a_persons_title_is_the_title_user_attribute_in_nfc() -> None:
    """Chức vụ comes from the realm's ``title`` attribute (declared in its user profile), composed to NFC."""
    user = {"id": "0d2b8c9e-2f0e-4d61-9a53-6d4b7c1e9f10", "username": "lanhdao.ubnd", "firstName": "Hưởng",
            "lastName": "Nguyễn Văn", "attributes": {"agency": [UBND], "title": ["Chu\u0309 ti\u0323ch "]}}
    assert person_of(user).title == "Chủ tịch"
    assert person_of({**user, "attributes": {"agency": [UBND]}}).title == ""


async def test_an_identity_provider_that_refuses_the_client_is_unavailable(keycloak: RecordedKeycloak) -> None:
    with pytest.raises(Unavailable):
        await directory(keycloak, secret="wrong").people(UBND)
    assert all(method in ("GET", "POST") for method, _, _ in keycloak.requests)


@pytest.mark.skipif(not os.environ.get("VANTHU_TEST_KEYCLOAK_URL"), reason="VANTHU_TEST_KEYCLOAK_URL is not set")
async def test_a_real_keycloak_lists_the_agencys_people() -> None:
    agency = os.environ.get("VANTHU_TEST_KEYCLOAK_AGENCY", UBND)
    found = await KeycloakDirectory(
        os.environ["VANTHU_TEST_KEYCLOAK_URL"], os.environ.get("VANTHU_TEST_KEYCLOAK_REALM", "vanthu"),
        os.environ.get("VANTHU_TEST_KEYCLOAK_CLIENT_ID", "vanthu-registry-directory"),
        os.environ.get("VANTHU_TEST_KEYCLOAK_CLIENT_SECRET", ""), cache_s=0).people(agency)
    assert found and {p.agency_code for p in found} == {agency}
    assert all(p.subject and p.username for p in found)
