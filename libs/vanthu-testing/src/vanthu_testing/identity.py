"""The development identity issuer served over real HTTP on a free port, and tokens from it."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from vanthu_testing.ports import free_port, port_open, wait_until


class DevIssuer:
    """A running dev issuer; :meth:`token` logs a demo user in with the password grant."""

    def __init__(self, key_dir: Path) -> None:
        from vanthu_identity.app import create_app
        from vanthu_identity.settings import IdentitySettings

        self.port = free_port()
        self.service_secret = secrets.token_urlsafe(24)
        self.settings = IdentitySettings(host="127.0.0.1", port=self.port, key_dir=key_dir,
                                         service_client_secret=self.service_secret)
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
            self.thread.join(timeout=10)
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

    def service_token(self) -> str:
        response = httpx.post(f"{self.issuer}/protocol/openid-connect/token",
                              data={"grant_type": "client_credentials", "client_id": "vanthu-services",
                                    "client_secret": self.service_secret})
        response.raise_for_status()
        return str(response.json()["access_token"])


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
