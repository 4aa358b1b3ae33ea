"""Development PKI made with ``cryptography``: root CA, intermediate CA, a personal certificate,
an organisation certificate and a TSA certificate. Every name carries ``OU=VanThu DEVELOPMENT ONLY``.

Revocation is published as CRLs only (no OCSP responder): the root's CRL covers the intermediate and the
intermediate's CRL covers the end-entity certificates. Issued certificates carry no CRL distribution point;
CRLs are handed to signing and verification explicitly (:class:`Revocation`), so everything works offline.

Nothing here is fit for production: the keys are unencrypted in PKCS#12 files protected by a
well-known password, and the whole chain is generated on demand.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import InsufficientRevinfoError, RevokedError

from vanthu_core.errors import FailedPrecondition

DEV_OU = "VanThu DEVELOPMENT ONLY"
DEV_P12_PASSWORD = b"vanthu-dev"  # development-only
PERSONAL_NAME = "Nguyễn Văn Hưởng"
PERSONAL_TITLE = "Chủ tịch"
AGENCY_NAME = "Ủy ban nhân dân tỉnh Vĩnh Long"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEV_TOKEN = "vanthu-dev"  # noqa: S105 - development token label
DEV_PIN = "123456"
DEV_SO_PIN = "12345678"

# file names inside a dev-PKI directory
ROOT_CERT = "root.crt"
INTERMEDIATE_CERT = "intermediate.crt"
PERSONAL_P12 = "personal.p12"
AGENCY_P12 = "agency.p12"
TSA_P12 = "tsa.p12"
ROOT_KEY = "root.key"
INTERMEDIATE_KEY = "intermediate.key"
ROOT_CRL = "root.crl"  # PEM
INTERMEDIATE_CRL = "intermediate.crl"  # PEM
ROLES = ("personal", "agency", "tsa")
#: How long a development CRL stays current (its nextUpdate); strict checking refuses an outdated CRL.
DEV_CRL_DAYS = 30


@dataclass
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------------- revocation (CRLs)


@dataclass(frozen=True)
class RevokedEntry:
    """One line of a CRL."""

    serial: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise

    @classmethod
    def of(cls, cert: x509.Certificate | Issued, revoked_at: dt.datetime | None = None,
           reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise) -> RevokedEntry:
        """An entry for ``cert``, revoked at ``revoked_at`` (default: a minute before the clock's now)."""
        c = cert.cert if isinstance(cert, Issued) else cert
        return cls(c.serial_number, revoked_at or _now() - dt.timedelta(minutes=1), reason)


def issue_crl(issuer: Issued, revoked: Iterable[RevokedEntry] = (), *, number: int = 1,
              this_update: dt.datetime | None = None, next_update: dt.datetime | None = None,
              days: int = DEV_CRL_DAYS, now: dt.datetime | None = None) -> x509.CertificateRevocationList:
    """A CRL signed by ``issuer`` listing ``revoked`` (serial, revocation time, reason).

    ``this_update`` defaults to five minutes before ``now`` (default: the clock's now), ``next_update`` to
    ``days`` after ``this_update``; a revocation time later than ``this_update`` is recorded as ``this_update``.
    """
    tu = this_update or (now or _now()) - dt.timedelta(minutes=5)
    nu = next_update or tu + dt.timedelta(days=days)
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(issuer.cert.subject)
               .last_update(tu)
               .next_update(nu)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                              critical=False))
    for entry in revoked:
        rb = (x509.RevokedCertificateBuilder().serial_number(entry.serial)
              .revocation_date(min(entry.revoked_at, tu)))
        if entry.reason is not None and entry.reason != x509.ReasonFlags.unspecified:
            rb = rb.add_extension(x509.CRLReason(entry.reason), critical=False)
        builder = builder.add_revoked_certificate(rb.build())
    return builder.sign(issuer.key, hashes.SHA256())


