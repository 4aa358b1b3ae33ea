"""The platform's clients are declared once (issue 11, item 2): ``vanthu_core.clients``, the Keycloak realm file
``charts/vanthu/files/realm-vanthu.json`` and the development issuer agree; the realm file holds no secret and makes
the ``agency`` attribute editable by administrators only (item 3)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from vanthu_core.auth import ROLES
from vanthu_core.clients import DIRECTORY_READER, IDENTITY_API_CLIENTS, PERSON_CLIENTS, SERVICE_CLIENTS, WEB

pytestmark = pytest.mark.unit

REALM_FILE = Path(__file__).parents[3] / "charts" / "vanthu" / "files" / "realm-vanthu.json"


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    return dict(json.loads(REALM_FILE.read_text(encoding="utf-8")))


def clients_of(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["clientId"]: c for c in realm["clients"]}


def test_the_realm_declares_one_client_per_service_and_the_web_client(realm: dict[str, Any]) -> None:
    assert set(clients_of(realm)) == SERVICE_CLIENTS | PERSON_CLIENTS | IDENTITY_API_CLIENTS
    assert {r["name"] for r in realm["roles"]["realm"]} == ROLES  # people's roles; no "service" role


def test_service_clients_only_use_client_credentials_and_carry_no_role(realm: dict[str, Any]) -> None:
    for client_id, client in clients_of(realm).items():
        if client_id not in SERVICE_CLIENTS | IDENTITY_API_CLIENTS:
            continue
        assert client["serviceAccountsEnabled"] and not client["publicClient"], client_id
        assert not (client["standardFlowEnabled"] or client["directAccessGrantsEnabled"]
                    or client["implicitFlowEnabled"]), client_id  # no person logs in through a service client
        assert client["fullScopeAllowed"] is False, client_id


def test_no_secret_is_in_the_repository(realm: dict[str, Any]) -> None:
    for client_id, client in clients_of(realm).items():
        if "secret" in client:
            assert re.fullmatch(r"\$\{VANTHU_[A-Z_]+_CLIENT_SECRET\}", client["secret"]), client_id


def test_tokens_carry_the_agency_from_an_attribute_only_administrators_edit(realm: dict[str, Any]) -> None:
    web = clients_of(realm)[WEB]
    mapper = next(m for m in web["protocolMappers"] if m["config"].get("claim.name") == "agency")
    assert mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper"
    assert mapper["config"]["user.attribute"] == "agency" and mapper["config"]["access.token.claim"] == "true"
    provider = realm["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    assert attributes["agency"]["permissions"]["edit"] == ["admin"]
    assert attributes["username"]["permissions"]["edit"] == ["admin"]
    assert "unmanagedAttributePolicy" not in profile  # users cannot add attributes of their own
    assert realm["editUsernameAllowed"] is False


def test_only_the_registry_reads_accounts_and_nobody_may_change_them(realm: dict[str, Any]) -> None:
    """Issue 13, item 0: accounts are the identity provider's, read only; the registry's directory client holds
    ``realm-management``'s ``view-users`` and nothing else, carries no ``vanthu`` audience (no service of ours admits
    its tokens), and no other account holds any realm-management role."""
    granted = {user["serviceAccountClientId"]: user.get("clientRoles", {})
               for user in realm.get("users", []) if "serviceAccountClientId" in user}
    assert granted == {DIRECTORY_READER: {"realm-management": ["view-users"]}}
    reader = clients_of(realm)[DIRECTORY_READER]
    assert not any(m["config"].get("included.custom.audience") for m in reader.get("protocolMappers", []))
    people = [user for user in realm.get("users", []) if "serviceAccountClientId" not in user]
    assert all("realm-management" not in user.get("clientRoles", {}) for user in people)
