"""Driving a running platform through its gateway, as the e2e tests do: tokens from the dev issuer, a draft with
its file, the issuing circuit, waiting for what the bus delivers, and reading deliveries and arrivals; and, for the
gateway's own integration tests, its app in process (:func:`asgi_client`, :func:`users_of`).

One place for these steps (e2e modules cannot import one another); each asserts the HTTP status it expects and
shows the answer's text when it is another, so a failing scenario says which step broke.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

#: The demo users' password on the development issuer (``libs/vanthu-identity``'s demo users file).
DEV_PASSWORD = "vanthu-dev"  # noqa: S105 - the demo users' published password, development only
#: The demo UBND tỉnh's officer, leader and clerk: the issuing circuit's three people.
UBND_CIRCUIT = ("chuyenvien.ubnd", "lanhdao.ubnd", "vanthu.ubnd")

Headers = dict[str, str]


def bearer(token: str) -> Headers:
    """``{"Authorization": "Bearer <token>"}``."""
    return {"Authorization": f"Bearer {token}"}


def asgi_client(app: Any, token: str, *, timeout_s: float = 60) -> httpx.AsyncClient:
    """A client of the gateway's ASGI ``app`` in this process (base URL ``http://gateway``) carrying ``token``."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=timeout_s,
                             headers=bearer(token))


@asynccontextmanager
async def users_of(app: Any, token: Callable[[str], str]) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Run the gateway ``app``'s lifespan and yield ``as_user(username)`` → an :func:`asgi_client` with that demo
    user's token (``token``: e.g. ``DevIssuer.token``); every client made is closed before the lifespan ends."""
    clients: list[httpx.AsyncClient] = []

    def as_user(username: str) -> httpx.AsyncClient:
        clients.append(asgi_client(app, token(username)))
        return clients[-1]

    async with app.router.lifespan_context(app):
        try:
            yield as_user
        finally:
            for client in clients:
                await client.aclose()


def token_of(issuer: str, username: str, *, password: str = DEV_PASSWORD, client_id: str = "vanthu-web") -> str:
    """An access token for a demo user from the dev issuer at ``issuer`` (password grant). :raises httpx.HTTPError:"""
    reply = httpx.post(f"{issuer}/protocol/openid-connect/token",
                       data={"grant_type": "password", "client_id": client_id, "username": username,
                             "password": password})
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def logins(issuer: str) -> Callable[[str], Headers]:
    """``login("vanthu.ubnd")`` → that user's Authorization headers, one token per user for the caller's lifetime."""
    cache: dict[str, Headers] = {}

    def login(username: str) -> Headers:
        if username not in cache:
            cache[username] = bearer(token_of(issuer, username))
        return cache[username]

    return login


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 60.0, interval_s: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy, and return that.

    A ``LookupError`` from ``check`` (a delivery, a status, a key not there yet: the platform works asynchronously)
    is a "not yet", like a falsy value.

    :raises AssertionError: after ``timeout_s`` seconds, naming ``what`` and the last value or lookup error seen.
    """
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        try:
            last = check()
        except LookupError as missing:
            last = missing
        else:
            if last:
                return last
        time.sleep(interval_s)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s (last seen: {last!r})")


def upload(api: httpx.Client, who: Headers, content: bytes, file_name: str = "Dự thảo công văn.pdf",
           content_type: str = "application/pdf") -> str:
    """Store a file for the caller's agency; its object id."""
    up = api.post("/api/v1/files", headers=who, files={"file": (file_name, content, content_type)})
    assert up.status_code == 201, up.text
    return str(up.json()["object"]["object_id"])


def draft_with_file(api: httpx.Client, officer: Headers, pdf: bytes, abstract: str,
                    recipients: list[dict[str, str]], *, type_code: str = "cong_van",
                    unit_abbreviation: str = "VP") -> dict[str, Any]:
    """An outgoing draft with ``pdf`` as its main file; the document as the gateway answers it."""
    created = api.post("/api/v1/documents", headers=officer, json={
        "type_code": type_code, "abstract": abstract, "unit_abbreviation": unit_abbreviation,
        "recipients": recipients, "files": [{"object_id": upload(api, officer, pdf), "role": "main"}]})
    assert created.status_code == 201, created.text
    return dict(created.json())


def general_register(api: httpx.Client, clerk: Headers) -> dict[str, str]:
    """``{"register_id": …}`` of the agency's general outgoing register (the one no document type is bound to)."""
    reply = api.get("/api/v1/registers", headers=clerk, params={"direction": "outgoing"})
    assert reply.status_code == 200, reply.text
    return {"register_id": next(r["id"] for r in reply.json() if not r["type_codes"])}


def submit_sign_issue(api: httpx.Client, document: dict[str, Any], officer: Headers, leader: Headers,
                      clerk: Headers) -> dict[str, Any]:
    """The officer submits ``document``, the leader signs it and the clerk issues it in the general register; the
    issued document."""
    assert api.post(f"/api/v1/documents/{document['id']}/submit", headers=officer).status_code == 200
    signed = api.post(f"/api/v1/documents/{document['id']}/sign", headers=leader, timeout=120)
    assert signed.status_code == 200, signed.text
    issued = api.post(f"/api/v1/documents/{document['id']}/issue", headers=clerk, timeout=120,
                      json=general_register(api, clerk))
    assert issued.status_code == 200, issued.text
    return dict(issued.json())


def issue_letter(api: httpx.Client, login: Callable[[str], Headers], pdf: bytes, abstract: str,
                 recipients: list[dict[str, str]], circuit: tuple[str, str, str] = UBND_CIRCUIT) -> dict[str, Any]:
    """A letter drafted, signed and issued by ``circuit`` (officer, leader, clerk usernames) to ``recipients``."""
    officer, leader, clerk = (login(u) for u in circuit)
    return submit_sign_issue(api, draft_with_file(api, officer, pdf, abstract, recipients), officer, leader, clerk)


def deliveries(api: httpx.Client, sender: Headers, document_id: str) -> dict[str, dict[str, Any]]:
    """The sender's deliveries of a document by recipient agency code (``GET /documents/{id}/deliveries``)."""
    reply = api.get(f"/api/v1/documents/{document_id}/deliveries", headers=sender)
    assert reply.status_code == 200, reply.text
    return {d["recipient_code"]: d for d in reply.json()}


def statuses(api: httpx.Client, sender: Headers, document_id: str) -> dict[str, list[str]]:
    """The status codes each recipient sent back, in order (``{"000.00.02.H61": ["01", "03"]}``)."""
    return {code: [s["code"] for s in d["statuses"]] for code, d in deliveries(api, sender, document_id).items()}


def arrivals(api: httpx.Client, clerk: Headers, sender: str, number_symbol: str,
             status: str | None = None) -> list[dict[str, Any]]:
    """The clerk's incoming documents from ``sender`` bearing ``number_symbol`` (optionally in one status)."""
    params = {"direction": "incoming", "issuing_agency_code": sender} | ({"status": status} if status else {})
    found = api.get("/api/v1/documents", headers=clerk, params=params)
    assert found.status_code == 200, found.text
    return [d for d in found.json()["items"] if d["number_symbol"] == number_symbol]