def crl_entries(crl: x509.CertificateRevocationList) -> list[RevokedEntry]:
    """The revoked certificates listed in a CRL (to carry them into a re-issued CRL)."""
    out = []
    for rc in crl:
        try:
            reason: x509.ReasonFlags | None = rc.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            reason = None
        out.append(RevokedEntry(rc.serial_number, rc.revocation_date_utc, reason))
    return out


def _crl_number(crl: x509.CertificateRevocationList | None) -> int:
    if crl is None:
        return 0
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return 0


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """One DER CRL, or any number of PEM CRLs (``-----BEGIN X509 CRL-----``) in one file."""
    if b"-----BEGIN X509 CRL-----" not in data:
        return [x509.load_der_x509_crl(data)]
    marker = b"-----END X509 CRL-----"
    return [x509.load_pem_x509_crl(part + marker) for part in data.split(marker) if b"-----BEGIN" in part]


def asn1_certificate(cert: x509.Certificate) -> asn1_x509.Certificate:
    """``cryptography``'s certificate as asn1crypto's (what pyHanko and its validator take)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def x509_certificate(cert: asn1_x509.Certificate) -> x509.Certificate:
    """asn1crypto's certificate (from pyHanko) as ``cryptography``'s."""
    return x509.load_der_x509_certificate(cert.dump())


@dataclass(frozen=True)
class RevocationStatus:
    status: str  # "good" | "revoked" | "unknown"
    revoked_at: dt.datetime | None = None
    reason: str | None = None


@dataclass
class Revocation:
    """Revocation data handed to signing (B-LT: embedded in the /DSS) and to verification (strict: "require" mode).

    ``trust_roots`` are needed when signing, to build the validation paths whose revocation data is embedded.
    """

    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    trust_roots: list[x509.Certificate] = field(default_factory=list)

    @classmethod
    def from_files(cls, paths: Iterable[Path], trust_roots: Sequence[x509.Certificate] = ()) -> Revocation:
        crls: list[x509.CertificateRevocationList] = []
        for path in paths:
            crls += load_crls(Path(path).read_bytes())
        return cls(crls, list(trust_roots))

    def asn1_crls(self) -> list[asn1_crl.CertificateList]:
        return [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER)) for c in self.crls]

    def asn1_roots(self) -> list[asn1_x509.Certificate]:
        return [asn1_certificate(c) for c in self.trust_roots]

    def status(self, cert: x509.Certificate, issuers: Iterable[x509.Certificate]) -> RevocationStatus:
        """The status of ``cert`` in the CRLs signed by its issuer (one of ``issuers`` or a trust root).

        CRLs are matched by issuer name *and* signature, so a CRL of another CA with the same name is ignored.
        """
        keys = [i.public_key() for i in [*issuers, *self.trust_roots] if i.subject == cert.issuer]
        covered = False
        for crl in self.crls:
            if crl.issuer != cert.issuer or not any(_crl_signed_by(crl, k) for k in keys):
                continue
            covered = True
            rc = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if rc is not None:
                try:
                    reason = rc.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
                except x509.ExtensionNotFound:
                    reason = None
                return RevocationStatus("revoked", rc.revocation_date_utc, reason)
        return RevocationStatus("good" if covered else "unknown")

    def validation_context(self) -> ValidationContext:
        """Offline and strict: every non-root certificate of a path must be covered by a current CRL of its issuer.

        pyhanko-certvalidator's "hard-fail" only checks certificates that declare a CRL distribution point or an
        OCSP URL, which the dev PKI's certificates do not; "require" checks them all, with the CRLs given here.
        """
        return ValidationContext(trust_roots=self.asn1_roots(), crls=self.asn1_crls(), allow_fetching=False,
                                 revocation_mode="require")

    def refuse_revoked(self, cert: asn1_x509.Certificate, others: Iterable[asn1_x509.Certificate]) -> None:
        """FailedPrecondition when the signer's certificate is listed in its issuer's CRL."""
        own = x509_certificate(cert)
        found = self.status(own, [x509_certificate(c) for c in others])
        if found.status == "revoked":
            when = found.revoked_at.isoformat() if found.revoked_at else "?"
            raise FailedPrecondition(
                f"chứng thư số của {cert.subject.human_friendly} đã bị thu hồi (certificate revoked on {when}, "
                f"reason: {found.reason or 'unspecified'}); không thể ký số bằng chứng thư này")

    @staticmethod
    def explain(exc: BaseException) -> str | None:
        """A message for a pyHanko signing error caused by revocation checking, else None."""
        seen: BaseException | None = exc
        while seen is not None:
            if isinstance(seen, RevokedError):
                return f"chứng thư số đã bị thu hồi (certificate revoked): {seen}"
            if isinstance(seen, InsufficientRevinfoError):
                return f"không có thông tin thu hồi hợp lệ cho chứng thư số (no current CRL): {seen}"
            seen = seen.__cause__ or seen.__context__
        return None


def _crl_signed_by(crl: x509.CertificateRevocationList, key: object) -> bool:
    try:
        return crl.is_signature_valid(key)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@dataclass
class DevPki:
    root: Issued
    intermediate: Issued
    personal: Issued
    agency: Issued
    tsa: Issued
    extra: dict[str, Issued] = field(default_factory=dict)
    root_crl: x509.CertificateRevocationList | None = None
    intermediate_crl: x509.CertificateRevocationList | None = None

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA certificates below the root (for embedding in signatures)."""
        return [self.intermediate.cert]

    def issue_crls(self, revoked: Iterable[RevokedEntry] = (), *, days: int = DEV_CRL_DAYS,
                   now: dt.datetime | None = None) -> None:
        """(Re)issue both CRLs at ``now`` (default: the clock's now): the root's (empty) and the intermediate's
        listing exactly ``revoked``."""
        self.root_crl = issue_crl(self.root, number=_crl_number(self.root_crl) + 1, days=days, now=now)
        self.intermediate_crl = issue_crl(self.intermediate, revoked, number=_crl_number(self.intermediate_crl) + 1,
                                          days=days, now=now)

    def revoke(self, *certs: x509.Certificate | Issued, reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise,
               revoked_at: dt.datetime | None = None) -> None:
        """Add end-entity certificates to the intermediate's CRL (re-issued with the next CRL number)."""
        kept = crl_entries(self.intermediate_crl) if self.intermediate_crl is not None else []
        self.issue_crls([*kept, *(RevokedEntry.of(c, revoked_at, reason) for c in certs)])

    def revocation(self) -> Revocation:
        if self.root_crl is None or self.intermediate_crl is None:
            self.issue_crls()
        assert self.root_crl is not None and self.intermediate_crl is not None
        return Revocation([self.root_crl, self.intermediate_crl], [self.root.cert])


