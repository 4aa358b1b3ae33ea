"""Widget appearances drawn as the reader sees the page (Decree 30/2020, Appendix I: images and text upright).

An :class:`Appearance` is a stack of layers in the widget's *display frame* (points, origin at the widget's
lower-left corner as displayed, y up): white patches that cover placeholders left in signed content, images (the
signature or the seal, scaled to fit and centred) and text (Times-like serif, black). On a page with /Rotate the
appearance form XObject carries the matching /Matrix and the widget /MK /R, so viewers show it upright whatever the
page rotation (ISO 32000-1, §12.5.5 and §12.5.6.19).

:class:`Appearance` is a pyHanko stamp style, used for signature fields; :func:`field_appearance` builds the same
kind of appearance for the number and date text fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent, ResourceType
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import BaseStamp, BaseStampStyle

from vanthu_signing.domain import appearance as ap
from vanthu_signing.domain.geometry import PageGeometry

IMAGE_LAYOUT = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                                   margins=Margins(0, 0, 0, 0), inner_content_scaling=InnerScaling.STRETCH_TO_FIT)
TIGHT_LAYOUT = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                                   margins=Margins(1, 1, 1, 1), inner_content_scaling=InnerScaling.SHRINK_TO_FIT)


@dataclass(frozen=True)
class Layer:
    """One part of an appearance, in the widget's display frame (points)."""

    box: ap.Box
    image: Image.Image | None = None
    text: str = ""
    font_size: int = ap.ATTACHMENT_FONT_SIZE
    leading: int | None = None
    white: bool = False  # a white patch (covers what is under it)
    bold: bool = False

    @classmethod
    def patch(cls, box: ap.Box) -> Layer:
        return cls(box, white=True)

    @classmethod
    def picture(cls, box: ap.Box, image: Image.Image) -> Layer:
        return cls(box, image=image)

    @classmethod
    def words(cls, box: ap.Box, text: str, font_size: int, leading: int | None = None, *,
              bold: bool = False) -> Layer:
        return cls(box, text=text, font_size=font_size, leading=leading, bold=bold)


@dataclass(frozen=True)
class Appearance(BaseStampStyle):
    """A signature widget appearance: ``layers`` drawn upright on a page turned by ``rotate`` degrees."""

    rotate: int = 0
    layers: tuple[Layer, ...] = ()
    border_width: int = 0

    def create_stamp(self, writer: BasePdfFileWriter, box: BoxConstraints, text_params: dict[str, Any]) -> BaseStamp:
        return LayeredStamp(writer, self, box)


def _matrix(rotate: int) -> generic.ArrayObject:
    m = PageGeometry.of(ap.Box(0, 0, 1, 1), None, rotate).appearance_matrix
    return generic.ArrayObject([generic.FloatObject(v) for v in m])


class LayeredStamp(BaseStamp):
    """The rendering of an :class:`Appearance`; ``box`` is the widget's size in user space (as pyHanko passes it)."""

    def __init__(self, writer: BasePdfFileWriter, style: Appearance, box: BoxConstraints) -> None:
        width, height = float(box.width), float(box.height)
        if style.rotate in (90, 270):
            width, height = height, width
        super().__init__(writer=writer, style=style, box=BoxConstraints(width=width, height=height))
        self.layered: Appearance = style

    def _layer_xobject(self, index: int, layer: Layer) -> bytes:
        """Each layer is a form XObject of its own (its fonts and images keep their own resource names)."""
        w, h = max(layer.box.width, 0.01), max(layer.box.height, 0.01)
        box = BoxConstraints(width=w, height=h)
        writer = self._ensure_writer
        if layer.white:
            body, resources = b"1 g 0 0 %g %g re f" % (w, h), None
        elif layer.image is not None:
            img = PdfImage(layer.image, writer=writer)
            content = img.render()
            pos = IMAGE_LAYOUT.fit(box, img.box.width, img.box.height)
            body, resources = b"%s %s" % (pos.as_cm(), content), img.resources
        else:
            style = TextBoxStyle(font=GlyphAccumulatorFactory(ap.font_for(layer.text, bold=layer.bold)),
                                 font_size=layer.font_size,
                                 box_layout_rule=TIGHT_LAYOUT, text_color=(0.0, 0.0, 0.0), leading=layer.leading)
            tb = TextBox(style, writer=writer, box=box)
            tb.content = layer.text
            body, resources = tb.render(), tb.resources
        ref = writer.add_object(RawContent(body, resources=resources, box=box).as_form_xobject())
        name = generic.NameObject(f"/VanThuLayer{index}")
        self.set_resource(category=ResourceType.XOBJECT, name=name, value=ref)
        return b"q 1 0 0 1 %g %g cm %s Do Q" % (layer.box.x1, layer.box.y1, name.encode("ascii"))

    def render(self) -> bytes:
        parts = [self._layer_xobject(i, layer) for i, layer in enumerate(self.layered.layers)]
        return b"q " + b" ".join(parts) + b" Q"

    def as_form_xobject(self) -> generic.StreamObject:
        xobj = super().as_form_xobject()
        if self.layered.rotate:
            xobj["/Matrix"] = _matrix(self.layered.rotate)
        return xobj

    def apply_appearance(self, annot_dict: generic.DictionaryObject) -> None:
        super().apply_appearance(annot_dict)
        if self.layered.rotate:
            annot_dict["/MK"] = generic.DictionaryObject({"/R": generic.NumberObject(self.layered.rotate)})


def field_appearance(writer: BasePdfFileWriter, rect: tuple[float, float, float, float], rotate: int,
                     layers: tuple[Layer, ...]) -> generic.StreamObject:
    """The normal appearance form XObject of a widget with user-space ``rect`` on a page turned by ``rotate``."""
    x1, y1, x2, y2 = rect
    stamp = LayeredStamp(writer, Appearance(rotate=rotate, layers=layers),
                         BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1)))
    return stamp.as_form_xobject()
