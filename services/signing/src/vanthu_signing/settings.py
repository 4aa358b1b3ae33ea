from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vanthu_core.settings import ServiceSettings


class SigningSettings(ServiceSettings):
    """``VANTHU_SIGNING_*``.

    In the development profile (``VANTHU_PROFILE=dev``: ``make dev`` and the tests) what is not configured comes
    from a DEVELOPMENT-ONLY PKI created once in ``dev_pki_dir``: PKCS#12 keys ``personal`` and ``agency``
    (password ``vanthu-dev``), a local timestamp signer and the dev root as the only trust anchor. In production the
    service refuses to start until ``trust_roots_file``, ``chain_file``, the keys (``key_backend=pkcs11`` with the
    token settings, or ``pkcs12_dir`` and ``pkcs12_password``) and an RFC 3161 timestamp authority (``tsa_url``)
    are configured.
    """

    model_config = SettingsConfigDict(env_prefix="VANTHU_SIGNING_", extra="ignore")

    grpc_port: int = 50056
    database_url: str = "sqlite+aiosqlite:///var/signing/signing.db"
    #: The storage service (host:port): inputs by object id and every signed result; empty: bytes only.
    storage_target: str = ""
    #: The registry (host:port): the documents it numbered, to seal them; empty: documents cannot be sealed here.
    registry_target: str = ""
    #: Largest PDF accepted for signing or verification.
    max_pdf_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    #: How long a prepared two-step signing waits for its signature value.
    pending_ttl_s: int = Field(default=600, ge=30, le=86_400)
    #: Bind the demo users' profiles to the development keys at start (``make dev`` only; never in production).
    dev_profiles: bool = False
    #: A users file giving each username its subject (:mod:`vanthu_signing.people`): the dev issuer's users file
    #: (``make dev`` sets it) or a Keycloak users export. ``profile set --user`` resolves names with it, and the dev
    #: profiles find the demo leader's subject in it. Empty: ``--subject`` must be given.
    users_file: str = ""
    dev_pki_dir: str = "var/signing/dev-pki"
    key_backend: Literal["pkcs12", "pkcs11"] = "pkcs12"
    #: Directory of ``<label>.p12`` files (pkcs12 backend); empty: ``dev_pki_dir``.
    pkcs12_dir: str = ""
    pkcs12_password: SecretStr = SecretStr("")
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token_label: str = "vanthu-dev"  # noqa: S105 - a token label, not a secret
    pkcs11_pin: SecretStr = SecretStr("")
    personal_key_label: str = "personal"
    agency_key_label: str = "agency"
    #: PEM bundles; empty: from ``dev_pki_dir``.
    trust_roots_file: str = ""
    chain_file: str = ""
    #: An RFC 3161 timestamp authority over HTTP (required in production), with optional basic-auth credentials.
    tsa_url: str = ""
    tsa_username: str = ""
    tsa_user_password: SecretStr = SecretStr("")
    tsa_timeout_s: float = Field(default=10.0, gt=0, le=120)
    #: Development only: a local timestamp signer's PKCS#12; empty: ``dev_pki_dir``/tsa.p12.
    tsa_p12: str = ""
    tsa_password: SecretStr = SecretStr("")
    #: CRL files (PEM or DER) separated by ``os.pathsep``, reloaded when they change; empty: the dev PKI's CRLs.
    #: With CRLs every certificate below the root must be covered (revoked ones are refused, signatures are B-LT).
    crl_files: str = ""
    revocation_check: bool = True
    #: The place (địa danh) of the date line when the agency directory gives none for the issuing agency.
    place: str = "Vĩnh Long"
