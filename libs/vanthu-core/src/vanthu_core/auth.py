"""Who is calling: JWT verification against the issuer's JWKS, and the typed principal.

Every service checks the caller's token itself (not only the gateway). The same code validates the
development issuer's tokens and Keycloak's: only the issuer URL changes.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from vanthu_core.clients import SERVICE_CLIENTS, service_account
from vanthu_core.errors import PermissionDenied, Unauthenticated
from vanthu_core.jwks import IssuerKeys
from vanthu_core.labels import role_names

log = logging.getLogger("vanthu.auth")

#: Roles of people (văn thư, lãnh đạo, trưởng đơn vị, chuyên viên, lưu trữ, quản trị). Services hold none: they
#: are told apart by client id (:mod:`vanthu_core.clients`), never by a role a token could carry.
ROLES = frozenset({"clerk", "leader", "head", "officer", "archivist", "admin"})
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass(frozen=True)
class Principal:
    """The acting user or service, as its verified token says.

    ``client_id`` is the client the token was issued to (``azp``): ``vanthu-web`` for people, the service's own
    client for a service. ``service`` is true for a service client's own token (see :func:`principal_from_claims`).
    """

    subject: str
    username: str
    name: str
    agency: str | None
    roles: frozenset[str]
    token: str = field(repr=False)
    client_id: str = ""
    service: bool = False

    @property
    def is_service(self) -> bool:
        """A service client of ours acting on nobody's behalf (it holds no person role and no agency)."""
        return self.service

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        """Raise :class:`PermissionDenied` unless the principal holds one of ``roles``."""
        if not self.has_any_role(*roles):
            raise PermissionDenied(f"Đồng chí không có quyền làm việc này: cần vai trò {role_names(roles)}.")

    def require_client(self, *client_ids: str) -> None:
        """Raise :class:`PermissionDenied` unless the caller is one of these service clients."""
        if not self.service or self.client_id not in client_ids:
            who = f"Dịch vụ {self.client_id}" if self.service else "Người dùng"
            raise PermissionDenied(f"{who} không được làm việc này: chỉ dịch vụ {', '.join(sorted(client_ids))} được "
                                   "làm.")

    def require_agency(self, agency_code: str) -> None:
        """Tenancy: a person acts only for their own agency. A service acts for an agency only where the callee's
        own grant for its client id says so, so this refuses services."""
        if self.service:
            raise PermissionDenied(f"Dịch vụ {self.client_id} không được thay mặt cơ quan {agency_code} ở đây.")
        if self.agency != agency_code:
            raise PermissionDenied("Dữ liệu này thuộc cơ quan khác: đồng chí chỉ xem và xử lý được văn bản của cơ "
                                   "quan mình.")


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("vanthu_principal", default=None)


def current_principal() -> Principal:
    """The principal of the call being served; raises :class:`Unauthenticated` outside an authenticated call."""
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("Chưa đăng nhập: hãy đăng nhập rồi thử lại.")
    return principal


def optional_principal() -> Principal | None:
    return _current.get()


def set_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _current.set(principal)


def reset_principal(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)


def principal_from_claims(claims: dict[str, Any], token: str) -> Principal:
    """The principal of verified claims.

    A token is a service's when it was issued to one of our service clients (``azp`` in
    :data:`~vanthu_core.clients.SERVICE_CLIENTS`) for that client's own service account (``preferred_username``
    ``service-account-<client id>``, no ``agency``): a person who somehow logged in through a service client stays a
    person. A service holds no person role whatever its token lists.
    """
    client = str(claims.get("azp") or claims.get("client_id") or "")
    agency = claims.get("agency")
    username = str(claims.get("preferred_username", claims["sub"]))
    service = client in SERVICE_CLIENTS and not agency and username == service_account(client)
    roles_claim = claims.get("realm_access", {}).get("roles", [])
    roles = frozenset() if service else frozenset(r for r in roles_claim if isinstance(r, str) and r in ROLES)
    return Principal(
        subject=str(claims["sub"]),
        username=username,
        name=str(claims.get("name", claims.get("preferred_username", ""))),
        agency=str(agency) if agency else None,
        roles=roles,
        token=token,
        client_id=client,
        service=service,
    )


class JwksVerifier:
    """Verify bearer tokens of one issuer.

    Keys come from the issuer's OIDC discovery document through :class:`~vanthu_core.jwks.IssuerKeys`: cached,
    refreshed in the background when they age, refetched on an unknown ``kid`` at most every ``min_refresh_s``
    (so key rotation works without a restart and floods of made-up key ids cannot hammer the issuer). When the
    keys cannot be had, :meth:`verify` raises :class:`~vanthu_core.errors.Unavailable` (503), not a 401.
    """

    #: Verified tokens are remembered (by their full text) for at most this long and never past their expiry,
    #: so a client's repeated calls skip the signature check; bounded to ``VERIFIED_CACHE_SIZE`` tokens.
    VERIFIED_CACHE_S = 60.0
    VERIFIED_CACHE_SIZE = 4096

    def __init__(self, issuer: str, *, audience: str | None = None, cache_ttl_s: float = 300.0,
                 min_refresh_s: float = 5.0, max_stale_s: float = 24 * 3600.0, leeway_s: float = 30.0,
                 http: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience or None
        self.leeway_s = leeway_s
        self.keys = IssuerKeys(self.issuer, cache_ttl_s=cache_ttl_s, min_refresh_s=min_refresh_s,
                               max_stale_s=max_stale_s, http=http, clock=clock)
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """Return the principal of a valid token; raise :class:`Unauthenticated` for a token that is not valid and
        :class:`~vanthu_core.errors.Unavailable` when the issuer's keys cannot be had to tell."""
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached[1]:
                return cached[0]
            del self._verified[token]
        principal, expires = await self._verify(token)
        self._verified[token] = (principal, min(expires, time.time() + self.VERIFIED_CACHE_S))
        if len(self._verified) > self.VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("Mã xác thực không đúng dạng JWT: hãy đăng nhập lại.") from exc
        kid = header.get("kid")
        if header.get("alg") not in ALGORITHMS or not kid:
            raise Unauthenticated("Mã xác thực không được chấp nhận (thuật toán ký hoặc mã khóa không hợp lệ): hãy "
                                  "đăng nhập lại.")
        key = await self.keys.key(str(kid))
        try:
            claims = jwt.decode(
                token, key=key, algorithms=ALGORITHMS, issuer=self.issuer, leeway=self.leeway_s,
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"Phiên đăng nhập không hợp lệ hoặc đã hết hạn ({exc}): hãy đăng nhập lại.") from exc
        if self.audience and not _audience_matches(claims, self.audience):
            raise Unauthenticated("Mã xác thực không được cấp cho VanThu: hãy đăng nhập lại qua VanThu.")
        return principal_from_claims(claims, token), float(claims["exp"])

    async def aclose(self) -> None:
        await self.keys.aclose()


def _audience_matches(claims: dict[str, Any], audience: str) -> bool:
    aud = claims.get("aud", [])
    auds: Iterable[str] = [aud] if isinstance(aud, str) else aud
    return audience in auds or claims.get("azp") == audience


def bearer_token(authorization: str | None) -> str:
    """Extract the token from an ``Authorization: Bearer …`` value."""
    if not authorization:
        raise Unauthenticated("Chưa đăng nhập (yêu cầu thiếu mã xác thực Authorization: Bearer): hãy đăng nhập rồi "
                              "thử lại.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Mã xác thực không đúng dạng (cần tiêu đề Authorization: Bearer <mã>): hãy đăng nhập "
                              "lại.")
    return token.strip()