def _name(cn: str, *, org: str | None = None, title: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_OU))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    """The clock of the development PKI (UTC); tests move it with time-machine or pass ``now``."""
    return dt.datetime.now(dt.UTC)


def issue(subject: x509.Name, issuer: Issued | None, *, ca: bool = False, path_len: int | None = None,
          eku: list[x509.ObjectIdentifier] | None = None, not_before: dt.datetime | None = None,
          not_after: dt.datetime | None = None, now: dt.datetime | None = None) -> Issued:
    """Issue a certificate (self-signed when ``issuer`` is None), valid from ``not_before`` (default: a day
    before ``now``) to ``not_after`` (default: ``now`` + 10 years for a CA, + 2 years otherwise); ``now``
    defaults to the clock's now."""
    key = _new_key()
    now = now or _now()
    nb = not_before or now - dt.timedelta(days=1)
    na = not_after or now + dt.timedelta(days=3650 if ca else 730)
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(nb)
               .not_valid_after(na)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=eku is None, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
    signing_key = issuer.key if issuer else key
    cert = builder.sign(signing_key, hashes.SHA256())
    return Issued(cert, key)


def issue_personal(intermediate: Issued, *, cn: str = PERSONAL_NAME, title: str = PERSONAL_TITLE,
                   not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
                   now: dt.datetime | None = None) -> Issued:
    return issue(_name(cn, org=AGENCY_NAME, title=title), intermediate, not_before=not_before,
                 not_after=not_after, now=now)


