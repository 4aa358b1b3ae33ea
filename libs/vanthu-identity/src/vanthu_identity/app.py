"""The dev issuer's HTTP API, on Keycloak's paths: discovery, JWKS, token endpoint."""

from __future__ import annotations

import hmac
import time
import uuid
from typing import Annotated, Any

import jwt
from fastapi import FastAPI, Form
from fastapi.responses import JSONResponse

from vanthu_core.clients import PERSON_CLIENTS, WEB, service_account
from vanthu_identity.keys import KeyStore
from vanthu_identity.settings import IdentitySettings
from vanthu_identity.users import User, load_users

WEB_CLIENT = WEB
#: Namespace of the service accounts' subjects (stable per client id, a UUID like Keycloak's).
_SERVICE_ACCOUNTS = uuid.UUID("0b7d5c1e-9a4f-4c2e-8d31-5e6f7a8b9c0d")


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def create_app(settings: IdentitySettings, keys: KeyStore | None = None) -> FastAPI:
    keys = keys or KeyStore(settings.key_dir)
    users = load_users(settings.users_file)
    issuer = settings.issuer()
    prefix = f"/realms/{settings.realm}"
    app = FastAPI(title="VanThu development identity issuer", version="0.1.0",
                  description="Development only. Keycloak's paths and token shape; demo users of three agencies.")
    app.state.keys = keys
    app.state.users = users

    def sign(claims: dict[str, Any]) -> str:
        key = keys.active
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})

    def token_response(claims: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
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
            "grant_types_supported": ["password", "client_credentials"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
        }

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
    ) -> dict[str, Any] | JSONResponse:
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
