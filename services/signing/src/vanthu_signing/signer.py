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
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import FieldMDPSpec, MDPPerm
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import DummyTimeStamper, TimeStamper
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing.domain import appearance as ap
from vanthu_signing.domain.geometry import PageGeometry
from vanthu_signing.pdfdoc import load_pdf, page_count, page_geometry
from vanthu_signing.pki import Revocation, asn1_certificate
from vanthu_signing.placeholders import find_anchors, locate, remove_placeholders
from vanthu_signing.widgets import Appearance, Layer, field_appearance

FIELD_PERSONAL = "ChuKyCaNhan"
FIELD_AGENCY = "ChuKyCoQuan"
FIELD_ATTACHMENT = "ChuKyCoQuanKemTheo"
FIELD_NUMBER = "SoKyHieu"
FIELD_DATE = "NgayBanHanh"
FIELD_AUTHORITY = "ThamQuyenKy"
FILL_FONT_SIZE = 13

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
    #: The one timestamper of this TSA: pyHanko sizes each signature with a dummy token the timestamper makes once
    #: and keeps (a key load, a token and a path validation: about a tenth of a sealing); a new timestamper per
    #: signing made it again every time. The certificate and key of a local TSA do not change under it.
    _stamper: TimeStamper | None = field(default=None, init=False, repr=False, compare=False)

    def timestamper(self) -> TimeStamper:
        if self._stamper is None:
            self._stamper = self._new_timestamper()
        return self._stamper

    def _new_timestamper(self) -> TimeStamper:
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


@dataclass(frozen=True)
class HttpTsa:
    """An RFC 3161 timestamp authority over HTTP (pyHanko's HTTPTimeStamper), optionally with basic auth."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_s: float = 10.0

    def timestamper(self) -> TimeStamper:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        auth = (self.username, self.password) if self.username else None
        return HTTPTimeStamper(self.url, auth=auth, timeout=int(self.timeout_s))


#: Where timestamps come from: the development PKI's local signer, or a real TSA.
TimestampAuthority = Tsa | HttpTsa


def check_validity(cert: asn1_x509.Certificate, when: dt.datetime) -> None:
    validity = cert["tbs_certificate"]["validity"]
    nb = validity["not_before"].native
    na = validity["not_after"].native
    name = cert.subject.human_friendly
    if when > na:
        raise FailedPrecondition(f"Chứng thư số của {name} đã hết hạn ngày {na.isoformat()}: hãy gia hạn chứng thư số.")
    if when < nb:
        raise FailedPrecondition(f"Chứng thư số của {name} chưa có hiệu lực trước ngày {nb.isoformat()}.")


@contextlib.contextmanager
def open_signer(key: KeySource) -> Iterator[signers.Signer]:
    """A pyHanko signer for the key; PKCS#11 sessions are closed on exit."""
    if isinstance(key, P12Key):
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(key.data, other_certs=(), passphrase=key.password)
        except (ValueError, TypeError) as exc:
            raise InvalidArgument("key.password", "sai mật khẩu hoặc tệp PKCS#12 không đọc được.") from exc
        if signer is None:
            raise InvalidArgument("key.password", "sai mật khẩu hoặc tệp PKCS#12 không đọc được.")
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
                raise InvalidArgument("key.pin", "thiết bị ký không chấp nhận mã PIN: hãy nhập lại.") from exc
            except pkcs11.exceptions.PKCS11Error as exc:
                raise FailedPrecondition(f"Thiết bị ký (token PKCS#11) {key.token_label!r} không dùng được ({exc!r}): "
                                         "báo quản trị hệ thống.") from exc
            _logged_in[ident] = (anchor, _pin_digest(key.pin))
        elif not hmac.compare_digest(_logged_in[ident][1], _pin_digest(key.pin)):
            raise InvalidArgument("key.pin", "thiết bị ký không chấp nhận mã PIN: hãy nhập lại.")
    return open_pkcs11_session(key.module, token_criteria=criteria, user_pin=None)


def close_pkcs11_sessions() -> None:
    """Log out of every token (closes the long-lived logged-in sessions)."""
    with _login_lock:
        for anchor, _ in _logged_in.values():
            with contextlib.suppress(Exception):
                anchor.close()
        _logged_in.clear()


# ---------------------------------------------------------------- PDF input