def generate(root_cn: str = "VanThu Dev Root CA", *, now: dt.datetime | None = None) -> DevPki:
    """Make a fresh development PKI in memory, issued at ``now`` (default: the clock's now): every certificate
    is valid from a day before ``now`` (CAs for 10 years, end entities for 2), and the CRLs are issued at
    ``now`` (current for :data:`DEV_CRL_DAYS` days). A fixed ``now`` gives fixed validity windows (tests)."""
    now = now or _now()
    root = issue(_name(root_cn), None, ca=True, path_len=1, now=now)
    inter = issue(_name("VanThu Dev Intermediate CA"), root, ca=True, path_len=0, now=now)
    personal = issue_personal(inter, now=now)
    agency = issue(_name(AGENCY_NAME, org=AGENCY_NAME), inter, now=now)
    tsa = issue(_name("VanThu Dev TSA"), inter, eku=[ExtendedKeyUsageOID.TIME_STAMPING], now=now)
    made = DevPki(root=root, intermediate=inter, personal=personal, agency=agency, tsa=tsa)
    made.issue_crls(now=now)
    return made


def write_p12(path: Path, issued: Issued, chain: list[x509.Certificate], name: str,
              password: bytes = DEV_P12_PASSWORD) -> None:
    data = pkcs12.serialize_key_and_certificates(
        name.encode(), issued.key, issued.cert, chain,
        serialization.BestAvailableEncryption(password))
    path.write_bytes(data)


def _write_key(path: Path, issued: Issued) -> None:
    path.write_bytes(issued.key_pem())
    path.chmod(0o600)


def write_crls(pki: DevPki, directory: Path) -> None:
    """Write ``root.crl`` and ``intermediate.crl`` (PEM)."""
    if pki.root_crl is None or pki.intermediate_crl is None:
        pki.issue_crls()
    assert pki.root_crl is not None and pki.intermediate_crl is not None
    pem = serialization.Encoding.PEM
    (directory / ROOT_CRL).write_bytes(pki.root_crl.public_bytes(pem))
    (directory / INTERMEDIATE_CRL).write_bytes(pki.intermediate_crl.public_bytes(pem))


def write(pki: DevPki, directory: Path) -> None:
    """Write certificates (PEM), keys (PEM, dev only; CA keys too, to re-issue CRLs), PKCS#12 files for each
    end entity and the CRLs ``root.crl`` / ``intermediate.crl`` (PEM)."""
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    (directory / ROOT_CERT).write_bytes(pki.root.cert.public_bytes(pem))
    (directory / INTERMEDIATE_CERT).write_bytes(pki.intermediate.cert.public_bytes(pem))
    _write_key(directory / ROOT_KEY, pki.root)
    _write_key(directory / INTERMEDIATE_KEY, pki.intermediate)
    write_crls(pki, directory)
    for role in ROLES:
        issued: Issued = getattr(pki, role)
        (directory / f"{role}.crt").write_bytes(issued.cert.public_bytes(pem))
        key_path = directory / f"{role}.key"
        key_path.write_bytes(issued.key_pem())
        key_path.chmod(0o600)
        write_p12(directory / f"{role}.p12", issued, [pki.intermediate.cert], role)


