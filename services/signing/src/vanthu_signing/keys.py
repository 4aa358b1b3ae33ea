"""Where keys, trust anchors and the TSA come from, per :class:`SigningSettings`."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_signing import pki
from vanthu_signing.settings import SigningSettings
from vanthu_signing.signer import KeySource, P12Key, Pkcs11Key, Tsa

log = logging.getLogger("vanthu.signing")
LABEL = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _pem_certs(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


@dataclass
class KeyRing:
    settings: SigningSettings
    roots: list[x509.Certificate]
    chain: list[x509.Certificate]
    tsa: Tsa

    @classmethod
    def load(cls, settings: SigningSettings) -> KeyRing:
        dev = Path(settings.dev_pki_dir)
        needs_dev = not (settings.trust_roots_file and settings.tsa_p12 and
                         (settings.pkcs12_dir or settings.key_backend == "pkcs11"))
        if needs_dev and not (dev / pki.ROOT_CERT).exists():
            log.warning("creating a DEVELOPMENT-ONLY PKI in %s", dev)
            pki.write(pki.generate(), dev)
        roots = _pem_certs(Path(settings.trust_roots_file) if settings.trust_roots_file else dev / pki.ROOT_CERT)
        chain = _pem_certs(Path(settings.chain_file) if settings.chain_file else dev / pki.INTERMEDIATE_CERT)
        tsa_path = Path(settings.tsa_p12) if settings.tsa_p12 else dev / pki.TSA_P12
        tsa = Tsa.from_p12(tsa_path.read_bytes(), settings.tsa_password.get_secret_value().encode())
        return cls(settings, roots, chain, tsa)

    def key(self, label: str) -> KeySource:
        if not LABEL.fullmatch(label):
            raise InvalidArgument("key_label", "1-64 characters among letters, digits, '_', '.', '-'")
        s = self.settings
        if s.key_backend == "pkcs11":
            return Pkcs11Key(s.pkcs11_module, s.pkcs11_token_label, s.pkcs11_pin.get_secret_value(), label,
                             tuple(self.chain))
        path = Path(s.pkcs12_dir or s.dev_pki_dir) / f"{label}.p12"
        if not path.exists():
            raise NotFound(f"no signing key labelled {label!r}")
        return P12Key(path.read_bytes(), s.pkcs12_password.get_secret_value().encode())
