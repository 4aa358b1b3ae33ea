"""A draft that already carries someone else's signature: ours keep it valid, or are refused naming its signer.

Signing permitted by the earlier signature (an approval signature, a certification with DocMDP P=2) succeeds
without touching the signed content: no text fields are added, the personal signature's image covers
[[CHU_KY]] and the agency signature's appearance covers [[SO]]/[[NGAY]] and shows the number and date. A
certification with P=1 (no change) or a lock on the form fields is refused up front (FailedPrecondition)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from PIL import ImageChops
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from vanthu_core.errors import FailedPrecondition
from vanthu_signing import pki, two_step
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf

from .conftest import CLOCK, plain_text, render, text_words
from .test_signing_placeholders import _annotations_only

OUTSIDER = "Trần Thị Bên Ngoài"
PLACEHOLDERS = (ap.PLACEHOLDER_SIGNATURE, ap.PLACEHOLDER_NUMBER, ap.PLACEHOLDER_DATE)


@pytest.fixture(scope="module")
def outsider(make_p12):  # type: ignore[no-untyped-def]
    """Someone of another PKI (a department of another agency), and their key."""
    other = pki.generate("Sở Bên Ngoài Root", now=CLOCK)
    person = pki.issue_personal(other.intermediate, cn=OUTSIDER, title="Giám đốc Sở", now=CLOCK)
    return other, make_p12(person, [other.intermediate.cert])


def _presigned(env, outsider, draft: bytes, *, certify: fields.MDPPerm | None = None,  # type: ignore[no-untyped-def]
               lock: fields.FieldMDPSpec | None = None) -> bytes:
    _, key = outsider
    signer = signers.SimpleSigner.load_pkcs12_data(key.data, other_certs=(), passphrase=key.password)
    meta = signers.PdfSignatureMetadata(field_name="ChuKyBenNgoai", subfilter=fields.SigSeedSubFilter.PADES,
                                        certify=certify is not None,
                                        docmdp_permissions=certify or fields.MDPPerm.FILL_FORMS)
    spec = fields.SigFieldSpec("ChuKyBenNgoai", on_page=0, box=(60, 40, 220, 80), field_mdp_spec=lock)
    out = signers.PdfSigner(meta, signer=signer, timestamper=env.tsa.timestamper(), new_field_spec=spec).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(draft)))
    return out.getvalue()


def _roots(env, outsider):  # type: ignore[no-untyped-def]
    return [*env.roots, outsider[0].root.cert]


def _placeholder_boxes(pdf: bytes) -> dict[str, tuple[int, int, int, int]]:
    return {p: tuple(round(v) for v in box) for w, box in text_words(pdf) for p in PLACEHOLDERS if p in w}  # type: ignore[misc]


def _assert_covered(pdf: bytes, boxes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Nothing of the placeholders shows: on their boxes the page shows exactly what the widgets draw."""
    shown, widgets = render(pdf, tmp_path), render(_annotations_only(pdf), tmp_path)
    for name, (x1, y1, x2, y2) in boxes.items():
        inner = (x1 + 1, y1 + 1, x2 - 1, y2 - 1)
        assert ImageChops.difference(shown.crop(inner), widgets.crop(inner)).getbbox() is None, name


@pytest.mark.parametrize("certify", [None, fields.MDPPerm.FILL_FORMS], ids=["approval", "certified-P2"])
def test_signing_over_a_permitting_signature_keeps_every_signature_valid(certify, env, outsider, make_pdf,  # type: ignore[no-untyped-def]
                                                                         signature_png, seal_png, pdfsig,
                                                                         tmp_path) -> None:
    draft = _presigned(env, outsider, make_pdf(visible=True), certify=certify)
    boxes = _placeholder_boxes(draft)
    personal = sg.sign_personal(draft, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="21/UBND-VP",
                                      issued_on=dt.date(2026, 1, 9), trust_roots=env.roots)
    report = verify_pdf(issued.pdf, _roots(env, outsider))
    assert report.ok, report.text()
    assert [s.field_name for s in report.signatures] == ["ChuKyBenNgoai", sg.FIELD_PERSONAL, sg.FIELD_AGENCY]
    assert report.signatures[0].signer == OUTSIDER and report.signatures[0].modification_level == "FORM_FILLING"
    assert pdfsig(issued.pdf, tmp_path).count("Signature Validation: Signature is Valid") == 3
    _assert_covered(issued.pdf, boxes, tmp_path)
    text = plain_text(issued.pdf)  # the agency signature shows the number and the date
    assert "21/UBND-VP" in text and "Vĩnh Long, ngày 09 tháng 01 năm 2026" in text


