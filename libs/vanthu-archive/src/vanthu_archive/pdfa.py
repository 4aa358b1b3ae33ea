"""PDF/A for archival copies: detect signatures, convert unsigned PDFs to PDF/A-2b, check what can be checked.

Why pikepdf (qpdf) and not Ghostscript ``-dPDFA=2``: Ghostscript re-distills every page (fonts re-encoded, images
possibly re-compressed, the content streams rewritten), which changes what the civil servant signed off and takes
seconds per megabyte; pikepdf keeps every page's content byte for byte and only adds what PDF/A-2b asks of the
document level (XMP identification, an sRGB output intent, no encryption, no JavaScript or launch actions). It is
already a dependency of the signing service and needs no system package. What pikepdf cannot do is embed a font
that is missing; :func:`to_pdfa` embeds the metric-compatible Liberation fonts (fonts-liberation, already a system
dependency) for the standard fonts Times, Helvetica and Courier, which is what generated PDFs usually reference, and
refuses (:class:`PdfaError`) a PDF with any other font not embedded.

Signed PDFs are never rewritten here: :func:`is_signed` finds a signature field with a value (or a DocMDP
permission) and callers keep such files byte for byte (Decree 30 Art. 30; a rewrite breaks the signature).

No PDF/A validator (veraPDF) runs here. :func:`check_pdfa` checks what can be checked without one: the XMP
``pdfaid:part``/``conformance``, the header version, an output intent with an ICC profile, every font embedded, no
encryption, no JavaScript, no forbidden actions (Launch, ImportData, ResetForm, Hide, Sound, Movie, Rendition…), no
additional-actions dictionaries, no embedded files. It does not check colour spaces of every image, transparency
group details, annotation appearance flags or the XMP schema extensions.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf
from reportlab.pdfbase.ttfonts import TTFontFile

SRGB_ID = "sRGB IEC61966-2.1"
#: Actions PDF/A-2 forbids (ISO 19005-2 §6.6.1).
FORBIDDEN_ACTIONS = frozenset({"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide", "/SetOCGState",
                               "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript"})
LIBERATION_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/liberation"),
                   Path("/usr/share/fonts/TTF"))
#: Standard fonts → the metric-compatible Liberation file (fonts-liberation).
_STANDARD = {
    "Helvetica": "LiberationSans-Regular.ttf", "Helvetica-Bold": "LiberationSans-Bold.ttf",
    "Helvetica-Oblique": "LiberationSans-Italic.ttf", "Helvetica-BoldOblique": "LiberationSans-BoldItalic.ttf",
    "Arial": "LiberationSans-Regular.ttf", "Arial,Bold": "LiberationSans-Bold.ttf",
    "Times-Roman": "LiberationSerif-Regular.ttf", "Times-Bold": "LiberationSerif-Bold.ttf",
    "Times-Italic": "LiberationSerif-Italic.ttf", "Times-BoldItalic": "LiberationSerif-BoldItalic.ttf",
    "TimesNewRoman": "LiberationSerif-Regular.ttf", "TimesNewRoman,Bold": "LiberationSerif-Bold.ttf",
    "Courier": "LiberationMono-Regular.ttf", "Courier-Bold": "LiberationMono-Bold.ttf",
    "Courier-Oblique": "LiberationMono-Italic.ttf", "Courier-BoldOblique": "LiberationMono-BoldItalic.ttf",
}


class PdfaError(ValueError):
    """The PDF cannot be made PDF/A here (encrypted with a password, damaged, a font missing that has no
    metric-compatible substitute); the message is Vietnamese."""


# -- signatures -------------------------------------------------------------------------------------------------


def _fields(fields: object, depth: int = 0) -> Iterator[Dictionary]:
    if not isinstance(fields, Array) or depth > 32:
        return
    for f in fields:
        if isinstance(f, Dictionary):
            yield f
            yield from _fields(f.get("/Kids"), depth + 1)


def is_signed(data: bytes) -> bool:
    """Whether the PDF carries a digital signature: a signature field (``/FT /Sig``) with a value, or a DocMDP or
    UR3 permission in the catalogue (``/Perms``). A PDF pikepdf cannot open counts as signed when the raw bytes
    hold a ``/ByteRange`` (so it is kept unchanged rather than rewritten)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Perms" in pdf.Root:
                return True
            acroform = pdf.Root.get("/AcroForm")
            if not isinstance(acroform, Dictionary):
                return False
            return any(f.get("/FT") == Name.Sig and f.get("/V") is not None for f in _fields(acroform.get("/Fields")))
    except (pikepdf.PdfError, pikepdf.PasswordError):
        return b"/ByteRange" in data