# ---------------------------------------------------------------- earlier signatures (DocMDP, field locks)


@dataclass(frozen=True)
class EarlierSignature:
    """A signature the document carries before ours: its field, the signer's certificate CN, its DocMDP
    permission (certification, or /Lock /P) and its field lock."""

    field_name: str
    signer: str
    docmdp: MDPPerm | None
    lock: FieldMDPSpec | None


def earlier_signatures(reader: PdfFileReader) -> list[EarlierSignature]:
    """Every signature (and document timestamp) already in the document."""
    out = []
    for emb in reader.embedded_signatures:
        try:
            cn = emb.signer_cert.subject.native.get("common_name", "") or emb.signer_cert.subject.human_friendly
        except Exception:
            cn = "?"
        lock = emb.fieldmdp
        if lock is None and isinstance(emb.sig_field.get("/Lock"), generic.DictionaryObject):
            with contextlib.suppress(Exception):
                lock = FieldMDPSpec.from_pdf_object(emb.sig_field["/Lock"])
        out.append(EarlierSignature(str(emb.field_name), str(cn), emb.docmdp_level, lock))
    return out


def refuse_if_locked(earlier: list[EarlierSignature], new_field: str, what: str) -> None:
    """FailedPrecondition naming the earlier signer when adding the signature field ``new_field`` would invalidate
    an earlier signature: a certification with DocMDP P=1 (no change permitted, ISO 32000-1 §12.8.2.2) or a field
    lock covering ``new_field``. DocMDP P=2 and P=3 permit signing (and form filling)."""
    for s in earlier:
        if s.docmdp == MDPPerm.NO_CHANGES:
            raise FailedPrecondition(
                f"Văn bản mang chữ ký số của {s.signer} (trường {s.field_name}) không cho phép thay đổi (DocMDP P=1): "
                f"{what} sẽ làm mất hiệu lực chữ ký đó. Hãy gửi bản không có chữ ký đó, hoặc bản chứng thực với P=2 "
                "(cho phép điền và ký).")
        if s.lock is not None and s.lock.is_locked(new_field):
            raise FailedPrecondition(
                f"Văn bản mang chữ ký số của {s.signer} (trường {s.field_name}) đã khóa các trường "
                f"({s.lock.action.value}): {what} (trường {new_field}) sẽ làm mất hiệu lực chữ ký đó. Hãy gửi bản "
                "không có chữ ký đó, hoặc bản mà người ký không khóa trường.")


# ---------------------------------------------------------------- text fields (number / date)


def _value_box(anchor: ap.Anchor, width: float) -> ap.Box:
    """Where the number or the date goes (display frame): from the placeholder's left edge, ``width`` points wide
    (within the visible page), 2 points above and below the placeholder."""
    a = anchor.display_box
    right = a.x1 + width
    if anchor.geometry is not None:
        right = min(right, anchor.geometry.display_width)
    return ap.Box(a.x1 - 2.0, a.y1 - 2.0, max(right, a.x2), a.y2 + 2.0)


def _value_layers(frame: ap.Box, text: str) -> tuple[Layer, ...]:
    """The number or date on a white ground (hiding whatever is under the value's box)."""
    return Layer.patch(frame), Layer.words(frame, text, FILL_FONT_SIZE)


