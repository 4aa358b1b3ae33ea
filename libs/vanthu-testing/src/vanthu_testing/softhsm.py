"""An isolated SoftHSM2 (its own SOFTHSM2_CONF and token directory) holding the dev-PKI signing keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class SoftHsmToken:
    module: str
    conf: str
    token_label: str
    pin: str
    pki: Any  # vanthu_signing.pki.DevPki


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """A fresh SoftHSM2 token ``vanthu-dev`` (PIN 123456) with keys labelled ``personal`` and ``agency``.

    SOFTHSM2_CONF is set for the session so that the PKCS#11 module, loaded in-process, finds the token.
    """
    pki_mod = pytest.importorskip("vanthu_signing.pki")
    if not pki_mod.have_softhsm():
        pytest.skip("softhsm2-util / pkcs11-tool / libsofthsm2.so not installed")
    base = tmp_path_factory.mktemp("softhsm")
    hsm = pki_mod.SoftHsm(base).setup()
    pki = pki_mod.generate()
    pki_mod.load_into_softhsm(pki, hsm)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(hsm.conf)
    try:
        yield SoftHsmToken(hsm.module, str(hsm.conf), pki_mod.DEV_TOKEN, pki_mod.DEV_PIN, pki)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