# -- conversion -------------------------------------------------------------------------------------------------


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (Pillow's littleCMS built-in), for the PDF/A output intent."""
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _liberation(base: str) -> Path | None:
    name = _STANDARD.get(base.split("+", 1)[-1])
    if name is None:
        return None
    for folder in LIBERATION_DIRS:
        if (folder / name).exists():
            return folder / name
    return None


def _is_embedded(font: Dictionary) -> bool:
    subtype = font.get("/Subtype")
    if subtype == Name.Type3:
        return True
    if subtype == Name.Type0:
        descendants = font.get("/DescendantFonts")
        return isinstance(descendants, Array) and all(
            isinstance(d, Dictionary) and _is_embedded(d) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, Dictionary) and any(k in descriptor for k in ("/FontFile", "/FontFile2",
                                                                                  "/FontFile3"))


def _dictionaries(pdf: Pdf) -> Iterator[Dictionary]:
    """Every dictionary of the file: the indirect objects (streams' dictionaries included) and the direct
    dictionaries nested in them (an annotation's action is usually direct)."""

    def nested(obj: object, depth: int) -> Iterator[Dictionary]:
        if depth > 32:
            return
        if isinstance(obj, Dictionary | pikepdf.Stream):
            yield obj  # type: ignore[misc]
            children = obj.values()
        elif isinstance(obj, Array):
            children = obj
        else:
            return
        for child in children:
            if isinstance(child, Dictionary | Array | pikepdf.Stream) and not child.is_indirect:
                yield from nested(child, depth + 1)

    for obj in pdf.objects:
        if isinstance(obj, Dictionary | Array | pikepdf.Stream):
            yield from nested(obj, 0)


def _fonts(pdf: Pdf) -> Iterator[Dictionary]:
    """Every font dictionary reachable from the pages (their resources, form XObjects, annotation appearances)."""
    seen: set[tuple[int, int]] = set()

    def walk(resources: object, depth: int) -> Iterator[Dictionary]:
        if not isinstance(resources, Dictionary) or depth > 16:
            return
        fonts = resources.get("/Font")
        if isinstance(fonts, Dictionary):
            for font in fonts.values():
                if isinstance(font, Dictionary):
                    key = font.objgen
                    if key != (0, 0) and key in seen:
                        continue
                    seen.add(key)
                    yield font
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, Dictionary):
            for xobj in xobjects.values():
                if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == Name.Form:
                    key = xobj.objgen
                    if key != (0, 0) and key in seen:
                        continue
                    seen.add(key)
                    yield from walk(xobj.get("/Resources"), depth + 1)

    for page in pdf.pages:
        yield from walk(page.obj.get("/Resources"), 0)
        for annot in page.obj.get("/Annots", Array()):
            appearance = annot.get("/AP") if isinstance(annot, Dictionary) else None
            if isinstance(appearance, Dictionary):
                for state in appearance.values():
                    streams = state.values() if isinstance(state, Dictionary) and not isinstance(
                        state, pikepdf.Stream) else [state]
                    for stream in streams:
                        if isinstance(stream, pikepdf.Stream):
                            yield from walk(stream.get("/Resources"), 1)


@dataclass(frozen=True)
class _Metrics:
    """What a simple TrueType font dictionary needs of a font file: the WinAnsi widths 32–255 and the descriptor's
    numbers, in 1/1000 em."""

    widths: tuple[int, ...]
    bbox: tuple[int, ...]
    italic_angle: int
    ascent: int
    descent: int
    cap_height: int
    stem_v: int