def _acroform(w: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    root = w.root
    if "/AcroForm" not in root:
        root["/AcroForm"] = w.add_object(generic.DictionaryObject({"/Fields": generic.ArrayObject()}))
        w.update_root()
    form = root["/AcroForm"]
    return form  # type: ignore[no-any-return]


def _add_text_field(w: IncrementalPdfFileWriter, name: str, anchor: ap.Anchor, width: float) -> None:
    """An empty, read-only text field over a placeholder; the agency step fills it (form filling). On a rotated
    page the field carries /MK /R so that its filled value reads upright."""
    page_ref = w.find_page_for_modification(anchor.page)[0]
    shown = _value_box(anchor, width)
    b = anchor.geometry.to_user(shown) if anchor.geometry is not None else shown
    rotate = anchor.geometry.rotate if anchor.geometry is not None else 0
    rect = generic.ArrayObject([generic.FloatObject(v) for v in (b.x1, b.y1, b.x2, b.y2)])
    fld = generic.DictionaryObject({
        "/Type": generic.NameObject("/Annot"), "/Subtype": generic.NameObject("/Widget"),
        "/FT": generic.NameObject("/Tx"), "/T": generic.TextStringObject(name), "/Rect": rect,
        "/F": generic.NumberObject(4), "/Ff": generic.NumberObject(1), "/P": page_ref,
        "/DA": generic.TextStringObject("/Helv 0 Tf 0 g"),
    })
    if rotate:
        fld["/MK"] = generic.DictionaryObject({"/R": generic.NumberObject(rotate)})
    _attach_field(w, page_ref, fld)


def _attach_field(w: IncrementalPdfFileWriter, page_ref: generic.IndirectObject,
                  fld: generic.DictionaryObject) -> None:
    """The field widget on its page's /Annots and in the form's /Fields."""
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


def authority_box(lines: tuple[str, ...], *, placeholder: ap.Box | None, image: ap.Box,
                  geometry: PageGeometry) -> ap.Box:
    """Where the signing authority lines go (display frame): from the top of the ``[[THAM_QUYEN]]`` placeholder
    down, centred on it, when the draft has one; else just above the signature image, centred on it. Kept inside
    the visible page."""
    width = max(ap.font_text_width(line, ap.AUTHORITY_FONT_SIZE, bold=True) for line in lines) + 8
    height = ap.AUTHORITY_LEADING * len(lines) + 4
    if placeholder is not None:
        cx, top = (placeholder.x1 + placeholder.x2) / 2, placeholder.y2 + 3
    else:
        cx, top = (image.x1 + image.x2) / 2, image.y2 + 1 + height
    return geometry.keep_visible(ap.Box(cx - width / 2, top - height, cx + width / 2, top))


def _authority_layers(frame: ap.Box, lines: tuple[str, ...]) -> tuple[Layer, ...]:
    """The lines centred one under the other, uppercase bold 13 pt, on a white ground."""
    layers = [Layer.patch(frame)]
    for i, line in enumerate(lines):
        width = ap.font_text_width(line, ap.AUTHORITY_FONT_SIZE, bold=True) + 4
        x1 = max((frame.width - width) / 2, 0.0)
        y2 = frame.height - 2 - i * ap.AUTHORITY_LEADING
        layers.append(Layer.words(ap.Box(x1, y2 - ap.AUTHORITY_LEADING, min(x1 + width, frame.width), y2), line,
                                  ap.AUTHORITY_FONT_SIZE, bold=True))
    return tuple(layers)


def _add_authority_field(w: IncrementalPdfFileWriter, page: int, geometry: PageGeometry, shown: ap.Box,
                         lines: tuple[str, ...]) -> None:
    """A read-only text field holding the authority lines (value and appearance), added in the revision the
    personal signature covers."""
    page_ref = w.find_page_for_modification(page)[0]
    b = geometry.to_user(shown)
    rect = (b.x1, b.y1, b.x2, b.y2)
    frame = ap.Box(0, 0, shown.width, shown.height)
    fld = generic.DictionaryObject({
        "/Type": generic.NameObject("/Annot"), "/Subtype": generic.NameObject("/Widget"),
        "/FT": generic.NameObject("/Tx"), "/T": generic.TextStringObject(FIELD_AUTHORITY),
        "/Rect": generic.ArrayObject([generic.FloatObject(v) for v in rect]),
        "/F": generic.NumberObject(4), "/Ff": generic.NumberObject(1 | 4096), "/P": page_ref,  # read-only, multiline
        "/DA": generic.TextStringObject("/Helv 0 Tf 0 g"), "/V": generic.TextStringObject("\n".join(lines)),
    })
    if geometry.rotate:
        fld["/MK"] = generic.DictionaryObject({"/R": generic.NumberObject(geometry.rotate)})
    fld["/AP"] = generic.DictionaryObject({"/N": w.add_object(field_appearance(
        w, rect, geometry.rotate, _authority_layers(frame, lines)))})
    _attach_field(w, page_ref, fld)


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
    """Form filling: the value and an appearance drawn upright (the field's /MK /R), on a white ground."""
    fld = ref.get_object()
    x1, y1, x2, y2 = (float(v) for v in fld["/Rect"])
    mk = fld.get("/MK")
    rotate = int(mk.get("/R", 0)) if isinstance(mk, generic.DictionaryObject) else 0
    size = ap.Box(0, 0, abs(x2 - x1), abs(y2 - y1))
    if rotate in (90, 270):
        size = ap.Box(0, 0, size.height, size.width)
    xobj = field_appearance(w, (x1, y1, x2, y2), rotate, _value_layers(size, value))
    fld["/V"] = generic.TextStringObject(value)
    fld["/AP"] = generic.DictionaryObject({"/N": w.add_object(xobj)})
    w.mark_update(ref)


# ---------------------------------------------------------------- signing


def _sign(w: IncrementalPdfFileWriter, signer: signers.Signer, *, field_name: str, page: int, box: ap.Box,
          stamp: BaseStampStyle, tsa: TimestampAuthority, reason: str, text_params: dict[str, str] | None = None,
          when: dt.datetime | None = None, revocation: Revocation | None = None) -> bytes:
    """PAdES B-T; with ``revocation`` B-LT: strict CRL check of the chain, CRLs and certificates in a /DSS.

    The signing certificate must be valid now (or at ``when``): the only check made at the current time."""
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
        raise FailedPrecondition(f"Ký số không thành công: {Revocation.explain(exc) or exc}") from exc
    return out.getvalue()


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    field_name: str
    page: int
    box: ap.Box


def sign_personal(pdf: bytes, key: KeySource, signature_png: bytes, tsa: TimestampAuthority, *,
                  placeholder: str = ap.PLACEHOLDER_SIGNATURE, page: int | None = None,
                  box: ap.Box | None = None, revocation: Revocation | None = None,
                  authority: tuple[str, ...] = (), authority_above: bool = False) -> Signed:
    """PAdES B-T personal signature with the signer's image at the placeholder (or at ``page``/``box``, user space).

    Before the document's first signature the placeholders (``placeholder``, ``[[SO]]``, ``[[NGAY]]``) are taken
    out of the page content and empty text fields are created over ``[[SO]]`` / ``[[NGAY]]`` so the agency can
    fill them later as form filling, which the personal signature permits. A document signed already keeps its
    content (changing it would break the earlier signature): the image covers the placeholder instead, and the
    agency signature covers ``[[SO]]`` / ``[[NGAY]]``; refused (FailedPrecondition, naming the earlier signer) when
    an earlier signature permits no new signature (DocMDP P=1, field lock). With ``revocation`` (CRLs): B-LT, and
    a revoked certificate is refused (FailedPrecondition). Layout per Decree 30/2020, Appendix I, box 7c.

    ``authority``: the signing authority lines (:func:`vanthu_signing.domain.appearance.authority_lines`, box
    7a/7b), stamped in a read-only field at ``[[THAM_QUYEN]]`` when the draft has it (taken out of the content like
    the others), else, with ``authority_above`` (a signature under a delegation, whose competence the drafted title
    does not show), just above the signature image; FailedPrecondition when they cannot be added because the
    document was signed before.
    """
    w, page, box, stamp = prepare_personal_appearance(pdf, signature_png, placeholder=placeholder, page=page, box=box,
                                                      authority=authority, authority_above=authority_above)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_PERSONAL, page=page, box=box, stamp=stamp, tsa=tsa,
                    reason=REASON_PERSONAL, revocation=revocation)
    return Signed(out, FIELD_PERSONAL, page, box)


