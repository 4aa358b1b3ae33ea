"""Downloads named by a file code: the records forms and packages, the register book (issue 16's review)."""

from __future__ import annotations

from types import SimpleNamespace

from vanthu_gateway.disposition import file_name
from vanthu_gateway.routes import records

#: A plan heading's abbreviation may hold Đ (Thi đua, khen thưởng → TĐKT), so file codes and the names of their
#: table of contents and export package do: a header must still be ISO-8859-1.
CODE = "000.00.00.H61.2026.02.TĐKT"


def test_a_download_named_with_d_stroke_keeps_its_name_and_a_plain_fallback() -> None:
    reply = SimpleNamespace(content=b"PK", content_type="application/zip", file_name=f"muc-luc-{CODE}.pdf")
    response = records._download(reply)
    raw = dict(response.raw_headers)[b"content-disposition"]
    assert file_name(raw) == f"muc-luc-{CODE}.pdf"
    assert b'filename="muc-luc-000.00.00.H61.2026.02.TDKT.pdf"' in raw


def test_quotes_and_control_characters_in_a_name_do_not_reach_the_header_raw() -> None:
    name = 'a"b\\c;\x07đ ồ.zip'
    raw = dict(records._download(SimpleNamespace(content=b"", content_type="application/zip",
                                                 file_name=name)).raw_headers)[b"content-disposition"]
    assert raw.startswith(b'attachment; filename="a_b_c;_d o.zip"; filename*=UTF-8\'\'')
    assert file_name(raw) == name
