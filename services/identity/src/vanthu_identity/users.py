"""Demo users and clients of the dev issuer."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from vanthu_core.text import nfc

DEFAULT_USERS_FILE = Path(__file__).with_name("demo_users.yaml")
_NAMESPACE = uuid.UUID("6f1c8e0a-2b9d-4b7e-9a51-0c3d2e4f5a61")


@dataclass(frozen=True)
class User:
    username: str
    name: str
    agency: str
    roles: tuple[str, ...]
    password_hash: bytes
    salt: bytes

    @property
    def subject(self) -> str:
        """Stable per username, like Keycloak's user id."""
        return str(uuid.uuid5(_NAMESPACE, self.username))

    def check_password(self, password: str) -> bool:
        return hmac.compare_digest(_hash(password, self.salt), self.password_hash)


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**12, r=8, p=1)


def load_users(path: Path | None = None) -> dict[str, User]:
    data = yaml.safe_load((path or DEFAULT_USERS_FILE).read_text(encoding="utf-8"))
    default_password = str(data.get("password", ""))
    users: dict[str, User] = {}
    for entry in data["users"]:
        salt = os.urandom(16)
        password = str(entry.get("password", default_password))
        user = User(username=entry["username"], name=nfc(entry["name"]), agency=entry["agency"],
                    roles=tuple(entry["roles"]), password_hash=_hash(password, salt), salt=salt)
        users[user.username] = user
    return users
