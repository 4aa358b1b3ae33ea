"""The development identity issuer served over real HTTP on a free port, and tokens from it."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from vanthu_core.clients import SERVICE_CLIENTS, client_id
from vanthu_core.settings import CommonSettings
from vanthu_testing.ports import free_port, join_thread, port_open, wait_until


def demo_users_file() -> Path:
    """The dev issuer's users file (usernames, subjects, agencies, roles of the demo users)."""
    from vanthu_identity.users import DEFAULT_USERS_FILE

    return DEFAULT_USERS_FILE


class DevIssuer:
    """A running dev issuer; :meth:`token` logs a demo user in with the password grant, :meth:`service_token` gets
    a service client's token (each service client of :data:`vanthu_core.clients.SERVICE_CLIENTS` has its own
    secret, as ``make dev`` gives them)."""

    def __init__(self, key_dir: Path) -> None:
        from vanthu_identity.app import create_app
        from vanthu_identity.settings import IdentitySettings

        self.port = free_port()
        self._secrets = {client: secrets.token_urlsafe(24) for client in sorted(SERVICE_CLIENTS)}
        self.settings = IdentitySettings(host="127.0.0.1", port=self.port, key_dir=key_dir,
                                         service_clients={c: SecretStr(v) for c, v in self._secrets.items()})
        self.app = create_app(self.settings)
        self.issuer = self.settings.issuer()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dev-issuer", daemon=True)
        self._cache: dict[str, str] = {}

    def start(self) -> DevIssuer:
        self.thread.start()
        wait_until(lambda: port_open(self.port), timeout_s=20, what="dev identity issuer")
        return self

    def stop(self) -> None:
        """Stop serving (the port is closed when this returns); a stopped issuer cannot be started again."""
        self.server.should_exit = True
        if self.thread.is_alive():
            join_thread(self.thread, timeout_s=10, what="the dev issuer")
        wait_until(lambda: not port_open(self.port), timeout_s=10, what="dev identity issuer stopped")

    def token(self, username: str, password: str = "vanthu-dev") -> str:  # noqa: S107 (demo users)
        """An access token of a demo user (cached per username for the session)."""
        if username not in self._cache:
            response = httpx.post(f"{self.issuer}/protocol/openid-connect/token",
                                  data={"grant_type": "password", "client_id": "vanthu-web",
                                        "username": username, "password": password})
            response.raise_for_status()
            self._cache[username] = response.json()["access_token"]
        return self._cache[username]

    @property
    def users_file(self) -> Path:
        """The users file this issuer serves (its subjects are the ``sub`` of the users' tokens)."""
        return self.settings.users_file or demo_users_file()

    def subject(self, username: str) -> str:
        """The subject (``sub``) of a demo user, as the users file gives it."""
        return str(self.app.state.users[username].subject)

    def client_secret(self, client_id: str) -> str:
        """The secret of one service client (``vanthu-registry``…)."""
        return self._secrets[client_id]

    def service_token(self, client_id: str) -> str:
        """An access token of the service client ``client_id`` (cached for the session)."""
        key = f"client:{client_id}"
        if key not in self._cache:
            response = httpx.post(f"{self.issuer}/protocol/openid-connect/token",
                                  data={"grant_type": "client_credentials", "client_id": client_id,
                                        "client_secret": self.client_secret(client_id)})
            response.raise_for_status()
            self._cache[key] = str(response.json()["access_token"])
        return self._cache[key]

    def service_settings(self, service: str, **overrides: Any) -> CommonSettings:
        """The shared settings of one service process (``registry``, ``signing``…) as the launcher gives them: this
        issuer, the service's own client and secret, the development profile, events off unless ``overrides`` say
        otherwise."""
        client = client_id(service)
        values: dict[str, Any] = {"oidc_issuer": self.issuer, "events_enabled": False, "profile": "dev",
                                  "service_client_id": client,
                                  "service_client_secret": SecretStr(self.client_secret(client))}
        return CommonSettings(**{**values, **overrides})


@pytest.fixture(scope="session")
def dev_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIssuer]:
    issuer = DevIssuer(tmp_path_factory.mktemp("identity") / "keys").start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture
def own_dev_issuer(tmp_path: Path) -> Iterator[DevIssuer]:
    """A dev issuer for one test, which the test may stop (an identity-provider outage); the shared
    ``dev_issuer`` must keep running for the others."""
    issuer = DevIssuer(tmp_path / "identity-keys").start()
    try:
        yield issuer
    finally:
        issuer.stop()


@pytest.fixture
def token_for(dev_issuer: DevIssuer) -> Callable[[str], str]:
    """``token_for("vanthu.ubnd")`` → a bearer token of that demo user."""
    return dev_issuer.token