REASON_PERSONAL = "Ký số của người có thẩm quyền"
VALUE_WIDTHS = {FIELD_NUMBER: 140.0, FIELD_DATE: 250.0}


def _relative(outer: ap.Box, inner: ap.Box) -> ap.Box:
    """``inner`` in the frame of ``outer`` (both in the same frame), clipped to ``outer``."""
    return ap.Box(max(inner.x1, outer.x1) - outer.x1, max(inner.y1, outer.y1) - outer.y1,
                  min(inner.x2, outer.x2) - outer.x1, min(inner.y2, outer.y2) - outer.y1)


@dataclass(frozen=True)
class Placement:
    """Where a personal signature would land: ``page`` (0-based) and ``box`` in its user space (PDF points), the
    page's visible area (CropBox) and /Rotate, and how many pages the PDF has."""

    page: int
    box: ap.Box
    area: ap.Box
    rotate: int
    pages: int


def place_personal(pdf: bytes, *, placeholder: str, page: int | None, box: ap.Box | None) -> Placement:
    """Where :func:`sign_personal` would put the signature image on ``pdf``, signing nothing: centred on
    ``placeholder`` (InvalidArgument when the page text lacks it) unless ``page`` and ``box`` are given (InvalidArgument
    for a page the PDF does not have). The preview shown before signing."""
    data, reader = load_pdf(pdf)
    pages = page_count(reader)
    if box is None or page is None:
        anchors, _ = locate(data, (placeholder,))
        anchor = anchors.get(placeholder)
        if anchor is None:
            raise InvalidArgument("placeholder", missing_mark(placeholder))
        page, box = anchor.page, ap.personal_box(anchor)
    elif not 0 <= page < pages:
        raise InvalidArgument("page", f"trang {page} không có trong văn bản.")
    geometry = page_geometry(reader, page)
    return Placement(page=page, box=box, area=geometry.crop, rotate=geometry.rotate, pages=pages)