@cache
def _metrics(path: Path) -> _Metrics:
    """The metrics of the font at ``path``, read once per process (reportlab's ``TTFontFile`` is already scaled to
    1/1000 em and keys ``charWidths`` by Unicode code point)."""
    ttf = TTFontFile(str(path))
    chars = [ord(bytes([c]).decode("cp1252", errors="replace")) for c in range(32, 256)]
    return _Metrics(widths=tuple(round(ttf.charWidths.get(c, ttf.defaultWidth)) for c in chars),
                    bbox=tuple(round(v) for v in ttf.bbox), italic_angle=round(ttf.italicAngle),
                    ascent=round(ttf.ascent), descent=round(ttf.descent), cap_height=round(ttf.capHeight),
                    stem_v=round(ttf.stemV))


def _flate(pdf: Pdf, data: bytes, **keys: object) -> pikepdf.Stream:
    """A new stream, deflated here (the file is saved without recompressing streams)."""
    return pdf.make_stream(_deflate(data), Filter=Name.FlateDecode, **keys)


@cache
def _deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def _embed_substitute(pdf: Pdf, font: Dictionary) -> bool:
    """Embed the Liberation font metric-compatible with a standard simple font; False when there is none."""
    if font.get("/Subtype") not in (Name.Type1, Name.TrueType) or "/BaseFont" not in font:
        return False
    path = _liberation(str(font.BaseFont)[1:])
    if path is None:
        return False
    m = _metrics(path)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + path.stem), Flags=32, FontBBox=Array(list(m.bbox)),
        ItalicAngle=m.italic_angle, Ascent=m.ascent, Descent=m.descent, CapHeight=m.cap_height, StemV=m.stem_v,
        FontFile2=_flate(pdf, _winansi_subset(path)))
    font.Subtype = Name.TrueType
    font.BaseFont = Name("/" + path.stem)
    font.FirstChar, font.LastChar, font.Widths = 32, 255, Array(list(m.widths))
    font.FontDescriptor = pdf.make_indirect(descriptor)
    if "/Encoding" not in font:
        font.Encoding = Name.WinAnsiEncoding
    return True


