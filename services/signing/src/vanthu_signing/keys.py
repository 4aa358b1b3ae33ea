"""Where keys, trust anchors and the TSA come from, per :class:`SigningSettings`."""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_signing import pki
from vanthu_signing.settings import SigningSettings
from vanthu_signing.signer import KeySource, P12Key, Pkcs11Key, Tsa, open_signer

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
    #: CRL files checked at signing and verification (empty: revocation is not checked).
    crl_paths: list[Path] = field(default_factory=list)
    #: The dev PKI directory whose CRLs the service re-issues before they expire (dev only).
    dev_dir: Path | None = None
    _certs: dict[str, x509.Certificate] = field(default_factory=dict, repr=False)
    _revocation: pki.Revocation | None = field(default=None, repr=False)
    _crl_stamp: tuple[float, ...] = field(default=(), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        crl_paths: list[Path] = []
        dev_dir = None
        if settings.revocation_check:
            if settings.crl_files:
                crl_paths = [Path(p) for p in settings.crl_files.split(os.pathsep) if p]
            elif not settings.trust_roots_file:
                if (dev / pki.ROOT_KEY).exists():
                    dev_dir = dev
                    crl_paths = [dev / pki.ROOT_CRL, dev / pki.INTERMEDIATE_CRL]
                else:
                    log.warning("the dev PKI in %s predates CRLs: revocation is not checked (delete it to "
                                "regenerate)", dev)
            else:
                log.warning("no VANTHU_SIGNING_CRL_FILES: revocation is not checked and signatures stay PAdES B-T")
        ring = cls(settings, roots, chain, tsa, crl_paths, dev_dir)
        ring.revocation()  # fail at start, not at the first signing, when a CRL file is unreadable
        return ring

    def revocation(self) -> pki.Revocation | None:
        """The CRLs to check and embed, reloaded when their files change (the dev CRLs re-issued near expiry)."""
        if not self.crl_paths:
            return None
        with self._lock:
            if self.dev_dir is not None and pki.crls_expiring(self.dev_dir):
                log.warning("re-issuing the DEVELOPMENT CRLs in %s", self.dev_dir)
                pki.reissue_crls(self.dev_dir)
            stamp = tuple(p.stat().st_mtime for p in self.crl_paths)
            if self._revocation is None or stamp != self._crl_stamp:
                self._revocation = pki.Revocation.from_files(self.crl_paths, self.roots)
                self._crl_stamp = stamp
                log.info("loaded %d CRL(s)", len(self._revocation.crls))
            return self._revocation

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

    def certificate(self, label: str) -> x509.Certificate:
        """The certificate of a server-held key (read once from the token or file, then cached)."""
        if label not in self._certs:
            with open_signer(self.key(label)) as signer:
                assert signer.signing_cert is not None
                self._certs[label] = pki.x509_certificate(signer.signing_cert)
        return self._certs[label]
