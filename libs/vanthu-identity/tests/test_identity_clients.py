"""The development issuer's clients over real HTTP (issue 11, item 2): one confidential client per service, each
with its own secret; people log in only through the web client."""

from __future__ import annotations

import httpx
import jwt
import pytest

from vanthu_core.clients import SERVICE_CLIENTS
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration


def grant(issuer: DevIssuer, **form: str) -> httpx.Response:
    return httpx.post(f"{issuer.issuer}/protocol/openid-connect/token", data=form)


def test_every_service_client_is_issued_with_its_own_secret_only(dev_issuer: DevIssuer) -> None:
    secrets = {client: dev_issuer.client_secret(client) for client in SERVICE_CLIENTS}
    assert len(set(secrets.values())) == len(SERVICE_CLIENTS)  # no two share a secret
    for client, secret in secrets.items():
        reply = grant(dev_issuer, grant_type="client_credentials", client_id=client, client_secret=secret)
        assert reply.status_code == 200, reply.text
        claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
        assert claims["azp"] == client and claims["preferred_username"] == f"service-account-{client}"
        assert "agency" not in claims and claims["realm_access"]["roles"] == []
        other = next(c for c in SERVICE_CLIENTS if c != client)
        refused = grant(dev_issuer, grant_type="client_credentials", client_id=client, client_secret=secrets[other])
        assert refused.status_code == 401 and refused.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("client_id", ["vanthu-services", "vanthu-web", "someone-else", ""])
def test_the_shared_client_of_old_and_unknown_clients_get_no_service_token(dev_issuer: DevIssuer,
                                                                           client_id: str) -> None:
    reply = grant(dev_issuer, grant_type="client_credentials", client_id=client_id,
                  client_secret=dev_issuer.client_secret("vanthu-registry"))
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized_client"


@pytest.mark.parametrize("client_id", sorted(SERVICE_CLIENTS))
def test_people_cannot_log_in_through_a_service_client(dev_issuer: DevIssuer, client_id: str) -> None:
    reply = grant(dev_issuer, grant_type="password", client_id=client_id, username="quantri.ubnd",
                  password="vanthu-dev")
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized_client"


def test_the_users_file_gives_each_demo_users_subject_and_tokens_carry_it(dev_issuer: DevIssuer) -> None:
    """Issue 11, item 3: subjects are data of the users file (the signing operator resolves usernames with it)."""
    import yaml

    users = yaml.safe_load(dev_issuer.users_file.read_text(encoding="utf-8"))["users"]
    subjects = {u["username"]: u["subject"] for u in users}
    assert len(set(subjects.values())) == len(users)
    for username in ("lanhdao.ubnd", "quantri.longchau"):
        claims = jwt.decode(dev_issuer.token(username), options={"verify_signature": False})
        assert claims["sub"] == subjects[username] and claims["preferred_username"] == username