def test_two_step_signing_over_an_approval_signature_keeps_it_valid(env, outsider, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                                    tmp_path) -> None:
    draft = _presigned(env, outsider, make_pdf(visible=True))
    prepared = two_step.prepare_personal(draft, env.pki.personal.cert, [env.pki.intermediate.cert], signature_png,
                                         env.tsa)
    done = two_step.complete(prepared.state, env.pki.personal.key.sign(prepared.to_sign, PKCS1v15(), SHA256()),
                             env.tsa)
    report = verify_pdf(done.pdf, _roots(env, outsider))
    assert report.ok, report.text()
    _assert_covered(done.pdf, {ap.PLACEHOLDER_SIGNATURE: _placeholder_boxes(draft)[ap.PLACEHOLDER_SIGNATURE]},
                    tmp_path)


@pytest.mark.parametrize(("certify", "lock", "reason"), [
    (fields.MDPPerm.NO_CHANGES, None, "DocMDP P=1"),
    (None, fields.FieldMDPSpec(fields.FieldMDPAction.ALL), "đã khóa các trường"),
], ids=["certified-P1", "fields-locked"])
def test_signing_over_a_signature_that_permits_none_is_refused_naming_its_signer(certify, lock, reason, env,  # type: ignore[no-untyped-def]
                                                                                 outsider, make_pdf, signature_png,
                                                                                 seal_png) -> None:
    draft = _presigned(env, outsider, make_pdf(visible=True), certify=certify, lock=lock)
    for attempt in (lambda: sg.sign_personal(draft, env.personal, signature_png, env.tsa),
                    lambda: two_step.prepare_personal(draft, env.pki.personal.cert, [env.pki.intermediate.cert],
                                                      signature_png, env.tsa),
                    lambda: sg.sign_copy(draft, env.agency, env.tsa, form="SY", agency_name="UBND tỉnh Vĩnh Long"),
                    lambda: sg.sign_attachment(draft, env.agency, env.tsa, number_symbol="21/UBND-VP")):
        with pytest.raises(FailedPrecondition) as err:
            attempt()
        assert OUTSIDER in str(err.value) and reason in str(err.value) and "ChuKyBenNgoai" in str(err.value)
    assert verify_pdf(draft, _roots(env, outsider)).ok  # untouched


@pytest.mark.parametrize("name", ["11a-certified-docmdp-p2.pdf", "11b-signed-by-third-party.pdf"])
def test_field_cases_signed_before_keep_their_signature_intact(name: str, field_case, env, signature_png,  # type: ignore[no-untyped-def]
                                                               seal_png, pdfsig, tmp_path) -> None:
    draft = field_case(name)
    boxes = _placeholder_boxes(draft)
    personal = sg.sign_personal(draft, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="22/UBND-VP",
                                      issued_on=dt.date(2026, 3, 5), trust_roots=env.roots)
    report = verify_pdf(issued.pdf, env.roots)
    earlier, ours = report.signatures[0], report.signatures[1:]
    # the earlier signer's certificate is self-signed and untimestamped (not ours to trust), but the signature
    # itself stays intact and our changes are permitted
    assert earlier.intact and earlier.valid and earlier.modification_ok, report.text()
    assert all(s.ok for s in ours) and len(ours) == 2, report.text()
    assert pdfsig(issued.pdf, tmp_path).count("Signature Validation: Signature is Valid") == 3
    _assert_covered(issued.pdf, boxes, tmp_path)
