"""Page geometry: where a page's visible area is in PDF user space and how the reader sees it.

A page has a MediaBox, an optional CropBox (the area a viewer shows, clipped to the MediaBox) and a /Rotate
(clockwise quarter turns applied for display), each possibly inherited from the page tree (ISO 32000-1, §7.7.3.3
and §7.7.3.4). Signature layout rules (Decree 30/2020, Appendix I: "top right of page 1", "centred on the
placeholder", "the seal overlaps the left third of the signature") speak of the page *as the reader sees it*: they
are computed in the **display frame** and converted to user space here.

Display frame: points, origin at the lower-left corner of the visible (crop) area as displayed, x to the right,
y up, ``display_width`` x ``display_height``. User space: the page's own coordinates (``/Rect`` of widgets).
"""

from __future__ import annotations

from dataclasses import dataclass

from vanthu_signing.domain.appearance import Box

Matrix = tuple[float, float, float, float, float, float]


def _normal(box: Box) -> Box:
    return Box(min(box.x1, box.x2), min(box.y1, box.y2), max(box.x1, box.x2), max(box.y1, box.y2))


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _transform(m: Matrix, box: Box) -> Box:
    pts = [_apply(m, x, y) for x in (box.x1, box.x2) for y in (box.y1, box.y2)]
    return Box(min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


@dataclass(frozen=True)
class PageGeometry:
    """A page's MediaBox, visible area (CropBox clipped to the MediaBox) and /Rotate (0, 90, 180 or 270)."""

    media: Box
    crop: Box
    rotate: int = 0

    @classmethod
    def of(cls, media: Box, crop: Box | None = None, rotate: int = 0) -> PageGeometry:
        """Normalised geometry: boxes with x1 < x2 and y1 < y2, the crop box clipped to the media box (ignored
        when they do not overlap), ``rotate`` reduced modulo 360; a /Rotate that is not a multiple of 90 counts as
        0, as poppler reads it."""
        media = _normal(media)
        visible = media
        if crop is not None:
            c = _normal(crop)
            clipped = Box(max(c.x1, media.x1), max(c.y1, media.y1), min(c.x2, media.x2), min(c.y2, media.y2))
            if clipped.width > 0 and clipped.height > 0:
                visible = clipped
        turn = rotate % 360 if rotate % 90 == 0 else 0
        return cls(media, visible, turn)

    @property
    def quarter_turned(self) -> bool:
        return self.rotate in (90, 270)

    @property
    def display_width(self) -> float:
        return self.crop.height if self.quarter_turned else self.crop.width

    @property
    def display_height(self) -> float:
        return self.crop.width if self.quarter_turned else self.crop.height

    @staticmethod
    def _display_to_user(rotate: int, frame: Box) -> Matrix:
        """The matrix taking display-frame points of ``frame`` (as displayed) to user space."""
        x1, y1, x2, y2 = frame.x1, frame.y1, frame.x2, frame.y2
        return {
            0: (1.0, 0.0, 0.0, 1.0, x1, y1),
            90: (0.0, 1.0, -1.0, 0.0, x2, y1),
            180: (-1.0, 0.0, 0.0, -1.0, x2, y2),
            270: (0.0, -1.0, 1.0, 0.0, x1, y2),
        }[rotate]

    @staticmethod
    def _user_to_display(rotate: int, frame: Box) -> Matrix:
        x1, y1, x2, y2 = frame.x1, frame.y1, frame.x2, frame.y2
        return {
            0: (1.0, 0.0, 0.0, 1.0, -x1, -y1),
            90: (0.0, -1.0, 1.0, 0.0, -y1, x2),
            180: (-1.0, 0.0, 0.0, -1.0, x2, y2),
            270: (0.0, 1.0, -1.0, 0.0, y2, -x1),
        }[rotate]

    def to_user(self, box: Box) -> Box:
        """A display-frame box (relative to the visible area) in user space."""
        return _transform(self._display_to_user(self.rotate, self.crop), box)

    def to_display(self, box: Box) -> Box:
        """A user-space box in the display frame (relative to the visible area)."""
        return _transform(self._user_to_display(self.rotate, self.crop), box)

    def from_poppler(self, x_min: float, y_min: float, x_max: float, y_max: float) -> Box:
        """A word box of poppler's ``pdftotext -bbox`` in user space. Poppler reports points from the top-left
        corner of the *MediaBox as displayed* (rotated), y down."""
        media_display_height = self.media.width if self.quarter_turned else self.media.height
        displayed = Box(x_min, media_display_height - y_max, x_max, media_display_height - y_min)
        return _transform(self._display_to_user(self.rotate, self.media), displayed)

    def keep_visible(self, box: Box) -> Box:
        """A display-frame box moved (not resized) so that it lies inside the visible area where it fits."""
        dx = max(0.0, -box.x1) - max(0.0, box.x2 - self.display_width) if box.width <= self.display_width else 0.0
        dy = max(0.0, -box.y1) - max(0.0, box.y2 - self.display_height) if box.height <= self.display_height else 0.0
        return Box(box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)

    @property
    def appearance_matrix(self) -> Matrix:
        """The /Matrix of a widget appearance drawn in the display frame, so that it shows upright: a quarter turn
        counter-clockwise per quarter turn of /Rotate (the /MK /R of the widget, ISO 32000-1 §12.5.6.19)."""
        return {
            0: (1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
            90: (0.0, 1.0, -1.0, 0.0, 0.0, 0.0),
            180: (-1.0, 0.0, 0.0, -1.0, 0.0, 0.0),
            270: (0.0, -1.0, 1.0, 0.0, 0.0, 0.0),
        }[self.rotate]
