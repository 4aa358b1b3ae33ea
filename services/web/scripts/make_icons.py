"""Draw the web app's icons (public/icons/*.png) from the favicon's design: a blue rounded square with three white
lines of text — no third-party artwork. Run from services/web: ``uv run python scripts/make_icons.py``; commit the PNGs.

Sizes: 192 and 512 px ("any": the rounded square), and 512 px "maskable" (full-bleed blue, the lines inside the
central 80 % safe zone, as the Web App Manifest spec's icon masks need)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE, WHITE = (9, 88, 217, 255), (255, 255, 255, 255)
OUT = Path(__file__).resolve().parents[1] / "public" / "icons"
#: The favicon's 32-unit grid: the three lines (x, y, width, height).
LINES = ((8, 9, 16, 3), (8, 15, 16, 3), (8, 21, 10, 3))


def icon(size: int, *, maskable: bool) -> Image.Image:
    """The icon at ``size`` px; maskable: full-bleed background, the drawing scaled into the safe zone."""
    scale = 4  # drawn larger, then downsampled: smooth corners
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        unit, offset = big * 0.7 / 32, big * 0.15
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 // 32, fill=BLUE)
        unit, offset = big / 32, 0.0
    for x, y, w, h in LINES:
        draw.rectangle((offset + x * unit, offset + y * unit, offset + (x + w) * unit, offset + (y + h) * unit),
                       fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
