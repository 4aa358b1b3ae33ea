"""Snippets: the words of a field that match a clause, exactly or folded (tones, case, đ and its look-alikes), as
spans of a window of the text, wherever in a long text they first appear; no snippet where no word matches."""

from __future__ import annotations

import pytest

from vanthu_search.domain.highlight import WINDOW, highlight
from vanthu_search.domain.query import parse

pytestmark = pytest.mark.unit
FILLER = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; " * 600


@pytest.mark.parametrize(("query", "written"), [("de an", "ÐỀ ÁN"), ("đề án", "Đề án"), ("phe duyet", "Phê duyệt"),
                                                ("123/qđ", "123/QĐ-UBND")])
def test_a_match_deep_in_a_long_text_is_marked_as_written(query: str, written: str) -> None:
    text = f"{FILLER}Điều 1. {written} cải cách hành chính. {FILLER}"
    found = highlight("content", text, parse(query))
    assert found is not None and len(found.text) <= WINDOW
    marked = [found.text[s.start:s.end] for s in found.spans]
    assert marked and all(m in written for m in marked) and "".join(marked).replace(" ", "") != ""


def test_no_snippet_where_no_word_matches_and_a_word_inside_another_is_no_match() -> None:
    assert highlight("content", FILLER, parse("khen thưởng")) is None
    assert highlight("content", "các thànhphố lớn " + FILLER, parse("pho")) is None
    inside = highlight("content", "chuyênđề " + FILLER + " chuyên đề", parse("đề"))
    assert inside is not None and [inside.text[s.start:s.end] for s in inside.spans] == ["đề"]
