"""Signing with pyHanko: personal (PAdES B-T), agency (number/date filled, then the seal), attachment.

Keys come from PKCS#12 (:class:`P12Key`) or a PKCS#11 token such as SoftHSM2 (:class:`Pkcs11Key`). Each
signing opens its own PKCS#11 session, so parallel signings against one token do not share operations.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing.domain import appearance as ap
from vanthu_signing.pki import Revocation, asn1_certificate

FIELD_PERSONAL = "ChuKyCaNhan"
FIELD_AGENCY = "ChuKyCoQuan"
FIELD_ATTACHMENT = "ChuKyCoQuanKemTheo"
FIELD_NUMBER = "SoKyHieu"
FIELD_DATE = "NgayBanHanh"
FILL_FONT_SIZE = 13
IMAGE_LAYOUT = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                                   margins=Margins(0, 0, 0, 0), inner_content_scaling=InnerScaling.STRETCH_TO_FIT)
TIGHT_LAYOUT = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                                   margins=Margins(1, 1, 1, 1), inner_content_scaling=InnerScaling.SHRINK_TO_FIT)


# ---------------------------------------------------------------- keys


@dataclass(frozen=True)
class P12Key:
    data: bytes
    password: bytes


@dataclass(frozen=True)
class Pkcs11Key:
    module: str
    token_label: str
    pin: str
    key_label: str
    chain: tuple[x509.Certificate, ...] = ()


KeySource = P12Key | Pkcs11Key


@dataclass
class Tsa:
    """The development TSA (pyHanko's local DummyTimeStamper) built from a TSA certificate and key."""

    cert: x509.Certificate
    key_pem: bytes
    chain: list[x509.Certificate] = field(default_factory=list)

    def timestamper(self) -> TimeStamper:
        key = serialization.load_pem_private_key(self.key_pem, None)
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        chain = SimpleCertificateStore.from_certs([asn1_certificate(c) for c in self.chain])
        return DummyTimeStamper(tsa_cert=asn1_certificate(self.cert), tsa_key=asn1_keys.PrivateKeyInfo.load(der),
                                certs_to_embed=chain)

    @classmethod
    def from_p12(cls, data: bytes, password: bytes) -> Tsa:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        assert key is not None and cert is not None
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return cls(cert, pem, list(extra))


def check_validity(cert: asn1_x509.Certificate, when: dt.datetime) -> None:
    validity = cert["tbs_certificate"]["validity"]
    nb = validity["not_before"].native
    na = validity["not_after"].native
    name = cert.subject.human_friendly
    if when > na:
        raise FailedPrecondition(f"signing certificate of {name} expired on {na.isoformat()}; renew it")
    if when < nb:
        raise FailedPrecondition(f"signing certificate of {name} is not valid before {nb.isoformat()}")


@contextlib.contextmanager
def open_signer(key: KeySource) -> Iterator[signers.Signer]:
    """A pyHanko signer for the key; PKCS#11 sessions are closed on exit."""
    if isinstance(key, P12Key):
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(key.data, other_certs=(), passphrase=key.password)
        except (ValueError, TypeError) as exc:
            raise InvalidArgument("key.password", "wrong password or unreadable PKCS#12 file") from exc
        if signer is None:
            raise InvalidArgument("key.password", "wrong password or unreadable PKCS#12 file")
        yield signer
        return
    from pyhanko.sign.pkcs11 import PKCS11Signer

    # SoftHSM2 answered CKR_GENERAL_ERROR to concurrent C_SignInit on sessions of one token (seen in CI), so
    # signings on one token take turns; the PDF work around them is CPU-bound under the GIL anyway.
    with _token_lock(key):
        session = _pkcs11_session(key)
        try:
            yield PKCS11Signer(session, cert_label=key.key_label, key_label=key.key_label,
                               ca_chain=[asn1_certificate(c) for c in key.chain])
        finally:
            session.close()


_token_locks: dict[tuple[str, str], threading.Lock] = {}


def _token_lock(key: Pkcs11Key) -> threading.Lock:
    with _login_lock:
        return _token_locks.setdefault((key.module, key.token_label), threading.Lock())


# PKCS#11 login state is per application, not per session: one logged-in session per token stays open and each
# signing opens its own (already authenticated) session, so parallel signings never share an operation.
_login_lock = threading.Lock()
_logged_in: dict[tuple[str, str], tuple[Any, bytes]] = {}


def _pin_digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode()).digest()