@cache
def _winansi_subset(path: Path) -> bytes:
    """The TrueType font at ``path`` cut down to the WinAnsi characters (fontTools' subsetter): a tenth of the size,
    made once per font per process."""
    from fontTools import subset

    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.drop_tables = [*options.drop_tables, "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(bytes([c]).decode("cp1252", errors="replace")) for c in range(32, 256)])
    font = subset.load_font(str(path), options)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def _strip_actions(pdf: Pdf) -> None:
    """Remove JavaScript, forbidden actions, additional-actions dictionaries and embedded files (PDF/A-2 §6.6)."""
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    for holder in (root, *(p.obj for p in pdf.pages)):
        if "/AA" in holder:
            del holder["/AA"]
    opener = root.get("/OpenAction")
    if isinstance(opener, Dictionary) and opener.get("/S") in FORBIDDEN_ACTIONS:
        del root["/OpenAction"]
    for obj in list(_dictionaries(pdf)):
        action = obj.get("/A")
        if isinstance(action, Dictionary) and str(action.get("/S")) in FORBIDDEN_ACTIONS:
            del obj["/A"]
        if "/AA" in obj and obj.get("/Type") in (Name.Annot, None) and obj.get("/Subtype") == Name.Widget:
            del obj["/AA"]
        if obj.get("/Type") == Name.Filespec and "/EF" in obj:
            del obj["/EF"]


def to_pdfa(data: bytes, *, title: str = "") -> bytes:
    """An unsigned PDF as PDF/A-2b (ISO 19005-2, level B), page content unchanged.

    Adds the XMP identification (``pdfaid:part`` 2, ``conformance`` B; ``dc:title`` when given), an sRGB output
    intent, removes encryption, JavaScript, forbidden actions and embedded files, embeds Liberation fonts for
    unembedded standard fonts, writes PDF 1.7 at most with a file identifier. Raises :class:`PdfaError` when the
    PDF is signed (it must be kept unchanged), cannot be read, or has a font that cannot be embedded. Deterministic:
    the same input gives the same bytes.
    """
    if is_signed(data):
        raise PdfaError("văn bản đã ký số: giữ nguyên bản gốc, không chuyển đổi sang PDF/A")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise PdfaError("tệp PDF được mã hóa bằng mật khẩu, không chuyển đổi được sang PDF/A") from exc
    except pikepdf.PdfError as exc:
        raise PdfaError(f"tệp PDF bị hỏng, không đọc được: {exc}") from exc
    with pdf:
        missing = []
        for font in _fonts(pdf):
            if not _is_embedded(font) and not _embed_substitute(pdf, font):
                missing.append(str(font.get("/BaseFont", "?"))[1:])
        if missing:
            raise PdfaError("phông chữ chưa được nhúng và không có phông thay thế tương thích: "
                            + ", ".join(sorted(set(missing))))
        _strip_actions(pdf)
        pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=SRGB_ID, Info=SRGB_ID,
            RegistryName="http://www.color.org", DestOutputProfile=_flate(pdf, srgb_profile(), N=3)))])
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            if title:
                meta["dc:title"] = title
        out = io.BytesIO()
        version = pdf.pdf_version if pdf.pdf_version <= "1.7" else "1.7"
        # streams are written as they are (no decoding, no recompression): the pages' bytes stay the same, and a
        # megabyte of image data is not deflated again
        pdf.save(out, encryption=False, deterministic_id=True, force_version=version, fix_metadata_version=True,
                 compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


# -- checks -----------------------------------------------------------------------------------------------------


def check_pdfa(data: bytes) -> list[str]:
    """What can be checked of PDF/A (part 1–3) without a validator; every problem in Vietnamese, ``[]`` when none
    is found (which does not prove conformance: see the module's docstring for what is not checked)."""
    problems: list[str] = []
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return ["tệp được mã hóa (PDF/A cấm mã hóa)"]
    except pikepdf.PdfError as exc:
        return [f"không đọc được tệp PDF: {exc}"]
    with pdf:
        if pdf.is_encrypted:
            problems.append("tệp được mã hóa (PDF/A cấm mã hóa)")
        meta = pdf.open_metadata()
        part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
        if part not in ("1", "2", "3") or conformance not in ("A", "B", "U"):
            problems.append(f"thiếu định danh PDF/A trong XMP (pdfaid:part={part!r}, "
                            f"pdfaid:conformance={conformance!r})")
        elif part in ("2", "3") and pdf.pdf_version > "1.7":
            problems.append(f"phiên bản PDF {pdf.pdf_version} vượt quá 1.7 mà PDF/A-{part} cho phép")
        intents = pdf.Root.get("/OutputIntents")
        if not isinstance(intents, Array) or not any(
                isinstance(i, Dictionary) and i.get("/S") == Name.GTS_PDFA1 and "/DestOutputProfile" in i
                for i in intents):
            problems.append("thiếu OutputIntent GTS_PDFA1 với hồ sơ màu ICC")
        for font in _fonts(pdf):
            if not _is_embedded(font):
                problems.append(f"phông chữ {str(font.get('/BaseFont', '?'))[1:]} chưa được nhúng")
        names = pdf.Root.get("/Names")
        if isinstance(names, Dictionary):
            if "/JavaScript" in names:
                problems.append("có JavaScript (Names/JavaScript)")
            if "/EmbeddedFiles" in names:
                problems.append("có tệp đính kèm nhúng (EmbeddedFiles)")
        if "/AA" in pdf.Root or any("/AA" in p.obj for p in pdf.pages):
            problems.append("có hành động bổ sung (AA) ở tài liệu hoặc trang")
        for obj in _dictionaries(pdf):
            kind = obj.get("/S")
            if kind is not None and str(kind) in FORBIDDEN_ACTIONS and ("/JS" in obj or obj.get("/Type") in (
                    Name.Action, None)):
                problems.append(f"có hành động bị cấm {str(kind)[1:]}")
            elif "/JS" in obj:
                problems.append("có JavaScript")
    return sorted(set(problems), key=problems.index)


__all__ = ["FORBIDDEN_ACTIONS", "PdfaError", "check_pdfa", "is_signed", "srgb_profile", "to_pdfa"]
