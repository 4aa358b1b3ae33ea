"""Placeholders in a draft (``[[CHU_KY]]``, ``[[SO]]``, ``[[NGAY]]``): where they are, and taking them out of the
page content before the first signature.

* :func:`find_anchors` reads the words and their boxes with poppler's ``pdftotext -bbox`` and converts them to user
  space with the page geometry (poppler reports the rotated page, from the top left of the MediaBox).
* :func:`remove_placeholders` rewrites the content streams (pikepdf) so that the placeholder glyphs are no longer
  shown: each text-showing operator that carries them becomes a ``TJ`` whose removed glyphs are replaced by the
  same horizontal displacement, so the rest of the line stays where it was. The text is decoded with the font's
  ``/ToUnicode`` CMap (else its simple encoding); widths come from ``/Widths``, ``/W`` or the standard 14 metrics.

Content can only change before the first signature: a signed document is never rewritten here.

Bounded work: a content stream (page or form) is parsed only when it is at most :data:`MAX_CONTENT_BYTES` once
decompressed, measured without decompressing more than that (a 228 KB file whose content expands to 200 MB made
the parse hold tens of GB); poppler gets :data:`PDFTOTEXT_TIMEOUT_S`. Beyond either, the file is refused.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pikepdf

from vanthu_core.errors import InvalidArgument
from vanthu_signing.domain.appearance import Anchor
from vanthu_signing.pdfdoc import load_pdf, page_count, page_geometry

_WORD = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">|'
                   r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>')
#: Largest decompressed content (bytes) of one page or form XObject that is parsed and rewritten; a text page of an
#: administrative document is a few tens of kilobytes.
MAX_CONTENT_BYTES = 8 * 1024 * 1024
#: Largest decompressed /ToUnicode or /Encoding CMap read.
MAX_CMAP_BYTES = 1024 * 1024
#: Filters other than Flate are decoded only when their input is this many times smaller than the limit.
MAX_EXPANSION = 200
PDFTOTEXT_TIMEOUT_S = 60.0


def bounded_length(stream: Any, limit: int) -> int:
    """The decompressed length of a PDF stream, or ``limit + 1`` as soon as it is known to exceed ``limit``,
    without decompressing more than ``limit + 1`` bytes (Flate) or anything that could expand past it."""
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else \
        [str(filters)] if filters is not None else []
    raw = stream.read_raw_bytes()
    if not names:
        return len(raw)
    if names == ["/FlateDecode"]:
        try:
            return len(zlib.decompressobj().decompress(raw, limit + 1))
        except zlib.error:
            return len(raw)  # pikepdf's own decoding will say what is wrong with it
    if len(raw) * MAX_EXPANSION > limit:
        return limit + 1
    return len(stream.read_bytes())


def _contents(obj: Any) -> list[Any]:
    contents = obj.get("/Contents") if isinstance(obj, pikepdf.Dictionary) else None
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    return []


def refuse_oversized(streams: Iterable[Any], what: str) -> None:
    """InvalidArgument("source") when the streams together decompress to more than :data:`MAX_CONTENT_BYTES`."""
    total = 0
    for stream in streams:
        total += bounded_length(stream, MAX_CONTENT_BYTES - total)
        if total > MAX_CONTENT_BYTES:
            raise InvalidArgument("source", f"nội dung của {what} vượt {MAX_CONTENT_BYTES // 2**20} MiB sau khi giải "
                                            "nén (không phải trang văn bản thông thường): hãy lưu lại văn bản dạng "
                                            "PDF thường, hoặc quét lại.")


def _read_cmap(stream: Any) -> bytes:
    if bounded_length(stream, MAX_CMAP_BYTES) > MAX_CMAP_BYTES:
        raise InvalidArgument("source", "bảng mã ký tự của một phông chữ vượt 1 MiB: hãy lưu lại văn bản.")
    return bytes(stream.read_bytes())


_ENTITIES = {"&#91;": "[", "&#93;": "]", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}


def _unescape(word: str) -> str:
    for entity, char in _ENTITIES.items():
        word = word.replace(entity, char)
    return word


def find_anchors(pdf: bytes, needles: Iterable[str]) -> dict[str, Anchor]:
    """The first occurrence of each needle (a single word, or part of one) in the page text: page, box of the word
    in user space, MediaBox size and page geometry. Needles not found are absent from the result; a file poppler
    cannot read gives an empty result."""
    return locate(pdf, needles)[0]


def locate(pdf: bytes, needles: Iterable[str]) -> tuple[dict[str, Anchor], set[int]]:
    """:func:`find_anchors`, and the 0-based pages whose text holds any of the needles (one poppler run)."""
    wanted = [n for n in needles if n]
    pages_with: set[int] = set()
    try:
        data, reader = load_pdf(pdf)
    except Exception:
        return {}, pages_with
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            proc = subprocess.run(["pdftotext", "-bbox", tmp.name, "-"], capture_output=True, check=False,
                                  timeout=PDFTOTEXT_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise InvalidArgument("source", f"không đọc được chữ trong tệp PDF trong vòng {PDFTOTEXT_TIMEOUT_S:.0f} "
                                            "giây (tệp nặng bất thường): hãy lưu lại dạng PDF thường.") from exc
    if proc.returncode != 0:
        return {}, pages_with
    html = proc.stdout.decode("utf-8", "replace")
    found: dict[str, Anchor] = {}
    pages = page_count(reader)
    page, pw, ph = -1, 0.0, 0.0
    for m in _WORD.finditer(html):
        if m.group(1):
            page += 1
            pw, ph = float(m.group(1)), float(m.group(2))
            continue
        word = _unescape(m.group(7))
        for needle in wanted:
            if needle in word:
                pages_with.add(page)
            if needle in word and needle not in found and 0 <= page < pages:
                geometry = page_geometry(reader, page)
                box = geometry.from_poppler(*(float(m.group(i)) for i in (3, 4, 5, 6)))
                found[needle] = Anchor(page, box, pw, ph, geometry)
    return found, pages_with


# ---------------------------------------------------------------- fonts: codes, text, widths


def _hex(s: str) -> bytes:
    s = re.sub(r"\s+", "", s)
    return bytes.fromhex(s + "0" * (len(s) % 2))


def _utf16(data: bytes) -> str:
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError:
        return "\ufffd"


@dataclass
class _CMap:
    """The bfchar/bfrange entries of a /ToUnicode CMap, and its code space ranges (lengths of the codes)."""

    chars: dict[bytes, str] = field(default_factory=dict)
    ranges: list[tuple[int, int, int, bytes | list[bytes]]] = field(default_factory=list)
    spaces: list[tuple[int, int, int]] = field(default_factory=list)  # (length, lo, hi)

    @classmethod
    def parse(cls, data: bytes) -> _CMap:
        text = data.decode("latin-1")
        out = cls()
        for block in re.findall(r"begincodespacerange(.*?)endcodespacerange", text, re.S):
            for lo, hi in re.findall(r"<([0-9A-Fa-f\s]+)>\s*<([0-9A-Fa-f\s]+)>", block):
                b_lo, b_hi = _hex(lo), _hex(hi)
                out.spaces.append((len(b_lo), int.from_bytes(b_lo, "big"), int.from_bytes(b_hi, "big")))
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(r"<([0-9A-Fa-f\s]+)>\s*<([0-9A-Fa-f\s]*)>", block):
                out.chars[_hex(src)] = _utf16(_hex(dst))
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(r"<([0-9A-Fa-f\s]+)>\s*<([0-9A-Fa-f\s]+)>\s*(<[0-9A-Fa-f\s]*>|\[[^\]]*\])",
                                          block):
                b_lo = _hex(lo)
                target: bytes | list[bytes] = (
                    [_hex(x) for x in re.findall(r"<([0-9A-Fa-f\s]*)>", dst)] if dst.startswith("[")
                    else _hex(dst[1:-1]))
                out.ranges.append((len(b_lo), int.from_bytes(b_lo, "big"), int.from_bytes(_hex(hi), "big"), target))
        return out

    def lookup(self, code: bytes) -> str | None:
        if code in self.chars:
            return self.chars[code]
        value = int.from_bytes(code, "big")
        for length, lo, hi, target in self.ranges:
            if length == len(code) and lo <= value <= hi:
                if isinstance(target, list):
                    return _utf16(target[value - lo]) if value - lo < len(target) else None
                if not target:
                    return None
                base = int.from_bytes(target, "big") + (value - lo)
                return _utf16(base.to_bytes(len(target), "big", signed=False)) if base >= 0 else None
        return None


_GLYPH_NAMES = {"bracketleft": "[", "bracketright": "]", "underscore": "_", "space": " ", "hyphen": "-",
                "period": ".", "comma": ",", "colon": ":", "slash": "/"}
_STANDARD_14 = {"Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman",
                "Times-Bold", "Times-Italic", "Times-BoldItalic", "Courier", "Courier-Bold", "Courier-Oblique",
                "Courier-BoldOblique", "Symbol", "ZapfDingbats"}


def _glyph_char(name: str) -> str:
    if name in _GLYPH_NAMES:
        return _GLYPH_NAMES[name]
    if len(name) == 1:
        return name
    if re.fullmatch(r"uni[0-9A-Fa-f]{4}", name):
        return chr(int(name[3:], 16))
    return "\ufffd"


class _Font:
    """Decoding of the strings shown with one font: (code, text, width in text space units at size 1)."""

    def __init__(self, font: Any) -> None:
        self.font = font
        subtype = str(font.get("/Subtype", "")) if font is not None else ""
        self.composite = subtype == "/Type0"
        to_unicode = font.get("/ToUnicode") if font is not None else None
        self.cmap = _CMap.parse(_read_cmap(to_unicode)) if isinstance(to_unicode, pikepdf.Stream) else None
        self.spaces: list[tuple[int, int, int]] = []
        self.scale = 0.001
        self.widths: dict[int, float] = {}
        self.default_width = 0.0
        self.differences: dict[int, str] = {}
        self.base_font = ""
        if font is None:
            return
        if self.composite:
            self._init_composite(font)
        else:
            self._init_simple(font, subtype)

    def _init_composite(self, font: Any) -> None:
        encoding = font.get("/Encoding")
        if isinstance(encoding, pikepdf.Stream):
            self.spaces = _CMap.parse(_read_cmap(encoding)).spaces
        if not self.spaces:
            self.spaces = [(2, 0, 0xFFFF)]
        descendants = font.get("/DescendantFonts")
        cid_font = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
        if cid_font is None:
            return
        self.default_width = float(cid_font.get("/DW", 1000))
        w = cid_font.get("/W")
        if isinstance(w, pikepdf.Array):
            items = list(w)
            i = 0
            while i + 1 < len(items):
                first = int(items[i])
                if isinstance(items[i + 1], pikepdf.Array):
                    for j, width in enumerate(items[i + 1]):
                        self.widths[first + j] = float(width)
                    i += 2
                elif i + 2 < len(items):
                    for cid in range(first, int(items[i + 1]) + 1):
                        self.widths[cid] = float(items[i + 2])
                    i += 3
                else:
                    break

    def _init_simple(self, font: Any, subtype: str) -> None:
        self.base_font = str(font.get("/BaseFont", ""))[1:]
        if subtype == "/Type3" and isinstance(font.get("/FontMatrix"), pikepdf.Array):
            self.scale = float(font["/FontMatrix"][0])
        widths = font.get("/Widths")
        if isinstance(widths, pikepdf.Array):
            first = int(font.get("/FirstChar", 0))
            self.widths = {first + i: float(v) for i, v in enumerate(widths)}
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None:
            self.default_width = float(descriptor.get("/MissingWidth", 0))
        encoding = font.get("/Encoding")
        if isinstance(encoding, pikepdf.Dictionary) and isinstance(encoding.get("/Differences"), pikepdf.Array):
            code = 0
            for item in encoding["/Differences"]:
                if isinstance(item, pikepdf.Name):
                    self.differences[code] = str(item)[1:]
                    code += 1
                else:
                    code = int(item)

    def _codes(self, data: bytes) -> list[bytes]:
        if not self.composite:
            return [data[i:i + 1] for i in range(len(data))]
        out, i = [], 0
        while i < len(data):
            for length, lo, hi in self.spaces:
                code = data[i:i + length]
                if len(code) == length and lo <= int.from_bytes(code, "big") <= hi:
                    break
            else:
                length = 1
                code = data[i:i + 1]
            out.append(code)
            i += length
        return out

    def _text(self, code: bytes) -> str:
        if self.cmap is not None:
            found = self.cmap.lookup(code)
            if found is not None:
                return found
        if self.composite:
            return "\ufffd"
        value = code[0]
        if value in self.differences:
            return _glyph_char(self.differences[value])
        return code.decode("cp1252", "replace")

    def _width(self, code: bytes) -> float:
        value = int.from_bytes(code, "big")
        if value in self.widths:
            return self.widths[value] * self.scale
        if not self.composite and self.base_font in _STANDARD_14:
            from reportlab.pdfbase import pdfmetrics

            return float(pdfmetrics.stringWidth(code.decode("cp1252", "replace"), self.base_font, 1000)) * self.scale
        return (self.default_width or (1000.0 if self.composite else 500.0)) * self.scale

    def glyphs(self, data: bytes) -> list[tuple[bytes, str, float]]:
        return [(code, self._text(code), self._width(code)) for code in self._codes(data)]


# ---------------------------------------------------------------- content rewriting


@dataclass
class _State:
    font: _Font | None = None
    size: float = 0.0
    tc: float = 0.0
    tw: float = 0.0


@dataclass
class _Glyph:
    instruction: int  # index in the instruction list
    element: int  # index of the string in the (TJ-normalised) operand array
    code: bytes
    text: str
    advance: float  # in thousandths of a text space unit, as TJ numbers count (before the sign flip)


_SHOW = {"Tj", "TJ", "'", '"'}


def _elements(instr: pikepdf.ContentStreamInstruction) -> list[Any]:
    op = str(instr.operator)
    if op == "TJ":
        return list(instr.operands[0]) if instr.operands and isinstance(instr.operands[0], pikepdf.Array) else []
    if op == '"':
        return [instr.operands[2]] if len(instr.operands) == 3 else []
    return [instr.operands[0]] if instr.operands else []


class _Rewriter:
    def __init__(self, needles: list[str]) -> None:
        self.needles = needles
        self.counts = dict.fromkeys(needles, 0)
        self.fonts: dict[tuple[int, int], _Font] = {}
        self.seen_forms: set[tuple[int, int]] = set()

    def font(self, resources: Any, name: Any) -> _Font | None:
        fonts = resources.get("/Font") if resources is not None else None
        obj = fonts.get(name) if isinstance(fonts, pikepdf.Dictionary) else None
        if obj is None:
            return None
        key = obj.objgen if obj.is_indirect else (id(obj), -1)
        if key not in self.fonts:
            self.fonts[key] = _Font(obj)
        return self.fonts[key]

    def rewrite(self, instructions: list[Any], resources: Any, state: _State) -> list[Any] | None:
        """The instructions without the needles' glyphs, or None when nothing changed. Form XObjects painted here
        are rewritten in place."""
        stack: list[_State] = []
        glyphs: list[_Glyph] = []
        deleted: set[tuple[int, int, int]] = set()  # (instruction, element, glyph index within the element)
        states: dict[int, _State] = {}
        replaced: dict[int, Any] = {}  # marked-content operators whose /ActualText named a placeholder
        for idx, instr in enumerate(instructions):
            if isinstance(instr, pikepdf.ContentStreamInlineImage):
                continue
            op = str(instr.operator)
            ops = instr.operands
            if op == "q":
                stack.append(replace(state))
            elif op == "Q" and stack:
                state = stack.pop()
            elif op == "Tf" and len(ops) == 2:
                state.font, state.size = self.font(resources, ops[0]), float(ops[1])
            elif op == "Tc" and ops:
                state.tc = float(ops[0])
            elif op == "Tw" and ops:
                state.tw = float(ops[0])
            elif op == '"' and len(ops) == 3:
                state.tw, state.tc = float(ops[0]), float(ops[1])
            elif op == "BT":
                glyphs = []
            elif op == "ET":
                self._match(glyphs, deleted)
                glyphs = []
            elif op == "Do" and ops:
                self._form(resources, ops[0], state)
            elif op == "BDC" and len(ops) == 2:
                fixed = self._actual_text(ops[1])
                if fixed is not None:
                    replaced[idx] = pikepdf.ContentStreamInstruction([ops[0], fixed], instr.operator)
            if op in _SHOW:
                states[idx] = replace(state)
                glyphs += self._glyphs(idx, instr, state)
        self._match(glyphs, deleted)
        if not deleted and not replaced:
            return None
        out: list[Any] = []
        for idx, instr in enumerate(instructions):
            touched = idx in states and any(d[0] == idx for d in deleted)
            out += self._rebuilt(idx, instr, states[idx], deleted) if touched else [replaced.get(idx, instr)]
        return out

    def _actual_text(self, properties: Any) -> Any | None:
        """An inline property list whose /ActualText (what text extraction reports instead of the glyphs) has the
        needles taken out, or None when it names none."""
        if not isinstance(properties, pikepdf.Dictionary) or not isinstance(properties.get("/ActualText"),
                                                                            pikepdf.String):
            return None
        text = str(properties["/ActualText"])
        if not any(n in text for n in self.needles):
            return None
        for needle in self.needles:
            text = text.replace(needle, "")
        fixed = pikepdf.Dictionary({k: v for k, v in properties.items()})
        fixed["/ActualText"] = pikepdf.String(text)
        return fixed

    def _glyphs(self, idx: int, instr: Any, state: _State) -> list[_Glyph]:
        font = state.font or _Font(None)
        out = []
        for e, element in enumerate(_elements(instr)):
            if not isinstance(element, pikepdf.String):
                continue
            for code, text, width in font.glyphs(bytes(element)):
                spacing = state.tc + (state.tw if code == b" " else 0.0)
                advance = width * 1000 + (spacing * 1000 / state.size if state.size else 0.0)
                out.append(_Glyph(idx, e, code, text, advance))
        return out

    def _match(self, glyphs: list[_Glyph], deleted: set[tuple[int, int, int]]) -> None:
        if not glyphs:
            return
        text = "".join(g.text for g in glyphs)
        # the glyph each character of ``text`` comes from (a code may decode to several characters)
        owner = [i for i, g in enumerate(glyphs) for _ in g.text]
        for needle in self.needles:
            start = text.find(needle)
            while start >= 0:
                self.counts[needle] += 1
                for i in sorted(set(owner[start:start + len(needle)])):
                    g = glyphs[i]
                    deleted.add((g.instruction, g.element, self._position(glyphs, i)))
                start = text.find(needle, start + len(needle))

    @staticmethod
    def _position(glyphs: list[_Glyph], i: int) -> int:
        """Index of glyph ``i`` within its string element."""
        g = glyphs[i]
        n = 0
        for other in glyphs[:i]:
            if other.instruction == g.instruction and other.element == g.element:
                n += 1
        return n

    def _rebuilt(self, idx: int, instr: Any, state: _State, deleted: set[tuple[int, int, int]]) -> list[Any]:
        font = state.font or _Font(None)
        array: list[Any] = []

        def push_number(n: float) -> None:
            if array and isinstance(array[-1], float):
                array[-1] += n
            else:
                array.append(n)

        for e, element in enumerate(_elements(instr)):
            if not isinstance(element, pikepdf.String):
                push_number(float(element))
                continue
            kept = b""
            for k, (code, _text, width) in enumerate(font.glyphs(bytes(element))):
                if (idx, e, k) not in deleted:
                    kept += code
                    continue
                if kept:
                    array.append(pikepdf.String(kept))
                    kept = b""
                spacing = state.tc + (state.tw if code == b" " else 0.0)
                push_number(-(width * 1000 + (spacing * 1000 / state.size if state.size else 0.0)))
            if kept:
                array.append(pikepdf.String(kept))
        shown = pikepdf.ContentStreamInstruction([pikepdf.Array(array)], pikepdf.Operator("TJ"))
        op = str(instr.operator)
        if op == "'":
            return [pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")), shown]
        if op == '"':
            aw, ac = instr.operands[0], instr.operands[1]
            return [pikepdf.ContentStreamInstruction([aw], pikepdf.Operator("Tw")),
                    pikepdf.ContentStreamInstruction([ac], pikepdf.Operator("Tc")),
                    pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")), shown]
        return [shown]

    def _form(self, resources: Any, name: Any, state: _State) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        form = xobjects.get(name) if isinstance(xobjects, pikepdf.Dictionary) else None
        if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != "/Form":
            return
        if form.objgen in self.seen_forms:
            return
        self.seen_forms.add(form.objgen)
        refuse_oversized([form], "a form XObject")
        try:
            instructions = list(pikepdf.parse_content_stream(form))
        except pikepdf.PdfError:
            return
        changed = self.rewrite(instructions, form.get("/Resources", resources), replace(state))
        if changed is not None:
            form.write(pikepdf.unparse_content_stream(changed))


def remove_placeholders(pdf: bytes, needles: Iterable[str],
                        pages: Iterable[int] | None = None) -> tuple[bytes, dict[str, int]]:
    """The document with every occurrence of the needles taken out of the page content (and of the form XObjects
    the pages paint) of ``pages`` (0-based; default all), and how many occurrences of each were removed.
    Unchanged bytes when none was found.

    For unsigned documents only: rewriting content invalidates any earlier signature.
    """
    wanted = [n for n in needles if n]
    rewriter = _Rewriter(wanted)
    if not wanted:
        return pdf, rewriter.counts
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        chosen = set(range(len(doc.pages))) if pages is None else set(pages)
        for index, page in enumerate(doc.pages):
            if index not in chosen:
                continue
            refuse_oversized(_contents(page.obj), f"page {index + 1}")
            try:
                instructions = list(pikepdf.parse_content_stream(page))
            except pikepdf.PdfError:
                continue
            changed = rewriter.rewrite(instructions, page.obj.get("/Resources"), _State())
            if changed is not None:
                page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(changed))
        if not any(rewriter.counts.values()):
            return pdf, rewriter.counts
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue(), rewriter.counts