def _load_ca(directory: Path, cert_name: str, key_name: str) -> Issued:
    cert = x509.load_pem_x509_certificate((directory / cert_name).read_bytes())
    key = serialization.load_pem_private_key((directory / key_name).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Issued(cert, key)


def reissue_crls(directory: Path, revoke: Iterable[x509.Certificate] = (), *,
                 reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise, days: int = DEV_CRL_DAYS) -> None:
    """Re-issue the CRLs of a dev-PKI directory written by :func:`write` (e.g. when they are about to expire),
    keeping the certificates already revoked and adding ``revoke``. Needs ``root.key`` / ``intermediate.key``."""
    root = _load_ca(directory, ROOT_CERT, ROOT_KEY)
    inter = _load_ca(directory, INTERMEDIATE_CERT, INTERMEDIATE_KEY)
    old_root = load_crls((directory / ROOT_CRL).read_bytes())[0] if (directory / ROOT_CRL).exists() else None
    old = load_crls((directory / INTERMEDIATE_CRL).read_bytes())[0] if (directory / INTERMEDIATE_CRL).exists() else None
    entries = crl_entries(old) if old is not None else []
    entries += [RevokedEntry.of(c, reason=reason) for c in revoke]
    pem = serialization.Encoding.PEM
    (directory / ROOT_CRL).write_bytes(issue_crl(root, number=_crl_number(old_root) + 1, days=days).public_bytes(pem))
    (directory / INTERMEDIATE_CRL).write_bytes(
        issue_crl(inter, entries, number=_crl_number(old) + 1, days=days).public_bytes(pem))


def crls_expiring(directory: Path, within: dt.timedelta = dt.timedelta(days=1)) -> bool:
    """True when a CRL file is missing or its nextUpdate falls within ``within`` from now."""
    limit = _now() + within
    for name in (ROOT_CRL, INTERMEDIATE_CRL):
        path = directory / name
        if not path.exists():
            return True
        for crl in load_crls(path.read_bytes()):
            nu = crl.next_update_utc
            if nu is None or nu <= limit:
                return True
    return False


# ---------------------------------------------------------------- SoftHSM2


@dataclass
class SoftHsm:
    """An isolated SoftHSM2 instance: its own config file and token directory."""

    base: Path
    module: str = SOFTHSM_MODULE

    @property
    def conf(self) -> Path:
        return self.base / "softhsm2.conf"

    @property
    def tokens(self) -> Path:
        return self.base / "tokens"

    def env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def setup(self) -> SoftHsm:
        self.tokens.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(f"directories.tokendir = {self.tokens}\nobjectstore.backend = file\n"
                             "log.level = ERROR\nslots.removable = false\n")
        return self

    def _run(self, args: list[str]) -> str:
        proc = subprocess.run(args, env=self.env(), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def init_token(self, label: str, pin: str, so_pin: str) -> None:
        self._run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin])

    def import_key(self, token: str, pin: str, label: str, key_id: str, issued: Issued) -> None:
        """Import the private key (softhsm2-util) and the certificate (pkcs11-tool) under one label/id."""
        with tempfile.TemporaryDirectory() as tmp:
            key_file = Path(tmp) / "key.pem"
            key_file.write_bytes(issued.key_pem())
            cert_file = Path(tmp) / "cert.der"
            cert_file.write_bytes(issued.cert_der())
            self._run(["softhsm2-util", "--import", str(key_file), "--token", token, "--label", label,
                       "--id", key_id, "--pin", pin])
            self._run(["pkcs11-tool", "--module", self.module, "--token-label", token, "--login", "--pin", pin,
                       "--write-object", str(cert_file), "--type", "cert", "--label", label, "--id", key_id])


def have_softhsm() -> bool:
    return bool(shutil.which("softhsm2-util") and shutil.which("pkcs11-tool") and Path(SOFTHSM_MODULE).exists())


def load_into_softhsm(pki: DevPki, hsm: SoftHsm, *, token: str = DEV_TOKEN, pin: str = DEV_PIN,
                      so_pin: str = DEV_SO_PIN) -> None:
    """Create one token holding the personal and agency keys (labels ``personal`` / ``agency``)."""
    hsm.init_token(token, pin, so_pin)
    hsm.import_key(token, pin, "personal", "01", pki.personal)
    hsm.import_key(token, pin, "agency", "02", pki.agency)
