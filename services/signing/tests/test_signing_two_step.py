"""Two-step personal signing (key held elsewhere): a local RSA key of the dev PKI plays the USB token / remote
signing provider; the output must validate like a one-step signature and accept the agency step."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.hashes import SHA256
from PIL import Image

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing import pki, two_step
from vanthu_signing import signer as sg
from vanthu_signing.verify import verify_pdf


def _prepare(env, make_pdf, signature_png, **kw):  # type: ignore[no-untyped-def]
    return two_step.prepare_personal(make_pdf(), env.pki.personal.cert, [env.pki.intermediate.cert], signature_png,
                                     env.tsa, **kw)


def _remote_sign(key, to_sign: bytes) -> bytes:  # type: ignore[no-untyped-def]
    return key.sign(to_sign, PKCS1v15(), SHA256())  # type: ignore[no-any-return]


def _stored(state: bytes, tmp_path: Path) -> bytes:
    """Simulate keeping the state in the database between the two requests."""
    path = tmp_path / "state.bin"
    path.write_bytes(bytes(bytearray(state)))
    return path.read_bytes()


@pytest.fixture(scope="module")
def completed(env, make_pdf, signature_png, tmp_path_factory):  # type: ignore[no-untyped-def]
    prepared = _prepare(env, make_pdf, signature_png)
    state = _stored(prepared.state, tmp_path_factory.mktemp("db"))
    signature = _remote_sign(env.pki.personal.key, prepared.to_sign)
    return prepared, two_step.complete(state, signature, env.tsa)


def test_prepared_values(completed) -> None:  # type: ignore[no-untyped-def]
    prepared, _ = completed
    assert prepared.digest_algorithm == "sha256" and prepared.signature_algorithm == "sha256_rsa"
    assert prepared.digest == hashlib.sha256(prepared.to_sign).digest()
    assert prepared.to_sign[:1] == b"\x31"  # DER SET OF (the signed attributes as signed, not [0] IMPLICIT)
    doc = json.loads(prepared.state)  # explicit format, not pickle
    assert doc["format"] == two_step.STATE_FORMAT
    assert base64.b64decode(doc["signed_attrs"]) == prepared.to_sign


def test_two_step_signature_valid_pyhanko_and_pdfsig(completed, env, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    prepared, res = completed
    assert res.field_name == sg.FIELD_PERSONAL and (res.page, res.box) == (prepared.page, prepared.box)
    report = verify_pdf(res.pdf, env.roots)
    assert report.ok, report.text()
    s = report.signatures[0]
    assert s.signer == "Nguyễn Văn Hưởng" and s.timestamp_time is not None and s.coverage == "ENTIRE_FILE"
    out = pdfsig(res.pdf, tmp_path)
    assert "Signature Validation: Signature is Valid" in out and "Nguyễn Văn Hưởng" in out


def test_same_appearance_as_one_step(completed, env, make_pdf, signature_png, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, res = completed
    one_step = sg.sign_personal(make_pdf(), env.personal, signature_png, env.tsa)
    assert (one_step.page, one_step.box) == (res.page, res.box)
    src = tmp_path / "two.pdf"
    src.write_bytes(res.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", str(src), str(tmp_path / "r")], check=True)
    img = Image.open(sorted(tmp_path.glob("r-*.png"))[0]).convert("RGB")
    px = img.load()
    blue = [(x, y) for y in range(img.height) for x in range(img.width)
            if (lambda r, g, b: b > 150 and r < 90 and g < 110)(*px[x, y])]
    assert blue
    b, h = res.box, img.height
    assert all(b.x1 - 2 <= x <= b.x2 + 2 and h - b.y2 - 2 <= y <= h - b.y1 + 2 for x, y in blue)


def test_agency_step_after_two_step(completed, env, seal_png, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, res = completed
    agency = sg.issue_and_sign_agency(res.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=dt.date(2026, 11, 27), trust_roots=env.roots)
    report = verify_pdf(agency.pdf, env.roots)
    assert report.ok, report.text()
    assert [s.field_name for s in report.signatures] == [sg.FIELD_PERSONAL, sg.FIELD_AGENCY]
    assert pdfsig(agency.pdf, tmp_path).count("Signature Validation: Signature is Valid") == 2
    txt = subprocess.run(["pdftotext", "-", "-"], input=agency.pdf, capture_output=True, check=True).stdout.decode()
    assert "12/UBND-VP" in txt and "ngày 27 tháng 11 năm 2026" in txt


def test_token_signs_the_digest(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    """A token given only ``digest`` (RSA PKCS#1 v1.5 over a SHA-256 prehash) produces the same signature."""
    prepared = _prepare(env, make_pdf, signature_png)
    signature = env.pki.personal.key.sign(prepared.digest, PKCS1v15(), Prehashed(SHA256()))
    assert signature == _remote_sign(env.pki.personal.key, prepared.to_sign)
    assert verify_pdf(two_step.complete(prepared.state, signature, env.tsa).pdf, env.roots).ok


def test_wrong_key_refused(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    prepared = _prepare(env, make_pdf, signature_png)
    for bad in (_remote_sign(env.pki.agency.key, prepared.to_sign),  # another key
                _remote_sign(env.pki.personal.key, prepared.to_sign + b"x"),  # other data
                b"\x00" * 256, b""):
        with pytest.raises(InvalidArgument) as err:
            two_step.complete(prepared.state, bad, env.tsa)
        assert err.value.field == "signature_value"


def _edit(state: bytes, *, recheck: bool, **changes: object) -> bytes:
    """Change fields of the state; with ``recheck`` also recompute its checksum (a consistent forgery, which the
    deeper consistency checks must still catch)."""
    doc = json.loads(state)
    doc.update(changes)
    if recheck:
        doc["check"] = two_step._checksum(doc)
    return json.dumps(doc).encode()


def _flip(b64: str, at: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_tampered_state_refused(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    prepared = _prepare(env, make_pdf, signature_png)
    good_sig = _remote_sign(env.pki.personal.key, prepared.to_sign)
    doc = json.loads(prepared.state)
    start, end = doc["reserved_region"]
    edits: list[dict[str, object]] = [
        {"pdf": _flip(doc["pdf"], 100)},  # document changed
        {"pdf": _flip(doc["pdf"], start + 5)},  # placeholder no longer empty
        {"reserved_region": [start + 2, end]},
        {"document_digest": _flip(doc["document_digest"], 0)},
        {"signer_cert": base64.b64encode(env.pki.agency.cert_der()).decode()},
        {"signed_attrs": base64.b64encode(b"\x31\x00").decode()},
        {"signature_algorithm": "md5_rsa"},
        {"pdf": "not base64!"},
        {"page": "x"},
        {"chain": "x"},
    ]
    bad_states = [b"", b"garbage", b"\xff\xfe", prepared.state[: len(prepared.state) // 2], b"[]",
                  b'{"format": "other"}', prepared.state.replace(b'"page":', b'"page":1', 1),
                  _edit(prepared.state, recheck=False, signed_attrs=_flip(doc["signed_attrs"], 20))]
    bad_states += [_edit(prepared.state, recheck=r, **e) for e in edits for r in (False, True)]
    for bad in bad_states:
        with pytest.raises(InvalidArgument) as err:
            two_step.complete(bad, good_sig, env.tsa)
        assert err.value.field == "handle", bad[:80]
    # an extra signed attribute, checksum recomputed: consistent, but the remote signature does not cover it
    attrs = cms.CMSAttributes([*cms.CMSAttributes.load(prepared.to_sign), cms.CMSAttribute(
        {"type": "signing_time", "values": [cms.Time({"utc_time": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})]})])
    with pytest.raises(InvalidArgument) as err:
        two_step.complete(_edit(prepared.state, recheck=True, signed_attrs=base64.b64encode(attrs.dump()).decode()),
                          good_sig, env.tsa)
    assert err.value.field == "signature_value"
    # the untouched state still completes
    assert verify_pdf(two_step.complete(prepared.state, good_sig, env.tsa).pdf, env.roots).ok


def test_expired_certificate_refused(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    old = pki.issue_personal(env.pki.intermediate, not_before=now - dt.timedelta(days=400),
                             not_after=now - dt.timedelta(days=1))
    with pytest.raises(FailedPrecondition, match="hết hạn"):
        two_step.prepare_personal(make_pdf(), old.cert, [env.pki.intermediate.cert], signature_png, env.tsa)
    with pytest.raises(FailedPrecondition, match="hết hạn"):
        _prepare(env, make_pdf, signature_png, when=now + dt.timedelta(days=365 * 30))


def test_bad_input_refused(env, make_pdf, signature_png, make_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        two_step.prepare_personal(b"hello", env.pki.personal.cert, [], signature_png, env.tsa)
    assert err.value.field == "pdf"
    with pytest.raises(InvalidArgument) as err:
        _prepare(env, lambda: make_pdf(placeholders=False), signature_png)
    assert err.value.field == "placeholder"
    with pytest.raises(InvalidArgument) as err:
        _prepare(env, make_pdf, make_png((0, 0, 0), fmt="JPEG", mode="RGB"))
    assert err.value.field == "signature_image"