def _pkcs11_session(key: Pkcs11Key) -> Any:
    import pkcs11  # python-pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    ident = (key.module, key.token_label)
    criteria = TokenCriteria(label=key.token_label)
    with _login_lock:
        if ident not in _logged_in:
            try:
                anchor = open_pkcs11_session(key.module, token_criteria=criteria, user_pin=key.pin)
            except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange) as exc:
                raise InvalidArgument("key.pin", "the PIN was not accepted by the token") from exc
            except pkcs11.exceptions.PKCS11Error as exc:
                raise FailedPrecondition(f"PKCS#11 token {key.token_label!r} unavailable: {exc!r}") from exc
            _logged_in[ident] = (anchor, _pin_digest(key.pin))
        elif not hmac.compare_digest(_logged_in[ident][1], _pin_digest(key.pin)):
            raise InvalidArgument("key.pin", "the PIN was not accepted by the token")
    return open_pkcs11_session(key.module, token_criteria=criteria, user_pin=None)


def close_pkcs11_sessions() -> None:
    """Log out of every token (closes the long-lived logged-in sessions)."""
    with _login_lock:
        for anchor, _ in _logged_in.values():
            with contextlib.suppress(Exception):
                anchor.close()
        _logged_in.clear()


# ---------------------------------------------------------------- PDF input


def read_pdf(data: bytes, field_name: str = "pdf") -> PdfFileReader:
    """Refuse empty, non-PDF and encrypted input with a clear message."""
    if not data:
        raise InvalidArgument(field_name, "is empty (0 bytes); send a PDF file")
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise InvalidArgument(field_name, "is not a PDF file (no %PDF- header)")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
        _ = reader.root["/Pages"]
    except Exception as exc:
        raise InvalidArgument(field_name, f"is not a readable PDF file ({exc})") from exc
    if encrypted:
        raise InvalidArgument(field_name, "is encrypted; send the PDF without a password or encryption")
    return reader


def _page_size(reader: PdfFileReader, page: int) -> tuple[float, float]:
    box = reader.find_page_for_modification(page)[0].get_object()["/MediaBox"]
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


# ---------------------------------------------------------------- text fields (number / date)


def _fill_appearance(w: IncrementalPdfFileWriter, text: str, width: float, height: float) -> generic.StreamObject:
    style = TextBoxStyle(font=GlyphAccumulatorFactory(ap.font_for(text)), font_size=FILL_FONT_SIZE,
                         box_layout_rule=TIGHT_LAYOUT)
    box = BoxConstraints(width=width, height=height)
    tb = TextBox(style, writer=w, box=box)
    tb.content = text
    body = tb.render()
    white = f"q 1 g 0 0 {width:.2f} {height:.2f} re f Q ".encode()
    raw = RawContent(white + body, resources=tb.resources, box=box)
    return raw.as_form_xobject()