def missing_mark(placeholder: str) -> str:
    """What a signer reads when the draft has no ``placeholder`` (the ``[[CHU_KY]]`` mark where the signature image
    goes): what the drafter must do, in the words of the screens (the signing dialog offers no box to choose; the API's
    ``page`` and box do)."""
    return (f"không thấy dấu {placeholder} trong tệp dự thảo. Người soạn cần gõ {placeholder} vào giữa dòng chức vụ "
            "và họ tên người ký rồi tải lại tệp PDF; người ký hãy trả lại dự thảo để sửa.")


def prepare_personal_appearance(pdf: bytes, signature_png: bytes, *, placeholder: str, page: int | None,
                                box: ap.Box | None, authority: tuple[str, ...] = (), authority_above: bool = False,
                                ) -> tuple[IncrementalPdfFileWriter, int, ap.Box, Appearance]:
    """The writer (placeholders taken out of the content and the empty ``[[SO]]``/``[[NGAY]]`` text fields added,
    when the document carries no signature yet), page, user-space box and image appearance of a personal signature;
    shared by :func:`sign_personal` and the two-step signing of :mod:`two_step`. See :func:`sign_personal`."""
    data, reader = load_pdf(pdf)
    img = ap.check_png(signature_png, "signature_image")
    earlier = earlier_signatures(reader)
    refuse_if_locked(earlier, FIELD_PERSONAL, "chữ ký số cá nhân")
    anchors, pages_with = locate(data, (placeholder, ap.PLACEHOLDER_NUMBER, ap.PLACEHOLDER_DATE,
                                        ap.PLACEHOLDER_AUTHORITY))
    at_placeholder = anchors.get(ap.PLACEHOLDER_AUTHORITY)
    if authority and earlier and (at_placeholder is not None or authority_above):
        raise FailedPrecondition(f"Văn bản đã mang chữ ký số của {earlier[0].signer}: không thêm được thẩm quyền ký "
                                 f"({' / '.join(authority)}) nữa; hãy gửi dự thảo chưa ký.")
    if box is None or page is None:
        anchor = anchors.get(placeholder)
        if anchor is None:
            raise InvalidArgument("placeholder", missing_mark(placeholder))
        page, box = anchor.page, ap.personal_box(anchor)
    elif not 0 <= page < page_count(reader):
        raise InvalidArgument("page", f"trang {page} không có trong văn bản.")
    visible = set(anchors)
    if not earlier:
        data, removed = remove_placeholders(data, list(anchors), pages_with)
        visible = {n for n in anchors if not removed.get(n)}
    geometry = page_geometry(reader, page)
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    if not earlier:
        existing = _fields_by_name(w)
        for name, ph in ((FIELD_NUMBER, ap.PLACEHOLDER_NUMBER), (FIELD_DATE, ap.PLACEHOLDER_DATE)):
            if ph in anchors and name not in existing:
                _add_text_field(w, name, anchors[ph], VALUE_WIDTHS[name])
    shown = geometry.to_display(box)
    if authority and not earlier and (at_placeholder is not None or authority_above):
        where = at_placeholder.page if at_placeholder is not None else page
        where_geometry = page_geometry(reader, where)
        _add_authority_field(w, where, where_geometry, authority_box(
            authority, placeholder=where_geometry.to_display(at_placeholder.box) if at_placeholder else None,
            image=shown, geometry=where_geometry), authority)
    layers: list[Layer] = []
    cover = anchors.get(placeholder)
    if placeholder in visible and cover is not None and cover.page == page:
        a = geometry.to_display(cover.box)
        layers.append(Layer.patch(_relative(shown, ap.Box(a.x1 - 1, a.y1 - 1, a.x2 + 1, a.y2 + 1))))
    layers.append(Layer.picture(ap.Box(0, 0, shown.width, shown.height), img))
    return w, page, box, Appearance(rotate=geometry.rotate, layers=tuple(layers))


