"""Where keys, trust anchors and the timestamp authority come from, per :class:`SigningSettings` and the profile.

Outside the development profile nothing is made up: the service refuses to start (:class:`ConfigurationError`)
unless trust anchors, the chain, the keys and an RFC 3161 timestamp authority are configured. In the development
profile what is missing comes from a development PKI created once in ``dev_pki_dir``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from pydantic import SecretStr

from vanthu_core.errors import InvalidArgument, NotFound
from vanthu_signing import pki
from vanthu_signing.settings import SigningSettings
from vanthu_signing.signer import HttpTsa, KeySource, P12Key, Pkcs11Key, TimestampAuthority, Tsa, open_signer

log = logging.getLogger("vanthu.signing")
LABEL = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def common_name(name: x509.Name) -> str:
    """The name's common name (CN), or the whole name (RFC 4514) when it has none."""
    found = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


class ConfigurationError(RuntimeError):
    """The service cannot start as configured; the message names the ``VANTHU_SIGNING_*`` settings to set."""


def missing_for_production(settings: SigningSettings) -> list[str]:
    """The settings a production signing service needs and lacks (empty: it may start)."""
    missing = [name for name, value in (
        ("VANTHU_SIGNING_TRUST_ROOTS_FILE", settings.trust_roots_file),
        ("VANTHU_SIGNING_CHAIN_FILE", settings.chain_file),
        ("VANTHU_SIGNING_TSA_URL (an RFC 3161 timestamp authority)", settings.tsa_url)) if not value]
    if settings.key_backend == "pkcs11":
        if not settings.pkcs11_pin.get_secret_value():
            missing.append("VANTHU_SIGNING_PKCS11_PIN")
    else:
        if not settings.pkcs12_dir:
            missing.append("VANTHU_SIGNING_PKCS12_DIR (or VANTHU_SIGNING_KEY_BACKEND=pkcs11)")
        if not settings.pkcs12_password.get_secret_value():
            missing.append("VANTHU_SIGNING_PKCS12_PASSWORD")
    if settings.dev_profiles:
        missing.append("VANTHU_SIGNING_DEV_PROFILES=false (demo profiles are for the development profile only)")
    return missing


def _pem_certs(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


@dataclass
class KeyRing:
    settings: SigningSettings
    roots: list[x509.Certificate]
    chain: list[x509.Certificate]
    tsa: TimestampAuthority
    #: CRL files checked at signing and verification (empty: revocation is not checked).
    crl_paths: list[Path] = field(default_factory=list)
    #: The dev PKI directory whose CRLs the service re-issues before they expire (dev only).
    dev_dir: Path | None = None
    _certs: dict[str, x509.Certificate] = field(default_factory=dict, repr=False)
    _revocation: pki.Revocation | None = field(default=None, repr=False)
    _crl_stamp: tuple[float, ...] = field(default=(), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, settings: SigningSettings, *, development: bool = False) -> KeyRing:
        """The keys, anchors and timestamp authority; ``development`` (``VANTHU_PROFILE=dev``) fills what is not
        configured from the development PKI. Raises :class:`ConfigurationError` in production when something is
        missing."""
        if not development:
            missing = missing_for_production(settings)
            if missing:
                raise ConfigurationError("the signing service is not configured for production (VANTHU_PROFILE is "
                                         f"not 'dev'): set {', '.join(missing)}")
        elif not settings.pkcs12_password.get_secret_value():
            settings = settings.model_copy(update={"pkcs12_password": SecretStr(pki.DEV_P12_PASSWORD.decode())})
        dev = Path(settings.dev_pki_dir)
        needs_dev = development and not (settings.trust_roots_file and (settings.tsa_url or settings.tsa_p12) and
                                         (settings.pkcs12_dir or settings.key_backend == "pkcs11"))
        if needs_dev and not (dev / pki.ROOT_CERT).exists():
            log.warning("creating a DEVELOPMENT-ONLY PKI in %s", dev)
            pki.write(pki.generate(), dev)
        roots = _pem_certs(Path(settings.trust_roots_file) if settings.trust_roots_file else dev / pki.ROOT_CERT)
        chain = _pem_certs(Path(settings.chain_file) if settings.chain_file else dev / pki.INTERMEDIATE_CERT)
        tsa: TimestampAuthority
        if settings.tsa_url:
            tsa = HttpTsa(settings.tsa_url, settings.tsa_username, settings.tsa_user_password.get_secret_value(),
                          settings.tsa_timeout_s)
        else:
            tsa_path = Path(settings.tsa_p12) if settings.tsa_p12 else dev / pki.TSA_P12
            tsa = Tsa.from_p12(tsa_path.read_bytes(),
                               settings.tsa_password.get_secret_value().encode() or pki.DEV_P12_PASSWORD)
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

    def watched_certificates(self) -> list[tuple[str, str, x509.Certificate]]:
        """The certificates the service relies on, as (kind, name, certificate): the trust anchors ("trust_root"),
        the chain ("chain"), the local timestamp authority's ("tsa"; a remote one's is not known here) and each
        server-held key's read so far ("signing", named by its key label). Names are the CAs' common names and the
        key labels, never a person's name. What the expiry gauge (:mod:`vanthu_signing.metrics`) reports."""
        watched = [("trust_root", common_name(c.subject), c) for c in self.roots]
        watched += [("chain", common_name(c.subject), c) for c in self.chain]
        if isinstance(self.tsa, Tsa):
            watched.append(("tsa", common_name(self.tsa.cert.subject), self.tsa.cert))
        watched += [("signing", label, cert) for label, cert in sorted(self._certs.items())]
        return watched

    def loaded_crls(self) -> list[x509.CertificateRevocationList]:
        """The CRLs as last loaded (no reload: the expiry gauge reads them without touching the files)."""
        return list(self._revocation.crls) if self._revocation is not None else []

    def key(self, label: str) -> KeySource:
        if not LABEL.fullmatch(label):
            raise InvalidArgument("key_label", "phải từ 1 đến 64 ký tự gồm chữ, số, '_', '.', '-'.")
        s = self.settings
        if s.key_backend == "pkcs11":
            return Pkcs11Key(s.pkcs11_module, s.pkcs11_token_label, s.pkcs11_pin.get_secret_value(), label,
                             tuple(self.chain))
        path = Path(s.pkcs12_dir or s.dev_pki_dir) / f"{label}.p12"
        if not path.exists():
            raise NotFound(f"Không có khóa ký số mang nhãn {label!r}.")
        return P12Key(path.read_bytes(), s.pkcs12_password.get_secret_value().encode())

    def certificate(self, label: str) -> x509.Certificate:
        """The certificate of a server-held key (read once from the token or file, then cached)."""
        if label not in self._certs:
            with open_signer(self.key(label)) as signer:
                assert signer.signing_cert is not None
                self._certs[label] = pki.x509_certificate(signer.signing_cert)
        return self._certs[label]