def _acroform(w: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    root = w.root
    if "/AcroForm" not in root:
        root["/AcroForm"] = w.add_object(generic.DictionaryObject({"/Fields": generic.ArrayObject()}))
        w.update_root()
    form = root["/AcroForm"]
    return form  # type: ignore[no-any-return]


def _add_text_field(w: IncrementalPdfFileWriter, name: str, anchor: ap.Anchor, width: float) -> None:
    """An empty, read-only text field over a placeholder; the agency step fills it (form filling)."""
    page_ref = w.find_page_for_modification(anchor.page)[0]
    pad = 2.0
    b = anchor.box
    rect = generic.ArrayObject([generic.FloatObject(v) for v in (b.x1 - pad, b.y1 - pad, b.x1 + width, b.y2 + pad)])
    fld = generic.DictionaryObject({
        "/Type": generic.NameObject("/Annot"), "/Subtype": generic.NameObject("/Widget"),
        "/FT": generic.NameObject("/Tx"), "/T": generic.TextStringObject(name), "/Rect": rect,
        "/F": generic.NumberObject(4), "/Ff": generic.NumberObject(1), "/P": page_ref,
        "/DA": generic.TextStringObject("/Helv 0 Tf 0 g"),
    })
    ref = w.add_object(fld)
    page = page_ref.get_object()
    if "/Annots" in page:
        annots = page["/Annots"]
        annots.append(ref)
        if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
            w.mark_update(page.raw_get("/Annots"))
        else:
            w.update_container(page)
    else:
        page["/Annots"] = generic.ArrayObject([ref])
        w.update_container(page)
    form = _acroform(w)
    form["/Fields"].append(ref)
    w.update_container(form)


def _fields_by_name(w: IncrementalPdfFileWriter) -> dict[str, generic.IndirectObject]:
    if "/AcroForm" not in w.root:
        return {}
    out: dict[str, generic.IndirectObject] = {}
    for ref in w.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if "/T" in obj:
            out[str(obj["/T"])] = ref
    return out


def _fill_field(w: IncrementalPdfFileWriter, ref: generic.IndirectObject, value: str) -> None:
    fld = ref.get_object()
    rect = [float(v) for v in fld["/Rect"]]
    xobj = _fill_appearance(w, value, rect[2] - rect[0], rect[3] - rect[1])
    fld["/V"] = generic.TextStringObject(value)
    fld["/AP"] = generic.DictionaryObject({"/N": w.add_object(xobj)})
    w.mark_update(ref)


# ---------------------------------------------------------------- signing


def _sign(w: IncrementalPdfFileWriter, signer: signers.Signer, *, field_name: str, page: int, box: ap.Box,
          stamp: StaticStampStyle | TextStampStyle, tsa: Tsa, reason: str, text_params: dict[str, str] | None = None,
          when: dt.datetime | None = None, revocation: Revocation | None = None) -> bytes:
    """PAdES B-T; with ``revocation`` B-LT: strict CRL check of the chain, CRLs and certificates in a /DSS."""
    now = when or dt.datetime.now(dt.UTC)
    cert = signer.signing_cert
    assert cert is not None
    check_validity(cert, now)
    ltv: dict[str, Any] = {}
    if revocation is not None:
        revocation.refuse_revoked(cert, signer.cert_registry)
        ltv = {"embed_validation_info": True, "validation_context": revocation.validation_context()}
    meta = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256", reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES, location="Việt Nam", **ltv)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=tsa.timestamper(), stamp_style=stamp,
                                   new_field_spec=fields.SigFieldSpec(field_name, on_page=page,
                                                                      box=box.as_tuple()))
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(w, output=out, appearance_text_params=text_params)
    except SigningError as exc:
        raise FailedPrecondition(f"signing failed: {Revocation.explain(exc) or exc}") from exc
    return out.getvalue()


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    field_name: str
    page: int
    box: ap.Box


def sign_personal(pdf: bytes, key: KeySource, signature_png: bytes, tsa: Tsa, *,
                  placeholder: str = ap.PLACEHOLDER_SIGNATURE, page: int | None = None,
                  box: ap.Box | None = None, revocation: Revocation | None = None) -> Signed:
    """PAdES B-T personal signature with the signer's image at the placeholder (or at ``page``/``box``).

    Empty text fields are also created over ``[[SO]]`` / ``[[NGAY]]`` so the agency can fill them later as
    form filling, which the personal signature permits. With ``revocation`` (CRLs): B-LT, and a revoked
    certificate is refused (FailedPrecondition).
    """
    w, page, box, stamp = prepare_personal_appearance(pdf, signature_png, placeholder=placeholder, page=page, box=box)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_PERSONAL, page=page, box=box, stamp=stamp, tsa=tsa,
                    reason=REASON_PERSONAL, revocation=revocation)
    return Signed(out, FIELD_PERSONAL, page, box)


