"""Personal, agency and attachment signatures (PKCS#12 keys): pyHanko + pdfsig validation, geometry, bad input."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf

ISSUED_ON = dt.date(2026, 11, 27)


def _sign_both(env, make_pdf, signature_png, seal_png):  # type: ignore[no-untyped-def]
    personal = sg.sign_personal(make_pdf(), env.personal, signature_png, env.tsa)
    agency = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=ISSUED_ON, trust_roots=env.roots)
    return personal, agency


@pytest.fixture(scope="module")
def signed(env, make_pdf, signature_png, seal_png):  # type: ignore[no-untyped-def]
    return _sign_both(env, make_pdf, signature_png, seal_png)


def _render(pdf: bytes, tmp_path: Path, page: int = 1) -> Image.Image:
    src = tmp_path / "render.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page), str(src), str(tmp_path / "r")],
                   check=True)
    out = sorted(tmp_path.glob("r-*.png"))[0]
    return Image.open(out).convert("RGB")


def _bbox(img: Image.Image, pred) -> tuple[int, int, int, int] | None:  # type: ignore[no-untyped-def]
    px = img.load()
    xs, ys = [], []
    for y in range(img.height):
        for x in range(img.width):
            if pred(*px[x, y]):
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def test_personal_signature_valid_pyhanko_and_pdfsig(signed, env, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    personal, _ = signed
    report = verify_pdf(personal.pdf, env.roots)
    assert report.ok, report.text()
    s = report.signatures[0]
    assert s.signer == "Nguyễn Văn Hưởng" and s.title == "Chủ tịch"
    assert s.organisation == "Ủy ban nhân dân tỉnh Vĩnh Long"
    assert s.timestamp_time is not None and s.coverage == "ENTIRE_FILE"
    out = pdfsig(personal.pdf, tmp_path)
    assert "Signature Validation: Signature is Valid" in out
    assert "Nguyễn Văn Hưởng" in out


def test_agency_signature_valid_and_personal_still_valid(signed, env, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, agency = signed
    report = verify_pdf(agency.pdf, env.roots)
    assert report.ok, report.text()
    assert [s.field_name for s in report.signatures] == [sg.FIELD_PERSONAL, sg.FIELD_AGENCY]
    assert report.signatures[0].modification_level == "FORM_FILLING"
    assert report.signatures[1].modification_level == "NONE"
    text = report.text()
    assert "KẾT LUẬN CHUNG: HỢP LỆ" in text and "Người ký: Ủy ban nhân dân tỉnh Vĩnh Long" in text
    # the clerk reads the report: pyHanko's names are said in Vietnamese (they showed as ENTIRE_REVISION etc.)
    assert "Mức thay đổi sau khi ký: điền số, ngày và thêm chữ ký (chấp nhận)" in text
    assert "Mức thay đổi sau khi ký: không có thay đổi (chấp nhận)" in text and "Phạm vi ký: " in text
    assert not any(word in text for word in ("ENTIRE_", "FORM_FILLING", "LTA_UPDATES", "NONE"))
    out = pdfsig(agency.pdf, tmp_path)
    assert out.count("Signature Validation: Signature is Valid") == 2, out
    # the number and date were stamped into the placeholders
    txt = subprocess.run(["pdftotext", "-", "-"], input=agency.pdf, capture_output=True, check=True).stdout.decode()
    assert "12/UBND-VP" in txt and "ngày 27 tháng 11 năm 2026" in txt


def test_rendered_geometry(signed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    personal, agency = signed
    img = _render(agency.pdf, tmp_path)
    h = img.height
    pb, sb = personal.box, agency.box
    blue = _bbox(img, lambda r, g, b: b > 150 and r < 90 and g < 110)
    red = _bbox(img, lambda r, g, b: r > 150 and g < 80 and b < 80)
    assert blue is not None and red is not None
    # image pixels lie inside their signature field rectangles (pdf y up -> image y down)
    assert pb.x1 - 2 <= blue[0] and blue[2] <= pb.x2 + 2 and h - pb.y2 - 2 <= blue[1] and blue[3] <= h - pb.y1 + 2
    assert sb.x1 - 2 <= red[0] and red[2] <= sb.x2 + 2 and h - sb.y2 - 2 <= red[1] and red[3] <= h - sb.y1 + 2
    # the seal overlaps about the left third of the signature box
    overlap = (red[2] - pb.x1) / pb.width
    assert 0.25 <= overlap <= 0.4, overlap
    assert red[0] < pb.x1
    # real seal size: 36 mm (~102 pt)
    assert abs((red[2] - red[0]) - 36 * 72 / 25.4) < 6


def test_attachment_signature(env, make_pdf, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    when = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    res = sg.sign_attachment(make_pdf(pages=2, placeholders=False), env.agency, env.tsa, number_symbol="12/UBND-VP",
                             when=when)
    report = verify_pdf(res.pdf, env.roots)
    assert report.ok, report.text()
    assert "Signature Validation: Signature is Valid" in pdfsig(res.pdf, tmp_path)
    assert res.page == 0 and res.box.x2 > 500 and res.box.y1 > 780  # top right of page 1
    txt = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=res.pdf, capture_output=True,
                         check=True).stdout.decode()
    assert "12/UBND-VP 2026-11-27T10:04:05+07:00" in txt
    img = _render(res.pdf, tmp_path)
    region = img.crop((round(res.box.x1), img.height - round(res.box.y2), round(res.box.x2),
                       img.height - round(res.box.y1)))
    colours = {c for _, c in region.getcolors(maxcolors=1 << 20) or [] if c != (255, 255, 255)}
    assert colours and all(max(c) - min(c) < 30 for c in colours)  # black/grey text only, no image


def test_agency_refused_without_personal_signature(env, make_pdf, seal_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FailedPrecondition):
        sg.issue_and_sign_agency(make_pdf(), env.agency, seal_png, env.tsa, number_symbol="1/UBND",
                                 issued_on=ISSUED_ON, trust_roots=env.roots)


def test_agency_refused_when_personal_untrusted(signed, seal_png, env) -> None:  # type: ignore[no-untyped-def]
    other = pki.generate("Other Root")
    with pytest.raises(FailedPrecondition):
        sg.issue_and_sign_agency(signed[0].pdf, env.agency, seal_png, env.tsa, number_symbol="1/UBND",
                                 issued_on=ISSUED_ON, trust_roots=[other.root.cert])


@pytest.mark.parametrize(
    ("pdf", "reason"),
    [(b"", "rỗng"), (b"hello world", "không phải tệp PDF"), (b"%PDF-1.7\n garbage", "PDF hỏng")],
)
def test_bad_pdf_refused(pdf: bytes, reason: str, env, signature_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        sg.sign_personal(pdf, env.personal, signature_png, env.tsa)
    assert err.value.field == "pdf" and reason in err.value.reason


def test_encrypted_pdf_refused(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.crypt import StandardSecurityHandler
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    w = copy_into_new_writer(PdfFileReader(io.BytesIO(make_pdf())))
    w.security_handler = StandardSecurityHandler.build_from_pw("owner", "user")
    w._assign_security_handler(w.security_handler)
    out = io.BytesIO()
    w.write(out)
    with pytest.raises(InvalidArgument, match="bị mã hóa"):
        sg.sign_personal(out.getvalue(), env.personal, signature_png, env.tsa)


def test_anchor_missing_refused(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        sg.sign_personal(make_pdf(placeholders=False), env.personal, signature_png, env.tsa)
    assert err.value.field == "placeholder"
    # what the signer can do about it, from the screens they have: no box to choose there (new-user review)
    assert "Người soạn cần gõ [[CHU_KY]]" in str(err.value) and "trả lại dự thảo" in str(err.value)
    assert "chọn ô" not in str(err.value)


def test_explicit_coordinates(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    res = sg.sign_personal(make_pdf(placeholders=False, pages=2), env.personal, signature_png, env.tsa, page=1,
                           box=ap.Box(300, 300, 430, 360))
    assert verify_pdf(res.pdf, env.roots).ok


def test_non_png_seal_refused(signed, env, make_png) -> None:  # type: ignore[no-untyped-def]
    jpeg = make_png((220, 0, 0), seal=True, fmt="JPEG", mode="RGB")
    with pytest.raises(InvalidArgument) as err:
        sg.issue_and_sign_agency(signed[0].pdf, env.agency, jpeg, env.tsa, number_symbol="1/UBND",
                                 issued_on=ISSUED_ON, trust_roots=env.roots)
    assert err.value.field == "seal_image"


def test_wrong_p12_password(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        sg.sign_personal(make_pdf(), sg.P12Key(env.personal.data, b"wrong"), signature_png, env.tsa)
    assert err.value.field == "key.password"


def test_expired_certificate_refused(env, make_pdf, signature_png, make_p12) -> None:  # type: ignore[no-untyped-def]
    now = dt.datetime.now(dt.UTC)
    old = pki.issue_personal(env.pki.intermediate, not_before=now - dt.timedelta(days=400),
                             not_after=now - dt.timedelta(days=1))
    with pytest.raises(FailedPrecondition, match="hết hạn"):
        sg.sign_personal(make_pdf(), make_p12(old, [env.pki.intermediate.cert]), signature_png, env.tsa)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\r\n\r\n", b"Content-Type: application/pdf\r\n\r\n"],
                         ids=["utf8-bom", "blank-lines", "mail-header"])
def test_bytes_before_the_header_are_dropped_and_every_kind_of_signature_validates(prefix: bytes, env, make_pdf,  # type: ignore[no-untyped-def]
                                                                                   signature_png, seal_png, pdfsig,
                                                                                   tmp_path) -> None:
    draft = prefix + make_pdf()
    personal = sg.sign_personal(draft, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(prefix + personal.pdf, env.agency, seal_png, env.tsa, number_symbol="9/UBND",
                                      issued_on=ISSUED_ON, trust_roots=env.roots)
    attachment = sg.sign_attachment(draft, env.agency, env.tsa, number_symbol="9/UBND")
    copy = sg.sign_copy(draft, env.agency, env.tsa, form="SY", agency_name="Ủy ban nhân dân tỉnh Vĩnh Long")
    for signed, count in ((personal.pdf, 1), (issued.pdf, 2), (attachment.pdf, 1), (copy.pdf, 1)):
        assert signed.startswith(b"%PDF-")
        assert verify_pdf(signed, env.roots).ok
        assert pdfsig(signed, tmp_path).count("Signature Validation: Signature is Valid") == count
    assert verify_pdf(prefix + issued.pdf, env.roots).ok  # and verification reads such a file too


def test_field_case_bom_before_header_is_signed(field_case, env, signature_png, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    signed = sg.sign_personal(field_case("10-bom-before-header.pdf"), env.personal, signature_png, env.tsa)
    assert signed.pdf.startswith(b"%PDF-") and verify_pdf(signed.pdf, env.roots).ok
    assert "Signature Validation: Signature is Valid" in pdfsig(signed.pdf, tmp_path)


def test_file_without_header_is_refused_saying_what_it_starts_with(env, signature_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        sg.sign_personal(b"GIF89a" + b"\x00" * 2000 + b"%PDF-1.7", env.personal, signature_png, env.tsa)
    assert err.value.field == "pdf"
    assert "không có phần đầu %PDF- trong 1024 byte đầu" in err.value.reason and "GIF89a" in err.value.reason


def test_a_local_tsa_makes_its_sizing_token_once_for_many_signings(env, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                                   monkeypatch) -> None:
    """pyHanko sizes a signature with a dummy timestamp its timestamper makes once and keeps: one timestamper for
    the TSA, so two signings ask it for three tokens (one dummy, one each), not four."""
    from pyhanko.sign.timestamps import DummyTimeStamper

    asked: list[int] = []
    request = DummyTimeStamper.request_tsa_response

    def counted(self, req):  # type: ignore[no-untyped-def]
        asked.append(1)
        return request(self, req)

    monkeypatch.setattr(DummyTimeStamper, "request_tsa_response", counted)
    tsa = sg.Tsa(env.tsa.cert, env.tsa.key_pem, env.tsa.chain)
    for _ in range(2):
        signed = sg.sign_personal(make_pdf(), env.personal, signature_png, tsa)
        assert [s.ok for s in verify_pdf(signed.pdf, env.roots).signatures] == [True]
    assert len(asked) == 3