def _sig_field_rect(reader: PdfFileReader, name: str) -> tuple[int, ap.Box] | None:
    pages = [reader.find_page_for_modification(i)[0].idnum for i in range(page_count(reader))]
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


def _union(boxes: list[ap.Box]) -> ap.Box:
    return ap.Box(min(b.x1 for b in boxes), min(b.y1 for b in boxes), max(b.x2 for b in boxes),
                  max(b.y2 for b in boxes))


def issue_and_sign_agency(pdf: bytes, key: KeySource, seal_png: bytes, tsa: TimestampAuthority, *, number_symbol: str,
                          issued_on: dt.date, trust_roots: list[x509.Certificate],
                          place: str = "Vĩnh Long", revocation: Revocation | None = None) -> Signed:
    """Fill the number/symbol and the date line (:func:`ap.date_line`), then apply the agency signature with the
    seal image at real size over the left third of the personal signature (Decree 30/2020, Appendix I, box 8).

    Refused (FailedPrecondition) unless the document carries a valid, trusted, intact personal signature
    (with ``revocation``: checked against the CRLs, none may be missing) and the ``[[SO]]`` / ``[[NGAY]]``
    fields to fill. When the personal signature was applied over an earlier signature (no text fields could be
    added), the number and date are drawn by the agency signature's own appearance over the placeholders, which
    must then be on the page of the personal signature.
    """
    from vanthu_signing.verify import verify_pdf

    data, reader = load_pdf(pdf)
    img = ap.check_png(seal_png, "seal_image")
    if not number_symbol.strip():
        raise InvalidArgument("number_symbol", "chưa nhập: hãy ghi số và ký hiệu của văn bản, ví dụ 12/UBND-VP.")
    date_text = ap.date_line(place, issued_on)
    report = verify_pdf(data, trust_roots, revocation=revocation)
    personal = [s for s in report.signatures if s.field_name == FIELD_PERSONAL]
    if not personal or not personal[0].ok:
        why = "; ".join(personal[0].problems) if personal else ""
        raise FailedPrecondition("Văn bản chưa có chữ ký số hợp lệ của người có thẩm quyền; chữ ký số của cơ quan "
                                 "chỉ đóng lên văn bản đã ký (Nghị định 30/2020 Điều 32)"
                                 + (f": {why}" if why else "."))
    refuse_if_locked(earlier_signatures(reader), FIELD_AGENCY, "chữ ký số của cơ quan")
    located = _sig_field_rect(reader, FIELD_PERSONAL)
    assert located is not None
    page, pbox = located
    geometry = page_geometry(reader, page)
    seal_shown = geometry.keep_visible(ap.seal_box(geometry.to_display(pbox)))
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    existing = _fields_by_name(w)
    wanted = ((FIELD_NUMBER, ap.PLACEHOLDER_NUMBER, "số, ký hiệu", number_symbol.strip()),
              (FIELD_DATE, ap.PLACEHOLDER_DATE, "địa danh, ngày ban hành", date_text))
    uncovered = [item for item in wanted if item[0] not in existing]
    anchors = find_anchors(data, [ph for _, ph, _, _ in uncovered]) if uncovered else {}
    missing = [f"vị trí {ph} cho {what}" for _, ph, what, _ in uncovered if ph not in anchors]
    if missing:
        raise FailedPrecondition(f"Văn bản thiếu {' và thiếu '.join(missing)}; hãy đặt chúng vào nội dung trước khi "
                                 "ký số cá nhân, để tạo các trường cơ quan điền khi ban hành.")
    elsewhere = [ph for _, ph, _, _ in uncovered if anchors[ph].page != page]
    if elsewhere:
        raise FailedPrecondition(
            f"{' và '.join(elsewhere)} phải ở trang {page + 1}, cùng trang với chữ ký số cá nhân: văn bản đã được ký "
            "trước khi có chữ ký số cá nhân nên không thêm được trường, và chữ ký số của cơ quan tự thể hiện số và "
            "ngày trên trang của nó.")
    for name, _, _, value in wanted:
        if name in existing:
            _fill_field(w, existing[name], value)
    drawn = [(_value_box(anchors[ph], VALUE_WIDTHS[name]), value) for name, ph, _, value in uncovered]
    shown = _union([seal_shown, *(b for b, _ in drawn)])
    layers: list[Layer] = []
    for b, value in drawn:
        layers += _value_layers(_relative(shown, b), value)
    layers.append(Layer.picture(_relative(shown, seal_shown), img))
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=FIELD_AGENCY, page=page, box=geometry.to_user(shown),
                    stamp=Appearance(rotate=geometry.rotate, layers=tuple(layers)), tsa=tsa,
                    reason="Ký số của cơ quan, tổ chức", revocation=revocation)
    return Signed(out, FIELD_AGENCY, page, geometry.to_user(seal_shown))


