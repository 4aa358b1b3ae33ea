"""Snippets: the words of a field that match a clause, exactly or folded (tones, case, đ and its look-alikes), as
spans of a window of the text, wherever in a long text they first appear; no snippet where no word matches."""

from __future__ import annotations

import pytest

from vanthu_search.domain.highlight import WINDOW, highlight, highlights
from vanthu_search.domain.model import IndexedDocument
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


def test_a_long_summary_comes_whole_with_its_matches_marked_while_a_files_text_is_cut_to_a_window() -> None:
    """The results list shows the summary as the hit's title: a window there dropped its start."""
    abstract = ("V/v đề nghị hỗ trợ kinh phí sửa chữa đường giao thông nông thôn liên xã Triệu Cường, Triệu Long "
                "bị hư hỏng nặng do mưa lũ kéo dài trong tháng 10 và tháng 11 năm 2026, ảnh hưởng đến việc đi lại "
                "của nhân dân và học sinh trên địa bàn huyện Triệu Phong")
    assert len(abstract) > WINDOW
    doc = IndexedDocument(id="d-1", agency_code="000.00.00.H61", audience=("*",), abstract=abstract,
                          content=f"{FILLER}Triệu Phong {FILLER}")
    found = {h.field: h for h in highlights(doc, parse("trieu phong"))}
    assert found["abstract"].text == abstract
    assert [abstract[s.start:s.end] for s in found["abstract"].spans] == ["Triệu", "Triệu", "Triệu", "Phong"]
    assert len(found["content"].text) <= WINDOW