REASON_PERSONAL = "Ký số của người có thẩm quyền"


def prepare_personal_appearance(pdf: bytes, signature_png: bytes, *, placeholder: str, page: int | None,
                      box: ap.Box | None) -> tuple[IncrementalPdfFileWriter, int, ap.Box, StaticStampStyle]:
    """The writer (with the empty ``[[SO]]``/``[[NGAY]]`` text fields added), page, box and image stamp of a
    personal signature; shared by :func:`sign_personal` and the two-step signing of :mod:`two_step`."""
    reader = read_pdf(pdf)
    img = ap.check_png(signature_png, "signature_image")
    if box is None or page is None:
        anchor = ap.find_text(pdf, placeholder)
        if anchor is None:
            raise InvalidArgument("anchor", f"placeholder {placeholder!r} not found in the page text; put it "
                                            "between the position line and the signer's name, or give coordinates")
        page, box = anchor.page, ap.personal_box(anchor)
    elif not 0 <= page < int(reader.root["/Pages"]["/Count"]):
        raise InvalidArgument("page", f"page {page} does not exist")
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    existing = _fields_by_name(w)
    for name, ph, width in ((FIELD_NUMBER, ap.PLACEHOLDER_NUMBER, 140.0), (FIELD_DATE, ap.PLACEHOLDER_DATE, 250.0)):
        found = ap.find_text(pdf, ph)
        if found is not None and name not in existing:
            _add_text_field(w, name, found, width)
    stamp = StaticStampStyle(background=PdfImage(img), border_width=0, background_opacity=1.0,
                             background_layout=IMAGE_LAYOUT)
    return w, page, box, stamp


def _sig_field_rect(reader: PdfFileReader, name: str) -> tuple[int, ap.Box] | None:
    pages = [reader.find_page_for_modification(i)[0].idnum for i in range(int(reader.root["/Pages"]["/Count"]))]
    if "/AcroForm" not in reader.root:
        return None
    for ref in reader.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if str(obj.get("/T", "")) == name and "/Rect" in obj:
            r = [float(v) for v in obj["/Rect"]]
            page_ref = obj.raw_get("/P") if "/P" in obj else None
            page = pages.index(page_ref.idnum) if page_ref is not None and page_ref.idnum in pages else 0
            return page, ap.Box(min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3]))
    return None


def issue_and_sign_agency(pdf: bytes, key: KeySource, seal_png: bytes, tsa: Tsa, *, number_symbol: str,
                          issued_on: dt.date, trust_roots: list[x509.Certificate],
                          place: str = "Vĩnh Long", revocation: Revocation | None = None) -> Signed:
    """Fill the number/symbol and date fields, then apply the agency signature with the seal image.

    Refused (FailedPrecondition) unless the document carries a valid, trusted, intact personal signature
    (with ``revocation``: checked against the CRLs, none may be missing) and the ``[[SO]]`` / ``[[NGAY]]``
    fields to fill.
    """
    from vanthu_signing.verify import verify_pdf

    reader = read_pdf(pdf)
    img = ap.check_png(seal_png, "seal_image")
    if not number_symbol.strip():
        raise InvalidArgument("number_symbol", "is empty; give the document's số và ký hiệu, e.g. 12/UBND-VP")
    report = verify_pdf(pdf, trust_roots, revocation=revocation)
    personal = [s for s in report.signatures if s.field_name == FIELD_PERSONAL]
    if not personal or not personal[0].ok:
        why = "; ".join(personal[0].problems) if personal else ""
        raise FailedPrecondition("the document has no valid personal signature of the competent person; the "
                                 "agency signature is applied only to documents already signed (Decree 30, Art. 32)"
                                 + (f": {why}" if why else ""))
    located = _sig_field_rect(reader, FIELD_PERSONAL)
    assert located is not None
    page, pbox = located
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    existing = _fields_by_name(w)
    missing = [f"{ph} placeholder for the {what}" for name, ph, what in (
        (FIELD_NUMBER, ap.PLACEHOLDER_NUMBER, "number and symbol (số, ký hiệu)"),
        (FIELD_DATE, ap.PLACEHOLDER_DATE, "place and date of issue (địa danh, ngày ban hành)")) if name not in existing]
    if missing:
        raise FailedPrecondition(f"the document has no {' and no '.join(missing)}; put them in the text before "
                                 "the personal signature, which creates the fields the agency fills when issuing")
    _fill_field(w, existing[FIELD_NUMBER], number_symbol.strip())
    _fill_field(w, existing[FIELD_DATE], ap.date_line(place, issued_on))
    sbox = ap.seal_box(pbox)
    stamp = StaticStampStyle(background=PdfImage(img), border_width=0, background_opacity=1.0,
                             background_layout=IMAGE_LAYOUT)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_AGENCY, page=page, box=sbox, stamp=stamp, tsa=tsa,
                    reason="Ký số của cơ quan, tổ chức", revocation=revocation)
    return Signed(out, FIELD_AGENCY, page, sbox)


