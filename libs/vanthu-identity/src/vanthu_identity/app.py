"""The dev issuer's HTTP API, on Keycloak's paths: discovery, JWKS, the token endpoint (password, client credentials,
authorization code with PKCE, refresh token), the login page (authorization endpoint) and sign-out (end session)."""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import FastAPI, Form, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from vanthu_core.clients import PERSON_CLIENTS, WEB, service_account
from vanthu_core.text import nfc
from vanthu_identity import pages
from vanthu_identity.authorize import (
    AuthorizationRequest,
    GrantError,
    Grants,
    Session,
    origins,
    uri_allowed,
    valid_challenge,
)
from vanthu_identity.keys import KeyStore
from vanthu_identity.settings import IdentitySettings
from vanthu_identity.users import User, load_users

WEB_CLIENT = WEB
#: Namespace of the service accounts' subjects (stable per client id, a UUID like Keycloak's).
_SERVICE_ACCOUNTS = uuid.UUID("0b7d5c1e-9a4f-4c2e-8d31-5e6f7a8b9c0d")


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def create_app(settings: IdentitySettings, keys: KeyStore | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """The issuer's app. ``clock`` (seconds since the epoch) times codes, sessions and refresh tokens."""
    keys = keys or KeyStore(settings.key_dir)
    users = load_users(settings.users_file)
    issuer = settings.issuer()
    prefix = f"/realms/{settings.realm}"
    app = FastAPI(title="VanThu development identity issuer", version="0.1.0",
                  description="Development only. Keycloak's paths and token shape; demo users of three agencies.")
    app.state.keys = keys
    app.state.users = users
    grants = Grants(code_lifetime_s=settings.code_lifetime_s, session_lifetime_s=settings.session_lifetime_s,
                    refresh_lifetime_s=settings.refresh_lifetime_s, clock=clock)
    app.state.grants = grants
    web_origins = origins(settings.web_urls)
    if web_origins:  # the web client's origins call the token endpoint from the browser (Keycloak's web origins)
        app.add_middleware(CORSMiddleware, allow_origins=web_origins, allow_credentials=False,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type", "Authorization"])
    login_action = f"{issuer}/login-actions/authenticate"
    page_csp = pages.content_security_policy(web_origins)

    def html(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status, headers={
            "Content-Security-Policy": page_csp, "Cache-Control": "no-store", "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer"})

    def sign(claims: dict[str, Any]) -> str:
        key = keys.active
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})

    def token_response(claims: dict[str, Any]) -> dict[str, Any]:
        now = int(clock())
        claims.update({"iss": issuer, "iat": now, "exp": now + settings.token_lifetime_s, "jti": str(uuid.uuid4()),
                       "typ": "Bearer"})
        return {"access_token": sign(claims), "token_type": "Bearer", "expires_in": settings.token_lifetime_s,
                "scope": "openid profile"}

    def user_claims(user: User, client_id: str) -> dict[str, Any]:
        return {"sub": user.subject, "aud": ["vanthu", "account"], "azp": client_id,
                "preferred_username": user.username, "name": user.name, "agency": user.agency,
                "realm_access": {"roles": list(user.roles)}, "scope": "openid profile"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(f"{prefix}/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
            "token_endpoint": f"{issuer}/protocol/openid-connect/token",
            "authorization_endpoint": f"{issuer}/protocol/openid-connect/auth",
            "end_session_endpoint": f"{issuer}/protocol/openid-connect/logout",
            "grant_types_supported": ["authorization_code", "refresh_token", "password", "client_credentials"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
            "subject_types_supported": ["public"],
        }

    def check_client(client_id: str, redirect_uri: str) -> str:
        """Why the web client's request cannot go on (shown, never redirected to), or empty."""
        if client_id not in PERSON_CLIENTS:
            return "Ứng dụng này không được phép đăng nhập người dùng (client_id không hợp lệ)."
        if not uri_allowed(redirect_uri, settings.web_urls):
            return "Địa chỉ chuyển hướng (redirect_uri) không được đăng ký cho ứng dụng web."
        return ""

    def redirect_error(request: AuthorizationRequest, error: str, description: str) -> RedirectResponse:
        query = urlencode({"error": error, "error_description": description, "state": request.state,
                           "iss": issuer})
        return RedirectResponse(f"{request.redirect_uri}?{query}", status_code=302)

    @app.get(f"{prefix}/protocol/openid-connect/auth", response_model=None, include_in_schema=False)
    async def authorize(
        client_id: Annotated[str, Query(max_length=255)] = "",
        redirect_uri: Annotated[str, Query(max_length=2000)] = "",
        response_type: Annotated[str, Query(max_length=64)] = "",
        scope: Annotated[str, Query(max_length=500)] = "openid",
        state: Annotated[str, Query(max_length=1000)] = "",
        nonce: Annotated[str, Query(max_length=1000)] = "",
        code_challenge: Annotated[str, Query(max_length=128)] = "",
        code_challenge_method: Annotated[str, Query(max_length=16)] = "",
    ) -> Response:
        """The authorization endpoint: checks the client and its redirect URI (else an error page, no redirect),
        then PKCE S256 and ``response_type=code`` (else the error goes back to the client), and shows the login
        form."""
        problem = check_client(client_id, redirect_uri)
        if problem:
            return html(pages.error_page(problem), 400)
        request = AuthorizationRequest(client_id, redirect_uri, state, nonce, code_challenge, scope)
        if response_type != "code":
            return redirect_error(request, "unsupported_response_type", "only response_type=code is supported")
        if code_challenge_method != "S256" or not valid_challenge(code_challenge):
            return redirect_error(request, "invalid_request", "Missing parameter: code_challenge_method (S256)")
        return html(pages.login_page(login_action, request))

    @app.post(f"{prefix}/login-actions/authenticate", response_model=None, include_in_schema=False)
    async def authenticate(
        client_id: Annotated[str, Form(max_length=255)] = "",
        redirect_uri: Annotated[str, Form(max_length=2000)] = "",
        scope: Annotated[str, Form(max_length=500)] = "openid",
        state: Annotated[str, Form(max_length=1000)] = "",
        nonce: Annotated[str, Form(max_length=1000)] = "",
        code_challenge: Annotated[str, Form(max_length=128)] = "",
        username: Annotated[str, Form(max_length=255)] = "",
        password: Annotated[str, Form(max_length=255)] = "",
    ) -> Response:
        """The login form's post: a wrong name or password shows the form again; otherwise a session starts and
        the code goes to the redirect URI (with ``state`` and ``iss``, RFC 9207)."""
        problem = check_client(client_id, redirect_uri)
        if problem:
            return html(pages.error_page(problem), 400)
        request = AuthorizationRequest(client_id, redirect_uri, state, nonce, code_challenge, scope)
        if not valid_challenge(code_challenge):
            return redirect_error(request, "invalid_request", "Missing parameter: code_challenge")
        name = nfc(username.strip()).lower()
        user = users.get(name)
        if user is None or not user.check_password(password):
            return html(pages.login_page(login_action, request, username=name,
                                         error="Tên đăng nhập hoặc mật khẩu không đúng."), 200)
        code = grants.issue_code(request, user.username)
        query = urlencode({"state": state, "session_state": grants.codes[code].session_id, "iss": issuer,
                           "code": code})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

    @app.get(f"{prefix}/protocol/openid-connect/logout", response_model=None, include_in_schema=False)
    async def logout(
        id_token_hint: Annotated[str, Query(max_length=8000)] = "",
        post_logout_redirect_uri: Annotated[str, Query(max_length=2000)] = "",
        state: Annotated[str, Query(max_length=1000)] = "",
        client_id: Annotated[str, Query(max_length=255)] = "",
    ) -> Response:
        """End session: the session named by the ID token's ``sid`` ends (its refresh tokens stop working); then
        back to the client's post-logout URI when it is under a web URL, else a signed-out page."""
        if id_token_hint:
            try:
                claims = jwt.decode(id_token_hint, key=_key_for(id_token_hint), algorithms=["RS256"], issuer=issuer,
                                    options={"verify_exp": False, "verify_aud": False, "verify_iat": False})
            except (jwt.PyJWTError, KeyError):
                return html(pages.error_page("Yêu cầu đăng xuất không hợp lệ (id_token_hint)."), 400)
            grants.end_session(str(claims.get("sid", "")))
        if post_logout_redirect_uri:
            if not uri_allowed(post_logout_redirect_uri, settings.web_urls):
                return html(pages.error_page("Địa chỉ sau đăng xuất không được đăng ký cho ứng dụng web."), 400)
            query = urlencode({"state": state}) if state else ""
            return RedirectResponse(post_logout_redirect_uri + (f"?{query}" if query else ""), status_code=302)
        return html(pages.signed_out_page(settings.web_urls[0] if settings.web_urls else ""))

    def _key_for(token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keys.keys:
            if key.kid == kid:
                return key.private_key.public_key()
        raise KeyError(kid)

    def session_tokens(session: Session) -> dict[str, Any]:
        user = users[session.username]
        reply = token_response({**user_claims(user, session.client_id), "sid": session.id})
        now = int(clock())
        reply["id_token"] = sign({
            "iss": issuer, "sub": user.subject, "aud": session.client_id, "azp": session.client_id, "typ": "ID",
            "iat": now, "exp": now + settings.token_lifetime_s, "auth_time": int(session.started_at),
            "sid": session.id, "nonce": session.nonce,
            "name": user.name, "preferred_username": user.username, "agency": user.agency,
            "realm_access": {"roles": list(user.roles)}})
        reply["refresh_token"] = grants.new_refresh_token(session)
        reply["refresh_expires_in"] = settings.refresh_lifetime_s
        reply["session_state"] = session.id
        return reply

    @app.get(f"{prefix}/protocol/openid-connect/certs")
    async def certs() -> dict[str, Any]:
        return keys.jwks()

    @app.post(f"{prefix}/protocol/openid-connect/token", response_model=None)
    async def token(
        grant_type: Annotated[str, Form()],
        client_id: Annotated[str, Form()] = WEB_CLIENT,
        client_secret: Annotated[str, Form()] = "",
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        code: Annotated[str, Form(max_length=200)] = "",
        redirect_uri: Annotated[str, Form(max_length=2000)] = "",
        code_verifier: Annotated[str, Form(max_length=200)] = "",
        refresh_token: Annotated[str, Form(max_length=200)] = "",
    ) -> dict[str, Any] | JSONResponse:
        if grant_type in ("authorization_code", "refresh_token"):
            if client_id not in PERSON_CLIENTS:
                return _oauth_error(401, "unauthorized_client", f"client {client_id!r} does not log people in")
            try:
                if grant_type == "authorization_code":
                    session = grants.redeem_code(code, client_id=client_id, redirect_uri=redirect_uri,
                                                 verifier=code_verifier)
                else:
                    session = grants.use_refresh_token(refresh_token, client_id)
            except GrantError as refused:
                return _oauth_error(400, refused.error, refused.description)
            return session_tokens(session)
        if grant_type == "password":
            if client_id not in PERSON_CLIENTS:  # service clients allow no login of a person (as in the realm file)
                return _oauth_error(401, "unauthorized_client", f"client {client_id!r} does not log people in")
            user = users.get(username)
            if user is None or not user.check_password(password):
                return _oauth_error(401, "invalid_grant", "Invalid user credentials")
            return token_response(user_claims(user, client_id))
        if grant_type == "client_credentials":
            secret = settings.service_clients.get(client_id)
            expected = secret.get_secret_value() if secret is not None else ""
            if not expected or not hmac.compare_digest(client_secret.encode(), expected.encode()):
                return _oauth_error(401, "unauthorized_client", "Invalid client or client credentials")
            account = service_account(client_id)
            return token_response({"sub": str(uuid.uuid5(_SERVICE_ACCOUNTS, account)), "aud": ["vanthu"],
                                   "azp": client_id, "client_id": client_id, "preferred_username": account,
                                   "name": client_id, "realm_access": {"roles": []}})
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    return app