def _text_signature(pdf: bytes, key: KeySource, tsa: TimestampAuthority, *, field_name: str, text: str, box_rule: Any,
                    reason: str, when: dt.datetime, leading: int | None, revocation: Revocation | None) -> Signed:
    """An agency signature without image: ``text`` (10 pt, black) in the box ``box_rule(text, width, height)``
    places on page 1 as the reader sees it (within its visible area, upright whatever the page rotation)."""
    data, reader = load_pdf(pdf)
    refuse_if_locked(earlier_signatures(reader), field_name, "chữ ký số của cơ quan")
    geometry = page_geometry(reader, 0)
    shown = box_rule(text, geometry.display_width, geometry.display_height)
    frame = ap.Box(0, 0, shown.width, shown.height)
    stamp = Appearance(rotate=geometry.rotate,
                       layers=(Layer.words(frame, text, ap.ATTACHMENT_FONT_SIZE, leading=leading),))
    box = geometry.to_user(shown)
    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    with open_signer(key) as signer:
        out = _sign(w, signer, field_name=field_name, page=0, box=box, stamp=stamp, tsa=tsa, reason=reason,
                    when=when, revocation=revocation)
    return Signed(out, field_name, 0, box)


def sign_attachment(pdf: bytes, key: KeySource, tsa: TimestampAuthority, *, number_symbol: str,
                    when: dt.datetime | None = None, revocation: Revocation | None = None) -> Signed:
    """Agency signature on a separate accompanying file (Decree 30/2020, Appendix I, II.8.b): no image; the main
    document's number/symbol and the ISO 8601 signing time (+07:00) at the top right of page 1 as displayed.

    With ``revocation`` (CRLs): B-LT, and a revoked certificate is refused (FailedPrecondition)."""
    now = when or dt.datetime.now(dt.UTC)
    return _text_signature(pdf, key, tsa, field_name=FIELD_ATTACHMENT, text=ap.attachment_text(number_symbol, now),
                           box_rule=ap.attachment_box, reason="Ký số văn bản kèm theo", when=now, leading=None,
                           revocation=revocation)


FIELD_COPY = "ChuKySaoVanBan"


def sign_copy(pdf: bytes, key: KeySource, tsa: TimestampAuthority, *, form: str, agency_name: str,
              copy_number_symbol: str = "", when: dt.datetime | None = None,
              revocation: Revocation | None = None) -> Signed:
    """The copying agency's signature on a digitised copy (sao y ``SY``, sao lục ``SL``, trích sao ``TrS``;
    Decree 30/2020, Appendix I): no image; form, agency, copy number/symbol and ISO 8601 time at the top right
    of page 1 as displayed, 10 pt black. Unknown ``form`` -> InvalidArgument("form")."""
    now = when or dt.datetime.now(dt.UTC)
    text = ap.copy_text(form, agency_name, copy_number_symbol, now)
    return _text_signature(pdf, key, tsa, field_name=FIELD_COPY, text=text, box_rule=ap.copy_box,
                           reason=f"Ký số bản sao ({ap.copy_form(form).capitalize()})", when=now,
                           leading=ap.COPY_LEADING, revocation=revocation)


def load_key_file(path: Path, password: bytes) -> P12Key:
    return P12Key(path.read_bytes(), password)
