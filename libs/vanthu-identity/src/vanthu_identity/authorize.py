"""Authorization code with PKCE for the web client (RFC 6749 §4.1, RFC 7636 S256), as Keycloak serves it.

The dev issuer keeps codes, sessions and refresh tokens in memory (a restart signs everyone out, as a Keycloak
without persistent sessions does). The rules mirror the realm file's ``vanthu-web`` client
(``charts/vanthu/files/realm-vanthu.json``): public client, standard flow only, PKCE S256 required, redirect and
post-logout URIs under ``${VANTHU_WEB_URL}/*``, web origins ``${VANTHU_WEB_URL}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: RFC 7636 §4.1: 43-128 characters of the unreserved set.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: base64url of a SHA-256 digest, no padding.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def s256(verifier: str) -> str:
    """The S256 code challenge of ``verifier``: base64url(SHA-256(ASCII(verifier))) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


def verifier_matches(verifier: str, challenge: str) -> bool:
    """True when ``verifier`` is well formed (RFC 7636 §4.1) and its S256 challenge is ``challenge``."""
    if not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)


def uri_allowed(uri: str, bases: list[str]) -> bool:
    """Whether ``uri`` is under one of ``bases`` as Keycloak's ``<base>/*`` pattern: same scheme and host:port, the
    path below the base's, no fragment, no user info. ``bases`` are URLs such as ``http://127.0.0.1:8080``."""
    if not uri or len(uri) > 2000:
        return False
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or "@" in parts.netloc or parts.scheme not in ("http", "https") or "/.." in parts.path:
        return False
    for base in bases:
        b = urlsplit(base.rstrip("/"))
        if parts.scheme == b.scheme and parts.netloc.lower() == b.netloc.lower() and (
                parts.path == b.path or parts.path.startswith(b.path + "/")):
            return True
    return False


def origins(bases: list[str]) -> list[str]:
    """The web origins (``scheme://host:port``) of ``bases``, for CORS on the token endpoint."""
    result: list[str] = []
    for base in bases:
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in result:
            result.append(origin)
    return result


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the web client asked for at the authorization endpoint, carried through the login form."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str


@dataclass
class Session:
    """A signed-in person's session (Keycloak's user session): ``sid`` in their tokens; sign-out ends it."""

    id: str
    username: str
    client_id: str
    started_at: float
    expires_at: float
    nonce: str = ""
    refresh_tokens: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class IssuedCode:
    request: AuthorizationRequest
    session_id: str
    expires_at: float


@dataclass(frozen=True)
class RefreshGrant:
    session_id: str
    expires_at: float


class GrantError(Exception):
    """A refused code or refresh grant: OAuth ``error`` and a description (Keycloak's wording)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class Grants:
    """Codes (single use, ``code_lifetime_s``), sessions (``session_lifetime_s``) and refresh tokens (rotated on each
    use, ``refresh_lifetime_s``), in memory. ``clock`` gives seconds since the epoch (injected by tests)."""

    def __init__(self, *, code_lifetime_s: float, session_lifetime_s: float, refresh_lifetime_s: float,
                 clock: Callable[[], float]) -> None:
        self.code_lifetime_s = code_lifetime_s
        self.session_lifetime_s = session_lifetime_s
        self.refresh_lifetime_s = refresh_lifetime_s
        self.clock = clock
        self.codes: dict[str, IssuedCode] = {}
        #: codes already exchanged → the session they opened (a replay ends that session, RFC 6749 §4.1.2)
        self.used_codes: dict[str, str] = {}
        self.sessions: dict[str, Session] = {}
        self.refresh: dict[str, RefreshGrant] = {}

    def _sweep(self) -> None:
        now = self.clock()
        for code in [c for c, v in self.codes.items() if v.expires_at <= now]:
            del self.codes[code]
        for sid in [s for s, v in self.sessions.items() if v.expires_at <= now]:
            self.end_session(sid)
        if len(self.used_codes) > 10_000:
            self.used_codes.clear()

    def issue_code(self, request: AuthorizationRequest, username: str) -> str:
        """A new session for ``username`` and a code for it (sent to the redirect URI)."""
        self._sweep()
        now = self.clock()
        session = Session(id=secrets.token_urlsafe(16), username=username, client_id=request.client_id,
                          started_at=now, expires_at=now + self.session_lifetime_s, nonce=request.nonce)
        self.sessions[session.id] = session
        code = secrets.token_urlsafe(32)
        self.codes[code] = IssuedCode(request, session.id, now + self.code_lifetime_s)
        return code

    def redeem_code(self, code: str, *, client_id: str, redirect_uri: str, verifier: str) -> Session:
        """The session a code opened, once; refused (``invalid_grant``) when the code is unknown, expired, used before
        (that session is then ended), for another client or redirect URI, or the PKCE verifier does not match."""
        self._sweep()
        if code in self.used_codes:
            self.end_session(self.used_codes.pop(code))
            raise GrantError("invalid_grant", "Code not valid")
        issued = self.codes.pop(code, None)
        if issued is None or issued.expires_at <= self.clock():
            raise GrantError("invalid_grant", "Code not valid")
        self.used_codes[code] = issued.session_id
        if client_id != issued.request.client_id:
            self.end_session(issued.session_id)
            raise GrantError("invalid_grant", "Got code for another client")
        if redirect_uri != issued.request.redirect_uri:
            self.end_session(issued.session_id)
            raise GrantError("invalid_grant", "Incorrect redirect_uri")
        if not verifier_matches(verifier, issued.request.code_challenge):
            self.end_session(issued.session_id)
            raise GrantError("invalid_grant", "PKCE verification failed: Code mismatch")
        session = self.sessions.get(issued.session_id)
        if session is None:
            raise GrantError("invalid_grant", "Session not active")
        return session

    def new_refresh_token(self, session: Session) -> str:
        token = secrets.token_urlsafe(32)
        expires = min(session.expires_at, self.clock() + self.refresh_lifetime_s)
        self.refresh[token] = RefreshGrant(session.id, expires)
        session.refresh_tokens.add(token)
        return token

    def use_refresh_token(self, token: str, client_id: str) -> Session:
        """The session of a refresh token, which is used up (the caller issues the next one)."""
        self._sweep()
        grant = self.refresh.pop(token, None)
        session = self.sessions.get(grant.session_id) if grant else None
        if grant is None or session is None or grant.expires_at <= self.clock():
            raise GrantError("invalid_grant", "Session not active")
        session.refresh_tokens.discard(token)
        if session.client_id != client_id:
            raise GrantError("invalid_grant", "Invalid refresh token. Token client and authorized client don't match")
        return session

    def end_session(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is not None:
            for token in session.refresh_tokens:
                self.refresh.pop(token, None)
