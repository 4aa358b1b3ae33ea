"""The behaviour suite every backend passes: the relevance set of issue 15 (with and without diacritics, exact
diacritics first, phrases, numbers and symbols, filters), facets, sorting, and access (agency and audience) in hits,
counts and facets. Tantivy always; a real OpenSearch when VANTHU_TEST_OPENSEARCH_URL is set (skipped otherwise)."""

from __future__ import annotations

from typing import Any

import pytest

from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import Caller, Filters, IndexedDocument
from vanthu_search.domain.query import parse

from .conftest import AGENCY, RELEVANCE, relevance_documents

pytestmark = pytest.mark.unit
EVERYONE = Caller(AGENCY, frozenset({"*"}))


@pytest.fixture
def relevance(make_backend: Any) -> Any:
    backend = make_backend()
    backend.upsert(relevance_documents())
    return backend


def ids(result: Any) -> list[str]:
    return [h.document.id for h in result.hits]


def test_the_relevance_set_finds_what_each_query_expects(relevance: Any) -> None:
    assert len(RELEVANCE["documents"]) >= 60
    failures = []
    for case in RELEVANCE["queries"]:
        filters = Filters(type_code=case.get("type", ""), year=case.get("year", 0),
                          issuing_agency_code=case.get("from", ""), direction=case.get("dir", ""))
        result = relevance.search(EVERYONE, parse(case["q"]), filters, sort="relevance", offset=0, limit=100)
        found = ids(result)
        missing = [d for d in case["hits"] if d not in found]
        unwanted = [d for d in case.get("none", []) if d in found]
        wrong_first = "first" in case and (not found or found[0] != case["first"])
        if not case["hits"] and "none" not in case and found:
            unwanted = found
        if missing or unwanted or wrong_first:
            failures.append(f"{case['q']!r}: found {found[:8]}, missing {missing}, unwanted {unwanted}"
                            + (f", first should be {case['first']}" if wrong_first else ""))
        assert result.total == len(found)
    assert not failures, "\n".join(failures)


def test_facets_count_every_match_not_only_the_page(relevance: Any) -> None:
    result = relevance.search(EVERYONE, parse("ngân sách"), Filters(), sort="relevance", offset=0, limit=1)
    assert len(result.hits) == 1 and result.total == 3
    assert {f.value: f.count for f in result.facets["year"]} == {"2024": 2, "2025": 1}
    assert {f.value: f.count for f in result.facets["direction"]} == {"incoming": 3}
    assert {f.value: f.count for f in result.facets["type_code"]} == {"BC": 1, "QD": 1, "NQ": 1}


def test_sort_by_date_puts_the_newest_first_and_pages_do_not_overlap(relevance: Any) -> None:
    first = relevance.search(EVERYONE, parse("quyết định"), Filters(), sort="date", offset=0, limit=5)
    second = relevance.search(EVERYONE, parse("quyết định"), Filters(), sort="date", offset=5, limit=5)
    dates = [h.document.document_date for h in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)
    assert not set(ids(first)) & set(ids(second))


def test_snippets_mark_the_words_found_with_or_without_diacritics(relevance: Any) -> None:
    result = relevance.search(EVERYONE, parse("du lich cong dong"), Filters(), sort="relevance", offset=0, limit=1)
    (snippet,) = [h for h in result.hits[0].highlights if h.field == "abstract"]
    marked = [snippet.text[s.start:s.end] for s in snippet.spans]
    assert marked == ["du", "lịch", "cộng", "đồng"]


def test_an_update_replaces_the_entry_and_a_redelivery_changes_nothing(make_backend: Any) -> None:
    backend = make_backend()
    doc = IndexedDocument(id="x1", agency_code=AGENCY, audience=("*",), abstract="Về việc cấp phép khai thác cát")
    backend.upsert([doc])
    backend.upsert([doc])
    assert backend.count() == 1
    backend.upsert([IndexedDocument(id="x1", agency_code=AGENCY, audience=("*",), abstract="Về việc nạo vét kênh")])
    assert backend.search(EVERYONE, parse("cát"), Filters(), sort="relevance", offset=0, limit=10).total == 0
    assert backend.search(EVERYONE, parse("nạo vét"), Filters(), sort="relevance", offset=0, limit=10).total == 1
    backend.delete(AGENCY, "x1")
    assert backend.count() == 0 and backend.get(AGENCY, "x1") is None


