"""Development PKI made with ``cryptography``: root CA, intermediate CA, a personal certificate,
an organisation certificate and a TSA certificate. Every name carries ``OU=VanThu DEVELOPMENT ONLY``.

Nothing here is fit for production: the keys are unencrypted in PKCS#12 files protected by a
well-known password, and the whole chain is generated on demand.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
ROLES = ("personal", "agency", "tsa")


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


@dataclass
class DevPki:
    root: Issued
    intermediate: Issued
    personal: Issued
    agency: Issued
    tsa: Issued
    extra: dict[str, Issued] = field(default_factory=dict)

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA certificates below the root (for embedding in signatures)."""
        return [self.intermediate.cert]


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


def issue(subject: x509.Name, issuer: Issued | None, *, ca: bool = False, path_len: int | None = None,
          eku: list[x509.ObjectIdentifier] | None = None, not_before: dt.datetime | None = None,
          not_after: dt.datetime | None = None) -> Issued:
    """Issue a certificate (self-signed when ``issuer`` is None)."""
    key = _new_key()
    now = dt.datetime.now(dt.UTC)
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
                   not_before: dt.datetime | None = None, not_after: dt.datetime | None = None) -> Issued:
    return issue(_name(cn, org=AGENCY_NAME, title=title), intermediate, not_before=not_before,
                 not_after=not_after)


def generate(root_cn: str = "VanThu Dev Root CA") -> DevPki:
    """Make a fresh development PKI in memory."""
    root = issue(_name(root_cn), None, ca=True, path_len=1)
    inter = issue(_name("VanThu Dev Intermediate CA"), root, ca=True, path_len=0)
    personal = issue_personal(inter)
    agency = issue(_name(AGENCY_NAME, org=AGENCY_NAME), inter)
    tsa = issue(_name("VanThu Dev TSA"), inter, eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    return DevPki(root=root, intermediate=inter, personal=personal, agency=agency, tsa=tsa)


def write_p12(path: Path, issued: Issued, chain: list[x509.Certificate], name: str,
              password: bytes = DEV_P12_PASSWORD) -> None:
    data = pkcs12.serialize_key_and_certificates(
        name.encode(), issued.key, issued.cert, chain,
        serialization.BestAvailableEncryption(password))
    path.write_bytes(data)


def write(pki: DevPki, directory: Path) -> None:
    """Write certificates (PEM), keys (PEM, dev only) and PKCS#12 files for each end entity."""
    directory.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    (directory / ROOT_CERT).write_bytes(pki.root.cert.public_bytes(pem))
    (directory / INTERMEDIATE_CERT).write_bytes(pki.intermediate.cert.public_bytes(pem))
    for role in ROLES:
        issued: Issued = getattr(pki, role)
        (directory / f"{role}.crt").write_bytes(issued.cert.public_bytes(pem))
        key_path = directory / f"{role}.key"
        key_path.write_bytes(issued.key_pem())
        key_path.chmod(0o600)
        write_p12(directory / f"{role}.p12", issued, [pki.intermediate.cert], role)


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
