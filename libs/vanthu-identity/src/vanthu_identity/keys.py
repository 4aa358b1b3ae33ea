"""Signing keys of the dev issuer, kept as PEM files so tokens survive a restart; rotation adds a key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk


def _kid(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")


class KeyStore:
    """Keys in ``key_dir`` named by creation order; the newest signs, all are published in the JWKS."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self.keys: list[SigningKey] = []
        self.load()
        if not self.keys:
            self.rotate()

    def load(self) -> None:
        self.keys = []
        if not self.key_dir.exists():
            return
        for path in sorted(self.key_dir.glob("*.pem")):
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(key, rsa.RSAPrivateKey):
                self.keys.append(SigningKey(_kid(key), key))

    @property
    def active(self) -> SigningKey:
        return self.keys[-1]

    def rotate(self) -> SigningKey:
        """Create a new key that signs from now on; older keys stay published until removed."""
        self.key_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path = self.key_dir / f"{len(self.keys):04d}-{_kid(key)}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        signing_key = SigningKey(_kid(key), key)
        self.keys.append(signing_key)
        return signing_key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.keys]}
