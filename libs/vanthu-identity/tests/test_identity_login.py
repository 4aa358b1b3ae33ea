"""The web client's sign-in (issue 14, item 2): authorization code with PKCE S256 through the login page, as
Keycloak serves it to the realm file's ``vanthu-web`` client; refresh and sign-out."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from fastapi.testclient import TestClient

from vanthu_identity.app import create_app
from vanthu_identity.authorize import s256, uri_allowed
from vanthu_identity.settings import IdentitySettings

pytestmark = pytest.mark.unit

WEB_URL = "http://127.0.0.1:8080"
CALLBACK = f"{WEB_URL}/auth/callback"


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("identity-keys")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(key_dir: Path, clock: Clock) -> TestClient:
    settings = IdentitySettings(host="127.0.0.1", port=8180, key_dir=key_dir, web_urls=[WEB_URL])
    return TestClient(create_app(settings, clock=clock), follow_redirects=False)


TOKEN = "/realms/vanthu/protocol/openid-connect/token"


def authorize(client: TestClient, verifier: str, *, redirect_uri: str = CALLBACK, **extra: str) -> str:
    """Open the login page and sign in as the clerk; the code the redirect carries."""
    params = {"client_id": "vanthu-web", "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid",
              "state": "st-1", "nonce": "n-1", "code_challenge": s256(verifier), "code_challenge_method": "S256"}
    params.update(extra)
    page = client.get("/realms/vanthu/protocol/openid-connect/auth", params=params)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page.text))
    action = re.search(r'id="kc-form-login" method="post" action="([^"]+)"', page.text)
    assert action is not None
    reply = client.post(urlsplit(action.group(1)).path,
                        data={**form, "username": "vanthu.ubnd", "password": "vanthu-dev"})
    assert reply.status_code == 302, reply.text
    location = urlsplit(reply.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["st-1"] and query["iss"] == ["http://127.0.0.1:8180/realms/vanthu"]
    return query["code"][0]


def exchange(client: TestClient, code: str, verifier: str, redirect_uri: str = CALLBACK):  # type: ignore[no-untyped-def]
    return client.post(TOKEN, data={"grant_type": "authorization_code", "client_id": "vanthu-web", "code": code,
                                    "redirect_uri": redirect_uri, "code_verifier": verifier})


def test_the_clerk_signs_in_with_code_and_pkce_and_gets_keycloak_shaped_tokens(client: TestClient) -> None:
    discovery = client.get("/realms/vanthu/.well-known/openid-configuration").json()
    assert discovery["authorization_endpoint"].endswith("/protocol/openid-connect/auth")
    assert discovery["end_session_endpoint"].endswith("/protocol/openid-connect/logout")
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "authorization_code" in discovery["grant_types_supported"]
    verifier = secrets.token_urlsafe(48)
    reply = exchange(client, authorize(client, verifier), verifier)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["preferred_username"] == "vanthu.ubnd" and access["agency"] == "000.00.00.H61"
    assert access["azp"] == "vanthu-web" and access["realm_access"]["roles"] == ["clerk"]
    identity = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert identity["aud"] == "vanthu-web" and identity["nonce"] == "n-1" and identity["sid"] == access["sid"]
    assert identity["name"] == "Trần Thị Thu Hương"
    assert body["refresh_token"]


def test_the_login_form_uses_keycloaks_field_names_and_a_wrong_password_shows_it_again(client: TestClient) -> None:
    verifier = secrets.token_urlsafe(48)
    page = client.get("/realms/vanthu/protocol/openid-connect/auth", params={
        "client_id": "vanthu-web", "redirect_uri": CALLBACK, "response_type": "code", "state": "s",
        "code_challenge": s256(verifier), "code_challenge_method": "S256"})
    for needle in ('name="username"', 'name="password"', 'id="kc-login"', 'id="kc-form-login"', 'lang="vi"',
                   '<label for="username">Tên đăng nhập</label>'):
        assert needle in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert f"form-action 'self' {WEB_URL}" in page.headers["content-security-policy"]
    form = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page.text))
    wrong = client.post("/realms/vanthu/login-actions/authenticate",
                        data={**form, "username": "vanthu.ubnd", "password": "wrong"})
    assert wrong.status_code == 200 and "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    assert "location" not in wrong.headers


def test_a_wrong_verifier_is_refused_and_the_code_is_spent(client: TestClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, verifier)
    refused = exchange(client, code, secrets.token_urlsafe(48))
    assert refused.status_code == 400 and refused.json() == {
        "error": "invalid_grant", "error_description": "PKCE verification failed: Code mismatch"}
    assert exchange(client, code, verifier).status_code == 400  # no second try with the right one
    assert exchange(client, authorize(client, verifier), "short").status_code == 400  # malformed (RFC 7636 §4.1)


def test_a_code_is_refused_at_another_redirect_uri(client: TestClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, verifier)
    refused = exchange(client, code, verifier, redirect_uri=f"{WEB_URL}/other")
    assert refused.status_code == 400 and refused.json()["error_description"] == "Incorrect redirect_uri"


def test_a_reused_code_is_refused_and_ends_the_session_it_opened(client: TestClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, verifier)
    first = exchange(client, code, verifier)
    assert first.status_code == 200
    again = exchange(client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refresh = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": "vanthu-web",
                                       "refresh_token": first.json()["refresh_token"]})
    assert refresh.status_code == 400  # RFC 6749 §4.1.2: tokens of a replayed code are revoked


def test_an_expired_code_is_refused(client: TestClient, clock: Clock) -> None:
    verifier = secrets.token_urlsafe(48)
    code = authorize(client, verifier)
    clock.now += 61
    assert exchange(client, code, verifier).json()["error_description"] == "Code not valid"


@pytest.mark.parametrize("redirect_uri", [
    "http://127.0.0.1:8080.evil.example/auth/callback", "http://evil.example/auth/callback",
    "https://127.0.0.1:8080/auth/callback", "http://127.0.0.1:8080@evil.example/x",
    "http://127.0.0.1:8080/auth/callback#frag", "", "javascript:alert(1)"])
def test_an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect(client: TestClient,
                                                                         redirect_uri: str) -> None:
    page = client.get("/realms/vanthu/protocol/openid-connect/auth", params={
        "client_id": "vanthu-web", "redirect_uri": redirect_uri, "response_type": "code",
        "code_challenge": s256("x" * 43), "code_challenge_method": "S256"})
    assert page.status_code == 400 and "location" not in page.headers
    assert "không được đăng ký" in page.text
    assert not uri_allowed(redirect_uri, [WEB_URL])


def test_pkce_is_required(client: TestClient) -> None:
    page = client.get("/realms/vanthu/protocol/openid-connect/auth", params={
        "client_id": "vanthu-web", "redirect_uri": CALLBACK, "response_type": "code", "state": "s"})
    assert page.status_code == 302
    assert parse_qs(urlsplit(page.headers["location"]).query)["error"] == ["invalid_request"]
    plain = client.get("/realms/vanthu/protocol/openid-connect/auth", params={
        "client_id": "vanthu-web", "redirect_uri": CALLBACK, "response_type": "code", "state": "s",
        "code_challenge": "x" * 43, "code_challenge_method": "plain"})
    assert parse_qs(urlsplit(plain.headers["location"]).query)["error"] == ["invalid_request"]


def test_a_service_client_cannot_use_the_login_page(client: TestClient) -> None:
    page = client.get("/realms/vanthu/protocol/openid-connect/auth", params={
        "client_id": "vanthu-registry", "redirect_uri": CALLBACK, "response_type": "code",
        "code_challenge": s256("x" * 43), "code_challenge_method": "S256"})
    assert page.status_code == 400


def test_refresh_rotates_and_sign_out_ends_the_session(client: TestClient) -> None:
    verifier = secrets.token_urlsafe(48)
    tokens = exchange(client, authorize(client, verifier), verifier).json()
    renewed = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": "vanthu-web",
                                       "refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    reused = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": "vanthu-web",
                                      "refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 400  # a refresh token is used once
    out = client.get("/realms/vanthu/protocol/openid-connect/logout", params={
        "id_token_hint": renewed.json()["id_token"], "post_logout_redirect_uri": f"{WEB_URL}/da-dang-xuat"})
    assert out.status_code == 302 and out.headers["location"] == f"{WEB_URL}/da-dang-xuat"
    after = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": "vanthu-web",
                                     "refresh_token": renewed.json()["refresh_token"]})
    assert after.status_code == 400 and after.json()["error_description"] == "Session not active"
    elsewhere = client.get("/realms/vanthu/protocol/openid-connect/logout",
                           params={"post_logout_redirect_uri": "http://evil.example/"})
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers


def test_a_session_ends_when_its_refresh_token_idles_past_30_minutes(client: TestClient, clock: Clock) -> None:
    verifier = secrets.token_urlsafe(48)
    tokens = exchange(client, authorize(client, verifier), verifier).json()
    clock.now += 1801
    late = client.post(TOKEN, data={"grant_type": "refresh_token", "client_id": "vanthu-web",
                                    "refresh_token": tokens["refresh_token"]})
    assert late.status_code == 400


def test_the_token_endpoint_answers_the_web_origin_only(client: TestClient) -> None:
    allowed = client.options(TOKEN, headers={"Origin": WEB_URL, "Access-Control-Request-Method": "POST"})
    assert allowed.headers.get("access-control-allow-origin") == WEB_URL
    other = client.options(TOKEN, headers={"Origin": "http://evil.example",
                                           "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers
