"""Signing with keys held in an isolated SoftHSM2 token (PKCS#11)."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_signing import signer as sg
from vanthu_signing.signer import Tsa
from vanthu_signing.verify import verify_pdf

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hsm(softhsm_token):  # type: ignore[no-untyped-def]
    made = softhsm_token.pki
    chain = (made.intermediate.cert,)

    def key(label: str, pin: str | None = None) -> sg.Pkcs11Key:
        return sg.Pkcs11Key(softhsm_token.module, softhsm_token.token_label, pin or softhsm_token.pin, label, chain)

    tsa = Tsa(made.tsa.cert, made.tsa.key_pem(), list(chain))
    return made, key, tsa


def test_personal_and_agency_from_token(hsm, make_pdf, signature_png, seal_png, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    made, key, tsa = hsm
    personal = sg.sign_personal(make_pdf(), key("personal"), signature_png, tsa)
    agency = sg.issue_and_sign_agency(personal.pdf, key("agency"), seal_png, tsa, number_symbol="7/UBND-VP",
                                      issued_on=dt.date(2026, 11, 27), trust_roots=[made.root.cert])
    report = verify_pdf(agency.pdf, [made.root.cert])
    assert report.ok, report.text()
    assert pdfsig(agency.pdf, tmp_path).count("Signature Validation: Signature is Valid") == 2


def test_wrong_pin(hsm, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    _, key, tsa = hsm
    for _ in range(2):  # the token itself refuses it; then the cached login refuses it too
        sg.close_pkcs11_sessions()
        with pytest.raises(InvalidArgument) as err:
            sg.sign_personal(make_pdf(), key("personal", pin="000000"), signature_png, tsa)
        assert err.value.field == "key.pin"
    sg.sign_personal(make_pdf(), key("personal"), signature_png, tsa)
    with pytest.raises(InvalidArgument):
        sg.sign_personal(make_pdf(), key("personal", pin="000000"), signature_png, tsa)


def test_parallel_signings_on_one_token(hsm, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    made, key, tsa = hsm
    pdf = make_pdf()

    def one(_: int) -> bytes:
        return sg.sign_personal(pdf, key("personal"), signature_png, tsa).pdf

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(8)))
    elapsed = time.perf_counter() - started
    assert len(results) == 8
    for out in results:
        assert verify_pdf(out, [made.root.cert]).ok
    print(f"8 parallel PKCS#11 signings: {elapsed:.2f}s")


def test_keyring_pkcs11_backend_in_production_with_an_http_tsa(hsm, softhsm_token, tmp_path, make_pdf,  # type: ignore[no-untyped-def]
                                                                 signature_png, serve_tsa) -> None:
    from pydantic import SecretStr

    from vanthu_signing import pki
    from vanthu_signing.keys import KeyRing
    from vanthu_signing.settings import SigningSettings

    made, _, tsa = hsm
    pki.write(made, tmp_path / "pki")  # certificates and chain of the token's PKI
    http_tsa = serve_tsa(tsa)  # its timestamp authority, over HTTP
    d = tmp_path / "pki"
    settings = SigningSettings(key_backend="pkcs11", pkcs11_module=softhsm_token.module,
                               pkcs11_token_label=softhsm_token.token_label, pkcs11_pin=SecretStr(softhsm_token.pin),
                               trust_roots_file=str(d / pki.ROOT_CERT), chain_file=str(d / pki.INTERMEDIATE_CERT),
                               tsa_url=http_tsa.url, dev_pki_dir=str(tmp_path / "unused"))
    ring = KeyRing.load(settings)  # the production profile
    assert not (tmp_path / "unused").exists()  # no dev PKI made when everything is configured
    res = sg.sign_personal(make_pdf(), ring.key("personal"), signature_png, ring.tsa)
    report = verify_pdf(res.pdf, ring.roots)
    assert report.ok and report.signatures[0].timestamp_ok and http_tsa.requests  # stamped over HTTP
    with pytest.raises(InvalidArgument):
        ring.key("../etc/passwd")


def test_outside_the_development_profile_nothing_is_made_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No trust roots, keys or timestamp authority configured: production refuses to start, naming each setting,
    and makes no development PKI; the development profile makes one."""
    from vanthu_signing.keys import ConfigurationError, KeyRing
    from vanthu_signing.settings import SigningSettings

    bare = SigningSettings(dev_pki_dir=str(tmp_path / "dev-pki"), dev_profiles=True)
    with pytest.raises(ConfigurationError) as error:
        KeyRing.load(bare)
    for setting in ("VANTHU_SIGNING_TRUST_ROOTS_FILE", "VANTHU_SIGNING_CHAIN_FILE", "VANTHU_SIGNING_TSA_URL",
                    "VANTHU_SIGNING_PKCS12_DIR", "VANTHU_SIGNING_PKCS12_PASSWORD", "VANTHU_SIGNING_DEV_PROFILES"):
        assert setting in str(error.value)
    assert not (tmp_path / "dev-pki").exists()
    ring = KeyRing.load(bare, development=True)
    assert (tmp_path / "dev-pki").exists() and ring.key("agency") is not None
