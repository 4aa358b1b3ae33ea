"""The people of an agency as the identity provider knows them (read only; issue 13, item 0).

User accounts are the identity provider's: no VanThu component creates, changes or deletes one, and none holds the
rights to. The registry reads them to show an agency's people and to put them in units (:mod:`domain.units`):

- **embedded mode** (``make dev``, the tests): the development issuer's users file (``users: [{username, subject,
  name, agency, roles, title}]``, ``VANTHU_REGISTRY_USERS_FILE``; ``make dev`` gives the registry the same file as the
  issuer);
- **scale mode**: Keycloak's admin REST API through python-keycloak, as a confidential client whose service account
  holds ``realm-management``'s ``view-users`` role and nothing else (``VANTHU_REGISTRY_KEYCLOAK_URL``, ``…_REALM``,
  ``…_CLIENT_ID``, ``…_CLIENT_SECRET``; see ``docs/people-directory.md``). A person's agency is the ``agency`` user
  attribute the tokens' ``agency`` claim comes from; users are searched with ``q=agency:<code>`` and the answer is
  filtered on the attribute again, so a looser search on the server side never lets another agency's people in.
  A person's chức vụ is the ``title`` user attribute (declared in the realm's user profile, edited by administrators).
  Each person's roles are their effective realm roles (``GET /users/{id}/role-mappings/realm/composite``, which
  ``view-users`` allows), kept to VanThu's own (:data:`ROLES`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import yaml

from vanthu_core.errors import FailedPrecondition, Unavailable
from vanthu_core.text import fold, nfc


@dataclass(frozen=True)
class Person:
    subject: str
    username: str
    name: str
    agency_code: str
    email: str = ""
    enabled: bool = True
    #: VanThu's roles the identity provider grants the person (a subset of :data:`ROLES`), sorted.
    roles: tuple[str, ...] = field(default_factory=tuple)
    #: The person's position or title (chức vụ: "Chủ tịch", "Giám đốc", "Chuyên viên"), NFC, "" when not given:
    #: the users file's ``title``, Keycloak's ``title`` user attribute. The draft form fills the signer's title with it.
    title: str = ""


#: The realm roles VanThu gives meaning to (the tokens' ``roles`` claim); any other role a person holds is not ours.
ROLES = frozenset({"clerk", "leader", "head", "officer", "archivist", "admin"})


def our_roles(names: object) -> tuple[str, ...]:
    """The VanThu roles among ``names`` (any iterable of role names; anything else gives none), sorted."""
    if not isinstance(names, (list, tuple, set, frozenset)):
        return ()
    return tuple(sorted({str(n) for n in names} & ROLES))


class PeopleDirectory(Protocol):
    """Where the people of an agency come from."""

    async def people(self, agency_code: str) -> list[Person]: ...


def matching(people: list[Person], text: str) -> list[Person]:
    """The people whose name or username holds every word of ``text`` (with or without diacritics)."""
    words = fold(text).split()
    return [p for p in people if all(w in fold(f"{p.name} {p.username}") for w in words)]


async def find_person(directory: PeopleDirectory, agency_code: str, subject: str) -> Person | None:
    return next((p for p in await directory.people(agency_code) if p.subject == subject), None)


class NoDirectory:
    """No people directory configured: listing people and setting members are refused, saying what to set."""

    async def people(self, agency_code: str) -> list[Person]:
        raise FailedPrecondition("Chưa cấu hình danh bạ cán bộ (VANTHU_REGISTRY_USERS_FILE hoặc "
                                 "VANTHU_REGISTRY_KEYCLOAK_URL và client): báo quản trị hệ thống.")


class UsersFileDirectory:
    """The development issuer's users file, read again when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: tuple[float, list[Person]] | None = None

    def _read(self) -> list[Person]:
        stamp = self.path.stat().st_mtime
        if self._loaded is None or self._loaded[0] != stamp:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            people = [Person(subject=str(u["subject"]), username=str(u["username"]), name=nfc(str(u.get("name", ""))),
                             agency_code=str(u.get("agency", "")), email=str(u.get("email", "")),
                             roles=our_roles(u.get("roles")), title=nfc(str(u.get("title") or "")).strip())
                      for u in data.get("users", []) if isinstance(u, dict) and u.get("subject")]
            self._loaded = (stamp, people)
        return self._loaded[1]

    async def people(self, agency_code: str) -> list[Person]:
        people = await asyncio.to_thread(self._read)
        return sorted((p for p in people if p.agency_code == agency_code), key=lambda p: p.username)


def person_of(user: dict[str, Any]) -> Person:
    """A Keycloak UserRepresentation as a :class:`Person`."""
    attributes = user.get("attributes") or {}
    agency = attributes.get("agency") or [""]
    title = attributes.get("title") or [""]
    name = " ".join(part for part in (user.get("lastName"), user.get("firstName")) if part)  # họ trước tên
    return Person(subject=str(user["id"]), username=str(user.get("username", "")), name=nfc(name),
                  agency_code=str(agency[0] if isinstance(agency, list) else agency),
                  email=str(user.get("email") or ""), enabled=bool(user.get("enabled", True)),
                  title=nfc(str(title[0] if isinstance(title, list) else title)).strip())


class KeycloakDirectory:
    """Keycloak's users through python-keycloak, with a view-only service account (``view-users``).

    Answers are kept ``cache_s`` seconds per agency, so a page of units does not ask Keycloak for every row.
    """

    #: At most this many role-mapping reads at once (one per person of the agency).
    CONCURRENCY = 8

    def __init__(self, server_url: str, realm: str, client_id: str, client_secret: str, *,
                 cache_s: float = 30.0, timeout_s: int = 10) -> None:
        from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

        connection = KeycloakOpenIDConnection(server_url=server_url, realm_name=realm, client_id=client_id,
                                              client_secret_key=client_secret, timeout=timeout_s)
        self.admin = KeycloakAdmin(connection=connection)
        self.cache_s = cache_s
        self._cache: dict[str, tuple[float, list[Person]]] = {}

    async def people(self, agency_code: str) -> list[Person]:
        from keycloak.exceptions import KeycloakError

        cached = self._cache.get(agency_code)
        if cached is not None and time.monotonic() - cached[0] < self.cache_s:
            return cached[1]
        try:
            users = await self.admin.a_get_users({"q": f"agency:{agency_code}", "briefRepresentation": "false"})
        except KeycloakError as error:
            raise Unavailable(f"Hệ thống xác thực không trả lời danh bạ cán bộ ({error}): hãy thử lại sau "
                              "ít phút.") from error
        people = sorted((p for p in map(person_of, users) if p.agency_code == agency_code), key=lambda p: p.username)
        gate = asyncio.Semaphore(self.CONCURRENCY)

        async def with_roles(person: Person) -> Person:
            async with gate:
                try:
                    granted = await self.admin.a_get_composite_realm_roles_of_user(person.subject)
                except KeycloakError as error:
                    raise Unavailable(f"Hệ thống xác thực không trả lời vai trò của cán bộ ({error}): hãy thử lại sau "
                                      "ít phút.") from error
            names = [r.get("name") for r in granted if isinstance(r, dict)] if isinstance(granted, list) else []
            return replace(person, roles=our_roles(names))

        people = list(await asyncio.gather(*(with_roles(p) for p in people)))
        self._cache[agency_code] = (time.monotonic(), people)
        return people