# -- access: another agency's documents, and those whose audience leaves the caller out -----------------------------
def test_agency_b_documents_are_invisible_to_agency_a_in_hits_counts_and_facets(make_backend: Any) -> None:
    backend = make_backend()
    backend.upsert([
        IndexedDocument(id="a1", agency_code="A", audience=("*",), abstract="Kế hoạch phòng chống lụt bão",
                        type_code="KH", document_date="2025-09-01"),
        IndexedDocument(id="b1", agency_code="B", audience=("*",), abstract="Kế hoạch phòng chống lụt bão",
                        type_code="QD", document_date="2024-09-01"),
        IndexedDocument(id="b2", agency_code="B", audience=("*",), abstract="Phương án phòng chống lụt bão",
                        type_code="PA", document_date="2024-09-01")])
    result = backend.search(Caller("A", frozenset({"*"})), parse("lụt bão"), Filters(), sort="relevance",
                            offset=0, limit=10)
    assert ids(result) == ["a1"] and result.total == 1
    assert {f.value for f in result.facets["type_code"]} == {"KH"}
    assert {f.value for f in result.facets["year"]} == {"2025"}
    # the filters do not reach across either
    assert backend.search(Caller("A", frozenset({"*"})), [], Filters(type_code="QD"), sort="date", offset=0,
                          limit=10).total == 0


def test_a_document_whose_audience_leaves_the_officer_out_is_invisible_to_them_counts_and_facets_too(
        make_backend: Any) -> None:
    backend = make_backend()
    backend.upsert([
        IndexedDocument(id="open", agency_code="A", audience=("*",), abstract="Về việc kiểm kê tài sản công",
                        type_code="CV", status="registered"),
        IndexedDocument(id="assigned", agency_code="A", audience=("role:clerk", "role:leader", "unit:KT"),
                        abstract="Về việc kiểm kê tài sản cố định", type_code="TTr", status="registered"),
        IndexedDocument(id="personal", agency_code="A", audience=("user:sub-lan",),
                        abstract="Về việc kiểm kê kho lưu trữ", type_code="BC", status="registered"),
        IndexedDocument(id="nobody", agency_code="A", audience=(), abstract="Về việc kiểm kê quỹ tiền mặt",
                        type_code="QD", status="registered")])
    officer = Caller("A", principals_of("sub-minh", ["officer"], ["TCHC"]))
    result = backend.search(officer, parse("kiểm kê"), Filters(), sort="relevance", offset=0, limit=10)
    assert ids(result) == ["open"] and result.total == 1
    assert {f.value: f.count for f in result.facets["type_code"]} == {"CV": 1}
    assert {f.value: f.count for f in result.facets["status"]} == {"registered": 1}
    # in the unit it was assigned to, or by name, or as a clerk, it is seen; a list naming nobody shows it to nobody
    in_unit = Caller("A", principals_of("sub-hoa", ["officer"], ["KT"]))
    assert set(ids(backend.search(in_unit, parse("kiểm kê"), Filters(), sort="relevance", offset=0, limit=10))) == {
        "open", "assigned"}
    named = Caller("A", principals_of("sub-lan", ["officer"], []))
    assert set(ids(backend.search(named, parse("kiểm kê"), Filters(), sort="relevance", offset=0, limit=10))) == {
        "open", "personal"}
    clerk = Caller("A", principals_of("sub-an", ["clerk"], []))
    assert "nobody" not in ids(backend.search(clerk, parse("kiểm kê"), Filters(), sort="relevance", offset=0,
                                              limit=10))
