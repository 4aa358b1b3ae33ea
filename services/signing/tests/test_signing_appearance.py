"""Unit tests of the presentation rules (Decree 30/2020, Appendix I) and image checks."""

from __future__ import annotations

import datetime as dt

import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_signing.domain import appearance as ap

pytestmark = pytest.mark.unit


def test_png_with_alpha_accepted(make_png) -> None:  # type: ignore[no-untyped-def]
    img = ap.check_png(make_png((0, 0, 255)), "signature_image")
    assert img.mode == "RGBA"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (b"", "chưa có"),
        ({"fmt": "JPEG", "mode": "RGB"}, "không phải ảnh PNG"),
        ({"mode": "RGB"}, "không có nền trong suốt"),
        ({"size": (10, 10)}, "mỗi cạnh phải từ"),
        ({"size": (2400, 100)}, "mỗi cạnh phải từ"),
        (b"\x89PNG\r\n\x1a\nbroken", "không đọc được"),
    ],
)
def test_bad_images_refused(spec: bytes | dict, reason: str, make_png) -> None:  # type: ignore[no-untyped-def]
    data = spec if isinstance(spec, bytes) else make_png((0, 0, 255), **spec)
    with pytest.raises(InvalidArgument) as err:
        ap.check_png(data, "seal_image")
    assert err.value.field == "seal_image"
    assert reason in err.value.reason


def test_seal_overlaps_left_third_of_signature() -> None:
    personal = ap.Box(300, 200, 430, 260)
    seal = ap.seal_box(personal)
    assert seal.x2 == pytest.approx(personal.x1 + personal.width / 3)
    assert seal.width == pytest.approx(36 * 72 / 25.4)  # real seal size
    assert (seal.y1 + seal.y2) / 2 == pytest.approx(230)
    assert seal.x1 < personal.x1


def test_iso_time_has_vietnam_offset() -> None:
    when = dt.datetime(2026, 1, 5, 2, 3, 4, 999, tzinfo=dt.UTC)
    assert ap.iso_vn(when) == "2026-01-05T09:03:04+07:00"
    assert ap.attachment_text(" 12/UBND-VP ", when) == "12/UBND-VP 2026-01-05T09:03:04+07:00"
    with pytest.raises(InvalidArgument):
        ap.attachment_text("  ", when)


def test_attachment_box_top_right_within_page() -> None:
    text = "12/UBND-VP 2026-01-05T09:03:04+07:00"
    box = ap.attachment_box(text, 595.28, 841.89)
    assert box.x2 == pytest.approx(595.28 - 15 * 72 / 25.4, abs=1)
    assert box.y2 < 841.89 and box.y1 > 841.89 - 25 * 72 / 25.4
    assert box.width > ap.text_width(text)


def test_anchor_found_in_page_text(make_pdf) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf(pages=2)
    anchor = ap.find_text(pdf, ap.PLACEHOLDER_SIGNATURE)
    assert anchor is not None and anchor.page == 0
    assert 100 < anchor.box.y1 < 400
    assert ap.find_text(pdf, "[[KHONG_CO]]") is None
    box = ap.personal_box(anchor)
    assert box.width == ap.PERSONAL_BOX_W


def test_font_fallback_for_vietnamese() -> None:
    assert "Liberation" in ap.font_for("12/UBND-VP 2026-01-05T09:03:04+07:00")
    assert "DejaVu" in ap.font_for("Ủy ban")


@pytest.mark.parametrize(("month", "shown"), [(1, "01"), (2, "02"), (3, "3"), (4, "4"), (5, "5"), (6, "6"),
                                              (7, "7"), (8, "8"), (9, "9"), (10, "10"), (11, "11"), (12, "12")])
@pytest.mark.parametrize(("day", "day_shown"), [(1, "01"), (9, "09"), (10, "10"), (31, "31")])
def test_date_line_pads_days_below_10_and_only_months_1_and_2(month: int, shown: str, day: int,
                                                              day_shown: str) -> None:
    if day == 31 and month in (2, 4, 6, 9, 11):
        day, day_shown = 28, "28"
    line = ap.date_line("Vĩnh Long", dt.date(2026, month, day))
    assert line == f"Vĩnh Long, ngày {day_shown} tháng {shown} năm 2026"


def test_date_line_examples_of_decree_30_appendix_i() -> None:
    assert ap.date_line("Vĩnh Long", dt.date(2026, 3, 5)) == "Vĩnh Long, ngày 05 tháng 3 năm 2026"
    assert ap.date_line("Vĩnh Long", dt.date(2026, 2, 15)) == "Vĩnh Long, ngày 15 tháng 02 năm 2026"
    assert ap.date_line("Hà Nội", dt.date(2026, 1, 1)) == "Hà Nội, ngày 01 tháng 01 năm 2026"
    assert ap.date_line(" Vĩnh  Long ", dt.date(2026, 10, 20)) == "Vĩnh Long, ngày 20 tháng 10 năm 2026"
    decomposed = "Vi\u0303nh Long"  # NFD input comes out NFC
    assert ap.date_line(decomposed, dt.date(2026, 10, 20)).startswith("Vĩnh Long,")
    with pytest.raises(InvalidArgument) as err:
        ap.date_line("  ", dt.date(2026, 10, 20))
    assert err.value.field == "place"


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_page_geometry_round_trips_display_and_user_space(rotate: int) -> None:
    from vanthu_signing.domain.geometry import PageGeometry

    g = PageGeometry.of(ap.Box(-100, -50, 945, 700), ap.Box(-50, 20, 791.89, 615.28), rotate)
    assert (g.display_width, g.display_height) == ((595.28, 841.89) if rotate in (90, 270) else (841.89, 595.28))
    shown = ap.Box(10, 20, 140, 80)
    user = g.to_user(shown)
    assert user.width == pytest.approx(60 if rotate in (90, 270) else 130)
    back = g.to_display(user)
    assert (back.x1, back.y1, back.x2, back.y2) == pytest.approx((10, 20, 140, 80))
    # the visible area's lower-left corner as displayed is a corner of the crop box
    corner = g.to_user(ap.Box(0, 0, 0, 0))
    assert (corner.x1, corner.y1) == {0: (-50, 20), 90: (791.89, 20), 180: (791.89, 615.28),
                                      270: (-50, 615.28)}[rotate]


def test_page_geometry_reads_poppler_boxes_and_keeps_stamps_visible() -> None:
    from vanthu_signing.domain.geometry import PageGeometry

    # poppler measures from the top left of the MediaBox as displayed (here turned a quarter clockwise)
    g = PageGeometry.of(ap.Box(0, 0, 595.28, 841.89), None, 90)
    word = g.from_poppler(591.89, 436.16, 663.26, 448.16)  # the [[CHU_KY]] of field case 01b
    assert (word.x1, word.y1, word.x2, word.y2) == pytest.approx((436.16, 591.89, 448.16, 663.26))
    assert g.keep_visible(ap.Box(-20, 500, 110, 560)) == ap.Box(0, 500, 130, 560)
    assert g.keep_visible(ap.Box(800, 580, 900, 640)) == ap.Box(741.89, 535.28, 841.89, 595.28)
    assert PageGeometry.of(ap.Box(0, 0, 10, 10), ap.Box(20, 20, 30, 30), 45).crop == ap.Box(0, 0, 10, 10)
