"""Demo users and clients of the dev issuer."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from vanthu_core.text import nfc

DEFAULT_USERS_FILE = Path(__file__).with_name("demo_users.yaml")


@dataclass(frozen=True)
class User:
    """A demo user. ``subject`` is the ``sub`` of their tokens (Keycloak's user ID), given in the users file: it is
    what signing profiles are bound to, so it never follows the username."""

    username: str
    subject: str
    name: str
    agency: str
    roles: tuple[str, ...]
    password_hash: bytes
    salt: bytes

    def check_password(self, password: str) -> bool:
        return hmac.compare_digest(_hash(password, self.salt), self.password_hash)


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**12, r=8, p=1)


def load_users(path: Path | None = None) -> dict[str, User]:
    data = yaml.safe_load((path or DEFAULT_USERS_FILE).read_text(encoding="utf-8"))
    default_password = str(data.get("password", ""))
    users: dict[str, User] = {}
    subjects: set[str] = set()
    for entry in data["users"]:
        salt = os.urandom(16)
        password = str(entry.get("password", default_password))
        subject = str(entry.get("subject") or "")
        if not subject or subject in subjects:
            raise ValueError(f"users file: {entry.get('username')!r} needs a subject of its own (a UUID)")
        subjects.add(subject)
        user = User(username=entry["username"], subject=subject, name=nfc(entry["name"]), agency=entry["agency"],
                    roles=tuple(entry["roles"]), password_hash=_hash(password, salt), salt=salt)
        users[user.username] = user
    return users