def sign_attachment(pdf: bytes, key: KeySource, tsa: Tsa, *, number_symbol: str,
                    when: dt.datetime | None = None, revocation: Revocation | None = None) -> Signed:
    """Agency signature on a separate accompanying file: no image, text at the top right of page 1.

    With ``revocation`` (CRLs): B-LT, and a revoked certificate is refused (FailedPrecondition)."""
    reader = read_pdf(pdf)
    now = when or dt.datetime.now(dt.UTC)
    text = ap.attachment_text(number_symbol, now)
    pw, ph = _page_size(reader, 0)
    box = ap.attachment_box(text, pw, ph)
    style = TextStampStyle(
        stamp_text="%(label)s", border_width=0, background=None, inner_content_layout=TIGHT_LAYOUT,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(ap.font_for(text)), box_layout_rule=TIGHT_LAYOUT,
                                    font_size=ap.ATTACHMENT_FONT_SIZE, text_color=(0.0, 0.0, 0.0)))
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_ATTACHMENT, page=0, box=box, stamp=style, tsa=tsa,
                    reason="Ký số văn bản kèm theo", text_params={"label": text}, when=now,
                    revocation=revocation)
    return Signed(out, FIELD_ATTACHMENT, 0, box)


FIELD_COPY = "ChuKySaoVanBan"


def sign_copy(pdf: bytes, key: KeySource, tsa: Tsa, *, form: str, agency_name: str, copy_number_symbol: str = "",
              when: dt.datetime | None = None, revocation: Revocation | None = None) -> Signed:
    """The copying agency's signature on a digitised copy (sao y ``SY``, sao lục ``SL``, trích sao ``TrS``;
    Decree 30/2020, Appendix I): no image; form, agency, copy number/symbol and ISO 8601 time at the top right
    of page 1, 10 pt black. Unknown ``form`` -> InvalidArgument("form")."""
    reader = read_pdf(pdf)
    now = when or dt.datetime.now(dt.UTC)
    text = ap.copy_text(form, agency_name, copy_number_symbol, now)
    pw, ph = _page_size(reader, 0)
    box = ap.copy_box(text, pw, ph)
    style = TextStampStyle(
        stamp_text="%(label)s", border_width=0, background=None, inner_content_layout=TIGHT_LAYOUT,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(ap.font_for(text)), box_layout_rule=TIGHT_LAYOUT,
                                    font_size=ap.ATTACHMENT_FONT_SIZE, leading=ap.COPY_LEADING,
                                    text_color=(0.0, 0.0, 0.0)))
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_COPY, page=0, box=box, stamp=style, tsa=tsa,
                    reason=f"Ký số bản sao ({ap.copy_form(form).capitalize()})", text_params={"label": text},
                    when=now, revocation=revocation)
    return Signed(out, FIELD_COPY, 0, box)


def load_key_file(path: Path, password: bytes) -> P12Key:
    return P12Key(path.read_bytes(), password)
